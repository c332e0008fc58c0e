//! The live view's engine side: which directories to watch, and which key usages a client's own rewrite
//! of its config made disappear (Claude Desktop is known to wipe `mcpServers`), with the backup that
//! would bring them back. The app does the watching (notify); the rules are here.

use crate::clients::{self, Env};
use crate::edit::backup::{BackupEntry, Backups};
use crate::scan::{FileStatus, ScanReport};
#[cfg(test)]
use crate::{Error, Result};
use serde::Serialize;
use std::path::{Path, PathBuf};
use ts_rs::TS;

/// Every config file Rekey reads or could read (user level, and the project files the scan found).
pub fn config_paths(env: &Env, report: &ScanReport) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = clients::user_config_files(env)
        .into_iter()
        .map(|c| c.location.path)
        .collect();
    for f in &report.files {
        if !paths.contains(&f.path) {
            paths.push(f.path.clone());
        }
    }
    paths
}

/// The directories to watch (not recursively): the parent of every config file, or, while that does not
/// exist yet (a client installed later), its nearest existing ancestor. Parents, not files, so an
/// editor's or a client's replace-by-rename is seen too.
pub fn watch_dirs(config_paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = Vec::new();
    for f in config_paths {
        let Some(dir) = f.ancestors().skip(1).find(|a| a.is_dir()) else {
            continue;
        };
        if !dirs.iter().any(|d| d == dir) {
            dirs.push(dir.to_path_buf());
        }
    }
    dirs
}

/// Does a file-system event at `path` matter: a config file itself, or a folder on the way to one
/// (created or renamed, so that the watch can move closer)?
pub fn is_relevant(config_paths: &[PathBuf], path: &Path) -> bool {
    config_paths
        .iter()
        .any(|c| c == path || c.starts_with(path))
}

/// MCP servers holding keys that were in a file and are gone from it now, though the file still parses.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, TS)]
pub struct Lost {
    pub path: PathBuf,
    pub client: String,
    /// The servers (with key usages) that disappeared.
    pub servers: Vec<String>,
    /// The backup a restore puts back: the content seen before the rewrite (or the newest that parsed).
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backup: Option<BackupEntry>,
}

/// Compare two scans of the same machine: every file that still parses but lost servers with keys.
pub fn lost_servers(before: &ScanReport, now: &ScanReport, backups: &Backups) -> Vec<Lost> {
    let mut out = Vec::new();
    let index = backups.list().unwrap_or_default();
    for (idx, old) in before.files.iter().enumerate() {
        if old.servers.is_empty() {
            continue;
        }
        let Some(new) = now.files.iter().find(|f| f.path == old.path) else {
            continue; // the file is gone entirely: not a client's rewrite
        };
        if new.status != FileStatus::Ok {
            continue; // half-written or broken: wait for the next event
        }
        let gone: Vec<String> = old
            .servers
            .iter()
            .filter(|s| {
                !new.servers
                    .iter()
                    .any(|n| n.name == s.name && n.project == s.project)
            })
            .map(|s| s.name.clone())
            .collect();
        if gone.is_empty() {
            continue;
        }
        // What a restore puts back: exactly the content seen before the client's rewrite, kept as a
        // backup (it may hold a key Rekey itself wrote, which older backups do not have).
        let seen = before.contents.get(idx).cloned().flatten();
        let backup = index
            .iter()
            .rev()
            .find(|b| b.original == old.path && Some(&b.hash) == old.hash.as_ref())
            .cloned()
            .or_else(|| {
                let bytes = seen?;
                let id = backups.save(&old.path, &bytes, true).ok()?;
                backups.list().ok()?.into_iter().find(|b| b.id == id)
            })
            .or_else(|| {
                index
                    .iter()
                    .rev()
                    .find(|b| b.original == old.path && b.parsed)
                    .cloned()
            });
        out.push(Lost {
            path: old.path.clone(),
            client: clients::by_id(old.client).name().to_string(),
            servers: gone,
            backup,
        });
    }
    out
}

/// Keep the offers that still apply after a new scan, and add new ones: an offer stays until the file has
/// its servers back (restored by Rekey or by hand) or the user dismisses it.
pub fn merge_lost(mut offers: Vec<Lost>, new: Vec<Lost>, now: &ScanReport) -> Vec<Lost> {
    offers.retain(|o| {
        now.files.iter().any(|f| {
            f.path == o.path
                && o.servers
                    .iter()
                    .any(|s| !f.servers.iter().any(|n| &n.name == s))
        })
    });
    for n in new {
        match offers.iter_mut().find(|o| o.path == n.path) {
            Some(o) => {
                for s in n.servers {
                    if !o.servers.contains(&s) {
                        o.servers.push(s);
                    }
                }
            }
            None => offers.push(n),
        }
    }
    offers
}

/// Put a backup back in place: atomically, locked, and the current content backed up first. (The
/// engine's own restore is a change with a plan, locks and history; this bare form
/// is for tests of the watcher.)
#[cfg(test)]
fn restore(backups: &Backups, id: &str) -> Result<BackupEntry> {
    let (entry, bytes) = backups
        .get(id)
        .map_err(|e| Error::InvalidInput(format!("backup {id}: {e}")))?;
    let current =
        crate::edit::read::read(&entry.original).map_err(|e| Error::io(&entry.original, e))?;
    let expected = crate::edit::atomic::Expected::hash(crate::edit::atomic::content_hash(&current));
    crate::edit::atomic::replace_file(&entry.original, &expected, backups, |old| {
        Ok(crate::edit::atomic::Splice::whole(old.len(), bytes))
    })
    .map_err(|e| Error::InvalidInput(e.to_string()))?;
    Ok(entry)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clients::Env;
    use crate::scan::{fingerprint::Fingerprinter, scan, ScanOptions};

    fn scan_of(env: &Env, data: &Path) -> ScanReport {
        scan(&ScanOptions {
            env: env.clone(),
            project_folders: Vec::new(),
            fingerprinter: Fingerprinter::load_or_create(data).unwrap(),
        })
    }

    #[test]
    fn a_wiped_mcp_servers_is_an_offer_with_the_last_good_backup_and_restore_brings_it_back() {
        let home = tempfile::tempdir().unwrap();
        let env = Env::linux_at(home.path());
        let data = home.path().join("data");
        let backups = Backups::new(data.join("backups"));
        let cursor = home.path().join(".cursor/mcp.json");
        std::fs::create_dir_all(cursor.parent().unwrap()).unwrap();
        let original = r#"{"mcpServers": {"bitscale": {"command": "uvx", "env": {"BITSCALE_API_KEY": "bs_live_0123456789abcdef"}}}}"#;
        std::fs::write(&cursor, original).unwrap();
        let before = scan_of(&env, &data);
        let paths = config_paths(&env, &before);
        let dirs = watch_dirs(&paths);
        assert!(dirs.contains(&cursor.parent().unwrap().to_path_buf()));
        // Claude Desktop's folder does not exist yet: its nearest existing ancestor is watched.
        assert!(dirs.contains(&env.config_dir) || dirs.contains(&home.path().to_path_buf()));
        assert!(is_relevant(&paths, &cursor));
        assert!(is_relevant(&paths, &env.config_dir.join("Claude")));
        assert!(!is_relevant(&paths, &cursor.with_file_name("other.json")));
        assert!(!is_relevant(&paths, &home.path().join(".bash_history")));
        backups.save(&cursor, original.as_bytes(), true).unwrap();

        // An unrelated edit that keeps the server: no offer.
        std::fs::write(&cursor, original.replace("uvx", "uvx2")).unwrap();
        let same = scan_of(&env, &data);
        assert!(lost_servers(&before, &same, &backups).is_empty());

        // The client wipes its servers.
        std::fs::write(&cursor, r#"{"mcpServers": {}}"#).unwrap();
        let wiped = scan_of(&env, &data);
        let lost = lost_servers(&same, &wiped, &backups);
        assert_eq!(lost.len(), 1);
        assert_eq!(lost[0].path, cursor);
        assert_eq!(lost[0].servers, ["bitscale"]);
        let backup = lost[0].backup.clone().expect("the backup is offered");
        // It is the content seen just before the wipe (with the unrelated edit), not the older backup.
        assert_eq!(
            backups.get(&backup.id).unwrap().1,
            original.replace("uvx", "uvx2").as_bytes()
        );
        // The offer stays across an unrelated rescan, and goes once the servers are back.
        let offers = merge_lost(Vec::new(), lost, &wiped);
        let offers = merge_lost(offers, Vec::new(), &scan_of(&env, &data));
        assert_eq!(offers.len(), 1);
        restore(&backups, &backup.id).unwrap();
        assert_eq!(
            std::fs::read_to_string(&cursor).unwrap(),
            original.replace("uvx", "uvx2")
        );
        assert!(merge_lost(offers, Vec::new(), &scan_of(&env, &data)).is_empty());
        // A broken (half-written) file is not an offer.
        std::fs::write(&cursor, r#"{"mcpServers": {"#).unwrap();
        assert!(lost_servers(&before, &scan_of(&env, &data), &backups).is_empty());
    }
}
