//! Rootly (providers-more.md §8): `POST /v1/api_keys/{id}/rotate`, self only (another key's id: 403),
//! JSON:API body `{"data":{"type":"api_keys","attributes":{"grace_period_minutes":0..1440}}}`; the new
//! secret is `data.attributes.token`, and with the organization's grace period enabled the old token
//! works until `grace_period_ends_at`. The remote MCP server at `/rootly-mcp/mcp` (standing in for
//! `https://mcp.rootly.com/mcp`) takes `Authorization: Bearer`. Errors: JSON:API `errors[]`.

use crate::http::{mcp_answer, now_secs, post_fault, pre_fault, reply, Outcome, Reply, Req};
use crate::*;
use serde_json::{json, Value};

#[derive(Debug, Clone)]
pub struct Rootly {
    pub key_id: String,
    pub token: String,
    /// The organization has the grace period enabled (otherwise the old token dies at once).
    pub grace_enabled: bool,
    /// The replaced token and until when (unix seconds) it still works.
    pub previous: Option<(String, u64)>,
}

impl Default for Rootly {
    fn default() -> Self {
        Rootly {
            key_id: "5f8c2a1e-7b3d-4e9f-a0b1-c2d3e4f5a6b7".into(),
            token: mint("", 40),
            grace_enabled: true,
            previous: None,
        }
    }
}

impl Rootly {
    fn accepts(&self, presented: &str) -> bool {
        presented == self.token
            || self
                .previous
                .as_ref()
                .is_some_and(|(old, until)| old == presented && now_secs() < *until)
    }
}

fn errors(code: u16, msg: &str) -> Reply {
    reply(
        code,
        json!({ "errors": [{ "title": msg, "status": code.to_string(), "detail": msg }] }),
    )
}

/// RFC 3339 UTC of unix seconds.
fn rfc3339(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Civil from days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

pub(crate) fn route(r: &Req) -> Option<Outcome> {
    let state = r.state;
    let bearer = r
        .header("Authorization")
        .and_then(|a| a.strip_prefix("Bearer "))
        .unwrap_or("");
    Some(match (r.method, r.segs) {
        ("POST", ["v1", "api_keys", id, "rotate"]) => {
            let fault = rotate_call(state, Provider::Rootly);
            if let Some(o) = pre_fault(&fault, &errors) {
                return Some(o);
            }
            let mut s = state.lock().unwrap();
            if !s.rootly.accepts(bearer) {
                return Some(Outcome::Answer(errors(401, "Unauthorized")));
            }
            if *id != s.rootly.key_id {
                return Some(Outcome::Answer(errors(
                    403,
                    "You can only rotate the API key used to authenticate this request",
                )));
            }
            let minutes = serde_json::from_str::<Value>(r.body)
                .ok()
                .and_then(|v| v.pointer("/data/attributes/grace_period_minutes").cloned());
            let minutes = match minutes {
                None => 30,
                Some(m) => match m.as_u64().filter(|m| *m <= 1440) {
                    Some(m) => m,
                    None => {
                        return Some(Outcome::Answer(errors(
                            422,
                            "grace_period_minutes must be from 0 to 1440",
                        )))
                    }
                },
            };
            let ends = (s.rootly.grace_enabled && minutes > 0).then(|| now_secs() + minutes * 60);
            let old = std::mem::replace(&mut s.rootly.token, mint("", 40));
            // The old token dies at the grace's end (at once without grace); one still in grace from an
            // earlier rotation dies now (`previous` only holds one).
            let now = SystemTime::now();
            let dies = ends.map_or(now, |_| now + Duration::from_secs(minutes * 60));
            s.died(Provider::Rootly, &old, dies);
            if let Some((earlier, _)) = s.rootly.previous.take() {
                s.died(Provider::Rootly, &earlier, now);
            }
            s.rootly.previous = Some((old, ends.unwrap_or_else(now_secs)));
            s.rotations.push(Provider::Rootly);
            let obj = |with_token: bool| {
                let mut a = json!({ "name": "MCP", "kind": "personal", "created_at": "2026-12-01T10:00:00Z",
                    "updated_at": "2026-12-03T10:00:00Z", "expires_at": "2027-03-03T10:00:00Z" });
                if let Some(e) = ends {
                    a["grace_period_ends_at"] = json!(rfc3339(e));
                }
                if with_token {
                    a["token"] = json!(s.rootly.token);
                }
                json!({ "data": { "id": s.rootly.key_id, "type": "api_keys", "attributes": a } })
            };
            post_fault(&fault, reply(200, obj(true)), obj(false))
        }
        ("POST", ["rootly-mcp", "mcp"]) => {
            let s = state.lock().unwrap();
            if s.rootly.accepts(bearer) {
                Outcome::Answer(mcp_answer(r.body, "rootly-fake"))
            } else {
                Outcome::Answer(errors(401, "Unauthorized"))
            }
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn rfc3339_round_trips() {
        let t = 1_795_255_200;
        assert_eq!(super::rfc3339(t), "2026-11-21T10:00:00Z");
        assert_eq!(crate::http::parse_rfc3339_utc(&super::rfc3339(t)), Some(t));
    }
}
