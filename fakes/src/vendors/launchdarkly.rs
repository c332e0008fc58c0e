//! LaunchDarkly access tokens (providers-more.md §8): `POST /api/v2/tokens/{id}/reset?expiry=<epoch ms>`
//! with `Authorization: <token>` (no scheme); the answer is the Token object whose `token` holds the whole
//! new value after a reset. Without `expiry` the old value dies at once. Verify:
//! `GET /api/v2/caller-identity`. Errors: `{"code","message"}`.

use crate::http::{now_millis, post_fault, pre_fault, reply, Outcome, Reply, Req};
use crate::*;
use serde_json::json;

#[derive(Debug, Clone)]
pub struct LaunchDarkly {
    pub token_id: String,
    pub token: String,
    /// The replaced value and until when (unix ms) it still works.
    pub previous: Option<(String, u64)>,
    /// The `expiry` query of each accepted reset, in order.
    pub sent_expiry: Vec<Option<u64>>,
}

impl Default for LaunchDarkly {
    fn default() -> Self {
        LaunchDarkly {
            token_id: "61095542756dba551110ae21".into(),
            token: format!("api-{}", uuid_like()),
            previous: None,
            sent_expiry: Vec::new(),
        }
    }
}

/// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` from fresh lowercase hex.
fn uuid_like() -> String {
    let hex: String = mint("", 64)
        .bytes()
        .map(|b| char::from(b"0123456789abcdef"[(b % 16) as usize]))
        .take(32)
        .collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

impl LaunchDarkly {
    fn accepts(&self, presented: &str) -> bool {
        presented == self.token
            || self
                .previous
                .as_ref()
                .is_some_and(|(old, until)| old == presented && now_millis() < *until)
    }
}

fn errors(code: u16, msg: &str) -> Reply {
    let c = match code {
        400 => "invalid_request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not_found",
        429 => "rate_limited",
        _ => "internal_server_error",
    };
    reply(code, json!({ "code": c, "message": msg }))
}

pub(crate) fn route(r: &Req) -> Option<Outcome> {
    let state = r.state;
    let presented = r.header("Authorization").unwrap_or("");
    Some(match (r.method, r.segs) {
        ("POST", ["api", "v2", "tokens", id, "reset"]) => {
            let fault = rotate_call(state, Provider::LaunchDarkly);
            if let Some(o) = pre_fault(&fault, &errors) {
                return Some(o);
            }
            let mut s = state.lock().unwrap();
            if !s.launchdarkly.accepts(presented) {
                return Some(Outcome::Answer(errors(401, "Invalid access token")));
            }
            if *id != s.launchdarkly.token_id {
                return Some(Outcome::Answer(errors(404, "Unknown token")));
            }
            let expiry = match r.query_param("expiry").map(|e| e.parse::<u64>()) {
                None => None,
                Some(Ok(ms)) => Some(ms),
                Some(Err(_)) => {
                    return Some(Outcome::Answer(errors(
                        400,
                        "expiry must be epoch milliseconds",
                    )))
                }
            };
            s.launchdarkly.sent_expiry.push(expiry);
            let old = std::mem::replace(&mut s.launchdarkly.token, format!("api-{}", uuid_like()));
            // Accepted while `now_millis() < expiry`: dead from `expiry` (or now, if past or absent).
            let now = SystemTime::now();
            let dies = expiry.map_or(now, |ms| now.max(UNIX_EPOCH + Duration::from_millis(ms)));
            s.died(Provider::LaunchDarkly, &old, dies);
            if let Some((earlier, _)) = s.launchdarkly.previous.take() {
                s.died(Provider::LaunchDarkly, &earlier, now);
            }
            s.launchdarkly.previous = Some((old, expiry.unwrap_or_else(now_millis)));
            s.rotations.push(Provider::LaunchDarkly);
            let tok = |with_value: bool| {
                json!({ "_id": s.launchdarkly.token_id, "ownerId": "569f514156e003339cfd3917",
                    "memberId": "569f514183f2164430000002", "creationDate": 1_628_001_602_644u64,
                    "lastModified": now_millis(), "name": "MCP server", "role": "writer", "serviceToken": false,
                    "token": if with_value { s.launchdarkly.token.clone() } else { s.launchdarkly.token[s.launchdarkly.token.len() - 4..].to_string() } })
            };
            // Without the value, `token` holds only the last four characters (as outside a reset).
            post_fault(&fault, reply(200, tok(true)), tok(false))
        }
        ("GET", ["api", "v2", "caller-identity"]) => {
            let s = state.lock().unwrap();
            if s.launchdarkly.accepts(presented) {
                Outcome::Answer(reply(
                    200,
                    json!({ "accountId": "569f514156e003339cfd3917", "tokenId": s.launchdarkly.token_id,
                        "tokenKind": "personal", "tokenName": "MCP server", "authKind": "token" }),
                ))
            } else {
                Outcome::Answer(errors(401, "Invalid access token"))
            }
        }
        _ => return None,
    })
}
