//! Fake Neon (providers-more.md §3), under `/neon`: `POST /api/v2/api_keys`, `DELETE /api/v2/api_keys/{id}`,
//! the org variants under `/api/v2/organizations/{org}/api_keys`, and `GET /api/v2/auth`. Errors
//! `{request_id, code, message}`; a missing, invalid or revoked key gets 401.

use super::keystore::Keys;
use crate::http::{header, post_fault, pre_fault, reply, Outcome, Reply};
use crate::{mint, rotate_call, Provider, State};
use serde_json::json;
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone)]
pub struct NeonState {
    /// Personal keys and org keys (an org key's name starts with `org:`).
    pub keys: Keys,
    pub org_id: String,
    /// The key a config holds at the start (a personal key).
    pub key: String,
    pub key_id: String,
    /// A personal key of an org admin: the admin credential for org keys.
    pub admin_key: String,
    next_id: u64,
}

impl Default for NeonState {
    fn default() -> Self {
        let key = mint("napi_", 64);
        let admin_key = mint("napi_", 64);
        let mut keys = Keys::with("177630", "mcp", &key);
        keys.add("177631", "admin", &admin_key);
        NeonState {
            keys,
            org_id: "org-cool-breeze-12345678".into(),
            key,
            key_id: "177630".into(),
            admin_key,
            next_id: 177700,
        }
    }
}

fn errors(code: u16, msg: &str) -> Reply {
    reply(
        code,
        json!({ "request_id": "req-fake", "code": if code == 401 { "UNAUTHORIZED" } else { "ERROR" }, "message": msg }),
    )
}

fn bearer(req: &tiny_http::Request) -> Option<&str> {
    header(req, "Authorization").and_then(|v| v.strip_prefix("Bearer "))
}

/// The hook into the route table: Some for every path under `/neon`.
pub(crate) fn route(
    method: &str,
    segs: &[&str],
    req: &tiny_http::Request,
    body: &str,
    state: &Arc<Mutex<State>>,
) -> Option<Outcome> {
    let ["neon", "api", "v2", rest @ ..] = segs else {
        return None;
    };
    let (org, rest) = match rest {
        ["organizations", org, tail @ ..] => (Some(*org), tail),
        r => (None, r),
    };
    Some(match (method, rest) {
        ("POST", ["api_keys"]) => create(req, body, state, org),
        ("DELETE", ["api_keys", id]) => {
            let mut s = state.lock().unwrap();
            let n = &mut s.neon;
            n.keys.revoke_calls += 1;
            let Some(who) = bearer(req).and_then(|b| n.keys.live(b)).cloned() else {
                return Some(Outcome::Answer(errors(401, "authentication required")));
            };
            if org.is_some_and(|o| o != n.org_id) {
                return Some(Outcome::Answer(errors(404, "organization not found")));
            }
            if org.is_none() && who.name.starts_with("org:") {
                return Some(Outcome::Answer(errors(
                    403,
                    "org keys cannot manage personal keys",
                )));
            }
            if let Some(code) = n.keys.revoke_fault {
                let text = n.keys.revoke_fault_text(bearer(req));
                return Some(Outcome::Answer(errors(code, &text)));
            }
            let name = n.keys.by_id(id).map(|k| k.name.clone());
            if !n.keys.revoke(id) {
                return Some(Outcome::Answer(errors(404, "API key not found")));
            }
            let key = n.keys.by_id(id).map(|k| k.key.clone()).unwrap_or_default();
            s.died_now(Provider::Neon, &key);
            Outcome::Answer(reply(
                200,
                json!({ "id": id.parse::<u64>().unwrap_or(0), "name": name, "revoked": true, "last_used_at": null, "last_used_from_addr": "" }),
            ))
        }
        ("GET", ["auth"]) => {
            let s = state.lock().unwrap();
            if let Some(code) = s.neon.keys.verify_fault {
                return Some(Outcome::Answer(errors(code, "injected failure")));
            }
            match bearer(req).and_then(|b| s.neon.keys.live(b)) {
                Some(k) => Outcome::Answer(reply(
                    200,
                    json!({ "account_id": "acc-1", "auth_method": if k.name.starts_with("org:") { "api_key_org" } else { "api_key_user" }, "auth_data": {} }),
                )),
                None => Outcome::Answer(errors(401, "authentication required")),
            }
        }
        _ => Outcome::Answer(errors(404, "not found")),
    })
}

fn create(
    req: &tiny_http::Request,
    body: &str,
    state: &Arc<Mutex<State>>,
    org: Option<&str>,
) -> Outcome {
    let fault = rotate_call(state, Provider::Neon);
    if let Some(o) = pre_fault(&fault, &errors) {
        return o;
    }
    let mut s = state.lock().unwrap();
    let n = &mut s.neon;
    let Some(who) = bearer(req).and_then(|b| n.keys.live(b)).cloned() else {
        return Outcome::Answer(errors(401, "authentication required"));
    };
    let name = serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| {
            v.get("key_name")
                .and_then(|n| n.as_str())
                .map(str::to_string)
        });
    let Some(name) = name.filter(|n| !n.is_empty()) else {
        return Outcome::Answer(errors(400, "key_name is required"));
    };
    if let Some(o) = org {
        if who.name.starts_with("org:") {
            return Outcome::Answer(errors(
                403,
                "an organization API key cannot create organization API keys",
            ));
        }
        if o != n.org_id {
            return Outcome::Answer(errors(404, "organization not found"));
        }
    }
    n.next_id += 1;
    let id = n.next_id;
    let key = mint("napi_", 64);
    let stored = if org.is_some() {
        format!("org:{name}")
    } else {
        name.clone()
    };
    n.keys.add(&id.to_string(), &stored, &key);
    s.rotations.push(Provider::Neon);
    let ok = match org {
        Some(_) => reply(
            200,
            json!({ "id": id, "key": key, "name": name, "created_at": "2026-01-01T00:00:00Z", "created_by": "user_fake" }),
        ),
        None => reply(200, json!({ "id": id, "key": key })),
    };
    post_fault(&fault, ok, json!({ "id": id }))
}
