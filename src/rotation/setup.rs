//! Linking keys to providers, checking a key, and the providers' admin credentials in the keychain.

use super::admin_account;
use super::store::Links;
use crate::context::Context;
use crate::providers::{self, Http, Link, ProviderError};
use crate::vault::Vault;
use crate::{Error, Result, Secret};
use serde::Serialize;
use ts_rs::TS;

/// A provider that rotates with an admin credential, and whether one is in the keychain (masked only).
#[derive(Debug, Clone, Serialize, TS)]
pub struct AdminCredential {
    pub provider: &'static str,
    pub name: &'static str,
    pub stored: bool,
    #[ts(optional)]
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

/// What the UI and `rekey providers --json` show of one provider (the field names are stable).
#[derive(Debug, Clone, Serialize, TS)]
pub struct ProviderInfo {
    pub id: &'static str,
    pub name: &'static str,
    /// How the rotate call authenticates.
    pub auth: providers::RotateAuth,
    /// The provider can keep the old key working for a while (grace period).
    pub grace: bool,
    /// The ids a link needs, e.g. `["server_id"]`.
    pub ids: &'static [&'static str],
    pub default_base_url: &'static str,
    /// How the key is replaced (for a link without ids).
    pub model: providers::Model,
    /// What the user needs to know before linking ("" when nothing).
    pub help: &'static str,
}

/// What the UI and `rekey providers --json` show of each provider.
pub fn provider_list() -> Vec<ProviderInfo> {
    providers::all()
        .iter()
        .map(|p| ProviderInfo {
            id: p.id(),
            name: p.name(),
            auth: p.rotate_auth(),
            grace: p.supports_grace(),
            ids: p.required_ids(),
            default_base_url: p.default_base_url(),
            model: p.model(&Link::default()),
            help: p.help(),
        })
        .collect()
}

/// Link a credential found by the scan to a provider account, after checking the provider exists, the
/// base URL is allowed and every id the provider needs is there. Links hold no secrets.
pub fn link(ctx: &Context, credential: &str, link: Link) -> Result<()> {
    let credential = ctx.resolve(credential);
    let credential = credential.as_str();
    let p = providers::by_id(&link.provider)
        .ok_or_else(|| Error::UnknownProvider(link.provider.clone()))?;
    let report = ctx.scan()?;
    if !report.credentials.iter().any(|c| c.id == credential) {
        return Err(Error::UnknownCredential(credential.into()));
    }
    let mut link = Link {
        provider: p.id().into(),
        base_url: link.base_url.filter(|u| !u.trim().is_empty()),
        account: link.account.filter(|a| !a.trim().is_empty()),
        ids: link
            .ids
            .into_iter()
            .filter(|(_, v)| !v.trim().is_empty())
            .collect(),
    };
    // What the configs already say (base URL, ids), and keys this provider cannot rotate.
    let key = key_of(ctx, &report, credential)?;
    let (urls, env) = report.notes_of(credential);
    p.complete_link(
        &mut link,
        &providers::Usage {
            key: &key,
            urls: &urls,
            env: &env,
        },
    )
    .map_err(Error::InvalidInput)?;
    // Datadog: without a site or URL, the site of the remote MCP server that sends this key
    // (`mcp.us5.datadoghq.com` → `us5.datadoghq.com`, providers-more.md §4.1).
    if p.id().starts_with("datadog-") && link.base_url.is_none() && !link.ids.contains_key("site") {
        if let Some(key) = report.secret_of(credential) {
            let site = report
                .remotes
                .iter()
                .filter(|r| r.headers.iter().any(|(_, v)| v.contains(key.expose())))
                .find_map(|r| providers::datadog::site_from_url(&r.url));
            if let Some(site) = site {
                link.ids.insert("site".into(), site);
            }
        }
    }
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
    let credential = ctx.resolve(credential);
    let credential = credential.as_str();
    let report = ctx.scan()?;
    let link = Links::new(&ctx.data_dir)
        .get(credential)
        .map_err(|e| Error::io(&ctx.data_dir, e))?
        .ok_or_else(|| Error::NotLinked(credential.into()))?;
    let provider = providers::by_id(&link.provider)
        .ok_or_else(|| Error::UnknownProvider(link.provider.clone()))?;
    let key = key_of(ctx, &report, credential)?;
    // The provider's text may echo the key back: it leaves through the scrubbing boundary.
    provider
        .verify(http, &link, &key)
        .map_err(|e: ProviderError| {
            Error::Provider(e).scrubbed(&crate::scrub::Scrubber::new().with(&key))
        })
}

/// A credential's key: from the configs when one holds it literally, else (a protected key) from the
/// keychain entry of its reference.
fn key_of(
    ctx: &Context,
    report: &crate::scan::ScanReport,
    credential: &str,
) -> Result<crate::Secret> {
    if let Some(k) = report.secret_of(credential) {
        return Ok(k);
    }
    crate::protect::index::protected_key(ctx, &crate::vault::Vault::default(), credential)?
        .1
        .ok_or_else(|| Error::UnknownCredential(credential.into()))
}
