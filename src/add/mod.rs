//! `rekey add` and the wizard's "add a server": set up a provider's MCP server in the clients the user
//! picks, protected from the start.
//!
//! 1. [`plan_add`] checks everything that needs no write (provider, ids, clients, name, every file parses
//!    and lacks the name, the link the key will get), asks the provider whether it accepts the key (where
//!    it can be asked), and computes each file's new text: nothing changes.
//! 2. [`keep_key`] stores the key in the OS keychain (and reads it back) before anything else: protected,
//!    as the reference entry `ref:<id>` that the configs will name (`rekey protect`'s, reused when the key
//!    is already protected); literal, as `credential:<id>`. [`forget_key`] removes it again when the user
//!    does not confirm.
//! 3. [`apply_add`] (after the user confirmed the plan) records the reference, writes each file (locked,
//!    backed up, atomic, refused if it changed since the plan) and links the key for rotation.

mod check;
mod entry;
pub mod templates;

pub use entry::{client_shape, supported_clients};
pub use templates::{catalog, Catalog, Field, FieldKind, Run, Template};

use crate::change::links::Links;
use crate::clients::{self, ClientId, Format, Location};
use crate::context::Context;
use crate::providers::{self, Link};
use crate::replace::FileResult;
pub use crate::replace::Verification;
use crate::vault::Vault;
use crate::{Error, Result, Secret};
use check::{bad, check_key, check_name, field_values, make_link, verify_key};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;
use ts_rs::TS;

/// What the user asks for.
#[derive(Debug, Clone, Default, Deserialize, TS)]
pub struct AddRequest {
    /// The provider id (`bitscale`).
    pub provider: String,
    /// The server's name in the configs (default: the template's).
    #[serde(default)]
    pub name: Option<String>,
    /// The template's fields (`agent_id`, `url`, …).
    #[serde(default)]
    pub ids: BTreeMap<String, String>,
    pub clients: Vec<ClientId>,
    /// Write the key itself into the configs instead of a `rekey://` reference.
    #[serde(default)]
    pub literal: bool,
    /// The provider's API URL for the link (self-hosted servers, tests).
    #[serde(default)]
    pub base_url: Option<String>,
}

/// One config file the plan changes.
#[derive(Debug, Clone, Serialize, TS)]
pub struct AddFile {
    pub path: PathBuf,
    pub client: ClientId,
    pub client_name: &'static str,
    pub format: Format,
    /// The file does not exist yet: it is created (private).
    pub created: bool,
    /// The remote server runs through `npx -y mcp-remote`.
    pub via_mcp_remote: bool,
    /// The change, line by line (`- ` removed, `+ ` added), the key masked.
    pub diff: Vec<String>,
    #[serde(skip)]
    hash: Option<String>,
    #[serde(skip)]
    variant: Option<String>,
}

/// Everything `rekey add` shows before it asks.
#[derive(Debug, Serialize, TS)]
pub struct AddPlan {
    pub provider: &'static str,
    pub provider_name: &'static str,
    pub server: String,
    pub protected: bool,
    /// Protected: the reference the configs hold (`rekey://<id>`).
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// The key's credential id (what `rekey scan`, `rekey rotate` call it).
    pub credential: String,
    pub masked: String,
    /// The keychain entry that keeps the key (`ref:<id>`, or `credential:<id>` when literal).
    pub account: String,
    /// Protected: the program the entries start (`<rekey> exec -- …`).
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rekey_bin: Option<String>,
    pub files: Vec<AddFile>,
    /// The link the key gets, for rotation (no secret in it).
    pub link: Link,
    pub notes: Vec<String>,
    pub restart: Vec<(String, String)>,
    /// What the provider said of the key before anything was written. A refused key is written only
    /// when the user says to write it anyway ([`apply_add`]'s `write_anyway`).
    pub verification: Verification,
    #[serde(skip)]
    template: &'static Template,
    #[serde(skip)]
    values: BTreeMap<String, String>,
    #[serde(skip)]
    value: Secret,
}

/// What `rekey add` did.
#[derive(Debug, Serialize, TS)]
pub struct AddApplied {
    pub server: String,
    pub credential: String,
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    pub files: Vec<FileResult>,
    /// The key is linked to its provider (at least one file was written).
    pub linked: bool,
    pub restart: Vec<(String, String)>,
}

/// Where `client`'s server entries are added: its first user config that exists, else its first.
fn location_of(ctx: &Context, client: ClientId) -> Option<Location> {
    let locs = clients::by_id(client).user_locations(&ctx.env);
    locs.iter()
        .find(|l| l.path.is_file())
        .or(locs.first())
        .cloned()
}

/// The changed block between `old` and `new`: an `@@ line N` header (the block's first line in the file),
/// then `- `/`+ ` lines, `secret` shown masked (`sk-l…cdef`) and every secret in `scrub` (in any form)
/// redacted.
fn diff(
    old: &str,
    new: &str,
    secret: Option<&Secret>,
    scrub: &crate::scrub::Scrubber,
) -> Vec<String> {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    let pre = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let max_suf = a.len().min(b.len()) - pre;
    let suf = a
        .iter()
        .rev()
        .zip(b.iter().rev())
        .take(max_suf)
        .take_while(|(x, y)| x == y)
        .count();
    let mask = |l: &str| match secret {
        Some(s) => scrub.clean(&l.replace(s.expose(), &s.masked())),
        None => scrub.clean(l),
    };
    let removed = a[pre..a.len() - suf]
        .iter()
        .map(|l| format!("- {}", mask(l)));
    let added = b[pre..b.len() - suf]
        .iter()
        .map(|l| format!("+ {}", mask(l)));
    std::iter::once(format!("@@ line {}", pre + 1))
        .chain(removed)
        .chain(added)
        .collect()
}

/// The file's new text for this plan, from its current bytes.
fn new_text(plan: &AddPlan, loc: &Location, current: Option<&[u8]>) -> Result<(String, bool)> {
    let shape = client_shape(loc.client).ok_or_else(|| {
        bad(format!(
            "Rekey cannot add servers to {} yet",
            clients::by_id(loc.client).name()
        ))
    })?;
    let key_text = match &plan.reference {
        Some(r) => format!("{}{r}", crate::protect::SCHEME),
        None => plan.value.expose().to_string(),
    };
    let (e, via) = entry::render(
        plan.template,
        &plan.values,
        &key_text,
        shape,
        !plan.protected,
    );
    let text = entry::insert(
        loc,
        current,
        &plan.server,
        &e,
        &key_text,
        plan.rekey_bin.as_deref(),
    )?;
    Ok((text, via))
}

/// Plan adding `req`'s server with `key` (read from stdin or pasted once): nothing is written.
pub fn plan_add(
    ctx: &Context,
    http: &providers::Http,
    req: &AddRequest,
    key: Secret,
) -> Result<AddPlan> {
    let t = templates::by_provider(&req.provider).ok_or_else(|| {
        match (
            templates::left_out(&req.provider),
            providers::by_id(&req.provider),
        ) {
            (Some(why), _) => bad(format!(
                "Rekey cannot set up a {} server: {why}",
                req.provider
            )),
            _ => Error::UnknownProvider(req.provider.clone()),
        }
    })?;
    let p =
        providers::by_id(t.provider).ok_or_else(|| Error::UnknownProvider(t.provider.into()))?;
    let server = req.name.clone().unwrap_or_else(|| t.server.to_string());
    check_name(&server)?;
    if req.clients.is_empty() {
        return Err(bad(
            "pick at least one client (--client claude-desktop, --client cursor, …)",
        ));
    }
    for c in &req.clients {
        if client_shape(*c).is_none() {
            let names: Vec<&str> = supported_clients()
                .iter()
                .map(|c| clients::by_id(*c).name())
                .collect();
            return Err(bad(format!(
                "Rekey cannot add servers to {} yet (its entry shape is not supported for adding); it can add to: {}",
                clients::by_id(*c).name(),
                names.join(", ")
            )));
        }
    }
    let values = field_values(t, &req.ids)?;
    check_key(&key)?;
    let link = make_link(t, &values, req.base_url.as_deref(), &key)?;
    let fp = crate::scan::fingerprint::Fingerprinter::load_or_create(&ctx.data_dir)
        .map_err(|e| Error::io(&ctx.data_dir, e))?;
    let credential = fp.id(key.expose());
    let reference = if req.literal {
        None
    } else {
        let known = crate::protect::index::Index::new(&ctx.data_dir)
            .refs_of(&credential)
            .map_err(|e| Error::io(ctx.data_dir.join("protected.json"), e))?;
        Some(
            known
                .into_iter()
                .next()
                .unwrap_or_else(|| crate::protect::new_id(t.provider)),
        )
    };
    let account = match &reference {
        Some(r) => crate::protect::account_of(r),
        None => crate::rotation::credential_account(&credential),
    };
    let mut plan = AddPlan {
        provider: p.id(),
        provider_name: p.name(),
        server,
        protected: reference.is_some(),
        rekey_bin: match reference {
            Some(_) => Some(crate::protect::rekey_bin()?),
            None => None,
        },
        reference,
        credential,
        masked: key.masked(),
        account,
        files: Vec::new(),
        // Asked last, once every local check passed: a plan refused here never sent the key anywhere.
        verification: Verification::NotChecked {
            reason: "not asked yet".into(),
        },
        link,
        notes: Vec::new(),
        restart: Vec::new(),
        template: t,
        values,
        value: key,
    };
    let mut seen = Vec::new();
    for c in &req.clients {
        if seen.contains(c) {
            continue;
        }
        seen.push(*c);
        let client = clients::by_id(*c);
        let loc = location_of(ctx, *c).ok_or_else(|| {
            bad(format!(
                "{} has no config file on this system",
                client.name()
            ))
        })?;
        let current = crate::edit::add::read_existing(&loc.path)?;
        let (text, via) = new_text(&plan, &loc, current.as_deref())?;
        let old = current
            .as_deref()
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .unwrap_or_default();
        if via && plan.template.key_in_url() {
            return Err(bad(format!(
                "{} cannot have this server through mcp-remote: its key is part of the server's URL, which \
                 mcp-remote takes on its command line (readable by every user) and prints in its log; add it \
                 literally (`--literal`, or \"Write the key itself\" in the app) to a client that connects to URLs itself (Cursor, Claude Code, Windsurf, …)",
                client.name()
            )));
        }
        // The diff shows whole lines of the file as it is: mask the new key and every key already in it
        // (an entry on one line, or a minified file, puts another server's key on a changed line).
        let mut scrub = crate::scrub::Scrubber::new().with(&plan.value);
        if let Some(bytes) = current.as_deref() {
            for s in crate::scan::slots_of(&loc, bytes).unwrap_or_default() {
                if matches!(s.report.state, crate::scan::slots::ValueState::Secret) {
                    scrub.add(&s.value);
                }
            }
        }
        plan.files.push(AddFile {
            diff: diff(&old, &text, Some(&plan.value), &scrub),
            path: loc.path,
            client: *c,
            client_name: client.name(),
            format: loc.format,
            created: current.is_none(),
            via_mcp_remote: via,
            hash: current.as_deref().map(crate::edit::atomic::content_hash),
            variant: loc.variant,
        });
        if !plan.restart.iter().any(|(n, _)| n == client.name()) {
            plan.restart
                .push((client.name().into(), client.restart_hint().into()));
        }
    }
    plan.verification = verify_key(http, p, &plan.link, &plan.value);
    if let (Some(r), Some(bin)) = (&plan.reference, &plan.rekey_bin) {
        plan.notes.push(format!("The key stays in the OS keychain as rekey://{r}: the configs hold only that reference, and the server starts as {bin} exec -- <its command>."));
    } else {
        plan.notes.push("Literal: the key itself is written into each config (it is also kept in the OS keychain); `rekey protect` can take it out later.".into());
    }
    if plan.template.key_in_args() {
        plan.notes.push(format!("{}'s server takes the key only as a command-line argument (its documented form has no environment variable): while it runs, other users of this computer can read it in the process list.", plan.provider_name));
    }
    if plan.files.iter().any(|f| f.via_mcp_remote) {
        plan.notes.push("The remote server runs through mcp-remote (`npx -y mcp-remote <url> --header …`): Node.js must be installed.".into());
    }
    plan.notes.push(format!(
        "The key is linked to {} for rotation{}.",
        plan.provider_name,
        if plan.link.ids.is_empty() {
            String::new()
        } else {
            format!(
                " ({})",
                plan.link
                    .ids
                    .iter()
                    .map(|(k, v)| format!("{k} {v}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    ));
    Ok(plan)
}

/// Keep the key in the OS keychain (read back to be sure) before anything else. `Ok(true)`: this call
/// made the entry (so [`forget_key`] removes it); `Ok(false)`: it was there already.
pub fn keep_key(vault: &Vault, plan: &AddPlan) -> Result<bool> {
    match vault.get(&plan.account) {
        Ok(v) if v == plan.value => return Ok(false),
        Ok(_) => {
            return Err(Error::Keychain(format!(
                "the keychain entry {} holds another key; nothing changed",
                plan.account
            )))
        }
        Err(Error::KeychainEntryMissing(_)) => {}
        Err(e) => return Err(e),
    }
    vault.store(&plan.account, &plan.value)?;
    if vault.get(&plan.account)? != plan.value {
        return Err(Error::Keychain(
            "the keychain did not give the key back as stored; no config changed".into(),
        ));
    }
    Ok(true)
}

/// The user did not confirm: remove the entry [`keep_key`] made (`created`); nothing else changed.
pub fn forget_key(vault: &Vault, plan: &AddPlan, created: bool) -> Result<()> {
    if created {
        vault.delete(&plan.account)?;
    }
    Ok(())
}

impl AddPlan {
    /// Why this plan must not be applied as it is: the provider refused the key and the user did not say
    /// to write it anyway.
    pub fn refusal(&self, write_anyway: bool) -> Option<Error> {
        match &self.verification {
            Verification::Failed {
                provider, message, ..
            } if !write_anyway => Some(Error::Reported {
                code: "new_key_refused",
                message: format!(
                    "{provider} refused this key: {message}. Nothing was written. Check that you pasted the whole key and that it has the rights {provider}'s check needs; if you are sure it is right, add it anyway (`--write-anyway`, or \"Add anyway\" in the app)"
                ),
            }),
            _ => None,
        }
    }
}

/// Run a confirmed plan: the key must be in the keychain; the reference is recorded; each file is
/// written (a file that changed since the plan is refused); the key is linked once one file holds it. A
/// key the provider refused is written only with `write_anyway`.
pub fn apply_add(
    ctx: &Context,
    vault: &Vault,
    plan: &AddPlan,
    write_anyway: bool,
) -> Result<AddApplied> {
    if let Some(e) = plan.refusal(write_anyway) {
        return Err(e);
    }
    // A change of the new key (see `crate::change`): its lock, the history.
    let paths: Vec<std::path::PathBuf> = plan.files.iter().map(|f| f.path.clone()).collect();
    let change = crate::change::begin(
        ctx,
        crate::change::Kind::Add,
        &[plan.credential.as_str()],
        plan.provider,
        &paths,
    )?;
    match vault.get(&plan.account) {
        Ok(v) if v == plan.value => {}
        other => {
            change.abandon();
            return Err(other.err().unwrap_or_else(|| {
                Error::Keychain(format!(
                    "the keychain entry {} does not hold this key; no config changed",
                    plan.account
                ))
            }));
        }
    }
    if let Some(r) = &plan.reference {
        let indexed = crate::protect::index::Index::new(&ctx.data_dir)
            .set(
                r,
                crate::protect::index::Protected {
                    credential: plan.credential.clone(),
                    masked: plan.masked.clone(),
                    provider: Some(plan.provider.to_string()),
                    remote: Vec::new(),
                },
            )
            .map_err(|e| Error::io(ctx.data_dir.join("protected.json"), e));
        if let Err(e) = indexed {
            change.abandon();
            return Err(e);
        }
    }
    let scrubber = crate::scrub::Scrubber::new().with(&plan.value);
    let backups = ctx.backups();
    let files: Vec<FileResult> = plan
        .files
        .iter()
        .map(|f| {
            let r = (|| -> Result<()> {
                let loc = Location {
                    client: f.client,
                    path: f.path.clone(),
                    format: f.format,
                    scope: clients::Scope::User,
                    variant: f.variant.clone(),
                };
                let current = crate::edit::add::read_existing(&f.path)?;
                if current.as_deref().map(crate::edit::atomic::content_hash) != f.hash {
                    return Err(bad(format!(
                        "{}: changed since the plan; nothing was written (plan again)",
                        f.path.display()
                    )));
                }
                let (text, _) = new_text(plan, &loc, current.as_deref())?;
                crate::edit::add::write_config(
                    &f.path,
                    current.as_deref(),
                    text.as_bytes(),
                    &backups,
                )
            })();
            FileResult {
                path: f.path.clone(),
                ok: r.is_ok(),
                backup: None,
                error: r.err().map(|e| scrubber.clean(&e.to_string())),
            }
        })
        .collect();
    // The link is written after the files; when it cannot be, the files are still written (and the
    // history says so) and the error tells the user to link the key by hand.
    let mut linked = files.iter().any(|f| f.ok);
    let mut link_error = None;
    if linked {
        if let Err(e) = Links::new(&ctx.data_dir).set(&plan.credential, plan.link.clone()) {
            linked = false;
            link_error = Some(Error::io(ctx.data_dir.join("links.json"), e));
        }
    }
    change.finish(crate::change::Done {
        new_masked: Some(plan.masked.clone()),
        message: Some(
            format!(
                "added server {}{}",
                plan.server,
                plan.reference
                    .as_deref()
                    .map(|r| format!(" (key as rekey://{r})"))
                    .unwrap_or_default()
            ) + if link_error.is_some() {
                "; the provider link could not be saved: link the key by hand"
            } else {
                ""
            },
        ),
        ..crate::change::Done::of_files(&files)
    });
    if let Some(e) = link_error {
        return Err(e);
    }
    Ok(AddApplied {
        server: plan.server.clone(),
        credential: plan.credential.clone(),
        reference: plan.reference.clone(),
        files,
        linked,
        restart: plan.restart.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_diff_shows_one_changed_block_with_the_key_masked() {
        let key = Secret::new("sk-live-0123456789abcdef".into());
        let old = "{\n  \"mcpServers\": {\n    \"a\": {}\n  }\n}\n";
        let new = "{\n  \"mcpServers\": {\n    \"a\": {},\n    \"b\": {\"k\": \"sk-live-0123456789abcdef\"}\n  }\n}\n";
        assert_eq!(
            diff(
                old,
                new,
                Some(&key),
                &crate::scrub::Scrubber::new().with(&key)
            ),
            [
                "@@ line 3".to_string(),
                "-     \"a\": {}".into(),
                "+     \"a\": {},".into(),
                format!("+     \"b\": {{\"k\": \"{}\"}}", key.masked()),
            ]
        );
        assert_eq!(
            diff("", "x\n", None, &Default::default()),
            ["@@ line 1", "+ x"]
        );
        // Another key on a changed line (a one-line entry) is redacted.
        let other = Secret::new("ghp_0123456789abcdefghij".into());
        let lines = diff(
            "{\"a\": {\"env\": {\"T\": \"ghp_0123456789abcdefghij\"}}}",
            "{\"a\": {\"env\": {\"T\": \"ghp_0123456789abcdefghij\"}}, \"b\": {}}",
            Some(&key),
            &crate::scrub::Scrubber::new().with(&key).with(&other),
        );
        assert!(
            lines.iter().all(|l| !l.contains(other.expose())),
            "{lines:?}"
        );
    }
}
