//! The re-check of a confirmed rotation plan under the rotation's lock, right before the irreversible
//! call: the plan's meaning (its usages, the key, the link, the references), made again from the configs
//! as they are now.

use super::plan::{unfinished_maker, RotationPlan, KEYCHAIN_FRESH};
use super::store::Links;
use crate::context::Context;
use crate::replace::{self, ReplacePlan};
use crate::vault::Vault;
use crate::{Error, Result};

/// Where one usage of the key sits: a plan's usages must still be exactly these when it runs.
pub(super) fn usages(p: &ReplacePlan) -> Vec<String> {
    let mut v: Vec<String> = p
        .files
        .iter()
        .flat_map(|f| {
            f.changes.iter().map(move |c| {
                format!(
                    "{} ({}, {})",
                    f.path.display(),
                    c.server_label(),
                    c.location
                )
            })
        })
        .collect();
    v.sort();
    v
}

/// What the plan will do, made again from the configs as they are now, under the rotation's lock and
/// right before the irreversible call.
pub(super) struct Fresh {
    pub replace: ReplacePlan,
    pub remotes: Vec<crate::scan::RemoteServer>,
}

/// Re-check the plan's *meaning* (not the files' bytes: Claude Code rewrites `~/.claude.json` every few
/// seconds, so a byte check would refuse nearly every rotation of a key it holds): the same usages still
/// hold the same key, the link is the same, and the keychain can store now. Returns the plan made from
/// the current bytes, which the rotation then writes.
pub(super) fn revalidate(ctx: &Context, vault: &Vault, plan: &RotationPlan) -> Result<Fresh> {
    let report = ctx.scan()?;
    let changed = |why: String| Err(Error::PlanChanged(why));
    let literal = report.secret_of(&plan.credential);
    if plan.protected.is_empty() {
        if literal.as_ref() != Some(&plan.current) {
            return changed("no config holds this key any more".into());
        }
    } else {
        if literal.as_ref().is_some_and(|l| *l != plan.current) {
            return changed("the configs hold another key under this id".into());
        }
        let (refs, kept) = crate::protect::index::protected_key(ctx, vault, &plan.credential)?;
        if refs != plan.protected || kept.as_ref() != Some(&plan.current) {
            return changed("the key's protected references changed".into());
        }
    }
    let replace = replace::plan_for(&report, &plan.current);
    let (before, now) = (usages(&plan.replace), usages(&replace));
    if before != now {
        let gone: Vec<&String> = before.iter().filter(|u| !now.contains(u)).collect();
        let new: Vec<&String> = now.iter().filter(|u| !before.contains(u)).collect();
        let mut why = Vec::new();
        if !gone.is_empty() {
            why.push(format!("no longer there: {}", join(&gone)));
        }
        if !new.is_empty() {
            why.push(format!("new: {}", join(&new)));
        }
        return changed(why.join("; "));
    }
    if let Some(why) = unfinished_maker(ctx, &plan.credential) {
        return Err(Error::Preflight(why));
    }
    // An entry that became ambiguous since the plan (a second member of one name): refused as at plan time.
    if let Some(why) = crate::protect::locate::ambiguous_usages(&report, &plan.current)
        .into_iter()
        .next()
    {
        return changed(why);
    }
    let link = Links::new(&ctx.data_dir)
        .get(&plan.credential)
        .map_err(|e| Error::io(&ctx.data_dir, e))?;
    if link.as_ref() != Some(&plan.link) {
        return changed("the key's provider link changed".into());
    }
    // A plan confirmed at once (the CLI's --yes) was probed an instant ago; one left open in the app may
    // have outlived an unlocked keychain (a screen lock since): probe again, which on a desktop raises
    // the unlock prompt before the call.
    if plan.probed.is_none_or(|t| t.elapsed() > KEYCHAIN_FRESH) {
        vault.probe()?;
    }
    let remotes = report
        .remotes
        .iter()
        .filter(|r| replace.files.iter().any(|f| f.path == r.file))
        .cloned()
        .collect();
    Ok(Fresh { replace, remotes })
}

fn join(v: &[&String]) -> String {
    v.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
}
