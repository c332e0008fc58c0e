//! Warp. `mcpServers` with `env`, `working_directory`, `url`. Files `~/.warp/.mcp.json` and
//! `<repo>/.warp/.mcp.json` (warpdotdev skill "agent-add-mcp"; install-mcp src/commands/install.ts, per
//! clients-more.md). Older Warp kept servers only in Warp Drive (cloud): nothing to scan there.
use super::*;

pub struct Warp;

impl Client for Warp {
    fn id(&self) -> ClientId {
        ClientId::Warp
    }
    fn name(&self) -> &'static str {
        "Warp"
    }
    fn user_locations(&self, env: &Env) -> Vec<Location> {
        vec![Location::new(
            self.id(),
            env.home.join(".warp").join(".mcp.json"),
            Format::Json,
        )]
    }
    fn project_locations(&self, project: &Path) -> Vec<Location> {
        vec![Location::new(
            self.id(),
            project.join(".warp").join(".mcp.json"),
            Format::Json,
        )
        .project()]
    }
    fn config_dirs(&self, env: &Env) -> Vec<PathBuf> {
        vec![env.home.join(".warp")]
    }
    fn restart_hint(&self) -> &'static str {
        "restart the server from Warp's MCP servers page"
    }
}
