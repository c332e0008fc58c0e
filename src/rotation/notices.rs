//! Desktop notifications for keys that became due for rotation: at most one per key per day, none when
//! the user turned them off (`notify_due` in settings). The app sends them through the OS's notification
//! service; the engine decides what to say and remembers when it last said it (`notified.json`: credential
//! ids and times only, never a value).

use super::store::{self, Links};
use super::tray::key_ages;
use crate::context::Context;
use crate::providers;
use crate::scan::ScanReport;
use crate::{Error, Result};
use serde::Serialize;
use std::collections::BTreeMap;

/// How long after a notice about a key the next one may come.
const AGAIN_AFTER_SECONDS: i64 = 24 * 60 * 60;

/// One notification to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notice {
    /// The key it is about (the app opens its screen when the notification is clicked).
    pub credential: String,
    pub title: String,
    pub body: String,
}

/// The notices due now for `report`'s keys, recorded as sent (so the same key is not announced again
/// within a day, across restarts). Empty when notifications are turned off.
pub fn due_notices(
    ctx: &Context,
    report: &ScanReport,
    now: jiff::Timestamp,
) -> Result<Vec<Notice>> {
    if !ctx.settings.notify_due {
        return Ok(Vec::new());
    }
    let ages = key_ages(ctx, report, now)?;
    let path = ctx.data_dir.join("notified.json");
    let mut sent: BTreeMap<String, String> = match std::fs::read(&path) {
        Ok(b) => serde_json::from_slice(&b).unwrap_or_default(),
        Err(_) => BTreeMap::new(),
    };
    let links = Links::new(&ctx.data_dir)
        .all()
        .map_err(|e| Error::io(&ctx.data_dir, e))?;
    let mut out = Vec::new();
    for age in ages.iter().filter(|a| a.due) {
        let recent = sent
            .get(&age.credential)
            .and_then(|t| t.parse::<jiff::Timestamp>().ok())
            .is_some_and(|t| now.as_second() - t.as_second() < AGAIN_AFTER_SECONDS);
        if recent {
            continue;
        }
        let Some(cred) = report.credentials.iter().find(|c| c.id == age.credential) else {
            continue;
        };
        let provider = links
            .get(&cred.id)
            .map(|l| l.provider.clone())
            .or_else(|| cred.provider.map(str::to_string));
        let name = provider
            .as_deref()
            .map(|p| providers::by_id(p).map(|p| p.name()).unwrap_or(p))
            .map(|n| format!("{n} key"))
            .unwrap_or_else(|| "A key".to_string());
        let places = cred.slots.len();
        out.push(Notice {
            credential: cred.id.clone(),
            title: format!("{name} is due for rotation"),
            body: format!(
                "{} ({}) is {} days old (your limit is {}) and used in {} {}. Open Rekey to rotate it.",
                name,
                cred.masked,
                age.days,
                ctx.settings.max_key_age_days,
                places,
                if places == 1 { "place" } else { "places" }
            ),
        });
        sent.insert(cred.id.clone(), now.to_string());
    }
    if !out.is_empty() {
        store::write_json(&path, &sent).map_err(|e| Error::io(&path, e))?;
    }
    Ok(out)
}

/// The notices for keys newly found committed or pushed (a security alert: sent whatever the due-key
/// setting), each once per key and state (`exposure-notified.json`: key ids and states, never a value). `report` must have been assessed (`ScanReport::assess_exposure`).
pub fn exposure_notices(ctx: &Context, report: &ScanReport) -> Result<Vec<Notice>> {
    use crate::exposure::ExposureState;
    let path = ctx.data_dir.join("exposure-notified.json");
    let mut sent: std::collections::BTreeSet<String> = match std::fs::read(&path) {
        Ok(b) => serde_json::from_slice(&b).unwrap_or_default(),
        Err(_) => Default::default(),
    };
    let mut out = Vec::new();
    for cred in &report.credentials {
        let Some(e) = cred
            .exposure
            .as_ref()
            .filter(|e| e.state >= ExposureState::Committed)
        else {
            continue;
        };
        // Once per key and state: a deeper walk finding an earlier commit is no news.
        let mark = format!("{}|{:?}", cred.key.as_deref().unwrap_or(&cred.id), e.state);
        if !sent.insert(mark) {
            continue;
        }
        let name = cred
            .name
            .clone()
            .or_else(|| {
                cred.provider
                    .map(|p| providers::by_id(p).map(|p| p.name()).unwrap_or(p))
                    .map(|n| format!("{n} key"))
            })
            .unwrap_or_else(|| "A key".to_string());
        let title = match (&e.pushed, e.state) {
            (Some(p), ExposureState::Pushed) => format!("{name} was pushed to {}", p.label()),
            _ => format!("{name} is committed to git"),
        };
        out.push(Notice {
            credential: cred.id.clone(),
            title,
            body: crate::scrub::text(&format!(
                "{} ({}) is {}. Every copy in the history stays valid until the key is rotated: open Rekey to rotate it first.",
                name,
                cred.masked,
                e.summary()
            )),
        });
    }
    if !out.is_empty() {
        store::write_json(&path, &sent).map_err(|e| Error::io(&path, e))?;
    }
    Ok(out)
}

/// The notice for a rotation's outcome (sent when the window is not in front: the user started it and
/// looked away). `provider` is the provider's display name.
pub fn outcome_notice(provider: &str, outcome: &super::Outcome) -> Notice {
    use super::journal::Step;
    let written = outcome.files.iter().filter(|f| f.ok).count();
    let files = |n: usize| format!("{n} config {}", if n == 1 { "file" } else { "files" });
    let (title, body) = match outcome.step {
        Step::Verified | Step::Revoked if !outcome.also_update.is_empty() => (
            format!("{provider} key rotated: finish by hand"),
            format!(
                "{} updated and the new key verified. {} outside the config files {} it by hand: open Rekey.",
                files(written),
                match outcome.also_update.len() {
                    1 => "One place".to_string(),
                    n => format!("{n} places"),
                },
                if outcome.also_update.len() == 1 { "needs" } else { "need" }
            ),
        ),
        Step::Verified | Step::Revoked => (
            format!("{provider} key rotated"),
            format!(
                "{} updated and the new key verified. Restart the clients Rekey lists.",
                files(written)
            ),
        ),
        Step::Incomplete => (
            format!("{provider} rotation needs you"),
            format!(
                "The new key is in your keychain, but {} still {} the old key. Open Rekey to finish.",
                if outcome.left.len() == 1 {
                    "one place".to_string()
                } else {
                    format!("{} places", outcome.left.len())
                },
                if outcome.left.len() == 1 { "holds" } else { "hold" }
            ),
        ),
        Step::VerifyFailed => (
            format!("{provider} rotation needs you"),
            format!(
                "{} updated, but the new key failed its check. Open Rekey to see why.",
                files(written)
            ),
        ),
        Step::Shown => (
            format!("{provider} rotation needs you"),
            "The keychain refused the new key: Rekey shows it once. Open Rekey and save it now."
                .to_string(),
        ),
        Step::Unknown => (
            format!("{provider} rotation needs you"),
            "The provider's answer was lost: the key may or may not have been rotated. Open Rekey."
                .to_string(),
        ),
        Step::RevokeFailed => (
            format!("{provider} rotation needs you"),
            "Every config holds the new key, but the old key is still active: open Rekey to revoke it."
                .to_string(),
        ),
        Step::RolledBack => (
            format!("{provider} rotation rolled back"),
            "The old key is back in every config and the new key was deleted.".to_string(),
        ),
        Step::KeptBoth => (
            format!("{provider} rotation needs you"),
            "Both keys are active: open Rekey to revoke the old one or roll back.".to_string(),
        ),
        Step::Failed => (
            format!("{provider} rotation failed"),
            "Nothing changed. Open Rekey to see why.".to_string(),
        ),
        Step::Intent | Step::Created | Step::Held | Step::Written => (
            format!("{provider} rotation interrupted"),
            "Open Rekey: it finishes interrupted rotations.".to_string(),
        ),
    };
    Notice {
        credential: outcome
            .new_credential
            .clone()
            .unwrap_or_else(|| outcome.rotation.clone()),
        title,
        body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clients::Env;

    fn ctx_with_key(home: &std::path::Path) -> (Context, ScanReport) {
        let ctx = Context {
            env: Env::linux_at(home),
            data_dir: home.join("data"),
            settings: Default::default(),
            scan_cache: Default::default(),
        };
        let cursor = home.join(".cursor/mcp.json");
        std::fs::create_dir_all(cursor.parent().unwrap()).unwrap();
        std::fs::write(
            &cursor,
            r#"{"mcpServers": {"a": {"env": {"BITSCALE_API_KEY": "bs_live_0123456789abcdef"}}}}"#,
        )
        .unwrap();
        let report = ctx.scan().unwrap();
        (ctx, report)
    }

    fn age_key(ctx: &Context, report: &ScanReport, days: i64, now: jiff::Timestamp) {
        let mut seen = BTreeMap::new();
        seen.insert(
            report.credentials[0].id.clone(),
            (now - jiff::SignedDuration::from_hours(24 * days)).to_string(),
        );
        store::write_json(&ctx.data_dir.join("seen.json"), &seen).unwrap();
    }

    #[test]
    fn a_due_key_is_announced_once_a_day_and_never_when_turned_off() {
        let home = tempfile::tempdir().unwrap();
        let (mut ctx, report) = ctx_with_key(home.path());
        let now = jiff::Timestamp::now();
        // A fresh key: nothing to say.
        assert!(due_notices(&ctx, &report, now).unwrap().is_empty());
        age_key(&ctx, &report, 120, now);
        let n = due_notices(&ctx, &report, now).unwrap();
        assert_eq!(n.len(), 1);
        assert_eq!(n[0].title, "BitScale key is due for rotation");
        assert!(
            n[0].body.contains("120 days old (your limit is 90)"),
            "{}",
            n[0].body
        );
        assert!(n[0].body.contains("bs_l…cdef"), "masked: {}", n[0].body);
        assert!(!n[0].body.contains("0123456789"), "{}", n[0].body);
        // Not again within the day, even from another process (the record is on disk)…
        let later = now + jiff::SignedDuration::from_hours(23);
        assert!(due_notices(&ctx, &report, later).unwrap().is_empty());
        // …but again the next day.
        let next_day = now + jiff::SignedDuration::from_hours(25);
        assert_eq!(due_notices(&ctx, &report, next_day).unwrap().len(), 1);
        let notified = std::fs::read_to_string(ctx.data_dir.join("notified.json")).unwrap();
        assert!(!notified.contains("0123456789"), "{notified}");
        // Turned off: silence, however due.
        ctx.settings.notify_due = false;
        let far = now + jiff::SignedDuration::from_hours(24 * 30);
        assert!(due_notices(&ctx, &report, far).unwrap().is_empty());
    }

    #[test]
    fn a_rotation_outcome_says_done_or_what_needs_the_user() {
        let mut o = crate::rotation::Outcome {
            rotation: "rot_1".into(),
            step: crate::rotation::journal::Step::Verified,
            new_credential: Some("cred_new".into()),
            new_masked: Some("bs_l…wxyz".into()),
            stored_in_keychain: true,
            files: ["/a", "/b"]
                .into_iter()
                .map(|p| crate::replace::FileResult {
                    path: p.into(),
                    ok: true,
                    backup: None,
                    error: None,
                })
                .collect(),
            verify_error: None,
            left: Vec::new(),
            restart: Vec::new(),
            reveal_token: None,
            secret_to_show: None,
            model: crate::providers::Model::RotateInPlace,
            old_key: String::new(),
            also_update: Vec::new(),
        };
        let n = outcome_notice("BitScale", &o);
        assert_eq!(n.title, "BitScale key rotated");
        assert!(n.body.starts_with("2 config files updated"), "{}", n.body);
        assert_eq!(n.credential, "cred_new");
        o.also_update = vec![crate::rotation::AlsoUpdate {
            certainty: crate::rotation::Certainty::MayHold,
            client: crate::clients::ClientId::ClaudeDesktop,
            client_name: "Claude Desktop",
            source: "extension linear".into(),
            lives_in: "encrypted extension settings".into(),
            update: "Settings > Extensions > Linear".into(),
            file: "/x.json".into(),
        }];
        let n = outcome_notice("BitScale", &o);
        assert_eq!(n.title, "BitScale key rotated: finish by hand");
        assert!(
            n.body
                .contains("One place outside the config files needs it by hand"),
            "{}",
            n.body
        );
        o.also_update.clear();
        o.step = crate::rotation::journal::Step::Incomplete;
        o.left = vec!["/b: bitscale".into()];
        let n = outcome_notice("BitScale", &o);
        assert_eq!(n.title, "BitScale rotation needs you");
        assert!(
            n.body.contains("one place still holds the old key"),
            "{}",
            n.body
        );
    }
}
