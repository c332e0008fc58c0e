//! Rootly API keys (providers-more.md §8), rotate-with-grace, self only:
//! `POST {base}/v1/api_keys/{id}/rotate` with `Authorization: Bearer <the key itself>` (rotating another
//! key answers 403), JSON:API body `{"data":{"type":"api_keys","attributes":{"grace_period_minutes": N}}}`
//! (0–1440; honoured only when the organization has the grace period enabled). The new secret is
//! `data.attributes.token`; the answer's `grace_period_ends_at` says when the old token stops, and is
//! what `old_valid_until` reports (read under `data.attributes`, where JSON:API puts a resource's fields;
//! the page names the field, not its path). Without it (grace disabled), None: the old token dies at once.
//! `expires_at` is not sent: Rootly then gives the new token 90 days (documented default).
//!
//! The key's id is needed (`--token-id`): no documented way to ask Rootly for the calling key's id
//! was found. Verify: the reference documents no REST "who am I" call, so the key is checked with an
//! MCP handshake on Rootly's remote MCP server (`https://mcp.rootly.com/mcp`, `Authorization: Bearer`),
//! or on the link's `app_url` (`--app-url`) for another MCP URL. Key prefix: NOT FOUND in the reference,
//! so detection is by env name and host only.

use super::*;

pub struct Rootly;

/// Rootly's longest grace period, in minutes.
const MAX_GRACE_MINUTES: u64 = 1440;

fn message(v: &serde_json::Value) -> Option<String> {
    let errs = v.get("errors")?.as_array()?;
    let parts: Vec<String> = errs
        .iter()
        .filter_map(|e| {
            e.get("detail")
                .or_else(|| e.get("title"))
                .and_then(|m| m.as_str())
                .map(str::to_string)
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join("; "))
}

impl Provider for Rootly {
    fn detects(&self, h: &KeyHint) -> bool {
        matches!(
            h.upper_name().as_str(),
            "ROOTLY_API_TOKEN" | "ROOTLY_API_KEY"
        ) || h.value.to_ascii_lowercase().contains("rootly.com")
    }
    fn id(&self) -> &'static str {
        "rootly"
    }
    fn name(&self) -> &'static str {
        "Rootly"
    }
    fn rotate_auth(&self) -> RotateAuth {
        RotateAuth::CurrentKey
    }
    fn supports_grace(&self) -> bool {
        true
    }
    fn slot_kinds(&self) -> &'static [SlotKind] {
        &[SlotKind::Header, SlotKind::ArgHeader, SlotKind::Env]
    }
    fn required_ids(&self) -> &'static [&'static str] {
        &["token_id"]
    }
    fn default_base_url(&self) -> &'static str {
        "https://api.rootly.com"
    }
    fn help(&self) -> &'static str {
        "the key rotates itself: --token-id is its id (Organization Settings > API Keys); grace up to 24 h when the organization enables it; verify uses https://mcp.rootly.com/mcp (or --app-url)"
    }
    fn rotate(&self, http: &Http, req: &RotateRequest) -> Result<Rotated, ProviderError> {
        let base = self.base_url(req.link)?;
        let minutes = req.grace.as_secs().div_ceil(60);
        if minutes > MAX_GRACE_MINUTES {
            return Err(ProviderError::InvalidSpec(format!(
                "Rootly allows a grace period of at most 24 hours ({MAX_GRACE_MINUTES} minutes); asked for {minutes} minutes"
            )));
        }
        let url = format!(
            "{base}/v1/api_keys/{}/rotate",
            crate::percent::percent_encode(req.link.id("token_id")?)
        );
        let body = serde_json::json!({ "data": { "type": "api_keys", "attributes": { "grace_period_minutes": minutes } } });
        // Sent once, never retried: a second rotation would replace the token the first one made.
        let answer = http
            .send(
                http.post(&url)
                    .bearer_auth(req.current.expose())
                    .header("Content-Type", "application/vnd.api+json")
                    .body(body.to_string()),
            )?
            .json_ok(message)?;
        let old_valid_until = answer
            .pointer("/data/attributes/grace_period_ends_at")
            .and_then(|e| e.as_str())
            .and_then(|e| e.parse::<jiff::Timestamp>().ok())
            .and_then(|t| u64::try_from(t.as_second()).ok());
        Ok(Rotated {
            new: take_secret(
                &answer,
                &["/data/attributes/token"],
                "data.attributes.token",
            )?,
            old_valid_until,
        })
    }
    fn verify(&self, http: &Http, link: &Link, key: &Secret) -> Result<(), ProviderError> {
        let url = link
            .ids
            .get("app_url")
            .filter(|u| !u.is_empty())
            .map(String::as_str)
            .unwrap_or("https://mcp.rootly.com/mcp");
        crate::providers::mcp::handshake(
            http,
            url,
            &[("Authorization".into(), format!("Bearer {}", key.expose()))],
        )
        .map(|_| ())
    }
}
