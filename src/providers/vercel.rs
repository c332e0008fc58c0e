//! Vercel access tokens, create-then-revoke (providers-more.md, "Create + delete only", and its table).
//!
//! - Create: `POST {base}/v3/user/tokens` `{"name"}` (`expiresAt` is optional and not sent: the new token
//!   gets what Vercel gives by default) → `{"bearerToken": "…", "token": {"id", …}}`. The secret is at
//!   `$.bearerToken`, shown once. The reference says "shown once" and does not say where the new token's id
//!   is; Vercel's own page (https://vercel.com/docs/rest-api/authentication/create-an-auth-token) lists
//!   `bearerToken` and `token` as required and `token.id` as required, so the id is read at `$.token.id`.
//! - Who creates it: creating a token needs a token with "full account access" (the reference, after the
//!   Pulumi Vercel UserToken docs). The key in an MCP config may be scoped, so the call is made with an
//!   admin credential (`rekey login vercel`): a full-account Vercel token that is not the one replaced.
//! - Revoke: `DELETE /v3/user/tokens/{tokenId}`. `tokenId` may be `"current"`, the token the request is
//!   authenticated with. Rekey revokes the old token only after every config holds the new one, when the
//!   engine hands the revoke the *new* token and the admin credential: `current` would then name one of
//!   those, never the old one. So the old token is deleted by its id, authenticated by the admin
//!   credential, and `current` is refused as an id. A rollback deletes the new token by its id the same way.
//! - Old token's id: the link's `key_id` when given (`--key-id`); otherwise asked once, before anything is
//!   created, with `GET /v5/user/tokens/current` authenticated by the old token → `$.token.id` (not in the
//!   reference; Vercel's "Get Auth Token Metadata" page documents `current` and the `token.id` field). So
//!   the link asks for no id.
//! - Verify: `GET /v2/user` with the token as Bearer ("Get the User": the currently authenticated user,
//!   https://vercel.com/docs/rest-api/user/get-the-user). The reference names no verify call; this is the
//!   cheapest documented read. Not confirmed: whether a token scoped to a team or project may read it.
//!   An invalid, expired or deleted token is refused with 403 (Vercel's pages list 401 and 403); errors
//!   are `{"error": {"code", "message"}}`.
//! - Detection: the reference checked neither a key prefix nor an MCP config slot, so none is assumed: a
//!   key is guessed as Vercel's only from an env/header name containing `VERCEL` (`VERCEL_TOKEN`,
//!   `VERCEL_API_TOKEN`) or a `vercel.com` host in the string (Vercel's hosted MCP server is
//!   `https://mcp.vercel.com`, per Vercel's `vercel mcp` docs; `*.vercel.app` deployments are not Vercel
//!   tokens and are not matched).

use super::*;

pub struct Vercel;

fn message(v: &serde_json::Value) -> Option<String> {
    v.pointer("/error/message")
        .or_else(|| v.get("message"))
        .and_then(|m| m.as_str())
        .map(str::to_string)
}

/// The admin credential, or the error that says to log in.
fn admin(admin: Option<&Secret>) -> Result<&Secret, ProviderError> {
    admin.ok_or_else(|| ProviderError::MissingAdminCredential(Vercel.id().into()))
}

/// A token id for a path: never `current` (with the admin credential as bearer it would delete that).
fn token_id(id: &str) -> Result<&str, ProviderError> {
    if id.eq_ignore_ascii_case("current") {
        return Err(ProviderError::InvalidSpec(
            "'current' is not a token id Rekey deletes: it names the token that authenticates the call"
                .into(),
        ));
    }
    path_id(id)
}

/// Does `value` name a host that is `vercel.com` or one of its subdomains?
fn vercel_host(value: &str) -> bool {
    let v = value.to_ascii_lowercase();
    v.match_indices("vercel.com").any(|(i, _)| {
        let before = &v[..i];
        let after = v[i + "vercel.com".len()..].chars().next();
        (before.ends_with("://") || before.ends_with('.'))
            && matches!(after, None | Some('/' | ':' | '?' | '#' | '"' | ' '))
    })
}

impl Vercel {
    /// `GET /v5/user/tokens/current` with `key` as bearer: the token's metadata.
    fn current(
        &self,
        http: &Http,
        link: &Link,
        key: &Secret,
    ) -> Result<serde_json::Value, ProviderError> {
        let url = format!("{}/v5/user/tokens/current", self.base_url(link)?);
        http.send(http.get(&url).bearer_auth(key.expose()))?
            .json_ok(message)
    }
}

impl Provider for Vercel {
    fn id(&self) -> &'static str {
        "vercel"
    }
    fn name(&self) -> &'static str {
        "Vercel access token"
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
            SlotKind::ArgHeader,
        ]
    }
    fn required_ids(&self) -> &'static [&'static str] {
        &[]
    }
    fn default_base_url(&self) -> &'static str {
        "https://api.vercel.com"
    }
    fn help(&self) -> &'static str {
        "admin credential: another Vercel token with full account access (it creates the new token and deletes the old one); the old token's id is read with GET /v5/user/tokens/current (--key-id to give it)"
    }
    fn detects(&self, h: &KeyHint) -> bool {
        h.upper_name().contains("VERCEL") || vercel_host(h.value)
    }
    fn rotate(&self, _http: &Http, _req: &RotateRequest) -> Result<Rotated, ProviderError> {
        Err(not_in_place(self))
    }
    fn create(&self, http: &Http, req: &CreateRequest) -> Result<Created, ProviderError> {
        let bearer = admin(req.admin)?;
        let url = format!("{}/v3/user/tokens", self.base_url(req.link)?);
        let answer = http
            .send(
                http.post(&url)
                    .bearer_auth(bearer.expose())
                    .json(&serde_json::json!({ "name": req.name })),
            )?
            .json_ok(message)?;
        Ok(Created {
            new: take_secret(&answer, &["/bearerToken"], "bearerToken")?,
            new_key_id: take_id(&answer, &["/token/id"]),
        })
    }
    fn revoke(&self, http: &Http, req: &RevokeRequest) -> Result<(), ProviderError> {
        let bearer = admin(req.admin)?;
        let url = format!(
            "{}/v3/user/tokens/{}",
            self.base_url(req.link)?,
            token_id(req.key_id)?
        );
        no_body(
            http.send(
                http.request(reqwest::Method::DELETE, &url)
                    .bearer_auth(bearer.expose()),
            )?,
            message,
        )
    }
    fn old_key_id(
        &self,
        http: &Http,
        link: &Link,
        old: &Secret,
        admin: Option<&Secret>,
    ) -> Result<String, ProviderError> {
        if admin.is_some_and(|a| a.expose() == old.expose()) {
            return Err(ProviderError::InvalidSpec(
                "the admin credential (`rekey login vercel`) is this very token: after the rotation it would be deleted; log in with another full-account token first".into(),
            ));
        }
        if let Ok(id) = link.id("key_id") {
            return token_id(id).map(str::to_string);
        }
        let answer = self.current(http, link, old)?;
        take_id(&answer, &["/token/id"])
            .ok_or_else(|| ProviderError::MissingField("token.id".into()))
    }
    fn verify(&self, http: &Http, link: &Link, key: &Secret) -> Result<(), ProviderError> {
        let url = format!("{}/v2/user", self.base_url(link)?);
        http.send(http.get(&url).bearer_auth(key.expose()))?
            .json_ok(message)
            .map(|_| ())
    }
}
