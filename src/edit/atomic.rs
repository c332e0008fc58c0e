//! Atomic, locked, verified file replacement.
//!
//! `replace_file` takes an advisory lock on the target, re-reads it and checks it still has the hash the
//! plan was made from, hands the current bytes to a closure that produces the new bytes (or refuses),
//! backs the old bytes up, then writes a temp file in the same directory, fsyncs it, renames it over the
//! target and fsyncs the directory. The file's mode (and owner, where permitted) is kept. A symlinked
//! config is written through to its target; the link stays.

use crate::edit::backup::Backups;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

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

/// Read a whole file. Like `std::fs::read`, but a big file's buffer asks the kernel for huge pages first:
/// filling 100 MB of fresh 4 KiB pages costs more than copying the bytes (a page fault every 4 KiB).
pub fn read_file(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut f = File::open(path)?;
    let len = f.metadata().map(|m| m.len() as usize).unwrap_or(0);
    let mut buf = Vec::with_capacity(len + 1);
    #[cfg(target_os = "linux")]
    if len >= 8 << 20 {
        const HUGE: usize = 2 << 20;
        let start = buf.as_ptr() as usize;
        let (from, to) = (
            start.next_multiple_of(HUGE),
            (start + buf.capacity()) / HUGE * HUGE,
        );
        if to > from {
            // SAFETY: advice on a range inside an allocation this function owns; it changes no contents.
            unsafe { libc::madvise(from as *mut libc::c_void, to - from, libc::MADV_HUGEPAGE) };
        }
    }
    f.read_to_end(&mut buf)?;
    Ok(buf)
}

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

/// Replace `path` atomically. `expected` is what the caller planned against; `transform` gets the
/// current bytes and returns the new content or a refusal message.
pub fn replace_file(
    path: &Path,
    expected: &Expected,
    backups: &Backups,
    transform: impl FnOnce(&[u8]) -> Result<Splice, String>,
) -> Result<WriteOutcome, WriteError> {
    let target = resolve(path);
    let shown = path.display().to_string();
    let io = |e: std::io::Error| WriteError::Io {
        path: shown.clone(),
        message: e.to_string(),
    };

    let lock_file = OpenOptions::new().read(true).open(&target).map_err(io)?;
    lock(&lock_file).map_err(|e| match e {
        Some(e) => io(e),
        None => WriteError::Refused {
            path: shown.clone(),
            message: "another program holds a lock on it".into(),
        },
    })?;
    // When the plan holds the scanned bytes, compare the file to them in chunks (no second copy of a
    // large file in memory) and edit those bytes; otherwise read and compare hashes. A big file is
    // compared on a second core while the temp file is written and synced: the temp file only replaces
    // the target if the comparison then says the file is unchanged.
    let current: std::borrow::Cow<'_, [u8]> = match &expected.bytes {
        Some(scanned) => std::borrow::Cow::Borrowed(scanned.as_slice()),
        None => {
            let bytes = fs::read(&target).map_err(io)?;
            if !expected.matches(&bytes) {
                return Err(WriteError::Changed { path: shown });
            }
            std::borrow::Cow::Owned(bytes)
        }
    };
    let check = |same: std::io::Result<bool>| match same {
        Ok(true) => Ok(()),
        Ok(false) => Err(WriteError::Changed {
            path: shown.clone(),
        }),
        Err(e) => Err(io(e)),
    };
    let new = match &expected.bytes {
        Some(scanned) if scanned.len() < PARALLEL_FROM => {
            check(same_content(&lock_file, scanned))?;
            transform(&current)
        }
        _ => transform(&current),
    }
    .map_err(|message| WriteError::Refused {
        path: shown.clone(),
        message,
    })?;
    let temp = match &expected.bytes {
        Some(scanned) if scanned.len() >= PARALLEL_FROM => {
            let (same, temp) = std::thread::scope(|s| {
                let compare = s.spawn(|| same_content(&lock_file, scanned));
                let temp = Temp::write(&target, &new.parts(&current), Some("temp-write"));
                (
                    compare
                        .join()
                        .unwrap_or_else(|_| Err(std::io::Error::other("comparison failed"))),
                    temp,
                )
            });
            let temp = temp.map_err(io)?;
            if let Err(e) = check(same) {
                temp.discard();
                return Err(e);
            }
            temp
        }
        _ => Temp::write(&target, &new.parts(&current), Some("temp-write")).map_err(io)?,
    };
    let backup = match backups.save_with(path, Some(&target), &current, &expected.hash, true) {
        Ok(b) => b,
        Err(e) => {
            temp.discard();
            return Err(WriteError::Backup {
                path: shown.clone(),
                message: e.to_string(),
            });
        }
    };
    if let Err(e) = temp.commit(&target) {
        let _ = backups.unlink_failed(&backup, &current);
        return Err(io(e));
    }
    let _ = backups.seal(&backup);
    drop(lock_file);
    Ok(WriteOutcome { backup_id: backup })
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
    loop {
        match f.try_lock() {
            Ok(()) => return Ok(()),
            Err(fs::TryLockError::WouldBlock) if std::time::Instant::now() < deadline => {
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
pub fn write_atomic(target: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_atomic_at(target, &[bytes], None)
}

/// `write_atomic` of the concatenation of `parts`, with a test hook point after the temp file is written.
fn write_atomic_at(target: &Path, parts: &[&[u8]], hook: Option<&str>) -> std::io::Result<()> {
    Temp::write(target, parts, hook)?.commit(target)
}

/// A temp file beside its target, written and synced, not yet renamed over the target.
struct Temp {
    path: PathBuf,
    dir: PathBuf,
}

impl Temp {
    fn write(target: &Path, parts: &[&[u8]], hook: Option<&str>) -> std::io::Result<Temp> {
        let dir = target
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf();
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let temp = Temp {
            path: dir.join(format!(".{name}.rekey-{}.tmp", std::process::id())),
            dir,
        };
        let result = (|| {
            let mut f = OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&temp.path)?;
            if let Ok(meta) = fs::metadata(target) {
                f.set_permissions(meta.permissions())?;
                #[cfg(unix)]
                {
                    use std::os::unix::fs::MetadataExt;
                    // Keeping the owner needs privileges when it differs from ours; best effort.
                    let _ = std::os::unix::fs::fchown(&f, Some(meta.uid()), Some(meta.gid()));
                }
            }
            let mut w = std::io::BufWriter::with_capacity(1 << 20, &mut f);
            for part in parts {
                w.write_all(part)?;
            }
            w.flush()?;
            drop(w);
            if let Some(step) = hook {
                crate::testhook::point(step)?;
            }
            f.sync_all()
        })();
        match result {
            Ok(()) => Ok(temp),
            Err(e) => {
                temp.discard();
                Err(e)
            }
        }
    }

    /// Rename over `target` and sync the directory.
    fn commit(self, target: &Path) -> std::io::Result<()> {
        if let Err(e) = fs::rename(&self.path, target) {
            self.discard();
            return Err(e);
        }
        #[cfg(unix)]
        File::open(&self.dir)?.sync_all()?;
        Ok(())
    }

    fn discard(self) {
        let _ = fs::remove_file(&self.path);
    }
}

/// Remove Rekey's temp files left beside `config_paths` by a writer that died before its rename (they
/// hold a new config, so a new key). Only files whose writer process is gone are removed.
pub fn remove_stray_temps(config_paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut removed = Vec::new();
    for path in config_paths {
        let target = resolve(path);
        let (Some(dir), Some(name)) = (target.parent(), target.file_name()) else {
            continue;
        };
        let prefix = format!(".{}.rekey-", name.to_string_lossy());
        let Ok(rd) = fs::read_dir(dir) else { continue };
        for f in rd.flatten() {
            let n = f.file_name().to_string_lossy().into_owned();
            let Some(pid) = n
                .strip_prefix(&prefix)
                .and_then(|r| r.strip_suffix(".tmp"))
                .and_then(|p| p.parse::<u32>().ok())
            else {
                continue;
            };
            if !process_alive(pid) && fs::remove_file(f.path()).is_ok() {
                removed.push(f.path());
            }
        }
    }
    removed
}

fn process_alive(pid: u32) -> bool {
    #[cfg(unix)]
    {
        // SAFETY: signal 0 only checks that the process exists.
        let r = unsafe { libc::kill(pid as libc::pid_t, 0) };
        r == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
    }
    #[cfg(not(unix))]
    {
        let _ = pid;
        true
    }
}
