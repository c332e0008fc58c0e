//! Paddle (providers-more.md §8): `POST /api-keys/{id}/rotations` authenticated by the key itself (a key
//! can only rotate itself), body `{grace_period_seconds: 0..86400}`; the new secret is `data.new_key`. The
//! rotation is `pending` until the new key first authenticates a request; from then the old key works for
//! `grace_period_seconds` more (the answer to the create call has no end time yet). Verify:
//! `GET /api-keys/{own id}` (a key may read itself without `api_key.read`). Errors:
//! `{"error":{"type","code","detail","documentation_url"},"meta":{"request_id"}}`.

use crate::http::{now_secs, post_fault, pre_fault, reply, Outcome, Reply, Req};
use crate::*;
use serde_json::{json, Value};

#[derive(Debug, Clone)]
pub struct Paddle {
    pub key_id: String,
    pub key: String,
    /// The replaced key, its grace in seconds, and when the new key was first used (unix seconds).
    pub previous: Option<(String, u64, Option<u64>)>,
}

impl Default for Paddle {
    fn default() -> Self {
        Paddle {
            key_id: "apikey_01jkdpbhazx0000000000000ab".into(),
            key: mint("pdl_live_apikey_01jkdpbhazx0000000000000ab_", 24),
            previous: None,
        }
    }
}

impl Paddle {
    /// Does `presented` authenticate now? Using the new key starts the old key's grace period.
    fn authenticate(&mut self, presented: &str) -> bool {
        if presented == self.key {
            if let Some((_, _, started @ None)) = &mut self.previous {
                *started = Some(now_secs());
            }
            return true;
        }
        match &self.previous {
            Some((old, _, None)) => old == presented,
            Some((old, grace, Some(t))) => old == presented && now_secs() < t + grace,
            None => false,
        }
    }
}

/// [`Paddle::authenticate`], recording the old key's death when this request starts its grace period
/// (the new key's first use: the old key dies `grace` seconds from now).
fn authenticate(s: &mut State, presented: &str) -> bool {
    let pending = matches!(s.paddle.previous, Some((_, _, None)));
    let ok = s.paddle.authenticate(presented);
    if let Some((old, grace, Some(_))) = s.paddle.previous.clone().filter(|_| pending) {
        let now = SystemTime::now();
        s.died(Provider::Paddle, &old, now + Duration::from_secs(grace));
    }
    ok
}

fn errors(code: u16, msg: &str) -> Reply {
    let (t, c) = match code {
        400 => ("request_error", "bad_request"),
        401 => ("request_error", "authentication_malformed"),
        403 => ("request_error", "forbidden"),
        404 => ("request_error", "entity_not_found"),
        429 => ("request_error", "too_many_requests"),
        _ => ("api_error", "internal_error"),
    };
    reply(
        code,
        json!({ "error": { "type": t, "code": c, "detail": msg, "documentation_url": "https://developer.paddle.com/errors/shared/" },
            "meta": { "request_id": "00000000-0000-4000-8000-000000000000" } }),
    )
}

fn bearer<'a>(r: &'a Req) -> &'a str {
    r.header("Authorization")
        .and_then(|a| a.strip_prefix("Bearer "))
        .unwrap_or("")
}

pub(crate) fn route(r: &Req) -> Option<Outcome> {
    let state = r.state;
    Some(match (r.method, r.segs) {
        ("POST", ["api-keys", id, "rotations"]) => {
            let fault = rotate_call(state, Provider::Paddle);
            if let Some(o) = pre_fault(&fault, &errors) {
                return Some(o);
            }
            let mut s = state.lock().unwrap();
            if !authenticate(&mut s, bearer(r)) {
                return Some(Outcome::Answer(errors(
                    401,
                    "Authentication header included, but incorrectly formatted or invalid",
                )));
            }
            if *id != s.paddle.key_id {
                return Some(Outcome::Answer(errors(403, "a key can only rotate itself")));
            }
            let grace = serde_json::from_str::<Value>(r.body)
                .ok()
                .and_then(|v| v.get("grace_period_seconds").and_then(|g| g.as_u64()));
            let Some(grace) = grace.filter(|g| *g <= 86_400) else {
                return Some(Outcome::Answer(errors(
                    400,
                    "grace_period_seconds must be an integer from 0 to 86400",
                )));
            };
            let old = std::mem::replace(
                &mut s.paddle.key,
                mint("pdl_live_apikey_01jkdpbhazx0000000000000ab_", 24),
            );
            // A new rotation cancels a pending one: only the key that authenticated survives as "old".
            // The earlier old key (pending or in grace) dies now; the new old key's death is recorded
            // when its grace starts (the new key's first use).
            if let Some((earlier, ..)) = s.paddle.previous.take() {
                s.died_now(Provider::Paddle, &earlier);
            }
            s.paddle.previous = Some((old, grace, None));
            s.rotations.push(Provider::Paddle);
            let rot = |with_key: bool| {
                let mut v = json!({ "id": "apkrot_01jkdpbhazx0000000000000cd", "api_key_id": s.paddle.key_id,
                    "grace_period_seconds": grace, "status": "pending", "expires_at": null,
                    "created_at": "2026-12-03T10:00:00.000Z" });
                if with_key {
                    v["new_key"] = json!(s.paddle.key);
                }
                json!({ "data": v, "meta": { "request_id": "00000000-0000-4000-8000-000000000001" } })
            };
            post_fault(&fault, reply(200, rot(true)), rot(false))
        }
        ("GET", ["api-keys", id]) => {
            let mut s = state.lock().unwrap();
            if !authenticate(&mut s, bearer(r)) {
                return Some(Outcome::Answer(errors(
                    401,
                    "Authentication header included, but incorrectly formatted or invalid",
                )));
            }
            if *id != s.paddle.key_id {
                return Some(Outcome::Answer(errors(
                    403,
                    "api_key.read is required to read another key",
                )));
            }
            Outcome::Answer(reply(
                200,
                json!({ "data": { "id": s.paddle.key_id, "name": "MCP", "status": "active", "rotatable": true, "key": "pdl_live_apikey_01jkdpbhaz****" } }),
            ))
        }
        _ => return None,
    })
}
