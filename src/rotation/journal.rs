//! The rotation journal: one fsynced JSON file per rotation in `journal/`, updated at every step, so a
//! crash at any instant leaves enough to finish or to tell the user exactly what to check.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Where a rotation got to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Step {
    /// Planned and confirmed; the provider is about to be called.
    Intent,
    /// The provider's answer is not known (timeout, connection lost, crash during the call).
    Unknown,
    /// The provider refused; nothing changed.
    Failed,
    /// The new secret is in the keychain.
    Held,
    /// The keychain could not take it: the secret was shown to the user once.
    Shown,
    /// Every config file holds the new secret (some may have failed: see `files`).
    Written,
    Verified,
    VerifyFailed,
}

impl Step {
    /// Nothing more for recovery to do. (`Unknown` needs the user, who was told how to check; the
    /// history keeps showing it.)
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Step::Unknown | Step::Failed | Step::Shown | Step::Verified | Step::VerifyFailed
        )
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FileState {
    pub path: PathBuf,
    pub written: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Entry {
    pub id: String,
    pub started: String,
    pub provider: String,
    /// The credential's id before the rotation.
    pub credential: String,
    /// The new credential id (its fingerprint), once the new secret is known. The secret itself is in
    /// the keychain under `credential:<new_credential>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_credential: Option<String>,
    /// At most the first 4 and last 4 characters of the new key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_masked: Option<String>,
    pub step: Step,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default)]
    pub files: Vec<FileState>,
}

pub struct Journal {
    dir: PathBuf,
}

impl Journal {
    pub fn new(data_dir: &Path) -> Self {
        Journal {
            dir: data_dir.join("journal"),
        }
    }

    pub fn save(&self, e: &Entry) -> std::io::Result<()> {
        super::store::write_json(&self.dir.join(format!("{}.json", e.id)), e)
    }

    pub fn all(&self) -> std::io::Result<Vec<Entry>> {
        let mut out = Vec::new();
        let rd = match std::fs::read_dir(&self.dir) {
            Ok(rd) => rd,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
            Err(e) => return Err(e),
        };
        for f in rd.flatten() {
            if f.path().extension().is_some_and(|x| x == "json") {
                let b = std::fs::read(f.path())?;
                out.push(
                    serde_json::from_slice(&b).map_err(|e| {
                        std::io::Error::other(format!("{}: {e}", f.path().display()))
                    })?,
                );
            }
        }
        out.sort_by(|a: &Entry, b: &Entry| a.started.cmp(&b.started));
        Ok(out)
    }

    /// Rotations that did not reach a final step.
    pub fn unfinished(&self) -> std::io::Result<Vec<Entry>> {
        Ok(self
            .all()?
            .into_iter()
            .filter(|e| !e.step.is_final())
            .collect())
    }
}
