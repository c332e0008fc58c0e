//! The part of a rotation after the new key is safe in the keychain: rewrite every config, verify the
//! new key, re-read everything, and end `verified`, `verify-failed` or `incomplete`. Shared by a running
//! rotation, by recovery after a crash, and by the user's Finish of an incomplete rotation.

use super::journal::{Entry, FileState, Journal, Step};
use super::lock::RotationLock;
use super::store::Links;
use super::{account_of, audit, Recovered};
use crate::context::Context;
use crate::providers::{self, Http, Link};
use crate::replace::{self, ReplacePlan};
use crate::scan::FileStatus;
use crate::scrub::Scrubber;
use crate::vault::Vault;
use crate::{Error, Result, Secret};

/// Where the handshake finds the remote servers: the plan's (with the old key swapped for the new one, as
/// the rewrite did), or a fresh scan (recovery, which has no plan).
pub(super) enum Remotes<'a> {
    Planned(&'a [crate::scan::RemoteServer], &'a Secret),
    Rescan,
}

/// Write the configs, verify, re-read, journal and audit.
#[allow(clippy::too_many_arguments)]
pub(super) fn finish(
    ctx: &Context,
    vault: &Vault,
    http: &Http,
    provider: &dyn providers::Provider,
    link: &Link,
    entry: &mut Entry,
    replace_plan: &ReplacePlan,
    prepared: Option<replace::Prepared<'_>>,
    new: &Secret,
    remotes: Remotes,
    scrubber: &Scrubber,
    progress: &mut dyn FnMut(Step),
) -> Result<()> {
    let journal = Journal::new(&ctx.data_dir);
    let jio = |e: std::io::Error| Error::io(ctx.data_dir.join("journal"), e);
    let refs_left = update_references(ctx, vault, entry, new);
    let written = match prepared {
        Some(p) => p.commit(),
        None => replace::apply(replace_plan, new, &ctx.backups()),
    };
    for r in written {
        let error = scrubber.clean_opt(r.error.as_deref());
        match entry.files.iter_mut().find(|f| f.path == r.path) {
            Some(f) => {
                f.written = r.ok;
                f.error = error;
            }
            None => entry.files.push(FileState {
                path: r.path,
                written: r.ok,
                error,
            }),
        }
    }
    for u in &replace_plan.unparsed {
        if !entry.unparsed.contains(&u.path) {
            entry.unparsed.push(u.path.clone());
        }
    }
    entry.step = Step::Written;
    // The provider's check of the new key runs while the journal says `written` (a network round trip
    // beside an fsync); the MCP handshake and the re-read come after that step.
    let (saved, verified) = std::thread::scope(|s| {
        let saved = s.spawn(|| journal.save(entry));
        let verified = provider.verify(http, link, new);
        (
            saved
                .join()
                .unwrap_or_else(|_| Err(std::io::Error::other("the journal could not be saved"))),
            verified,
        )
    });
    saved.map_err(jio)?;
    crate::testhook::point("written").map_err(jio)?;
    progress(Step::Written);

    entry.verify_error = verified
        .map_err(|e| format!("verification failed: {e}"))
        .and_then(|()| handshake_remotes(ctx, http, entry, new, remotes))
        .err()
        .map(|m| scrubber.clean(&m));
    // Read every config once more: a refused or unparseable file, or a running client that wrote its
    // old in-memory state back over the rewrite, leaves a usage on the old key.
    entry.left = left_on_old_key(ctx, entry);
    entry.left.extend(refs_left);
    entry.step = if !entry.left.is_empty() {
        Step::Incomplete
    } else if entry.verify_error.is_some() {
        Step::VerifyFailed
    } else {
        Step::Verified
    };
    entry.message = match entry.step {
        Step::Incomplete => Some(format!(
            "the new key is in the keychain, but {} still {} the old key: {}. Fix that (close the client, repair the file), then Finish (`rekey finish {}`)",
            count(entry.left.len(), "usage"),
            if entry.left.len() == 1 { "holds" } else { "hold" },
            entry.left.join("; "),
            entry.id
        )),
        Step::VerifyFailed if entry.create_then_revoke() => Some(format!(
            "{}; nothing was revoked: {}",
            entry.verify_error.clone().unwrap_or_default(),
            super::old_key_status(entry, providers::Model::CreateThenRevoke, None)
        )),
        Step::VerifyFailed => entry.verify_error.clone(),
        _ => None,
    };
    journal.save(entry).map_err(jio)?;
    // (A test stops the process here: recovery writes the history line the journal's last step lacks.)
    crate::testhook::point("journaled-final").map_err(jio)?;
    // A verified create-then-revoke rotation goes on to revoke the old key: its audit line is that.
    if !(entry.create_then_revoke() && entry.step == Step::Verified) {
        audit(ctx, entry);
    }
    progress(entry.step);
    Ok(())
}

/// A protected key: each keychain entry `ref:<id>` of the rotated key takes the new key (checked by reading
/// it back), and the index moves the reference to the new credential id, so the configs, which hold only
/// `rekey://<id>`, need no change. Returns what is still on the old key.
fn update_references(ctx: &Context, vault: &Vault, entry: &Entry, new: &Secret) -> Vec<String> {
    // (The new key's id is journaled before `finish` runs, by the rotation and by recovery alike.)
    let Some(new_id) = &entry.new_credential else {
        return Vec::new();
    };
    let masked = entry.new_masked.clone().unwrap_or_else(|| new.masked());
    crate::protect::index::move_references(&ctx.data_dir, vault, &entry.refs, new_id, new, &masked)
        .1
}

fn count(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

/// The usages still on the old key, read from the configs as they are now (for people: file, server).
fn left_on_old_key(ctx: &Context, entry: &Entry) -> Vec<String> {
    let report = match ctx.scan() {
        Ok(r) => r,
        Err(e) => return vec![format!("the configs could not be read again ({e})")],
    };
    let mut left = Vec::new();
    if let Some(old) = report.secret_of(&entry.credential) {
        let plan = replace::plan_for(&report, &old);
        for f in &plan.files {
            for c in &f.changes {
                left.push(format!(
                    "{} ({}) still holds the old key",
                    f.path.display(),
                    c.server_label()
                ));
            }
        }
        for u in &plan.unparsed {
            left.push(format!(
                "{} does not parse and holds the old key at line {}",
                u.path.display(),
                u.line
            ));
        }
    }
    // A file that broke during the rotation (a half-saved edit) was refused and cannot be searched any
    // more: it still holds the old key.
    for f in entry.files.iter().filter(|f| !f.written) {
        let broken = report
            .files
            .iter()
            .any(|r| r.path == f.path && r.status != FileStatus::Ok);
        let listed = left
            .iter()
            .any(|l| l.starts_with(&f.path.display().to_string()));
        if broken && !listed {
            left.push(format!(
                "{} does not parse and was not written (it holds the old key)",
                f.path.display()
            ));
        }
    }
    for path in &entry.unparsed {
        let broken = report
            .files
            .iter()
            .any(|f| f.path == *path && f.status != FileStatus::Ok);
        let listed = left
            .iter()
            .any(|l| l.starts_with(&path.display().to_string()));
        if broken && !listed {
            left.push(format!(
                "{} does not parse (it held the old key)",
                path.display()
            ));
        }
    }
    left
}

/// The MCP handshake (initialize + tools/list) with every remote server whose rewritten entry now carries
/// the new key, exactly as its client will connect. Legacy SSE endpoints (`…/sse`) are skipped: that
/// transport needs a GET stream first, and the provider's own check already covered them.
fn handshake_remotes(
    ctx: &Context,
    http: &Http,
    entry: &Entry,
    new: &Secret,
    remotes: Remotes,
) -> std::result::Result<(), String> {
    let remotes = match remotes {
        Remotes::Planned(list, old) => list.iter().map(|r| r.with_secret(old, new)).collect(),
        Remotes::Rescan => ctx.scan().map_err(|e| e.to_string())?.remotes,
    };
    for r in &remotes {
        let written = entry.files.iter().any(|f| f.written && f.path == r.file);
        let uses_new = r.url.contains(new.expose())
            || r.url
                .contains(&crate::percent::percent_encode(new.expose()))
            || r.headers.iter().any(|(_, v)| v.contains(new.expose()));
        if !written || !uses_new || r.url.trim_end_matches('/').ends_with("/sse") {
            continue;
        }
        crate::providers::mcp::handshake(http, &r.url, &r.headers).map_err(|e| {
            format!(
                "MCP handshake with server '{}' in {} failed: {e}",
                r.server,
                r.file.display()
            )
        })?;
    }
    Ok(())
}

/// Carry a rotation whose new key is in the keychain to its end from the configs as they are now:
/// rewrite what still holds the old key, verify, re-read. (Recovery after a crash, and Finish.)
pub(super) fn resume(
    ctx: &Context,
    vault: &Vault,
    http: &Http,
    entry: &mut Entry,
    new: &Secret,
) -> Result<()> {
    let provider = providers::by_id(&entry.provider)
        .ok_or_else(|| Error::UnknownProvider(entry.provider.clone()))?;
    let links = Links::new(&ctx.data_dir);
    let new_id = entry.new_credential.clone().unwrap_or_default();
    let old_link = links.get(&entry.credential).ok().flatten();
    let link = old_link
        .clone()
        .or_else(|| links.get(&new_id).ok().flatten())
        .ok_or_else(|| Error::NotLinked(entry.credential.clone()))?;
    let report = ctx.scan()?;
    let old = report.secret_of(&entry.credential);
    let plan = match &old {
        Some(old) => replace::plan_for(&report, old),
        None => ReplacePlan::default(),
    };
    // Files that no longer hold the old key, and still parse, were written before the stop.
    for f in entry.files.iter_mut() {
        let parses = report
            .files
            .iter()
            .any(|r| r.path == f.path && r.status == FileStatus::Ok);
        if !plan.files.iter().any(|p| p.path == f.path) && f.error.is_none() && parses {
            f.written = true;
        }
    }
    let scrubber = Scrubber::new().with(new).with_opt(old.as_ref());
    finish(
        ctx,
        vault,
        http,
        provider,
        &link,
        entry,
        &plan,
        None,
        new,
        Remotes::Rescan,
        &scrubber,
        &mut |_| {},
    )?;
    if old_link.is_some() {
        let _ = links.rename_keyed(&entry.credential, &new_id, entry.new_key_id.as_deref());
    }
    Ok(())
}

/// The user's Finish of an `incomplete` rotation: write the new key from the keychain into every usage
/// still on the old key (after they fixed what the rotation listed), verify, re-read.
pub fn finish_rotation(
    ctx: &Context,
    vault: &Vault,
    http: &Http,
    rotation: &str,
) -> Result<Recovered> {
    let journal = Journal::new(&ctx.data_dir);
    let jio = |e: std::io::Error| Error::io(ctx.data_dir.join("journal"), e);
    let entry = journal
        .get(rotation)
        .map_err(jio)?
        .ok_or_else(|| Error::UnknownRotation(rotation.into()))?;
    // Both keys: the one it replaces and the one it made (which a rotation could otherwise take on).
    let _lock = RotationLock::acquire(&ctx.data_dir, &entry.credential)?;
    let _lock_new = match &entry.new_credential {
        Some(new) => Some(RotationLock::acquire(&ctx.data_dir, new)?),
        None => None,
    };
    // Read again under the lock: another process may have finished it meanwhile.
    let mut entry = journal
        .get(rotation)
        .map_err(jio)?
        .ok_or_else(|| Error::UnknownRotation(rotation.into()))?;
    if entry.step != Step::Incomplete {
        return Err(Error::InvalidInput(format!(
            "rotation {rotation} is not incomplete ({}); there is nothing to finish",
            serde_json::to_value(entry.step)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default()
        )));
    }
    let new = vault.get(&account_of(&entry))?;
    resume(ctx, vault, http, &mut entry, &new)?;
    super::revoke::then_revoke(ctx, vault, http, &mut entry, &new)?;
    Ok(Recovered::from(&entry))
}
