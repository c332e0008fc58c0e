//! Cloudflare Access service tokens: `POST {base}/client/v4/accounts/{account_id}/access/service_tokens/
//! {token_id}/rotate` with `Authorization: Bearer <API token>` (or `X-Auth-Email` + `X-Auth-Key`, when the
//! admin credential is stored as `email:key`). Always sends `previous_client_secret_expires_at` so the old
//! secret survives the grace period. New secret in `result.client_secret`. Verify: a request to the
//! application behind Access (`app_url`) with `CF-Access-Client-Id`/`-Secret`.

use super::*;

pub struct CloudflareAccess;

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

impl Provider for CloudflareAccess {
    fn detects(&self, h: &KeyHint) -> bool {
        h.upper_name().starts_with("CF_ACCESS_CLIENT")
    }
    fn id(&self) -> &'static str {
        "cloudflare-access"
    }
    fn name(&self) -> &'static str {
        "Cloudflare Access"
    }
    fn rotate_auth(&self) -> RotateAuth {
        RotateAuth::AdminCredential
    }
    fn supports_grace(&self) -> bool {
        true
    }
    fn slot_kinds(&self) -> &'static [SlotKind] {
        &[SlotKind::Header, SlotKind::ArgHeader, SlotKind::Env]
    }
    fn required_ids(&self) -> &'static [&'static str] {
        &["account_id", "token_id"]
    }
    fn default_base_url(&self) -> &'static str {
        "https://api.cloudflare.com"
    }
    fn rotate(&self, http: &Http, req: &RotateRequest) -> Result<Rotated, ProviderError> {
        let base = self.base_url(req.link)?;
        let admin = req
            .admin
            .ok_or_else(|| ProviderError::MissingAdminCredential(self.id().into()))?;
        let (acc, tid) = (req.link.id("account_id")?, req.link.id("token_id")?);
        let url = format!(
            "{base}/client/v4/accounts/{}/access/service_tokens/{}/rotate",
            crate::percent::percent_encode(acc),
            crate::percent::percent_encode(tid)
        );
        // Checked: `Timestamp + duration` panics past the year 9999, and `--grace` is user input.
        let until = jiff::SignedDuration::try_from(req.grace)
            .ok()
            .and_then(|d| jiff::Timestamp::now().checked_add(d).ok())
            .ok_or_else(|| {
                ProviderError::InvalidSpec(
                    "the grace period is too long: the old key's end would be past the year 9999"
                        .into(),
                )
            })?;
        let until_str = until.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
        let mut rb = http
            .post(&url)
            .json(&serde_json::json!({ "previous_client_secret_expires_at": until_str }));
        rb = match admin.expose().split_once(':') {
            // A global API key is stored as "email:key".
            Some((email, key)) if email.contains('@') => {
                rb.header("X-Auth-Email", email).header("X-Auth-Key", key)
            }
            _ => rb.bearer_auth(admin.expose()),
        };
        let body = http.send(rb)?.json_ok(message)?;
        if body.get("success").and_then(|s| s.as_bool()) == Some(false) {
            return Err(ProviderError::UnexpectedStatus {
                status: 200,
                message: message(&body)
                    .map(|m| super::http::sanitize(&m))
                    .unwrap_or_else(|| "success: false".into()),
            });
        }
        Ok(Rotated {
            new: take_secret(&body, &["/result/client_secret"], "result.client_secret")?,
            old_valid_until: Some(until.as_second() as u64),
        })
    }
    fn verify(&self, http: &Http, link: &Link, key: &Secret) -> Result<(), ProviderError> {
        let app = link.id("app_url")?;
        super::http::check_base_url(app)?;
        let client_id = link.id("client_id")?;
        let a = http.send(
            http.get(app)
                .header("CF-Access-Client-Id", client_id)
                .header("CF-Access-Client-Secret", key.expose()),
        )?;
        match a.status {
            200..=299 => Ok(()),
            401 | 403 => Err(ProviderError::Forbidden(
                "Access refused the service token".into(),
            )),
            s => Err(ProviderError::UnexpectedStatus {
                status: s,
                message: "from the application behind Access".into(),
            }),
        }
    }
}
