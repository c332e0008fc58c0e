//! Everything an engine call needs about this machine: client dirs, Rekey's data dir, settings.

use crate::clients::Env;
use crate::edit::backup::Backups;
use crate::scan::{self, fingerprint::Fingerprinter, ScanOptions, ScanReport};
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

    /// Protected entries whose `rekey` is gone ([`crate::protect::bin::stale_entries`]), for `rekey doctor`:
    /// a scan that writes nothing (no fingerprint key is created; credential ids are not needed here).
    pub fn stale_rekey(&self) -> Vec<crate::protect::StaleRekey> {
        scan::scan(&ScanOptions {
            env: self.env.clone(),
            project_folders: self.settings.project_folders.clone(),
            fingerprinter: Fingerprinter::with_key([0; 32]),
        })
        .stale_rekey
    }

    pub fn scan(&self) -> Result<ScanReport> {
        let fingerprinter = Fingerprinter::load_or_create(&self.data_dir)
            .map_err(|e| Error::io(&self.data_dir, e))?;
        let mut report = scan::scan(&ScanOptions {
            env: self.env.clone(),
            project_folders: self.settings.project_folders.clone(),
            fingerprinter,
        });
        // Protected usages (`rekey://<id>`) are reported under the credential their reference holds.
        let index = crate::protect::index::Index::new(&self.data_dir)
            .all()
            .map_err(|e| Error::io(self.data_dir.join("protected.json"), e))?;
        if !index.is_empty() {
            crate::protect::index::attach(&mut report, &index);
        }
        self.attach_keys(&mut report);
        Ok(report)
    }

    /// Give every credential of `report` its key's id for life (new keys get one now), its name, and
    /// whether its value is one the key had before (rotated or replaced away). A registry that cannot be
    /// read or written leaves the ids out (the fingerprints still work) rather than failing the scan.
    fn attach_keys(&self, report: &mut ScanReport) {
        let keys = crate::change::keys::Keys::new(&self.data_dir);
        let creds: Vec<(String, Option<&str>)> = report
            .credentials
            .iter()
            .map(|c| (c.id.clone(), c.provider))
            .collect();
        let (Ok(map), Ok(all)) = (keys.assign(&creds), keys.all()) else {
            return;
        };
        for c in report.credentials.iter_mut() {
            let Some(id) = map.get(&c.id) else { continue };
            if let Some(k) = all.get(id) {
                c.name = k.name.clone();
                c.superseded = k.current() != Some(c.id.as_str());
            }
            c.key = Some(id.clone());
        }
    }

    /// What a key named on the command line or by the app is now: a key id for life, an older
    /// credential id of the key (after a rotation), or a credential id as `rekey scan` prints it. Gives
    /// the credential id of the key's value now; a name the registry does not know is returned as it is
    /// (the operation then says it knows no such credential).
    pub fn resolve(&self, what: &str) -> String {
        match crate::change::keys::Keys::new(&self.data_dir).resolve(what) {
            Ok(Some(r)) => r.credential,
            _ => what.to_string(),
        }
    }
}
