//! Activepieces set-up from the wizard: list a project's MCP servers and add one to the chosen clients.

use super::admin_account;
use super::store::Links;
use crate::clients;
use crate::context::Context;
use crate::providers::{self, Http, Link};
use crate::vault::Vault;
use crate::{Error, Result, Secret};
use serde::Serialize;
use ts_rs::TS;

/// An Activepieces MCP server as the window sees it (the token in its URL never leaves the engine).
#[derive(Debug, Clone, Serialize, TS)]
pub struct RemoteServerChoice {
    pub id: String,
    pub name: String,
}

/// The Activepieces API URL to use: the user's, else production (no trailing slash).
fn activepieces_base(base_url: Option<&str>) -> String {
    base_url
        .filter(|b| !b.trim().is_empty())
        .unwrap_or(providers::Provider::default_base_url(
            &providers::activepieces::Activepieces,
        ))
        .trim()
        .trim_end_matches('/')
        .to_string()
}

fn activepieces_admin(vault: &Vault) -> Result<Secret> {
    vault
        .get(&admin_account("activepieces", None))
        .map_err(|_| Error::InvalidInput("store the Activepieces platform API key first (Settings or `rekey login activepieces`)".into()))
}

/// The project's Activepieces MCP servers (wizard), listed with the stored platform API key.
pub fn activepieces_servers(
    vault: &Vault,
    http: &Http,
    base_url: Option<&str>,
    project_id: &str,
) -> Result<Vec<RemoteServerChoice>> {
    let base = activepieces_base(base_url);
    let admin = activepieces_admin(vault)?;
    let servers = providers::activepieces::list_servers(http, &base, &admin, project_id.trim())
        .map_err(|e| Error::Provider(e).scrubbed(&crate::scrub::Scrubber::new().with(&admin)))?;
    Ok(servers
        .into_iter()
        .map(|s| RemoteServerChoice {
            id: s.id,
            name: s.name,
        })
        .collect())
}

/// What adding a server to one client did.
#[derive(Debug, Clone, Serialize, TS)]
pub struct Added {
    pub client: String,
    pub path: std::path::PathBuf,
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Write an Activepieces MCP server into the chosen clients' user configs, each in its own shape, and link
/// the new key to that server so it can be rotated. The token is fetched here and never returned.
pub fn add_activepieces_server(
    ctx: &Context,
    vault: &Vault,
    http: &Http,
    base_url: Option<&str>,
    project_id: &str,
    server_id: &str,
    clients_wanted: &[clients::ClientId],
) -> Result<Vec<Added>> {
    let base = activepieces_base(base_url);
    let admin = activepieces_admin(vault)?;
    let servers = providers::activepieces::list_servers(http, &base, &admin, project_id.trim())
        .map_err(|e| Error::Provider(e).scrubbed(&crate::scrub::Scrubber::new().with(&admin)))?;
    let server = servers
        .into_iter()
        .find(|s| s.id == server_id)
        .ok_or_else(|| {
            Error::InvalidInput(format!("no MCP server '{server_id}' in that project"))
        })?;
    let url = providers::activepieces::mcp_url(&base, &server.token);
    let name = format!(
        "activepieces-{}",
        server
            .name
            .to_lowercase()
            .replace(|c: char| !c.is_ascii_alphanumeric(), "-")
    );
    let mut out = Vec::new();
    for id in clients_wanted {
        let client = clients::by_id(*id);
        let Some(loc) = client.user_locations(&ctx.env).into_iter().next() else {
            continue;
        };
        let result =
            crate::edit::add::add_server(&loc.path, *id, loc.format, &name, &url, &ctx.backups());
        out.push(Added {
            client: client.name().to_string(),
            path: loc.path,
            error: result.err().map(|e| e.to_string()),
        });
    }
    // Link the token's credential to this server, so the tray and the window can rotate it.
    if out.iter().any(|a| a.error.is_none()) {
        let report = ctx.scan()?;
        if let Some(c) = report
            .credentials
            .iter()
            .find(|c| report.secret_of(&c.id).is_some_and(|s| s == server.token))
        {
            let mut ids = std::collections::BTreeMap::new();
            ids.insert("server_id".to_string(), server.id.clone());
            let base_override = (base != activepieces_base(None)).then(|| base.clone());
            Links::new(&ctx.data_dir)
                .set(
                    &c.id,
                    Link {
                        provider: "activepieces".into(),
                        base_url: base_override,
                        account: None,
                        ids,
                    },
                )
                .map_err(|e| Error::io(&ctx.data_dir, e))?;
        }
    }
    Ok(out)
}
