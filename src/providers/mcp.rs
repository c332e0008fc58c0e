//! A minimal MCP client for verification: the Streamable HTTP handshake (`initialize`,
//! `notifications/initialized`, `tools/list`) against a remote MCP server, with the headers from the
//! client's config. Answers may be JSON or a text/event-stream carrying the JSON-RPC response.

use super::{Http, ProviderError};

const PROTOCOL: &str = "2025-06-18";

fn rpc_result(body: &str, content_type: &str) -> Result<serde_json::Value, ProviderError> {
    let json: Option<serde_json::Value> = if content_type.starts_with("text/event-stream") {
        body.lines()
            .filter_map(|l| l.strip_prefix("data:"))
            .filter_map(|d| serde_json::from_str(d.trim()).ok())
            .find(|v: &serde_json::Value| v.get("result").is_some() || v.get("error").is_some())
    } else {
        serde_json::from_str(body).ok()
    };
    let v = json.ok_or(ProviderError::Malformed { status: 200 })?;
    if let Some(e) = v.get("error") {
        let msg =
            super::http::sanitize(e.get("message").and_then(|m| m.as_str()).unwrap_or("error"));
        return Err(ProviderError::UnexpectedStatus {
            status: 200,
            message: format!("JSON-RPC error: {msg}"),
        });
    }
    v.get("result")
        .cloned()
        .ok_or_else(|| ProviderError::MissingField("result".into()))
}

/// Run the handshake; returns the names of the server's tools.
pub fn handshake(
    http: &Http,
    url: &str,
    headers: &[(String, String)],
) -> Result<Vec<String>, ProviderError> {
    super::http::check_base_url(url)?;
    let mut session: Option<String> = None;
    let mut call = |body: serde_json::Value| -> Result<(u16, String, String), ProviderError> {
        let mut rb = http
            .post(url)
            .header("Accept", "application/json, text/event-stream")
            .header("MCP-Protocol-Version", PROTOCOL)
            .json(&body);
        for (k, v) in headers {
            rb = rb.header(k.as_str(), v.as_str());
        }
        if let Some(s) = &session {
            rb = rb.header("Mcp-Session-Id", s.as_str());
        }
        let a = http.send(rb)?;
        if let Some(s) = &a.session_id {
            session = Some(s.clone());
        }
        match a.status {
            200..=299 => Ok((a.status, a.body, a.content_type)),
            401 => Err(ProviderError::Unauthorized(
                "the MCP server refused the credential".into(),
            )),
            403 => Err(ProviderError::Forbidden(
                "the MCP server refused the credential".into(),
            )),
            404 => Err(ProviderError::NotFound(
                "no MCP endpoint at this URL".into(),
            )),
            s => Err(ProviderError::UnexpectedStatus {
                status: s,
                message: "from the MCP server".into(),
            }),
        }
    };
    let (_, body, ct) = call(
        serde_json::json!({ "jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": { "protocolVersion": PROTOCOL, "capabilities": {}, "clientInfo": { "name": "rekey", "version": crate::VERSION } } }),
    )?;
    rpc_result(&body, &ct)?;
    call(serde_json::json!({ "jsonrpc": "2.0", "method": "notifications/initialized" }))?;
    let (_, body, ct) =
        call(serde_json::json!({ "jsonrpc": "2.0", "id": 2, "method": "tools/list" }))?;
    let result = rpc_result(&body, &ct)?;
    Ok(result
        .get("tools")
        .and_then(|t| t.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|t| t.get("name").and_then(|n| n.as_str()).map(str::to_string))
                .collect()
        })
        .unwrap_or_default())
}
