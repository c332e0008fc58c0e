//! Fake OpenAI key management (providers-more.md §6), under `/openai`: admin keys
//! (`POST/GET/DELETE /v1/organization/admin_api_keys[/{id}]`), service-account keys
//! (`POST /v1/organization/projects/{p}/service_accounts/{sa}/api_keys`,
//! `DELETE /v1/organization/projects/{p}/api_keys/{id}`) and `GET /v1/models`. Management needs a live
//! admin key as the bearer; errors are `{"error": {"message", "type", "code"}}`; a bad key gets 401.

use super::keystore::Keys;
use crate::http::{header, post_fault, pre_fault, reply, Outcome, Reply};
use crate::{mint, rotate_call, Provider, State};
use serde_json::json;
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone)]
pub struct OpenAiState {
    /// Admin keys: the one a config holds (`admin_key`) and the admin credential for service accounts.
    pub admin: Keys,
    /// Service-account keys of the project.
    pub sa: Keys,
    pub admin_key: String,
    pub admin_key_id: String,
    /// The admin credential used for service-account keys (another admin key).
    pub admin_credential: String,
    pub project_id: String,
    pub service_account_id: String,
    pub sa_key: String,
    pub sa_key_id: String,
}

impl Default for OpenAiState {
    fn default() -> Self {
        let (admin_key, admin_credential, sa_key) = (
            mint("sk-admin-", 40),
            mint("sk-admin-", 40),
            mint("sk-svcacct-", 48),
        );
        let mut admin = Keys::with("key_admin_ops0001", "ops", &admin_credential);
        admin.add("key_admin_mcp0001", "mcp", &admin_key);
        OpenAiState {
            admin,
            sa: Keys::with("key_sa_mcp0001", "mcp", &sa_key),
            admin_key,
            admin_key_id: "key_admin_mcp0001".into(),
            admin_credential,
            project_id: "proj_fake0001".into(),
            service_account_id: "svc_acct_fake0001".into(),
            sa_key,
            sa_key_id: "key_sa_mcp0001".into(),
        }
    }
}

fn errors(code: u16, msg: &str) -> Reply {
    let (ty, c) = match code {
        401 => ("invalid_request_error", "invalid_api_key"),
        404 => ("invalid_request_error", "not_found"),
        429 => ("rate_limit_error", "rate_limit_exceeded"),
        _ => ("server_error", "error"),
    };
    reply(
        code,
        json!({ "error": { "message": msg, "type": ty, "param": null, "code": c } }),
    )
}

fn bearer(req: &tiny_http::Request) -> Option<&str> {
    header(req, "Authorization").and_then(|v| v.strip_prefix("Bearer "))
}

/// The hook into the route table: Some for every path under `/openai`.
pub(crate) fn route(
    method: &str,
    segs: &[&str],
    req: &tiny_http::Request,
    body: &str,
    state: &Arc<Mutex<State>>,
) -> Option<Outcome> {
    let ["openai", "v1", rest @ ..] = segs else {
        return None;
    };
    let name = serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("name").and_then(|n| n.as_str()).map(str::to_string))
        .unwrap_or_default();
    Some(match (method, rest) {
        ("POST", ["organization", "admin_api_keys"])
        | ("POST", ["organization", "projects", _, "service_accounts", _, "api_keys"]) => {
            let sa = rest.len() > 2;
            let p = if sa {
                Provider::OpenAiServiceAccountKey
            } else {
                Provider::OpenAiAdminKey
            };
            let fault = rotate_call(state, p);
            if let Some(o) = pre_fault(&fault, &errors) {
                return Some(o);
            }
            let mut s = state.lock().unwrap();
            if !bearer(req).is_some_and(|b| s.openai.admin.is_live(b)) {
                return Some(Outcome::Answer(errors(401, "Incorrect API key provided")));
            }
            if sa && (rest[2] != s.openai.project_id || rest[4] != s.openai.service_account_id) {
                return Some(Outcome::Answer(errors(404, "No such service account")));
            }
            let (id, key) = if sa {
                (mint("key_", 16), mint("sk-svcacct-", 48))
            } else {
                (mint("key_", 16), mint("sk-admin-", 40))
            };
            let keys = if sa {
                &mut s.openai.sa
            } else {
                &mut s.openai.admin
            };
            keys.add(&id, &name, &key);
            s.rotations.push(p);
            let object = if sa {
                "organization.project.service_account.api_key"
            } else {
                "organization.admin_api_key"
            };
            let ok = reply(
                200,
                json!({ "object": object, "id": id, "name": name, "redacted_value": format!("{}...{}", &key[..8], &key[key.len() - 3..]), "created_at": 1767225600, "expires_at": null, "value": key }),
            );
            post_fault(
                &fault,
                ok,
                json!({ "object": object, "id": id, "name": name }),
            )
        }
        ("DELETE", ["organization", "admin_api_keys", id])
        | ("DELETE", ["organization", "projects", _, "api_keys", id]) => {
            let sa = rest.len() > 3;
            let mut s = state.lock().unwrap();
            let authed = bearer(req).is_some_and(|b| s.openai.admin.is_live(b));
            let project_ok = !sa || rest[2] == s.openai.project_id;
            let keys = if sa {
                &mut s.openai.sa
            } else {
                &mut s.openai.admin
            };
            keys.revoke_calls += 1;
            if !authed {
                return Some(Outcome::Answer(errors(401, "Incorrect API key provided")));
            }
            if let Some(code) = keys.revoke_fault {
                let text = keys.revoke_fault_text(bearer(req));
                return Some(Outcome::Answer(errors(code, &text)));
            }
            if !project_ok || !keys.revoke(id) {
                return Some(Outcome::Answer(errors(404, "No such API key")));
            }
            let key = keys.by_id(id).map(|k| k.key.clone()).unwrap_or_default();
            let p = if sa {
                Provider::OpenAiServiceAccountKey
            } else {
                Provider::OpenAiAdminKey
            };
            s.died_now(p, &key);
            let object = if sa {
                "organization.project.api_key.deleted"
            } else {
                "organization.admin_api_key.deleted"
            };
            Outcome::Answer(reply(
                200,
                json!({ "id": id, "object": object, "deleted": true }),
            ))
        }
        ("GET", ["organization", "admin_api_keys"]) => {
            let s = state.lock().unwrap();
            if let Some(code) = s.openai.admin.verify_fault {
                return Some(Outcome::Answer(errors(code, "injected failure")));
            }
            if bearer(req).is_some_and(|b| s.openai.admin.is_live(b)) {
                Outcome::Answer(reply(
                    200,
                    json!({ "object": "list", "data": [], "has_more": false }),
                ))
            } else {
                Outcome::Answer(errors(401, "Incorrect API key provided"))
            }
        }
        ("GET", ["models"]) => {
            let s = state.lock().unwrap();
            if let Some(code) = s.openai.sa.verify_fault {
                return Some(Outcome::Answer(errors(code, "injected failure")));
            }
            if bearer(req).is_some_and(|b| s.openai.sa.is_live(b)) {
                Outcome::Answer(reply(
                    200,
                    json!({ "object": "list", "data": [{ "id": "gpt-fake", "object": "model" }] }),
                ))
            } else {
                Outcome::Answer(errors(401, "Incorrect API key provided"))
            }
        }
        _ => Outcome::Answer(errors(404, "Not found")),
    })
}
