//! Neon API keys, create-then-revoke (providers-more.md §3).
//!
//! - Create: `POST {base}/api/v2/api_keys` `{"key_name"}` → `{"id": 177630, "key": "napi_…"}`; an org key
//!   (link id `org_id`, optional `project_id` for a project-scoped key) via
//!   `POST /api/v2/organizations/{org_id}/api_keys`, which needs the *personal* key of an org admin (the
//!   admin credential: "An organization API key cannot create org keys", orgs-api.md).
//! - Revoke: `DELETE /api/v2/api_keys/{id}` (org: `/organizations/{org_id}/api_keys/{id}`) →
//!   `{"id", "revoked": true}`. Personal keys revoke with the new key (the old one's owner's key).
//! - Old key's id: Neon has no "which key am I" call (`GET /auth` does not document one), so it is asked
//!   once at link time (`--key-id`, from `GET /api/v2/api_keys` or the console) and kept in the link.
//! - Verify: `GET /api/v2/auth` (401 for a missing, invalid or revoked key). Errors: `{request_id, code,
//!   message}`.

use super::*;

pub struct Neon;

fn message(v: &serde_json::Value) -> Option<String> {
    v.get("message")
        .and_then(|m| m.as_str())
        .map(str::to_string)
}

impl Neon {
    /// `…/api/v2` or `…/api/v2/organizations/{org_id}`.
    fn keys_url(&self, link: &Link) -> Result<String, ProviderError> {
        let base = self.base_url(link)?;
        Ok(match link.ids.get("org_id").filter(|v| !v.is_empty()) {
            Some(org) => format!("{base}/api/v2/organizations/{}/api_keys", path_id(org)?),
            None => format!("{base}/api/v2/api_keys"),
        })
    }
    fn is_org(link: &Link) -> bool {
        link.ids.get("org_id").is_some_and(|v| !v.is_empty())
    }
    /// The bearer for key management: the admin credential for org keys, else `own`.
    fn bearer<'a>(
        &self,
        link: &Link,
        own: &'a Secret,
        admin: Option<&'a Secret>,
    ) -> Result<&'a Secret, ProviderError> {
        if Self::is_org(link) {
            admin.ok_or_else(|| ProviderError::MissingAdminCredential(self.id().into()))
        } else {
            Ok(own)
        }
    }
}

impl Provider for Neon {
    fn id(&self) -> &'static str {
        "neon"
    }
    fn name(&self) -> &'static str {
        "Neon"
    }
    fn help(&self) -> &'static str {
        "--key-id is the old key's id (Neon has no call that tells it: GET /api/v2/api_keys or the console); an organization key (--org-id, optional --project-id) needs an admin credential: the personal key of an org admin (rekey login neon)"
    }
    fn rotate_auth(&self) -> RotateAuth {
        RotateAuth::CurrentKey
    }
    fn model(&self, _link: &Link) -> Model {
        Model::CreateThenRevoke
    }
    fn needs_admin(&self, link: &Link) -> bool {
        Self::is_org(link)
    }
    fn slot_kinds(&self) -> &'static [SlotKind] {
        &[SlotKind::Env, SlotKind::Header, SlotKind::ArgValue]
    }
    fn required_ids(&self) -> &'static [&'static str] {
        &["key_id"]
    }
    fn default_base_url(&self) -> &'static str {
        "https://console.neon.tech"
    }
    // Keys created after 2025-01-31 start with `napi_` (providers-more.md §0); a new key is one of them.
    fn key_shapes(&self) -> &'static [super::KeyShape] {
        const SHAPES: &[super::KeyShape] = &[super::KeyShape::prefix("napi_")];
        SHAPES
    }
    fn detects(&self, h: &KeyHint) -> bool {
        h.key.starts_with("napi_")
            || h.upper_name().contains("NEON")
            || h.value.to_ascii_lowercase().contains("neon.tech")
    }
    fn rotate(&self, _http: &Http, _req: &RotateRequest) -> Result<Rotated, ProviderError> {
        Err(not_in_place(self))
    }
    fn create(&self, http: &Http, req: &CreateRequest) -> Result<Created, ProviderError> {
        let url = self.keys_url(req.link)?;
        let bearer = self.bearer(req.link, req.current, req.admin)?;
        let mut body = serde_json::json!({ "key_name": req.name });
        if let Some(p) = req.link.ids.get("project_id").filter(|v| !v.is_empty()) {
            body["project_id"] = p.clone().into();
        }
        let answer = http
            .send(http.post(&url).bearer_auth(bearer.expose()).json(&body))?
            .json_ok(message)?;
        Ok(Created {
            new: take_secret(&answer, &["/key"], "key")?,
            new_key_id: take_id(&answer, &["/id"]),
        })
    }
    fn revoke(&self, http: &Http, req: &RevokeRequest) -> Result<(), ProviderError> {
        let url = format!("{}/{}", self.keys_url(req.link)?, path_id(req.key_id)?);
        let bearer = self.bearer(req.link, req.live, req.admin)?;
        let answer = http.send(
            http.request(reqwest::Method::DELETE, &url)
                .bearer_auth(bearer.expose()),
        )?;
        no_body(answer, message)
    }
    fn verify(&self, http: &Http, link: &Link, key: &Secret) -> Result<(), ProviderError> {
        let base = self.base_url(link)?;
        http.send(
            http.get(&format!("{base}/api/v2/auth"))
                .bearer_auth(key.expose()),
        )?
        .json_ok(message)
        .map(|_| ())
    }
}
