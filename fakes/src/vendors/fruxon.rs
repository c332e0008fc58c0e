//! Fruxon: `POST /v1/tenants/{t}/integrations/{i}/mcp:rotateKey` with a Bearer JWT; the MCP endpoints
//! `mcp:test` and `mcp:call` take `X-API-KEY`. Errors are RFC 7807 problems.

use crate::http::{
    header, mcp_answer, now_secs, post_fault, pre_fault, reply, Outcome, Reply, Req,
};
use crate::*;
use serde_json::json;

pub(crate) fn route(r: &Req) -> Option<Outcome> {
    let (req, state, body) = (r.req, r.state, r.body);
    let ("POST", ["v1", "tenants", t, "integrations", action_path @ ..]) = (r.method, r.segs)
    else {
        return None;
    };
    if action_path.len() != 2 {
        return None;
    }
    let (integration, action) = match action_path[1].split_once(':') {
        Some(("mcp", a)) => (action_path[0], a),
        _ => {
            return Some(Outcome::Answer(reply(
                404,
                json!({ "title": "Not Found", "status": 404 }),
            )))
        }
    };
    let problem = |code: u16, msg: &str| Reply {
        status: code,
        body: json!({ "type": "about:blank", "title": msg, "status": code, "detail": msg }),
        headers: vec![],
        content_type: "application/problem+json",
    };
    Some(match action {
        "rotateKey" => {
            let fault = rotate_call(state, Provider::Fruxon);
            if let Some(o) = pre_fault(&fault, &problem) {
                return Some(o);
            }
            let mut s = state.lock().unwrap();
            if header(req, "Authorization") != Some(format!("Bearer {}", s.fruxon_jwt).as_str()) {
                return Some(Outcome::Answer(problem(401, "Unauthorized")));
            }
            if *t != s.fruxon_tenant || integration != s.fruxon_integration {
                return Some(Outcome::Answer(problem(404, "Integration not found")));
            }
            let old = std::mem::replace(&mut s.fruxon_key, mint("frx_", 32));
            s.died_now(Provider::Fruxon, &old);
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
                return Some(Outcome::Answer(problem(401, "Unauthorized")));
            }
            Outcome::Answer(mcp_answer(body, "fruxon-fake"))
        }
        _ => Outcome::Answer(problem(404, "Not Found")),
    })
}
