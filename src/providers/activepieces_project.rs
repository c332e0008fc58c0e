//! Activepieces' project-level MCP server (providers.md §1.1, generation 3), rotate-in-place:
//! `POST {base}/v1/projects/{projectId}/mcp-server/rotate` with `Authorization: Bearer <platform API
//! key>`; the answer is the PopulatedMcpServer whose `token` is a fresh 72-character id (the old token
//! is overwritten, so it dies at once) (activepieces/activepieces
//! `packages/server/api/src/app/mcp/mcp-server-controller.ts` and `mcp-service.ts` @6f70a294:
//! `rotateToken` sets `token: apId(72)`). Clients connect to
//! `{base}/v1/projects/{projectId}/mcp-server/http` with `Authorization: Bearer <token>` (the docs also
//! allow `?token=`); a wrong token gets 401 `{"error":"Unauthorized"}`. Verify: MCP `initialize` there.
//!
//! UNVERIFIED: that route lists only the USER principal, so a platform API key may be refused (403)
//! on some versions, as with generation 2 (providers.md §1.6); the 403 then says so.
//!
//! The generation is told from the config's URL: `…/projects/{id}/mcp-server/http` is this one (and
//! gives the project id and base URL at link time); `…/api/v1/mcp/{token}/sse` is generation 2
//! ([`super::activepieces`]); `https://<host>/mcp` is the newest, OAuth-only one, with no static key.

use super::*;

pub struct ActivepiecesProject;

fn message(v: &serde_json::Value) -> Option<String> {
    if let Some(code) = v.get("code").and_then(|c| c.as_str()) {
        let detail = v
            .pointer("/params/message")
            .and_then(|m| m.as_str())
            .unwrap_or("");
        return Some(format!("{code} {detail}").trim().to_string());
    }
    v.get("error").and_then(|e| e.as_str()).map(str::to_string)
}

/// `(base, project id)` from a project-level MCP URL `{base}/v1/projects/{id}/mcp-server/http[?…]`.
pub fn parse_project_url(url: &str) -> Option<(String, String)> {
    let path = url.split(['?', '#']).next()?;
    let (base, rest) = path.split_once("/v1/projects/")?;
    let (project, tail) = rest.split_once('/')?;
    (tail.trim_end_matches('/') == "mcp-server/http" && !project.is_empty())
        .then(|| (base.to_string(), crate::percent::percent_decode(project)))
}

/// Is this Activepieces' newest, OAuth-only MCP URL (`https://<activepieces host>/mcp`)?
pub fn is_oauth_generation(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    let Some(rest) = lower.split_once("://").map(|(_, r)| r) else {
        return false;
    };
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    host.contains("activepieces") && path.split(['?', '#']).next() == Some("mcp")
}

/// The refusal for an OAuth-generation Activepieces server.
pub const OAUTH_GENERATION: &str = "this Activepieces MCP server (https://<host>/mcp) signs in with OAuth: there is no static key to rotate";

impl Provider for ActivepiecesProject {
    fn detects(&self, h: &KeyHint) -> bool {
        h.value.contains("/mcp-server/http") && h.value.contains("/projects/")
    }
    fn id(&self) -> &'static str {
        "activepieces-project"
    }
    fn name(&self) -> &'static str {
        "Activepieces (project MCP server)"
    }
    fn rotate_auth(&self) -> RotateAuth {
        RotateAuth::AdminCredential
    }
    fn slot_kinds(&self) -> &'static [SlotKind] {
        &[SlotKind::Header, SlotKind::ArgHeader, SlotKind::UrlQuery]
    }
    fn required_ids(&self) -> &'static [&'static str] {
        &["project_id"]
    }
    fn default_base_url(&self) -> &'static str {
        "https://cloud.activepieces.com/api"
    }
    fn help(&self) -> &'static str {
        "admin credential (rekey login activepieces-project): a platform API key; the project id and base URL are read from the server's …/v1/projects/{id}/mcp-server/http URL"
    }
    fn complete_link(&self, link: &mut Link, usage: &Usage) -> Result<(), String> {
        if usage.urls.iter().any(|u| is_oauth_generation(u)) {
            return Err(OAUTH_GENERATION.into());
        }
        if let Some((base, project)) = usage.urls.iter().find_map(|u| parse_project_url(u)) {
            link.ids.entry("project_id".into()).or_insert(project);
            if link.base_url.is_none() && base != self.default_base_url() {
                link.base_url = Some(base);
            }
        }
        Ok(())
    }
    fn rotate(&self, http: &Http, req: &RotateRequest) -> Result<Rotated, ProviderError> {
        let base = self.base_url(req.link)?;
        let admin = req
            .admin
            .ok_or_else(|| ProviderError::MissingAdminCredential(self.id().into()))?;
        let url = format!(
            "{base}/v1/projects/{}/mcp-server/rotate",
            crate::percent::percent_encode(req.link.id("project_id")?)
        );
        let body = http
            .send(http.post(&url).bearer_auth(admin.expose()))
            .and_then(|a| a.json_ok(message))
            .map_err(|e| match e {
                ProviderError::Forbidden(m) => ProviderError::Forbidden(format!(
                    "{m} (this Activepieces version may accept only a signed-in user, not a platform API key, for this call)"
                )),
                e => e,
            })?;
        Ok(Rotated {
            new: take_secret(&body, &["/token"], "token")?,
            old_valid_until: None,
        })
    }
    fn verify(&self, http: &Http, link: &Link, key: &Secret) -> Result<(), ProviderError> {
        let base = self.base_url(link)?;
        let url = format!(
            "{base}/v1/projects/{}/mcp-server/http",
            crate::percent::percent_encode(link.id("project_id")?)
        );
        crate::providers::mcp::handshake(
            http,
            &url,
            &[("Authorization".into(), format!("Bearer {}", key.expose()))],
        )
        .map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_tell_the_generation() {
        assert_eq!(
            parse_project_url(
                "https://ap.example.com/api/v1/projects/prj1/mcp-server/http?token=x"
            ),
            Some(("https://ap.example.com/api".into(), "prj1".into()))
        );
        assert_eq!(
            parse_project_url("https://cloud.activepieces.com/api/v1/mcp/tok/sse"),
            None
        );
        assert!(is_oauth_generation("https://cloud.activepieces.com/mcp"));
        assert!(!is_oauth_generation(
            "https://cloud.activepieces.com/api/v1/mcp/tok/sse"
        ));
        assert!(!is_oauth_generation("https://mcp.example.com/mcp"));
    }
}
