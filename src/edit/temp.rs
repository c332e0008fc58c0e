//! Rekey's temp files: beside their target, private (0600) and locked from creation to rename, so a
//! dead writer's leftover (which holds a new key) can be told from a live writer's and removed.

use super::atomic::{at_path, resolve};
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// A temp file beside its target, written and synced, not yet renamed over the target. It is private
/// (0600) until the rename, because it holds the new key; and it is locked while it exists, so
/// [`remove_stray_temps`] can tell a dead writer's leftover from a live writer's file.
pub(crate) struct Temp {
    path: PathBuf,
    dir: PathBuf,
    /// Holds the lock; closed (unlocking) once the file is renamed or removed.
    file: File,
}

impl Temp {
    pub(crate) fn write(
        target: &Path,
        parts: &[&[u8]],
        hook: Option<&str>,
    ) -> std::io::Result<Temp> {
        let dir = parent_dir(target);
        let name = target.file_name().unwrap_or_default();
        let temp = create_locked(&dir, name)?;
        let result = (|| {
            let mut w = std::io::BufWriter::with_capacity(1 << 20, &temp.file);
            for part in parts {
                w.write_all(part)?;
            }
            w.flush()?;
            drop(w);
            if let Some(step) = hook {
                crate::testhook::point(step)?;
            }
            temp.file.sync_all()
        })();
        match result {
            Ok(()) => Ok(temp),
            Err(e) => {
                temp.discard();
                Err(e)
            }
        }
    }

    /// Give the file the target's mode and owner, rename it over `target` and sync the directory.
    pub(crate) fn commit(self, target: &Path) -> std::io::Result<()> {
        let dir = self.rename_into(target)?;
        sync_dir(&dir)
    }

    /// [`Temp::commit`] without the directory's fsync: returns the directory to sync, which the caller
    /// must do before it reports the file written (a batch syncs each directory once, after its renames).
    pub(crate) fn rename_into(self, target: &Path) -> std::io::Result<PathBuf> {
        if let Err(e) = self.adopt_mode(target) {
            self.discard();
            return Err(e);
        }
        if let Err(e) = fs::rename(&self.path, target) {
            self.discard();
            return Err(e);
        }
        Ok(self.dir)
    }

    /// Only now: until the rename the file must stay private. The mode change is not synced on its own:
    /// after a power loss at worst the config comes back private (0600), never with lost bytes.
    fn adopt_mode(&self, target: &Path) -> std::io::Result<()> {
        if let Ok(meta) = fs::metadata(target) {
            self.file.set_permissions(meta.permissions())?;
            #[cfg(unix)]
            {
                use std::os::unix::fs::MetadataExt;
                // Keeping the owner needs privileges when it differs from ours; best effort.
                let _ = std::os::unix::fs::fchown(&self.file, Some(meta.uid()), Some(meta.gid()));
            }
        }
        Ok(())
    }

    /// Linux: put the temp file in place by *exchanging* it with `target` (renameat2 RENAME_EXCHANGE), so
    /// that the file it displaces can be looked at: if it is not `expected` (the file the content was made
    /// from), a writer that takes no lock replaced the file between the last check and now, and a plain
    /// rename would have thrown its change away. Then the two are exchanged back (its file is in place again)
    /// and `Exchanged::Replaced` is returned; nothing of ours stays. `Err(self)`: the filesystem cannot
    /// exchange (use [`Temp::rename_into`]).
    #[cfg(target_os = "linux")]
    pub(crate) fn exchange_into(
        self,
        target: &Path,
        expected: &File,
    ) -> Result<std::io::Result<Exchanged>, Temp> {
        use std::os::unix::ffi::OsStrExt;
        use std::os::unix::fs::MetadataExt;
        let c = |p: &Path| std::ffi::CString::new(p.as_os_str().as_bytes()).ok();
        let (Some(from), Some(to)) = (c(&self.path), c(target)) else {
            return Err(self);
        };
        if let Err(e) = self.adopt_mode(target) {
            self.discard();
            return Ok(Err(e));
        }
        let exchange = || {
            // SAFETY: two NUL-terminated paths that live across the call; no pointer is kept.
            let r = unsafe {
                libc::renameat2(
                    libc::AT_FDCWD,
                    from.as_ptr(),
                    libc::AT_FDCWD,
                    to.as_ptr(),
                    libc::RENAME_EXCHANGE,
                )
            };
            if r == 0 {
                Ok(())
            } else {
                Err(std::io::Error::last_os_error())
            }
        };
        if let Err(e) = exchange() {
            return match e.raw_os_error() {
                // Not supported here (an old kernel, a filesystem without exchange), or the file is gone:
                // rename instead.
                Some(libc::EINVAL | libc::ENOSYS | libc::EOPNOTSUPP | libc::ENOENT) => Err(self),
                _ => {
                    self.discard();
                    Ok(Err(e))
                }
            };
        }
        // What was displaced is now at our temp name.
        let same = match (expected.metadata(), fs::symlink_metadata(&self.path)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        };
        if same {
            let _ = fs::remove_file(&self.path); // the old file (its backup is a link of its own)
            return Ok(Ok(Exchanged::Done(self.dir)));
        }
        // Another writer's file: put it back (ours comes back to the temp name and goes).
        if exchange().is_ok() {
            let _ = fs::remove_file(&self.path);
            return Ok(Ok(Exchanged::Replaced));
        }
        // Could not swap back: move theirs over ours (their change wins; ours is redone from it).
        match fs::rename(&self.path, target) {
            Ok(()) => Ok(Ok(Exchanged::Replaced)),
            Err(e) => {
                // Neither worked: their file must not be lost, nor left where temp-file cleanup would
                // remove it. Keep it beside the config under a name that says what it is.
                let name = target.file_name().unwrap_or_default().to_string_lossy();
                let keep = self
                    .dir
                    .join(format!("{name}.rekey-conflict-{}", std::process::id()));
                let kept = fs::rename(&self.path, &keep).is_ok();
                Ok(Err(std::io::Error::other(format!(
                    "another program replaced this file while Rekey wrote it, and its version could not be put back ({e}); {}",
                    if kept {
                        format!("it is kept as {}: compare it with the config and restore it by hand", keep.display())
                    } else {
                        format!("it is still at {}: restore it by hand", self.path.display())
                    }
                ))))
            }
        }
    }

    pub(crate) fn discard(self) {
        let _ = fs::remove_file(&self.path);
    }
}

/// What [`Temp::exchange_into`] did.
#[cfg(target_os = "linux")]
pub(crate) enum Exchanged {
    /// In place; the directory to sync.
    Done(PathBuf),
    /// Another writer had replaced the file meanwhile: its file is in place again, ours is gone.
    Replaced,
}

/// Make a directory's entries (a rename into it) durable.
pub(crate) fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

fn parent_dir(target: &Path) -> PathBuf {
    target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf()
}

/// `.<name>.rekey-<pid>.tmp` (then `-<pid>-<n>` if taken), created 0600, locked, and checked to still be
/// at its name once locked (a cleaner may have taken the lock between our create and our lock).
fn create_locked(dir: &Path, name: &std::ffi::OsStr) -> std::io::Result<Temp> {
    let pid = std::process::id();
    let mut last = None;
    for n in 0..100 {
        let mut temp_name = std::ffi::OsString::from(".");
        temp_name.push(name);
        temp_name.push(if n == 0 {
            format!(".rekey-{pid}.tmp")
        } else {
            format!(".rekey-{pid}-{n}.tmp")
        });
        let path = dir.join(temp_name);
        let mut opts = OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let file = match opts.open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                last = Some(e);
                continue;
            }
            Err(e) => return Err(e),
        };
        // Nobody but a cleaner can hold this fresh file's lock, and only for an instant. If the cleaner
        // removed the name meanwhile, the file is no longer ours to use: take another.
        match file.lock().and_then(|()| at_path(&file, &path)) {
            Ok(true) => {
                return Ok(Temp {
                    path,
                    dir: dir.to_path_buf(),
                    file,
                })
            }
            Ok(false) => continue,
            Err(e) => {
                let _ = fs::remove_file(&path);
                return Err(e);
            }
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("no free temp file name")))
}

/// Is `file_name` one of Rekey's temp files for the config named `config`
/// (`.<config>.rekey-<pid>.tmp` or `.<config>.rekey-<pid>-<n>.tmp`)?
fn is_temp_of(file_name: &std::ffi::OsStr, config: &std::ffi::OsStr) -> bool {
    let rest = file_name
        .as_encoded_bytes()
        .strip_prefix(b".")
        .and_then(|r| r.strip_prefix(config.as_encoded_bytes()))
        .and_then(|r| r.strip_prefix(b".rekey-"))
        .and_then(|r| r.strip_suffix(b".tmp"));
    rest.is_some_and(|r| {
        !r.is_empty()
            && r.split(|&b| b == b'-')
                .all(|p| !p.is_empty() && p.iter().all(u8::is_ascii_digit))
    })
}

/// Remove the temp files a killed Rekey writer left beside each of `config_paths` (they may hold a new
/// key). A temp file whose lock can be taken has no live writer: a writer holds its temp file's lock from
/// creation to rename. Returns the paths removed.
pub fn remove_stray_temps(config_paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut removed = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for config in config_paths {
        // Temp files sit beside the file that holds the bytes (a symlinked config's target).
        for p in [config.clone(), resolve(config)] {
            let Some(name) = p.file_name().map(|n| n.to_os_string()) else {
                continue;
            };
            let dir = parent_dir(&p);
            if !seen.insert((dir.clone(), name.clone())) {
                continue;
            }
            let Ok(entries) = fs::read_dir(&dir) else {
                continue;
            };
            for e in entries.flatten() {
                if is_temp_of(&e.file_name(), &name) && remove_if_dead(&e.path()) {
                    removed.push(e.path());
                }
            }
        }
    }
    removed
}

/// Remove `path` if it is a regular file (not a link) whose lock nobody holds.
fn remove_if_dead(path: &Path) -> bool {
    let Ok(meta) = fs::symlink_metadata(path) else {
        return false;
    };
    if !meta.is_file() {
        return false;
    }
    let Ok(f) = File::open(path) else {
        return false;
    };
    // `at_path` (which follows links) also proves the file opened is the one inspected above.
    if f.try_lock().is_err() || !at_path(&f, path).unwrap_or(false) {
        return false;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match f.metadata() {
            Ok(m) if m.ino() == meta.ino() && m.dev() == meta.dev() => {}
            _ => return false,
        }
    }
    fs::remove_file(path).is_ok()
}

#[cfg(all(test, target_os = "linux"))]
mod exchange_tests {
    use super::{Exchanged, Temp};
    use std::fs;

    #[test]
    fn a_file_replaced_by_another_writer_since_the_check_is_put_back_not_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("config.json");
        fs::write(&target, "planned").unwrap();
        let planned = fs::File::open(&target).unwrap();
        // Another program (taking no lock) replaces the file by rename after Rekey's last check.
        let theirs = dir.path().join("theirs.tmp");
        fs::write(&theirs, "their change").unwrap();
        fs::rename(&theirs, &target).unwrap();
        let temp = Temp::write(&target, &[b"ours".as_slice()], None).unwrap();
        let outcome = temp
            .exchange_into(&target, &planned)
            .ok()
            .expect("exchange supported here")
            .unwrap();
        assert!(matches!(outcome, Exchanged::Replaced));
        assert_eq!(fs::read_to_string(&target).unwrap(), "their change");
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(names, ["config.json"], "our temp file is gone");
    }

    #[test]
    fn the_file_the_content_was_made_from_is_replaced_and_gone() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("config.json");
        fs::write(&target, "planned").unwrap();
        let planned = fs::File::open(&target).unwrap();
        let temp = Temp::write(&target, &[b"ours".as_slice()], None).unwrap();
        let outcome = temp
            .exchange_into(&target, &planned)
            .ok()
            .expect("exchange supported here")
            .unwrap();
        assert!(matches!(outcome, Exchanged::Done(_)));
        assert_eq!(fs::read_to_string(&target).unwrap(), "ours");
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(names, ["config.json"]);
    }
}
