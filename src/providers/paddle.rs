//! Paddle API keys (providers-more.md §8), rotate-with-grace, self only:
//! `POST {base}/api-keys/{api_key_id}/rotations` authenticated by the key itself (`Authorization:
//! Bearer`; "a key can only rotate itself", and only keys created as rotatable), body
//! `{"grace_period_seconds": 0..86400}`. The new secret is `data.new_key`; the key keeps its id.
//!
//! The old key keeps working for `grace_period_seconds` **after the new key is first used** (the
//! rotation is `pending` until then), so the create answer carries no end time: `old_valid_until` is
//! the answer's `data.expires_at` when present, else None, and the plan says "until the new key's first
//! use + N s". (Rekey's verify uses the new key, which starts the countdown.)
//!
//! The key id is read from the key (`pdl_live_apikey_<26 chars>_…` → `apikey_<26 chars>`, the way AWS
//! Secrets Manager's Paddle driver finds it), or taken from the link's `token_id`. Verify:
//! `GET /api-keys/{own id}` (a key may read itself without `api_key.read`).
//!
//! Sandbox keys (`pdl_sdbx_`): the sandbox API host is UNVERIFIED in the reference, so it is not
//! guessed; such a key needs an explicit `--base-url`.

use super::*;

pub struct Paddle;

/// Paddle's longest grace period, in seconds.
const MAX_GRACE_SECS: u64 = 86_400;

fn message(v: &serde_json::Value) -> Option<String> {
    let e = v.get("error")?;
    let code = e.get("code").and_then(|c| c.as_str()).unwrap_or("");
    let detail = e.get("detail").and_then(|d| d.as_str()).unwrap_or("");
    Some(format!("{code} {detail}").trim().to_string())
}

/// `apikey_<26>` from `pdl_<env>_apikey_<26>_<secret>`.
fn key_id_of(key: &str) -> Option<String> {
    let rest = key.strip_prefix("pdl_")?;
    let (_, after) = rest.split_once("_apikey_")?;
    let id: String = after.chars().take(26).collect();
    (id.len() == 26
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()))
    .then(|| format!("apikey_{id}"))
}

impl Paddle {
    fn key_id(&self, link: &Link, key: &Secret) -> Result<String, ProviderError> {
        match link.ids.get("token_id").filter(|t| !t.is_empty()) {
            Some(id) => Ok(id.clone()),
            None => key_id_of(key.expose()).ok_or(ProviderError::MissingId("token_id")),
        }
    }
}

impl Provider for Paddle {
    // `pdl_live_apikey_…` (Paddle's API-key reference, providers-more.md §0). The sandbox form is UNVERIFIED,
    // so only the part both share is checked.
    fn key_shapes(&self) -> &'static [super::KeyShape] {
        const SHAPES: &[super::KeyShape] = &[super::KeyShape::prefix("pdl_")];
        SHAPES
    }
    fn detects(&self, h: &KeyHint) -> bool {
        h.key.starts_with("pdl_")
            || h.upper_name() == "PADDLE_API_KEY"
            || h.value.to_ascii_lowercase().contains("mcp.paddle.com")
    }
    fn id(&self) -> &'static str {
        "paddle"
    }
    fn name(&self) -> &'static str {
        "Paddle"
    }
    fn rotate_auth(&self) -> RotateAuth {
        RotateAuth::CurrentKey
    }
    fn supports_grace(&self) -> bool {
        true
    }
    fn slot_kinds(&self) -> &'static [SlotKind] {
        &[
            SlotKind::Env,
            SlotKind::ArgFlag,
            SlotKind::Header,
            SlotKind::ArgHeader,
        ]
    }
    fn required_ids(&self) -> &'static [&'static str] {
        &[]
    }
    fn default_base_url(&self) -> &'static str {
        "https://api.paddle.com"
    }
    fn help(&self) -> &'static str {
        "the key rotates itself (it must have been created as rotatable); grace up to 24 h, counted from the new key's first use; sandbox keys need --base-url"
    }
    fn complete_link(&self, link: &mut Link, usage: &Usage) -> Result<(), String> {
        if usage.key.expose().starts_with("pdl_sdbx_") && link.base_url.is_none() {
            return Err("this is a Paddle sandbox key: give the sandbox API URL with --base-url (Rekey does not guess it)".into());
        }
        Ok(())
    }
    fn grace_note(&self, grace: Duration) -> Option<String> {
        Some(format!(
            "Paddle: the old key keeps working until the new key is first used + {} s (Rekey's verify is that first use)",
            grace.as_secs().min(MAX_GRACE_SECS)
        ))
    }
    fn rotate(&self, http: &Http, req: &RotateRequest) -> Result<Rotated, ProviderError> {
        let base = self.base_url(req.link)?;
        let grace = req.grace.as_secs();
        if grace > MAX_GRACE_SECS {
            return Err(ProviderError::InvalidSpec(format!(
                "Paddle allows a grace period of at most 24 hours ({MAX_GRACE_SECS} s); asked for {grace} s"
            )));
        }
        let id = self.key_id(req.link, req.current)?;
        let url = format!(
            "{base}/api-keys/{}/rotations",
            crate::percent::percent_encode(&id)
        );
        let body = http
            .send(
                http.post(&url)
                    .bearer_auth(req.current.expose())
                    .json(&serde_json::json!({ "grace_period_seconds": grace })),
            )?
            .json_ok(message)?;
        let old_valid_until = body
            .pointer("/data/expires_at")
            .and_then(|e| e.as_str())
            .and_then(|e| e.parse::<jiff::Timestamp>().ok())
            .and_then(|t| u64::try_from(t.as_second()).ok());
        Ok(Rotated {
            new: take_secret(&body, &["/data/new_key"], "data.new_key")?,
            old_valid_until,
        })
    }
    fn verify(&self, http: &Http, link: &Link, key: &Secret) -> Result<(), ProviderError> {
        let base = self.base_url(link)?;
        let id = self.key_id(link, key)?;
        http.send(
            http.get(&format!(
                "{base}/api-keys/{}",
                crate::percent::percent_encode(&id)
            ))
            .bearer_auth(key.expose()),
        )?
        .json_ok(message)
        .map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_id_is_read_from_the_key() {
        assert_eq!(
            key_id_of("pdl_live_apikey_01jkdpbhazx0000000000000ab_s3cr3t").as_deref(),
            Some("apikey_01jkdpbhazx0000000000000ab")
        );
        assert_eq!(key_id_of("pdl_live_apikey_short_x"), None);
        assert_eq!(key_id_of("sk_live_123"), None);
    }
}
