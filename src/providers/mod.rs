//! Providers: one adapter per provider behind one trait. Each says how its rotate call is authenticated,
//! whether the old key can get a grace period, how to verify a key, and which slot kinds its key occupies.
//!
//! Every failure has its own error: 401, 403, 404, 429, 5xx, a failed gateway (502/503/504: the call
//! may have been forwarded, so the rotation may have happened), connection refused (nothing sent),
//! timeout or connection lost after sending (the rotation may or may not have happened), a body that is
//! not JSON, a body without the new secret. A rotate call is never retried: rotations are not idempotent.

pub mod a2a_market;
pub mod activepieces;
pub mod bitscale;
pub mod cloudflare_access;
pub mod custom;
pub mod datadog;
pub mod fruxon;
pub mod http;
pub mod mcp;
pub mod neon;
pub mod openai;
// Issue 11, part 1: more providers (append-only below).
pub mod activepieces_project;
pub mod cloudflare_api;
pub mod gitlab;
pub mod launchdarkly;
pub mod paddle;
pub mod rootly;
pub mod vercel;

use crate::clients::SlotKind;
use crate::Secret;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;
use ts_rs::TS;

pub use http::Http;

/// How the rotate call proves who it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum RotateAuth {
    /// The key being rotated authenticates its own rotation (BitScale, A2A Market).
    CurrentKey,
    /// A separate admin credential from the keychain (Activepieces platform key, Fruxon JWT, Cloudflare API token).
    AdminCredential,
}

/// How a credential is tied to a provider account: kept in Rekey's data dir, never with a secret in it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Link {
    pub provider: String,
    /// Overrides the provider's production URL (self-hosted servers, tests).
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    /// Which stored admin credential to use (`rekey login <provider> --account NAME`).
    #[ts(optional)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// The provider's ids: `server_id`, `tenant`, `integration`, `account_id`, `token_id`, `agent_id`,
    /// and for Cloudflare Access `client_id` and `app_url` (an application behind Access to verify against).
    #[serde(default)]
    pub ids: BTreeMap<String, String>,
}

impl Link {
    pub fn id(&self, name: &'static str) -> Result<&str, ProviderError> {
        self.ids
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
            .ok_or(ProviderError::MissingId(name))
    }
}

/// What a rotate call needs.
pub struct RotateRequest<'a> {
    pub link: &'a Link,
    /// The key being rotated (needed by providers that authenticate the rotate call with it).
    pub current: &'a Secret,
    pub admin: Option<&'a Secret>,
    /// How long the old key should keep working where the provider allows it (Cloudflare Access).
    pub grace: Duration,
}

/// A successful rotation.
#[derive(Debug)]
pub struct Rotated {
    pub new: Secret,
    /// Until when (unix seconds) the old key keeps working, where the provider says so.
    pub old_valid_until: Option<u64>,
}

/// What a create call needs (create-then-revoke): the new key is made while the old one still works.
pub struct CreateRequest<'a> {
    pub link: &'a Link,
    /// The key being replaced (it authenticates the create call where the provider allows that: Neon
    /// personal keys, OpenAI admin keys).
    pub current: &'a Secret,
    pub admin: Option<&'a Secret>,
    /// The new key's name at the provider (`rekey-<rotation id>`), so a key whose answer was lost can be
    /// found in the provider's console.
    pub name: &'a str,
}

/// A key created beside the old one.
#[derive(Debug)]
pub struct Created {
    pub new: Secret,
    /// The provider's id of the new key (not a secret: it is journaled, so recovery or a rollback can
    /// delete the key). None when the answer had no id: the key is still kept and used, but a rollback
    /// cannot delete it (the user is told to, in the provider's console).
    pub new_key_id: Option<String>,
}

/// What a revoke (delete) call needs.
pub struct RevokeRequest<'a> {
    pub link: &'a Link,
    /// The provider's id of the key to delete.
    pub key_id: &'a str,
    /// A key that still works and may authenticate the call: the new key when the old one is revoked,
    /// the old key when a rollback deletes the new one.
    pub live: &'a Secret,
    pub admin: Option<&'a Secret>,
}

/// Everything that can go wrong talking to a provider. Messages never contain a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    #[error("invalid base URL: {0}")]
    InvalidBaseUrl(String),
    #[error("{0}")]
    InvalidSpec(String),
    #[error("the link to the provider lacks the id '{0}' (see `rekey link --help`)")]
    MissingId(&'static str),
    #[error("no admin credential for this provider in the keychain (run `rekey login {0}`)")]
    MissingAdminCredential(String),
    #[error("the provider rejected the credential (401 Unauthorized): {0}")]
    Unauthorized(String),
    #[error("the credential is not allowed to do this (403 Forbidden): {0}")]
    Forbidden(String),
    #[error(
        "the provider does not know this resource (404 Not Found): check the ids in the link: {0}"
    )]
    NotFound(String),
    #[error("rate limited by the provider (429){}: nothing was rotated; try again later", retry_after.map(|s| format!(", retry after {s} s")).unwrap_or_default())]
    RateLimited { retry_after: Option<u64> },
    #[error("the provider failed ({status} server error): {message}; the key was most likely not rotated: check with `rekey verify` before trying again")]
    ServerError { status: u16, message: String },
    /// 502, 503, 504: a gateway or proxy in front of the provider failed, possibly after forwarding the call.
    #[error("the provider's gateway failed ({status}): {message}; the request may have reached the provider, so if this was a rotation the key may or may not have been rotated. Do not retry: check with `rekey verify` (does the old key still work?) or in the provider's console")]
    GatewayError { status: u16, message: String },
    #[error("unexpected answer from the provider ({status}): {message}")]
    UnexpectedStatus { status: u16, message: String },
    #[error("could not connect to the provider ({0}); nothing was sent, nothing changed")]
    ConnectionFailed(String),
    #[error("the request was sent but no answer came back ({0}): the key may or may not have been rotated. Do not retry: check with `rekey verify` (does the old key still work?) or in the provider's console")]
    Ambiguous(String),
    #[error("the provider answered {status} but the body is not valid JSON: if this was a rotation it probably happened, and the new key could not be read: get it from the provider's console")]
    Malformed { status: u16 },
    #[error("the provider's answer has no '{0}': if this was a rotation it probably happened, and the new key could not be read: get it from the provider's console")]
    MissingField(String),
    #[error("the provider redirected to another location ({0}); Rekey does not follow redirects with credentials")]
    Redirected(String),
}

impl ProviderError {
    /// A stable code for the UI and scripts.
    pub fn code(&self) -> &'static str {
        match self {
            ProviderError::InvalidBaseUrl(_) => "invalid_base_url",
            ProviderError::InvalidSpec(_) => "invalid_spec",
            ProviderError::MissingId(_) => "missing_id",
            ProviderError::MissingAdminCredential(_) => "missing_admin_credential",
            ProviderError::Unauthorized(_) => "unauthorized",
            ProviderError::Forbidden(_) => "forbidden",
            ProviderError::NotFound(_) => "not_found",
            ProviderError::RateLimited { .. } => "rate_limited",
            ProviderError::ServerError { .. } => "server_error",
            ProviderError::GatewayError { .. } => "gateway_error",
            ProviderError::UnexpectedStatus { .. } => "unexpected_status",
            ProviderError::ConnectionFailed(_) => "connection_failed",
            ProviderError::Ambiguous(_) => "outcome_unknown",
            ProviderError::Malformed { .. } => "malformed_response",
            ProviderError::MissingField(_) => "missing_field",
            ProviderError::Redirected(_) => "redirected",
        }
    }

    /// After this error from a rotate call, might the provider have rotated the key?
    pub fn may_have_rotated(&self) -> bool {
        matches!(
            self,
            ProviderError::Ambiguous(_)
                | ProviderError::GatewayError { .. }
                | ProviderError::Malformed { .. }
                | ProviderError::MissingField(_)
        )
    }
}

/// How a provider replaces a key (issue 11): what the plan and the confirm step tell the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum Model {
    /// One irreversible call: the old key dies at once and the new one is shown once.
    RotateInPlace,
    /// One call; the old key keeps working until a stated time (grace).
    RotateWithGrace,
    /// The new key is created while the old one still works; the old one is revoked only after every
    /// config holds the new key and it is verified.
    CreateThenRevoke,
}

/// What a scan knows of a found key when it guesses the provider (never serialized, never logged).
pub struct KeyHint<'a> {
    /// The env var / header / flag / parameter name that holds it (`BITSCALE_API_KEY`, `Authorization`).
    pub name: &'a str,
    /// The whole string the key sits in (a URL, `Bearer …`, `--api-key=…`).
    pub value: &'a str,
    /// The key itself.
    pub key: &'a str,
}

impl KeyHint<'_> {
    /// The name in upper case with `-` as `_` (`x-api-key` → `X_API_KEY`).
    pub fn upper_name(&self) -> String {
        self.name.to_ascii_uppercase().replace('-', "_")
    }
}

/// What the configs that hold a key say about it, for [`Provider::complete_link`] at `rekey link` and
/// plan time (never serialized, never logged).
pub struct Usage<'a> {
    /// The key itself.
    pub key: &'a Secret,
    /// The MCP URLs (`url`, `serverUrl`, …) of the entries that hold it.
    pub urls: &'a [String],
    /// `(name, value)` of the env vars a provider asked for with [`Provider::base_url_env`], from the
    /// entries that hold the key.
    pub env: &'a [(String, String)],
}

/// What a provider's keys look like, where its documentation says so
/// (../shared/reference/providers*.md): a key pasted by hand (manual replace) must match one of its
/// provider's shapes, or the user says to use it anyway. Never a guess: a provider with no documented
/// shape has none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyShape {
    /// What the key starts with ("" when the shape is not a prefix).
    pub prefix: &'static str,
    /// The whole key's length, inclusive bounds, where documented.
    pub len: Option<(usize, usize)>,
    /// Only ASCII letters and digits.
    pub alphanumeric: bool,
}

impl KeyShape {
    /// Keys that start with `prefix`.
    pub const fn prefix(prefix: &'static str) -> Self {
        KeyShape {
            prefix,
            len: None,
            alphanumeric: false,
        }
    }
    pub fn matches(&self, key: &str) -> bool {
        let n = key.chars().count();
        key.starts_with(self.prefix)
            && self.len.is_none_or(|(lo, hi)| (lo..=hi).contains(&n))
            && (!self.alphanumeric || key.chars().all(|c| c.is_ascii_alphanumeric()))
    }
    /// "starts with `sk-live-`", "21 letters and digits", …
    pub fn describe(&self) -> String {
        let len = match self.len {
            Some((lo, hi)) if lo == hi => format!("{lo}"),
            Some((lo, hi)) => format!("{lo} to {hi}"),
            None => String::new(),
        };
        match (self.prefix, len.is_empty(), self.alphanumeric) {
            ("", true, _) => "any shape".to_string(),
            ("", false, true) => format!("{len} letters and digits"),
            ("", false, false) => format!("{len} characters long"),
            (p, true, _) => format!("starts with `{p}`"),
            (p, false, _) => format!("starts with `{p}` and is {len} characters long"),
        }
    }
}

/// One provider.
pub trait Provider: Sync {
    fn id(&self) -> &'static str;
    fn name(&self) -> &'static str;
    fn rotate_auth(&self) -> RotateAuth;
    /// Can the old key be kept alive for a grace period after rotation?
    fn supports_grace(&self) -> bool {
        false
    }
    /// How this provider replaces a key for this link.
    fn model(&self, _link: &Link) -> Model {
        if self.supports_grace() {
            Model::RotateWithGrace
        } else {
            Model::RotateInPlace
        }
    }
    /// Does rotating this link need an admin credential from the keychain?
    fn needs_admin(&self, _link: &Link) -> bool {
        self.rotate_auth() == RotateAuth::AdminCredential
    }
    /// Which slot kinds this provider's key occupies in client configs.
    fn slot_kinds(&self) -> &'static [SlotKind];
    /// The ids a link must carry.
    fn required_ids(&self) -> &'static [&'static str];
    fn default_base_url(&self) -> &'static str;
    /// Is a key found in a config (its name, the string it sits in, its shape) this provider's?
    /// Used only to guess; the user confirms with `rekey link`. Detect by the key's prefix, the env or
    /// header name, and the host in the string (providers-more.md §0).
    fn detects(&self, _hint: &KeyHint) -> bool {
        false
    }
    /// The documented shapes of this provider's keys ([`KeyShape`]); empty when none is documented.
    fn key_shapes(&self) -> &'static [KeyShape] {
        &[]
    }
    /// One line for the link form and `rekey providers`: what the admin credential must be, where the
    /// ids come from. Empty when there is nothing to add.
    fn help(&self) -> &'static str {
        ""
    }
    /// The env var of an MCP server entry that holds this provider's API URL (GitLab's `GITLAB_API_URL`).
    fn base_url_env(&self) -> Option<&'static str> {
        None
    }
    /// At link (and plan) time: refuse a key this provider cannot rotate, with a clear message (a
    /// Cloudflare Global API Key, Activepieces' OAuth generation), and fill in what the configs already
    /// say (base URL, ids) where the link lacks it. Nothing is sent anywhere.
    fn complete_link(&self, _link: &mut Link, _usage: &Usage) -> Result<(), String> {
        Ok(())
    }
    /// A sentence for the plan about when the old key stops working, where that is not a fixed time.
    fn grace_note(&self, _grace: Duration) -> Option<String> {
        None
    }
    /// Call the provider's rotate endpoint once (never retried).
    fn rotate(&self, http: &Http, req: &RotateRequest) -> Result<Rotated, ProviderError>;
    /// Create-then-revoke: create a new key beside the old one (called once, never retried).
    fn create(&self, _http: &Http, _req: &CreateRequest) -> Result<Created, ProviderError> {
        Err(ProviderError::InvalidSpec(format!(
            "{} does not create keys (it rotates them in place)",
            self.name()
        )))
    }
    /// Create-then-revoke: delete the key with the provider's id `req.key_id`.
    fn revoke(&self, _http: &Http, _req: &RevokeRequest) -> Result<(), ProviderError> {
        Err(ProviderError::InvalidSpec(format!(
            "{} does not revoke keys by id",
            self.name()
        )))
    }
    /// Create-then-revoke: the provider's id of the key being replaced (`old`). Default: the link's
    /// `key_id`, asked once when linking (Neon and OpenAI have no "which key am I" call).
    fn old_key_id(
        &self,
        _http: &Http,
        link: &Link,
        _old: &Secret,
        _admin: Option<&Secret>,
    ) -> Result<String, ProviderError> {
        link.id("key_id").map(str::to_string)
    }
    /// Prove that `key` works, with the provider's own cheapest check.
    fn verify(&self, http: &Http, link: &Link, key: &Secret) -> Result<(), ProviderError>;
    /// `verify` with the admin credential in hand, for providers whose check needs it beside the key (a
    /// Datadog application key is only checked together with an API key). Default: `verify`.
    fn verify_with(
        &self,
        http: &Http,
        link: &Link,
        key: &Secret,
        _admin: Option<&Secret>,
    ) -> Result<(), ProviderError> {
        self.verify(http, link, key)
    }

    /// The base URL for a link: its override or the default, checked (https, or http to loopback only).
    fn base_url(&self, link: &Link) -> Result<String, ProviderError> {
        let url = link.base_url.as_deref().unwrap_or(self.default_base_url());
        http::check_base_url(url)?;
        Ok(url.trim_end_matches('/').to_string())
    }
}

/// All providers, by id.
pub fn all() -> &'static [&'static dyn Provider] {
    &[
        &activepieces::Activepieces,
        &bitscale::BitScale,
        &cloudflare_access::CloudflareAccess,
        &fruxon::Fruxon,
        &a2a_market::A2aMarket,
        &gitlab::GitLab,
        &cloudflare_api::CloudflareApi,
        &paddle::Paddle,
        &launchdarkly::LaunchDarkly,
        &activepieces_project::ActivepiecesProject,
        &rootly::Rootly,
        &custom::Custom,
        &neon::Neon,
        &datadog::DatadogApiKey,
        &datadog::DatadogAppKey,
        &openai::OpenAiAdminKey,
        &openai::OpenAiServiceAccountKey,
        &vercel::Vercel,
    ]
}

pub fn by_id(id: &str) -> Option<&'static dyn Provider> {
    all().iter().copied().find(|p| p.id() == id)
}

/// Pull the new secret out of a JSON answer at the first of `pointers` that holds a non-empty string.
pub(crate) fn take_secret(
    body: &serde_json::Value,
    pointers: &[&str],
    field_name: &str,
) -> Result<Secret, ProviderError> {
    for p in pointers {
        if let Some(s) = body
            .pointer(p)
            .and_then(|v| v.as_str())
            .filter(|s| !s.is_empty())
        {
            return Ok(Secret::new(s.to_string()));
        }
    }
    Err(ProviderError::MissingField(field_name.to_string()))
}

/// The new key's id in a create answer: the first of `pointers` that holds a non-empty string or a
/// number (Neon's ids are numbers). None when the answer has none (the key is still kept).
pub(crate) fn take_id(body: &serde_json::Value, pointers: &[&str]) -> Option<String> {
    pointers.iter().find_map(|p| match body.pointer(p)? {
        serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

/// The result of a call whose success has no body to read (a `204 No Content` delete): any 2xx is
/// success; otherwise the error for the status, with the provider's message.
pub(crate) fn no_body(
    answer: http::Answer,
    message: impl Fn(&serde_json::Value) -> Option<String>,
) -> Result<(), ProviderError> {
    if (200..300).contains(&answer.status) {
        return Ok(());
    }
    answer.json_ok(message).map(|_| ())
}

/// Refuse a create-then-revoke provider's in-place rotate (the transaction calls `create`).
pub(crate) fn not_in_place(p: &dyn Provider) -> ProviderError {
    ProviderError::InvalidSpec(format!(
        "{} keys are replaced by create-then-revoke, not rotated in place",
        p.name()
    ))
}

/// An id that goes into a URL path: letters, digits, `-`, `_`, `.` only (never `..`), so an id from a
/// link or an answer cannot change which resource a call reaches.
pub(crate) fn path_id(id: &str) -> Result<&str, ProviderError> {
    let ok = !id.is_empty()
        && id != "."
        && id != ".."
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(id)
    } else {
        Err(ProviderError::InvalidSpec(format!(
            "'{}' is not a valid key or resource id",
            sanitize_id(id)
        )))
    }
}

fn sanitize_id(id: &str) -> String {
    http::sanitize(id).chars().take(40).collect()
}
