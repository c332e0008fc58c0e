//! Fruxon: `POST {base}/v1/tenants/{tenant}/integrations/{integration}/mcp:rotateKey` with
//! `Authorization: Bearer <JWT>`; the new key is in `apiKey` (returned once); clients send it as
//! `X-API-KEY`. Errors are problem+json. Verify: JSON-RPC `initialize` on `…/mcp:test` (the sandbox).

use super::*;

pub struct Fruxon;

fn message(v: &serde_json::Value) -> Option<String> {
    v.get("detail")
        .or_else(|| v.get("title"))
        .and_then(|m| m.as_str())
        .map(str::to_string)
}

impl Fruxon {
    fn integration_url(&self, link: &Link) -> Result<String, ProviderError> {
        let base = self.base_url(link)?;
        let enc = crate::percent::percent_encode;
        Ok(format!(
            "{base}/v1/tenants/{}/integrations/{}",
            enc(link.id("tenant")?),
            enc(link.id("integration")?)
        ))
    }
}

impl Provider for Fruxon {
    fn detects(&self, h: &KeyHint) -> bool {
        h.upper_name().starts_with("FRUXON") || h.value.to_ascii_lowercase().contains("fruxon")
    }
    fn id(&self) -> &'static str {
        "fruxon"
    }
    fn name(&self) -> &'static str {
        "Fruxon"
    }
    fn rotate_auth(&self) -> RotateAuth {
        RotateAuth::AdminCredential
    }
    fn slot_kinds(&self) -> &'static [SlotKind] {
        &[SlotKind::Header, SlotKind::ArgHeader, SlotKind::Env]
    }
    fn required_ids(&self) -> &'static [&'static str] {
        &["tenant", "integration"]
    }
    fn default_base_url(&self) -> &'static str {
        "https://api.fruxon.com"
    }
    fn rotate(&self, http: &Http, req: &RotateRequest) -> Result<Rotated, ProviderError> {
        let admin = req
            .admin
            .ok_or_else(|| ProviderError::MissingAdminCredential(self.id().into()))?;
        let url = format!("{}/mcp:rotateKey", self.integration_url(req.link)?);
        let body = http
            .send(http.post(&url).bearer_auth(admin.expose()))?
            .json_ok(message)?;
        Ok(Rotated {
            new: take_secret(&body, &["/apiKey"], "apiKey")?,
            old_valid_until: None,
        })
    }
    fn verify(&self, http: &Http, link: &Link, key: &Secret) -> Result<(), ProviderError> {
        let url = format!("{}/mcp:test", self.integration_url(link)?);
        let rpc = serde_json::json!({ "jsonrpc": "2.0", "id": 1, "method": "initialize",
            "params": { "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": { "name": "rekey", "version": crate::VERSION } } });
        let body = http
            .send(http.post(&url).header("X-API-KEY", key.expose()).json(&rpc))?
            .json_ok(message)?;
        if body.get("result").is_some() {
            Ok(())
        } else {
            Err(ProviderError::MissingField(
                "result (JSON-RPC initialize)".into(),
            ))
        }
    }
}
