//! Single flight: one change per key at a time (a rotation, protect, unprotect, replace, restore, …),
//! across the app, the CLI and every other process.
//!
//! A lock file per credential in the data dir (`locks/<credential>.lock`), held with an OS file lock
//! (`flock` on Unix, `LockFileEx` on Windows) from the confirmation to the end of the transaction. The OS
//! drops the lock when its process dies, however it dies, so "is a rotation of this key running?" is
//! answered by trying the lock, never by guessing from a pid. The file's content (owner and start time)
//! only feeds the message a second attempt gets.

use super::Owner;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

/// What the lock file says about its holder.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Holder {
    owner: Owner,
    since: String,
    #[serde(default)]
    rotation: Option<String>,
    /// What kind of change holds it (absent: a rotation, as every holder was before other kinds).
    #[serde(default)]
    kind: Option<super::Kind>,
}

/// A held rotation lock. Dropping it releases the lock.
#[derive(Debug)]
pub struct RotationLock {
    file: File,
    path: PathBuf,
    kind: super::Kind,
}

fn lock_path(data_dir: &Path, credential: &str) -> Result<PathBuf> {
    // Credential ids are `cred_<hex>`; anything else (a path separator, "..") is not a file name of ours.
    if credential.is_empty()
        || !credential
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return Err(Error::InvalidInput(format!(
            "'{credential}' is not a credential id"
        )));
    }
    Ok(data_dir.join("locks").join(format!("{credential}.lock")))
}

impl RotationLock {
    /// Take the lock of `credential` for a rotation now, or fail with `rotation_running` (and what holds
    /// it since when).
    pub fn acquire(data_dir: &Path, credential: &str) -> Result<RotationLock> {
        Self::acquire_for(data_dir, credential, super::Kind::Rotate)
    }

    /// Take the lock of `credential` for a change of `kind` now, or fail with `rotation_running`.
    pub fn acquire_for(
        data_dir: &Path,
        credential: &str,
        kind: super::Kind,
    ) -> Result<RotationLock> {
        match Self::try_acquire(data_dir, credential)? {
            Ok(mut lock) => {
                lock.kind = kind;
                lock.record(None)?;
                Ok(lock)
            }
            Err(holder) => Err(Error::RotationRunning(holder)),
        }
    }

    /// The lock, or a description of its holder.
    pub fn try_acquire(
        data_dir: &Path,
        credential: &str,
    ) -> Result<std::result::Result<RotationLock, String>> {
        let path = lock_path(data_dir, credential)?;
        let dir = path.parent().expect("a lock path has a parent");
        crate::paths::ensure_private_dir(dir).map_err(|e| Error::io(dir, e))?;
        let mut opts = OpenOptions::new();
        opts.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let file = opts.open(&path).map_err(|e| Error::io(&path, e))?;
        match file.try_lock() {
            Ok(()) => Ok(Ok(RotationLock {
                file,
                path,
                kind: super::Kind::Rotate,
            })),
            Err(std::fs::TryLockError::WouldBlock) => Ok(Err(describe_holder(&file))),
            Err(std::fs::TryLockError::Error(e)) => Err(Error::io(&path, e)),
        }
    }

    /// Is a rotation of `credential` running now (in any process, this one included)?
    pub fn is_held(data_dir: &Path, credential: &str) -> bool {
        matches!(Self::try_acquire(data_dir, credential), Ok(Err(_)))
    }

    /// Record who holds the lock and for which rotation (for the message a second attempt gets).
    pub fn record(&mut self, rotation: Option<&str>) -> Result<()> {
        let holder = Holder {
            owner: Owner::this_process(),
            since: jiff::Timestamp::now().to_string(),
            rotation: rotation.map(str::to_string),
            kind: Some(self.kind),
        };
        let bytes = serde_json::to_vec(&holder).map_err(|e| Error::io(&self.path, e.into()))?;
        (|| {
            self.file.set_len(0)?;
            self.file.rewind()?;
            // Not synced: the content only names the holder for a message; the lock itself is the OS's.
            self.file.write_all(&bytes)
        })()
        .map_err(|e| Error::io(&self.path, e))
    }
}

fn describe_holder(mut file: &File) -> String {
    let mut text = String::new();
    let _ = file.read_to_string(&mut text);
    match serde_json::from_str::<Holder>(&text) {
        Ok(h) => format!(
            "a {} of this key is running since {} (process {})",
            h.kind.unwrap_or(super::Kind::Rotate).noun(),
            h.since,
            h.owner.pid
        ),
        // Taken an instant ago: its holder has not written its name yet.
        Err(_) => "a change of this key is running since just now (in another process)".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_with_who_and_since_until_the_first_lets_go() {
        let d = tempfile::tempdir().unwrap();
        let mut first = RotationLock::acquire(d.path(), "cred_0123456789ab").unwrap();
        first.record(Some("r1")).unwrap();
        // A second open file description: the same as another process for flock.
        let err = RotationLock::acquire(d.path(), "cred_0123456789ab").unwrap_err();
        assert_eq!(err.code(), "rotation_running");
        let msg = err.to_string();
        assert!(
            msg.contains("since ") && msg.contains(&std::process::id().to_string()),
            "{msg}"
        );
        assert!(RotationLock::is_held(d.path(), "cred_0123456789ab"));
        // Another key is not blocked.
        RotationLock::acquire(d.path(), "cred_ffffffffffff").unwrap();
        drop(first);
        assert!(!RotationLock::is_held(d.path(), "cred_0123456789ab"));
        RotationLock::acquire(d.path(), "cred_0123456789ab").unwrap();
        assert_eq!(
            RotationLock::acquire(d.path(), "../x").unwrap_err().code(),
            "invalid_input"
        );
    }
}
