//! Cloudflare API tokens (providers-more.md §2): roll `PUT /client/v4/user/tokens/{id}/value` or
//! `PUT /client/v4/accounts/{acct}/tokens/{id}/value` with an admin token holding "API Tokens Write"; the
//! new secret is the bare string in `result` and the id stays. The old secret dies at once. Verify:
//! `GET /client/v4/user/tokens/verify` (user tokens) or `GET /client/v4/accounts/{acct}/tokens/verify`
//! (account tokens); the user endpoint refuses an account token with code 1000 "Invalid API Token".

use super::cloudflare_access::cf_error;
use crate::http::{post_fault, pre_fault, reply, Outcome, Req};
use crate::*;
use serde_json::json;

#[derive(Debug, Clone)]
pub struct CfApiToken {
    pub id: String,
    pub value: String,
}

#[derive(Debug, Clone)]
pub struct CloudflareApi {
    /// A token with "API Tokens Write": the admin credential that rolls the others.
    pub admin: String,
    pub account_id: String,
    /// A user token (`cfut_`).
    pub user: CfApiToken,
    /// An account-owned token (`cfat_`) of `account_id`.
    pub account: CfApiToken,
}

impl Default for CloudflareApi {
    fn default() -> Self {
        CloudflareApi {
            admin: mint("cfut_", 46),
            account_id: "fedcba9876543210fedcba9876543210".into(),
            user: CfApiToken {
                id: "ed17574386854bf78a67040be0a770b0".into(),
                value: mint("cfut_", 46),
            },
            account: CfApiToken {
                id: "0b8a9c7d6e5f40312a1b2c3d4e5f6a7b".into(),
                value: mint("cfat_", 46),
            },
        }
    }
}

fn errors(code: u16, msg: &str) -> crate::http::Reply {
    let c = match code {
        400 | 401 => 1000,
        403 => 9109,
        404 => 7003,
        429 => 971,
        _ => 10001,
    };
    cf_error(code, c, msg)
}

pub(crate) fn route(r: &Req) -> Option<Outcome> {
    let state = r.state;
    let bearer = r
        .header("Authorization")
        .and_then(|a| a.strip_prefix("Bearer "))
        .unwrap_or("");
    Some(match (r.method, r.segs) {
        ("PUT", ["client", "v4", "user", "tokens", id, "value"])
        | ("PUT", ["client", "v4", "accounts", _, "tokens", id, "value"]) => {
            let acct = (r.segs[2] == "accounts").then(|| r.segs[3]);
            let fault = rotate_call(state, Provider::CloudflareApi);
            if let Some(o) = pre_fault(&fault, &errors) {
                return Some(o);
            }
            let mut s = state.lock().unwrap();
            let known = [
                &s.cf_api.admin,
                &s.cf_api.user.value,
                &s.cf_api.account.value,
            ];
            if !known.iter().any(|k| k.as_str() == bearer) {
                return Some(Outcome::Answer(errors(401, "Invalid API Token")));
            }
            if bearer != s.cf_api.admin {
                return Some(Outcome::Answer(errors(
                    403,
                    "Unauthorized to access requested resource",
                )));
            }
            let target = match acct {
                None if *id == s.cf_api.user.id => &mut s.cf_api.user,
                Some(a) if a == s.cf_api.account_id && *id == s.cf_api.account.id => {
                    &mut s.cf_api.account
                }
                _ => return Some(Outcome::Answer(errors(404, "Could not find token"))),
            };
            let prefix = if acct.is_some() { "cfat_" } else { "cfut_" };
            let old = std::mem::replace(&mut target.value, mint(prefix, 46));
            let new = target.value.clone();
            s.died_now(Provider::CloudflareApi, &old);
            s.rotations.push(Provider::CloudflareApi);
            post_fault(
                &fault,
                reply(
                    200,
                    json!({ "success": true, "errors": [], "messages": [], "result": new }),
                ),
                json!({ "success": true, "errors": [], "messages": [] }),
            )
        }
        ("GET", ["client", "v4", "user", "tokens", "verify"])
        | ("GET", ["client", "v4", "accounts", _, "tokens", "verify"]) => {
            let s = state.lock().unwrap();
            let token = match r.segs[2] {
                "user" => Some(&s.cf_api.user),
                _ if r.segs[3] == s.cf_api.account_id => Some(&s.cf_api.account),
                _ => None,
            };
            match token {
                Some(t) if t.value == bearer => Outcome::Answer(reply(
                    200,
                    json!({ "result": { "id": t.id, "status": "active", "expires_on": null }, "success": true, "errors": [],
                        "messages": [{ "code": 10000, "message": "This API Token is valid and active", "type": null }] }),
                )),
                _ => Outcome::Answer(errors(401, "Invalid API Token")),
            }
        }
        _ => return None,
    })
}
