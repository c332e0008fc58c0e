//! Restore a backup, as a change of every key the file holds (see `crate::change`): a plan that says what
//! the copy brings back, with a warning for each value in it that Rekey rotated or replaced away (it most
//! likely no longer works, and the client would run on a dead key); the keys' locks; the file checked
//! against the plan under them; the current content backed up first; an atomic, locked write; the
//! history. The write is recorded as Rekey's own, so the watcher does not take it for a client that
//! removed servers.

use crate::change::{self, keys::Keys, Done, Kind, Step};
use crate::clients::Location;
use crate::context::Context;
use crate::edit::backup::BackupEntry;
use crate::{Error, Result};
use serde::Serialize;
use std::path::{Path, PathBuf};
use ts_rs::TS;

/// What a restore would do, shown before the user confirms.
#[derive(Debug, Clone, Serialize, TS)]
pub struct RestorePlan {
    pub backup: BackupEntry,
    /// One line per value of the copy that Rekey rotated or replaced away (never the value).
    pub warnings: Vec<String>,
    /// The keys (ids for life) the file holds now or the copy holds: their changes wait for this one.
    pub keys: Vec<String>,
    /// The credential ids whose locks the restore takes.
    #[serde(skip)]
    credentials: Vec<String>,
    /// A digest of what the plan showed: the file's content when planned and the warnings (`None`: the
    /// file does not exist now). The app sends it back with the confirmation, so a file that changed, or
    /// a warning that appeared, while the user looked is not restored over.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current: Option<String>,
    /// The hash of the file's content when planned.
    #[serde(skip)]
    file_hash: Option<String>,
}

/// Plan restoring backup `id`.
pub fn plan_restore(ctx: &Context, id: &str) -> Result<RestorePlan> {
    let backups = ctx.backups();
    let (entry, bytes) = backups
        .get(id)
        .map_err(|e| Error::InvalidInput(format!("backup {id}: {e}")))?;
    let current = match crate::edit::read::read(&entry.original) {
        Ok(b) => Some(crate::edit::atomic::content_hash(&b)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(Error::io(&entry.original, e)),
    };
    let report = ctx.scan()?;
    let fp = crate::scan::fingerprint::Fingerprinter::load_or_create(&ctx.data_dir)
        .map_err(|e| Error::io(&ctx.data_dir, e))?;
    let registry = Keys::new(&ctx.data_dir);
    let mut credentials: Vec<String> = Vec::new();
    let mut warnings = Vec::new();
    // The file's keys now, and the way the scan reads this client's file (a file it does not list now,
    // a project folder dropped from the settings, is read the way each client would read it).
    let listed = report
        .files
        .iter()
        .position(|f| same_file(&f.path, &entry.original));
    let locations: Vec<Location> = match listed {
        Some(i) => {
            for s in report.internal.iter().filter(|s| s.file == i) {
                if let Some(c) = &s.report.credential {
                    credentials.push(c.clone());
                }
            }
            let f = &report.files[i];
            vec![Location {
                client: f.client,
                path: f.path.clone(),
                format: f.format,
                scope: f.scope,
                variant: f.variant.clone(),
            }]
        }
        None => guessed_locations(&entry.original),
    };
    let vault = crate::vault::Vault::default();
    let mut seen_values: Vec<crate::Secret> = Vec::new();
    let mut seen_refs: Vec<String> = Vec::new();
    for loc in &locations {
        let Ok(slots) = crate::scan::slots_of(loc, &bytes) else {
            continue;
        };
        for s in &slots {
            // A reference whose keychain entry is gone (Unprotect deleted it): its server would fail.
            if let Some(r) = crate::scan::refs::reference_id(s.value.expose()) {
                if seen_refs.iter().any(|x| x == r) {
                    continue;
                }
                seen_refs.push(r.to_string());
                // The reference's key: its changes (an unprotect deleting the entry) wait for this one.
                if let Some(p) = crate::protect::index::Index::new(&ctx.data_dir)
                    .all()
                    .ok()
                    .and_then(|all| all.get(r).cloned())
                {
                    credentials.push(p.credential);
                }
                if vault
                    .get(&crate::protect::account_of(r))
                    .is_err_and(|e| e.code() == "keychain_entry_missing")
                {
                    warnings.push(format!(
                        "server {} ({}) would use {}{r}, whose keychain entry is gone (the key was unprotected or removed since): that server would fail to start until the key is protected again",
                        s.report.server,
                        s.report.location,
                        crate::scan::refs::SCHEME
                    ));
                }
                continue;
            }
            if s.report.state != crate::scan::slots::ValueState::Secret
                || seen_values.contains(&s.value)
            {
                continue;
            }
            seen_values.push(s.value.clone());
            let cred = fp.id(s.value.expose());
            if let Ok(Some(r)) = registry.resolve(&cred) {
                if r.credential != cred {
                    warnings.push(format!(
                        "server {} ({}) would get back an old value of key {} ({}) that Rekey rotated or replaced: it most likely no longer works, and that server would fail until the key is changed again",
                        s.report.server,
                        s.report.location,
                        r.key,
                        s.value.masked()
                    ));
                    credentials.push(r.credential.clone());
                }
            }
            credentials.push(cred);
        }
    }
    credentials.sort();
    credentials.dedup();
    let mut keys: Vec<String> = credentials
        .iter()
        .filter_map(|c| change::key_of(ctx, c))
        .collect();
    keys.sort();
    keys.dedup();
    let digest = current.as_ref().map(|h| {
        let mut d = blake3::Hasher::new();
        d.update(h.as_bytes());
        for w in &warnings {
            d.update(b"\n");
            d.update(w.as_bytes());
        }
        d.finalize().to_hex().to_string()
    });
    Ok(RestorePlan {
        backup: entry,
        warnings,
        keys,
        credentials,
        current: digest,
        file_hash: current,
    })
}

/// How the clients that keep a file of this name would read it: a location per client and format the
/// file's extension allows (JSON also as JSONC), for a backup of a file the scan does not list now.
fn guessed_locations(path: &Path) -> Vec<Location> {
    use crate::clients::{Format, Scope};
    let formats: &[Format] = match path.extension().and_then(|e| e.to_str()) {
        Some("toml") => &[Format::Toml],
        Some("yaml" | "yml") => &[Format::Yaml],
        _ => &[Format::Jsonc],
    };
    crate::clients::all()
        .iter()
        .flat_map(|c| {
            formats.iter().map(|f| Location {
                client: c.id(),
                path: path.to_path_buf(),
                format: *f,
                scope: Scope::User,
                variant: None,
            })
        })
        .collect()
}

fn same_file(a: &Path, b: &Path) -> bool {
    a == b
        || matches!((std::fs::canonicalize(a), std::fs::canonicalize(b)), (Ok(x), Ok(y)) if x == y)
}

/// Restore backup `id` as confirmed by someone who saw the plan whose digest (`RestorePlan::current`: the
/// file's content and the warnings) was `seen` (the app: the plan shown and the confirmation are two
/// calls). Refused with `plan_changed` when the file changed or a warning appeared since.
pub fn restore_seen(ctx: &Context, id: &str, seen: Option<&str>) -> Result<BackupEntry> {
    let plan = plan_restore(ctx, id)?;
    if plan.current.as_deref() != seen {
        return Err(Error::PlanChanged(format!(
            "{} or what restoring it means changed since you looked at the restore (see its warnings now); nothing changed",
            plan.backup.original.display()
        )));
    }
    apply_restore(ctx, &plan)
}

/// Restore a confirmed plan. Refused with `plan_changed` when the file changed since the plan.
pub fn apply_restore(ctx: &Context, plan: &RestorePlan) -> Result<BackupEntry> {
    let creds: Vec<&str> = plan.credentials.iter().map(String::as_str).collect();
    let path = plan.backup.original.clone();
    let change = change::begin(ctx, Kind::Restore, &creds, "", std::slice::from_ref(&path))?;
    // The plan again, under the locks: a warning the user did not see (the copy's key rotated away, a
    // reference's entry deleted since) refuses the restore, as a changed file does.
    match plan_restore(ctx, &plan.backup.id) {
        Ok(fresh) => {
            if let Some(w) = fresh.warnings.iter().find(|w| !plan.warnings.contains(w)) {
                change.abandon();
                return Err(Error::PlanChanged(format!(
                    "since you looked at the restore: {w}; nothing changed, look at it again"
                )));
            }
        }
        Err(e) => {
            change.abandon();
            return Err(e);
        }
    }
    let backups = ctx.backups();
    let (entry, bytes) = match backups.get(&plan.backup.id) {
        Ok(b) => b,
        Err(e) => {
            change.abandon();
            return Err(Error::InvalidInput(format!(
                "backup {}: {e}",
                plan.backup.id
            )));
        }
    };
    let now = match crate::edit::read::read(&path) {
        Ok(b) => Some(b),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => {
            change.abandon();
            return Err(Error::io(&path, e));
        }
    };
    let now_hash = now.as_deref().map(crate::edit::atomic::content_hash);
    if now_hash != plan.file_hash {
        change.abandon();
        return Err(Error::PlanChanged(format!(
            "{} changed since you looked at the restore; nothing changed",
            path.display()
        )));
    }
    let Some(now) = now else {
        change.abandon();
        return Err(Error::InvalidInput(format!(
            "{} does not exist any more; nothing changed",
            path.display()
        )));
    };
    let expected = crate::edit::atomic::Expected::hash(crate::edit::atomic::content_hash(&now));
    let written = crate::edit::atomic::replace_file(&path, &expected, &backups, |old| {
        Ok(crate::edit::atomic::Splice::whole(old.len(), bytes.clone()))
    });
    match written {
        Ok(_) => {
            OwnWrites::new(&ctx.data_dir).record(&path, &entry.hash);
            let mut message = format!("restored from backup {} ({})", entry.id, entry.created);
            for w in &plan.warnings {
                message.push_str("; ");
                message.push_str(w);
            }
            change.finish(Done {
                step: Step::Written,
                written: vec![path],
                message: Some(message),
                ..Default::default()
            });
            Ok(entry)
        }
        Err(e) => {
            change.finish(Done {
                step: Step::Failed,
                message: Some(format!("restore of backup {} failed: {e}", entry.id)),
                ..Default::default()
            });
            Err(Error::InvalidInput(e.to_string()))
        }
    }
}

/// The content Rekey itself last put in a config by replacing it whole (a restore): the watcher asks
/// before it says a client removed servers. `own-writes.json`, newest 64 kept.
pub struct OwnWrites {
    path: PathBuf,
}

#[derive(Debug, Clone, Default, Serialize, serde::Deserialize)]
struct OwnWrite {
    path: PathBuf,
    hash: String,
}

impl OwnWrites {
    pub fn new(data_dir: &Path) -> Self {
        OwnWrites {
            path: data_dir.join("own-writes.json"),
        }
    }

    fn record(&self, file: &Path, hash: &str) {
        let _ = crate::datafile::update_json(&self.path, |all: &mut Vec<OwnWrite>| {
            all.retain(|w| w.path != file);
            all.push(OwnWrite {
                path: file.to_path_buf(),
                hash: hash.to_string(),
            });
            let n = all.len();
            if n > 64 {
                all.drain(..n - 64);
            }
        });
    }

    /// Did Rekey itself write `file` with content of this hash (the last time it replaced it whole)?
    pub fn wrote(&self, file: &Path, hash: &str) -> bool {
        crate::datafile::read_json::<Vec<OwnWrite>>(&self.path)
            .unwrap_or_default()
            .iter()
            .any(|w| w.path == file && w.hash == hash)
    }
}

/// What a client's own rewrite removed between two scans ([`crate::live::lost_servers`]), leaving out the
/// files whose content now is what Rekey itself put there (a restore the user chose): Rekey's own writes
/// never raise the "a client removed servers" banner.
pub fn lost_by_clients(
    ctx: &Context,
    before: &crate::scan::ScanReport,
    now: &crate::scan::ScanReport,
) -> Vec<crate::live::Lost> {
    let own = OwnWrites::new(&ctx.data_dir);
    crate::live::lost_servers(before, now, &ctx.backups())
        .into_iter()
        .filter(|l| {
            !now.files.iter().any(|f| {
                f.path == l.path && f.hash.as_deref().is_some_and(|h| own.wrote(&f.path, h))
            })
        })
        .collect()
}
