//! Protect: plan which usages of a key become `rekey://<id>` (and which cannot), then keep the key in the
//! keychain under `ref:<id>` and rewrite the configs. The file machinery (per-file edits computed from the
//! file's bytes, locked atomic writes with backups, a re-plan of a file that changed since) is shared
//! with Unprotect.

use super::files::{apply_files, by_entry, location_of, restart_of, value_edit, Scrub};
use super::index::{Index, Protected};
use super::remote::{self, Converted, Offer, RemoteOption, Via};
use super::wrap::{self, Shape};
use crate::change::FileResult;
use crate::clients::{ClientId, Format, Location};
use crate::context::Context;
use crate::scan::slots::ValueState;
use crate::scan::ScanReport;
use crate::vault::Vault;
use crate::{Error, Result, Secret};
use serde::Serialize;
use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;
use ts_rs::TS;

/// One usage that changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Usage {
    pub server: String,
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    /// The server entry's JSON pointer in its file (scope included): what changes is this entry only.
    pub entry: String,
    pub location: String,
    pub before: String,
    pub after: String,
}

impl Usage {
    pub fn server_label(&self) -> String {
        label(&self.server, self.project.as_deref())
    }
}

fn label(server: &str, project: Option<&str>) -> String {
    match project {
        Some(p) => format!("{server} (project {p})"),
        None => server.to_string(),
    }
}

/// A usage that stays as it is, and why.
#[derive(Debug, Clone, Serialize, TS)]
pub struct Refused {
    pub file: PathBuf,
    pub client: ClientId,
    pub server: String,
    pub location: String,
    pub reason: String,
}

/// One config file that changes.
#[derive(Debug, Clone, Serialize, TS)]
pub struct FileChange {
    pub path: PathBuf,
    pub client: ClientId,
    pub format: Format,
    pub usages: Vec<Usage>,
    /// Servers whose `command` changes (wrapped in `rekey exec --`, or unwrapped).
    pub commands: Vec<String>,
    /// Remote servers that will run through `rekey exec -- npx -y mcp-remote` (or go back to their URL).
    pub mcp_remote: Vec<String>,
    #[serde(skip)]
    pub(super) converted: Vec<Converted>,
    #[serde(skip)]
    pub(super) hash: String,
    #[serde(skip)]
    pub(super) scanned: Option<Arc<Vec<u8>>>,
    #[serde(skip)]
    pub(super) variant: Option<String>,
}

/// What the edits of one file are, computed from its bytes.
#[derive(Default)]
pub(super) struct Edits {
    pub edits: Vec<(Range<usize>, String)>,
    pub usages: Vec<Usage>,
    pub commands: Vec<String>,
    pub mcp_remote: Vec<String>,
    pub converted: Vec<Converted>,
    pub offered: Vec<RemoteOption>,
    pub refused: Vec<Refused>,
}

/// Everything `rekey protect` shows before it asks.
#[derive(Debug, Serialize, TS)]
pub struct ProtectPlan {
    pub credential: String,
    pub masked: String,
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<&'static str>,
    /// The new reference id: the keychain entry is `ref:<id>`, configs hold `rekey://<id>`.
    pub reference: String,
    /// The program wrapped entries start (`rekey exec -- …`).
    pub rekey_bin: String,
    pub files: Vec<FileChange>,
    /// Usages that stay literal, each with why.
    pub cannot: Vec<Refused>,
    /// Remote servers (the client connects to a URL) whose key can be protected by running them through
    /// mcp-remote, each chosen or not (off unless asked for).
    pub remote: Vec<RemoteOption>,
    /// The `npx` found on PATH, which converted entries start.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub npx: Option<String>,
    pub notes: Vec<String>,
    pub restart: Vec<(String, String)>,
    #[serde(skip)]
    value: Secret,
    #[serde(skip)]
    via: Via,
}

/// What Protect or Unprotect did.
#[derive(Debug, Serialize, TS)]
pub struct Applied {
    pub reference: String,
    pub files: Vec<FileResult>,
    pub restart: Vec<(String, String)>,
    /// What the user should know besides the files (a keychain entry kept because a config that does
    /// not parse may still use it, …).
    #[ts(optional = nullable)] // may be absent (never null)
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Protect: backups older than this change that still hold the key in plaintext (the ones it made
    /// itself are removed once it is verified); `rekey backups --purge` deletes them.
    #[ts(optional = nullable)]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub older_backups: Vec<crate::edit::backup::BackupEntry>,
}

/// Only a server's environment and arguments reach it through `rekey exec` (Zed's older shape keeps them
/// in its `command` object).
fn passes_through(location: &str) -> bool {
    [
        "env.",
        "envs.",
        "environment.",
        "args[",
        "command[",
        "command.env.",
        "command.args[",
    ]
    .iter()
    .any(|p| location.starts_with(p))
}

/// Protect's edits of one file: every literal use of `value` in an entry that can run `rekey exec`
/// becomes `rekey://<reference>`, and the entry's command is wrapped (once); a remote entry the user chose
/// (`via`) is run through mcp-remote.
pub(super) fn protect_edits(
    loc: &Location,
    bytes: &[u8],
    value: &Secret,
    reference: &str,
    bin: &str,
    via: &Via,
) -> std::result::Result<Edits, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "the file is not UTF-8 text".to_string())?;
    let slots = crate::scan::slots_of(loc, bytes)?;
    let reference_text = format!("{}{reference}", super::SCHEME);
    let mut out = Edits::default();
    let entries = by_entry(&slots, |s| {
        s.value == *value && s.report.state == ValueState::Secret
    });
    for (at, found) in entries {
        let (server, project) = (at.server.clone(), at.project.clone());
        let refuse = |out: &mut Edits, reason: String| {
            for s in &found {
                out.refused.push(Refused {
                    file: loc.path.clone(),
                    client: loc.client,
                    server: label(&server, project.as_deref()),
                    location: s.report.location.clone(),
                    reason: reason.clone(),
                });
            }
        };
        if loc.client == ClientId::LibreChat {
            refuse(&mut out, "cannot be protected in this client: LibreChat starts its servers inside its own deployment (usually a Docker container), where this machine's keychain and `rekey` are not reachable".into());
            continue;
        }
        let shape = wrap::shape(loc.format, text, &at.keys);
        match &shape {
            Shape::Remote => {
                let label = label(&server, project.as_deref());
                let e = remote::Entry {
                    file: &loc.path,
                    client: loc.client,
                    format: loc.format,
                    text,
                    entry: &at.keys,
                    project: project.as_deref(),
                    server: &server,
                    key_slots: &found,
                    all_slots: slots
                        .iter()
                        .filter(|s| s.report.entry == at.pointer)
                        .collect(),
                };
                match remote::offer(&e, via, reference, bin) {
                    Offer::Cannot(why) => out.refused.extend(remote::refusals(&e, &label, &why)),
                    Offer::Offered(o) => out.offered.push(o),
                    Offer::Convert(c, option) => {
                        out.offered.push(option);
                        out.edits.extend(c.edits);
                        out.converted.push(c.record);
                        out.mcp_remote.push(label);
                        for s in &found {
                            out.usages.push(Usage {
                                server: server.clone(),
                                project: project.clone(),
                                entry: at.pointer.clone(),
                                location: s.report.location.clone(),
                                before: s.value.masked(),
                                after: reference_text.clone(),
                            });
                        }
                    }
                }
                continue;
            }
            Shape::Unsupported(why) => {
                refuse(&mut out, format!("cannot be protected: {why}"));
                continue;
            }
            _ => {}
        }
        if let Some(s) = found.iter().find(|s| !passes_through(&s.report.location)) {
            refuse(&mut out, format!("cannot be protected: `rekey exec` hands keys to a server only through its environment and arguments, and this entry also holds it in {}", s.report.location));
            continue;
        }
        let mut edits = Vec::new();
        for s in &found {
            edits.push(value_edit(
                loc.format,
                text,
                &s.token,
                &s.range,
                &reference_text,
            )?);
        }
        if !wrap::is_wrapped(&shape) {
            match wrap::wrap(loc.format, &shape, bin) {
                Ok(w) => {
                    edits.extend(w);
                    out.commands.push(label(&server, project.as_deref()));
                }
                Err(why) => {
                    refuse(&mut out, format!("cannot be protected: {why}"));
                    continue;
                }
            }
        }
        out.edits.extend(edits);
        for s in &found {
            out.usages.push(Usage {
                server: server.clone(),
                project: project.clone(),
                entry: at.pointer.clone(),
                location: s.report.location.clone(),
                before: s.value.masked(),
                after: reference_text.clone(),
            });
        }
    }
    out.edits = wrap::sorted(std::mem::take(&mut out.edits))?;
    // The edited file must parse, hold the reference in every planned usage, and run the wrapper.
    let new = wrap::apply_edits(bytes, &out.edits);
    let after = crate::scan::slots_of(loc, &new)
        .map_err(|e| format!("internal error: the edited file would not be valid ({e})"))?;
    let holding = after
        .iter()
        .filter(|s| s.value.expose() == reference_text)
        .count();
    if holding < out.usages.len() {
        return Err("internal error: an edited usage would not read back as the reference".into());
    }
    Ok(out)
}

/// Plan protecting `credential`: every literal usage, which can be protected and which cannot.
/// Remote usages are offered, not changed: see [`plan_protect_with`].
pub fn plan_protect(ctx: &Context, credential: &str) -> Result<ProtectPlan> {
    plan_protect_with(ctx, credential, remote::Choice::None)
}

/// Plan protecting `credential`, running the remote usages `choice` names through mcp-remote (with the
/// `npx` this process's PATH finds).
pub fn plan_protect_with(
    ctx: &Context,
    credential: &str,
    choice: remote::Choice,
) -> Result<ProtectPlan> {
    let credential = ctx.resolve(credential);
    let credential = credential.as_str();
    let report = ctx.scan()?;
    let via = Via {
        choice,
        npx: remote::find_npx(std::env::var_os("PATH").as_deref())
            .map(|p| p.to_string_lossy().into_owned()),
    };
    plan_protect_in(&report, credential, &super::rekey_bin()?, via)
}

fn plan_protect_in(
    report: &ScanReport,
    credential: &str,
    bin: &str,
    via: Via,
) -> Result<ProtectPlan> {
    let value = report.secret_of(credential).ok_or_else(|| {
        match report.credentials.iter().any(|c| c.id == credential) {
            true => Error::InvalidInput(format!(
                "{credential} is already protected: no config holds it literally"
            )),
            false => Error::UnknownCredential(credential.into()),
        }
    })?;
    let cred = report.credentials.iter().find(|c| c.id == credential);
    let provider = cred.and_then(|c| c.provider);
    let reference = super::new_id(provider.unwrap_or_else(|| {
        cred.and_then(|c| c.slots.first())
            .map(|s| s.location.rsplit('.').next().unwrap_or("key"))
            .unwrap_or("key")
    }));
    let mut files = Vec::new();
    let mut cannot = Vec::new();
    let mut offered = Vec::new();
    for (i, f) in report.files.iter().enumerate() {
        let holds = report
            .internal
            .iter()
            .any(|s| s.file == i && s.value == value && s.report.state == ValueState::Secret);
        if !holds {
            continue;
        }
        let (Some(hash), Some(bytes)) = (f.hash.clone(), report.contents.get(i).cloned().flatten())
        else {
            continue;
        };
        let loc = location_of(&f.path, f.client, f.format, f.variant.clone());
        match protect_edits(&loc, &bytes, &value, &reference, bin, &via) {
            Ok(e) => {
                cannot.extend(e.refused);
                offered.extend(e.offered);
                if !e.usages.is_empty() {
                    files.push(FileChange {
                        path: f.path.clone(),
                        client: f.client,
                        format: f.format,
                        usages: e.usages,
                        commands: e.commands,
                        mcp_remote: e.mcp_remote,
                        converted: e.converted,
                        hash,
                        scanned: Some(bytes),
                        variant: f.variant.clone(),
                    });
                }
            }
            Err(why) => cannot.push(Refused {
                file: f.path.clone(),
                client: f.client,
                server: String::new(),
                location: String::new(),
                reason: format!("cannot be protected: {why}"),
            }),
        }
    }
    let mut notes = Vec::new();
    if !offered.is_empty() {
        notes.push(format!("Remote servers connect to their URL themselves, so their key stays in the config unless you choose to run them through `{bin} exec -- {} -y mcp-remote <url> --header …` (mcp-remote is a Node.js package npx downloads on first use); the client then starts mcp-remote, which connects to the URL with the key from the keychain.", via.npx.as_deref().unwrap_or("npx")));
    }
    let restart = restart_of(&files);
    Ok(ProtectPlan {
        credential: credential.to_string(),
        masked: value.masked(),
        provider,
        reference,
        rekey_bin: bin.to_string(),
        files,
        cannot,
        remote: offered,
        npx: via.npx.clone(),
        notes,
        restart,
        value,
        via,
    })
}

/// Does every file of the plan still hold the key in the usages the plan shows? (Read now, under the key's
/// lock; a file that changed elsewhere, as `~/.claude.json` does all the time, is fine as long as the same
/// usages change in it.)
fn still_true(plan: &ProtectPlan) -> std::result::Result<(), String> {
    for f in &plan.files {
        let loc = location_of(&f.path, f.client, f.format, f.variant.clone());
        let bytes = crate::edit::read::read(&f.path)
            .map_err(|e| format!("{} cannot be read ({e}); nothing changed", f.path.display()))?;
        let same = protect_edits(
            &loc,
            &bytes,
            &plan.value,
            &plan.reference,
            &plan.rekey_bin,
            &plan.via,
        )
        .is_ok_and(|e| e.usages == f.usages && e.commands == f.commands);
        if !same {
            return Err(format!(
                "{} no longer holds this key where the plan shows it (a rotation or another program changed it); nothing changed, plan again",
                f.path.display()
            ));
        }
    }
    Ok(())
}

/// Run a confirmed plan, as a change of the key (see `crate::change`): the key's lock, the plan checked
/// again under it (every file still holds the key where the plan saw it: a rotation that ran meanwhile
/// changed it, and protecting the old value would put a dead key in the keychain), then the key goes
/// into the keychain under `ref:<reference>` (and is read back) and the index records it, before any
/// file is touched; then each file is rewritten, and the history records it.
pub fn apply_protect(ctx: &Context, vault: &Vault, plan: &ProtectPlan) -> Result<Applied> {
    if plan.files.is_empty() {
        return Err(Error::InvalidInput(
            "no usage of this key can be protected (see why above); nothing changed".into(),
        ));
    }
    let paths: Vec<std::path::PathBuf> = plan.files.iter().map(|f| f.path.clone()).collect();
    let change = crate::change::begin(
        ctx,
        crate::change::Kind::Protect,
        &[plan.credential.as_str()],
        plan.provider.unwrap_or_default(),
        &paths,
    )?;
    if let Err(why) = still_true(plan) {
        change.abandon();
        return Err(Error::PlanChanged(why));
    }
    let account = super::account_of(&plan.reference);
    // Before any file: the key in the keychain (read back) and the index entry. A failure here changed
    // no config, so the change leaves no history line (the new keychain entry goes again).
    let stored = vault
        .store(&account, &plan.value)
        .and_then(|()| vault.get(&account));
    match stored {
        Ok(back) if back == plan.value => {}
        other => {
            change.abandon();
            let _ = vault.delete(&account);
            return Err(other.err().unwrap_or_else(|| {
                Error::Keychain(
                    "the keychain did not give the key back as stored; no config changed".into(),
                )
            }));
        }
    }
    let indexed = Index::new(&ctx.data_dir)
        .set(
            &plan.reference,
            Protected {
                credential: plan.credential.clone(),
                masked: plan.masked.clone(),
                provider: plan.provider.map(str::to_string),
                remote: plan
                    .files
                    .iter()
                    .flat_map(|f| f.converted.iter().cloned())
                    .collect(),
            },
        )
        .map_err(|e| Error::io(ctx.data_dir.join("protected.json"), e));
    if let Err(e) = indexed {
        change.abandon();
        let _ = vault.delete(&account);
        return Err(e);
    }
    let bin = plan.rekey_bin.clone();
    let value = plan.value.clone();
    let reference = plan.reference.clone();
    let mut files = apply_files(ctx, &plan.files, &Scrub(&plan.value), |loc, bytes| {
        protect_edits(loc, bytes, &value, &reference, &bin, &plan.via)
    });
    let older_backups =
        super::purge::after_protect(ctx, vault, &plan.reference, &plan.value, &mut files);
    change.finish(crate::change::Done {
        message: Some(format!("protected as {}{}", super::SCHEME, plan.reference)),
        ..crate::change::Done::of_files(&files)
    });
    Ok(Applied {
        reference: plan.reference.clone(),
        files,
        restart: plan.restart.clone(),
        notes: Vec::new(),
        older_backups,
    })
}
