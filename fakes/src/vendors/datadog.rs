//! Fake Datadog key management (providers-more.md §4), under `/datadog`: API keys
//! (`POST/DELETE /api/v2/api_keys[/{id}]`, `GET /api/v2/validate`, `GET /api/v1/validate`) and the
//! current user's application keys (`POST/GET/DELETE /api/v2/current_user/application_keys[/{id}]`,
//! `GET /api/v2/validate_keys`). Key management needs `DD-API-KEY` + `DD-APPLICATION-KEY` (live keys);
//! errors are `{"errors": ["…"]}`; an invalid key gets 403.

use super::keystore::Keys;
use crate::http::{header, post_fault, pre_fault, reply, Outcome, Reply};
use crate::{mint, rotate_call, Provider, State};
use serde_json::json;
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone)]
pub struct DatadogState {
    /// API keys: the admin's (first) and the one a config holds.
    pub api: Keys,
    /// The current user's application keys: the admin's (first) and the one a config holds.
    pub app: Keys,
    pub admin_api_key: String,
    pub admin_app_key: String,
    /// The keys a config holds at the start, and their ids.
    pub api_key: String,
    pub api_key_id: String,
    pub app_key: String,
    pub app_key_id: String,
}

fn hex(n: usize) -> String {
    // Lower-case hex of the right length, from the shared minter's randomness.
    mint("", n * 2)
        .bytes()
        .take(n)
        .map(|b| format!("{:x}", b % 16))
        .collect()
}

fn uuid() -> String {
    let h = hex(32);
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

impl Default for DatadogState {
    fn default() -> Self {
        let (admin_api_key, api_key) = (hex(32), hex(32));
        let (admin_app_key, app_key) = (hex(40), hex(40));
        let (api_key_id, app_key_id) = (uuid(), uuid());
        let mut api = Keys::with(&uuid(), "admin", &admin_api_key);
        api.add(&api_key_id, "mcp", &api_key);
        let mut app = Keys::with(&uuid(), "admin", &admin_app_key);
        app.add(&app_key_id, "mcp", &app_key);
        DatadogState {
            api,
            app,
            admin_api_key,
            admin_app_key,
            api_key,
            api_key_id,
            app_key,
            app_key_id,
        }
    }
}

fn errors(code: u16, msg: &str) -> Reply {
    reply(code, json!({ "errors": [msg] }))
}

fn authed(req: &tiny_http::Request, d: &DatadogState) -> bool {
    header(req, "DD-API-KEY").is_some_and(|k| d.api.is_live(k))
        && header(req, "DD-APPLICATION-KEY").is_some_and(|k| d.app.is_live(k))
}

fn last4(k: &str) -> &str {
    &k[k.len().saturating_sub(4)..]
}

/// The hook into the route table: Some for every path under `/datadog`.
pub(crate) fn route(
    method: &str,
    segs: &[&str],
    req: &tiny_http::Request,
    body: &str,
    state: &Arc<Mutex<State>>,
) -> Option<Outcome> {
    let ["datadog", "api", rest @ ..] = segs else {
        return None;
    };
    let app_kind = matches!(rest, ["v2", "current_user", "application_keys", ..]);
    Some(match (method, rest) {
        ("POST", ["v2", "api_keys"]) | ("POST", ["v2", "current_user", "application_keys"]) => {
            let p = if app_kind {
                Provider::DatadogAppKey
            } else {
                Provider::DatadogApiKey
            };
            let fault = rotate_call(state, p);
            if let Some(o) = pre_fault(&fault, &errors) {
                return Some(o);
            }
            let mut s = state.lock().unwrap();
            if !authed(req, &s.datadog) {
                return Some(Outcome::Answer(errors(403, "Forbidden")));
            }
            let name = serde_json::from_str::<serde_json::Value>(body)
                .ok()
                .and_then(|v| {
                    v.pointer("/data/attributes/name")
                        .and_then(|n| n.as_str())
                        .map(str::to_string)
                });
            let Some(name) = name.filter(|n| !n.is_empty()) else {
                return Some(Outcome::Answer(errors(400, "name is required")));
            };
            let (id, key) = (uuid(), if app_kind { hex(40) } else { hex(32) });
            let keys = if app_kind {
                &mut s.datadog.app
            } else {
                &mut s.datadog.api
            };
            keys.add(&id, &name, &key);
            s.rotations.push(p);
            let ty = if app_kind {
                "application_keys"
            } else {
                "api_keys"
            };
            let ok = reply(
                201,
                json!({ "data": { "type": ty, "id": id, "attributes": { "key": key, "last4": last4(&key), "name": name, "created_at": "2026-01-01T00:00:00Z" } } }),
            );
            post_fault(
                &fault,
                ok,
                json!({ "data": { "type": ty, "id": id, "attributes": { "name": name } } }),
            )
        }
        ("DELETE", ["v2", "api_keys", id])
        | ("DELETE", ["v2", "current_user", "application_keys", id]) => {
            let mut s = state.lock().unwrap();
            let ok = authed(req, &s.datadog);
            let keys = if app_kind {
                &mut s.datadog.app
            } else {
                &mut s.datadog.api
            };
            keys.revoke_calls += 1;
            if !ok {
                return Some(Outcome::Answer(errors(403, "Forbidden")));
            }
            if let Some(code) = keys.revoke_fault {
                return Some(Outcome::Answer(errors(code, "injected failure")));
            }
            if !keys.revoke(id) {
                return Some(Outcome::Answer(errors(404, "Not found")));
            }
            let key = keys.by_id(id).map(|k| k.key.clone()).unwrap_or_default();
            let p = if app_kind {
                Provider::DatadogAppKey
            } else {
                Provider::DatadogApiKey
            };
            s.died_now(p, &key);
            Outcome::Answer(Reply {
                status: 204,
                body: json!(""),
                headers: vec![],
                content_type: "text/plain",
            })
        }
        ("GET", ["v2", "current_user", "application_keys"]) => {
            let s = state.lock().unwrap();
            if !authed(req, &s.datadog) {
                return Some(Outcome::Answer(errors(403, "Forbidden")));
            }
            let data: Vec<_> = s.datadog.app.keys.iter().filter(|k| !k.revoked).map(|k| {
                json!({ "type": "application_keys", "id": k.id, "attributes": { "name": k.name, "last4": last4(&k.key) } })
            }).collect();
            Outcome::Answer(reply(200, json!({ "data": data })))
        }
        ("GET", ["v2", "validate"]) => {
            let s = state.lock().unwrap();
            match header(req, "DD-API-KEY").and_then(|k| s.datadog.api.live(k)) {
                Some(k) => Outcome::Answer(reply(
                    200,
                    json!({ "data": { "type": "validate", "id": "org-uuid", "attributes": { "api_key_id": k.id, "api_key_scopes": [], "valid": true } } }),
                )),
                None => Outcome::Answer(errors(403, "Forbidden")),
            }
        }
        ("GET", ["v1", "validate"]) => {
            let s = state.lock().unwrap();
            if let Some(code) = s.datadog.api.verify_fault {
                return Some(Outcome::Answer(errors(code, "injected failure")));
            }
            if header(req, "DD-API-KEY").is_some_and(|k| s.datadog.api.is_live(k)) {
                Outcome::Answer(reply(200, json!({ "valid": true })))
            } else {
                Outcome::Answer(errors(403, "Forbidden"))
            }
        }
        ("GET", ["v2", "validate_keys"]) => {
            let s = state.lock().unwrap();
            if let Some(code) = s.datadog.app.verify_fault {
                return Some(Outcome::Answer(errors(code, "injected failure")));
            }
            if authed(req, &s.datadog) {
                Outcome::Answer(reply(200, json!({ "status": "ok" })))
            } else {
                Outcome::Answer(errors(403, "Forbidden"))
            }
        }
        _ => Outcome::Answer(errors(404, "Not found")),
    })
}
