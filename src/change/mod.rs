//! The one change pipeline: every operation that writes a config or the keychain (rotate and its
//! follow-ups, manual replace, protect, unprotect, add, restore, purge) is a *kind* of change with its
//! own planning step; what they share is written once here:
//!
//! plan (the kind's, every usage by exact location) → the user's confirmation (the caller's) →
//! [`begin`]: the key's lock (the same per-credential lock a rotation takes: one change per key at a
//! time, across processes; a second one is refused with "a … of this key is running since …") and an
//! intent in the change journal → the kind re-checks its plan's meaning under the lock (refused with
//! `plan_changed` when it no longer holds) → keychain → locked atomic writes → re-read → [`Change::finish`]:
//! history and audit (never a secret) → outcome. A process killed between `begin` and `finish` leaves
//! its intent, which recovery ([`recover`]) finds and records in the history, so no change goes unseen.
//!
//! Rotations keep their own, richer journal (`rotation::journal`): they stand on the same lock, steps
//! and history.
//!
//! - `lock`: the per-key lock; `keys`: a key's id for life; `history`: the audit log every kind writes;
//!   `step`: where a change got to.

pub mod history;
pub mod journal;
pub mod keys;
pub mod links;
pub mod lock;
mod step;

pub use step::Step;

use crate::context::Context;
use crate::{Error, Result};
use lock::RotationLock;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use ts_rs::TS;

/// The kinds of change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    #[default]
    Rotate,
    Finish,
    Rollback,
    KeepBoth,
    RevokeOld,
    Replace,
    Protect,
    Unprotect,
    Add,
    Restore,
    Purge,
}

impl Kind {
    /// The word for it in a sentence ("a rotation of this key is running").
    pub fn noun(self) -> &'static str {
        match self {
            Kind::Rotate => "rotation",
            Kind::Finish => "Finish",
            Kind::Rollback => "rollback",
            Kind::KeepBoth => "keep-both",
            Kind::RevokeOld => "revoke of the old key",
            Kind::Replace => "replace",
            Kind::Protect => "protect",
            Kind::Unprotect => "unprotect",
            Kind::Add => "server add",
            Kind::Restore => "restore",
            Kind::Purge => "backup purge",
        }
    }
}

/// The process that runs a change (shown in "a rotation of this key is running since …"; whether it is
/// still alive is decided by the key's lock, which the OS releases when the process dies).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Owner {
    pub pid: u32,
    /// The process's start time (Linux: clock ticks since boot, from /proc), so a reused pid is not
    /// mistaken for the owner.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<u64>,
}

impl Owner {
    pub fn this_process() -> Owner {
        let pid = std::process::id();
        Owner {
            pid,
            start: process_start(pid),
        }
    }
}

/// A process's start time in clock ticks since boot (Linux), None elsewhere or when it is gone.
pub fn process_start(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may contain spaces and parentheses: count fields after the last ')'.
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(19)?.parse().ok()
}

/// What a change journals before it touches anything, and recovery reads.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Intent {
    pub id: String,
    pub kind: Kind,
    pub started: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The credentials whose locks the change holds (the first is the one it is about).
    pub credentials: Vec<String>,
    #[serde(default)]
    pub provider: String,
    /// The config files it may write.
    #[serde(default)]
    pub files: Vec<PathBuf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Owner>,
}

impl Intent {
    /// The files a change may have written, for a person to look at ("the key's configs" when it named
    /// none).
    pub fn files_to_look_at(&self) -> String {
        if self.files.is_empty() {
            return "the key's configs".to_string();
        }
        self.files
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// A running change: holds the key's lock until it is finished or dropped.
pub struct Change<'a> {
    ctx: &'a Context,
    pub intent: Intent,
    _locks: Vec<RotationLock>,
    done: bool,
}

fn dir(data_dir: &Path) -> PathBuf {
    data_dir.join("changes")
}

fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && !id.starts_with('.')
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'))
}

/// Start a change of `kind` on `credentials` (the first is the key it is about; a protect of one key,
/// an unprotect of its references' key, a restore of every key the file holds): take every one's lock
/// (sorted, so two changes never wait on each other), then journal the intent. Fails with
/// `rotation_running` (and what holds it, since when) when another change holds one.
pub fn begin<'a>(
    ctx: &'a Context,
    kind: Kind,
    credentials: &[&str],
    provider: &str,
    files: &[PathBuf],
) -> Result<Change<'a>> {
    // (A test pauses here, after the confirmation, to run another change of the key meanwhile.)
    if kind != Kind::Rotate {
        crate::testhook::point("confirmed").map_err(|e| Error::io(&ctx.data_dir, e))?;
    }
    // Each credential once, the one the change is about first (two references of one key name it twice).
    let mut unique: Vec<&str> = Vec::new();
    for c in credentials {
        if !unique.contains(c) {
            unique.push(c);
        }
    }
    let credentials = &unique[..];
    let mut sorted: Vec<&str> = credentials.to_vec();
    sorted.sort_unstable();
    let mut locks = Vec::new();
    for c in &sorted {
        locks.push(RotationLock::acquire_for(&ctx.data_dir, c, kind)?);
    }
    let started = jiff::Timestamp::now();
    let id = format!(
        "{}-{}-{}",
        started.strftime("%Y%m%dT%H%M%S%.6fZ"),
        std::process::id(),
        serde_json::to_value(kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    );
    // The key's id for life: the one it has, or (a key Rekey meets here first: an added server's) a new one.
    let key = credentials.first().and_then(|c| {
        key_of(ctx, c).or_else(|| {
            keys::Keys::new(&ctx.data_dir)
                .assign(&[(c.to_string(), (!provider.is_empty()).then_some(provider))])
                .ok()
                .and_then(|m| m.get(*c).cloned())
        })
    });
    let intent = Intent {
        id,
        kind,
        started: started.to_string(),
        key,
        credentials: credentials.iter().map(|c| c.to_string()).collect(),
        provider: provider.to_string(),
        files: files.to_vec(),
        owner: Some(Owner::this_process()),
    };
    // The change's own lock (a change that holds no key's lock, a restore of a file without keys, is
    // still seen running by recovery).
    locks.push(RotationLock::acquire_for(
        &ctx.data_dir,
        &own_lock_name(&intent.id),
        kind,
    )?);
    for l in locks.iter_mut() {
        l.record(Some(&intent.id))?;
    }
    let path = dir(&ctx.data_dir).join(format!("{}.json", intent.id));
    crate::datafile::write_json(&path, &intent).map_err(|e| Error::io(&path, e))?;
    // (A test kills the process here: recovery must find the change.)
    crate::testhook::point("change-begun").map_err(|e| Error::io(&ctx.data_dir, e))?;
    Ok(Change {
        ctx,
        intent,
        _locks: locks,
        done: false,
    })
}

/// The name of a change's own lock file (`locks/change-<id>.lock`, its id's dots as underscores).
fn own_lock_name(id: &str) -> String {
    format!("change-{}", id.replace('.', "_"))
}

/// The key id of a credential, when the registry knows it.
pub fn key_of(ctx: &Context, credential: &str) -> Option<String> {
    keys::Keys::new(&ctx.data_dir)
        .resolve(credential)
        .ok()
        .flatten()
        .map(|r| r.key)
}

/// The outcome for one file of a change.
#[derive(Debug, Serialize, TS)]
pub struct FileResult {
    pub path: PathBuf,
    pub ok: bool,
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backup: Option<String>,
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// How a change ended, for the history.
#[derive(Debug, Clone, Default)]
pub struct Done {
    /// `Written` (every usage changed), `Incomplete` (some could not be: see `message`), `Failed`
    /// (nothing changed).
    pub step: Step,
    /// The config files written.
    pub written: Vec<PathBuf>,
    /// The credential id after the change, when the key's value changed (a replace).
    pub new_credential: Option<String>,
    /// The new value, masked.
    pub new_masked: Option<String>,
    /// What happened, for people (never a secret: it goes through the scrubbing boundary too).
    pub message: Option<String>,
}

impl Done {
    /// How a change that wrote `files` ended: `Written` when every file was written, `Failed` when none
    /// was, `Incomplete` between; `written` lists those that were. (The caller adds its message.)
    pub fn of_files(files: &[FileResult]) -> Done {
        let written: Vec<PathBuf> = files
            .iter()
            .filter(|f| f.ok)
            .map(|f| f.path.clone())
            .collect();
        Done {
            step: match written.len() {
                n if n == files.len() => Step::Written,
                0 => Step::Failed,
                _ => Step::Incomplete,
            },
            written,
            ..Default::default()
        }
    }
}

impl Change<'_> {
    /// Record how the change ended (history and audit), then let go of the journal and the locks.
    pub fn finish(mut self, done: Done) {
        record(self.ctx, &self.intent, &done);
        self.done = true;
        let _ =
            std::fs::remove_file(dir(&self.ctx.data_dir).join(format!("{}.json", self.intent.id)));
    }

    /// Let go without a trace: the change was refused before it touched anything (its plan no longer
    /// holds, nothing to do).
    pub fn abandon(mut self) {
        self.done = true;
        let _ =
            std::fs::remove_file(dir(&self.ctx.data_dir).join(format!("{}.json", self.intent.id)));
    }
}

impl Drop for Change<'_> {
    fn drop(&mut self) {
        // An error return between `begin` and `finish`: the kind may have written something, so the
        // history says so (recovery would, too, but without the locks held it could race a new change).
        if !self.done {
            record(
                self.ctx,
                &self.intent,
                &Done {
                    step: Step::Unknown,
                    message: Some(format!(
                        "the {} stopped before it finished and may have written some of its files: look at {}",
                        self.intent.kind.noun(),
                        self.intent.files_to_look_at()
                    )),
                    ..Default::default()
                },
            );
            let _ = std::fs::remove_file(
                dir(&self.ctx.data_dir).join(format!("{}.json", self.intent.id)),
            );
        }
    }
}

fn record(ctx: &Context, intent: &Intent, done: &Done) {
    let line = history::AuditEntry {
        time: jiff::Timestamp::now().to_string(),
        kind: intent.kind,
        rotation: intent.id.clone(),
        key: intent
            .key
            .clone()
            .or_else(|| intent.credentials.first().and_then(|c| key_of(ctx, c))),
        provider: intent.provider.clone(),
        credential: intent.credentials.first().cloned().unwrap_or_default(),
        new_credential: done.new_credential.clone(),
        new_key: done.new_masked.clone(),
        outcome: done.step,
        message: done.message.as_deref().map(crate::scrub::text),
        files: done
            .written
            .iter()
            .map(|p| p.display().to_string())
            .collect(),
        ..Default::default()
    };
    history::append(&ctx.data_dir, &line);
}

/// Changes (other than rotations, which have their own recovery) that a kill stopped between `begin`
/// and `finish`: each one's history line says so (`unknown`, with the files it may have written), and
/// its intent goes. One still running (its lock held) is left alone. Returns what was recorded.
pub fn recover(ctx: &Context) -> Result<Vec<Intent>> {
    let d = dir(&ctx.data_dir);
    let rd = match std::fs::read_dir(&d) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io(&d, e)),
    };
    let mut out = Vec::new();
    for f in rd.flatten() {
        let path = f.path();
        if path.extension().is_none_or(|x| x != "json") {
            continue;
        }
        let Ok(intent) = crate::datafile::read_json::<Intent>(&path) else {
            continue;
        };
        if !valid_id(&intent.id)
            || path.file_stem().and_then(|s| s.to_str()) != Some(intent.id.as_str())
        {
            continue;
        }
        // Still running in some process: its locks say so (its own, then each key's, each once).
        let mut held = Vec::new();
        let mut busy = false;
        let mut names: Vec<String> = vec![own_lock_name(&intent.id)];
        for c in &intent.credentials {
            if !names.contains(c) {
                names.push(c.clone());
            }
        }
        for c in &names {
            match RotationLock::try_acquire(&ctx.data_dir, c) {
                Ok(Ok(l)) => held.push(l),
                _ => busy = true,
            }
        }
        if busy {
            continue;
        }
        // Read again under the locks: it may have finished meanwhile.
        if !path.exists() {
            continue;
        }
        record(
            ctx,
            &intent,
            &Done {
                step: Step::Unknown,
                message: Some(format!(
                    "the {} was interrupted (the process stopped) and may have written some of its files: look at {}",
                    intent.kind.noun(),
                    intent.files_to_look_at()
                )),
                ..Default::default()
            },
        );
        let _ = std::fs::remove_file(&path);
        out.push(intent);
    }
    Ok(out)
}
