//! Activepieces (under `/api`): the `/v1/mcp-servers` generation (`POST /api/v1/mcp-servers/{id}/rotate`
//! with the platform API key, the wizard's list, the MCP URL `GET /api/v1/mcp/{token}/sse`), and the
//! project-level generation (providers.md §1.1 item 3: `POST /api/v1/projects/{projectId}/mcp-server/rotate`
//! answering the PopulatedMcpServer with a fresh 72-character `token`, and the client transport
//! `POST /api/v1/projects/{projectId}/mcp-server/http` that takes `Authorization: Bearer <token>` or
//! `?token=` and answers 401 `{"error":"Unauthorized"}` otherwise). Errors are `{code, params}`.

use crate::http::{header, mcp_answer, post_fault, pre_fault, reply, Outcome, Reply, Req};
use crate::*;
use serde_json::json;

/// An Activepieces error body.
pub(crate) fn ap_error(code: u16, msg: &str) -> Reply {
    let c = match code {
        401 | 403 => "AUTHENTICATION",
        404 => "ENTITY_NOT_FOUND",
        _ => "INTERNAL",
    };
    reply(code, json!({ "code": c, "params": { "message": msg } }))
}

pub(crate) fn route(r: &Req) -> Option<Outcome> {
    let (req, state) = (r.req, r.state);
    Some(match (r.method, r.segs) {
        ("POST", ["api", "v1", "mcp-servers", id, "rotate"]) => {
            let fault = rotate_call(state, Provider::Activepieces);
            if let Some(o) = pre_fault(&fault, &ap_error) {
                return Some(o);
            }
            let mut s = state.lock().unwrap();
            if header(req, "Authorization")
                != Some(format!("Bearer {}", s.ap_platform_key).as_str())
            {
                return Some(Outcome::Answer(ap_error(401, "invalid api key")));
            }
            if *id != s.ap_server_id {
                return Some(Outcome::Answer(ap_error(404, "mcp server not found")));
            }
            let old = std::mem::replace(&mut s.ap_token, mint("", 21));
            s.died_now(Provider::Activepieces, &old);
            s.rotations.push(Provider::Activepieces);
            let obj = |with_token: bool| {
                let mut v = json!({ "id": s.ap_server_id, "created": "2026-01-01T00:00:00.000Z", "updated": "2026-11-21T00:00:00.000Z",
                    "name": "Demo MCP", "projectId": AP_PROJECT_ID, "externalId": "ext00000000000000000001", "tools": [] });
                if with_token {
                    v["token"] = json!(s.ap_token);
                }
                v
            };
            post_fault(&fault, reply(200, obj(true)), obj(false))
        }
        ("GET", ["api", "v1", "mcp-servers"]) => {
            // The wizard's list: a SeekPage of the project's MCP servers (platform key, projectId required).
            let s = state.lock().unwrap();
            if header(req, "Authorization")
                != Some(format!("Bearer {}", s.ap_platform_key).as_str())
            {
                return Some(Outcome::Answer(reply(
                    401,
                    json!({ "code": "AUTHENTICATION", "params": { "message": "invalid api key" } }),
                )));
            }
            let project = r.query_param("projectId").unwrap_or("");
            if project.is_empty() {
                return Some(Outcome::Answer(reply(
                    400,
                    json!({ "code": "VALIDATION", "params": { "message": "projectId is required" } }),
                )));
            }
            let data = if project == AP_PROJECT_ID {
                vec![
                    json!({ "id": s.ap_server_id, "created": "2026-01-01T00:00:00.000Z", "updated": "2026-11-21T00:00:00.000Z",
                    "name": "Demo MCP", "projectId": AP_PROJECT_ID, "token": s.ap_token, "externalId": "ext00000000000000000001", "tools": [] }),
                ]
            } else {
                Vec::new()
            };
            Outcome::Answer(reply(
                200,
                json!({ "data": data, "next": null, "previous": null }),
            ))
        }
        ("GET", ["api", "v1", "mcp", token, "sse"]) => {
            let s = state.lock().unwrap();
            if *token == s.ap_token {
                Outcome::Answer(Reply {
                    status: 200,
                    body: json!("event: endpoint"),
                    headers: vec![],
                    content_type: "text/event-stream",
                })
            } else {
                Outcome::Answer(reply(
                    404,
                    json!({ "code": "ENTITY_NOT_FOUND", "params": { "message": "mcp not found" } }),
                ))
            }
        }
        ("POST", ["api", "v1", "projects", project, "mcp-server", "rotate"]) => {
            let fault = rotate_call(state, Provider::ActivepiecesProject);
            if let Some(o) = pre_fault(&fault, &ap_error) {
                return Some(o);
            }
            let mut s = state.lock().unwrap();
            if header(req, "Authorization")
                != Some(format!("Bearer {}", s.ap_platform_key).as_str())
            {
                return Some(Outcome::Answer(ap_error(401, "invalid api key")));
            }
            if *project != AP_PROJECT_ID {
                return Some(Outcome::Answer(ap_error(404, "project not found")));
            }
            let old = std::mem::replace(&mut s.ap_project_token, mint("", 72));
            s.died_now(Provider::ActivepiecesProject, &old);
            s.rotations.push(Provider::ActivepiecesProject);
            let obj = |with_token: bool| {
                let mut v = json!({ "id": "mcpPrj0000000000000001", "created": "2026-01-01T00:00:00.000Z",
                    "updated": "2026-12-03T00:00:00.000Z", "projectId": AP_PROJECT_ID, "status": "ENABLED", "flows": [] });
                if with_token {
                    v["token"] = json!(s.ap_project_token);
                }
                v
            };
            post_fault(&fault, reply(200, obj(true)), obj(false))
        }
        ("POST", ["api", "v1", "projects", project, "mcp-server", "http"]) => {
            let s = state.lock().unwrap();
            let bearer = header(req, "Authorization").and_then(|a| a.strip_prefix("Bearer "));
            let token = bearer.or_else(|| r.query_param("token")).unwrap_or("");
            if *project == AP_PROJECT_ID && token == s.ap_project_token {
                Outcome::Answer(mcp_answer(r.body, "Activepieces"))
            } else {
                Outcome::Answer(reply(401, json!({ "error": "Unauthorized" })))
            }
        }
        _ => return None,
    })
}
