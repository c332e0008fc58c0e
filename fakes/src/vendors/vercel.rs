//! Fake Vercel access tokens (providers-more.md, "Create + delete only"), under `/vercel`:
//! `POST /v3/user/tokens` `{name, expiresAt?}` → `{"bearerToken", "token": {…, "id"}}` (the secret shown
//! once), `DELETE /v3/user/tokens/{tokenId}` → `{"tokenId"}` (`tokenId` may be `current`: the token that
//! authenticates the call), `GET /v5/user/tokens/{tokenId}` (`current` too) → `{"token": {…}}`, the
//! adapter's "which token am I" call, and `GET /v2/user` → `{"user": {…}}`, its verify call (the only
//! one the `verify_fault` knob breaks). Creating a token needs a full-account token (the fake's
//! `admin_token`; the MCP token is scoped). Errors are `{"error": {"code", "message"}}`; a missing, invalid
//! or deleted token gets 403, as Vercel answers.

use super::keystore::Keys;
use crate::http::{header, post_fault, pre_fault, reply, Outcome, Reply};
use crate::{mint, rotate_call, Provider, State};
use serde_json::json;
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone)]
pub struct VercelState {
    /// Every token of the user: the MCP one, the full-account admin one, and those created.
    pub keys: Keys,
    /// The token a config holds at the start (scoped: it cannot create tokens).
    pub key: String,
    pub key_id: String,
    /// A full-account token: the admin credential.
    pub admin_token: String,
    next_id: u64,
}

/// The name of the fake's full-account token (the others are scoped).
const ADMIN: &str = "admin";

impl Default for VercelState {
    fn default() -> Self {
        let key = mint("", 24);
        let admin_token = mint("", 24);
        let mut keys = Keys::with("5d9f2ebd38ddca62e5d51e9c1704c725", "mcp", &key);
        keys.add("0a1b2c3d4e5f60718293a4b5c6d7e8f9", ADMIN, &admin_token);
        VercelState {
            keys,
            key,
            key_id: "5d9f2ebd38ddca62e5d51e9c1704c725".into(),
            admin_token,
            next_id: 0x7e57_0000,
        }
    }
}

fn errors(code: u16, msg: &str) -> Reply {
    let c = match code {
        400 => "bad_request",
        401 | 403 => "forbidden",
        404 => "not_found",
        429 => "rate_limited",
        _ => "internal_server_error",
    };
    reply(code, json!({ "error": { "code": c, "message": msg } }))
}

fn bearer(req: &tiny_http::Request) -> Option<&str> {
    header(req, "Authorization").and_then(|v| v.strip_prefix("Bearer "))
}

fn metadata(id: &str, name: &str) -> serde_json::Value {
    json!({ "id": id, "name": name, "type": "oauth2-token", "origin": "manual", "scopes": [],
            "activeAt": 1_767_225_600_000u64, "createdAt": 1_767_225_600_000u64 })
}

/// The hook into the route table: Some for every path under `/vercel`.
pub(crate) fn route(
    method: &str,
    segs: &[&str],
    req: &tiny_http::Request,
    body: &str,
    state: &Arc<Mutex<State>>,
) -> Option<Outcome> {
    let ["vercel", rest @ ..] = segs else {
        return None;
    };
    Some(match (method, rest) {
        ("POST", ["v3", "user", "tokens"]) => create(req, body, state),
        ("DELETE", ["v3", "user", "tokens", id]) => {
            let mut s = state.lock().unwrap();
            let v = &mut s.vercel;
            v.keys.revoke_calls += 1;
            let Some(who) = bearer(req).and_then(|b| v.keys.live(b)).cloned() else {
                return Some(Outcome::Answer(errors(403, "Not authorized")));
            };
            if let Some(code) = v.keys.revoke_fault {
                let text = v.keys.revoke_fault_text(bearer(req));
                return Some(Outcome::Answer(errors(code, &text)));
            }
            let id = if *id == "current" {
                who.id.as_str()
            } else {
                id
            };
            if !v.keys.revoke(id) {
                return Some(Outcome::Answer(errors(404, "Token not found")));
            }
            let key = v.keys.by_id(id).map(|k| k.key.clone()).unwrap_or_default();
            let id = id.to_string();
            s.died_now(Provider::Vercel, &key);
            Outcome::Answer(reply(200, json!({ "tokenId": id })))
        }
        ("GET", ["v2", "user"]) => {
            let s = state.lock().unwrap();
            if let Some(code) = s.vercel.keys.verify_fault {
                return Some(Outcome::Answer(errors(code, "injected failure")));
            }
            match bearer(req).and_then(|b| s.vercel.keys.live(b)) {
                Some(_) => Outcome::Answer(reply(
                    200,
                    json!({ "user": { "id": "user_fake0001", "username": "fake", "email": "fake@example.com", "name": "Fake", "defaultTeamId": null } }),
                )),
                None => Outcome::Answer(errors(403, "Not authorized")),
            }
        }
        ("GET", ["v5", "user", "tokens", id]) => {
            let s = state.lock().unwrap();
            let Some(who) = bearer(req).and_then(|b| s.vercel.keys.live(b)) else {
                return Some(Outcome::Answer(errors(403, "Not authorized")));
            };
            let k = if *id == "current" {
                Some(who)
            } else {
                s.vercel.keys.by_id(id).filter(|k| !k.revoked)
            };
            match k {
                Some(k) => {
                    Outcome::Answer(reply(200, json!({ "token": metadata(&k.id, &k.name) })))
                }
                None => Outcome::Answer(errors(404, "Token not found")),
            }
        }
        _ => Outcome::Answer(errors(404, "not found")),
    })
}

fn create(req: &tiny_http::Request, body: &str, state: &Arc<Mutex<State>>) -> Outcome {
    let fault = rotate_call(state, Provider::Vercel);
    if let Some(o) = pre_fault(&fault, &errors) {
        return o;
    }
    let mut s = state.lock().unwrap();
    let v = &mut s.vercel;
    let Some(who) = bearer(req).and_then(|b| v.keys.live(b)).cloned() else {
        return Outcome::Answer(errors(403, "Not authorized"));
    };
    if who.name != ADMIN {
        return Outcome::Answer(errors(
            403,
            "You don't have permission to create the token: it needs full account access",
        ));
    }
    let name = serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("name").and_then(|n| n.as_str()).map(str::to_string));
    let Some(name) = name.filter(|n| !n.is_empty()) else {
        return Outcome::Answer(errors(
            400,
            "Invalid request: missing required property `name`",
        ));
    };
    v.next_id += 1;
    let id = format!("{:032x}", v.next_id);
    let key = mint("", 24);
    v.keys.add(&id, &name, &key);
    s.rotations.push(Provider::Vercel);
    let ok = reply(
        200,
        json!({ "token": metadata(&id, &name), "bearerToken": key }),
    );
    post_fault(&fault, ok, json!({ "token": metadata(&id, &name) }))
}
