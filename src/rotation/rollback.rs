//! The two choices after a create-then-revoke rotation whose new key failed verification (nothing was
//! revoked): put the old key back in every config (and in the keychain entry of each `rekey://` reference
//! of a protected key) and delete the new key (`rekey rollback`), or keep
//! both keys and look (`rekey keep-both`). Also the deletion of a new key that was created but never
//! kept (recovery after a stop between the provider's answer and the keychain).

use super::journal::{Entry, Journal, Step};
use super::revoke::{admin_for, link_of, locked_entry, step_name};
use super::{account_of, audit_as, Recovered};
use crate::context::Context;
use crate::providers::{self, Http, Link, RevokeRequest};
use crate::replace;
use crate::scrub::Scrubber;
use crate::vault::Vault;
use crate::{Error, Result, Secret};

/// `rekey rollback <rotation>`: the old key (kept in the keychain since before the create call) goes
/// back into every config that now holds the new key (a surgical rewrite: only the secret's bytes
/// change, so a file nobody else touched is byte-for-byte as before the rotation), then the new key is
/// deleted at the provider. Run again, it retries a deletion that failed.
pub fn rollback(ctx: &Context, vault: &Vault, http: &Http, rotation: &str) -> Result<Recovered> {
    let (mut entry, _locks) = locked_entry(ctx, rotation)?;
    let allowed = matches!(
        entry.step,
        Step::VerifyFailed | Step::KeptBoth | Step::RevokeFailed | Step::Incomplete
    ) || (entry.step == Step::RolledBack && !entry.new_key_deleted);
    if !entry.create_then_revoke() || !allowed {
        return Err(Error::InvalidInput(format!(
            "rotation {rotation} cannot be rolled back ({}){}",
            step_name(entry.step),
            if entry.step == Step::Revoked {
                ": its old key is already revoked"
            } else {
                ""
            }
        )));
    }
    let provider = providers::by_id(&entry.provider)
        .ok_or_else(|| Error::UnknownProvider(entry.provider.clone()))?;
    let link = link_of(ctx, &entry)?;
    let journal = Journal::new(&ctx.data_dir);
    let jio = |e: std::io::Error| Error::io(ctx.data_dir.join("journal"), e);
    let new = vault.get(&account_of(&entry))?;
    if entry.step != Step::RolledBack {
        let old_account = entry.old_account.clone().ok_or_else(|| {
            Error::InvalidInput(format!(
                "rotation {rotation} did not keep the old key, so it cannot be put back"
            ))
        })?;
        let old = vault.get(&old_account)?;
        let scrubber = Scrubber::new().with(&new).with(&old);
        let report = ctx.scan()?;
        let plan = replace::plan_for(&report, &new);
        let results = replace::apply(&plan, &old, &ctx.backups());
        let mut failed: Vec<String> = results
            .iter()
            .filter(|r| !r.ok)
            .map(|r| {
                format!(
                    "{}: {}",
                    r.path.display(),
                    scrubber.clean(r.error.as_deref().unwrap_or("not written"))
                )
            })
            .collect();
        failed.extend(
            restore_references(ctx, vault, &entry, &old)
                .iter()
                .map(|e| scrubber.clean(e)),
        );
        // Read again: every usage must be back on the old key before the new key may be deleted.
        let after = ctx.scan()?;
        let left = replace::plan_for(&after, &new);
        // A reference used by a config whose keychain entry still holds the new key counts too.
        let referenced_new = after.internal.iter().any(|s| {
            crate::protect::index::reference_id(s.value.expose()).is_some_and(|id| {
                vault
                    .get(&crate::protect::account_of(id))
                    .is_ok_and(|v| v == new)
            })
        });
        let still_new = !left.files.is_empty() || !left.unparsed.is_empty() || referenced_new;
        if !failed.is_empty() || still_new {
            entry.message = Some(format!(
                "the rollback could not put the old key back everywhere ({}); the new key was NOT deleted. Fix that and run `rekey rollback {rotation}` again",
                if failed.is_empty() { "a config still holds the new key".to_string() } else { failed.join("; ") }
            ));
            journal.save(&entry).map_err(jio)?;
            return Err(Error::InvalidInput(
                entry.message.clone().unwrap_or_default(),
            ));
        }
        entry.step = Step::RolledBack;
        entry.message = Some("the old key is back in every config".into());
        journal.save(&entry).map_err(jio)?;
        // The key is the old credential again: its link moves back.
        if let Some(n) = &entry.new_credential {
            let _ = super::store::Links::new(&ctx.data_dir).rename_keyed(
                n,
                &entry.credential,
                entry.old_key_id.as_deref(),
            );
        }
        let _ = vault.delete(&old_account);
        entry.old_account = None;
    }
    delete_new(vault, http, provider, &link, &mut entry, &new);
    journal.save(&entry).map_err(jio)?;
    audit_as(ctx, &entry, crate::change::Kind::Rollback);
    Ok(Recovered::from(&entry))
}

/// A protected key: the keychain entry `ref:<id>` of each of the rotation's references takes the old key
/// back (checked by reading it back), and the index moves the references back to the old credential, so
/// the configs, which hold only `rekey://<id>`, resolve to the old key again. Returns what failed.
fn restore_references(ctx: &Context, vault: &Vault, entry: &Entry, old: &Secret) -> Vec<String> {
    let mut failed = Vec::new();
    // The rotation's references, and any made since for the new key (the user protected it while
    // deciding): each must hold the old key again before the new one may be deleted, or its configs
    // would resolve to a deleted key. (Read under the rotation's locks.)
    let mut refs = entry.refs.clone();
    if let Some(n) = &entry.new_credential {
        match crate::protect::index::Index::new(&ctx.data_dir).refs_of(n) {
            Ok(more) => {
                for r in more {
                    if !refs.contains(&r) {
                        refs.push(r);
                    }
                }
            }
            Err(e) => failed.push(format!(
                "Rekey's list of protected keys could not be read ({e}), so references of the new key may remain"
            )),
        }
    }
    let refs = &refs;
    for id in refs {
        let account = crate::protect::account_of(id);
        match vault
            .store(&account, old)
            .and_then(|()| vault.get(&account))
        {
            Ok(back) if back == *old => {}
            Ok(_) => failed.push(format!(
                "the keychain entry of rekey://{id} did not take the old key back"
            )),
            Err(e) => failed.push(format!(
                "the keychain entry of rekey://{id} still holds the new key ({e})"
            )),
        }
    }
    if failed.is_empty() && !refs.is_empty() {
        let index = crate::protect::index::Index::new(&ctx.data_dir);
        if let Err(e) = index.rotated(refs, &entry.credential, &old.masked()) {
            failed.push(format!(
                "Rekey's list of protected keys could not be updated ({e})"
            ));
        }
    }
    failed
}

/// Delete a rotation's new key at the provider (its journaled id), authenticated by a key that stays.
/// Sets `new_key_deleted` and the message; never fails the caller (what is left is said in the message).
pub(super) fn delete_new(
    vault: &Vault,
    http: &Http,
    provider: &dyn providers::Provider,
    link: &Link,
    entry: &mut Entry,
    live: &Secret,
) {
    let Some(id) = entry.new_key_id.clone() else {
        entry.message = Some(format!(
            "{}; the provider did not give the new key's id, so Rekey cannot delete it: delete the key named 'rekey-{}' in {}'s console",
            entry.message.clone().unwrap_or_default(),
            entry.id,
            provider.name()
        ));
        return;
    };
    let admin = admin_for(vault, provider, link);
    // The admin credential too: a provider's error text may echo the token it was sent.
    let scrubber = Scrubber::new()
        .with(live)
        .with_opt(admin.as_ref().ok().and_then(Option::as_ref));
    let result = admin.map_err(|e| e.to_string()).and_then(|admin| {
        provider
            .revoke(
                http,
                &RevokeRequest {
                    link,
                    key_id: &id,
                    live,
                    admin: admin.as_ref(),
                },
            )
            .map_err(|e| e.to_string())
    });
    let before = entry.message.clone().unwrap_or_default();
    match result {
        Ok(()) => {
            entry.new_key_deleted = true;
            entry.message = Some(format!(
                "{before}; the new key (id {id}) was deleted at the provider"
            ));
            let _ = vault.delete(&account_of(entry));
        }
        Err(e) => {
            entry.message = Some(scrubber.clean(&format!(
                "{before}; the new key (id {id}) is still active at the provider and could not be deleted ({e}): run `rekey rollback {}` again, or delete it in {}'s console",
                entry.id,
                provider.name()
            )));
        }
    }
}

/// `rekey keep-both <rotation>`: after a failed verification, keep the new key in the configs and the old
/// key active, to look into it; later `rekey revoke-old` or `rekey rollback`.
pub fn keep_both(ctx: &Context, rotation: &str) -> Result<Recovered> {
    let (mut entry, _locks) = locked_entry(ctx, rotation)?;
    if !entry.create_then_revoke() || entry.step != Step::VerifyFailed {
        return Err(Error::InvalidInput(format!(
            "rotation {rotation} is not waiting for that choice ({}); keep-both applies after a failed verification",
            step_name(entry.step)
        )));
    }
    entry.step = Step::KeptBoth;
    entry.message = Some(format!(
        "both keys are active: the configs hold the new one (verification failed: {}); the old one is not revoked. When done looking: `rekey revoke-old {rotation}` or `rekey rollback {rotation}`",
        entry.verify_error.clone().unwrap_or_default()
    ));
    Journal::new(&ctx.data_dir)
        .save(&entry)
        .map_err(|e| Error::io(ctx.data_dir.join("journal"), e))?;
    audit_as(ctx, &entry, crate::change::Kind::KeepBoth);
    Ok(Recovered::from(&entry))
}
