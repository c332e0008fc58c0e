//! A rotation of a key git has (issue 21): what its plan warns about, the config files git tracks that
//! are protected first (so the new key never goes into git), and the check after it that the provider now
//! refuses the old key (a committed or pushed copy is worthless only then).

use super::RotationPlan;
use crate::context::Context;
use crate::exposure::{Exposure, ExposureState};
use crate::providers::{self, Http, Link, ProviderError};
use crate::scan::ScanReport;
use crate::vault::Vault;
use crate::{Error, Result, Secret};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The plan's warnings: the key's copies in a history stay valid until the rotation (and through a grace
/// period).
pub(super) fn warnings(exposure: Option<&Exposure>, grace: Duration) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(e) = exposure.filter(|e| e.state >= ExposureState::Committed) {
        out.push(format!(
            "This key is {}. Every copy of it in that history stays valid until this rotation; afterwards Rekey checks that the provider refuses it.",
            e.summary()
        ));
        if !grace.is_zero() {
            out.push(format!(
                "With a grace period the old key keeps working for {} more minutes after the rotation, and so do the copies in git: choose no grace period (`--grace 0`) to end it at once.",
                grace.as_secs() / 60
            ));
        }
    }
    out
}

/// The config files git tracks that hold `credential` literally (sorted).
pub(super) fn tracked_files(report: &ScanReport, credential: &str) -> Vec<PathBuf> {
    let mut tracked: Vec<PathBuf> = report
        .credentials
        .iter()
        .filter(|c| c.id == credential)
        .flat_map(|c| c.slots.iter())
        .filter(|s| {
            s.state == crate::scan::slots::ValueState::Secret
                && s.exposure.as_ref().is_some_and(|e| e.tracked)
        })
        .map(|s| s.file.clone())
        .collect();
    tracked.sort();
    tracked.dedup();
    tracked
}

pub(super) fn protect_first_note(file: &Path) -> String {
    format!(
        "{} is tracked by git: before the rotation it gets a rekey:// reference instead of the key (its server then runs through `rekey exec`), so the new key never goes into git. To write the new key there anyway: --literal-in-tracked.",
        file.display()
    )
}

pub(super) fn tracked_warning(file: &Path) -> String {
    format!(
        "{} is tracked by git: the new key written there goes into the next commit. Untrack it (`git rm --cached`) and add it to .gitignore, or protect the key.",
        file.display()
    )
}

/// Before the provider's call: protect the key in the plan's tracked files (one Protect change), then plan
/// the rotation again (the files changed). The fresh plan must show exactly the same usages, those files'
/// now as references; anything else stops here, with the key protected there and nothing rotated.
pub(super) fn protect_first(
    ctx: &Context,
    vault: &Vault,
    http: &Http,
    plan: RotationPlan,
) -> Result<RotationPlan> {
    if plan.protect_first.is_empty() {
        return Ok(plan);
    }
    // Nothing is protected for a plan that could not run, or that is no longer true.
    plan.check_ready()?;
    super::revalidate::revalidate(ctx, vault, &plan)?;
    let mut protect = crate::protect::plan_protect(ctx, &plan.credential)?;
    protect
        .files
        .retain(|f| plan.protect_first.contains(&f.path));
    let missing: Vec<String> = plan
        .protect_first
        .iter()
        .filter(|p| {
            !protect.files.iter().any(|f| f.path == **p)
                || protect.cannot.iter().any(|r| r.file == **p)
        })
        .map(|p| p.display().to_string())
        .collect();
    if !missing.is_empty() {
        return Err(Error::Preflight(format!(
            "{} cannot take a rekey:// reference (see `rekey protect {}`): untrack it, or rotate with --literal-in-tracked to write the new key there; nothing changed",
            missing.join(", "),
            plan.credential
        )));
    }
    let applied = crate::protect::apply_protect(ctx, vault, &protect)?;
    if let Some(f) = applied.files.iter().find(|f| !f.ok) {
        return Err(Error::Preflight(format!(
            "{} could not be protected ({}); nothing was rotated: fix it and rotate again",
            f.path.display(),
            f.error.as_deref().unwrap_or("unknown error")
        )));
    }
    // The plan again, on what the files hold now: it must be the confirmed plan with those files'
    // usages read from the keychain (one more reference), nothing else.
    let mut fresh = super::plan(ctx, vault, http, &plan.credential, Some(plan.grace))?;
    let changed = |why: &str| {
        Err(Error::PlanChanged(format!(
            "{why} while the files git tracks were protected (the key is protected there now); nothing was rotated: plan again"
        )))
    };
    if fresh.provider != plan.provider
        || fresh.link != plan.link
        || fresh.model != plan.model
        || fresh.grace != plan.grace
    {
        return changed("the key's provider link changed");
    }
    let expected: Vec<String> = super::revalidate::usages(&plan.replace)
        .into_iter()
        .filter(|u| {
            !plan
                .protect_first
                .iter()
                .any(|p| u.starts_with(&format!("{} (", p.display())))
        })
        .collect();
    if super::revalidate::usages(&fresh.replace) != expected || !fresh.protect_first.is_empty() {
        return changed("the configs changed");
    }
    if fresh.protected.len() != plan.protected.len() + 1
        || !plan.protected.iter().all(|r| fresh.protected.contains(r))
    {
        return changed("the key's protected references changed");
    }
    if plan.despite_unparsed {
        fresh.go_ahead_despite_unparsed();
    }
    Ok(fresh)
}

/// At plan time: each tracked file must be one Protect can give a reference (a remote entry's header, an
/// entry Protect refuses, stay literal): a failed check otherwise, named so that
/// [`RotationPlan::write_literal_in_tracked`] can lift it.
pub(super) fn protectable(
    ctx: &Context,
    credential: &str,
    tracked: &[PathBuf],
) -> Vec<super::Check> {
    if tracked.is_empty() {
        return Vec::new();
    }
    let plan = crate::protect::plan_protect(ctx, credential);
    tracked
        .iter()
        .filter_map(|f| {
            let why = match &plan {
                Err(e) => Some(e.public_message()),
                Ok(p) => match p.cannot.iter().find(|r| r.file == *f) {
                    Some(r) => Some(r.reason.clone()),
                    None if !p.files.iter().any(|c| c.path == *f) => {
                        Some("Protect does not change it".into())
                    }
                    None => None,
                },
            }?;
            Some(super::Check {
                ok: false,
                message: format!(
                    "{}{UNPROTECTABLE}{why}): rotate with --literal-in-tracked to write the new key there, or untrack the file",
                    f.display()
                ),
            })
        })
        .collect()
}

/// What names a tracked file's failed check (see [`protectable`]).
pub(super) const UNPROTECTABLE: &str =
    " is tracked by git and cannot take a rekey:// reference for this key (";

/// After a rotation of a committed or pushed key: does the provider refuse the old key now? Said as
/// checked ("refuses it now"), as the opposite ("STILL ACCEPTS it"), or as not confirmed: an answer that is
/// not the provider's "invalid key" is never taken for a dead key.
pub(super) fn old_key_checked(
    provider: &dyn providers::Provider,
    http: &Http,
    link: &Link,
    old: &Secret,
    exposure: &Exposure,
) -> String {
    let was = exposure.state.words();
    // A custom provider without a verify request answers Ok to any key: no check at all.
    if provider.id() == "custom" {
        return format!(
            "the old key was {was}; Rekey cannot check that a custom provider refuses it now: check in its console"
        );
    }
    match provider.verify(http, link, old) {
        Err(ProviderError::Unauthorized(_)) => format!(
            "checked because it was {was}: the provider refuses the old key now (the copies in git are worthless)"
        ),
        Ok(()) => format!(
            "the old key was {was} and the provider STILL ACCEPTS it: revoke it in {}'s console now",
            provider.name()
        ),
        Err(e) => format!(
            "the old key was {was}; Rekey could not confirm that the provider refuses it now ({}): check in {}'s console",
            e.code(),
            provider.name()
        ),
    }
}
