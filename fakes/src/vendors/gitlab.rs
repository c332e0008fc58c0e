//! GitLab personal access tokens (providers-more.md §1): `POST /api/v4/personal_access_tokens/self/rotate`
//! with `PRIVATE-TOKEN` (or `Authorization: Bearer`), `GET /api/v4/personal_access_tokens/self`.
//!
//! The old token dies at once; the new one has a new id. **Reuse detection** (§1.3): a rotate with an
//! already revoked token of the family fails with 401 and revokes every active token of the family, so a
//! client that retried a rotate with the old token would lose the new one too. Errors (§1.4):
//! `{"message":"401 Unauthorized"}`, the `insufficient_scope` body for 403, `{"message":"404 Not Found"}`,
//! `429` with the plain-text body `Retry later`, `{"message":"400 Bad request - …"}`.

use crate::http::{days_from_civil, now_secs, post_fault, pre_fault, reply, Outcome, Reply, Req};
use crate::*;
use serde_json::{json, Value};

/// One token of the (single) family the fake holds.
#[derive(Debug, Clone)]
pub struct GitLabToken {
    pub id: u64,
    pub token: String,
    pub revoked: bool,
    /// `YYYY-MM-DD`, or none.
    pub expires_at: Option<String>,
    pub created_at: String,
}

#[derive(Debug, Clone)]
pub struct GitLab {
    /// Oldest first; each rotation revokes the active one and appends its successor.
    pub tokens: Vec<GitLabToken>,
    /// The `expires_at` each accepted rotate call sent, in order.
    pub sent_expires_at: Vec<Option<String>>,
    /// `GET …/self` answers 403 (a token with only the `self_rotate` scope, UNVERIFIED in §1.1).
    pub self_forbidden: bool,
}

impl Default for GitLab {
    fn default() -> Self {
        GitLab {
            tokens: vec![GitLabToken {
                id: 42,
                token: mint("glpat-", 20),
                revoked: false,
                expires_at: Some("2027-03-01".into()),
                created_at: "2026-12-01T10:00:00.000Z".into(),
            }],
            sent_expires_at: Vec::new(),
            self_forbidden: false,
        }
    }
}

impl GitLab {
    /// The family's active token, if any is left.
    pub fn active(&self) -> Option<&GitLabToken> {
        self.tokens.iter().rev().find(|t| !t.revoked)
    }
}

fn errors(code: u16, msg: &str) -> Reply {
    match code {
        401 => reply(401, json!({ "message": "401 Unauthorized" })),
        403 => reply(
            403,
            json!({ "error": "insufficient_scope", "error_description": "The request requires higher privileges than provided by the access token.", "scope": "api self_rotate" }),
        ),
        404 => reply(404, json!({ "message": "404 Not Found" })),
        429 => Reply {
            status: 429,
            body: json!("Retry later"),
            headers: vec![],
            content_type: "text/plain",
        },
        400 => reply(
            400,
            json!({ "message": format!("400 Bad request - {msg}") }),
        ),
        s if s >= 500 => reply(
            s,
            json!({ "message": format!("{s} Internal Server Error") }),
        ),
        s => reply(s, json!({ "message": format!("{s} {msg}") })),
    }
}

fn presented(r: &Req) -> Option<String> {
    r.header("PRIVATE-TOKEN")
        .or_else(|| {
            r.header("Authorization")
                .and_then(|a| a.strip_prefix("Bearer "))
        })
        .map(str::to_string)
}

fn token_json(t: &GitLabToken, with_secret: bool) -> Value {
    let mut v = json!({ "id": t.id, "name": "mcp", "revoked": t.revoked, "created_at": t.created_at,
        "description": "MCP server", "scopes": ["api"], "user_id": 1337, "last_used_at": null,
        "active": !t.revoked, "expires_at": t.expires_at });
    if with_secret {
        v["token"] = json!(t.token);
    }
    v
}

pub(crate) fn route(r: &Req) -> Option<Outcome> {
    let state = r.state;
    Some(match (r.method, r.segs) {
        ("POST", ["api", "v4", "personal_access_tokens", "self", "rotate"]) => {
            let fault = rotate_call(state, Provider::GitLab);
            if let Some(o) = pre_fault(&fault, &errors) {
                return Some(o);
            }
            let mut s = state.lock().unwrap();
            let presented = presented(r).unwrap_or_default();
            let Some(i) = s.gitlab.tokens.iter().position(|t| t.token == presented) else {
                return Some(Outcome::Answer(errors(401, "")));
            };
            if s.gitlab.tokens[i].revoked {
                // Reuse detection: the whole family is revoked, no token is created.
                let now = SystemTime::now();
                for i in 0..s.gitlab.tokens.len() {
                    s.gitlab.tokens[i].revoked = true;
                    let token = s.gitlab.tokens[i].token.clone();
                    s.died(Provider::GitLab, &token, now);
                }
                return Some(Outcome::Answer(errors(401, "")));
            }
            let expires_at = serde_json::from_str::<Value>(r.body).ok().and_then(|v| {
                v.get("expires_at")
                    .and_then(|e| e.as_str())
                    .map(str::to_string)
            });
            if let Some(e) = &expires_at {
                let today = (now_secs() / 86400) as i64;
                match days_from_civil(e) {
                    None => return Some(Outcome::Answer(errors(400, "expires_at is invalid"))),
                    Some(d) if d <= today => {
                        return Some(Outcome::Answer(errors(
                            400,
                            "Expiration date must be in the future",
                        )))
                    }
                    Some(d) if d > today + 400 => {
                        return Some(Outcome::Answer(errors(
                            400,
                            "Expiration date must be before the maximum allowable lifetime",
                        )))
                    }
                    _ => {}
                }
            }
            s.gitlab.sent_expires_at.push(expires_at.clone());
            s.gitlab.tokens[i].revoked = true;
            let old = s.gitlab.tokens[i].token.clone();
            s.died_now(Provider::GitLab, &old);
            let next = GitLabToken {
                id: s.gitlab.tokens.iter().map(|t| t.id).max().unwrap_or(0) + 1,
                token: mint("glpat-", 20),
                revoked: false,
                expires_at,
                created_at: "2026-12-03T10:00:00.000Z".into(),
            };
            s.gitlab.tokens.push(next.clone());
            s.rotations.push(Provider::GitLab);
            post_fault(
                &fault,
                reply(200, token_json(&next, true)),
                token_json(&next, false),
            )
        }
        ("GET", ["api", "v4", "personal_access_tokens", "self"]) => {
            let s = state.lock().unwrap();
            let presented = presented(r).unwrap_or_default();
            match s
                .gitlab
                .tokens
                .iter()
                .find(|t| t.token == presented && !t.revoked)
            {
                Some(_) if s.gitlab.self_forbidden => Outcome::Answer(errors(403, "")),
                Some(t) => Outcome::Answer(reply(200, token_json(t, false))),
                None => Outcome::Answer(errors(401, "")),
            }
        }
        _ => return None,
    })
}
