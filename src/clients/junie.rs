//! Junie (JetBrains' coding agent). `mcpServers`. User `~/.junie/mcp/mcp.json`, project
//! `.junie/mcp/mcp.json` (agentmove 0.24.0, per clients-more.md; not checked against JetBrains' docs).
//! JetBrains AI Assistant keeps its servers in the settings UI: see [`super::not_scannable`].
use super::*;

pub struct Junie;

impl Client for Junie {
    /// Process names per OS (from each app's packaging: executable names and npm package paths).
    /// Only the Junie CLI; the IDE plugin runs inside a JetBrains IDE.
    fn process_names(&self, p: super::Platform) -> &'static [&'static str] {
        match p {
            super::Platform::Windows => &["junie.exe"],
            super::Platform::Macos => &["junie"],
            super::Platform::Linux => &["junie"],
        }
    }
    fn id(&self) -> ClientId {
        ClientId::Junie
    }
    fn name(&self) -> &'static str {
        "Junie"
    }
    fn user_locations(&self, env: &Env) -> Vec<Location> {
        vec![Location::new(
            self.id(),
            env.home.join(".junie").join("mcp").join("mcp.json"),
            Format::Json,
        )]
    }
    fn project_locations(&self, project: &Path) -> Vec<Location> {
        vec![Location::new(
            self.id(),
            project.join(".junie").join("mcp").join("mcp.json"),
            Format::Json,
        )
        .project()]
    }
    fn config_dirs(&self, env: &Env) -> Vec<PathBuf> {
        vec![env.home.join(".junie")]
    }
    fn restart_hint(&self) -> &'static str {
        "restart the server from Junie's MCP settings (or restart the IDE)"
    }
}
