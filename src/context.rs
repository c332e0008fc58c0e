//! Everything an engine call needs about this machine: client dirs, Rekey's data dir, settings.
//!
//! `Context::scan` (the scan joined with the protect index and the key registry) and `Context::resolve`
//! are defined with what they join, in `protect/scan.rs`: this file stays below every part of the engine
//! that takes a `Context`.

use crate::clients::Env;
use crate::edit::backup::Backups;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use ts_rs::TS;

/// Rekey's settings file (`settings.json` in the data dir). Holds no secrets.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct Settings {
    /// Project folders to scan for `.mcp.json`, `.cursor/mcp.json`, `.vscode/mcp.json`, …
    pub project_folders: Vec<PathBuf>,
    /// Keys older than this are due for rotation (listed first, counted in the tray).
    pub max_key_age_days: u32,
    /// How long an old key keeps working after a rotation, for providers with a grace period
    /// (Cloudflare Access), unless a rotation says otherwise.
    pub grace_minutes: u32,
    /// Desktop notifications when a key becomes due (at most once a day per key).
    pub notify_due: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            project_folders: Vec::new(),
            max_key_age_days: 90,
            grace_minutes: 10,
            notify_due: true,
        }
    }
}

pub struct Context {
    pub env: Env,
    pub data_dir: PathBuf,
    pub settings: Settings,
    /// What this context's scans found, for its next scan of a file whose bytes a plan still holds (a
    /// change re-scans under the key's lock: see `scan::ScanCache`).
    pub scan_cache: crate::scan::ScanCache,
}

impl Context {
    pub fn from_os() -> Result<Self> {
        let env = Env::from_os()?;
        let data_dir = crate::paths::data_dir()?;
        let settings = match std::fs::read(data_dir.join("settings.json")) {
            Ok(b) => serde_json::from_slice(&b).map_err(|e| {
                Error::InvalidInput(format!("{}: {e}", data_dir.join("settings.json").display()))
            })?,
            Err(_) => Settings::default(),
        };
        Ok(Context {
            env,
            data_dir,
            settings,
            scan_cache: Default::default(),
        })
    }

    /// Check and save the settings (private, atomic). Bad values are refused and nothing is written.
    pub fn save_settings(&mut self, settings: Settings) -> Result<()> {
        if !(1..=3650).contains(&settings.max_key_age_days) {
            return Err(Error::InvalidInput(
                "the max key age must be 1 to 3650 days".into(),
            ));
        }
        if settings.grace_minutes > 7 * 24 * 60 {
            return Err(Error::InvalidInput(
                "the grace period must be at most 7 days".into(),
            ));
        }
        if let Some(p) = settings.project_folders.iter().find(|p| !p.is_absolute()) {
            return Err(Error::InvalidInput(format!(
                "project folders must be absolute paths: {}",
                p.display()
            )));
        }
        let path = self.data_dir.join("settings.json");
        crate::datafile::write_json(&path, &settings).map_err(|e| Error::io(&path, e))?;
        self.settings = settings;
        Ok(())
    }

    pub fn backups(&self) -> Backups {
        Backups::new(self.data_dir.join("backups"))
    }
}
