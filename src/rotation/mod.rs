//! The rotate transaction: plan → confirm (the caller's job) → journal → call the provider once → keep
//! the new secret in the keychain first → rewrite every config → verify → audit. And recovery.

pub mod journal;
pub mod store;

use crate::clients;
use crate::context::Context;
use crate::providers::{self, Http, Link, ProviderError, RotateRequest};
use crate::replace::{self, FileResult, ReplacePlan};
use crate::scan::ScanReport;
use crate::vault::Vault;
use crate::{Error, Result, Secret};
use journal::{Entry, FileState, Journal, Step};
use serde::Serialize;
use std::collections::HashMap;
use std::time::Duration;
use store::{Audit, Links};

/// Keychain account names.
pub fn admin_account(provider: &str, account: Option<&str>) -> String {
    format!("admin:{provider}:{}", account.unwrap_or("default"))
}
pub fn credential_account(credential: &str) -> String {
    format!("credential:{credential}")
}

#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub ok: bool,
    pub message: String,
}

/// Everything the user confirms. Holds the current secret and admin credential for the call, which are
/// never serialized.
#[derive(Serialize)]
pub struct RotationPlan {
    pub credential: String,
    pub masked: String,
    pub provider: &'static str,
    pub provider_name: &'static str,
    pub link: Link,
    /// Seconds the old key keeps working after the call (providers with a grace period only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grace_seconds: Option<u64>,
    pub replace: ReplacePlan,
    pub preflight: Vec<Check>,
    pub warnings: Vec<String>,
    /// Clients whose files change, and what to do so they pick the new key up.
    pub restart: Vec<(String, String)>,
    #[serde(skip)]
    current: Secret,
    #[serde(skip)]
    admin: Option<Secret>,
    #[serde(skip)]
    grace: Duration,
    /// Remote servers in the files to rewrite, as they are now (for the handshake after the rewrite).
    #[serde(skip)]
    remotes: Vec<crate::scan::RemoteServer>,
}

impl RotationPlan {
    pub fn ready(&self) -> bool {
        self.preflight.iter().all(|c| c.ok)
    }
}

/// Which MCP clients are running now (Linux: /proc). Claude Desktop rewrites its config while running.
pub fn running_clients() -> Vec<&'static str> {
    let mut found = Vec::new();
    #[cfg(target_os = "linux")]
    if let Ok(rd) = std::fs::read_dir("/proc") {
        for p in rd.flatten() {
            let Ok(comm) = std::fs::read_to_string(p.path().join("comm")) else {
                continue;
            };
            let c = comm.trim().to_ascii_lowercase();
            let name = match c.as_str() {
                "claude-desktop" | "claude_desktop" => Some("Claude Desktop"),
                "claude" => Some("Claude Code"),
                "cursor" => Some("Cursor"),
                _ => None,
            };
            if let Some(n) = name {
                if !found.contains(&n) {
                    found.push(n);
                }
            }
        }
    }
    found
}

/// Build the plan for rotating `credential`.
pub fn plan(
    ctx: &Context,
    vault: &Vault,
    http: &Http,
    credential: &str,
    grace: Option<Duration>,
) -> Result<RotationPlan> {
    // The keychain probe (a D-Bus connection and an encrypted session on Linux), the process list and
    // the provider's HTTP client run beside the scan.
    let (report, link, keychain, running) = std::thread::scope(|s| {
        let keychain = s.spawn(|| vault.status());
        let running = s.spawn(running_clients);
        let link = Links::new(&ctx.data_dir).get(credential);
        if let Ok(Some(l)) = &link {
            if let Some(url) = providers::by_id(&l.provider).and_then(|p| p.base_url(l).ok()) {
                s.spawn(move || http.warm(&url));
            }
        }
        let report = ctx.scan();
        (
            report,
            link,
            keychain.join().expect("the keychain probe does not panic"),
            running.join().unwrap_or_default(),
        )
    });
    let report = report?;
    let current = report
        .secret_of(credential)
        .ok_or_else(|| Error::UnknownCredential(credential.into()))?;
    let link = link
        .map_err(|e| Error::io(&ctx.data_dir, e))?
        .ok_or_else(|| Error::NotLinked(credential.into()))?;
    let provider = providers::by_id(&link.provider)
        .ok_or_else(|| Error::UnknownProvider(link.provider.clone()))?;
    let replace = replace::plan_for(&report, &current);
    let mut preflight = Vec::new();
    let mut warnings = Vec::new();

    for f in &replace.files {
        let meta = std::fs::metadata(&f.path);
        let writable = meta.as_ref().is_ok_and(|m| !m.permissions().readonly());
        preflight.push(Check {
            ok: writable,
            message: format!(
                "{} is {}",
                f.path.display(),
                if writable { "writable" } else { "not writable" }
            ),
        });
    }
    if replace.files.is_empty() {
        preflight.push(Check {
            ok: false,
            message: "no config file holds this key literally".into(),
        });
    }
    let base = provider.base_url(&link);
    preflight.push(Check {
        ok: base.is_ok(),
        message: match &base {
            Ok(u) => format!("provider URL {u}"),
            Err(e) => e.to_string(),
        },
    });
    for id in provider.required_ids() {
        let ok = link.ids.get(*id).is_some_and(|v| !v.is_empty());
        preflight.push(Check {
            ok,
            message: format!("link id '{id}' {}", if ok { "present" } else { "missing" }),
        });
    }
    let admin = match provider.needs_admin(&link) {
        false => None,
        true => {
            let acct = admin_account(provider.id(), link.account.as_deref());
            match vault.get(&acct) {
                Ok(s) => {
                    preflight.push(Check {
                        ok: true,
                        message: format!(
                            "admin credential for {} in the keychain",
                            provider.name()
                        ),
                    });
                    Some(s)
                }
                Err(e) => {
                    preflight.push(Check {
                        ok: false,
                        message: format!(
                            "admin credential for {}: {e} (run `rekey login {}`)",
                            provider.name(),
                            provider.id()
                        ),
                    });
                    None
                }
            }
        }
    };
    preflight.push(Check {
        ok: keychain.available,
        message: format!(
            "keychain: {}",
            keychain
                .message
                .clone()
                .unwrap_or_else(|| format!("available ({})", keychain.backend))
        ),
    });
    for c in running {
        let files_of_client = replace
            .files
            .iter()
            .any(|f| clients::by_id(f.client).name() == c);
        if c == "Claude Desktop" && files_of_client {
            warnings.push("Claude Desktop is running and rewrites its config file: quit it from its tray icon before rotating, or it may undo the change".into());
        } else if files_of_client {
            warnings.push(format!("{c} is running; it will need to reload its config"));
        }
    }
    for s in report
        .files
        .iter()
        .flat_map(|f| f.servers.iter().flat_map(|s| s.slots.iter()))
    {
        if let crate::scan::slots::ValueState::Reference { lives_in } = &s.state {
            if s.provider == Some(provider.id()) {
                warnings.push(format!("{} ({}) takes its key from {lives_in}: Rekey cannot rewrite it there; update it by hand", s.file.display(), s.server));
            }
        }
    }
    let mut restart: Vec<(String, String)> = Vec::new();
    for f in &replace.files {
        let c = clients::by_id(f.client);
        if !restart.iter().any(|(n, _)| n == c.name()) {
            restart.push((c.name().to_string(), c.restart_hint().to_string()));
        }
    }
    let grace = if provider.supports_grace() {
        grace.unwrap_or(Duration::from_secs(
            u64::from(ctx.settings.grace_minutes) * 60,
        ))
    } else {
        Duration::ZERO
    };
    let remotes = report
        .remotes
        .iter()
        .filter(|r| replace.files.iter().any(|f| f.path == r.file))
        .cloned()
        .collect();
    Ok(RotationPlan {
        credential: credential.to_string(),
        masked: current.masked(),
        provider: provider.id(),
        provider_name: provider.name(),
        link,
        grace_seconds: provider.supports_grace().then_some(grace.as_secs()),
        replace,
        preflight,
        warnings,
        restart,
        current,
        admin,
        grace,
        remotes,
    })
}

/// What a rotation did.
#[derive(Serialize)]
pub struct Outcome {
    pub rotation: String,
    pub step: Step,
    pub new_credential: Option<String>,
    pub new_masked: Option<String>,
    pub stored_in_keychain: bool,
    pub files: Vec<FileResult>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verify_error: Option<String>,
    pub restart: Vec<(String, String)>,
    /// The new secret, only when it must be shown because the keychain refused it (then this is the one
    /// place it exists). Serialized for the app's one-time display in that case only.
    #[serde(serialize_with = "ser_secret", skip_serializing_if = "Option::is_none")]
    pub secret_to_show: Option<Secret>,
}

fn ser_secret<S: serde::Serializer>(
    s: &Option<Secret>,
    ser: S,
) -> std::result::Result<S::Ok, S::Error> {
    match s {
        Some(v) => ser.serialize_str(v.expose()),
        None => ser.serialize_none(),
    }
}

fn now() -> String {
    jiff::Timestamp::now().to_string()
}

fn audit(ctx: &Context, e: &Entry) {
    let line = serde_json::json!({
        "time": now(), "rotation": e.id, "provider": e.provider, "credential": e.credential,
        "new_credential": e.new_credential, "new_key": e.new_masked, "outcome": e.step,
        "message": e.message, "files": e.files.iter().filter(|f| f.written).map(|f| f.path.display().to_string()).collect::<Vec<_>>(),
    });
    if let Err(err) = Audit::new(&ctx.data_dir).append(&line) {
        eprintln!("rekey: warning: could not write the audit log: {err}");
    }
}

/// Run a confirmed plan. `progress` hears each step as it completes.
pub fn execute(
    ctx: &Context,
    vault: &Vault,
    http: &Http,
    plan: RotationPlan,
    show_secret: bool,
    progress: &mut dyn FnMut(Step),
) -> Result<Outcome> {
    if !plan.ready() {
        let failed: Vec<&str> = plan
            .preflight
            .iter()
            .filter(|c| !c.ok)
            .map(|c| c.message.as_str())
            .collect();
        return Err(Error::Preflight(failed.join("; ")));
    }
    let provider = providers::by_id(plan.provider)
        .ok_or_else(|| Error::UnknownProvider(plan.provider.into()))?;
    let journal = Journal::new(&ctx.data_dir);
    let jio = |e: std::io::Error| Error::io(ctx.data_dir.join("journal"), e);
    let started = jiff::Timestamp::now();
    let mut entry = Entry {
        id: format!(
            "{}-{}",
            started.strftime("%Y%m%dT%H%M%S%.6fZ"),
            std::process::id()
        ),
        started: started.to_string(),
        provider: plan.provider.to_string(),
        credential: plan.credential.clone(),
        new_credential: None,
        new_masked: None,
        step: Step::Intent,
        message: None,
        files: plan
            .replace
            .files
            .iter()
            .map(|f| FileState {
                path: f.path.clone(),
                written: false,
                error: None,
            })
            .collect(),
    };
    journal.save(&entry).map_err(jio)?;
    crate::testhook::point("journaled").map_err(jio)?;
    progress(Step::Intent);

    // The one irreversible call. Never retried.
    let req = RotateRequest {
        link: &plan.link,
        current: &plan.current,
        admin: plan.admin.as_ref(),
        grace: plan.grace,
    };
    let rotated = match provider.rotate(http, &req) {
        Ok(r) => r,
        Err(e) => {
            entry.step = if e.may_have_rotated() {
                Step::Unknown
            } else {
                Step::Failed
            };
            entry.message = Some(e.to_string());
            journal.save(&entry).map_err(jio)?;
            audit(ctx, &entry);
            progress(entry.step);
            return Err(Error::Provider(e));
        }
    };

    // Keep the secret first.
    let fp = crate::scan::fingerprint::Fingerprinter::load_or_create(&ctx.data_dir)
        .map_err(|e| Error::io(&ctx.data_dir, e))?;
    let new_id = fp.id(rotated.new.expose());
    entry.new_credential = Some(new_id.clone());
    entry.new_masked = Some(rotated.new.masked());
    // (The test hook simulates a keychain that fails between the preflight and this write.)
    let stored = crate::testhook::point("before-keychain-store")
        .map_err(|e| Error::Keychain(e.to_string()))
        .and_then(|_| vault.store(&credential_account(&new_id), &rotated.new));
    if let Err(e) = stored {
        entry.step = Step::Shown;
        entry.message = Some(format!("the keychain did not take the new key ({e}); it was shown to the user once and no config was changed"));
        journal.save(&entry).map_err(jio)?;
        audit(ctx, &entry);
        progress(Step::Shown);
        return Ok(Outcome {
            rotation: entry.id,
            step: Step::Shown,
            new_credential: Some(new_id),
            new_masked: entry.new_masked,
            stored_in_keychain: false,
            files: Vec::new(),
            verify_error: None,
            restart: plan.restart,
            secret_to_show: Some(rotated.new),
        });
    }
    entry.step = Step::Held;
    journal.save(&entry).map_err(jio)?;
    crate::testhook::point("held").map_err(jio)?;
    progress(Step::Held);

    finish(
        ctx,
        http,
        provider,
        &plan.link,
        &mut entry,
        &plan.replace,
        &rotated.new,
        Remotes::Planned(&plan.remotes, &plan.current),
        progress,
    )?;
    let _ = Links::new(&ctx.data_dir).rename(&plan.credential, &new_id);
    Ok(Outcome {
        rotation: entry.id.clone(),
        step: entry.step,
        new_credential: Some(new_id),
        new_masked: entry.new_masked.clone(),
        stored_in_keychain: true,
        files: entry
            .files
            .iter()
            .map(|f| FileResult {
                path: f.path.clone(),
                ok: f.written,
                backup: None,
                error: f.error.clone(),
            })
            .collect(),
        verify_error: (entry.step == Step::VerifyFailed)
            .then(|| entry.message.clone().unwrap_or_default()),
        restart: plan.restart,
        secret_to_show: show_secret.then_some(rotated.new),
    })
}

/// Write the configs, verify, audit: the part after the secret is safe in the keychain (also used by recovery).
fn finish(
    ctx: &Context,
    http: &Http,
    provider: &dyn providers::Provider,
    link: &Link,
    entry: &mut Entry,
    replace_plan: &ReplacePlan,
    new: &Secret,
    remotes: Remotes,
    progress: &mut dyn FnMut(Step),
) -> Result<()> {
    let journal = Journal::new(&ctx.data_dir);
    let jio = |e: std::io::Error| Error::io(ctx.data_dir.join("journal"), e);
    let results = replace::apply(replace_plan, new, &ctx.backups());
    for r in results {
        if let Some(f) = entry.files.iter_mut().find(|f| f.path == r.path) {
            f.written = r.ok;
            f.error = r.error;
        }
    }
    entry.step = Step::Written;
    journal.save(entry).map_err(jio)?;
    crate::testhook::point("written").map_err(jio)?;
    progress(Step::Written);

    match provider
        .verify(http, link, new)
        .map_err(|e| format!("verification failed: {e}"))
        .and_then(|()| handshake_remotes(ctx, http, entry, new, remotes))
    {
        Ok(()) => {
            entry.step = Step::Verified;
            entry.message = None;
        }
        Err(message) => {
            entry.step = Step::VerifyFailed;
            entry.message = Some(message);
        }
    }
    journal.save(entry).map_err(jio)?;
    audit(ctx, entry);
    progress(entry.step);
    Ok(())
}

/// The MCP handshake (initialize + tools/list) with every remote server whose rewritten entry now carries
/// the new key, exactly as its client will connect. Legacy SSE endpoints (`…/sse`) are skipped: that
/// transport needs a GET stream first, and the provider's own check already covered them.
fn handshake_remotes(
    ctx: &Context,
    http: &Http,
    entry: &Entry,
    new: &Secret,
    remotes: Remotes,
) -> std::result::Result<(), String> {
    let remotes = match remotes {
        Remotes::Planned(list, old) => list.iter().map(|r| r.with_secret(old, new)).collect(),
        Remotes::Rescan => ctx.scan().map_err(|e| e.to_string())?.remotes,
    };
    for r in &remotes {
        let written = entry.files.iter().any(|f| f.written && f.path == r.file);
        let uses_new = r.url.contains(new.expose())
            || r.url
                .contains(&crate::scan::slots::percent_encode(new.expose()))
            || r.headers.iter().any(|(_, v)| v.contains(new.expose()));
        if !written || !uses_new || r.url.trim_end_matches('/').ends_with("/sse") {
            continue;
        }
        crate::mcp::handshake(http, &r.url, &r.headers).map_err(|e| {
            format!(
                "MCP handshake with server '{}' in {} failed: {e}",
                r.server,
                r.file.display()
            )
        })?;
    }
    Ok(())
}

/// Where the handshake finds the remote servers: the plan's (with the old key swapped for the new one, as
/// the rewrite did), or a fresh scan (recovery, which has no plan).
enum Remotes<'a> {
    Planned(&'a [crate::scan::RemoteServer], &'a Secret),
    Rescan,
}

/// What recovery did with one unfinished rotation.
#[derive(Debug, Clone, Serialize)]
pub struct Recovered {
    pub rotation: String,
    pub provider: String,
    pub step: Step,
    pub message: String,
}

/// Finish or explain every unfinished rotation. Never calls a provider's rotate endpoint.
pub fn recover(ctx: &Context, vault: &Vault, http: &Http) -> Result<Vec<Recovered>> {
    let journal = Journal::new(&ctx.data_dir);
    let jio = |e: std::io::Error| Error::io(ctx.data_dir.join("journal"), e);
    let mut out = Vec::new();
    for mut entry in journal.unfinished().map_err(jio)? {
        let provider = providers::by_id(&entry.provider)
            .ok_or_else(|| Error::UnknownProvider(entry.provider.clone()))?;
        match entry.step {
            Step::Intent | Step::Unknown => {
                entry.step = Step::Unknown;
                entry.message = Some(format!(
                    "Rekey stopped while calling {}: the key may or may not have been rotated. Nothing was retried. Check with `rekey verify {}` (if the old key still works, nothing happened) or in the provider's console; if it was rotated, put the new key in with `rekey replace`.",
                    provider.name(),
                    entry.credential
                ));
                journal.save(&entry).map_err(jio)?;
                audit(ctx, &entry);
            }
            Step::Held | Step::Written => {
                let new_id = entry.new_credential.clone().unwrap_or_default();
                let new = vault.get(&credential_account(&new_id))?;
                let old_link = Links::new(&ctx.data_dir)
                    .get(&entry.credential)
                    .ok()
                    .flatten();
                let link = old_link
                    .clone()
                    .or_else(|| Links::new(&ctx.data_dir).get(&new_id).ok().flatten())
                    .ok_or_else(|| Error::NotLinked(entry.credential.clone()))?;
                // Re-scan: rewrite every config that still holds the old key.
                let report = ctx.scan()?;
                let plan = match report.secret_of(&entry.credential) {
                    Some(old) => replace::plan_for(&report, &old),
                    None => ReplacePlan {
                        files: Vec::new(),
                        skipped: Vec::new(),
                        unparsed: Vec::new(),
                    },
                };
                for f in &plan.files {
                    if !entry.files.iter().any(|e| e.path == f.path) {
                        entry.files.push(FileState {
                            path: f.path.clone(),
                            written: false,
                            error: None,
                        });
                    }
                }
                // Files that no longer hold the old key were written before the stop.
                for f in entry.files.iter_mut() {
                    if !plan.files.iter().any(|p| p.path == f.path) && f.error.is_none() {
                        f.written = true;
                    }
                }
                finish(
                    ctx,
                    http,
                    provider,
                    &link,
                    &mut entry,
                    &plan,
                    &new,
                    Remotes::Rescan,
                    &mut |_| {},
                )?;
                if old_link.is_some() {
                    let _ = Links::new(&ctx.data_dir).rename(&entry.credential, &new_id);
                }
                entry.message.get_or_insert_with(|| {
                    "finished from the keychain after an interruption".into()
                });
            }
            _ => {}
        }
        out.push(Recovered {
            rotation: entry.id.clone(),
            provider: entry.provider.clone(),
            step: entry.step,
            message: entry.message.clone().unwrap_or_default(),
        });
    }
    Ok(out)
}

/// A provider that rotates with an admin credential, and whether one is in the keychain (masked only).
#[derive(Debug, Clone, Serialize)]
pub struct AdminCredential {
    pub provider: &'static str,
    pub name: &'static str,
    pub stored: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub masked: Option<String>,
}

/// The default-account admin credential of every provider that needs one.
pub fn admin_credentials(vault: &Vault) -> Vec<AdminCredential> {
    providers::all()
        .iter()
        .filter(|p| p.rotate_auth() == providers::RotateAuth::AdminCredential)
        .map(|p| {
            let got = vault.get(&admin_account(p.id(), None)).ok();
            AdminCredential {
                provider: p.id(),
                name: p.name(),
                stored: got.is_some(),
                masked: got.map(|s| s.masked()),
            }
        })
        .collect()
}

/// Store a provider's admin credential (default account) in the keychain.
pub fn store_admin_credential(vault: &Vault, provider: &str, secret: &Secret) -> Result<()> {
    let p = providers::by_id(provider).ok_or_else(|| Error::UnknownProvider(provider.into()))?;
    if secret.expose().trim().is_empty() {
        return Err(Error::InvalidInput("the admin credential is empty".into()));
    }
    vault.store(&admin_account(p.id(), None), secret)
}

/// An Activepieces MCP server as the window sees it (the token in its URL never leaves the engine).
#[derive(Debug, Clone, Serialize)]
pub struct RemoteServerChoice {
    pub id: String,
    pub name: String,
}

/// The Activepieces API URL to use: the user's, else production (no trailing slash).
fn activepieces_base(base_url: Option<&str>) -> String {
    base_url
        .filter(|b| !b.trim().is_empty())
        .unwrap_or(providers::Provider::default_base_url(
            &providers::activepieces::Activepieces,
        ))
        .trim()
        .trim_end_matches('/')
        .to_string()
}

fn activepieces_admin(vault: &Vault) -> Result<Secret> {
    vault
        .get(&admin_account("activepieces", None))
        .map_err(|_| Error::InvalidInput("store the Activepieces platform API key first (Settings or `rekey login activepieces`)".into()))
}

/// The project's Activepieces MCP servers (wizard), listed with the stored platform API key.
pub fn activepieces_servers(
    vault: &Vault,
    http: &Http,
    base_url: Option<&str>,
    project_id: &str,
) -> Result<Vec<RemoteServerChoice>> {
    let base = activepieces_base(base_url);
    let admin = activepieces_admin(vault)?;
    let servers = providers::activepieces::list_servers(http, &base, &admin, project_id.trim())
        .map_err(Error::Provider)?;
    Ok(servers
        .into_iter()
        .map(|s| RemoteServerChoice {
            id: s.id,
            name: s.name,
        })
        .collect())
}

/// What adding a server to one client did.
#[derive(Debug, Clone, Serialize)]
pub struct Added {
    pub client: String,
    pub path: std::path::PathBuf,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Write an Activepieces MCP server into the chosen clients' user configs, each in its own shape, and link
/// the new key to that server so it can be rotated. The token is fetched here and never returned.
pub fn add_activepieces_server(
    ctx: &Context,
    vault: &Vault,
    http: &Http,
    base_url: Option<&str>,
    project_id: &str,
    server_id: &str,
    clients_wanted: &[clients::ClientId],
) -> Result<Vec<Added>> {
    let base = activepieces_base(base_url);
    let admin = activepieces_admin(vault)?;
    let servers = providers::activepieces::list_servers(http, &base, &admin, project_id.trim())
        .map_err(Error::Provider)?;
    let server = servers
        .into_iter()
        .find(|s| s.id == server_id)
        .ok_or_else(|| {
            Error::InvalidInput(format!("no MCP server '{server_id}' in that project"))
        })?;
    let url = providers::activepieces::mcp_url(&base, &server.token);
    let name = format!(
        "activepieces-{}",
        server
            .name
            .to_lowercase()
            .replace(|c: char| !c.is_ascii_alphanumeric(), "-")
    );
    let mut out = Vec::new();
    for id in clients_wanted {
        let client = clients::by_id(*id);
        let Some(loc) = client.user_locations(&ctx.env).into_iter().next() else {
            continue;
        };
        let result =
            crate::edit::add::add_server(&loc.path, *id, loc.format, &name, &url, &ctx.backups());
        out.push(Added {
            client: client.name().to_string(),
            path: loc.path,
            error: result.err().map(|e| e.to_string()),
        });
    }
    // Link the token's credential to this server, so the tray and the window can rotate it.
    if out.iter().any(|a| a.error.is_none()) {
        let report = ctx.scan()?;
        if let Some(c) = report
            .credentials
            .iter()
            .find(|c| report.secret_of(&c.id).is_some_and(|s| s == server.token))
        {
            let mut ids = std::collections::BTreeMap::new();
            ids.insert("server_id".to_string(), server.id.clone());
            let base_override = (base != activepieces_base(None)).then(|| base.clone());
            Links::new(&ctx.data_dir)
                .set(
                    &c.id,
                    Link {
                        provider: "activepieces".into(),
                        base_url: base_override,
                        account: None,
                        ids,
                    },
                )
                .map_err(|e| Error::io(&ctx.data_dir, e))?;
        }
    }
    Ok(out)
}

/// What the UI and `rekey providers --json` show of each provider.
pub fn provider_list() -> Vec<serde_json::Value> {
    providers::all()
        .iter()
        .map(|p| {
            serde_json::json!({ "id": p.id(), "name": p.name(), "auth": p.rotate_auth(), "grace": p.supports_grace(),
                "ids": p.required_ids(), "default_base_url": p.default_base_url() })
        })
        .collect()
}

/// Link a credential found by the scan to a provider account, after checking the provider exists, the
/// base URL is allowed and every id the provider needs is there. Links hold no secrets.
pub fn link(ctx: &Context, credential: &str, link: Link) -> Result<()> {
    let p = providers::by_id(&link.provider)
        .ok_or_else(|| Error::UnknownProvider(link.provider.clone()))?;
    let report = ctx.scan()?;
    if !report.credentials.iter().any(|c| c.id == credential) {
        return Err(Error::UnknownCredential(credential.into()));
    }
    let link = Link {
        provider: p.id().into(),
        base_url: link.base_url.filter(|u| !u.trim().is_empty()),
        account: link.account.filter(|a| !a.trim().is_empty()),
        ids: link
            .ids
            .into_iter()
            .filter(|(_, v)| !v.trim().is_empty())
            .collect(),
    };
    p.base_url(&link).map_err(Error::Provider)?;
    let missing: Vec<&str> = p
        .required_ids()
        .iter()
        .copied()
        .filter(|id| !link.ids.contains_key(*id))
        .collect();
    if !missing.is_empty() {
        return Err(Error::InvalidInput(format!(
            "{} needs: {}",
            p.name(),
            missing.join(", ")
        )));
    }
    Links::new(&ctx.data_dir)
        .set(credential, link)
        .map_err(|e| Error::io(&ctx.data_dir, e))
}

/// Verify a credential's current key with its provider.
pub fn verify(ctx: &Context, http: &Http, credential: &str) -> Result<()> {
    let report = ctx.scan()?;
    let link = Links::new(&ctx.data_dir)
        .get(credential)
        .map_err(|e| Error::io(&ctx.data_dir, e))?
        .ok_or_else(|| Error::NotLinked(credential.into()))?;
    let provider = providers::by_id(&link.provider)
        .ok_or_else(|| Error::UnknownProvider(link.provider.clone()))?;
    let key = report
        .secret_of(credential)
        .ok_or_else(|| Error::UnknownCredential(credential.into()))?;
    provider
        .verify(http, &link, &key)
        .map_err(|e: ProviderError| Error::Provider(e))
}

/// How old a key is: since the rotation that made it, else since Rekey first saw it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
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
    pub due: usize,
    pub interrupted: usize,
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
        if parts.is_empty() {
            "Rekey".to_string()
        } else {
            format!("Rekey: {}", parts.join(", "))
        }
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
    // Unfinished rotations, and ones whose outcome is unknown while the old key is still in the configs.
    let interrupted = Journal::new(&ctx.data_dir)
        .all()
        .unwrap_or_default()
        .iter()
        .filter(|e| {
            !e.step.is_final()
                || (e.step == Step::Unknown
                    && report.credentials.iter().any(|c| c.id == e.credential))
        })
        .count();
    Ok(TrayStatus {
        entries,
        due: ages.iter().filter(|a| a.due).count(),
        interrupted,
    })
}

/// What the tray offers to rotate: every linked credential found in the configs, as (credential id,
/// label). Unlinked keys are left to the window, where they can be linked first.
pub fn tray_entries(ctx: &Context) -> Result<Vec<(String, String)>> {
    Ok(tray_status(ctx)?.entries)
}

#[cfg(test)]
mod age_tests {
    use super::*;
    use crate::clients::Env;

    #[test]
    fn key_age_counts_from_first_sight_and_due_keys_lead_the_tray() {
        let home = tempfile::tempdir().unwrap();
        let ctx = Context {
            env: Env::linux_at(home.path()),
            data_dir: home.path().join("data"),
            settings: Default::default(),
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
        // An interrupted rotation of a key still in the configs is counted too.
        Journal::new(&ctx.data_dir)
            .save(&Entry {
                id: "x".into(),
                started: now.to_string(),
                provider: "bitscale".into(),
                credential: old.clone(),
                new_credential: None,
                new_masked: None,
                step: Step::Unknown,
                message: None,
                files: Vec::new(),
            })
            .unwrap();
        assert_eq!(
            tray_status(&ctx).unwrap().tooltip(),
            "Rekey: 1 key past max age, 1 interrupted rotation"
        );
    }
}
