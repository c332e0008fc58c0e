//! Backups: a timestamped copy of a config before every write, mode 0600, listed in an index.
//! Retention keeps the newest `keep` copies per file and never evicts the newest copy that parsed.

use serde::{Deserialize, Serialize};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use ts_rs::TS;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, TS)]
pub struct BackupEntry {
    pub id: String,
    /// The config file this is a copy of, as the user knows it (not resolved through symlinks).
    pub original: PathBuf,
    pub created: String,
    pub hash: String,
    pub size: u64,
    /// Did the copy parse when it was taken?
    pub parsed: bool,
}

/// One file for [`Backups::save_many`]: see [`Backups::save_with`].
pub struct ToSave<'a> {
    pub original: &'a Path,
    pub link_from: Option<&'a Path>,
    pub bytes: &'a [u8],
    /// `Some(size)`: a hard link to `link_from` only (`bytes` is not at hand); when no link can be made,
    /// this file gets no backup (its id is `None`).
    pub size: Option<u64>,
    pub sha: &'a str,
    pub parsed: bool,
}

#[derive(Debug, Clone)]
pub struct Backups {
    dir: PathBuf,
    pub keep: usize,
}

const INDEX: &str = "index.json";

impl Backups {
    pub fn new(dir: PathBuf) -> Self {
        Backups { dir, keep: 10 }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn ensure_dir(&self) -> std::io::Result<()> {
        fs::create_dir_all(&self.dir)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&self.dir, fs::Permissions::from_mode(0o700))?;
        }
        Ok(())
    }

    pub fn list(&self) -> std::io::Result<Vec<BackupEntry>> {
        match fs::read(self.dir.join(INDEX)) {
            Ok(b) => serde_json::from_slice::<Vec<BackupEntry>>(&b)
                .map(|mut v| {
                    // An id names a file in this directory: an index edited by hand (or damaged) with
                    // `../x` or `/x` must not make Rekey read, link or delete a file elsewhere.
                    v.retain(|e| plain_name(&e.id));
                    v
                })
                .map_err(std::io::Error::other),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(e),
        }
    }

    /// The lock on the index (`backups.lock`, beside the directory), held from a backup's first file to its
    /// index entry: two processes never lose each other's entries, and a file not in the index while the
    /// lock is free is a dead writer's leftover ([`Backups::repair_links`]).
    fn lock(&self) -> std::io::Result<fs::File> {
        let f = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(self.dir.with_extension("lock"))?;
        f.lock()?;
        Ok(f)
    }

    fn write_index(&self, entries: &[BackupEntry]) -> std::io::Result<()> {
        let bytes = serde_json::to_vec_pretty(entries).map_err(std::io::Error::other)?;
        crate::edit::atomic::write_atomic(&self.dir.join(INDEX), &bytes)
    }

    /// Save a copy of `bytes` (the current content of `original`) and return its id.
    pub fn save(&self, original: &Path, bytes: &[u8], parsed: bool) -> std::io::Result<String> {
        let sha = crate::edit::atomic::content_hash(bytes);
        self.save_with(original, None, bytes, &sha, parsed)
    }

    /// Like `save`, but when `link_from` (the file that holds exactly `bytes`) is on the same file system,
    /// hard-link it instead of copying: the caller replaces that file by rename and never writes it in
    /// place, so the old inode keeps exactly these bytes. The caller must then call [`Backups::seal`]
    /// after its rename (to make the backup 0600 once it no longer shares an inode with the live file),
    /// or [`Backups::unlink_failed`] if the rename did not happen.
    pub fn save_with(
        &self,
        original: &Path,
        link_from: Option<&Path>,
        bytes: &[u8],
        sha: &str,
        parsed: bool,
    ) -> std::io::Result<String> {
        let mut ids = self.save_many(&[ToSave {
            original,
            link_from,
            bytes,
            size: None,
            sha,
            parsed,
        }])?;
        ids.remove(0)
            .ok_or_else(|| std::io::Error::other("no backup was made"))
    }

    /// [`Backups::save_with`] for several files at once, with one write of the index: the ids, in order.
    /// If it fails, none of them is saved.
    pub fn save_many(&self, items: &[ToSave<'_>]) -> std::io::Result<Vec<Option<String>>> {
        if items.is_empty() {
            return Ok(Vec::new());
        }
        self.ensure_dir()?;
        let _lock = self.lock()?;
        let now = jiff::Timestamp::now();
        let mut entries = self.list()?;
        let mut taken: std::collections::HashSet<String> =
            entries.iter().map(|e| e.id.clone()).collect();
        let mut ids = Vec::with_capacity(items.len());
        let result = (|| {
            for item in items {
                let Some(id) = self.place(item, now, &mut taken)? else {
                    ids.push(None);
                    continue;
                };
                entries.push(BackupEntry {
                    id: id.clone(),
                    original: item.original.to_path_buf(),
                    created: now.to_string(),
                    hash: item.sha.to_string(),
                    size: item.size.unwrap_or(item.bytes.len() as u64),
                    parsed: item.parsed,
                });
                ids.push(Some(id));
            }
            let mut evicted = Vec::new();
            for item in items {
                evicted.extend(retain(&mut entries, item.original, self.keep));
            }
            self.write_index(&entries)?;
            Ok(evicted)
        })();
        match result {
            Ok(evicted) => {
                for e in evicted {
                    let _ = fs::remove_file(self.dir.join(e.id));
                }
                Ok(ids)
            }
            Err(e) => {
                for id in ids.iter().flatten() {
                    let _ = fs::remove_file(self.dir.join(id));
                }
                Err(e)
            }
        }
    }

    /// Put one copy in the backup dir under a fresh id (`<time>-<hash>-<name>`, then `-2`… when two files
    /// of one batch share all three).
    fn place(
        &self,
        item: &ToSave<'_>,
        now: jiff::Timestamp,
        taken: &mut std::collections::HashSet<String>,
    ) -> std::io::Result<Option<String>> {
        let stem: String = item
            .original
            .file_name()
            .map(|n| {
                n.to_string_lossy()
                    .chars()
                    .map(|c| {
                        if c.is_alphanumeric() || c == '.' || c == '_' {
                            c
                        } else {
                            '-'
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
        let base = format!(
            "{}-{}-{}",
            now.strftime("%Y%m%dT%H%M%S%.6fZ"),
            &item.sha[..8.min(item.sha.len())],
            stem
        );
        for n in 1..100 {
            let id = if n == 1 {
                base.clone()
            } else {
                format!("{base}-{n}")
            };
            if taken.contains(&id) {
                continue;
            }
            let path = self.dir.join(&id);
            let linked = match item.link_from.map(|from| fs::hard_link(from, &path)) {
                Some(Ok(())) => true,
                Some(Err(e)) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                _ => false,
            };
            if !linked {
                if item.size.is_some() {
                    return Ok(None);
                }
                match write_private(&path, item.bytes) {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                    Err(e) => return Err(e),
                }
            }
            taken.insert(id.clone());
            return Ok(Some(id));
        }
        Err(std::io::Error::other("no free backup name"))
    }

    /// Backups that still share their inode with another file: a writer stopped between its hard link
    /// and its rename (a rotation killed during the provider's call), so the link is the live config, with
    /// its mode. Each becomes a private (0600) copy if it still holds the bytes its index entry names, and
    /// is dropped otherwise (the live file was written in place since: the link no longer backs anything
    /// up). Files a writer stopped before it indexed them are removed. Returns how many were repaired or
    /// removed. (Recovery runs this.)
    pub fn repair_links(&self) -> std::io::Result<usize> {
        let mut done = 0;
        if !self.dir.is_dir() {
            return Ok(done);
        }
        let lock = self.lock()?;
        let indexed: std::collections::HashSet<String> =
            self.list()?.into_iter().map(|e| e.id).collect();
        for f in fs::read_dir(&self.dir)?.flatten() {
            let name = f.file_name().to_string_lossy().into_owned();
            if name != INDEX && !name.starts_with('.') && !indexed.contains(&name) {
                fs::remove_file(f.path())?;
                done += 1;
            }
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let mut dropped = Vec::new();
            for e in self.list()? {
                let path = self.dir.join(&e.id);
                match fs::symlink_metadata(&path) {
                    Ok(m) if m.is_file() && m.nlink() > 1 => {}
                    _ => continue,
                }
                match super::read::read(&path) {
                    Ok(bytes) if crate::edit::atomic::content_hash(&bytes) == e.hash => {
                        let tmp = self.dir.join(format!(".{}.repair", e.id));
                        let _ = fs::remove_file(&tmp);
                        write_private(&tmp, &bytes)?;
                        fs::rename(&tmp, &path)?;
                    }
                    _ => dropped.push(e.id),
                }
                done += 1;
            }
            drop(lock);
            self.forget(&dropped)?;
        }
        #[cfg(not(unix))]
        drop(lock);
        Ok(done)
    }

    /// Remove backups taken for a write that did not happen (their files and their index entries).
    pub fn forget(&self, ids: &[String]) -> std::io::Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let _lock = self.lock()?;
        let mut entries = self.list()?;
        entries.retain(|e| !ids.contains(&e.id));
        self.write_index(&entries)?;
        for id in ids.iter().filter(|id| plain_name(id)) {
            let _ = fs::remove_file(self.dir.join(id));
        }
        Ok(())
    }

    /// Make a linked backup private (0600) once the live file has been renamed away from its inode.
    pub fn seal(&self, id: &str) -> std::io::Result<()> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(self.dir.join(id), fs::Permissions::from_mode(0o600))?;
        }
        // (Elsewhere a backup gets its folder's access rights: nothing to change.)
        #[cfg(not(unix))]
        let _ = id;
        Ok(())
    }

    /// The write after `save_with` failed: the link still shares the live file's inode, so replace it
    /// with a private copy of `bytes`.
    pub fn unlink_failed(&self, id: &str, bytes: &[u8]) -> std::io::Result<()> {
        let path = self.dir.join(id);
        fs::remove_file(&path)?;
        write_private(&path, bytes)
    }

    pub fn get(&self, id: &str) -> std::io::Result<(BackupEntry, Vec<u8>)> {
        let entry = self
            .list()?
            .into_iter()
            .find(|e| e.id == id)
            .ok_or_else(|| {
                std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    format!("no backup with id {id}"),
                )
            })?;
        let bytes = super::read::read(&self.dir.join(&entry.id))?;
        Ok((entry, bytes))
    }
}

/// A name of a file in one directory: no separator, not `.`/`..`, not hidden, not empty.
fn plain_name(id: &str) -> bool {
    let separators: &[char] = if cfg!(windows) {
        &['/', '\\', '\0', ':']
    } else {
        &['/', '\\', '\0']
    };
    !id.is_empty() && !id.starts_with('.') && !id.contains(separators)
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut opts = fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// Keep the newest `keep` entries for `original`, plus the newest one that parsed; return the rest.
fn retain(entries: &mut Vec<BackupEntry>, original: &Path, keep: usize) -> Vec<BackupEntry> {
    let mine: Vec<usize> = entries
        .iter()
        .enumerate()
        .filter(|(_, e)| e.original == original)
        .map(|(i, _)| i)
        .collect();
    if mine.len() <= keep {
        return Vec::new();
    }
    // Entries are appended in time order, so the last ones are the newest.
    let keep_from = mine.len() - keep;
    let newest_parsed = mine.iter().rev().find(|&&i| entries[i].parsed).copied();
    let drop: Vec<usize> = mine[..keep_from]
        .iter()
        .copied()
        .filter(|&i| Some(i) != newest_parsed)
        .collect();
    let mut evicted = Vec::new();
    for &i in drop.iter().rev() {
        evicted.push(entries.remove(i));
    }
    evicted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_index_entry_naming_a_file_elsewhere_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let b = Backups::new(dir.path().join("backups"));
        let a = dir.path().join("a.json");
        fs::write(&a, b"{}").unwrap();
        let sha = crate::edit::atomic::content_hash(b"{}");
        let id = b.save_with(&a, None, b"{}", &sha, true).unwrap();
        let victim = dir.path().join("victim");
        fs::write(&victim, b"mine").unwrap();
        let mut entries = b.list().unwrap();
        for bad in ["../victim", "/etc/hostname", "..", ".index.json", ""] {
            let mut e = entries[0].clone();
            e.id = bad.into();
            entries.insert(0, e);
        }
        fs::write(
            dir.path().join("backups/index.json"),
            serde_json::to_vec(&entries).unwrap(),
        )
        .unwrap();
        assert_eq!(b.list().unwrap().len(), 1, "only the real entry");
        assert!(b.get("../victim").is_err());
        // Backups taken and dropped after it (retention, forget) never touch the named file.
        for _ in 0..30 {
            let _ = b.save_with(&a, None, b"{}", &sha, true).unwrap();
        }
        let _ = b.forget(&["../victim".to_string()]);
        assert_eq!(fs::read(&victim).unwrap(), b"mine");
        assert!(b.list().unwrap().iter().all(|e| e.id != "../victim"));
        let _ = id;
    }

    #[cfg(unix)]
    #[test]
    fn links_left_by_a_stopped_writer_become_private_copies_or_go() {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let dir = tempfile::tempdir().unwrap();
        let b = Backups::new(dir.path().join("backups"));
        let (kept, changed) = (dir.path().join("a.json"), dir.path().join("b.json"));
        for p in [&kept, &changed] {
            fs::write(p, b"{\"k\": 1}").unwrap();
            fs::set_permissions(p, fs::Permissions::from_mode(0o644)).unwrap();
        }
        let sha = crate::edit::atomic::content_hash(b"{\"k\": 1}");
        let a = b
            .save_with(&kept, Some(&kept), b"{\"k\": 1}", &sha, true)
            .unwrap();
        let c = b
            .save_with(&changed, Some(&changed), b"{\"k\": 1}", &sha, true)
            .unwrap();
        // Stopped before the renames; then a client writes one of the files in place. Another writer
        // stopped after its link and before its index entry.
        fs::write(&changed, b"{\"k\": 2}").unwrap();
        fs::hard_link(
            &kept,
            b.dir().join("20260101T000000.000000Z-00000000-a.json"),
        )
        .unwrap();
        assert_eq!(b.repair_links().unwrap(), 3);
        let m = fs::metadata(b.dir().join(&a)).unwrap();
        assert_eq!((m.nlink(), m.permissions().mode() & 0o777), (1, 0o600));
        assert_eq!(b.get(&a).unwrap().1, b"{\"k\": 1}");
        assert_eq!(
            fs::read(&kept).unwrap(),
            b"{\"k\": 1}",
            "the live file is untouched"
        );
        assert!(
            b.get(&c).is_err(),
            "a link whose bytes changed is no backup"
        );
        assert!(!b.dir().join(&c).exists());
        assert_eq!(
            fs::metadata(&kept).unwrap().nlink(),
            1,
            "no backup shares the config's inode"
        );
        assert_eq!(fs::read(&changed).unwrap(), b"{\"k\": 2}");
        assert_eq!(b.repair_links().unwrap(), 0, "nothing left to repair");
    }

    #[test]
    fn keeps_newest_n_and_the_last_copy_that_parsed() {
        let dir = tempfile::tempdir().unwrap();
        let mut b = Backups::new(dir.path().join("backups"));
        b.keep = 2;
        let f = Path::new("/x/claude.json");
        let first = b.save(f, b"{}", true).unwrap();
        for i in 0..4 {
            b.save(f, format!("broken {i}").as_bytes(), false).unwrap();
        }
        let other = b.save(Path::new("/y/mcp.json"), b"{}", true).unwrap();
        let ids: Vec<String> = b.list().unwrap().into_iter().map(|e| e.id).collect();
        assert_eq!(ids.len(), 4, "{ids:?}");
        assert!(
            ids.contains(&first),
            "the only copy that parsed was evicted"
        );
        assert!(ids.contains(&other));
        assert_eq!(b.get(&first).unwrap().1, b"{}");
        let files = fs::read_dir(b.dir()).unwrap().count();
        assert_eq!(files, 5, "evicted copies are deleted; index.json stays");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(b.dir().join(&first))
                .unwrap()
                .permissions()
                .mode()
                & 0o777;
            assert_eq!(mode, 0o600);
        }
    }
}
