//! BitScale: `POST /api/v1/api-key/rotate` (and the older `/api/v1/rotate-api-key`) with `X-API-KEY`,
//! verify `GET /api/v1/workspace`.

use crate::http::{header, post_fault, pre_fault, reply, Outcome, Req};
use crate::*;
use serde_json::json;

pub(crate) fn route(r: &Req) -> Option<Outcome> {
    let (req, state) = (r.req, r.state);
    Some(match (r.method, r.segs) {
        ("POST", ["api", "v1", "api-key", "rotate"])
        | ("POST", ["api", "v1", "rotate-api-key"]) => {
            let legacy = r.segs[2] == "rotate-api-key";
            let errors = |code: u16, msg: &str| reply(code, json!({ "detail": msg }));
            if !legacy && state.lock().unwrap().bitscale_legacy_only {
                return Some(Outcome::Answer(errors(404, "Not Found")));
            }
            let fault = rotate_call(state, Provider::BitScale);
            if let Some(o) = pre_fault(&fault, &errors) {
                return Some(o);
            }
            let mut s = state.lock().unwrap();
            if header(req, "X-API-KEY") != Some(s.bitscale_key.as_str()) {
                return Some(Outcome::Answer(errors(401, "Invalid API key")));
            }
            let new = if s.bitscale_escaping_keys {
                mint_escaping("sk-live-", 96)
            } else {
                mint("sk-live-", 24)
            };
            let old = std::mem::replace(&mut s.bitscale_key, new);
            s.died_now(Provider::BitScale, &old);
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
        _ => return None,
    })
}
