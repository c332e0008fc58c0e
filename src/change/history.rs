//! The history of every change: one JSON line per change in `audit.jsonl` (0600), never a secret.
//!
//! Every kind writes here through [`super::Change::finish`] (rotations through their own outcome): a
//! rotation, its Finish, rollback, keep-both and revoke-old, and protect, unprotect, replace, add and
//! restore. `rekey history` and the app's History screen read it.

use super::{Kind, Step};
use crate::providers::Model;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};
use ts_rs::TS;

/// One line of the audit log (never a secret). Every field is written (`null` when unknown); lines from
/// versions that wrote fewer fields read with the defaults.
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct AuditEntry {
    pub time: String,
    /// What kind of change this line records (`rotate` in lines written before other kinds were).
    pub kind: Kind,
    /// The change's id: a rotation's id (`rekey finish <id>`), or the id of another kind of change.
    pub rotation: String,
    /// The key's id for life ([`super::keys`]), when known.
    pub key: Option<String>,
    /// The provider (empty when the key is linked to none).
    pub provider: String,
    /// The credential's id before the change.
    pub credential: String,
    pub new_credential: Option<String>,
    /// The new key, masked.
    pub new_key: Option<String>,
    /// The step the change ended at (another kind than a rotation: `written`, `incomplete` when some
    /// usage could not be changed, `failed` when nothing changed, `unknown` when it was interrupted).
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

/// The audit log: one JSON line per change, never a secret. `audit.jsonl`, 0600.
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
    /// Every line that reads as JSON, oldest first. Read line by line from the bytes: one damaged line
    /// (not UTF-8, cut by a crash) is skipped, never the whole history.
    pub fn read(&self) -> std::io::Result<Vec<serde_json::Value>> {
        match crate::edit::read::read(&self.path) {
            Ok(bytes) => Ok(bytes
                .split(|b| *b == b'\n')
                .filter_map(|l| serde_json::from_slice(l).ok())
                .collect()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(e),
        }
    }
}

/// Append one line to the history. A failure is a warning on stderr, never an error: this runs after the
/// change is done (and, in a rotation, while a shown-once key may exist only in memory).
pub fn append(data_dir: &Path, line: &AuditEntry) {
    if let Err(err) = Audit::new(data_dir).append(line) {
        // Never `eprintln!`: it panics when stderr is closed.
        let _ = writeln!(
            std::io::stderr(),
            "rekey: warning: could not write the history (audit log): {}",
            crate::scrub::text(&err.to_string())
        );
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
