//! Applying a confirmed manual replace, as a change of the key (see `crate::change`): the overrides
//! checked, the old and the new value's locks, the plan re-checked under them, the writes, the references
//! of a key that is also protected, the key's id and link moved to the new value, the history.

use super::super::{plan_for, ReplacePlan};
use super::{Checked, ManualOutcome, ManualPlan, Overrides, ShapeCheck, Verification};
use crate::change::links::Links;
use crate::context::Context;
use crate::{Error, Result, Secret};

/// Apply a confirmed plan: refused (nothing written) when a check failed and the user did not override
/// it; otherwise under the key's lock (the one a rotation takes), with the plan re-checked against the
/// configs as they are now, every planned usage rewritten (locked, backed up, atomic, re-read), and the
/// provider link moved to the new id.
pub fn apply_manual(ctx: &Context, plan: &ManualPlan, o: Overrides) -> Result<ManualOutcome> {
    if let Some(e) = plan.refusal(o) {
        return Err(e);
    }
    // A change of the key (see `crate::change`): its lock (the one a rotation takes), the plan re-checked
    // under it, the writes, the history.
    let paths: Vec<std::path::PathBuf> = plan.plan.files.iter().map(|f| f.path.clone()).collect();
    let change = crate::change::begin(
        ctx,
        crate::change::Kind::Replace,
        // The old value's key and the new value's: a second replace that starts from the new value
        // (B→C while this A→B is writing) waits for this one instead of finding B half written.
        &[plan.credential.as_str(), plan.new_credential.as_str()],
        plan.provider.as_deref().unwrap_or(""),
        &paths,
    )?;
    // Under the lock: the key's own rotation still finished (see `plan_manual`).
    if let Some(why) = crate::change::journal::unfinished_maker(&ctx.data_dir, &plan.credential) {
        change.abandon();
        return Err(Error::Preflight(why));
    }
    // The plan's meaning, re-checked under the lock: no usage of the old key that the plan does not
    // name (it would stay on the old key unseen). A planned usage that no longer holds the old key is
    // refused file by file by the write's own re-check, and reported in the results.
    let planned = usages(&plan.plan);
    let report = match ctx.scan() {
        Ok(r) => r,
        Err(e) => {
            change.abandon();
            return Err(e);
        }
    };
    let now = plan_for(&report, &plan.old);
    if let Some((path, server, _, location)) =
        usages(&now).into_iter().find(|u| !planned.contains(u))
    {
        change.abandon();
        return Err(Error::PlanChanged(format!(
            "the key's entry changed since the plan: {} now holds this key in server {server} ({location}), which the plan does not name; nothing was written",
            path.display()
        )));
    }
    let files = super::super::apply(&plan.plan, &plan.new, &ctx.backups());
    // A key that is also protected: each of its references' keychain entries takes the new key (read
    // back), and the index moves them to the new id, or those servers would stay on the old key.
    let refs_left = update_references(ctx, &plan.credential, &plan.new_credential, &plan.new);
    let written = files.iter().any(|f| f.ok) || refs_left.as_ref().is_ok_and(|(done, _)| *done > 0);
    // The key keeps its id for life: its new value's fingerprint joins it (linked or not), and the link
    // follows (its id is a fingerprint of the value, so it changes with it).
    if written {
        let _ = crate::change::keys::Keys::new(&ctx.data_dir)
            .renamed(&plan.credential, &plan.new_credential);
    }
    let link_moved = written
        && plan.linked
        && Links::new(&ctx.data_dir)
            .rename(&plan.credential, &plan.new_credential)
            .is_ok();
    let refs_failed: Vec<String> = match &refs_left {
        Ok((_, left)) => left.clone(),
        Err(e) => vec![e.clone()],
    };
    let failed = files.iter().filter(|f| !f.ok).count() + refs_failed.len();
    let check = match plan.verification {
        Verification::Verified { .. } => Checked::Verified,
        Verification::NotLinked => Checked::NotLinked,
        Verification::Failed { .. } | Verification::NotChecked { .. } => Checked::WrittenAnyway,
    };
    change.finish(crate::change::Done {
        step: match failed {
            0 => crate::change::Step::Written,
            _ if !written => crate::change::Step::Failed,
            _ => crate::change::Step::Incomplete,
        },
        new_credential: written.then(|| plan.new_credential.clone()),
        new_masked: Some(plan.new_masked.clone()),
        message: Some(
            format!(
                "replaced by hand ({}){}{}",
                match check {
                    Checked::Verified => "the provider accepted the new key",
                    Checked::WrittenAnyway => "written although the provider's check did not pass",
                    Checked::NotLinked => "not linked: the provider was not asked",
                },
                if matches!(plan.shape, ShapeCheck::Mismatch { .. }) {
                    "; the key did not have the provider's shape"
                } else {
                    ""
                },
                if plan.linked && written && !link_moved {
                    "; the provider link could not follow the key: link it again"
                } else {
                    ""
                }
            ) + &refs_failed
                .iter()
                .map(|f| format!("; {f}"))
                .collect::<String>(),
        ),
        ..crate::change::Done::of_files(&files)
    });
    Ok(ManualOutcome {
        credential: plan.credential.clone(),
        new_credential: plan.new_credential.clone(),
        new_masked: plan.new_masked.clone(),
        files,
        check,
        shape_overridden: matches!(plan.shape, ShapeCheck::Mismatch { .. }),
        link_moved,
    })
}

/// The references of the old key (`rekey://` usages, which the files' plan does not rewrite): each
/// keychain entry takes the new key (read back) and the index moves them to the new id. Returns how many
/// moved and what could not, or why the index could not be read.
fn update_references(
    ctx: &Context,
    old_credential: &str,
    new_credential: &str,
    new: &Secret,
) -> std::result::Result<(usize, Vec<String>), String> {
    let index = crate::protect::index::Index::new(&ctx.data_dir);
    let refs = index
        .refs_of(old_credential)
        .map_err(|e| format!("Rekey's list of protected keys could not be read ({e})"))?;
    if refs.is_empty() {
        return Ok((0, Vec::new()));
    }
    Ok(crate::protect::index::move_references(
        &ctx.data_dir,
        &crate::vault::Vault::default(),
        &refs,
        new_credential,
        new,
        &new.masked(),
    ))
}

/// Where a plan writes: each file and each usage's identity (not the bytes, which a client may rewrite
/// without touching the key; the write re-checks those).
fn usages(p: &ReplacePlan) -> Vec<(std::path::PathBuf, String, Option<String>, String)> {
    let mut v: Vec<_> = p
        .files
        .iter()
        .flat_map(|f| {
            f.changes.iter().map(|c| {
                (
                    f.path.clone(),
                    c.server.clone(),
                    c.project.clone(),
                    c.location.clone(),
                )
            })
        })
        .collect();
    v.sort();
    v
}
