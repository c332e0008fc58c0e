//! Atomic, locked, verified file replacement.
//!
//! `replace_file` takes an advisory lock on the target, checks that the path still names the locked file,
//! re-reads it and checks it still has the hash the plan was made from (`replace_file_rebasing` instead
//! hands a changed file's bytes to the caller to redo its edit), hands the current bytes to a closure that
//! produces the new bytes (or refuses), backs the old bytes up, then writes a private (0600), locked temp
//! file in the same directory, fsyncs it, gives it the target's mode (and owner, where permitted), renames
//! it over the target and fsyncs the directory. A symlinked config is written through to its target; the
//! link stays. `remove_stray_temps` removes the temp files of writers that were killed.

use crate::edit::backup::Backups;
use std::fs::{self, File};
use std::path::{Path, PathBuf};

pub use super::temp::remove_stray_temps;
use super::temp::Temp;

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("{path}: changed since the plan (someone else wrote it); nothing was written")]
    Changed { path: String },
    #[error("{path}: {message}; nothing was written")]
    Refused { path: String, message: String },
    #[error("{path}: {message}; nothing was written")]
    Io { path: String, message: String },
    #[error("{path}: could not back up before writing: {message}; nothing was written")]
    Backup { path: String, message: String },
}

/// The content hash Rekey uses to tell whether a file changed (BLAKE3, hex).
pub fn content_hash(bytes: &[u8]) -> String {
    blake3::hash(bytes).to_hex().to_string()
}

use super::read::read_from;

/// Follow symlinks to the file that really holds the bytes.
pub fn resolve(path: &Path) -> PathBuf {
    fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// What the caller saw when it planned: the file's content hash, and, when it still holds them, the bytes
/// themselves (then the re-check under the lock is a plain comparison instead of a second hash).
#[derive(Debug, Clone)]
pub struct Expected {
    pub hash: String,
    pub bytes: Option<std::sync::Arc<Vec<u8>>>,
}

impl Expected {
    pub fn hash(hash: impl Into<String>) -> Self {
        Expected {
            hash: hash.into(),
            bytes: None,
        }
    }
    fn matches(&self, current: &[u8]) -> bool {
        match &self.bytes {
            Some(b) => b.as_slice() == current,
            None => content_hash(current) == self.hash,
        }
    }
}

/// The new content of a file: the old bytes with some ranges replaced (sorted, not overlapping).
/// Written piece by piece, so a large file is never copied into a second buffer.
#[derive(Debug, Default)]
pub struct Splice {
    pub edits: Vec<(std::ops::Range<usize>, Vec<u8>)>,
}

impl Splice {
    /// The whole file replaced by `bytes`.
    pub fn whole(old_len: usize, bytes: Vec<u8>) -> Self {
        Splice {
            edits: vec![(0..old_len, bytes)],
        }
    }
    /// The pieces of the new content, in order.
    pub fn parts<'a>(&'a self, old: &'a [u8]) -> Vec<&'a [u8]> {
        let mut parts = Vec::with_capacity(self.edits.len() * 2 + 1);
        let mut pos = 0;
        for (r, new) in &self.edits {
            parts.push(&old[pos..r.start]);
            parts.push(new.as_slice());
            pos = r.end;
        }
        parts.push(&old[pos..]);
        parts
    }
}

/// What a rebasing transform is given: the file's bytes under the lock, and whether they are the bytes
/// the plan was made from.
#[derive(Debug, Clone, Copy)]
pub enum Current<'a> {
    /// Exactly the bytes the plan was made from.
    AsPlanned(&'a [u8]),
    /// Someone else wrote the file since the plan: these are its bytes now.
    Changed(&'a [u8]),
}

/// Why a transform produced no new content.
pub(super) enum Refusal {
    Changed,
    Message(String),
}

/// Replace `path` atomically. `expected` is what the caller planned against; `transform` gets the
/// current bytes and returns the new content or a refusal message. A file that changed since the plan is
/// refused ([`WriteError::Changed`]).
pub fn replace_file(
    path: &Path,
    expected: &Expected,
    backups: &Backups,
    transform: impl FnOnce(&[u8]) -> Result<Splice, String>,
) -> Result<WriteOutcome, WriteError> {
    let mut transform = Some(transform);
    replace_inner(path, expected, backups, &mut |current| match current {
        Current::AsPlanned(bytes) => match transform.take() {
            Some(t) => t(bytes).map_err(Refusal::Message),
            // A second look (the file was replaced while we waited) is not the plan's file any more.
            None => Err(Refusal::Changed),
        },
        Current::Changed(_) => Err(Refusal::Changed),
    })
}

/// Like [`replace_file`], but a file that changed since the plan is handed to `transform` as
/// [`Current::Changed`] (under the lock) instead of being refused, so the caller can redo its edit on
/// the current bytes. `transform` may be called more than once (each call sees the bytes it must edit).
pub fn replace_file_rebasing(
    path: &Path,
    expected: &Expected,
    backups: &Backups,
    mut transform: impl FnMut(Current<'_>) -> Result<Splice, String>,
) -> Result<WriteOutcome, WriteError> {
    replace_inner(path, expected, backups, &mut |current| {
        transform(current).map_err(Refusal::Message)
    })
}

/// How many times a write starts over when the file at the path turns out to be another inode than the
/// one it locked (another writer renamed a new file into place meanwhile).
pub(super) const ATTEMPTS: usize = 5;

pub(super) enum Attempt {
    /// The path now names another file than the one locked: start over on it.
    Moved,
    Failed(WriteError),
}

pub(super) fn replace_inner(
    path: &Path,
    expected: &Expected,
    backups: &Backups,
    transform: &mut dyn FnMut(Current<'_>) -> Result<Splice, Refusal>,
) -> Result<WriteOutcome, WriteError> {
    let target = resolve(path);
    let shown = path.display().to_string();
    for _ in 0..ATTEMPTS {
        match attempt(path, &target, &shown, expected, backups, transform) {
            Ok(outcome) => return Ok(outcome),
            Err(Attempt::Failed(e)) => return Err(e),
            Err(Attempt::Moved) => continue,
        }
    }
    Err(WriteError::Refused {
        path: shown,
        message: "another program kept replacing it while Rekey waited to write it".into(),
    })
}

fn attempt(
    path: &Path,
    target: &Path,
    shown: &str,
    expected: &Expected,
    backups: &Backups,
    transform: &mut dyn FnMut(Current<'_>) -> Result<Splice, Refusal>,
) -> Result<WriteOutcome, Attempt> {
    let lock_file = open_locked(target, shown)?;
    let staged = stage(lock_file, target, shown, expected, transform)?;
    if let Err(e) = staged.check() {
        staged.discard();
        return Err(e);
    }
    let backup = match backups.save_with(path, Some(target), &staged.current, &staged.hash, true) {
        Ok(b) => b,
        Err(e) => {
            let shown = staged.shown.clone();
            staged.discard();
            return Err(Attempt::Failed(WriteError::Backup {
                path: shown,
                message: e.to_string(),
            }));
        }
    };
    let dir = staged.rename(backups, &backup)?;
    if let Err(e) = super::temp::sync_dir(&dir) {
        return Err(Attempt::Failed(WriteError::Io {
            path: shown.to_string(),
            message: e.to_string(),
        }));
    }
    let _ = backups.seal(&backup);
    Ok(WriteOutcome { backup_id: backup })
}

/// Open `target` and take its lock. The lock is on the inode opened: if another writer renamed a new file
/// into place while we waited, that inode is no longer the config (checking its content would check a
/// file nobody reads, and our rename would drop the other writer's content), so look again at what the
/// path names now and start over on it. (A lock file beside each config would avoid this, but would
/// litter the clients' folders with files that outlive Rekey; the re-open check needs nothing on disk.)
pub(super) fn open_locked(target: &Path, shown: &str) -> Result<File, Attempt> {
    for _ in 0..ATTEMPTS {
        // Through the special-file guard: a FIFO swapped in since the plan must not block the open, and
        // a device (a link to /dev/zero) must not be read without end.
        let lock_file = super::read::open(target).map_err(|e| io_failed(shown, e))?;
        lock(&lock_file).map_err(|e| match e {
            Some(e) => io_failed(shown, e),
            None => Attempt::Failed(WriteError::Refused {
                path: shown.to_string(),
                message: "another program holds a lock on it".into(),
            }),
        })?;
        if at_path(&lock_file, target).map_err(|e| io_failed(shown, e))? {
            return Ok(lock_file);
        }
    }
    Err(Attempt::Moved)
}

fn io_failed(shown: &str, e: std::io::Error) -> Attempt {
    Attempt::Failed(WriteError::Io {
        path: shown.to_string(),
        message: e.to_string(),
    })
}

/// A file's size and modification time: a writer that saves in place changes one of them.
pub(super) type Stamp = (u64, Option<std::time::SystemTime>);

/// A locked file whose new content is written and synced in a temp file beside it, not renamed yet.
pub(super) struct Staged {
    lock_file: File,
    target: PathBuf,
    pub(super) shown: String,
    /// The file's size and modification time when it was read.
    pub(super) before: Stamp,
    /// The bytes read are the bytes the plan was made from.
    pub(super) planned: bool,
    /// The bytes being replaced, and their hash.
    pub(super) current: std::sync::Arc<Vec<u8>>,
    pub(super) hash: String,
    temp: Temp,
}

/// Read the locked file (or compare it with the scanned bytes), make its new content and write it to a
/// synced temp file. When the plan holds the scanned bytes, the file is compared to them in chunks (no
/// second copy of a large file in memory) and those bytes are edited; otherwise it is read and hashed. A
/// big file is compared on a second core while the temp file is written and synced: the temp file is only
/// kept if the comparison then says the file is unchanged. A file that changed is read through the locked
/// handle and handed to the transform as `Changed`.
pub(super) fn stage(
    lock_file: File,
    target: &Path,
    shown: &str,
    expected: &Expected,
    transform: &mut dyn FnMut(Current<'_>) -> Result<Splice, Refusal>,
) -> Result<Staged, Attempt> {
    let io = |e: std::io::Error| io_failed(shown, e);
    let refused = |r: Refusal| {
        Attempt::Failed(match r {
            Refusal::Changed => WriteError::Changed {
                path: shown.to_string(),
            },
            Refusal::Message(message) => WriteError::Refused {
                path: shown.to_string(),
                message,
            },
        })
    };
    // What the file looked like before we read it: a writer that saves in place (same inode, no lock)
    // while we work changes its size or modification time, and is then not overwritten (see `check`).
    let before = stamp(&lock_file).map_err(io)?;
    let mut ready: Option<Temp> = None;
    let (current, planned) = match &expected.bytes {
        Some(scanned) if scanned.len() >= PARALLEL_FROM => {
            let new = transform(Current::AsPlanned(scanned)).map_err(refused)?;
            let (same, temp) = std::thread::scope(|s| {
                let compare = s.spawn(|| same_content(&lock_file, scanned));
                let temp = Temp::write(target, &new.parts(scanned), Some("temp-write"));
                (
                    compare
                        .join()
                        .unwrap_or_else(|_| Err(std::io::Error::other("comparison failed"))),
                    temp,
                )
            });
            let temp = temp.map_err(io)?;
            match same {
                Ok(true) => {
                    ready = Some(temp);
                    (scanned.clone(), true)
                }
                Ok(false) => {
                    temp.discard();
                    (
                        std::sync::Arc::new(read_from(&lock_file).map_err(io)?),
                        false,
                    )
                }
                Err(e) => {
                    temp.discard();
                    return Err(io(e));
                }
            }
        }
        Some(scanned) => {
            if same_content(&lock_file, scanned).map_err(io)? {
                (scanned.clone(), true)
            } else {
                (
                    std::sync::Arc::new(read_from(&lock_file).map_err(io)?),
                    false,
                )
            }
        }
        None => {
            let now = read_from(&lock_file).map_err(io)?;
            let same = expected.matches(&now);
            (std::sync::Arc::new(now), same)
        }
    };
    let temp = match ready {
        Some(t) => t,
        None => {
            let view = if planned {
                Current::AsPlanned(&current)
            } else {
                Current::Changed(&current)
            };
            let new = transform(view).map_err(refused)?;
            Temp::write(target, &new.parts(&current), Some("temp-write")).map_err(io)?
        }
    };
    let hash = if planned {
        expected.hash.clone()
    } else {
        content_hash(&current)
    };
    Ok(Staged {
        lock_file,
        target: target.to_path_buf(),
        shown: shown.to_string(),
        before,
        planned,
        current,
        hash,
        temp,
    })
}

pub(super) fn stamp(f: &File) -> std::io::Result<Stamp> {
    f.metadata().map(|m| (m.len(), m.modified().ok()))
}

impl Staged {
    /// A writer that does not lock (a client saving its settings by rename) may have replaced the file
    /// while we worked, or written it in place: look once more right before the rename. `Moved`: start
    /// over on what is there now (the temp file is removed).
    pub(super) fn check(&self) -> Result<(), Attempt> {
        match at_path(&self.lock_file, &self.target) {
            Ok(true) if stamp(&self.lock_file).ok() == Some(self.before) => Ok(()),
            Ok(_) => Err(Attempt::Moved),
            Err(e) => Err(io_failed(&self.shown, e)),
        }
    }

    /// Rename the temp file over the target (the backup `backup` of the current bytes is made). Returns
    /// the directory to sync; the lock is released.
    pub(super) fn rename(self, backups: &Backups, backup: &str) -> Result<PathBuf, Attempt> {
        let Staged {
            lock_file,
            target,
            shown,
            current,
            temp,
            ..
        } = self;
        // Linux: exchanged rather than renamed, so that a writer taking no lock (Claude Code) that replaced
        // the file since `check` is seen, not overwritten (tests/concurrency.rs).
        #[cfg(target_os = "linux")]
        let temp = match temp.exchange_into(&target, &lock_file) {
            Err(temp) => temp,
            Ok(result) => {
                drop(lock_file);
                return match result {
                    Ok(super::temp::Exchanged::Done(dir)) => Ok(dir),
                    Ok(super::temp::Exchanged::Replaced) => {
                        let _ = backups.unlink_failed(backup, &current);
                        Err(Attempt::Moved)
                    }
                    Err(e) => {
                        let _ = backups.unlink_failed(backup, &current);
                        Err(io_failed(&shown, e))
                    }
                };
            }
        };
        let done = temp.rename_into(&target);
        drop(lock_file);
        done.map_err(|e| {
            let _ = backups.unlink_failed(backup, &current);
            io_failed(&shown, e)
        })
    }

    pub(super) fn discard(self) {
        self.temp.discard();
    }
}

/// Is `f` still the file at `path` (same device and inode)? A missing path is "no".
pub(crate) fn at_path(f: &File, path: &Path) -> std::io::Result<bool> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let here = f.metadata()?;
        match fs::metadata(path) {
            Ok(there) => Ok(here.dev() == there.dev() && here.ino() == there.ino()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e),
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (f, path);
        Ok(true)
    }
}

/// From this size on, the comparison under the lock runs beside the temp-file write.
const PARALLEL_FROM: usize = 4 << 20;

/// Is the file's content exactly `expected`? Reads in 1 MiB chunks.
fn same_content(mut f: &File, expected: &[u8]) -> std::io::Result<bool> {
    use std::io::{Read, Seek};
    f.seek(std::io::SeekFrom::Start(0))?;
    let mut buf = vec![0u8; 1 << 20];
    let mut pos = 0;
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            return Ok(pos == expected.len());
        }
        if pos + n > expected.len() || buf[..n] != expected[pos..pos + n] {
            return Ok(false);
        }
        pos += n;
    }
}

/// Take the advisory lock, waiting up to 5 s for another writer. `Err(None)`: still locked.
fn lock(f: &File) -> Result<(), Option<std::io::Error>> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    let mut waited = false;
    loop {
        match f.try_lock() {
            Ok(()) => return Ok(()),
            Err(fs::TryLockError::WouldBlock) if std::time::Instant::now() < deadline => {
                if !waited {
                    waited = true;
                    crate::testhook::point("lock-busy").map_err(Some)?;
                }
                std::thread::sleep(std::time::Duration::from_millis(50))
            }
            Err(fs::TryLockError::WouldBlock) => return Err(None),
            Err(fs::TryLockError::Error(e)) => return Err(Some(e)),
        }
    }
}

#[derive(Debug, Clone)]
pub struct WriteOutcome {
    pub backup_id: String,
}

/// Temp file in the same directory, fsync, keep mode/owner, rename over `target`, fsync the directory.
/// A new file is created private (0600).
pub fn write_atomic(target: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_atomic_at(target, &[bytes], None)
}

/// `write_atomic` of the concatenation of `parts`, with a test hook point after the temp file is written.
pub(crate) fn write_atomic_at(
    target: &Path,
    parts: &[&[u8]],
    hook: Option<&str>,
) -> std::io::Result<()> {
    Temp::write(target, parts, hook)?.commit(target)
}
