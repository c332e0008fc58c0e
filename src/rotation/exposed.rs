//! A rotation of a key git has (issue 21): what its plan warns about, and the check after it that the
//! provider now refuses the old key (a committed or pushed copy is worthless only then).

use crate::exposure::{Exposure, ExposureState};
use crate::providers::{self, Http, Link, ProviderError};
use crate::scan::ScanReport;
use crate::Secret;
use std::time::Duration;

/// The plan's warnings: the key's copies in a history stay valid until the rotation (and through a grace
/// period); a tracked file would take the new key into the next commit.
pub(super) fn warnings(
    report: &ScanReport,
    credential: &str,
    exposure: Option<&Exposure>,
    grace: Duration,
) -> Vec<String> {
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
    let mut tracked: Vec<String> = report
        .credentials
        .iter()
        .filter(|c| c.id == credential)
        .flat_map(|c| c.slots.iter())
        .filter(|s| s.exposure.as_ref().is_some_and(|e| e.tracked))
        .map(|s| s.file.display().to_string())
        .collect();
    tracked.sort();
    tracked.dedup();
    for file in tracked {
        out.push(format!(
            "{file} is tracked by git: the new key written there goes into the next commit. Protect the key first (`rekey protect`, or Protect… in the app) to put a rekey:// reference there instead, or untrack the file (`git rm --cached`) and add it to .gitignore."
        ));
    }
    out
}

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
