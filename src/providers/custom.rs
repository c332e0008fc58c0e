//! `custom`: a provider described by a TOML file, so users add providers without code.
//!
//! ```toml
//! name = "Example API"
//! base_url = "https://api.example.com"      # optional; the link's --base-url overrides it
//! [rotate]
//! method = "POST"
//! url = "{{base}}/v1/keys/rotate"
//! headers = { Authorization = "Bearer {{admin}}", "X-API-KEY" = "{{current}}" }
//! body = "{}"                                # optional, sent as application/json
//! secret_pointer = "/api_key"                # JSON pointer to the new secret in the answer
//! [verify]                                   # optional
//! method = "GET"
//! url = "{{base}}/v1/me"
//! headers = { "X-API-KEY" = "{{key}}" }
//! ```
//! `{{current}}` is the key being rotated, `{{admin}}` the admin credential from the keychain
//! (`rekey login custom --account NAME`), `{{key}}` the key being verified, `{{base}}` the base URL.
//! The link names the file: `rekey link <id> --provider custom --spec FILE`.
//!
//! Create-then-revoke instead of `[rotate]` (see examples/providers/neon-create-revoke.toml):
//! ```toml
//! [create]                                   # makes a new key while the old one still works
//! url = "{{base}}/v1/keys"
//! headers = { Authorization = "Bearer {{current}}" }
//! body = '{"name": "{{name}}"}'              # {{name}}: rekey-<rotation id>
//! secret_pointer = "/key"
//! id_pointer = "/id"                         # where the new key's id is (to delete it on rollback)
//! [revoke]                                   # deletes a key by id, once every config holds the new one
//! method = "DELETE"
//! url = "{{base}}/v1/keys/{{key_id}}"
//! headers = { Authorization = "Bearer {{live}}" }   # {{live}}: a key that stays (the new one)
//! ```
//! The old key's id comes from the link (`--key-id`).

use super::*;
use serde::Deserialize;

pub struct Custom;

#[derive(Debug, Deserialize)]
pub struct Spec {
    pub name: String,
    #[serde(default)]
    pub base_url: Option<String>,
    #[serde(default)]
    pub rotate: Option<Request>,
    #[serde(default)]
    pub verify: Option<Request>,
    /// Create-then-revoke: the create call (then `revoke` is required).
    #[serde(default)]
    pub create: Option<Request>,
    #[serde(default)]
    pub revoke: Option<Request>,
}

#[derive(Debug, Deserialize)]
pub struct Request {
    #[serde(default = "post")]
    pub method: String,
    pub url: String,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub secret_pointer: Option<String>,
    /// `[create]`: JSON pointer to the new key's id.
    #[serde(default)]
    pub id_pointer: Option<String>,
}

fn post() -> String {
    "POST".into()
}

impl Spec {
    pub fn load(link: &Link) -> Result<Spec, ProviderError> {
        let path = link.id("spec")?;
        let text = crate::edit::read::read_to_string(std::path::Path::new(path)).map_err(|e| {
            ProviderError::InvalidSpec(format!("cannot read the provider spec {path}: {e}"))
        })?;
        crate::edit::toml_depth::check(&text).map_err(|e| {
            ProviderError::InvalidSpec(format!("invalid provider spec {path}: {e}"))
        })?;
        let spec: Spec = toml_edit::de::from_str(&text).map_err(|e| {
            ProviderError::InvalidSpec(format!("invalid provider spec {path}: {}", e.message()))
        })?;
        let invalid = |m: &str| {
            Err(ProviderError::InvalidSpec(format!(
                "provider spec {path}: {m}"
            )))
        };
        match (&spec.rotate, &spec.create, &spec.revoke) {
            (Some(_), Some(_), _) => {
                return invalid("has both [rotate] and [create]: pick one model")
            }
            (None, None, _) => return invalid(
                "needs [rotate] (rotate in place) or [create] and [revoke] (create then revoke)",
            ),
            (None, Some(_), None) => {
                return invalid("[create] needs a [revoke] (how to delete a key by {{key_id}})")
            }
            (Some(r), None, _) | (None, Some(r), Some(_)) if r.secret_pointer.is_none() => {
                return invalid("[rotate] or [create] needs secret_pointer")
            }
            _ => {}
        }
        if let Some(r) = &spec.revoke {
            if !r.url.contains("{{key_id}}")
                && !r.body.as_deref().is_some_and(|b| b.contains("{{key_id}}"))
            {
                return invalid(
                    "[revoke] must name the key to delete with {{key_id}} (in its url or body)",
                );
            }
        }
        Ok(spec)
    }
    pub fn needs_admin(&self) -> bool {
        let uses = |r: &Request| {
            r.url.contains("{{admin}}")
                || r.headers.values().any(|v| v.contains("{{admin}}"))
                || r.body.as_deref().is_some_and(|b| b.contains("{{admin}}"))
        };
        [&self.rotate, &self.create, &self.revoke]
            .into_iter()
            .flatten()
            .any(uses)
    }
    /// The call that makes the new key, `[rotate]` or `[create]`.
    fn call(&self) -> &Request {
        self.create
            .as_ref()
            .or(self.rotate.as_ref())
            .expect("a loaded spec has [rotate] or [create]")
    }
}

/// Fill the placeholders. Secrets go into headers and bodies; in URLs they are percent-encoded.
fn fill(t: &str, vars: &[(&str, &str)], url: bool) -> String {
    let mut s = t.to_string();
    for (k, v) in vars {
        let v = if url && *k != "base" {
            crate::percent::percent_encode(v)
        } else {
            v.to_string()
        };
        s = s.replace(&format!("{{{{{k}}}}}"), &v);
    }
    s
}

fn send(
    http: &Http,
    r: &Request,
    vars: &[(&str, &str)],
) -> Result<serde_json::Value, ProviderError> {
    http.send(request(http, r, vars)?)?.json_ok(message)
}

/// A call whose success may have no body (a `204` delete).
fn send_no_body(http: &Http, r: &Request, vars: &[(&str, &str)]) -> Result<(), ProviderError> {
    no_body(http.send(request(http, r, vars)?)?, message)
}

fn message(v: &serde_json::Value) -> Option<String> {
    v.get("message")
        .or_else(|| v.get("error"))
        .map(|m| m.to_string())
}

fn request(
    http: &Http,
    r: &Request,
    vars: &[(&str, &str)],
) -> Result<reqwest::blocking::RequestBuilder, ProviderError> {
    let url = fill(&r.url, vars, true);
    super::http::check_base_url(&url)?;
    let method = reqwest::Method::from_bytes(r.method.to_ascii_uppercase().as_bytes())
        .map_err(|_| ProviderError::InvalidSpec(format!("invalid method {}", r.method)))?;
    let mut rb = match method {
        reqwest::Method::GET => http.get(&url),
        reqwest::Method::POST => http.post(&url),
        m => http.request(m, &url),
    };
    for (k, v) in &r.headers {
        rb = rb.header(k.as_str(), fill(v, vars, false));
    }
    if let Some(b) = &r.body {
        rb = rb
            .header("Content-Type", "application/json")
            .body(fill(b, vars, false));
    }
    Ok(rb)
}

impl Provider for Custom {
    fn id(&self) -> &'static str {
        "custom"
    }
    fn name(&self) -> &'static str {
        "Custom (TOML spec)"
    }
    fn rotate_auth(&self) -> RotateAuth {
        RotateAuth::CurrentKey
    }
    fn needs_admin(&self, link: &Link) -> bool {
        Spec::load(link).map(|s| s.needs_admin()).unwrap_or(false)
    }
    fn slot_kinds(&self) -> &'static [SlotKind] {
        &[
            SlotKind::Env,
            SlotKind::Header,
            SlotKind::ArgFlag,
            SlotKind::ArgValue,
            SlotKind::ArgHeader,
            SlotKind::UrlQuery,
            SlotKind::UrlPath,
        ]
    }
    fn required_ids(&self) -> &'static [&'static str] {
        &["spec"]
    }
    fn default_base_url(&self) -> &'static str {
        "https://invalid.example"
    }
    fn base_url(&self, link: &Link) -> Result<String, ProviderError> {
        let spec = Spec::load(link)?;
        let url = link.base_url.clone().or(spec.base_url).ok_or_else(|| {
            ProviderError::InvalidBaseUrl(
                "the spec has no base_url and the link none either".into(),
            )
        })?;
        super::http::check_base_url(&url)?;
        Ok(url.trim_end_matches('/').to_string())
    }
    fn rotate(&self, http: &Http, req: &RotateRequest) -> Result<Rotated, ProviderError> {
        let spec = Spec::load(req.link)?;
        let base = self.base_url(req.link)?;
        if spec.needs_admin() && req.admin.is_none() {
            return Err(ProviderError::MissingAdminCredential(self.id().into()));
        }
        let admin = req.admin.map(|a| a.expose()).unwrap_or("");
        let vars = [
            ("base", base.as_str()),
            ("current", req.current.expose()),
            ("admin", admin),
        ];
        let Some(rotate) = &spec.rotate else {
            return Err(not_in_place(self));
        };
        let body = send(http, rotate, &vars)?;
        let pointer = rotate.secret_pointer.as_deref().unwrap_or("");
        Ok(Rotated {
            new: take_secret(&body, &[pointer], pointer)?,
            old_valid_until: None,
        })
    }
    fn model(&self, link: &Link) -> Model {
        match Spec::load(link) {
            Ok(s) if s.create.is_some() => Model::CreateThenRevoke,
            _ => Model::RotateInPlace,
        }
    }
    fn create(&self, http: &Http, req: &CreateRequest) -> Result<Created, ProviderError> {
        let spec = Spec::load(req.link)?;
        let base = self.base_url(req.link)?;
        if spec.needs_admin() && req.admin.is_none() {
            return Err(ProviderError::MissingAdminCredential(self.id().into()));
        }
        let create = spec.call();
        let vars = [
            ("base", base.as_str()),
            ("current", req.current.expose()),
            ("admin", req.admin.map(|a| a.expose()).unwrap_or("")),
            ("name", req.name),
        ];
        let body = send(http, create, &vars)?;
        let pointer = create.secret_pointer.as_deref().unwrap_or("");
        Ok(Created {
            new: take_secret(&body, &[pointer], pointer)?,
            new_key_id: create
                .id_pointer
                .as_deref()
                .and_then(|p| take_id(&body, &[p])),
        })
    }
    fn revoke(&self, http: &Http, req: &RevokeRequest) -> Result<(), ProviderError> {
        let spec = Spec::load(req.link)?;
        let base = self.base_url(req.link)?;
        let Some(revoke) = &spec.revoke else {
            return Err(ProviderError::InvalidSpec(
                "the spec has no [revoke]".into(),
            ));
        };
        let vars = [
            ("base", base.as_str()),
            ("key_id", path_id(req.key_id)?),
            ("live", req.live.expose()),
            ("admin", req.admin.map(|a| a.expose()).unwrap_or("")),
        ];
        send_no_body(http, revoke, &vars)
    }
    fn verify(&self, http: &Http, link: &Link, key: &Secret) -> Result<(), ProviderError> {
        let spec = Spec::load(link)?;
        let base = self.base_url(link)?;
        match &spec.verify {
            Some(v) => send(http, v, &[("base", base.as_str()), ("key", key.expose())]).map(|_| ()),
            None => Ok(()),
        }
    }
}
