//! A2A Market: `POST /acap/v1/agents/{id}/rotate-key` with `X-Agent-Key`, verify
//! `GET /acap/v1/compute/balance`.

use crate::http::{header, post_fault, pre_fault, reply, Outcome, Req};
use crate::*;
use serde_json::{json, Value};

pub(crate) fn route(r: &Req) -> Option<Outcome> {
    let (req, state) = (r.req, r.state);
    Some(match (r.method, r.segs) {
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
                return Some(o);
            }
            let mut s = state.lock().unwrap();
            if header(req, "X-Agent-Key") != Some(s.a2a_key.as_str()) {
                return Some(Outcome::Answer(errors(401, "Invalid agent key")));
            }
            if *agent != s.a2a_agent_id {
                return Some(Outcome::Answer(errors(404, "Agent not found")));
            }
            let old = std::mem::replace(&mut s.a2a_key, mint("ak_live_", 24));
            s.died_now(Provider::A2aMarket, &old);
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
        _ => return None,
    })
}
