//! Cloudflare Access service tokens: `POST /client/v4/accounts/{acc}/access/service_tokens/{id}/rotate`
//! (honours `previous_client_secret_expires_at`), and an application behind Access at `/cf-app/` that
//! checks `CF-Access-Client-Id`/`-Secret` (GET for verify, POST as a tiny MCP server).

use crate::http::{
    header, mcp_answer, now_secs, parse_rfc3339_utc, post_fault, pre_fault, reply, Outcome, Reply,
    Req,
};
use crate::*;
use serde_json::{json, Value};

/// The error envelope of the Cloudflare API (`success: false`, `errors[]`).
pub(crate) fn cf_error(code: u16, c: u32, msg: &str) -> Reply {
    reply(
        code,
        json!({ "success": false, "errors": [{ "code": c, "message": msg }], "messages": [], "result": null }),
    )
}

fn forbidden() -> Outcome {
    Outcome::Answer(Reply {
        status: 403,
        body: json!("Forbidden"),
        headers: vec![],
        content_type: "text/plain",
    })
}

/// Is this the current secret, or the previous one within its grace period?
fn secret_ok(s: &State, secret: &str) -> bool {
    let in_grace =
        s.cf.previous
            .as_ref()
            .is_some_and(|(p, until)| p == secret && now_secs() < *until);
    secret == s.cf.client_secret || in_grace
}

pub(crate) fn route(r: &Req) -> Option<Outcome> {
    let (req, state, body) = (r.req, r.state, r.body);
    Some(match (r.method, r.segs) {
        ("POST", ["client", "v4", "accounts", acc, "access", "service_tokens", id, "rotate"]) => {
            let errors = |code: u16, msg: &str| {
                let c = match code {
                    401 | 403 => 10000,
                    404 => 7003,
                    429 => 10429,
                    _ => 10001,
                };
                cf_error(code, c, msg)
            };
            let fault = rotate_call(state, Provider::CloudflareAccess);
            if let Some(o) = pre_fault(&fault, &errors) {
                return Some(o);
            }
            let mut s = state.lock().unwrap();
            let bearer_ok =
                header(req, "Authorization") == Some(format!("Bearer {}", s.cf_api_token).as_str());
            let global_ok = header(req, "X-Auth-Email") == Some(s.cf_email.as_str())
                && header(req, "X-Auth-Key") == Some(s.cf_global_key.as_str());
            if !bearer_ok && !global_ok {
                return Some(Outcome::Answer(errors(403, "Authentication error")));
            }
            if *acc != s.cf.account_id || *id != s.cf.token_id {
                return Some(Outcome::Answer(errors(404, "service token not found")));
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
                    return Some(Outcome::Answer(errors(
                        400,
                        "previous_client_secret_expires_at is not a valid date-time",
                    )))
                }
                None => now_secs(),
            };
            let old = std::mem::replace(&mut s.cf.client_secret, mint("", 64));
            // Accepted while `now_secs() < until`: dead from the instant `until` (or now, if past).
            let now = SystemTime::now();
            s.died(
                Provider::CloudflareAccess,
                &old,
                now.max(UNIX_EPOCH + Duration::from_secs(until)),
            );
            if let Some((earlier, _)) = s.cf.previous.take() {
                s.died(Provider::CloudflareAccess, &earlier, now);
            }
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
            if id_ok && secret_ok(&s, secret) {
                Outcome::Answer(mcp_answer(body, "access-protected-fake"))
            } else {
                forbidden()
            }
        }
        ("GET", ["cf-app", ..]) => {
            let s = state.lock().unwrap();
            let id_ok = header(req, "CF-Access-Client-Id") == Some(s.cf.client_id.as_str());
            let secret = header(req, "CF-Access-Client-Secret").unwrap_or("");
            if id_ok && secret_ok(&s, secret) {
                Outcome::Answer(reply(200, json!({ "ok": true })))
            } else {
                forbidden()
            }
        }
        _ => return None,
    })
}
