//! Running a confirmed plan: lock → re-check → journal → the one irreversible call → keep the new key →
//! rewrite, verify, re-read (see `finish`).
//!
//! The window between the provider's answer and "the new key is kept or shown" is where a key can be
//! lost, so everything that can fail there is done before the call (fingerprint key loaded, journal
//! written, keychain proven writable, the keychain account named), and that window has no early return:
//! the key goes to the keychain under `rotation:<id>`, an account the intent already names, or, if the
//! keychain refuses, into the outcome to be shown, before any other fallible step.
//!
//! The window between the provider's answer and the last config holding the new key is when a client can
//! hold a dead key (rotate in place), so the configs are locked and backed up before the call, their new
//! content is written to synced temp files while the key goes to the keychain, and once it is there they
//! are renamed into place in one burst (see `edit::batch`).

use super::finish::{finish, Remotes};
use super::journal::{Entry, FileState, Journal, Owner, Step};
use super::lock::RotationLock;
use super::plan::RotationPlan;
use super::revalidate::revalidate;
use super::{audit, old_account, rotation_account, store::Links, Outcome};
use crate::context::Context;
use crate::providers::{self, CreateRequest, Http, Model, RotateRequest};
use crate::replace::FileResult;
use crate::scrub::Scrubber;
use crate::vault::Vault;
use crate::{Error, Result};

/// Run a confirmed plan. `progress` hears each step as it completes.
pub fn execute(
    ctx: &Context,
    vault: &Vault,
    http: &Http,
    plan: RotationPlan,
    show_secret: bool,
    progress: &mut dyn FnMut(Step),
) -> Result<Outcome> {
    let scrubber = Scrubber::new()
        .with(&plan.current)
        .with_opt(plan.admin.as_ref());
    // Config files git tracks get a reference first (their own change), then the rotation is planned
    // again on what they hold now.
    let plan =
        super::exposed::protect_first(ctx, vault, http, plan).map_err(|e| e.scrubbed(&scrubber))?;
    run(
        ctx,
        vault,
        http,
        plan,
        show_secret,
        progress,
        scrubber.clone(),
    )
    .map_err(|e| e.scrubbed(&scrubber))
}

fn run(
    ctx: &Context,
    vault: &Vault,
    http: &Http,
    mut plan: RotationPlan,
    show_secret: bool,
    progress: &mut dyn FnMut(Step),
    mut scrubber: Scrubber,
) -> Result<Outcome> {
    plan.check_ready()?;
    let provider = providers::by_id(plan.provider)
        .ok_or_else(|| Error::UnknownProvider(plan.provider.into()))?;

    // (A test pauses here to change the configs between the confirmation and the call.)
    crate::testhook::point("confirmed").map_err(|e| Error::io(&ctx.data_dir, e))?;
    // One rotation per key, across processes, from here to the end.
    let mut lock = RotationLock::acquire(&ctx.data_dir, &plan.credential)?;
    // Everything that could fail after the call is prepared now.
    let fp = crate::scan::fingerprint::Fingerprinter::load_or_create(&ctx.data_dir)
        .map_err(|e| Error::io(&ctx.data_dir, e))?;
    let fresh = revalidate(ctx, vault, &plan)?;
    if !fresh.replace.unparsed.is_empty() && !plan.despite_unparsed {
        let files: Vec<String> = fresh
            .replace
            .unparsed
            .iter()
            .map(|u| format!("{} (line {})", u.path.display(), u.line))
            .collect();
        return Err(Error::Preflight(format!(
            "{} {} this key but {} not parse: fix {}, or go ahead anyway (the rotation will stay incomplete until you Finish it); nothing was called",
            files.join(", "),
            if files.len() == 1 { "holds" } else { "hold" },
            if files.len() == 1 { "does" } else { "do" },
            if files.len() == 1 { "it" } else { "them" },
        )));
    }
    let journal = Journal::new(&ctx.data_dir);
    let jio = |e: std::io::Error| Error::io(ctx.data_dir.join("journal"), e);
    let started = jiff::Timestamp::now();
    let id = format!(
        "{}-{}",
        started.strftime("%Y%m%dT%H%M%S%.6fZ"),
        std::process::id()
    );
    let mut entry = Entry {
        id: id.clone(),
        started: started.to_string(),
        provider: plan.provider.to_string(),
        credential: plan.credential.clone(),
        step: Step::Intent,
        files: fresh
            .replace
            .files
            .iter()
            .map(|f| FileState {
                path: f.path.clone(),
                written: false,
                error: None,
            })
            .collect(),
        owner: Some(Owner::this_process()),
        account: Some(rotation_account(&id)),
        despite_unparsed: plan.despite_unparsed,
        refs: plan.protected.clone(),
        unparsed: fresh
            .replace
            .unparsed
            .iter()
            .map(|u| u.path.clone())
            .collect(),
        ..Default::default()
    };
    // The history line keeps where git had the old key.
    entry.exposed = plan
        .exposure
        .as_ref()
        .filter(|e| e.state >= crate::exposure::ExposureState::Committed)
        .map(|e| e.summary());
    let model = provider.model(&plan.link);
    let ctr = model == Model::CreateThenRevoke;
    if ctr {
        // Before anything is created: the old key's id (to revoke it at the end) and the old key itself
        // in the keychain (a rollback puts it back in the configs). Either failing changes nothing.
        entry.model = Some(Model::CreateThenRevoke);
        entry.old_key_id = Some(
            provider
                .old_key_id(http, &plan.link, &plan.current, plan.admin.as_ref())
                .map_err(Error::Provider)?,
        );
        // The old key's copy is stored once the journal names it (below), never before: a copy no
        // journal names would be left in the keychain by a kill, with nothing to ever delete it.
        entry.old_account = Some(old_account(&id));
    }
    // Every config locked and backed up now: after the provider's answer only the new content is left
    // to write (dropped on any return before the call, the backups go and the locks are let go).
    // (Beside the intent's journal write: both are fsyncs.)
    let backups = ctx.backups();
    let (locked, journaled) = std::thread::scope(|s| {
        let locked = s.spawn(|| crate::replace::lock(&fresh.replace, &backups));
        let journaled = lock
            .record(Some(&entry.id))
            .and_then(|()| journal.save(&entry).map_err(jio));
        (locked.join(), journaled)
    });
    let locked = locked.unwrap_or_else(|_| crate::replace::lock(&fresh.replace, &backups));
    journaled?;
    if let Some(account) = entry.old_account.clone() {
        if let Err(e) = vault.store(&account, &plan.current) {
            // Nothing was created: the change ends here, and its journal says so (recovery has nothing
            // to do; a partial copy, if any, is deleted).
            let _ = vault.delete(&account);
            entry.old_account = None;
            entry.step = Step::Failed;
            entry.message = Some(format!(
                "the old key could not be kept in the keychain before creating the new one ({}): nothing was created, nothing changed",
                e.public_message()
            ));
            locked.abandon();
            let _ = journal.save(&entry);
            audit(ctx, &entry);
            progress(entry.step);
            return Err(e);
        }
        crate::testhook::point("old-key-stored").map_err(jio)?;
    }
    crate::testhook::point("journaled").map_err(jio)?;
    progress(Step::Intent);
    // The plan's keychain probe is deleted by now (its delete would otherwise queue before the new key's
    // store, in the window the configs hold a dead key).
    drop(plan.probe_cleanup.take());

    // The one irreversible call. Never retried.
    let req = RotateRequest {
        link: &plan.link,
        current: &plan.current,
        admin: plan.admin.as_ref(),
        grace: plan.grace,
    };
    let name = format!("rekey-{}", entry.id);
    let create = CreateRequest {
        link: &plan.link,
        current: &plan.current,
        admin: plan.admin.as_ref(),
        name: &name,
    };
    // A panic while reading the answer would unwind past the new key: it counts as an unknown outcome.
    let answer = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        if ctr {
            provider
                .create(http, &create)
                .map(|c| (c.new, c.new_key_id, None))
        } else {
            provider
                .rotate(http, &req)
                .map(|r| (r.new, None, r.old_valid_until))
        }
    }))
    .unwrap_or_else(|_| {
        Err(providers::ProviderError::Ambiguous(
            "Rekey failed while reading the provider's answer".into(),
        ))
    });
    let (new, new_key_id, valid_until) = match answer {
        Ok(r) => r,
        Err(e) => {
            entry.step = if e.may_have_rotated() {
                Step::Unknown
            } else {
                Step::Failed
            };
            entry.message = Some(scrubber.clean(&match (ctr, entry.step) {
                (true, Step::Unknown) => format!("{e} (create-then-revoke: a new key named '{name}' may have been created at {}; the old key still works and no config changed: delete that key in the provider's console if it exists)", provider.name()),
                (true, _) => format!("{e} (nothing was created; the old key still works and no config changed)"),
                _ => e.to_string(),
            }));
            if let Some(a) = entry.old_account.take() {
                let _ = vault.delete(&a);
            }
            locked.abandon();
            // The provider's error is what the user needs; a journal that cannot be written now leaves
            // the intent, which recovery reports as "may or may not have been rotated" (never silent).
            let _ = journal.save(&entry);
            audit(ctx, &entry);
            progress(entry.step);
            return Err(Error::Provider(e));
        }
    };

    // ---- From here until the key is kept or shown: no early return, no `?`.
    scrubber.add(&new);
    let reveal_token = (!show_secret).then(super::reveal::new_token).flatten();
    // While the new key goes to the keychain, another thread writes each config's new content to a
    // synced temp file beside it (the files are locked and backed up since before the call). Nothing a
    // client can see changes until the renames, which come only once the key is kept.
    let (stored, prepared) = std::thread::scope(|s| {
        let prep = s.spawn(|| locked.prepare(&new));
        if ctr {
            // The new key's id first (not a secret): if the process stops before the key is kept,
            // recovery deletes the key it can no longer use.
            entry.new_key_id = new_key_id;
            entry.step = Step::Created;
            let _ = journal.save(&entry);
            let _ = crate::testhook::point("created");
            progress(Step::Created);
        }
        entry.new_credential = Some(fp.id(new.expose()));
        entry.new_masked = Some(new.masked());
        let account = rotation_account(&entry.id);
        let stored = crate::testhook::point("before-keychain-store")
            .map_err(|e| Error::Keychain(e.to_string()))
            .and_then(|()| {
                // A panic in the keychain backend must not unwind past the only copy: treat it as a
                // refusal.
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    vault.store(&account, &new)
                }))
                .unwrap_or_else(|_| Err(Error::Keychain("the keychain backend failed".into())))
            });
        if stored.is_ok() {
            // ---- The key is kept. A failure from here on is recoverable from the keychain.
            // (A test pauses here and kills the process: the key is only under the account the intent
            // names.)
            let _ = crate::testhook::point("stored");
        }
        // (A preparation that panicked is made again by `finish`; its locks died with its thread.)
        (stored, prep.join().ok())
    });
    if let Err(e) = stored {
        // Nothing is written: the temp files and backups go.
        drop(prepared);
        entry.step = Step::Shown;
        entry.account = None;
        // (Create-then-revoke: no config changed and nothing is revoked, so the old key's copy has no use.)
        if let Some(a) = entry.old_account.take() {
            let _ = vault.delete(&a);
        }
        entry.message = Some(scrubber.clean(&format!("the keychain did not take the new key ({e}); it was shown to the user once and no config was changed")));
        let _ = journal.save(&entry);
        audit(ctx, &entry);
        progress(Step::Shown);
        let old_key = super::old_key_status(&entry, model, None);
        return Ok(Outcome {
            rotation: entry.id,
            step: Step::Shown,
            new_credential: entry.new_credential,
            new_masked: entry.new_masked,
            stored_in_keychain: false,
            files: Vec::new(),
            verify_error: None,
            left: Vec::new(),
            restart: plan.restart,
            also_update: plan.also_update,
            reveal_token: None,
            old_key,
            model,
            secret_to_show: Some(new),
        });
    }
    // The new key's lock too, before any config holds it: until this rotation ends (verify, re-read,
    // revoke) no other change may act on the new key (a protect of it would leave a rollback deleting
    // a key its references use). Nothing else knows the value yet, so the lock is free.
    let _new_lock = entry
        .new_credential
        .as_deref()
        .and_then(|c| RotationLock::try_acquire(&ctx.data_dir, c).ok())
        .and_then(|r| r.ok())
        .map(|mut l| {
            let _ = l.record(Some(&entry.id));
            l
        });
    // The app's one-time reveal: a token only the outcome carries; the journal keeps its hash.
    entry.reveal_hash = reveal_token.as_deref().map(super::reveal::hash);
    // No journal save here: the next one (`written`) comes right after the renames, and until then the
    // intent names `rotation:<id>`, where recovery finds the key; a save here would only stand between
    // the key's store and the renames.
    entry.step = Step::Held;
    crate::testhook::point("held").map_err(jio)?;
    progress(Step::Held);

    // The link follows the key to its new id beside the rest (recovery moves it too, if this stops
    // first).
    let new_id = entry.new_credential.clone().unwrap_or_default();
    let new_key_id = entry.new_key_id.clone();
    std::thread::scope(|s| {
        s.spawn(|| {
            let _ = Links::new(&ctx.data_dir).rename_keyed(
                &plan.credential,
                &new_id,
                new_key_id.as_deref(),
            );
        });
        finish(
            ctx,
            vault,
            http,
            provider,
            &plan.link,
            &mut entry,
            &fresh.replace,
            prepared,
            &new,
            Remotes::Planned(&fresh.remotes, &plan.current),
            &scrubber,
            progress,
        )
    })?;
    if ctr && entry.step == Step::Verified {
        crate::testhook::point("verified").map_err(jio)?;
        super::revoke::revoke_old(ctx, vault, http, provider, &plan.link, &mut entry, &new)?;
        progress(entry.step);
    }
    drop(lock);
    let mut old_key =
        super::old_key_status(&entry, model, valid_until.or_else(|| grace_end(plan.grace)));
    // A key git had: the copies there are worthless only once the provider refuses it (checked, not
    // assumed; a grace period keeps it working on purpose).
    if let Some(e) = plan
        .exposure
        .as_ref()
        .filter(|e| e.state >= crate::exposure::ExposureState::Committed)
    {
        if matches!(entry.step, Step::Verified | Step::Revoked) && plan.grace.is_zero() {
            let checked =
                super::exposed::old_key_checked(provider, http, &plan.link, &plan.current, e);
            old_key = format!("{old_key}; {}", scrubber.clean(&checked));
        }
    }
    Ok(Outcome {
        rotation: entry.id.clone(),
        step: entry.step,
        new_credential: Some(new_id),
        new_masked: entry.new_masked.clone(),
        stored_in_keychain: true,
        files: entry
            .files
            .iter()
            .map(|f| FileResult {
                path: f.path.clone(),
                ok: f.written,
                backup: None,
                error: f.error.clone(),
            })
            .collect(),
        verify_error: entry.verify_error.clone(),
        left: entry.left.clone(),
        restart: plan.restart,
        also_update: plan.also_update,
        reveal_token,
        old_key,
        model,
        secret_to_show: show_secret.then_some(new),
    })
}

/// When a grace period asked for now ends (unix seconds), if there is one.
fn grace_end(grace: std::time::Duration) -> Option<u64> {
    (!grace.is_zero()).then(|| jiff::Timestamp::now().as_second().max(0) as u64 + grace.as_secs())
}
