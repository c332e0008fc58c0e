//! The route table: every vendor's documented endpoints (rotate, verify, the MCP apps), with their state
//! changes and error shapes.

use crate::http::{header, post_fault, pre_fault, reply, Outcome, Reply};
use crate::*;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};

pub(crate) fn route(
    method: &str,
    segs: &[&str],
    req: &tiny_http::Request,
    body: &str,
    state: &Arc<Mutex<State>>,
) -> Outcome {
    if let Some(o) = crate::vendors::create_revoke_route(method, segs, req, body, state) {
        return o;
    }
    match (method, segs) {
        // ---- BitScale
        ("POST", ["api", "v1", "api-key", "rotate"])
        | ("POST", ["api", "v1", "rotate-api-key"]) => {
            let legacy = segs[2] == "rotate-api-key";
            let errors = |code: u16, msg: &str| reply(code, json!({ "detail": msg }));
            if !legacy && state.lock().unwrap().bitscale_legacy_only {
                return Outcome::Answer(errors(404, "Not Found"));
            }
            let fault = rotate_call(state, Provider::BitScale);
            if let Some(o) = pre_fault(&fault, &errors) {
                return o;
            }
            let mut s = state.lock().unwrap();
            if header(req, "X-API-KEY") != Some(s.bitscale_key.as_str()) {
                return Outcome::Answer(errors(401, "Invalid API key"));
            }
            s.bitscale_key = mint("sk-live-", 24);
            s.rotations.push(Provider::BitScale);
            let ok = reply(200, json!({ "api_key": s.bitscale_key }));
            post_fault(&fault, ok, json!({ "status": "ok" }))
        }
        ("GET", ["api", "v1", "workspace"]) => {
            let s = state.lock().unwrap();
            if header(req, "X-API-KEY") == Some(s.bitscale_key.as_str()) {
                Outcome::Answer(reply(
                    200,
                    json!({ "id": "ws_demo", "name": "Demo workspace" }),
                ))
            } else {
                Outcome::Answer(reply(401, json!({ "detail": "Invalid API key" })))
            }
        }
        // ---- A2A Market
        ("POST", ["acap", "v1", "agents", agent, "rotate-key"]) => {
            let errors = |code: u16, msg: &str| {
                let c = match code {
                    401 => "UNAUTHORIZED",
                    404 => "AGENT_NOT_FOUND",
                    429 => "RATE_LIMITED",
                    _ => "INTERNAL_ERROR",
                };
                reply(
                    code,
                    json!({ "error": { "code": c, "message": msg, "http_status": code, "retry_after": if code == 429 { json!(30) } else { Value::Null } } }),
                )
            };
            if let Some(k) = header(req, "X-Idempotency-Key") {
                state
                    .lock()
                    .unwrap()
                    .a2a_idempotency_keys
                    .push(k.to_string());
            }
            let fault = rotate_call(state, Provider::A2aMarket);
            if let Some(o) = pre_fault(&fault, &errors) {
                return o;
            }
            let mut s = state.lock().unwrap();
            if header(req, "X-Agent-Key") != Some(s.a2a_key.as_str()) {
                return Outcome::Answer(errors(401, "Invalid agent key"));
            }
            if *agent != s.a2a_agent_id {
                return Outcome::Answer(errors(404, "Agent not found"));
            }
            s.a2a_key = mint("ak_live_", 24);
            s.rotations.push(Provider::A2aMarket);
            let key = s.a2a_key.clone();
            let body = match s.a2a_shape.as_str() {
                "data.api_key" => json!({ "data": { "api_key": key } }),
                "api_key" => json!({ "api_key": key }),
                "apiKey" => json!({ "apiKey": key }),
                "key" => json!({ "key": key }),
                _ => {
                    json!({ "acap_version": "1.0", "message_id": mint("msg_", 12), "sub_protocol": "account", "payload": { "data": { "agent_id": s.a2a_agent_id, "api_key": key } } })
                }
            };
            post_fault(
                &fault,
                reply(200, body),
                json!({ "acap_version": "1.0", "payload": { "data": { "agent_id": s.a2a_agent_id } } }),
            )
        }
        ("GET", ["acap", "v1", "compute", "balance"]) => {
            let s = state.lock().unwrap();
            if header(req, "X-Agent-Key") == Some(s.a2a_key.as_str()) {
                Outcome::Answer(reply(
                    200,
                    json!({ "payload": { "data": { "balance": 42.5 } } }),
                ))
            } else {
                Outcome::Answer(reply(
                    401,
                    json!({ "error": { "code": "UNAUTHORIZED", "message": "Invalid agent key", "http_status": 401 } }),
                ))
            }
        }
        // ---- Cloudflare Access
        ("POST", ["client", "v4", "accounts", acc, "access", "service_tokens", id, "rotate"]) => {
            let errors = |code: u16, msg: &str| {
                let c = match code {
                    401 | 403 => 10000,
                    404 => 7003,
                    429 => 10429,
                    _ => 10001,
                };
                reply(
                    code,
                    json!({ "success": false, "errors": [{ "code": c, "message": msg }], "messages": [], "result": null }),
                )
            };
            let fault = rotate_call(state, Provider::CloudflareAccess);
            if let Some(o) = pre_fault(&fault, &errors) {
                return o;
            }
            let mut s = state.lock().unwrap();
            let bearer_ok =
                header(req, "Authorization") == Some(format!("Bearer {}", s.cf_api_token).as_str());
            let global_ok = header(req, "X-Auth-Email") == Some(s.cf_email.as_str())
                && header(req, "X-Auth-Key") == Some(s.cf_global_key.as_str());
            if !bearer_ok && !global_ok {
                return Outcome::Answer(errors(403, "Authentication error"));
            }
            if *acc != s.cf.account_id || *id != s.cf.token_id {
                return Outcome::Answer(errors(404, "service token not found"));
            }
            // previous_client_secret_expires_at: RFC 3339 in UTC (…Z); absent means "now".
            let expires = serde_json::from_str::<Value>(body)
                .ok()
                .and_then(|v| {
                    v.get("previous_client_secret_expires_at")
                        .and_then(|x| x.as_str())
                        .map(str::to_string)
                })
                .map(|t| parse_rfc3339_utc(&t));
            let until = match expires {
                Some(Some(t)) => t,
                Some(None) => {
                    return Outcome::Answer(errors(
                        400,
                        "previous_client_secret_expires_at is not a valid date-time",
                    ))
                }
                None => now_secs(),
            };
            let old = std::mem::replace(&mut s.cf.client_secret, mint("", 64));
            s.cf.previous = Some((old, until));
            s.rotations.push(Provider::CloudflareAccess);
            let result = json!({ "id": s.cf.token_id, "client_id": s.cf.client_id, "client_secret": s.cf.client_secret, "name": "rekey demo", "duration": "8760h" });
            let ok = reply(
                200,
                json!({ "success": true, "errors": [], "messages": [], "result": result }),
            );
            post_fault(
                &fault,
                ok,
                json!({ "success": true, "errors": [], "messages": [], "result": { "id": s.cf.token_id, "client_id": s.cf.client_id } }),
            )
        }
        ("POST", ["cf-app", ..]) => {
            // A remote MCP server behind Cloudflare Access.
            let s = state.lock().unwrap();
            let id_ok = header(req, "CF-Access-Client-Id") == Some(s.cf.client_id.as_str());
            let secret = header(req, "CF-Access-Client-Secret").unwrap_or("");
            let in_grace =
                s.cf.previous
                    .as_ref()
                    .is_some_and(|(p, until)| p == secret && now_secs() < *until);
            if id_ok && (secret == s.cf.client_secret || in_grace) {
                Outcome::Answer(mcp_answer(body, "access-protected-fake"))
            } else {
                Outcome::Answer(Reply {
                    status: 403,
                    body: json!("Forbidden"),
                    headers: vec![],
                    content_type: "text/plain",
                })
            }
        }
        ("GET", ["cf-app", ..]) => {
            let s = state.lock().unwrap();
            let id_ok = header(req, "CF-Access-Client-Id") == Some(s.cf.client_id.as_str());
            let secret = header(req, "CF-Access-Client-Secret").unwrap_or("");
            let current = secret == s.cf.client_secret;
            let in_grace =
                s.cf.previous
                    .as_ref()
                    .is_some_and(|(p, until)| p == secret && now_secs() < *until);
            if id_ok && (current || in_grace) {
                Outcome::Answer(reply(200, json!({ "ok": true })))
            } else {
                Outcome::Answer(Reply {
                    status: 403,
                    body: json!("Forbidden"),
                    headers: vec![],
                    content_type: "text/plain",
                })
            }
        }
        // ---- Fruxon
        ("POST", ["v1", "tenants", t, "integrations", action_path @ ..])
            if action_path.len() == 2 =>
        {
            let (integration, action) = match action_path[1].split_once(':') {
                Some(("mcp", a)) => (action_path[0], a),
                _ => {
                    return Outcome::Answer(reply(
                        404,
                        json!({ "title": "Not Found", "status": 404 }),
                    ))
                }
            };
            let problem = |code: u16, msg: &str| Reply {
                status: code,
                body: json!({ "type": "about:blank", "title": msg, "status": code, "detail": msg }),
                headers: vec![],
                content_type: "application/problem+json",
            };
            match action {
                "rotateKey" => {
                    let fault = rotate_call(state, Provider::Fruxon);
                    if let Some(o) = pre_fault(&fault, &problem) {
                        return o;
                    }
                    let mut s = state.lock().unwrap();
                    if header(req, "Authorization")
                        != Some(format!("Bearer {}", s.fruxon_jwt).as_str())
                    {
                        return Outcome::Answer(problem(401, "Unauthorized"));
                    }
                    if *t != s.fruxon_tenant || integration != s.fruxon_integration {
                        return Outcome::Answer(problem(404, "Integration not found"));
                    }
                    s.fruxon_key = mint("frx_", 32);
                    s.rotations.push(Provider::Fruxon);
                    let obj = |with_key: bool| {
                        let mut v = json!({
                            "integrationId": s.fruxon_integration, "enabled": true, "configId": "00000000-0000-0000-0000-000000000000",
                            "exposedToolIds": [], "description": "demo", "apiKeyId": "5d1c2b3a-0000-4000-8000-000000000001",
                            "callUrl": format!("/v1/tenants/{}/integrations/{}/mcp:call", s.fruxon_tenant, s.fruxon_integration),
                            "testUrl": format!("/v1/tenants/{}/integrations/{}/mcp:test", s.fruxon_tenant, s.fruxon_integration),
                            "createdAt": 1_700_000_000, "modifiedAt": now_secs(), "keyPrefix": &s.fruxon_key[..8],
                        });
                        if with_key {
                            v["apiKey"] = json!(s.fruxon_key);
                        }
                        v
                    };
                    post_fault(&fault, reply(200, obj(true)), obj(false))
                }
                "test" | "call" => {
                    let s = state.lock().unwrap();
                    if header(req, "X-API-KEY") != Some(s.fruxon_key.as_str()) {
                        return Outcome::Answer(problem(401, "Unauthorized"));
                    }
                    Outcome::Answer(mcp_answer(body, "fruxon-fake"))
                }
                _ => Outcome::Answer(problem(404, "Not Found")),
            }
        }
        // ---- Activepieces
        ("POST", ["api", "v1", "mcp-servers", id, "rotate"]) => {
            let errors = |code: u16, msg: &str| {
                let c = match code {
                    401 | 403 => "AUTHENTICATION",
                    404 => "ENTITY_NOT_FOUND",
                    _ => "INTERNAL",
                };
                reply(code, json!({ "code": c, "params": { "message": msg } }))
            };
            let fault = rotate_call(state, Provider::Activepieces);
            if let Some(o) = pre_fault(&fault, &errors) {
                return o;
            }
            let mut s = state.lock().unwrap();
            if header(req, "Authorization")
                != Some(format!("Bearer {}", s.ap_platform_key).as_str())
            {
                return Outcome::Answer(errors(401, "invalid api key"));
            }
            if *id != s.ap_server_id {
                return Outcome::Answer(errors(404, "mcp server not found"));
            }
            s.ap_token = mint("", 21);
            s.rotations.push(Provider::Activepieces);
            let obj = |with_token: bool| {
                let mut v = json!({ "id": s.ap_server_id, "created": "2026-01-01T00:00:00.000Z", "updated": "2026-11-21T00:00:00.000Z",
                    "name": "Demo MCP", "projectId": AP_PROJECT_ID, "externalId": "ext00000000000000000001", "tools": [] });
                if with_token {
                    v["token"] = json!(s.ap_token);
                }
                v
            };
            post_fault(&fault, reply(200, obj(true)), obj(false))
        }
        ("GET", ["api", "v1", "mcp-servers"]) => {
            // The wizard's list: a SeekPage of the project's MCP servers (platform key, projectId required).
            let s = state.lock().unwrap();
            if header(req, "Authorization")
                != Some(format!("Bearer {}", s.ap_platform_key).as_str())
            {
                return Outcome::Answer(reply(
                    401,
                    json!({ "code": "AUTHENTICATION", "params": { "message": "invalid api key" } }),
                ));
            }
            let query = req.url().split_once('?').map(|(_, q)| q).unwrap_or("");
            let project = query
                .split('&')
                .find_map(|kv| kv.strip_prefix("projectId="))
                .unwrap_or("");
            if project.is_empty() {
                return Outcome::Answer(reply(
                    400,
                    json!({ "code": "VALIDATION", "params": { "message": "projectId is required" } }),
                ));
            }
            let data = if project == AP_PROJECT_ID {
                vec![
                    json!({ "id": s.ap_server_id, "created": "2026-01-01T00:00:00.000Z", "updated": "2026-11-21T00:00:00.000Z",
                    "name": "Demo MCP", "projectId": AP_PROJECT_ID, "token": s.ap_token, "externalId": "ext00000000000000000001", "tools": [] }),
                ]
            } else {
                Vec::new()
            };
            Outcome::Answer(reply(
                200,
                json!({ "data": data, "next": null, "previous": null }),
            ))
        }
        ("GET", ["api", "v1", "mcp", token, "sse"]) => {
            let s = state.lock().unwrap();
            if *token == s.ap_token {
                Outcome::Answer(Reply {
                    status: 200,
                    body: json!("event: endpoint"),
                    headers: vec![],
                    content_type: "text/event-stream",
                })
            } else {
                Outcome::Answer(reply(
                    404,
                    json!({ "code": "ENTITY_NOT_FOUND", "params": { "message": "mcp not found" } }),
                ))
            }
        }
        _ => Outcome::Answer(reply(
            404,
            json!({ "error": "no such route in the fake providers" }),
        )),
    }
}

/// A JSON-RPC answer of a tiny MCP server (Streamable HTTP): initialize, tools/list, notifications.
fn mcp_answer(body: &str, name: &str) -> Reply {
    let rpc: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    let Some(id) = rpc.get("id").cloned() else {
        // A notification: accepted, no body.
        return Reply {
            status: 202,
            body: json!(""),
            headers: vec![],
            content_type: "text/plain",
        };
    };
    let result = match rpc.get("method").and_then(|m| m.as_str()) {
        Some("initialize") => {
            json!({ "protocolVersion": "2025-06-18", "capabilities": { "tools": {} }, "serverInfo": { "name": name, "version": "1" } })
        }
        Some("tools/list") => {
            json!({ "tools": [{ "name": "echo", "inputSchema": { "type": "object" } }] })
        }
        _ => json!({}),
    };
    let mut r = reply(200, json!({ "jsonrpc": "2.0", "id": id, "result": result }));
    r.headers.push(("Mcp-Session-Id", "fake-session-1".into()));
    r
}

/// Seconds since the epoch of an RFC 3339 UTC time like `2026-11-21T10:00:00Z` (fractions allowed).
fn parse_rfc3339_utc(t: &str) -> Option<u64> {
    let t = t.strip_suffix('Z')?;
    let (date, time) = t.split_once('T')?;
    let mut d = date.split('-').map(|x| x.parse::<i64>().ok());
    let (y, m, day) = (d.next()??, d.next()??, d.next()??);
    let time = time.split('.').next()?;
    let mut h = time.split(':').map(|x| x.parse::<i64>().ok());
    let (hh, mm, ss) = (h.next()??, h.next()??, h.next()??);
    // Days from civil (Howard Hinnant's algorithm).
    let y2 = if m <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146097 + doe - 719468;
    u64::try_from(days * 86400 + hh * 3600 + mm * 60 + ss).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339() {
        assert_eq!(parse_rfc3339_utc("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_rfc3339_utc("2026-11-21T10:00:00.5Z"),
            Some(1_795_255_200)
        );
        assert_eq!(parse_rfc3339_utc("2026-11-21T10:00:00+01:00"), None);
    }
}
