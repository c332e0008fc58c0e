//! Rekey's small JSON files in the data dir: links (no secrets), the journal, the audit log.

use super::journal::Step;
use crate::edit::atomic::write_atomic;
use crate::providers::Link;
use crate::providers::Model;
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use ts_rs::TS;

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

/// One line of the audit log (never a secret). Every field is written (`null` when unknown); lines from
/// versions that wrote fewer fields read with the defaults.
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct AuditEntry {
    pub time: String,
    pub rotation: String,
    pub provider: String,
    /// The credential's id before the rotation.
    pub credential: String,
    pub new_credential: Option<String>,
    /// The new key, masked.
    pub new_key: Option<String>,
    /// The step the rotation ended at.
    pub outcome: Step,
    pub model: Option<Model>,
    /// Create-then-revoke: the provider's ids of the old and the new key (not secrets).
    pub old_key_id: Option<String>,
    pub new_key_id: Option<String>,
    pub message: Option<String>,
    /// Usages still on the old key when the rotation ended (`incomplete`).
    pub left: Vec<String>,
    /// The config files that were written.
    pub files: Vec<String>,
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
    /// The lines that read as [`AuditEntry`], oldest first (others are skipped, like unreadable lines).
    pub fn entries(&self) -> std::io::Result<Vec<AuditEntry>> {
        Ok(self
            .read()?
            .into_iter()
            .filter_map(|v| serde_json::from_value(v).ok())
            .collect())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audit_entries_read_old_and_new_lines_and_skip_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let audit = Audit::new(dir.path());
        // A line from before create-then-revoke (no model, key ids or left), then one written now.
        std::fs::write(
            dir.path().join("audit.jsonl"),
            "{\"time\":\"t0\",\"rotation\":\"r0\",\"provider\":\"bitscale\",\"credential\":\"a\",\
             \"new_credential\":\"b\",\"new_key\":\"sk-n…1234\",\"outcome\":\"verified\",\
             \"message\":null,\"files\":[\"/c.json\"]}\nnot json\n{\"outcome\":\"no-such-step\"}\n",
        )
        .unwrap();
        let now = AuditEntry {
            time: "t1".into(),
            rotation: "r1".into(),
            outcome: Step::RevokeFailed,
            model: Some(Model::CreateThenRevoke),
            left: vec!["x".into()],
            ..Default::default()
        };
        audit.append(&now).unwrap();
        let got = audit.entries().unwrap();
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(got[0].new_credential.as_deref(), Some("b"));
        assert_eq!(got[0].model, None);
        assert!(got[0].left.is_empty());
        assert_eq!(got[1].outcome, Step::RevokeFailed);
        // Every field is written, `null` when unknown (as the history has always read them).
        let line = serde_json::to_value(&now).unwrap();
        assert!(line["new_key_id"].is_null() && line.get("new_key_id").is_some());
    }
}
