//! Warp. `mcpServers` with `env`, `working_directory`, `url`. Files `~/.warp/.mcp.json` (global) and
//! `{repo_root}/.warp/.mcp.json` (project): confirmed in warpdotdev/warp's skill "agent-add-mcp"
//! (skills.sh, search tool 2026-12); also install-mcp src/commands/install.ts. Older Warp kept servers only in Warp Drive (cloud): nothing to scan there.
use super::*;

pub struct Warp;

impl Client for Warp {
    /// Process names per OS (from each app's packaging: executable names and npm package paths).
    fn process_names(&self, p: super::Platform) -> &'static [&'static str] {
        match p {
            super::Platform::Windows => &["warp.exe"],
            super::Platform::Macos => &["/Warp.app/Contents/MacOS/"],
            super::Platform::Linux => &["warp", "warp-terminal"],
        }
    }
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
