//! Replace one secret with another in every config that holds it: the manual rotation ("I rotated it on
//! the provider's website") and the config half of an automatic rotation.

use crate::clients::{ClientId, Format};
use crate::edit::backup::Backups;
use crate::edit::{atomic, batch};
use crate::scan::slots::{Encoding, SlotKind};
use crate::scan::ScanReport;
use crate::{Error, Result, Secret};
use serde::Serialize;
use std::ops::Range;
use std::path::PathBuf;
use ts_rs::TS;

mod manual;
mod splice;
pub use manual::{
    apply_manual, plan_manual, validate_pasted, Checked, ManualOutcome, ManualPlan, Overrides,
    ShapeCheck, Target, Verification,
};
pub use splice::{rewrite, splice};

/// What will change, file by file. Serializes no secret values.
#[derive(Debug, Clone, Default, Serialize, TS)]
pub struct ReplacePlan {
    pub files: Vec<FilePlan>,
    /// Usages of the old value Rekey cannot rewrite (references to other stores).
    pub skipped: Vec<String>,
    /// Config files that hold the old value but could not be parsed or read: they stay on the old value
    /// until the user fixes them.
    pub unparsed: Vec<Unparsed>,
}

/// A config file the scan could not parse (or read) whose bytes hold the old value.
#[derive(Debug, Clone, Serialize, TS)]
pub struct Unparsed {
    pub path: PathBuf,
    pub client: ClientId,
    /// 1-based line of the first place the value appears (raw, JSON- or TOML-escaped, or percent-encoded).
    pub line: usize,
    /// Why it could not be used (the parse error, with its position).
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct FilePlan {
    pub path: PathBuf,
    pub client: ClientId,
    pub format: Format,
    pub hash: String,
    pub changes: Vec<Change>,
    /// The bytes the plan was made from (re-checked under the lock before writing).
    #[serde(skip)]
    scanned: Option<std::sync::Arc<Vec<u8>>>,
    /// The value being replaced: a file that changed since the plan is rewritten only where the planned
    /// slots still hold it.
    #[serde(skip)]
    old: Secret,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct Change {
    pub server: String,
    /// Claude Code local scope: the project the server entry belongs to.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    pub location: String,
    pub kind: SlotKind,
    pub before: String,
    pub after: String,
    #[serde(skip)]
    token: Range<usize>,
    #[serde(skip)]
    range: Range<usize>,
    #[serde(skip)]
    encoding: Encoding,
}

impl Change {
    /// The server's name, with its project when the entry is project-scoped (`github (project /src/app)`).
    pub fn server_label(&self) -> String {
        match &self.project {
            Some(p) => format!("{} (project {p})", self.server),
            None => self.server.clone(),
        }
    }
}

/// A new secret must be usable as-is in every client: no surrounding whitespace, no line breaks.
pub fn validate_new_secret(old: &Secret, new: &Secret) -> Result<()> {
    let v = new.expose();
    if v.is_empty() {
        return Err(Error::InvalidInput("the new secret is empty".into()));
    }
    if v.trim() != v {
        return Err(Error::InvalidInput(
            "the new secret has leading or trailing whitespace".into(),
        ));
    }
    if v.chars().any(|c| c.is_control()) {
        return Err(Error::InvalidInput(
            "the new secret contains a line break or another control character".into(),
        ));
    }
    if old.expose().is_empty() {
        return Err(Error::InvalidInput("the old secret is empty".into()));
    }
    if old == new {
        return Err(Error::InvalidInput(
            "the new secret is the same as the old one".into(),
        ));
    }
    Ok(())
}

/// Plan replacing `old` with `new` everywhere the scan found `old` as a literal secret.
pub fn plan(report: &ScanReport, old: &Secret, new: &Secret) -> Result<ReplacePlan> {
    validate_new_secret(old, new)?;
    let mut p = plan_for(report, old);
    for f in &mut p.files {
        for c in &mut f.changes {
            c.after = new.masked();
        }
    }
    Ok(p)
}

/// Plan replacing `old` before the new value is known (a rotation plans before calling the provider).
pub fn plan_for(report: &ScanReport, old: &Secret) -> ReplacePlan {
    let mut files: Vec<FilePlan> = Vec::new();
    for slot in &report.internal {
        if slot.value != *old {
            continue;
        }
        let f = &report.files[slot.file];
        let Some(sha) = f.hash.clone() else { continue };
        let change = Change {
            server: slot.report.server.clone(),
            project: slot.report.project.clone(),
            location: slot.report.location.clone(),
            kind: slot.report.kind,
            before: old.masked(),
            after: "(new key)".to_string(),
            token: slot.token.clone(),
            range: slot.range.clone(),
            encoding: slot.encoding,
        };
        match files.iter_mut().find(|p| p.path == f.path) {
            Some(p) => p.changes.push(change),
            None => files.push(FilePlan {
                path: f.path.clone(),
                client: f.client,
                format: f.format,
                hash: sha,
                changes: vec![change],
                scanned: report.contents.get(slot.file).cloned().flatten(),
                old: old.clone(),
            }),
        }
    }
    ReplacePlan {
        files,
        skipped: Vec::new(),
        unparsed: unparsed(report, old),
    }
}

/// The config files the scan could not parse or read that still hold `old` somewhere in their bytes.
fn unparsed(report: &ScanReport, old: &Secret) -> Vec<Unparsed> {
    use crate::scan::FileStatus;
    let raw = old.expose();
    if raw.is_empty() {
        return Vec::new();
    }
    let forms = crate::scrub::forms(raw);
    let scrub = crate::scrub::Scrubber::new().with(old);
    let mut out = Vec::new();
    for f in &report.files {
        if !matches!(f.status, FileStatus::Invalid | FileStatus::Unreadable) {
            continue;
        }
        // Only such files are read again; one that cannot be read at all cannot be searched.
        let Ok(bytes) = crate::edit::read::read(&f.path) else {
            continue;
        };
        let Some(at) = forms
            .iter()
            .filter_map(|form| find(&bytes, form.as_bytes()))
            .min()
        else {
            continue;
        };
        out.push(Unparsed {
            path: f.path.clone(),
            client: f.client,
            line: bytes[..at].iter().filter(|&&b| b == b'\n').count() + 1,
            reason: scrub.clean(
                f.error
                    .as_deref()
                    .map(|e| e.strip_prefix("does not parse: ").unwrap_or(e))
                    .unwrap_or("it could not be read"),
            ),
        });
    }
    out
}

/// The first position of `needle` in `hay`.
fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let (&first, _) = needle.split_first()?;
    let last_start = hay.len().checked_sub(needle.len())?;
    let mut from = 0;
    while from <= last_start {
        let at = from + hay[from..=last_start].iter().position(|&b| b == first)?;
        if hay[at..].starts_with(needle) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

pub use crate::change::FileResult;

/// Apply the plan: each file is locked, re-checked against the plan's bytes, transformed, validated,
/// backed up and written atomically. A file that changed since the plan (Claude Code rewrites
/// `~/.claude.json` every few seconds) is re-scanned under the lock and edited as it is now, if every
/// planned slot still holds the old value; otherwise it is refused. A file that fails is left untouched;
/// the others still proceed.
pub fn apply(plan: &ReplacePlan, new: &Secret, backups: &Backups) -> Vec<FileResult> {
    prepare(plan, new, backups).commit()
}

/// Every file of a plan locked and backed up, before the new value is known: see [`crate::edit::batch`].
/// A rotation locks before it calls the provider.
pub struct Locked<'p> {
    plan: &'p ReplacePlan,
    locked: batch::Locked,
}

/// Every file of a plan ready for its rename (edited into a synced temp file): see [`crate::edit::batch`].
/// A rotation prepares while the new key goes to the keychain.
pub struct Prepared<'a>(batch::Batch<'a>);

/// The first phase of [`apply`], which needs no new value.
pub fn lock<'p>(plan: &'p ReplacePlan, backups: &Backups) -> Locked<'p> {
    let targets = plan
        .files
        .iter()
        .map(|fp| batch::Target {
            path: fp.path.clone(),
            expected: atomic::Expected {
                hash: fp.hash.clone(),
                bytes: fp.scanned.clone(),
            },
        })
        .collect();
    Locked {
        plan,
        locked: batch::lock(targets, backups),
    }
}

impl<'p> Locked<'p> {
    /// The second phase of [`apply`]: each file's new content in a synced temp file.
    pub fn prepare<'a>(self, new: &'a Secret) -> Prepared<'a>
    where
        'p: 'a,
    {
        let plan: &'a ReplacePlan = self.plan;
        let transforms = plan
            .files
            .iter()
            .map(|fp| -> batch::Transform<'a> {
                Box::new(move |current: atomic::Current<'_>| match current {
                    atomic::Current::AsPlanned(bytes) => splice(bytes, fp, new),
                    atomic::Current::Changed(bytes) => splice(bytes, &rebase(bytes, fp)?, new),
                })
            })
            .collect();
        Prepared(self.locked.stage(transforms))
    }

    /// Write nothing (the backups are removed, the locks let go).
    pub fn abandon(self) {
        self.locked.abandon()
    }
}

/// The first two phases of [`apply`].
pub fn prepare<'a>(plan: &'a ReplacePlan, new: &'a Secret, backups: &Backups) -> Prepared<'a> {
    lock(plan, backups).prepare(new)
}

impl Prepared<'_> {
    /// The second half of [`apply`]: the renames, in one burst.
    pub fn commit(self) -> Vec<FileResult> {
        self.0
            .commit()
            .into_iter()
            .map(|(path, r)| match r {
                Ok(o) => FileResult {
                    path,
                    ok: true,
                    backup: Some(o.backup_id),
                    error: None,
                },
                Err(e) => FileResult {
                    path,
                    ok: false,
                    backup: None,
                    error: Some(e.to_string()),
                },
            })
            .collect()
    }

    /// Write nothing (the temp files and backups are removed).
    pub fn abandon(self) {
        self.0.abandon()
    }
}

/// The plan for `fp`'s file re-made on its current `bytes`: each planned slot is found again by its identity
/// (server, project, location, kind) and must still hold the old value; otherwise the file is refused.
fn rebase(bytes: &[u8], fp: &FilePlan) -> std::result::Result<FilePlan, String> {
    const WHY: &str = "the key's entry changed since the plan";
    let loc = crate::clients::Location {
        client: fp.client,
        path: fp.path.clone(),
        format: fp.format,
        scope: crate::clients::Scope::User,
        variant: None,
    };
    let scrub = crate::scrub::Scrubber::new().with(&fp.old);
    let now = crate::scan::slots_of(&loc, bytes)
        .map_err(|e| scrub.clean(&format!("{WHY}: the file no longer parses ({e})")))?;
    let mut taken = vec![false; now.len()];
    let mut changes = Vec::with_capacity(fp.changes.len());
    for c in &fp.changes {
        let same = |s: &crate::scan::SlotInternal| {
            s.report.server == c.server
                && s.report.project == c.project
                && s.report.location == c.location
                && s.report.kind == c.kind
        };
        let Some(i) = (0..now.len()).find(|&i| !taken[i] && same(&now[i])) else {
            return Err(format!(
                "{WHY}: server {} {} is gone",
                c.server_label(),
                c.location
            ));
        };
        if now[i].value != fp.old {
            return Err(format!(
                "{WHY}: server {} {} no longer holds the old key",
                c.server_label(),
                c.location
            ));
        }
        taken[i] = true;
        changes.push(Change {
            token: now[i].token.clone(),
            range: now[i].range.clone(),
            encoding: now[i].encoding,
            ..c.clone()
        });
    }
    Ok(FilePlan {
        changes,
        scanned: None,
        ..fp.clone()
    })
}
