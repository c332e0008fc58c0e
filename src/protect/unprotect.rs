//! Unprotect: the key comes back from the keychain into every usage of its reference, and an entry that
//! holds no other reference stops going through `rekey exec`. An entry that did not change since Protect
//! is byte-identical to what it was before.

use super::files::{
    apply_files, by_entry, literal_for, location_of, restart_of, value_edit, Scrub,
};
use super::index::Index;
use super::plan::{Applied, Edits, FileChange, Usage};
use super::remote::{self, Converted};
use super::wrap;
use crate::clients::Location;
use crate::context::Context;
use crate::vault::Vault;
use crate::{Error, Result, Secret};
use serde::Serialize;
use ts_rs::TS;

/// Everything `rekey unprotect` (and the app's Unprotect) shows before it asks.
#[derive(Debug, Serialize, TS)]
pub struct UnprotectPlan {
    /// The reference ids whose usages go back to the literal key.
    pub references: Vec<String>,
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credential: Option<String>,
    pub masked: String,
    pub files: Vec<FileChange>,
    pub restart: Vec<(String, String)>,
    #[serde(skip)]
    values: Vec<(String, Secret)>,
    /// The remote entries Protect ran through mcp-remote, for each reference.
    #[serde(skip)]
    converted: Vec<Converted>,
}

/// Unprotect's edits of one file for reference `id` holding `value`; an entry `converted` names that did
/// not change since goes back to its URL.
fn unprotect_edits(
    loc: &Location,
    bytes: &[u8],
    id: &str,
    value: &Secret,
    converted: &[Converted],
) -> std::result::Result<Edits, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "the file is not UTF-8 text".to_string())?;
    let slots = crate::scan::slots_of(loc, bytes)?;
    let reference = format!("{}{id}", super::SCHEME);
    let mut out = Edits::default();
    for (at, found) in by_entry(&slots, |s| s.value.expose() == reference) {
        let (server, project) = (at.server.clone(), at.project.clone());
        let label = match &project {
            Some(p) => format!("{server} (project {p})"),
            None => server.clone(),
        };
        if let Some(why) = super::locate::ambiguity(loc.format, text, &at.keys) {
            return Err(format!(
                "the entry of server {label} cannot be changed: {why}"
            ));
        }
        for s in &found {
            let literal = literal_for(text, &s.token, &s.range, value);
            out.edits
                .push(value_edit(loc.format, text, &s.token, &s.range, &literal)?);
            out.usages.push(Usage {
                server: server.clone(),
                project: project.clone(),
                entry: at.pointer.clone(),
                location: s.report.location.clone(),
                before: reference.clone(),
                after: value.masked(),
            });
        }
        // Another reference still in this entry needs the wrapper.
        let others = slots.iter().any(|s| {
            s.report.entry == at.pointer
                && super::index::reference_id(s.value.expose()).is_some_and(|o| o != id)
        });
        if others {
            continue;
        }
        // (A record from before Rekey kept the entry's location names its server: its hash tells
        // whether this entry is the one converted.)
        let record = converted.iter().find(|c| {
            c.file == loc.path
                && match &c.entry {
                    Some(e) => *e == at.pointer,
                    None => c.server == server && c.project == project,
                }
        });
        if let Some(undo) =
            record.and_then(|r| remote::restore(loc.format, text, &at.keys, r, id, value))
        {
            // A piece that goes back whole (headers that went inline as `args`) brings the key back
            // itself: the reference's own edit inside it is dropped.
            out.edits
                .retain(|(r, _)| !undo.iter().any(|(u, _)| r.start < u.end && u.start < r.end));
            out.edits.extend(undo);
            out.mcp_remote.push(label);
            continue;
        }
        let shape = wrap::shape(loc.format, text, &at.keys);
        if let Some(edits) = wrap::unwrap(text, &shape) {
            out.edits.extend(edits);
            out.commands.push(label);
        }
    }
    out.edits = wrap::sorted(std::mem::take(&mut out.edits))?;
    let new = wrap::apply_edits(bytes, &out.edits);
    let after = crate::scan::slots_of(loc, &new)
        .map_err(|e| format!("internal error: the edited file would not be valid ({e})"))?;
    if after.iter().any(|s| s.value.expose() == reference) {
        return Err("internal error: a usage would still hold the reference".into());
    }
    Ok(out)
}

/// The references `what` names: a reference id (`bitscale-1a2b3c` or `rekey://bitscale-1a2b3c`), or a
/// credential id whose key is protected.
fn references_of(
    ctx: &Context,
    report: &crate::scan::ScanReport,
    what: &str,
) -> Result<Vec<String>> {
    let what = what.strip_prefix(super::SCHEME).unwrap_or(what);
    // A key id for life (or an older credential id of the key) names its credential now.
    let resolved = ctx.resolve(what);
    let what = resolved.as_str();
    let index = Index::new(&ctx.data_dir);
    let io = |e| Error::io(ctx.data_dir.join("protected.json"), e);
    let all = index.all().map_err(io)?;
    if all.contains_key(what) {
        return Ok(vec![what.to_string()]);
    }
    let refs = index.refs_of(what).map_err(io)?;
    if !refs.is_empty() {
        return Ok(refs);
    }
    // A reference this Rekey did not record (a config copied from elsewhere) but the configs use.
    let used = report
        .internal
        .iter()
        .any(|s| super::index::reference_id(s.value.expose()) == Some(what));
    if used {
        return Ok(vec![what.to_string()]);
    }
    Err(Error::UnknownCredential(what.to_string()))
}

/// Plan unprotecting `what` (a reference id or a credential id).
pub fn plan_unprotect(ctx: &Context, vault: &Vault, what: &str) -> Result<UnprotectPlan> {
    let report = ctx.scan()?;
    let references = references_of(ctx, &report, what)?;
    let mut values = Vec::new();
    for id in &references {
        values.push((id.clone(), vault.get(&super::account_of(id))?));
    }
    let index = Index::new(&ctx.data_dir).all().unwrap_or_default();
    let converted: Vec<Converted> = references
        .iter()
        .filter_map(|r| index.get(r))
        .flat_map(|p| p.remote.iter().cloned())
        .collect();
    let mut files = Vec::new();
    for (i, f) in report.files.iter().enumerate() {
        let (Some(hash), Some(bytes)) = (f.hash.clone(), report.contents.get(i).cloned().flatten())
        else {
            continue;
        };
        let holds = report.internal.iter().any(|s| {
            s.file == i
                && super::index::reference_id(s.value.expose())
                    .is_some_and(|id| references.iter().any(|r| r == id))
        });
        if !holds {
            continue;
        }
        let loc = location_of(&f.path, f.client, f.format, f.variant.clone());
        let e = edits_all(&loc, &bytes, &values, &converted).map_err(|why| {
            Error::InvalidInput(format!("{}: {why}; nothing changed", f.path.display()))
        })?;
        if !e.usages.is_empty() {
            files.push(FileChange {
                path: f.path.clone(),
                client: f.client,
                format: f.format,
                usages: e.usages,
                commands: e.commands,
                mcp_remote: e.mcp_remote,
                converted: Vec::new(),
                hash,
                scanned: Some(bytes),
                variant: f.variant.clone(),
            });
        }
    }
    if files.is_empty() {
        return Err(Error::InvalidInput(format!(
            "no config uses {}; nothing changed",
            references
                .iter()
                .map(|r| format!("{}{r}", super::SCHEME))
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let credential = Index::new(&ctx.data_dir)
        .all()
        .ok()
        .and_then(|all| all.get(&references[0]).map(|p| p.credential.clone()));
    Ok(UnprotectPlan {
        masked: values[0].1.masked(),
        references,
        credential,
        restart: restart_of(&files),
        files,
        values,
        converted,
    })
}

/// The edits of every reference of the plan in one file (one after the other on the edited bytes would
/// shift positions: each reference's edits are made on the original bytes, and must not overlap).
fn edits_all(
    loc: &Location,
    bytes: &[u8],
    values: &[(String, Secret)],
    converted: &[Converted],
) -> std::result::Result<Edits, String> {
    let mut all = Edits::default();
    for (id, value) in values {
        let e = unprotect_edits(loc, bytes, id, value, converted)?;
        all.edits.extend(e.edits);
        all.usages.extend(e.usages);
        all.commands.extend(e.commands);
        all.mcp_remote.extend(e.mcp_remote);
    }
    all.edits = wrap::sorted(all.edits)?;
    Ok(all)
}

/// Run a confirmed plan, as a change of the key (see `crate::change`): the key's lock, then the plan's
/// meaning checked again under it (each reference's keychain entry still holds the key the plan read: a
/// rotation that ran while the user looked at the plan put a new key there, and writing the old one back
/// would put a dead key in every config), then the writes. A reference no config uses any more is
/// forgotten (its keychain and index entries deleted), unless a config that cannot be read or parsed may
/// still use it: then the entry is kept and the outcome says why.
pub fn apply_unprotect(ctx: &Context, vault: &Vault, plan: &UnprotectPlan) -> Result<Applied> {
    let fp = crate::scan::fingerprint::Fingerprinter::load_or_create(&ctx.data_dir)
        .map_err(|e| Error::io(&ctx.data_dir, e))?;
    let credentials: Vec<String> = plan.values.iter().map(|(_, v)| fp.id(v.expose())).collect();
    let creds: Vec<&str> = credentials.iter().map(String::as_str).collect();
    let paths: Vec<std::path::PathBuf> = plan.files.iter().map(|f| f.path.clone()).collect();
    let provider = Index::new(&ctx.data_dir)
        .all()
        .ok()
        .and_then(|all| {
            all.get(&plan.references[0])
                .and_then(|p| p.provider.clone())
        })
        .unwrap_or_default();
    let change = crate::change::begin(
        ctx,
        crate::change::Kind::Unprotect,
        &creds,
        &provider,
        &paths,
    )?;
    for (id, value) in &plan.values {
        let why = match vault.get(&super::account_of(id)) {
            Ok(v) if v == *value => continue,
            Ok(_) => {
                "no longer holds the key this plan puts back (a rotation of the key ran meanwhile?)"
            }
            Err(e) if e.code() == "keychain_entry_missing" => {
                "is gone (another unprotect ran meanwhile?)"
            }
            // The keychain could not be read (locked): that is the error, not a changed plan.
            Err(e) => {
                change.abandon();
                return Err(e);
            }
        };
        change.abandon();
        return Err(Error::PlanChanged(format!(
            "the keychain entry of {}{id} {why}; nothing changed, plan again",
            super::SCHEME
        )));
    }
    let scrub_value = plan.values[0].1.clone();
    let files = apply_files(ctx, &plan.files, &Scrub(&scrub_value), |loc, bytes| {
        edits_all(loc, bytes, &plan.values, &plan.converted)
    });
    let mut notes = Vec::new();
    match ctx.scan() {
        Ok(report) => {
            for id in &plan.references {
                match still_used(&report, id) {
                    None => {
                        let _ = vault.delete(&super::account_of(id));
                        let _ = Index::new(&ctx.data_dir).remove(id);
                    }
                    Some(why) => notes.push(format!(
                        "the keychain entry of {}{id} is kept: {why}",
                        super::SCHEME
                    )),
                }
            }
        }
        Err(e) => notes.push(format!(
            "the keychain entries are kept: the configs could not be scanned again ({e})"
        )),
    }
    let failed = files.iter().filter(|f| !f.ok).count();
    change.finish(crate::change::Done {
        step: if failed == 0 {
            crate::change::Step::Written
        } else {
            crate::change::Step::Incomplete
        },
        written: files
            .iter()
            .filter(|f| f.ok)
            .map(|f| f.path.clone())
            .collect(),
        message: Some(
            std::iter::once(format!(
                "unprotected {}",
                plan.references
                    .iter()
                    .map(|r| format!("{}{r}", super::SCHEME))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
            .chain(notes.iter().cloned())
            .collect::<Vec<_>>()
            .join("; "),
        ),
        ..Default::default()
    });
    Ok(Applied {
        reference: plan.references.join(", "),
        files,
        restart: plan.restart.clone(),
        notes,
        older_backups: Vec::new(),
    })
}

/// Why reference `id` may still be in use after an unprotect: a config uses it, or a config that does not
/// parse or cannot be read holds its text (or may: it cannot be read). `None`: no config uses it.
fn still_used(report: &crate::scan::ScanReport, id: &str) -> Option<String> {
    if report
        .internal
        .iter()
        .any(|s| super::index::reference_id(s.value.expose()) == Some(id))
    {
        return Some("a config still uses it".into());
    }
    let needle = format!("{}{id}", super::SCHEME);
    for (i, f) in report.files.iter().enumerate() {
        if f.status == crate::scan::FileStatus::Ok {
            continue;
        }
        let holds = match report.contents.get(i).and_then(|c| c.as_ref()) {
            Some(bytes) => contains(bytes, needle.as_bytes()),
            // Bytes the scan did not keep: read them (a special file or one too large counts as "may").
            None => crate::edit::read::read(&f.path)
                .map(|b| contains(&b, needle.as_bytes()))
                .unwrap_or(true),
        };
        if holds {
            return Some(format!(
                "{} does not parse (or cannot be read) and may still use it; fix the file, then run `rekey unprotect {id}` again",
                f.path.display()
            ));
        }
    }
    None
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && memchr::memmem::find(hay, needle).is_some()
}
