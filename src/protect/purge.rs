//! No plaintext copy of a key left in Rekey's backups: after a verified Protect, the backups that Protect
//! made (each holds the file as it was, with the key) are removed: Unprotect is the undo. Older backups
//! holding the key are listed; [`purge_backups`] (`rekey backups --purge <key>`, the app's Backups screen)
//! deletes them. The search of the bytes is `edit::purge`'s.

use super::index::Index;
use crate::change::FileResult;
use crate::context::Context;
use crate::edit::backup::BackupEntry;
use crate::vault::Vault;
use crate::{Error, Result, Secret};

/// The key `key` names: a `rekey://` reference id (with or without the scheme), a key's id for life, or a
/// credential id as `rekey scan` prints it (held literally in a config, or protected); with the
/// credential id of its value.
pub fn key_of(ctx: &Context, vault: &Vault, key: &str) -> Result<(Secret, String)> {
    let key = key.trim();
    let id = key.strip_prefix(super::SCHEME).unwrap_or(key);
    let index = Index::new(&ctx.data_dir)
        .all()
        .map_err(|e| Error::io(ctx.data_dir.join("protected.json"), e))?;
    if let Some(p) = index.get(id) {
        return Ok((vault.get(&super::account_of(id))?, p.credential.clone()));
    }
    if key.starts_with(super::SCHEME) {
        return Err(Error::InvalidInput(format!(
            "no reference {key} is known to Rekey"
        )));
    }
    let cred = ctx.resolve(key);
    if let Some(v) = ctx.scan()?.secret_of(&cred) {
        return Ok((v, cred));
    }
    match super::index::protected_key(ctx, vault, &cred)? {
        (_, Some(v)) => Ok((v, cred)),
        _ => Err(Error::UnknownCredential(key.to_string())),
    }
}

/// What `rekey backups --purge` would delete: every backup whose bytes hold the key (no contents).
pub struct PurgePlan {
    pub backups: Vec<BackupEntry>,
    credential: String,
    value: Secret,
}

/// Plan deleting every backup whose bytes hold the key `key` names (see [`key_of`]), in any form.
pub fn plan_purge(ctx: &Context, vault: &Vault, key: &str) -> Result<PurgePlan> {
    let (value, credential) = key_of(ctx, vault, key)?;
    let backups = ctx.backups();
    let found = backups
        .holding(&value, None)
        .map_err(|e| Error::io(backups.dir(), e))?;
    Ok(PurgePlan {
        backups: found,
        credential,
        value,
    })
}

/// Delete what a confirmed plan lists, as a change of the key (its lock; the history): only backups the
/// plan listed that still hold the key (a backup made since is not deleted unseen). Returns what was
/// deleted.
pub fn apply_purge(ctx: &Context, plan: &PurgePlan) -> Result<Vec<BackupEntry>> {
    let change = crate::change::begin(
        ctx,
        crate::change::Kind::Purge,
        &[plan.credential.as_str()],
        "",
        &[],
    )?;
    let backups = ctx.backups();
    let ids: Vec<String> = plan.backups.iter().map(|b| b.id.clone()).collect();
    match backups.purge(&plan.value, Some(&ids)) {
        Ok(gone) => {
            change.finish(crate::change::Done {
                step: crate::change::Step::Written,
                message: Some(format!(
                    "deleted {} backup(s) that held the key in plaintext",
                    gone.len()
                )),
                ..Default::default()
            });
            Ok(gone)
        }
        Err(e) => {
            change.finish(crate::change::Done {
                step: crate::change::Step::Failed,
                message: Some(format!("the backups could not be deleted ({e})")),
                ..Default::default()
            });
            Err(Error::io(backups.dir(), e))
        }
    }
}

/// Plan and delete at once (`rekey backups --purge --yes`).
pub fn purge_backups(ctx: &Context, vault: &Vault, key: &str) -> Result<Vec<BackupEntry>> {
    apply_purge(ctx, &plan_purge(ctx, vault, key)?)
}

/// Delete, of the backups holding `key`, only those the user was shown and confirmed (`ids`: the app's
/// plan and its confirmation are two calls; a backup made since is not deleted unseen).
pub fn purge_shown(
    ctx: &Context,
    vault: &Vault,
    key: &str,
    ids: &[String],
) -> Result<Vec<BackupEntry>> {
    let mut plan = plan_purge(ctx, vault, key)?;
    plan.backups.retain(|b| ids.contains(&b.id));
    if plan.backups.is_empty() {
        return Ok(Vec::new());
    }
    apply_purge(ctx, &plan)
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
