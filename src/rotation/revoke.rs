//! The last step of a create-then-revoke rotation: revoke the old key, only once every config holds the
//! new key and it is verified. A failed revoke is its own visible state (`revoke-failed`: "old key still
//! active: revoke it"), retried by `rekey revoke-old <rotation>`.

use super::journal::{Entry, Journal, Step};
use super::lock::RotationLock;
use super::{account_of, admin_account, audit, Recovered};
use crate::context::Context;
use crate::providers::{self, Http, Link, ProviderError, RevokeRequest};
use crate::scrub::Scrubber;
use crate::vault::Vault;
use crate::{Error, Result, Secret};

/// The admin credential a link's key management needs, if any.
pub(super) fn admin_for(
    vault: &Vault,
    provider: &dyn providers::Provider,
    link: &Link,
) -> Result<Option<Secret>> {
    if !provider.needs_admin(link) {
        return Ok(None);
    }
    vault
        .get(&admin_account(provider.id(), link.account.as_deref()))
        .map(Some)
}

/// Revoke the old key of `entry` (verified, or a retry): journal and audit the result. `live` is the new
/// key. Refuses (changing nothing) while a config still holds the old key: a config must never be left
/// on a revoked key.
pub(super) fn revoke_old(
    ctx: &Context,
    vault: &Vault,
    http: &Http,
    provider: &dyn providers::Provider,
    link: &Link,
    entry: &mut Entry,
    live: &Secret,
) -> Result<()> {
    let journal = Journal::new(&ctx.data_dir);
    let jio = |e: std::io::Error| Error::io(ctx.data_dir.join("journal"), e);
    let report = ctx.scan()?;
    if report.secret_of(&entry.credential).is_some() {
        return Err(Error::InvalidInput(format!(
            "a config still holds the old key of rotation {}: it is not revoked while a client uses it. Run `rekey finish {}` (or `rekey rollback {}`) first",
            entry.id, entry.id, entry.id
        )));
    }
    let old = entry.old_account.as_deref().and_then(|a| vault.get(a).ok());
    // The admin credential too: a provider's error text may echo the token it was sent.
    let admin = admin_for(vault, provider, link);
    let scrubber = Scrubber::new()
        .with(live)
        .with_opt(old.as_ref())
        .with_opt(admin.as_ref().ok().and_then(Option::as_ref));
    let result = match entry.old_key_id.clone() {
        None => Err(ProviderError::MissingId("key_id")),
        Some(id) => admin
            .map_err(|e| ProviderError::MissingAdminCredential(format!("{} ({e})", provider.id())))
            .and_then(|admin| {
                let req = RevokeRequest {
                    link,
                    key_id: &id,
                    live,
                    admin: admin.as_ref(),
                };
                match provider.revoke(http, &req) {
                    // Already gone (an earlier revoke whose answer was lost)? Only if the old key is
                    // refused now; otherwise the id is wrong and the key still works.
                    Err(ProviderError::NotFound(m)) => match &old {
                        Some(old) if refused(provider.verify(http, link, old)) => Ok(()),
                        _ => Err(ProviderError::NotFound(m)),
                    },
                    r => r,
                }
            }),
    };
    match result {
        Ok(()) => {
            entry.step = Step::Revoked;
            entry.message = Some("old key revoked".into());
            if let Some(a) = entry.old_account.take() {
                let _ = vault.delete(&a);
            }
        }
        Err(e) => {
            entry.step = Step::RevokeFailed;
            entry.message = Some(scrubber.clean(&format!(
                "every config holds the new key and it works, but the old key is still active: revoke it (`rekey revoke-old {}`, or in {}'s console). The revoke failed: {}",
                entry.id,
                provider.name(),
                revoke_words(&e)
            )));
        }
    }
    journal.save(entry).map_err(jio)?;
    audit(ctx, entry);
    Ok(())
}

/// A revoke's error in words that fit a revoke (the rotate-centred advice of some errors does not).
fn revoke_words(e: &ProviderError) -> String {
    match e {
        ProviderError::ServerError { status, message }
        | ProviderError::GatewayError { status, message } => {
            format!("the provider failed ({status}): {message}")
        }
        ProviderError::Ambiguous(m) => format!(
            "no answer came back ({m}); the old key may or may not be revoked (a retry checks)"
        ),
        ProviderError::Malformed { status } => {
            format!("the provider answered {status} with a body that is not JSON")
        }
        other => other.to_string(),
    }
}

fn refused(r: std::result::Result<(), ProviderError>) -> bool {
    matches!(
        r,
        Err(ProviderError::Unauthorized(_)) | Err(ProviderError::Forbidden(_))
    )
}

/// `rekey revoke-old <rotation>`: retry revoking the old key of a rotation whose revoke failed, or whose
/// both keys were kept (`keep-both`).
pub fn revoke_old_rotation(
    ctx: &Context,
    vault: &Vault,
    http: &Http,
    rotation: &str,
) -> Result<Recovered> {
    let (mut entry, _locks) = locked_entry(ctx, rotation)?;
    if !entry.create_then_revoke() || !matches!(entry.step, Step::RevokeFailed | Step::KeptBoth) {
        return Err(Error::InvalidInput(format!(
            "rotation {rotation} has no old key waiting to be revoked ({})",
            step_name(entry.step)
        )));
    }
    let provider = providers::by_id(&entry.provider)
        .ok_or_else(|| Error::UnknownProvider(entry.provider.clone()))?;
    let link = link_of(ctx, &entry)?;
    let live = vault.get(&account_of(&entry))?;
    revoke_old(ctx, vault, http, provider, &link, &mut entry, &live)?;
    Ok(Recovered::from(&entry))
}

/// A rotation's entry, read under the locks of both its keys (another process may be finishing it).
pub(super) fn locked_entry(ctx: &Context, rotation: &str) -> Result<(Entry, Vec<RotationLock>)> {
    let journal = Journal::new(&ctx.data_dir);
    let jio = |e: std::io::Error| Error::io(ctx.data_dir.join("journal"), e);
    let entry = journal
        .get(rotation)
        .map_err(jio)?
        .ok_or_else(|| Error::UnknownRotation(rotation.into()))?;
    let mut locks = vec![RotationLock::acquire(&ctx.data_dir, &entry.credential)?];
    if let Some(new) = &entry.new_credential {
        locks.push(RotationLock::acquire(&ctx.data_dir, new)?);
    }
    let entry = journal
        .get(rotation)
        .map_err(jio)?
        .ok_or_else(|| Error::UnknownRotation(rotation.into()))?;
    Ok((entry, locks))
}

/// The link of a rotation's key: under the old credential id, or the new one it moved to.
pub(super) fn link_of(ctx: &Context, entry: &Entry) -> Result<Link> {
    let links = super::store::Links::new(&ctx.data_dir);
    let get = |c: &str| links.get(c).map_err(|e| Error::io(&ctx.data_dir, e));
    if let Some(l) = get(&entry.credential)? {
        return Ok(l);
    }
    match &entry.new_credential {
        Some(n) => get(n)?.ok_or_else(|| Error::NotLinked(entry.credential.clone())),
        None => Err(Error::NotLinked(entry.credential.clone())),
    }
}

pub(super) fn step_name(s: Step) -> String {
    serde_json::to_value(s)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// After a resumed rotation (recovery, Finish): a verified create-then-revoke rotation revokes its old
/// key now. Nothing for the other models.
pub(super) fn then_revoke(
    ctx: &Context,
    vault: &Vault,
    http: &Http,
    entry: &mut Entry,
    live: &Secret,
) -> Result<()> {
    if !(entry.create_then_revoke() && entry.step == Step::Verified) {
        return Ok(());
    }
    let provider = providers::by_id(&entry.provider)
        .ok_or_else(|| Error::UnknownProvider(entry.provider.clone()))?;
    let link = link_of(ctx, entry)?;
    revoke_old(ctx, vault, http, provider, &link, entry, live)
}
