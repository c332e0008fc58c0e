//! Rekey's small JSON files in the data dir: links (no secrets), the journal, the audit log.

use crate::edit::atomic::write_atomic;
use crate::providers::Link;
use serde::{de::DeserializeOwned, Serialize};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

fn read_json<T: DeserializeOwned + Default>(path: &Path) -> std::io::Result<T> {
    match std::fs::read(path) {
        Ok(b) => serde_json::from_slice(&b)
            .map_err(|e| std::io::Error::other(format!("{}: {e}", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(T::default()),
        Err(e) => Err(e),
    }
}

/// Write a private (0600) JSON file atomically.
pub(crate) fn write_json(path: &Path, v: &impl Serialize) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        crate::paths::ensure_private_dir(dir)?;
    }
    write_atomic(
        path,
        &serde_json::to_vec_pretty(v).map_err(std::io::Error::other)?,
    )?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}

/// Links from credential ids to provider accounts: `links.json`.
pub struct Links {
    path: PathBuf,
}

impl Links {
    pub fn new(data_dir: &Path) -> Self {
        Links {
            path: data_dir.join("links.json"),
        }
    }
    pub fn all(&self) -> std::io::Result<BTreeMap<String, Link>> {
        read_json(&self.path)
    }
    pub fn get(&self, credential: &str) -> std::io::Result<Option<Link>> {
        Ok(self.all()?.remove(credential))
    }
    pub fn set(&self, credential: &str, link: Link) -> std::io::Result<()> {
        self.update(|all| {
            all.insert(credential.to_string(), link);
        })
    }
    /// After a rotation the credential has a new id (its fingerprint): move the link along.
    pub fn rename(&self, old: &str, new: &str) -> std::io::Result<()> {
        self.rename_keyed(old, new, None)
    }
    /// [`Links::rename`], and when the link names its key by id (`key_id`, a create-then-revoke vendor's
    /// key) and `key_id` is known, that id too: the next rotation revokes the key the configs hold now,
    /// not the one revoked by this rotation (or, after a rollback, the old key's id again).
    pub fn rename_keyed(&self, old: &str, new: &str, key_id: Option<&str>) -> std::io::Result<()> {
        self.update(|all| {
            if let Some(mut l) = all.remove(old) {
                if let (Some(slot), Some(id)) = (l.ids.get_mut("key_id"), key_id) {
                    *slot = id.to_string();
                }
                all.insert(new.to_string(), l);
            }
        })
    }
    /// Read, change, write under a lock (`links.json.lock`): rotations of different keys finish in
    /// parallel, and one's rename must not undo the other's.
    fn update(&self, change: impl FnOnce(&mut BTreeMap<String, Link>)) -> std::io::Result<()> {
        if let Some(dir) = self.path.parent() {
            crate::paths::ensure_private_dir(dir)?;
        }
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(self.path.with_extension("json.lock"))?;
        lock.lock()?;
        let mut all = self.all()?;
        change(&mut all);
        write_json(&self.path, &all)
    }
}

/// The audit log: one JSON line per rotation, never a secret. `audit.jsonl`, 0600.
pub struct Audit {
    path: PathBuf,
}

impl Audit {
    pub fn new(data_dir: &Path) -> Self {
        Audit {
            path: data_dir.join("audit.jsonl"),
        }
    }
    pub fn append(&self, entry: &impl Serialize) -> std::io::Result<()> {
        if let Some(dir) = self.path.parent() {
            crate::paths::ensure_private_dir(dir)?;
        }
        let mut opts = std::fs::OpenOptions::new();
        opts.create(true).append(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts.open(&self.path)?;
        let mut line = serde_json::to_vec(entry).map_err(std::io::Error::other)?;
        line.push(b'\n');
        f.write_all(&line)?;
        f.sync_all()
    }
    pub fn read(&self) -> std::io::Result<Vec<serde_json::Value>> {
        match std::fs::read_to_string(&self.path) {
            Ok(t) => Ok(t
                .lines()
                .filter_map(|l| serde_json::from_str(l).ok())
                .collect()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(e),
        }
    }
}
