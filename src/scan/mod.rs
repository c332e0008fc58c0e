//! Scanning MCP client configs for secrets: every file of every client, every server entry, every
//! slot; slots holding the same value are one credential.

mod cache;
mod entries;
mod exposed;
pub mod fingerprint;
mod notes;
pub mod outside;
pub mod refs;
pub mod slots;
mod walk;
pub use cache::ScanCache;
pub(crate) use entries::{pointer, pointer_keys};
pub use exposed::ExposureStats;
pub use notes::StaleRekey;
pub(crate) use notes::{RemoteServer, ServerNote};
pub(crate) use walk::slots_of;
use walk::walk_slots;

use crate::clients::{self, ClientId, Env, Format, Location, Scope};

use crate::Secret;

use fingerprint::Fingerprinter;
pub use outside::HeldElsewhere;
use serde::Serialize;
use slots::{Encoding, SlotKind, ValueState};
use std::collections::BTreeMap;
use std::ops::Range;
use std::path::PathBuf;
use ts_rs::TS;

/// The whole picture: `clients`, `files`, `credentials`, `held_elsewhere` (the stable JSON shape of
/// `rekey scan --json`).
#[derive(Serialize, TS)]
pub struct ScanReport {
    pub clients: Vec<ClientReport>,
    pub files: Vec<FileReport>,
    pub credentials: Vec<CredentialReport>,
    /// Places outside the configs Rekey rewrites that hold a key ([`outside`]).
    pub held_elsewhere: Vec<HeldElsewhere>,
    /// Counts for the overview: what is left in plaintext, what is protected.
    pub summary: Summary,
    /// Protected entries whose `rekey` (the `command` of `rekey exec --`) no longer exists or cannot run:
    /// their servers cannot start until Rekey is reinstalled or the entry is protected again.
    /// Protected entries whose `rekey` is gone (filled by the engine's joined scan, `Context::scan`).
    pub stale_rekey: Vec<StaleRekey>,
    /// What `replace` needs to edit: not serialized.
    #[serde(skip)]
    pub(crate) internal: Vec<SlotInternal>,
    /// The bytes scanned, per file index, for files that hold slots (a write re-checks against them).
    #[serde(skip)]
    pub(crate) contents: Vec<Option<std::sync::Arc<Vec<u8>>>>,
    /// Remote MCP servers (url + headers), for the post-rotation handshake. Holds secrets: never serialized.
    #[serde(skip)]
    pub(crate) remotes: Vec<RemoteServer>,
    /// What the entries say besides their secrets, for linking a key to its provider: their URLs (`url`,
    /// or an `args` element that is a URL) and the env vars providers ask for (`GITLAB_API_URL`). URLs
    /// may hold keys: never serialized.
    #[serde(skip)]
    pub(crate) notes: Vec<ServerNote>,
    /// The project folders scanned (those a client lists and Rekey's settings): their repositories'
    /// histories are searched for keys too (`Context::scan_exposure`).
    #[serde(skip)]
    pub(crate) projects: Vec<PathBuf>,
}

/// How many keys are still in plaintext in the configs, and how many usages are protected (`rekey://`).
#[derive(Debug, Clone, Default, Serialize, TS)]
pub struct Summary {
    /// Credentials with at least one literal usage (state `secret`) in a config.
    pub plaintext_keys: usize,
    /// Usages (slots) that hold a key literally (state `secret`).
    pub plaintext_usages: usize,
    /// Usages that hold a `rekey://` reference (state `reference`, "protected: in the keychain").
    pub protected_usages: usize,
    /// Keys tracked, committed or pushed in a git repository (0 until exposure is assessed).
    pub exposed_keys: usize,
}

/// Debug output holds no scanned bytes or remote entries (they hold keys); slots redact themselves.
impl std::fmt::Debug for ScanReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ScanReport")
            .field("clients", &self.clients)
            .field("files", &self.files)
            .field("credentials", &self.credentials)
            .field("held_elsewhere", &self.held_elsewhere)
            .field("summary", &self.summary)
            .field("stale_rekey", &self.stale_rekey)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Serialize, TS)]
pub struct ClientReport {
    pub id: ClientId,
    pub name: &'static str,
    /// At least one of its config files exists.
    pub installed: bool,
    pub files: usize,
    pub restart_hint: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum FileStatus {
    Ok,
    /// The file does not parse; it is never written.
    Invalid,
    /// It could not be read (permissions, not UTF-8, …).
    Unreadable,
}

#[derive(Debug, Serialize, TS)]
pub struct FileReport {
    pub path: PathBuf,
    pub client: ClientId,
    pub format: Format,
    pub scope: Scope,
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    pub status: FileStatus,
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// BLAKE3 hash of the bytes scanned (hex); a write re-checks the file against what was scanned.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hash: Option<String>,
    pub servers: Vec<ServerReport>,
    /// The entries that hold a string `exec` (see `walk::Walked::exec_entries`), with the byte span of
    /// the entry where the walk knows it (a JSON object).
    #[serde(skip)]
    #[ts(skip)]
    pub(crate) exec_entries: Vec<(String, Option<Range<usize>>)>,
}

#[derive(Debug, Serialize, TS)]
pub struct ServerReport {
    pub name: String,
    /// Claude Code local scope: the project path the entry belongs to.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    pub slots: Vec<SlotReport>,
}

#[derive(Debug, Clone, Serialize, TS)]
pub struct SlotReport {
    pub file: PathBuf,
    pub server: String,
    /// Claude Code local scope: the project (key of `projects` in `~/.claude.json`) the server belongs to.
    /// The same server name often appears under several projects of one file.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    /// Where the server entry is in the file, as parsed: a JSON pointer (RFC 6901) of its key path, scope
    /// included (`/projects/~1home~1me~1app/mcpServers/bitscale`; a TOML entry's logical path however it
    /// was written; a YAML list item's index). Edits of the entry act on this entry only.
    pub entry: String,
    pub kind: SlotKind,
    pub location: String,
    /// `sk-l…9f2c`; never the value.
    pub masked: String,
    #[serde(flatten)]
    pub state: ValueState,
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credential: Option<String>,
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<&'static str>,
    /// Where git stands on this usage's file and key (a file inside a work tree; filled by
    /// `Context::scan_exposure`, see [`crate::exposure`]).
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exposure: Option<crate::exposure::Exposure>,
}

#[derive(Debug, Serialize, TS)]
pub struct CredentialReport {
    /// The fingerprint of this value (`cred_…`): it changes when the key's value does. Commands take
    /// it, and keep taking it after a rotation as long as it names one key (see `key`).
    pub id: String,
    /// The key's id for life (`bitscale-1a2b3c4d`): it follows the key through rotations, replaces,
    /// protect and unprotect. Hold this one in scripts. (Set by `Context::scan`.)
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// The name the user gave the key, if any.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// This value is one the key had before: Rekey rotated or replaced it away (a config restored
    /// from a backup, a client that wrote its old copy back). It is most likely no longer valid.
    pub superseded: bool,
    pub masked: String,
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<&'static str>,
    pub usages: usize,
    pub slots: Vec<SlotReport>,
    /// The most serious exposure of the key: of its usages, and of every history it was found in.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exposure: Option<crate::exposure::Exposure>,
}

/// Where exactly a secret sits, for editing.
#[derive(Debug, Clone)]
pub(crate) struct SlotInternal {
    pub file: usize,
    /// Byte span of the whole string token in the file.
    pub token: Range<usize>,
    /// Byte range of the secret inside the decoded string.
    pub range: Range<usize>,
    pub encoding: Encoding,
    pub value: Secret,
    pub report: SlotReport,
}

/// Options of a scan.
pub struct ScanOptions {
    pub env: Env,
    /// Extra project folders (from Rekey's settings) besides those Claude Code lists.
    pub project_folders: Vec<PathBuf>,
    pub fingerprinter: Fingerprinter,
}

/// Scan every client's user files, then project files in known project folders.
pub fn scan(opts: &ScanOptions) -> ScanReport {
    scan_with(opts, None)
}

/// [`scan`], re-using what an earlier scan with the same `cache` found in a file whose bytes are exactly
/// the ones it walked (see [`ScanCache`]).
pub fn scan_with(opts: &ScanOptions, cache: Option<&ScanCache>) -> ScanReport {
    let mut report = ScanReport {
        clients: Vec::new(),
        files: Vec::new(),
        credentials: Vec::new(),
        held_elsewhere: Vec::new(),
        summary: Summary::default(),
        stale_rekey: Vec::new(),
        internal: Vec::new(),
        contents: Vec::new(),
        remotes: Vec::new(),
        notes: Vec::new(),
        projects: Vec::new(),
    };
    let mut projects: Vec<PathBuf> = opts.project_folders.clone();
    let mut seen = std::collections::HashSet::new();
    for client in clients::all() {
        let mut locations = client.user_locations(&opts.env);
        locations.retain(|l| seen.insert(l.path.clone()));
        for loc in locations {
            if crate::edit::read::is_regular(&loc.path) {
                scan_file(&mut report, *client, loc, &mut projects, cache);
            }
        }
    }
    projects.sort();
    projects.dedup();
    for project in &projects {
        if !project.is_dir() {
            continue;
        }
        for client in clients::all() {
            for loc in client.project_locations(project) {
                if crate::edit::read::is_regular(&loc.path) && seen.insert(loc.path.clone()) {
                    scan_file(&mut report, *client, loc, &mut Vec::new(), cache);
                }
            }
        }
    }
    for client in clients::all() {
        let files = report
            .files
            .iter()
            .filter(|f| f.client == client.id())
            .count();
        report.clients.push(ClientReport {
            id: client.id(),
            name: client.name(),
            installed: files > 0 || client.config_dirs(&opts.env).iter().any(|d| d.is_dir()),
            files,
            restart_hint: client.restart_hint(),
        });
    }
    assign_credentials(&mut report, &opts.fingerprinter);
    report.summary = Summary {
        plaintext_keys: report.credentials.len(),
        plaintext_usages: report
            .internal
            .iter()
            .filter(|s| s.report.state == ValueState::Secret)
            .count(),
        protected_usages: report
            .internal
            .iter()
            .filter(|s| refs::reference_id(s.value.expose()).is_some())
            .count(),
        exposed_keys: 0,
    };
    report.held_elsewhere = outside::held_elsewhere(&opts.env, &opts.fingerprinter, &report);
    report.projects = projects;
    report
}

fn scan_file(
    report: &mut ScanReport,
    client: &dyn clients::Client,
    loc: Location,
    projects: &mut Vec<PathBuf>,
    cache: Option<&ScanCache>,
) {
    let mut file = FileReport {
        path: loc.path.clone(),
        client: loc.client,
        format: loc.format,
        scope: loc.scope,
        variant: loc.variant.clone(),
        status: FileStatus::Ok,
        error: None,
        hash: None,
        servers: Vec::new(),
        exec_entries: Vec::new(),
    };
    if let Some(hit) = cache.and_then(|c| c.lookup(&loc.path)) {
        file.hash = Some(hit.hash);
        projects.extend(hit.projects);
        record(report, file, hit.walked, hit.bytes);
        return;
    }
    let bytes = match crate::edit::read::read(&loc.path) {
        Ok(b) => b,
        Err(e) => {
            file.status = FileStatus::Unreadable;
            file.error = Some(e.to_string());
            report.files.push(file);
            report.contents.push(None);
            return;
        }
    };
    // A big file is hashed on a second core, which also checks the second half of the UTF-8, while this
    // core checks the first half and then walks the text.
    let bytes = std::sync::Arc::new(bytes);
    let mut hashing = None;
    let utf8 = if bytes.len() > 4 << 20 {
        let split = utf8_split_point(&bytes);
        let shared = std::sync::Arc::clone(&bytes);
        let (tx, rx) = std::sync::mpsc::channel();
        hashing = Some(std::thread::spawn(move || {
            let _ = tx.send(
                simdutf8::compat::from_utf8(&shared[split..])
                    .map(|_| ())
                    .map_err(|e| split + e.valid_up_to()),
            );
            crate::edit::atomic::content_hash(&shared)
        }));
        simdutf8::compat::from_utf8(&bytes[..split])
            .map_err(|e| e.valid_up_to())
            .and_then(|_| rx.recv().unwrap_or(Err(split)))
            // SAFETY: both halves are valid UTF-8 and the split is at a character boundary (not a
            // continuation byte), so the whole is valid UTF-8.
            .map(|()| unsafe { std::str::from_utf8_unchecked(&bytes) })
    } else {
        file.hash = Some(crate::edit::atomic::content_hash(&bytes));
        simdutf8::compat::from_utf8(&bytes).map_err(|e| e.valid_up_to())
    };
    let joined = |file: &mut FileReport, hashing: &mut Option<std::thread::JoinHandle<String>>| {
        if let Some(h) = hashing.take() {
            file.hash = Some(h.join().expect("hashing does not panic"));
        }
    };
    let text = match utf8 {
        Ok(t) => t,
        Err(valid_up_to) => {
            file.status = FileStatus::Unreadable;
            file.error = Some(format!("not UTF-8 text (byte {valid_up_to})"));
            joined(&mut file, &mut hashing);
            report.files.push(file);
            report.contents.push(None);
            return;
        }
    };
    let file_idx = report.files.len();
    let listed = projects.len();
    let result = walk_slots(client, &loc, text, file_idx, projects);
    let walked = match result {
        Ok(w) => w,
        Err(e) => {
            file.status = FileStatus::Invalid;
            file.error = Some(format!("does not parse: {e}"));
            joined(&mut file, &mut hashing);
            report.files.push(file);
            report.contents.push(None);
            return;
        }
    };
    joined(&mut file, &mut hashing);
    if let (Some(cache), Some(hash), false, true) =
        (cache, &file.hash, walked.found.is_empty(), walked.cacheable)
    {
        cache.insert(&loc.path, &bytes, hash, &walked, &projects[listed..]);
    }
    record(report, file, walked, bytes);
}

/// Add one parsed file and what its walk found to the report (its bytes are kept when it has slots).
fn record(
    report: &mut ScanReport,
    mut file: FileReport,
    walked: walk::Walked,
    bytes: std::sync::Arc<Vec<u8>>,
) {
    let file_idx = report.files.len();
    let walk::Walked {
        found,
        remote,
        notes,
        exec_entries,
        entry_spans,
        cacheable: _,
    } = walked;
    file.exec_entries = exec_entries
        .into_iter()
        .map(|e| {
            // Two members of one name on the way to the entry: no span (the whole file's parse, which
            // refuses such a file, decides).
            let mut spans = entry_spans.iter().filter(|(p, _)| *p == e);
            let span = match (spans.next(), spans.next()) {
                (Some((_, s)), None) => Some(s.clone()),
                _ => None,
            };
            (e, span)
        })
        .collect();
    let loc_path = file.path.clone();
    let has_slots = !found.is_empty();
    for (key, name, value) in notes {
        report.notes.push(ServerNote {
            file: loc_path.clone(),
            server: key.split('\u{0}').nth(1).unwrap_or("").to_string(),
            name,
            value,
        });
    }
    for (key, url, headers) in remote {
        if let Some(url) = url.filter(|u| u.starts_with("http://") || u.starts_with("https://")) {
            let server = key.split('\u{0}').nth(1).unwrap_or("").to_string();
            report.remotes.push(RemoteServer {
                file: loc_path.clone(),
                server,
                url,
                headers,
            });
        }
    }
    for (server, project, mut slot) in found {
        slot.file = file_idx;
        let entry = match file
            .servers
            .iter_mut()
            .find(|s| s.name == server && s.project == project)
        {
            Some(e) => e,
            None => {
                file.servers.push(ServerReport {
                    name: server.clone(),
                    project: project.clone(),
                    slots: Vec::new(),
                });
                file.servers.last_mut().unwrap()
            }
        };
        entry.slots.push(slot.report.clone());
        report.internal.push(slot);
    }
    report.files.push(file);
    report.contents.push(has_slots.then_some(bytes));
}

/// A point near the middle of `bytes` that is not inside a UTF-8 sequence (not a continuation byte), so
/// the two halves can be validated separately.
fn utf8_split_point(bytes: &[u8]) -> usize {
    let mut at = bytes.len() / 2;
    while at > 0 && (bytes[at] & 0xc0) == 0x80 {
        at -= 1;
    }
    at
}

/// Guess the provider of a key from its slot's name, the string it sits in and its shape: the first
/// provider whose [`Provider::detects`](crate::providers::Provider::detects) says yes.
pub fn guess_provider(name: &str, value: &str, key: &str) -> Option<&'static str> {
    let hint = crate::providers::KeyHint { name, value, key };
    crate::providers::all()
        .iter()
        .find(|p| p.detects(&hint))
        .map(|p| p.id())
}

impl ScanReport {
    /// The value of a credential, for the engine's own use (rotation). Never serialized.
    pub(crate) fn secret_of(&self, credential: &str) -> Option<Secret> {
        self.internal
            .iter()
            .find(|s| {
                s.report.credential.as_deref() == Some(credential)
                    && s.report.state == ValueState::Secret
            })
            .map(|s| s.value.clone())
    }
}

/// Assign credential ids (keyed fingerprints) and build the credential list.
fn assign_credentials(report: &mut ScanReport, fp: &Fingerprinter) {
    let mut by_id: BTreeMap<String, CredentialReport> = BTreeMap::new();
    for slot in report.internal.iter_mut() {
        if slot.report.state != ValueState::Secret {
            continue;
        }
        let id = fp.id(slot.value.expose());
        slot.report.credential = Some(id.clone());
        let c = by_id.entry(id.clone()).or_insert_with(|| CredentialReport {
            id: id.clone(),
            key: None,
            name: None,
            superseded: false,
            masked: slot.value.masked(),
            provider: None,
            usages: 0,
            slots: Vec::new(),
            exposure: None,
        });
        c.usages += 1;
        c.provider = c.provider.or(slot.report.provider);
        c.slots.push(slot.report.clone());
    }
    // Mirror the ids into the per-file view.
    for file in report.files.iter_mut() {
        for server in file.servers.iter_mut() {
            for s in server.slots.iter_mut() {
                if let Some(i) = report.internal.iter().find(|i| {
                    i.report.file == s.file
                        && i.report.server == server.name
                        && i.report.location == s.location
                }) {
                    s.credential = i.report.credential.clone();
                }
            }
        }
    }
    report.credentials = by_id.into_values().collect();
}

#[cfg(test)]
mod hostile_tests;
