//! Tauri commands: thin translations to engine calls. Errors cross as `{code, message}`.

use rekey::vault::{Vault, VaultStatus};
use rekey::EngineInfo;

/// The engine's version and the MCP client config files it looks at on this machine.
#[tauri::command(async)]
pub fn engine_info() -> Result<EngineInfo, rekey::Error> {
    rekey::engine_info()
}

/// Whether the OS keychain can be used right now.
#[tauri::command(async)]
pub fn keychain_status() -> VaultStatus {
    Vault::default().status()
}

/// Every MCP client config, its servers and slots, and the credentials (masked; no secret crosses IPC).
#[tauri::command(async)]
pub fn scan() -> Result<rekey::scan::ScanReport, rekey::Error> {
    rekey::context::Context::from_os()?.scan()
}
