//! Key ages and what the tray shows (rotate entries, due keys, rotations that need the user).

use super::journal::{Journal, Step};
use super::store::{self, Audit, Links};
use crate::context::Context;
use crate::providers::{self, Link};
use crate::scan::ScanReport;
use crate::{Error, Result};
use serde::Serialize;
use std::collections::HashMap;
use ts_rs::TS;

/// How old a key is: since the rotation that made it, else since Rekey first saw it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, TS)]
pub struct KeyAge {
    pub credential: String,
    pub since: String,
    pub days: i64,
    /// Older than the `max_key_age_days` setting.
    pub due: bool,
}

/// The age of every credential in `report`. Records first sightings in `seen.json` (ids and times only).
pub fn key_ages(ctx: &Context, report: &ScanReport, now: jiff::Timestamp) -> Result<Vec<KeyAge>> {
    let path = ctx.data_dir.join("seen.json");
    let mut seen: std::collections::BTreeMap<String, String> = match std::fs::read(&path) {
        Ok(b) => serde_json::from_slice(&b).unwrap_or_default(),
        Err(_) => Default::default(),
    };
    let mut rotated: HashMap<String, String> = HashMap::new();
    for line in Audit::new(&ctx.data_dir).read().unwrap_or_default() {
        if let (Some(id), Some(t)) = (line["new_credential"].as_str(), line["time"].as_str()) {
            rotated.insert(id.to_string(), t.to_string());
        }
    }
    let mut added = false;
    let mut out = Vec::new();
    for c in &report.credentials {
        let since = match rotated.get(&c.id) {
            Some(t) => t.clone(),
            None => seen
                .entry(c.id.clone())
                .or_insert_with(|| {
                    added = true;
                    now.to_string()
                })
                .clone(),
        };
        let days = since
            .parse::<jiff::Timestamp>()
            .map(|t| (now.as_second() - t.as_second()).max(0) / 86_400)
            .unwrap_or(0);
        out.push(KeyAge {
            credential: c.id.clone(),
            since,
            days,
            due: days > i64::from(ctx.settings.max_key_age_days),
        });
    }
    if added {
        store::write_json(&path, &seen).map_err(|e| Error::io(&path, e))?;
    }
    Ok(out)
}

/// What the tray shows: rotate entries (due keys first, oldest first), and the counts for its tooltip.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrayStatus {
    pub entries: Vec<(String, String)>,
    /// One entry per incomplete rotation: (the credential whose screen offers Finish, label).
    pub finish: Vec<(String, String)>,
    pub due: usize,
    /// The due keys the tray can rotate (linked), oldest first: "Rotate due keys…" walks through them,
    /// one plan and one confirmation per key.
    pub due_rotatable: Vec<String>,
    pub interrupted: usize,
    /// Rotations that ended with a usage still on the old key (`incomplete`): waiting for Finish.
    pub incomplete: usize,
}

impl TrayStatus {
    pub fn tooltip(&self) -> String {
        let mut parts = Vec::new();
        if self.due > 0 {
            parts.push(format!(
                "{} {} past max age",
                self.due,
                if self.due == 1 { "key" } else { "keys" }
            ));
        }
        if self.interrupted > 0 {
            parts.push(format!(
                "{} interrupted {}",
                self.interrupted,
                if self.interrupted == 1 {
                    "rotation"
                } else {
                    "rotations"
                }
            ));
        }
        if self.incomplete > 0 {
            parts.push(format!(
                "{} incomplete {} (a config still holds a dead key)",
                self.incomplete,
                if self.incomplete == 1 {
                    "rotation"
                } else {
                    "rotations"
                }
            ));
        }
        if parts.is_empty() {
            "Rekey".to_string()
        } else {
            format!("Rekey: {}", parts.join(", "))
        }
    }
}

impl TrayStatus {
    /// The menu's first line: what needs the user, or that nothing does ("2 keys due · 1 rotation to
    /// finish", "All keys up to date").
    pub fn status_line(&self) -> String {
        let plural =
            |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        let mut parts = Vec::new();
        if self.due > 0 {
            parts.push(plural(self.due, "key due", "keys due"));
        }
        let unfinished = self.interrupted + self.incomplete;
        if unfinished > 0 {
            parts.push(plural(
                unfinished,
                "rotation to finish",
                "rotations to finish",
            ));
        }
        if parts.is_empty() {
            "All keys up to date".to_string()
        } else {
            parts.join(" · ")
        }
    }

    /// Something needs the user: the tray shows its attention icon.
    pub fn needs_attention(&self) -> bool {
        self.due + self.interrupted + self.incomplete > 0
    }
}

pub fn tray_status(ctx: &Context) -> Result<TrayStatus> {
    tray_status_of(ctx, &ctx.scan()?)
}

/// `tray_status` from a scan the caller already made.
pub fn tray_status_of(ctx: &Context, report: &ScanReport) -> Result<TrayStatus> {
    let links = Links::new(&ctx.data_dir)
        .all()
        .map_err(|e| Error::io(&ctx.data_dir, e))?;
    let ages = key_ages(ctx, report, jiff::Timestamp::now())?;
    let age_of = |id: &str| ages.iter().find(|a| a.credential == id);
    let mut linked: Vec<(&crate::scan::CredentialReport, &Link)> = report
        .credentials
        .iter()
        .filter_map(|c| links.get(&c.id).map(|l| (c, l)))
        .collect();
    linked.sort_by_key(|(c, _)| {
        let a = age_of(&c.id);
        (!a.is_some_and(|a| a.due), -a.map_or(0, |a| a.days))
    });
    let due_rotatable = linked
        .iter()
        .filter(|(c, _)| age_of(&c.id).is_some_and(|a| a.due))
        .map(|(c, _)| c.id.clone())
        .collect();
    let entries = linked
        .into_iter()
        .map(|(c, link)| {
            let name = providers::by_id(&link.provider)
                .map(|p| p.name())
                .unwrap_or(link.provider.as_str());
            let due = if age_of(&c.id).is_some_and(|a| a.due) {
                " (due)"
            } else {
                ""
            };
            (
                c.id.clone(),
                format!("Rotate {name} key ({}){due}…", c.masked),
            )
        })
        .collect();
    // Interrupted rotations, and ones whose outcome is unknown while the old key is still in the configs.
    let journal = Journal::new(&ctx.data_dir).all().unwrap_or_default();
    let interrupted = journal
        .iter()
        .filter(|e| {
            e.interrupted()
                || (e.step == Step::Unknown
                    && report.credentials.iter().any(|c| c.id == e.credential))
        })
        .count();
    let incomplete = journal
        .iter()
        .filter(|e| e.step == Step::Incomplete)
        .count();
    // Incomplete rotations: open the key that still sits in a config (the dead one), else the new one.
    let finish = journal
        .iter()
        .filter(|e| e.step == Step::Incomplete)
        .map(|e| {
            let old_in_configs = report.credentials.iter().any(|c| c.id == e.credential);
            let cred = match (&e.new_credential, old_in_configs) {
                (Some(new), false) => new.clone(),
                _ => e.credential.clone(),
            };
            let name = providers::by_id(&e.provider)
                .map(|p| p.name())
                .unwrap_or(e.provider.as_str());
            (
                cred,
                format!("Finish the {name} rotation (a config holds a dead key)…"),
            )
        })
        .collect();
    Ok(TrayStatus {
        entries,
        finish,
        due: ages.iter().filter(|a| a.due).count(),
        due_rotatable,
        interrupted,
        incomplete,
    })
}

/// What the tray offers to rotate: every linked credential found in the configs, as (credential id,
/// label). Unlinked keys are left to the window, where they can be linked first.
pub fn tray_entries(ctx: &Context) -> Result<Vec<(String, String)>> {
    Ok(tray_status(ctx)?.entries)
}

#[cfg(test)]
mod status_line_tests {
    use super::TrayStatus;

    #[test]
    fn the_status_line_says_what_needs_the_user() {
        let mut s = TrayStatus::default();
        assert_eq!(s.status_line(), "All keys up to date");
        assert!(!s.needs_attention());
        s.due = 2;
        assert_eq!(s.status_line(), "2 keys due");
        s.incomplete = 1;
        assert_eq!(s.status_line(), "2 keys due · 1 rotation to finish");
        s.due = 1;
        s.interrupted = 1;
        assert_eq!(s.status_line(), "1 key due · 2 rotations to finish");
        assert!(s.needs_attention());
        let s = TrayStatus {
            interrupted: 1,
            ..TrayStatus::default()
        };
        assert!(s.needs_attention());
    }
}

#[cfg(test)]
mod age_tests {
    use super::super::journal::Entry;
    use super::*;
    use crate::clients::Env;

    #[test]
    fn key_age_counts_from_first_sight_and_due_keys_lead_the_tray() {
        let home = tempfile::tempdir().unwrap();
        let ctx = Context {
            env: Env::linux_at(home.path()),
            data_dir: home.path().join("data"),
            settings: Default::default(),
            scan_cache: Default::default(),
        };
        assert_eq!(ctx.settings.max_key_age_days, 90);
        let cursor = home.path().join(".cursor/mcp.json");
        std::fs::create_dir_all(cursor.parent().unwrap()).unwrap();
        std::fs::write(
            &cursor,
            r#"{"mcpServers": {"a": {"env": {"BITSCALE_API_KEY": "bs_live_0123456789abcdef"}}, "b": {"env": {"OTHER_API_KEY": "sk-other-0123456789abcdef"}}}}"#,
        )
        .unwrap();
        let report = ctx.scan().unwrap();
        let now = jiff::Timestamp::now();
        let ages = key_ages(&ctx, &report, now).unwrap();
        assert_eq!(ages.len(), 2);
        assert!(ages.iter().all(|a| a.days == 0 && !a.due));
        // Seen 100 days ago: due. (seen.json holds ids and times only.)
        let old = ages[0].credential.clone();
        let seen_path = ctx.data_dir.join("seen.json");
        let mut seen: std::collections::BTreeMap<String, String> =
            serde_json::from_slice(&std::fs::read(&seen_path).unwrap()).unwrap();
        assert!(!std::fs::read_to_string(&seen_path)
            .unwrap()
            .contains("0123456789abcdef"));
        seen.insert(
            old.clone(),
            (now - jiff::SignedDuration::from_hours(24 * 100)).to_string(),
        );
        store::write_json(&seen_path, &seen).unwrap();
        let ages = key_ages(&ctx, &report, now).unwrap();
        let a = ages.iter().find(|a| a.credential == old).unwrap();
        assert_eq!((a.days, a.due), (100, true));
        // Both linked: the due one comes first in the tray, marked; the tooltip counts it.
        for c in &report.credentials {
            Links::new(&ctx.data_dir)
                .set(
                    &c.id,
                    Link {
                        provider: "bitscale".into(),
                        base_url: None,
                        account: None,
                        ids: Default::default(),
                    },
                )
                .unwrap();
        }
        let status = tray_status(&ctx).unwrap();
        assert_eq!(status.entries.len(), 2);
        assert_eq!(status.entries[0].0, old);
        assert!(
            status.entries[0].1.ends_with("(due)…"),
            "{:?}",
            status.entries
        );
        assert!(!status.entries[1].1.contains("(due)"));
        assert_eq!(status.tooltip(), "Rekey: 1 key past max age");
        assert_eq!(status.due_rotatable, std::slice::from_ref(&old));
        // An interrupted rotation of a key still in the configs is counted too.
        Journal::new(&ctx.data_dir)
            .save(&Entry {
                id: "x".into(),
                started: now.to_string(),
                provider: "bitscale".into(),
                credential: old.clone(),
                step: Step::Unknown,
                ..Default::default()
            })
            .unwrap();
        assert_eq!(
            tray_status(&ctx).unwrap().tooltip(),
            "Rekey: 1 key past max age, 1 interrupted rotation"
        );
    }
}
