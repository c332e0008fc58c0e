//! The plan: everything the user confirms, made before anything irreversible, and re-checked under the
//! rotation's lock right before the provider is called.

use super::admin_account;
use super::store::Links;
use crate::clients;
use crate::context::Context;
use crate::providers::{self, Http, Link};
use crate::replace::{self, ReplacePlan};
use crate::vault::Vault;
use crate::{Error, Result, Secret};
use serde::Serialize;
use std::time::Duration;
use ts_rs::TS;

/// How long a keychain probe is trusted before the call probes again.
pub(super) const KEYCHAIN_FRESH: Duration = Duration::from_secs(5);

/// The longest grace period Rekey asks a provider for (the settings' limit too).
pub const MAX_GRACE: Duration = Duration::from_secs(7 * 24 * 3600);

#[derive(Debug, Clone, Serialize, TS)]
pub struct Check {
    pub ok: bool,
    pub message: String,
}

/// Everything the user confirms. Holds the current secret and admin credential for the call, which are
/// never serialized.
#[derive(Serialize, TS)]
pub struct RotationPlan {
    pub credential: String,
    pub masked: String,
    pub provider: &'static str,
    pub provider_name: &'static str,
    pub link: Link,
    /// How the key is replaced, and what the user risks, in plain words (the confirm step says it).
    pub model: providers::Model,
    pub risk: String,
    /// Seconds the old key keeps working after the call (providers with a grace period only).
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grace_seconds: Option<u64>,
    pub replace: ReplacePlan,
    pub preflight: Vec<Check>,
    pub warnings: Vec<String>,
    /// Clients whose files change, and what to do so they pick the new key up.
    pub restart: Vec<(String, String)>,
    /// Places outside the configs Rekey rewrites that hold this key, or may hold it: the user updates
    /// them by hand after the rotation (Rekey cannot write there, so they never make it `incomplete`).
    pub also_update: Vec<AlsoUpdate>,
    /// The `rekey://` references that hold this key (protected usages): the rotation puts the new key in
    /// their keychain entries, and their configs do not change.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[ts(optional = nullable)]
    pub protected: Vec<String>,
    /// Config files git tracks that hold this key literally: before the provider's call the rotation
    /// protects the key there (a `rekey://` reference, the server run through `rekey exec`), so the new
    /// key is never written into a file the next commit takes; the other configs get the new key.
    /// Empty after [`RotationPlan::write_literal_in_tracked`].
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[ts(optional = nullable)]
    pub protect_first: Vec<std::path::PathBuf>,
    /// Where git has this key (committed, pushed, a tracked file), when it does: see
    /// [`crate::exposure`]. After the rotation Rekey checks that the provider refuses the old key.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exposure: Option<crate::exposure::Exposure>,
    /// What the user should know about the plan ("0 files change; …").
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[ts(optional = nullable)]
    pub notes: Vec<String>,
    #[serde(skip)]
    pub(super) current: Secret,
    #[serde(skip)]
    pub(super) admin: Option<Secret>,
    #[serde(skip)]
    pub(super) grace: Duration,
    /// The user said "go ahead anyway" about configs that hold the key but do not parse.
    #[serde(skip)]
    pub(super) despite_unparsed: bool,
    /// When the keychain last proved it can store (the plan's probe).
    #[serde(skip)]
    pub(super) probed: Option<std::time::Instant>,
    /// The delete of the plan's probe entry, still running (the rotation waits for it before the
    /// provider's call, so it never stands between the answer and the key's store).
    #[serde(skip)]
    pub(super) probe_cleanup: Option<crate::vault::ProbeCleanup>,
}

impl RotationPlan {
    /// Whether what the user typed confirms this plan: the provider's name as the plan's heading shows it
    /// (or its id, which the CLI prints), ignoring case and the spaces around it.
    pub fn is_confirmed_by(&self, typed: &str) -> bool {
        let typed = typed.trim().to_lowercase();
        !typed.is_empty()
            && (typed == self.provider.to_lowercase() || typed == self.provider_name.to_lowercase())
    }

    pub fn ready(&self) -> bool {
        self.preflight.iter().all(|c| c.ok)
    }

    /// `Ok` when every preflight check passed, else the `preflight_failed` error naming the failed ones.
    pub fn check_ready(&self) -> Result<()> {
        if self.ready() {
            return Ok(());
        }
        let failed: Vec<&str> = self
            .preflight
            .iter()
            .filter(|c| !c.ok)
            .map(|c| c.message.as_str())
            .collect();
        Err(Error::Preflight(failed.join("; ")))
    }

    /// Some config holds this key but does not parse: the rotation would end `incomplete`, so it needs
    /// the user's explicit go-ahead ([`RotationPlan::go_ahead_despite_unparsed`]).
    pub fn needs_go_ahead(&self) -> bool {
        !self.replace.unparsed.is_empty()
    }

    /// The user's explicit "go ahead anyway" for [`RotationPlan::needs_go_ahead`].
    pub fn go_ahead_despite_unparsed(&mut self) {
        self.despite_unparsed = true;
    }

    /// The user's choice to write the new key itself into the config files git tracks (not protected
    /// first): the plan then warns about each instead.
    pub fn write_literal_in_tracked(&mut self) {
        for f in std::mem::take(&mut self.protect_first) {
            let name = f.display().to_string();
            self.notes.retain(|n| !n.starts_with(&name));
            let refused = format!("{name}{}", super::exposed::UNPROTECTABLE);
            self.preflight.retain(|c| !c.message.starts_with(&refused));
            self.warnings.push(super::exposed::tracked_warning(&f));
        }
    }
}

/// Which MCP clients are running now, by name (every OS: [`clients::process`]). Claude Desktop rewrites
/// its config while running.
pub fn running_clients() -> Vec<&'static str> {
    clients::process::running_now()
        .into_iter()
        .map(|id| clients::by_id(id).name())
        .collect()
}

/// How sure the plan is that a place outside the configs holds the key being rotated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum Certainty {
    /// The same key: the value there has this credential's id.
    Holds,
    /// A key of the same provider whose value Rekey cannot read (encrypted, or in another keychain).
    MayHold,
}

/// One place to update by hand after the rotation (`plan --json`'s and `rotate --json`'s
/// `also_update[]`; the field names are stable).
#[derive(Debug, Clone, Serialize, TS)]
pub struct AlsoUpdate {
    pub certainty: Certainty,
    pub client: clients::ClientId,
    pub client_name: &'static str,
    /// What holds it: "Claude Code plugin linear@official, option api_key".
    pub source: String,
    /// Where the value lives.
    pub lives_in: String,
    /// What the user does there.
    pub update: String,
    /// The file it was found in (Rekey never writes it).
    pub file: std::path::PathBuf,
}

/// The places outside the configs that hold `credential`, or may hold a key of `provider`.
pub fn also_update(
    report: &crate::scan::ScanReport,
    credential: &str,
    provider: &str,
) -> Vec<AlsoUpdate> {
    report
        .held_elsewhere
        .iter()
        .filter_map(|h| {
            let certainty = match &h.credential {
                Some(c) if c == credential => Certainty::Holds,
                None if h.provider == Some(provider) => Certainty::MayHold,
                _ => return None,
            };
            Some(AlsoUpdate {
                certainty,
                client: h.client,
                client_name: clients::by_id(h.client).name(),
                source: h.source.clone(),
                lives_in: h.lives_in.clone(),
                update: h.update.clone(),
                file: h.file.clone(),
            })
        })
        .collect()
}

/// Build the plan for rotating `credential`.
pub fn plan(
    ctx: &Context,
    vault: &Vault,
    http: &Http,
    credential: &str,
    grace: Option<Duration>,
) -> Result<RotationPlan> {
    // A key id for life, or a credential id from before a rotation, names the key's value now.
    let credential = ctx.resolve(credential);
    let credential = credential.as_str();
    // The keychain probe (a D-Bus connection and an encrypted session on Linux), the process list and
    // the provider's HTTP client run beside the scan.
    let (report, link, keychain, running) = std::thread::scope(|s| {
        let keychain = s.spawn(|| vault.status_deferred());
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
            keychain.join().unwrap_or_else(|_| {
                (
                    crate::vault::VaultStatus::failed("the keychain probe failed"),
                    None,
                )
            }),
            running.join().unwrap_or_default(),
        )
    });
    let mut report = report?;
    // Where git has this key (and its other usages): read before the plan is shown (the app's process
    // keeps the histories it read; the CLI reads them once).
    ctx.assess_exposure(&mut report, std::time::Instant::now() + EXPOSURE_BUDGET);
    let exposure = report
        .credentials
        .iter()
        .find(|c| c.id == credential)
        .and_then(|c| c.exposure.clone());
    let (keychain, probe_cleanup) = keychain;
    // A protected key: its references and the key their keychain entry holds (see `protect::index`).
    let (protected, kept) = crate::protect::index::protected_key(ctx, vault, credential)?;
    let current = report
        .secret_of(credential)
        .or_else(|| kept.clone())
        .ok_or_else(|| Error::UnknownCredential(credential.into()))?;
    let link = link
        .map_err(|e| Error::io(&ctx.data_dir, e))?
        .ok_or_else(|| Error::NotLinked(credential.into()))?;
    let provider = providers::by_id(&link.provider)
        .ok_or_else(|| Error::UnknownProvider(link.provider.clone()))?;
    let replace = replace::plan_for(&report, &current);
    let mut preflight = Vec::new();
    // An entry that two members of one name make ambiguous: which value its client uses is unknown.
    for why in crate::protect::locate::ambiguous_usages(&report, &current) {
        preflight.push(Check {
            ok: false,
            message: why,
        });
    }
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
    let mut notes = Vec::new();
    if replace.files.is_empty() && protected.is_empty() {
        preflight.push(Check {
            ok: false,
            message: "no config file holds this key literally".into(),
        });
    }
    if let Some(k) = &kept {
        preflight.push(Check {
            ok: *k == current,
            message: if *k == current {
                "the keychain holds this protected key".into()
            } else {
                "the keychain entry of this key's reference holds another key than the configs: unprotect it or protect it again first".into()
            },
        });
    }
    if !protected.is_empty() {
        let refs = protected
            .iter()
            .map(|r| format!("{}{r}", crate::protect::SCHEME))
            .collect::<Vec<_>>()
            .join(", ");
        notes.push(if replace.files.is_empty() {
            format!("This key is protected ({refs}): 0 files change; the new key goes into the keychain, and servers pick up the new key when the client restarts them.")
        } else {
            format!("Protected usages ({refs}) get the new key from the keychain (their files do not change); the literal usages below are rewritten.")
        });
    }
    if let Some(why) = unfinished_maker(ctx, credential) {
        preflight.push(Check {
            ok: false,
            message: why,
        });
    }
    // A key the provider cannot rotate (linked before this check existed, or by hand) fails here, before
    // any call.
    let (urls, env) = report.notes_of(credential);
    if let Err(why) = provider.complete_link(
        &mut link.clone(),
        &providers::Usage {
            key: &current,
            urls: &urls,
            env: &env,
        },
    ) {
        preflight.push(Check {
            ok: false,
            message: why,
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
            warnings.push("Claude Desktop is running and rewrites its config file: quit it from its tray icon before rotating, or it may undo the change (Rekey re-reads every file at the end and says so if it did)".into());
        } else if files_of_client {
            warnings.push(format!("{c} is running; it will need to reload its config, and it may write its old config back over the change (Rekey re-reads every file at the end and says so if it did)"));
        }
    }
    for s in report
        .files
        .iter()
        .flat_map(|f| f.servers.iter().flat_map(|s| s.slots.iter()))
    {
        if let crate::scan::slots::ValueState::Reference { lives_in } = &s.state {
            // (Rekey's own references: the rotation updates their keychain entries.)
            if lives_in.starts_with("protected:") {
                continue;
            }
            // (Those held elsewhere are in `also_update`, with how to update them.)
            let listed = report
                .held_elsewhere
                .iter()
                .any(|h| h.file == s.file && h.lives_in == *lives_in);
            if s.provider == Some(provider.id()) && !listed {
                warnings.push(format!("{} ({}) takes its key from {lives_in}: Rekey cannot rewrite it there; update it by hand", s.file.display(), s.server));
            }
        }
    }
    let mut restart: Vec<(String, String)> = Vec::new();
    let protected_clients = report
        .files
        .iter()
        .filter(|f| {
            f.servers.iter().flat_map(|s| s.slots.iter()).any(|s| {
                s.credential.as_deref() == Some(credential)
                    && matches!(s.state, crate::scan::slots::ValueState::Reference { .. })
            })
        })
        .map(|f| f.client);
    for client in replace
        .files
        .iter()
        .map(|f| f.client)
        .chain(protected_clients)
    {
        let c = clients::by_id(client);
        if !restart.iter().any(|(n, _)| n == c.name()) {
            restart.push((c.name().to_string(), c.restart_hint().to_string()));
        }
    }
    let grace = if provider.supports_grace() {
        let g = grace.unwrap_or(Duration::from_secs(
            u64::from(ctx.settings.grace_minutes) * 60,
        ));
        // Checked here, before anything is journaled or called, so the plan the user confirms is exactly
        // what is sent (never silently shortened).
        if g > MAX_GRACE {
            return Err(Error::InvalidInput(format!(
                "the grace period can be at most 7 days ({} minutes); asked for {} minutes",
                MAX_GRACE.as_secs() / 60,
                g.as_secs() / 60
            )));
        }
        g
    } else {
        Duration::ZERO
    };
    if provider.supports_grace() {
        warnings.extend(provider.grace_note(grace));
    }
    warnings.extend(super::exposed::warnings(exposure.as_ref(), grace));
    let protect_first = super::exposed::tracked_files(&report, credential);
    notes.extend(
        protect_first
            .iter()
            .map(|f| super::exposed::protect_first_note(f)),
    );
    preflight.extend(super::exposed::protectable(ctx, credential, &protect_first));
    let model = provider.model(&link);
    let risk = super::risk_text(model, grace);
    Ok(RotationPlan {
        model,
        risk,
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
        also_update: also_update(&report, credential, provider.id()),
        protected,
        protect_first,
        exposure,
        notes,
        current,
        admin,
        grace,
        despite_unparsed: false,
        probed: keychain.available.then(std::time::Instant::now),
        probe_cleanup,
    })
}

/// How long a plan reads git histories before it shows what it has (marked incomplete).
const EXPOSURE_BUDGET: Duration = Duration::from_secs(20);

pub(super) fn unfinished_maker(ctx: &Context, credential: &str) -> Option<String> {
    crate::change::journal::unfinished_maker(&ctx.data_dir, credential)
}
