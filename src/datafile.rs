//! Rekey's own small files in its data dir (settings, links, the key registry, the protect index, the
//! journals): private (0600) JSON written atomically, read with a default when absent.
//!
//! The lowest layer of the engine's storage: `context`, `change`, `protect` and `rotation` all write
//! through it, so none of them needs another's storage code.

use crate::edit::atomic::write_atomic;
use serde::{de::DeserializeOwned, Serialize};
use std::path::Path;

/// Read a JSON file; a missing file is `T::default()`.
pub fn read_json<T: DeserializeOwned + Default>(path: &Path) -> std::io::Result<T> {
    match std::fs::read(path) {
        Ok(b) => serde_json::from_slice(&b)
            .map_err(|e| std::io::Error::other(format!("{}: {e}", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(T::default()),
        Err(e) => Err(e),
    }
}

/// Write a private (0600) JSON file atomically.
pub fn write_json(path: &Path, v: &impl Serialize) -> std::io::Result<()> {
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

/// Read, change and write `path` under an exclusive OS lock on `<path>.lock`, so two processes updating
/// the same file (two rotations of different keys finishing at once) never undo each other's change.
pub fn update_json<T, R>(path: &Path, change: impl FnOnce(&mut T) -> R) -> std::io::Result<R>
where
    T: DeserializeOwned + Serialize + Default,
{
    if let Some(dir) = path.parent() {
        crate::paths::ensure_private_dir(dir)?;
    }
    let mut lock_name = path.as_os_str().to_owned();
    lock_name.push(".lock");
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(std::path::PathBuf::from(lock_name))?;
    lock.lock()?;
    let mut all: T = read_json(path)?;
    let r = change(&mut all);
    write_json(path, &all)?;
    Ok(r)
}
