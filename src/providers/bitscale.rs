//! BitScale: `POST {base}/api/v1/api-key/rotate` with `X-API-KEY: <current key>`; the new key is in
//! `api_key`. On 404 the older `/api/v1/rotate-api-key` is tried (a 404 means nothing was rotated).
//! Verify: `GET {base}/api/v1/workspace`.

use super::*;

pub struct BitScale;

fn message(v: &serde_json::Value) -> Option<String> {
    v.get("detail")
        .or_else(|| v.get("message"))
        .and_then(|m| m.as_str())
        .map(str::to_string)
}

impl Provider for BitScale {
    // BitScale's External API reference (example key `sk-live-abc123xyz`) and the MCP server's rotate
    // docstring (`{"api_key": "sk-live-newkey..."}`): providers.md §2.
    fn key_shapes(&self) -> &'static [super::KeyShape] {
        const SHAPES: &[super::KeyShape] = &[super::KeyShape::prefix("sk-live-")];
        SHAPES
    }
    fn detects(&self, h: &KeyHint) -> bool {
        h.upper_name().starts_with("BITSCALE") || h.value.to_ascii_lowercase().contains("bitscale")
    }
    fn id(&self) -> &'static str {
        "bitscale"
    }
    fn name(&self) -> &'static str {
        "BitScale"
    }
    fn rotate_auth(&self) -> RotateAuth {
        RotateAuth::CurrentKey
    }
    fn slot_kinds(&self) -> &'static [SlotKind] {
        &[SlotKind::Env]
    }
    fn required_ids(&self) -> &'static [&'static str] {
        &[]
    }
    fn default_base_url(&self) -> &'static str {
        "https://api.bitscale.ai"
    }
    fn rotate(&self, http: &Http, req: &RotateRequest) -> Result<Rotated, ProviderError> {
        let base = self.base_url(req.link)?;
        let call = |path: &str| {
            http.send(
                http.post(&format!("{base}{path}"))
                    .header("X-API-KEY", req.current.expose())
                    .json(&serde_json::json!({})),
            )
        };
        let mut answer = call("/api/v1/api-key/rotate")?;
        if answer.status == 404 {
            answer = call("/api/v1/rotate-api-key")?;
        }
        let body = answer.json_ok(message)?;
        Ok(Rotated {
            new: take_secret(&body, &["/api_key"], "api_key")?,
            old_valid_until: None,
        })
    }
    fn verify(&self, http: &Http, link: &Link, key: &Secret) -> Result<(), ProviderError> {
        let base = self.base_url(link)?;
        http.send(
            http.get(&format!("{base}/api/v1/workspace"))
                .header("X-API-KEY", key.expose()),
        )?
        .json_ok(message)
        .map(|_| ())
    }
}
