//! Rekey's engine: finds MCP client configs, talks to the OS keychain, and (in later issues) rotates keys.
//!
//! This crate has no GUI dependency; the Tauri app (`rekey-app`) and the `rekey` CLI are thin layers over it.

pub mod add;
pub mod catalog;
pub mod change;
pub mod cli;
pub mod clients;
pub mod context;
pub mod datafile;
pub mod edit;
pub mod error;
pub mod exposure;
pub mod guard;
pub mod ipc;
pub mod live;
pub use providers::mcp;
pub mod panic;
pub mod paths;
pub mod percent;
pub mod protect;
pub mod providers;
pub mod replace;
pub mod restore;
pub mod rotation;
pub mod scan;
pub mod scrub;
pub mod secret;
#[doc(hidden)]
pub mod testhook;
pub mod vault;

pub use error::{Error, Result};
pub use secret::Secret;

use serde::Serialize;
use ts_rs::TS;

/// The engine's version (the workspace version).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// What the app's first screen shows: the engine's version and where it looks for MCP configs.
#[derive(Debug, Clone, Serialize, TS)]
pub struct EngineInfo {
    pub version: &'static str,
    pub platform: clients::Platform,
    pub config_files: Vec<clients::ConfigFile>,
    /// The `rekey` CLI protected entries start ([`protect::rekey_bin`]), shown in Settings.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rekey_cli: Option<String>,
    /// Why the CLI cannot be found (then `rekey_cli` is absent).
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rekey_cli_error: Option<String>,
}

/// Engine facts for this process's environment.
pub fn engine_info() -> Result<EngineInfo> {
    let env = clients::Env::from_os()?;
    let cli = protect::rekey_bin();
    Ok(EngineInfo {
        version: VERSION,
        platform: env.platform,
        config_files: clients::user_config_files(&env),
        rekey_cli: cli.as_ref().ok().cloned(),
        rekey_cli_error: cli.err().map(|e| e.to_string()),
    })
}
