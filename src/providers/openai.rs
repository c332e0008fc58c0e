//! OpenAI admin keys and service-account keys, create-then-revoke (providers-more.md §6).
//!
//! - Admin keys (`sk-admin-…`, §6.1): `POST {base}/v1/organization/admin_api_keys` `{"name"}` →
//!   `$.value`, `$.id`; `DELETE /v1/organization/admin_api_keys/{id}` → `{"deleted": true}`. The admin
//!   key being replaced authenticates its own replacement (it is an admin key); the new one deletes it.
//!   Verify: `GET /v1/organization/admin_api_keys?limit=1` (§6.3 calls this UNVERIFIED as the cheapest
//!   call; GitGuardian uses `/v1/me`).
//! - Service-account keys (§6.2, the newer endpoint): `POST /v1/organization/projects/{project_id}/
//!   service_accounts/{service_account_id}/api_keys` → `$.value`, `$.id`; revoke with
//!   `DELETE /v1/organization/projects/{project_id}/api_keys/{id}`; both with the admin key (the admin
//!   credential). Verify: `GET /v1/models` (401 `invalid_api_key` when the key is wrong).
//! - User project keys (`sk-proj-`) cannot be created by API (§6.2): not handled here.
//! - Old key's id: no "which key am I" call (§9.1): the link's `key_id`, asked once at link time.
//! - Errors: `{"error": {"message", "type", "code"}}`.

use super::*;

pub struct OpenAiAdminKey;
pub struct OpenAiServiceAccountKey;

fn message(v: &serde_json::Value) -> Option<String> {
    v.pointer("/error/message")
        .or_else(|| v.get("message"))
        .and_then(|m| m.as_str())
        .map(str::to_string)
}

fn created(answer: &serde_json::Value) -> Result<Created, ProviderError> {
    Ok(Created {
        new: take_secret(answer, &["/value", "/api_key/value"], "value")?,
        new_key_id: take_id(answer, &["/id", "/api_key/id"]),
    })
}

fn delete(http: &Http, url: &str, bearer: &Secret) -> Result<(), ProviderError> {
    no_body(
        http.send(
            http.request(reqwest::Method::DELETE, url)
                .bearer_auth(bearer.expose()),
        )?,
        message,
    )
}

impl Provider for OpenAiAdminKey {
    fn id(&self) -> &'static str {
        "openai-admin-key"
    }
    fn name(&self) -> &'static str {
        "OpenAI admin key"
    }
    fn help(&self) -> &'static str {
        "the admin key creates its own replacement; --key-id is its id (OpenAI has no call that tells it: GET /v1/organization/admin_api_keys lists the ids with each key's redacted value)"
    }
    fn rotate_auth(&self) -> RotateAuth {
        RotateAuth::CurrentKey
    }
    fn model(&self, _link: &Link) -> Model {
        Model::CreateThenRevoke
    }
    fn slot_kinds(&self) -> &'static [SlotKind] {
        &[SlotKind::Env, SlotKind::Header]
    }
    fn required_ids(&self) -> &'static [&'static str] {
        &["key_id"]
    }
    fn default_base_url(&self) -> &'static str {
        "https://api.openai.com"
    }
    // `sk-admin-` (OpenAI's create-admin-key example, providers-more.md §0).
    fn key_shapes(&self) -> &'static [super::KeyShape] {
        const SHAPES: &[super::KeyShape] = &[super::KeyShape::prefix("sk-admin-")];
        SHAPES
    }
    fn detects(&self, h: &KeyHint) -> bool {
        h.key.starts_with("sk-admin-")
    }
    fn rotate(&self, _http: &Http, _req: &RotateRequest) -> Result<Rotated, ProviderError> {
        Err(not_in_place(self))
    }
    fn create(&self, http: &Http, req: &CreateRequest) -> Result<Created, ProviderError> {
        let url = format!(
            "{}/v1/organization/admin_api_keys",
            self.base_url(req.link)?
        );
        let answer = http
            .send(
                http.post(&url)
                    .bearer_auth(req.current.expose())
                    .json(&serde_json::json!({ "name": req.name })),
            )?
            .json_ok(message)?;
        created(&answer)
    }
    fn revoke(&self, http: &Http, req: &RevokeRequest) -> Result<(), ProviderError> {
        let url = format!(
            "{}/v1/organization/admin_api_keys/{}",
            self.base_url(req.link)?,
            path_id(req.key_id)?
        );
        delete(http, &url, req.live)
    }
    fn verify(&self, http: &Http, link: &Link, key: &Secret) -> Result<(), ProviderError> {
        let url = format!(
            "{}/v1/organization/admin_api_keys?limit=1",
            self.base_url(link)?
        );
        http.send(http.get(&url).bearer_auth(key.expose()))?
            .json_ok(message)
            .map(|_| ())
    }
}

impl OpenAiServiceAccountKey {
    fn project_url(&self, link: &Link) -> Result<String, ProviderError> {
        Ok(format!(
            "{}/v1/organization/projects/{}",
            self.base_url(link)?,
            path_id(link.id("project_id")?)?
        ))
    }
}

impl Provider for OpenAiServiceAccountKey {
    fn id(&self) -> &'static str {
        "openai-service-account"
    }
    fn name(&self) -> &'static str {
        "OpenAI service-account key"
    }
    fn help(&self) -> &'static str {
        "admin credential (rekey login openai-service-account): an OpenAI admin key (sk-admin-...); --project-id, --service-account-id and --key-id name the key (user project keys, sk-proj-, cannot be created by API)"
    }
    fn rotate_auth(&self) -> RotateAuth {
        RotateAuth::AdminCredential
    }
    fn model(&self, _link: &Link) -> Model {
        Model::CreateThenRevoke
    }
    fn slot_kinds(&self) -> &'static [SlotKind] {
        &[SlotKind::Env, SlotKind::Header]
    }
    fn required_ids(&self) -> &'static [&'static str] {
        &["project_id", "service_account_id", "key_id"]
    }
    fn default_base_url(&self) -> &'static str {
        "https://api.openai.com"
    }
    // `sk-svcacct-` (third-party detectors; providers-more.md §0).
    fn key_shapes(&self) -> &'static [super::KeyShape] {
        const SHAPES: &[super::KeyShape] = &[super::KeyShape::prefix("sk-svcacct-")];
        SHAPES
    }
    fn detects(&self, h: &KeyHint) -> bool {
        h.key.starts_with("sk-svcacct-")
    }
    fn rotate(&self, _http: &Http, _req: &RotateRequest) -> Result<Rotated, ProviderError> {
        Err(not_in_place(self))
    }
    fn create(&self, http: &Http, req: &CreateRequest) -> Result<Created, ProviderError> {
        let admin = req
            .admin
            .ok_or_else(|| ProviderError::MissingAdminCredential(self.id().into()))?;
        let url = format!(
            "{}/service_accounts/{}/api_keys",
            self.project_url(req.link)?,
            path_id(req.link.id("service_account_id")?)?
        );
        let answer = http
            .send(
                http.post(&url)
                    .bearer_auth(admin.expose())
                    .json(&serde_json::json!({ "name": req.name })),
            )?
            .json_ok(message)?;
        created(&answer)
    }
    fn revoke(&self, http: &Http, req: &RevokeRequest) -> Result<(), ProviderError> {
        let admin = req
            .admin
            .ok_or_else(|| ProviderError::MissingAdminCredential(self.id().into()))?;
        let url = format!(
            "{}/api_keys/{}",
            self.project_url(req.link)?,
            path_id(req.key_id)?
        );
        delete(http, &url, admin)
    }
    fn verify(&self, http: &Http, link: &Link, key: &Secret) -> Result<(), ProviderError> {
        let url = format!("{}/v1/models", self.base_url(link)?);
        http.send(http.get(&url).bearer_auth(key.expose()))?
            .json_ok(message)
            .map(|_| ())
    }
}
