//! A2A Market: `POST {base}/acap/v1/agents/{agent_id}/rotate-key` with `X-Agent-Key: <current key>`.
//! The answer's shape is undocumented: the key is taken from the first of `payload.data.api_key`,
//! `data.api_key`, `api_key`, `apiKey`, `key` that holds an `ak_` key. Verify: `GET /acap/v1/compute/balance`.

use super::*;

pub struct A2aMarket;

fn message(v: &serde_json::Value) -> Option<String> {
    let e = v.get("error").unwrap_or(v);
    let code = e.get("code").and_then(|c| c.as_str()).unwrap_or("");
    let msg = e.get("message").and_then(|m| m.as_str()).unwrap_or("");
    (!code.is_empty() || !msg.is_empty()).then(|| format!("{code} {msg}").trim().to_string())
}

/// A fresh key for every call: the key names one operation, so one reused for the life of the process
/// (the app runs for days) would make the provider replay its first answer to every later rotation.
fn idempotency_key() -> String {
    let mut bytes = [0u8; 16];
    if getrandom::fill(&mut bytes).is_err() {
        // No OS randomness: the time and a counter are still unique per call in this process.
        static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let t = jiff::Timestamp::now().as_nanosecond() as u64;
        bytes[..8].copy_from_slice(&t.to_le_bytes());
        bytes[8..].copy_from_slice(&n.to_le_bytes());
    }
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("rekey-{hex}")
}

fn headers(
    rb: reqwest::blocking::RequestBuilder,
    key: &Secret,
) -> reqwest::blocking::RequestBuilder {
    rb.header("X-Agent-Key", key.expose())
        .header("X-Idempotency-Key", idempotency_key())
        .header("X-ACAP-Timestamp", jiff::Timestamp::now().to_string())
}

impl Provider for A2aMarket {
    // The MCP server's help: `A2AMARKET_API_KEY` "format `ak_xxx`" (providers.md, A2A Market).
    fn key_shapes(&self) -> &'static [super::KeyShape] {
        const SHAPES: &[super::KeyShape] = &[super::KeyShape::prefix("ak_")];
        SHAPES
    }
    fn detects(&self, h: &KeyHint) -> bool {
        h.upper_name().starts_with("A2AMARKET")
            || h.value.to_ascii_lowercase().contains("a2amarket")
    }
    fn id(&self) -> &'static str {
        "a2a-market"
    }
    fn name(&self) -> &'static str {
        "A2A Market"
    }
    fn rotate_auth(&self) -> RotateAuth {
        RotateAuth::CurrentKey
    }
    fn slot_kinds(&self) -> &'static [SlotKind] {
        &[SlotKind::Env]
    }
    fn required_ids(&self) -> &'static [&'static str] {
        &["agent_id"]
    }
    fn default_base_url(&self) -> &'static str {
        "https://agent.a2amarket.md"
    }
    fn rotate(&self, http: &Http, req: &RotateRequest) -> Result<Rotated, ProviderError> {
        let base = self.base_url(req.link)?;
        let agent = req.link.id("agent_id")?;
        let url = format!(
            "{base}/acap/v1/agents/{}/rotate-key",
            crate::percent::percent_encode(agent)
        );
        let body = http
            .send(headers(http.post(&url), req.current))?
            .json_ok(message)?;
        for p in [
            "/payload/data/api_key",
            "/data/api_key",
            "/api_key",
            "/apiKey",
            "/key",
        ] {
            if let Some(k) = body
                .pointer(p)
                .and_then(|v| v.as_str())
                .filter(|k| k.starts_with("ak_"))
            {
                return Ok(Rotated {
                    new: Secret::new(k.to_string()),
                    old_valid_until: None,
                });
            }
        }
        Err(ProviderError::MissingField(
            "an ak_ key (looked at payload.data.api_key, data.api_key, api_key, apiKey, key)"
                .into(),
        ))
    }
    fn verify(&self, http: &Http, link: &Link, key: &Secret) -> Result<(), ProviderError> {
        let base = self.base_url(link)?;
        http.send(headers(
            http.get(&format!("{base}/acap/v1/compute/balance")),
            key,
        ))?
        .json_ok(message)
        .map(|_| ())
    }
}
