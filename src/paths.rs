//! Rekey's own files: data dir (backups, fingerprint key, settings), honouring `REKEY_DATA_DIR`.

use std::path::PathBuf;

/// `$REKEY_DATA_DIR`, else the OS data dir + `rekey` (`~/.local/share/rekey` on Linux).
pub fn data_dir() -> crate::Result<PathBuf> {
    if let Some(d) = std::env::var_os("REKEY_DATA_DIR").filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(d));
    }
    Ok(dirs::data_dir()
        .ok_or(crate::Error::NoHomeDir)?
        .join("rekey"))
}

/// Create a private directory (0700) if missing.
pub fn ensure_private_dir(dir: &std::path::Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}
