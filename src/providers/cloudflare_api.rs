//! Cloudflare API tokens (providers-more.md §2), rotate-in-place ("roll"): user tokens
//! `PUT {base}/client/v4/user/tokens/{token_id}/value`, account-owned tokens
//! `PUT {base}/client/v4/accounts/{account_id}/tokens/{token_id}/value`, body `{}`, with
//! `Authorization: Bearer <admin token>`. The admin credential is a separate API token with the
//! **"API Tokens Write"** permission (most MCP tokens lack it, so they cannot roll themselves). The new
//! secret is the bare string in `result`; the token id stays; the old secret dies at once.
//!
//! The token's id comes from the link (`token_id`) or, when absent, from the verify call's `result.id`
//! made with the key itself (§2.1). Verify by prefix (§2.4): `cfut_` (and legacy tokens without prefix)
//! `GET /client/v4/user/tokens/verify`; `cfat_` `GET /client/v4/accounts/{account_id}/tokens/verify`
//! (the user endpoint says "Invalid API Token" for a valid account token). An invalid token is keyed
//! on the body (`errors[].code == 1000`), not the status, which varies (400/401/403).
//!
//! `cfk_` Global API Keys cannot be rolled by API: linking one is refused with a clear message.

use super::*;

pub struct CloudflareApi;

fn message(v: &serde_json::Value) -> Option<String> {
    let errs = v.get("errors")?.as_array()?;
    let parts: Vec<String> = errs
        .iter()
        .map(|e| {
            format!(
                "{} {}",
                e.get("code").map(|c| c.to_string()).unwrap_or_default(),
                e.get("message").and_then(|m| m.as_str()).unwrap_or("")
            )
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// Cloudflare's "Invalid API Token" (code 1000), whatever the status it came with.
fn invalid_token(body: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("errors").and_then(|e| e.as_array()).cloned())
        .is_some_and(|errs| {
            errs.iter()
                .any(|e| e.get("code").and_then(|c| c.as_u64()) == Some(1000))
        })
}

fn is_account_token(key: &str) -> bool {
    key.starts_with("cfat_")
}

impl CloudflareApi {
    /// `GET …/tokens/verify` for `key`: the token's id when it is valid and active.
    fn verify_id(&self, http: &Http, link: &Link, key: &Secret) -> Result<String, ProviderError> {
        let base = self.base_url(link)?;
        let enc = crate::percent::percent_encode;
        let account = link.ids.get("account_id").filter(|a| !a.is_empty());
        let url = if is_account_token(key.expose()) {
            let acc = link.id("account_id")?;
            format!("{base}/client/v4/accounts/{}/tokens/verify", enc(acc))
        } else {
            format!("{base}/client/v4/user/tokens/verify")
        };
        let result = self.verify_at(http, &url, key);
        // A legacy token without prefix may be account-owned: try the account endpoint too.
        match (&result, account) {
            (Err(ProviderError::Unauthorized(_)), Some(acc))
                if !key.expose().starts_with("cfut_") && !is_account_token(key.expose()) =>
            {
                self.verify_at(
                    http,
                    &format!("{base}/client/v4/accounts/{}/tokens/verify", enc(acc)),
                    key,
                )
            }
            _ => result,
        }
    }

    fn verify_at(&self, http: &Http, url: &str, key: &Secret) -> Result<String, ProviderError> {
        let answer = http.send(http.get(url).bearer_auth(key.expose()))?;
        if !(200..300).contains(&answer.status) && invalid_token(&answer.body) {
            return Err(ProviderError::Unauthorized("1000 Invalid API Token".into()));
        }
        let body = answer.json_ok(message)?;
        let status = body.pointer("/result/status").and_then(|s| s.as_str());
        if body.get("success").and_then(|s| s.as_bool()) != Some(true) || status != Some("active") {
            return Err(ProviderError::Unauthorized(format!(
                "the token is {}",
                status.unwrap_or("not valid")
            )));
        }
        body.pointer("/result/id")
            .and_then(|i| i.as_str())
            .filter(|i| !i.is_empty())
            .map(str::to_string)
            .ok_or_else(|| ProviderError::MissingField("result.id".into()))
    }
}

impl Provider for CloudflareApi {
    // `cfut_` / `cfat_` + 40 characters + checksum; tokens from before that format have no prefix and are
    // 40 to 80 characters long (providers-more.md §0, Cloudflare's token-formats page).
    fn key_shapes(&self) -> &'static [super::KeyShape] {
        const SHAPES: &[super::KeyShape] = &[
            super::KeyShape::prefix("cfut_"),
            super::KeyShape::prefix("cfat_"),
            super::KeyShape {
                prefix: "",
                len: Some((40, 80)),
                alphanumeric: false,
            },
        ];
        SHAPES
    }
    fn detects(&self, h: &KeyHint) -> bool {
        ["cfut_", "cfat_", "cfk_"]
            .iter()
            .any(|p| h.key.starts_with(p))
            || h.upper_name() == "CLOUDFLARE_API_TOKEN"
            || h.value.to_ascii_lowercase().contains("mcp.cloudflare.com")
    }
    fn id(&self) -> &'static str {
        "cloudflare-api-token"
    }
    fn name(&self) -> &'static str {
        "Cloudflare API token"
    }
    fn rotate_auth(&self) -> RotateAuth {
        RotateAuth::AdminCredential
    }
    fn slot_kinds(&self) -> &'static [SlotKind] {
        &[SlotKind::Header, SlotKind::ArgHeader, SlotKind::Env]
    }
    fn required_ids(&self) -> &'static [&'static str] {
        // token_id is optional (found with the verify call); account_id is needed for cfat_ tokens.
        &[]
    }
    fn default_base_url(&self) -> &'static str {
        "https://api.cloudflare.com"
    }
    fn help(&self) -> &'static str {
        "admin credential (rekey login cloudflare-api-token): an API token with the \"API Tokens Write\" permission; account-owned tokens (cfat_) also need --account-id; --token-id is optional"
    }
    fn complete_link(&self, link: &mut Link, usage: &Usage) -> Result<(), String> {
        let key = usage.key.expose();
        if key.starts_with("cfk_") {
            return Err("this is a Cloudflare Global API Key (cfk_): it cannot be rolled through the API. Create an API token with the permissions you need, put it in the config instead, and rotate that".into());
        }
        if is_account_token(key) && !link.ids.contains_key("account_id") {
            return Err("this is an account-owned Cloudflare API token (cfat_): give its account with --account-id".into());
        }
        Ok(())
    }
    fn rotate(&self, http: &Http, req: &RotateRequest) -> Result<Rotated, ProviderError> {
        let base = self.base_url(req.link)?;
        let admin = req
            .admin
            .ok_or_else(|| ProviderError::MissingAdminCredential(self.id().into()))?;
        let enc = crate::percent::percent_encode;
        let account = is_account_token(req.current.expose())
            .then(|| req.link.id("account_id"))
            .transpose()?;
        let token_id = match req.link.ids.get("token_id").filter(|t| !t.is_empty()) {
            Some(t) => t.clone(),
            None => self.verify_id(http, req.link, req.current)?,
        };
        let url = match account {
            Some(acc) => format!(
                "{base}/client/v4/accounts/{}/tokens/{}/value",
                enc(acc),
                enc(&token_id)
            ),
            None => format!("{base}/client/v4/user/tokens/{}/value", enc(&token_id)),
        };
        // Sent once, never retried: a second roll would invalidate the secret the first one made.
        let body = http
            .send(
                http.request(reqwest::Method::PUT, &url)
                    .bearer_auth(admin.expose())
                    .json(&serde_json::json!({})),
            )?
            .json_ok(message)?;
        if body.get("success").and_then(|s| s.as_bool()) == Some(false) {
            return Err(ProviderError::UnexpectedStatus {
                status: 200,
                message: message(&body)
                    .map(|m| super::http::sanitize(&m))
                    .unwrap_or_else(|| "success: false".into()),
            });
        }
        Ok(Rotated {
            new: take_secret(&body, &["/result"], "result")?,
            old_valid_until: None,
        })
    }
    fn verify(&self, http: &Http, link: &Link, key: &Secret) -> Result<(), ProviderError> {
        self.verify_id(http, link, key).map(|_| ())
    }
}
