//! What a scan found in a file, kept for the next scan of the same file in the same command while the
//! file's bytes are still held by someone (a plan keeps the bytes of every file it will write).
//!
//! A change re-scans every config under the key's lock to find usages its plan does not name; for a
//! 120 MB `~/.claude.json` that second parse was a third of a replace's time (docs/benchmarks.md). The
//! cache holds the bytes only weakly: an entry is used when the file's current bytes are exactly the held
//! bytes (compared in full, in 1 MiB reads, never by size or time); an entry whose bytes were dropped is
//! removed (with the secrets its findings hold) at the next lookup or insert. A file whose findings depend
//! on another file (Goose's secrets.yaml, labelled by config.yaml) is never cached.

use super::walk::Walked;
use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, Weak};

#[derive(Default)]
pub struct ScanCache {
    files: Mutex<HashMap<PathBuf, Entry>>,
    hits: std::sync::atomic::AtomicUsize,
}

impl std::fmt::Debug for ScanCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ScanCache")
    }
}

struct Entry {
    bytes: Weak<Vec<u8>>,
    hash: String,
    walked: Walked,
    /// The project folders the file lists (Claude Code's `~/.claude.json`).
    projects: Vec<PathBuf>,
}

/// A file whose bytes are the ones an earlier scan walked.
pub(super) struct Hit {
    pub(super) bytes: Arc<Vec<u8>>,
    pub(super) hash: String,
    pub(super) walked: Walked,
    pub(super) projects: Vec<PathBuf>,
}

impl ScanCache {
    /// The earlier scan's findings for `path`, if its bytes are still held and the file holds exactly them.
    pub(super) fn lookup(&self, path: &Path) -> Option<Hit> {
        let (bytes, hash, walked, projects) = {
            let mut files = self.files.lock().unwrap_or_else(|p| p.into_inner());
            // Entries whose bytes are gone are worthless: drop them (and the secrets they found).
            files.retain(|_, e| e.bytes.strong_count() > 0);
            let e = files.get(path)?;
            (
                e.bytes.upgrade()?,
                e.hash.clone(),
                e.walked.clone(),
                e.projects.clone(),
            )
        };
        let file = crate::edit::read::open(path).ok()?;
        if file.metadata().ok()?.len() != bytes.len() as u64 || !same(&file, &bytes).ok()? {
            return None;
        }
        self.hits.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Some(Hit {
            bytes,
            hash,
            walked,
            projects,
        })
    }

    /// How many files were taken from the cache (for tests and benchmarks).
    pub fn hits(&self) -> usize {
        self.hits.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub(super) fn insert(
        &self,
        path: &Path,
        bytes: &Arc<Vec<u8>>,
        hash: &str,
        walked: &Walked,
        projects: &[PathBuf],
    ) {
        let mut files = self.files.lock().unwrap_or_else(|p| p.into_inner());
        files.retain(|_, e| e.bytes.strong_count() > 0);
        files.insert(
            path.to_path_buf(),
            Entry {
                bytes: Arc::downgrade(bytes),
                hash: hash.to_string(),
                walked: walked.clone(),
                projects: projects.to_vec(),
            },
        );
    }
}

/// Does the file hold exactly `expected`? Read in 1 MiB pieces (no second copy of a big file).
fn same(mut f: &std::fs::File, expected: &[u8]) -> std::io::Result<bool> {
    let mut buf = vec![0u8; 1 << 20];
    let mut pos = 0;
    loop {
        let n = match f.read(&mut buf) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if n == 0 {
            return Ok(pos == expected.len());
        }
        if pos + n > expected.len() || buf[..n] != expected[pos..pos + n] {
            return Ok(false);
        }
        pos += n;
    }
}
