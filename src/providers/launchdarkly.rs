//! LaunchDarkly API access tokens (providers-more.md §8), rotate-with-grace:
//! `POST {base}/api/v2/tokens/{id}/reset?expiry=<unix ms>` with `Authorization: <token>` (the raw token,
//! no scheme, as in LaunchDarkly's API docs). `expiry` is when the old value stops working; without it
//! the old value dies at once. The answer is the Token object; after a reset its `token` holds the whole
//! new value (outside a reset it holds only the last four characters, so a short `token` is treated as
//! missing). The reference does not say where the new value is; `token` is from LaunchDarkly's Token
//! schema ("The token value") in its API clients.
//!
//! The token resets itself: it needs a role that may reset tokens (a 403 says it lacks one). The
//! token's id comes from the link (`token_id`) or from `GET /api/v2/caller-identity` (`tokenId`), which
//! is also the verify call (the cheapest documented GET). Federal instances: `--base-url
//! https://app.launchdarkly.us`. The hosted MCP server uses OAuth; the local one takes `--api-key api-…`.

use super::*;

pub struct LaunchDarkly;

fn message(v: &serde_json::Value) -> Option<String> {
    let code = v.get("code").and_then(|c| c.as_str()).unwrap_or("");
    let msg = v.get("message").and_then(|m| m.as_str()).unwrap_or("");
    let t = format!("{code} {msg}").trim().to_string();
    (!t.is_empty()).then_some(t)
}

/// `api-` and a UUID.
fn looks_like_token(key: &str) -> bool {
    key.strip_prefix("api-").is_some_and(|u| {
        u.len() == 36
            && u.char_indices().all(|(i, c)| {
                if [8, 13, 18, 23].contains(&i) {
                    c == '-'
                } else {
                    c.is_ascii_hexdigit()
                }
            })
    })
}

impl LaunchDarkly {
    fn caller(
        &self,
        http: &Http,
        link: &Link,
        key: &Secret,
    ) -> Result<serde_json::Value, ProviderError> {
        let base = self.base_url(link)?;
        http.send(
            http.get(&format!("{base}/api/v2/caller-identity"))
                .header("Authorization", key.expose()),
        )?
        .json_ok(message)
    }
}

impl Provider for LaunchDarkly {
    // `api-` + a UUID (the MCP server's README, providers-more.md §0).
    fn key_shapes(&self) -> &'static [super::KeyShape] {
        const SHAPES: &[super::KeyShape] = &[super::KeyShape::prefix("api-")];
        SHAPES
    }
    fn detects(&self, h: &KeyHint) -> bool {
        looks_like_token(h.key)
            || matches!(
                h.upper_name().as_str(),
                "LAUNCHDARKLY_API_KEY" | "LAUNCHDARKLY_ACCESS_TOKEN" | "LD_API_KEY"
            )
            || h.value.to_ascii_lowercase().contains("launchdarkly")
    }
    fn id(&self) -> &'static str {
        "launchdarkly"
    }
    fn name(&self) -> &'static str {
        "LaunchDarkly"
    }
    fn rotate_auth(&self) -> RotateAuth {
        RotateAuth::CurrentKey
    }
    fn supports_grace(&self) -> bool {
        true
    }
    fn slot_kinds(&self) -> &'static [SlotKind] {
        &[SlotKind::ArgValue, SlotKind::ArgFlag, SlotKind::Env]
    }
    fn required_ids(&self) -> &'static [&'static str] {
        &[]
    }
    fn default_base_url(&self) -> &'static str {
        "https://app.launchdarkly.com"
    }
    fn help(&self) -> &'static str {
        "the token resets itself (its role must allow resetting tokens); --token-id is optional (found with caller-identity)"
    }
    fn rotate(&self, http: &Http, req: &RotateRequest) -> Result<Rotated, ProviderError> {
        let base = self.base_url(req.link)?;
        let id = match req.link.ids.get("token_id").filter(|t| !t.is_empty()) {
            Some(id) => id.clone(),
            None => self
                .caller(http, req.link, req.current)?
                .get("tokenId")
                .and_then(|t| t.as_str())
                .filter(|t| !t.is_empty())
                .map(str::to_string)
                .ok_or_else(|| ProviderError::MissingField("tokenId".into()))?,
        };
        let mut url = format!(
            "{base}/api/v2/tokens/{}/reset",
            crate::percent::percent_encode(&id)
        );
        let until = if req.grace.is_zero() {
            None
        } else {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default();
            let ms = now
                .checked_add(req.grace)
                .map(|d| d.as_millis() as u64)
                .ok_or_else(|| ProviderError::InvalidSpec("the grace period is too long".into()))?;
            url.push_str(&format!("?expiry={ms}"));
            Some(ms / 1000)
        };
        // Sent once, never retried: a second reset would replace the value the first one made.
        let body = http
            .send(
                http.post(&url)
                    .header("Authorization", req.current.expose()),
            )?
            .json_ok(message)?;
        let new = take_secret(&body, &["/token"], "token")?;
        if new.expose().len() < 20 {
            return Err(ProviderError::MissingField(
                "token (only its last characters came back)".into(),
            ));
        }
        Ok(Rotated {
            new,
            old_valid_until: until,
        })
    }
    fn verify(&self, http: &Http, link: &Link, key: &Secret) -> Result<(), ProviderError> {
        self.caller(http, link, key).map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn token_shape() {
        assert!(super::looks_like_token(
            "api-0123abcd-0123-4567-89ab-0123456789ab"
        ));
        assert!(!super::looks_like_token("api-key"));
        assert!(!super::looks_like_token(
            "api-0123abcd00123-4567-89ab-0123456789ab"
        ));
    }
}
