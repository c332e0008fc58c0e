//! Activepieces: `POST {base}/v1/mcp-servers/{id}/rotate` with `Authorization: Bearer <platform API key>`;
//! the new token is in `token`. The token lives in the MCP URL path (`…/api/v1/mcp/<token>/sse`).
//! Errors are `{code, params}`. Verify: `GET {base}/v1/mcp/<token>/sse` answers 200.

use super::*;

pub struct Activepieces;

fn message(v: &serde_json::Value) -> Option<String> {
    let code = v.get("code").and_then(|c| c.as_str())?;
    let detail = v
        .pointer("/params/message")
        .and_then(|m| m.as_str())
        .unwrap_or("");
    Some(format!("{code} {detail}").trim().to_string())
}

impl Provider for Activepieces {
    // A nanoid of 21 characters from `0-9A-Za-z` (providers.md §1, id-generator.ts).
    fn key_shapes(&self) -> &'static [super::KeyShape] {
        const SHAPES: &[super::KeyShape] = &[super::KeyShape {
            prefix: "",
            len: Some((21, 21)),
            alphanumeric: true,
        }];
        SHAPES
    }
    fn detects(&self, h: &KeyHint) -> bool {
        // The project-level generation's URL is `activepieces-project`'s.
        (h.upper_name() == "ACTIVEPIECES_TOKEN"
            || h.value.to_ascii_lowercase().contains("activepieces"))
            && !h.value.contains("/mcp-server/http")
    }
    fn complete_link(&self, _link: &mut Link, usage: &Usage) -> Result<(), String> {
        use super::activepieces_project::{
            is_oauth_generation, parse_project_url, OAUTH_GENERATION,
        };
        if usage.urls.iter().any(|u| is_oauth_generation(u)) {
            return Err(OAUTH_GENERATION.into());
        }
        if usage.urls.iter().any(|u| parse_project_url(u).is_some()) {
            return Err("this key belongs to an Activepieces project-level MCP server (…/v1/projects/{id}/mcp-server/http): link it with --provider activepieces-project".into());
        }
        Ok(())
    }
    fn id(&self) -> &'static str {
        "activepieces"
    }
    fn name(&self) -> &'static str {
        "Activepieces"
    }
    fn rotate_auth(&self) -> RotateAuth {
        RotateAuth::AdminCredential
    }
    fn slot_kinds(&self) -> &'static [SlotKind] {
        &[SlotKind::UrlPath]
    }
    fn required_ids(&self) -> &'static [&'static str] {
        &["server_id"]
    }
    fn default_base_url(&self) -> &'static str {
        "https://cloud.activepieces.com/api"
    }
    fn rotate(&self, http: &Http, req: &RotateRequest) -> Result<Rotated, ProviderError> {
        let base = self.base_url(req.link)?;
        let admin = req
            .admin
            .ok_or_else(|| ProviderError::MissingAdminCredential(self.id().into()))?;
        let url = format!(
            "{base}/v1/mcp-servers/{}/rotate",
            crate::percent::percent_encode(req.link.id("server_id")?)
        );
        let body = http
            .send(http.post(&url).bearer_auth(admin.expose()))?
            .json_ok(message)?;
        Ok(Rotated {
            new: take_secret(&body, &["/token"], "token")?,
            old_valid_until: None,
        })
    }
    fn verify(&self, http: &Http, link: &Link, key: &Secret) -> Result<(), ProviderError> {
        let base = self.base_url(link)?;
        let url = format!(
            "{base}/v1/mcp/{}/sse",
            crate::percent::percent_encode(key.expose())
        );
        // Only the status matters; an SSE stream may stay open, so don't wait for a whole body.
        let resp = http.get(&url).send();
        match resp {
            Ok(r) if r.status().is_success() => Ok(()),
            Ok(r) if r.status().as_u16() == 404 => Err(ProviderError::NotFound(
                "the MCP URL with this token does not exist".into(),
            )),
            Ok(r) => Err(ProviderError::UnexpectedStatus {
                status: r.status().as_u16(),
                message: "from the MCP URL".into(),
            }),
            Err(e) if e.is_connect() => {
                Err(ProviderError::ConnectionFailed("connection failed".into()))
            }
            Err(_) => Err(ProviderError::Ambiguous(
                "no answer from the MCP URL".into(),
            )),
        }
    }
}

/// One of the account's MCP servers, for the wizard's "add an MCP server" step.
#[derive(Debug)]
pub struct McpServer {
    pub id: String,
    pub name: String,
    /// The token in its MCP URL: a secret.
    pub token: Secret,
}

/// List a project's MCP servers: `GET {base}/v1/mcp-servers?projectId=…` with the platform API key.
pub fn list_servers(
    http: &Http,
    base: &str,
    admin: &Secret,
    project_id: &str,
) -> Result<Vec<McpServer>, ProviderError> {
    super::http::check_base_url(base)?;
    let base = base.trim_end_matches('/');
    let url = format!(
        "{base}/v1/mcp-servers?projectId={}&limit=100",
        crate::percent::percent_encode(project_id)
    );
    let body = http
        .send(http.get(&url).bearer_auth(admin.expose()))?
        .json_ok(message)?;
    let data = body
        .get("data")
        .and_then(|d| d.as_array())
        .ok_or_else(|| ProviderError::MissingField("data".into()))?;
    data.iter()
        .map(|s| {
            let field = |k: &str| {
                s.get(k)
                    .and_then(|v| v.as_str())
                    .map(str::to_string)
                    .ok_or_else(|| ProviderError::MissingField(k.into()))
            };
            Ok(McpServer {
                id: field("id")?,
                name: field("name")?,
                token: Secret::new(field("token")?),
            })
        })
        .collect()
}

/// The MCP URL a client connects to for a token (the token is in the path).
pub fn mcp_url(base: &str, token: &Secret) -> String {
    format!(
        "{}/v1/mcp/{}/sse",
        base.trim_end_matches('/'),
        crate::percent::percent_encode(token.expose())
    )
}
