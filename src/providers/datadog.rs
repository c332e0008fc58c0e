//! Datadog API keys and application keys, create-then-revoke (providers-more.md §4). Two adapters: the
//! two keys are two secrets in two config slots, rotated independently (§4.6).
//!
//! - Site (§4.1): the link's `site` id (`DD_SITE`, e.g. `datadoghq.eu`, `us5.datadoghq.com`) gives
//!   `https://api.<site>`; [`site_from_url`] reads it from an MCP URL (`mcp.us3.datadoghq.com` →
//!   `us3.datadoghq.com`). The link's base URL overrides both.
//! - Admin credential (§4.2): key management needs `DD-API-KEY` + `DD-APPLICATION-KEY`, or a bearer
//!   PAT/SAT. Stored as one line: `API_KEY:APPLICATION_KEY`, or a `ddpat_…`/`ddsat_…` token.
//! - API keys (§4.3): `POST /api/v2/api_keys` → `$.data.attributes.key`, `$.data.id`;
//!   `DELETE /api/v2/api_keys/{id}` → 204. Old key's id: the link's `key_id`, else
//!   `GET /api/v2/validate` with the old key (`data.attributes.api_key_id`). Verify: `GET /api/v1/validate`
//!   (`DD-API-KEY`; 403 when invalid).
//! - Application keys (§4.4): `POST /api/v2/current_user/application_keys`,
//!   `DELETE /api/v2/current_user/application_keys/{id}`. Old key's id: the link's `key_id`, else the one
//!   key of the current user whose `last4` matches (§4.4 calls this UNVERIFIED as the intended method; an
//!   ambiguous match is refused). Verify: `GET /api/v2/validate_keys` with the admin credential's API
//!   key beside the new app key (v2 only: v1 app-key endpoints are off in One-Time-Read orgs).
//! - Errors: `{"errors": ["…"]}`.

use super::*;

pub struct DatadogApiKey;
pub struct DatadogAppKey;

fn message(v: &serde_json::Value) -> Option<String> {
    let e = v.get("errors")?;
    match e {
        serde_json::Value::Array(a) => Some(
            a.iter()
                .map(|x| {
                    x.as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| x.to_string())
                })
                .collect::<Vec<_>>()
                .join("; "),
        ),
        other => Some(other.to_string()),
    }
}

/// The API base for a Datadog site: `datadoghq.com` → `https://api.datadoghq.com`,
/// `us3.datadoghq.com` → `https://api.us3.datadoghq.com`, `datadoghq.eu` → `https://api.datadoghq.eu`.
pub fn api_base_for_site(site: &str) -> Result<String, ProviderError> {
    let site = site
        .trim()
        .trim_start_matches("https://")
        .trim_end_matches('/')
        .to_ascii_lowercase();
    let site = site
        .strip_prefix("app.")
        .or_else(|| site.strip_prefix("api."))
        .unwrap_or(&site)
        .to_string();
    let known = ["datadoghq.com", "datadoghq.eu", "ddog-gov.com"]
        .iter()
        .any(|d| site == *d || site.ends_with(&format!(".{d}")));
    let clean = site
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
    if !known || !clean {
        return Err(ProviderError::InvalidBaseUrl(format!(
            "'{}' is not a Datadog site (datadoghq.com, us3.datadoghq.com, us5.datadoghq.com, datadoghq.eu, ap1.datadoghq.com, ap2.datadoghq.com, uk1.datadoghq.com, ddog-gov.com)",
            http::sanitize(&site)
        )));
    }
    Ok(format!("https://api.{site}"))
}

/// The site of a Datadog MCP or app URL: `https://mcp.us5.datadoghq.com/api/unstable/mcp-server/mcp` →
/// `us5.datadoghq.com`; `https://app.datadoghq.eu` → `datadoghq.eu`. None for other hosts.
pub fn site_from_url(url: &str) -> Option<String> {
    let host = reqwest::Url::parse(url)
        .ok()?
        .host_str()?
        .to_ascii_lowercase();
    let rest = ["mcp.", "app.", "api."]
        .iter()
        .find_map(|p| host.strip_prefix(p))
        .unwrap_or(&host);
    api_base_for_site(rest).ok().map(|_| rest.to_string())
}

/// The admin credential as request headers.
fn admin_headers(
    rb: reqwest::blocking::RequestBuilder,
    admin: Option<&Secret>,
    id: &str,
) -> Result<reqwest::blocking::RequestBuilder, ProviderError> {
    let admin = admin.ok_or_else(|| ProviderError::MissingAdminCredential(id.into()))?;
    let a = admin.expose().trim();
    if a.starts_with("ddpat_") || a.starts_with("ddsat_") {
        return Ok(rb.bearer_auth(a));
    }
    match a.split_once(':') {
        Some((api, app)) if !api.is_empty() && !app.is_empty() => Ok(rb
            .header("DD-API-KEY", api.trim())
            .header("DD-APPLICATION-KEY", app.trim())),
        _ => Err(ProviderError::InvalidSpec(format!(
            "the Datadog admin credential must be 'API_KEY:APPLICATION_KEY' (one line) or a ddpat_/ddsat_ token: store it again with `rekey login {id}`"
        ))),
    }
}

/// The admin credential's API key and app key (None for a bearer token).
fn admin_parts(admin: Option<&Secret>) -> Option<(String, String)> {
    let (api, app) = admin?.expose().trim().split_once(':')?;
    Some((api.trim().to_string(), app.trim().to_string()))
}

fn base(p: &dyn Provider, link: &Link) -> Result<String, ProviderError> {
    let url = match (
        &link.base_url,
        link.ids.get("site").filter(|s| !s.is_empty()),
    ) {
        (Some(u), _) => u.clone(),
        (None, Some(site)) => api_base_for_site(site)?,
        (None, None) => p.default_base_url().to_string(),
    };
    http::check_base_url(&url)?;
    Ok(url.trim_end_matches('/').to_string())
}

/// Create at `path` (`api_keys` or `application_keys` body type `kind`).
fn create(
    p: &dyn Provider,
    http: &Http,
    req: &CreateRequest,
    path: &str,
    kind: &str,
) -> Result<Created, ProviderError> {
    let url = format!("{}{path}", p.base_url(req.link)?);
    let body = serde_json::json!({ "data": { "type": kind, "attributes": { "name": req.name } } });
    let rb = admin_headers(http.post(&url), req.admin, p.id())?.json(&body);
    let answer = http.send(rb)?.json_ok(message)?;
    Ok(Created {
        new: take_secret(&answer, &["/data/attributes/key"], "data.attributes.key")?,
        new_key_id: take_id(&answer, &["/data/id"]),
    })
}

fn revoke(
    p: &dyn Provider,
    http: &Http,
    req: &RevokeRequest,
    path: &str,
) -> Result<(), ProviderError> {
    let url = format!("{}{path}/{}", p.base_url(req.link)?, path_id(req.key_id)?);
    let rb = admin_headers(
        http.request(reqwest::Method::DELETE, &url),
        req.admin,
        p.id(),
    )?;
    no_body(http.send(rb)?, message)
}

/// Refuse to replace the key the admin credential itself uses: revoking it would break the credential.
fn not_the_admin(
    old: &Secret,
    admin: Option<&Secret>,
    which: usize,
    id: &str,
) -> Result<(), ProviderError> {
    if let Some(parts) = admin_parts(admin) {
        let used = if which == 0 { parts.0 } else { parts.1 };
        if used == old.expose() {
            return Err(ProviderError::InvalidSpec(format!(
                "the admin credential (`rekey login {id}`) uses this very key: after the rotation it would be revoked; log in with another key first"
            )));
        }
    }
    Ok(())
}

impl Provider for DatadogApiKey {
    fn id(&self) -> &'static str {
        "datadog-api-key"
    }
    fn name(&self) -> &'static str {
        "Datadog API key"
    }
    fn help(&self) -> &'static str {
        "admin credential (rekey login datadog-api-key): API_KEY:APPLICATION_KEY on one line, or a ddpat_/ddsat_ token, not using the key being rotated; --site for other Datadog sites (datadoghq.eu, us5.datadoghq.com...); the old key's id is found with GET /api/v2/validate"
    }
    fn rotate_auth(&self) -> RotateAuth {
        RotateAuth::AdminCredential
    }
    fn model(&self, _link: &Link) -> Model {
        Model::CreateThenRevoke
    }
    fn slot_kinds(&self) -> &'static [SlotKind] {
        &[
            SlotKind::Env,
            SlotKind::Header,
            SlotKind::ArgFlag,
            SlotKind::ArgValue,
        ]
    }
    fn required_ids(&self) -> &'static [&'static str] {
        &[]
    }
    fn default_base_url(&self) -> &'static str {
        "https://api.datadoghq.com"
    }
    fn base_url(&self, link: &Link) -> Result<String, ProviderError> {
        base(self, link)
    }
    fn detects(&self, h: &KeyHint) -> bool {
        let n = h.upper_name();
        n.contains("DD_API_KEY")
            || n.contains("DATADOG_API_KEY")
            || n == "__APIKEY" && h.value.contains("datadog")
    }
    fn rotate(&self, _http: &Http, _req: &RotateRequest) -> Result<Rotated, ProviderError> {
        Err(not_in_place(self))
    }
    fn create(&self, http: &Http, req: &CreateRequest) -> Result<Created, ProviderError> {
        create(self, http, req, "/api/v2/api_keys", "api_keys")
    }
    fn revoke(&self, http: &Http, req: &RevokeRequest) -> Result<(), ProviderError> {
        revoke(self, http, req, "/api/v2/api_keys")
    }
    fn old_key_id(
        &self,
        http: &Http,
        link: &Link,
        old: &Secret,
        admin: Option<&Secret>,
    ) -> Result<String, ProviderError> {
        not_the_admin(old, admin, 0, self.id())?;
        if let Ok(id) = link.id("key_id") {
            return Ok(id.to_string());
        }
        let url = format!("{}/api/v2/validate", self.base_url(link)?);
        let answer = http
            .send(http.get(&url).header("DD-API-KEY", old.expose()))?
            .json_ok(message)?;
        take_id(&answer, &["/data/attributes/api_key_id"])
            .ok_or_else(|| ProviderError::MissingField("data.attributes.api_key_id".into()))
    }
    fn verify(&self, http: &Http, link: &Link, key: &Secret) -> Result<(), ProviderError> {
        let url = format!("{}/api/v1/validate", self.base_url(link)?);
        let body = http
            .send(http.get(&url).header("DD-API-KEY", key.expose()))?
            .json_ok(message)?;
        match body.get("valid").and_then(|v| v.as_bool()) {
            Some(true) => Ok(()),
            _ => Err(ProviderError::Forbidden(
                "Datadog says the key is not valid".into(),
            )),
        }
    }
}

impl Provider for DatadogAppKey {
    fn id(&self) -> &'static str {
        "datadog-app-key"
    }
    fn name(&self) -> &'static str {
        "Datadog application key"
    }
    fn help(&self) -> &'static str {
        "admin credential (rekey login datadog-app-key): API_KEY:APPLICATION_KEY on one line, or a ddpat_/ddsat_ token, not using the key being rotated; --site for other Datadog sites; the old key is found among the current user's keys by its last 4 characters (--key-id to give it)"
    }
    fn rotate_auth(&self) -> RotateAuth {
        RotateAuth::AdminCredential
    }
    fn model(&self, _link: &Link) -> Model {
        Model::CreateThenRevoke
    }
    fn slot_kinds(&self) -> &'static [SlotKind] {
        &[
            SlotKind::Env,
            SlotKind::Header,
            SlotKind::ArgFlag,
            SlotKind::ArgValue,
        ]
    }
    fn required_ids(&self) -> &'static [&'static str] {
        &[]
    }
    fn default_base_url(&self) -> &'static str {
        "https://api.datadoghq.com"
    }
    fn base_url(&self, link: &Link) -> Result<String, ProviderError> {
        base(self, link)
    }
    fn detects(&self, h: &KeyHint) -> bool {
        let n = h.upper_name();
        n.contains("DD_APP_KEY")
            || n.contains("DD_APPLICATION_KEY")
            || n.contains("DATADOG_APP_KEY")
            || h.key.starts_with("ddapp_")
            || h.key.starts_with("ddap_")
    }
    fn rotate(&self, _http: &Http, _req: &RotateRequest) -> Result<Rotated, ProviderError> {
        Err(not_in_place(self))
    }
    fn create(&self, http: &Http, req: &CreateRequest) -> Result<Created, ProviderError> {
        create(
            self,
            http,
            req,
            "/api/v2/current_user/application_keys",
            "application_keys",
        )
    }
    fn revoke(&self, http: &Http, req: &RevokeRequest) -> Result<(), ProviderError> {
        revoke(self, http, req, "/api/v2/current_user/application_keys")
    }
    fn old_key_id(
        &self,
        http: &Http,
        link: &Link,
        old: &Secret,
        admin: Option<&Secret>,
    ) -> Result<String, ProviderError> {
        not_the_admin(old, admin, 1, self.id())?;
        if let Ok(id) = link.id("key_id") {
            return Ok(id.to_string());
        }
        let url = format!(
            "{}/api/v2/current_user/application_keys",
            self.base_url(link)?
        );
        let answer = http
            .send(admin_headers(http.get(&url), admin, self.id())?)?
            .json_ok(message)?;
        let o = old.expose();
        let mut tail: Vec<char> = o.chars().rev().take(4).collect();
        tail.reverse();
        let last4: String = tail.into_iter().collect();
        let ids: Vec<String> = answer
            .get("data")
            .and_then(|d| d.as_array())
            .into_iter()
            .flatten()
            .filter(|k| {
                k.pointer("/attributes/last4").and_then(|v| v.as_str()) == Some(last4.as_str())
            })
            .filter_map(|k| take_id(k, &["/id"]))
            .collect();
        match ids.as_slice() {
            [one] => Ok(one.clone()),
            [] => Err(ProviderError::NotFound(
                "no application key of the current user ends like this one; link it with --key-id"
                    .into(),
            )),
            _ => Err(ProviderError::InvalidSpec(
                "several application keys end like this one; link it with --key-id".into(),
            )),
        }
    }
    /// Without the admin credential in hand (the rotation's verify step): it is read from the keychain.
    fn verify(&self, http: &Http, link: &Link, key: &Secret) -> Result<(), ProviderError> {
        let acct = crate::vault::admin_account(self.id(), link.account.as_deref());
        let admin = crate::vault::Vault::default()
            .get(&acct)
            .map_err(|_| ProviderError::MissingAdminCredential(self.id().into()))?;
        self.verify_with(http, link, key, Some(&admin))
    }
    /// An app key is only checked beside an API key: the admin credential's.
    fn verify_with(
        &self,
        http: &Http,
        link: &Link,
        key: &Secret,
        admin: Option<&Secret>,
    ) -> Result<(), ProviderError> {
        let Some((api, _)) = admin_parts(admin) else {
            return Err(ProviderError::InvalidSpec(format!(
                "verifying an application key needs an API key: store the admin credential as 'API_KEY:APPLICATION_KEY' (`rekey login {}`)",
                self.id()
            )));
        };
        let url = format!("{}/api/v2/validate_keys", self.base_url(link)?);
        http.send(
            http.get(&url)
                .header("DD-API-KEY", api)
                .header("DD-APPLICATION-KEY", key.expose()),
        )?
        .json_ok(message)
        .map(|_| ())
    }
}
