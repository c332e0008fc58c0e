//! No plaintext copy of a key left in Rekey's backups: after a verified Protect, the backups that Protect
//! made (each holds the file as it was, with the key) are removed: Unprotect is the undo. Older backups
//! holding the key are listed; [`purge_backups`] (`rekey backups --purge <key>`, the app's Backups screen)
//! deletes them. The search of the bytes is `edit::purge`'s.

use super::index::Index;
use crate::context::Context;
use crate::edit::backup::BackupEntry;
use crate::replace::FileResult;
use crate::vault::Vault;
use crate::{Error, Result, Secret};

/// The key `key` names: a `rekey://` reference id (with or without the scheme), or a credential id as
/// `rekey scan` prints it (held literally in a config, or protected).
pub fn key_of(ctx: &Context, vault: &Vault, key: &str) -> Result<Secret> {
    let key = key.trim();
    let id = key.strip_prefix(super::SCHEME).unwrap_or(key);
    let index = Index::new(&ctx.data_dir)
        .all()
        .map_err(|e| Error::io(ctx.data_dir.join("protected.json"), e))?;
    if index.contains_key(id) {
        return vault.get(&super::account_of(id));
    }
    if key.starts_with(super::SCHEME) {
        return Err(Error::InvalidInput(format!(
            "no reference {key} is known to Rekey"
        )));
    }
    if let Some(v) = ctx.scan()?.secret_of(key) {
        return Ok(v);
    }
    match super::index::protected_key(ctx, vault, key)? {
        (_, Some(v)) => Ok(v),
        _ => Err(Error::UnknownCredential(key.to_string())),
    }
}

/// Delete every backup whose bytes hold the key `key` names (see [`key_of`]), in any form. Returns what
/// was deleted (no contents).
pub fn purge_backups(ctx: &Context, vault: &Vault, key: &str) -> Result<Vec<BackupEntry>> {
    let value = key_of(ctx, vault, key)?;
    let backups = ctx.backups();
    backups
        .purge(&value, None)
        .map_err(|e| Error::io(backups.dir(), e))
}

/// After Protect wrote `files`: when every file written reads back holding `rekey://<reference>`, and the reference resolves from the keychain to the key, delete the backups this
/// Protect made that hold the key (their ids are cleared in `files`). Returns the older backups that
/// still hold it. A check that fails removes nothing.
pub(super) fn after_protect(
    ctx: &Context,
    vault: &Vault,
    reference: &str,
    value: &Secret,
    files: &mut [FileResult],
) -> Vec<BackupEntry> {
    let backups = ctx.backups();
    let reference_text = format!("{}{reference}", super::SCHEME);
    let verified = vault
        .get(&super::account_of(reference))
        .is_ok_and(|v| v == *value)
        && files.iter().filter(|f| f.ok).all(|f| {
            crate::edit::read::read_to_string(&f.path)
                .map(zeroize::Zeroizing::new)
                .is_ok_and(|text| text.contains(&reference_text))
        });
    if verified {
        let made: Vec<String> = files.iter().filter_map(|f| f.backup.clone()).collect();
        if let Ok(gone) = backups.purge(value, Some(&made)) {
            for f in files.iter_mut() {
                if gone.iter().any(|g| Some(&g.id) == f.backup.as_ref()) {
                    f.backup = None;
                }
            }
        }
    }
    backups.holding(value, None).unwrap_or_default()
}
