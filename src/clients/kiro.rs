//! Kiro. Source: kiro.dev/docs/mcp/configuration (checked 2026-12): user `~/.kiro/settings/mcp.json`,
//! workspace `.kiro/settings/mcp.json` (wins over the user file); `mcpServers` with `env` (`${VAR}`
//! expands), remote `url` and `headers`. Same path on every OS.
use super::*;

pub struct Kiro;

impl Client for Kiro {
    /// Process names per OS (from each app's packaging: executable names and npm package paths).
    fn process_names(&self, p: super::Platform) -> &'static [&'static str] {
        match p {
            super::Platform::Windows => &["Kiro.exe"],
            super::Platform::Macos => &["Kiro", "/Kiro.app/Contents/MacOS/"],
            super::Platform::Linux => &["kiro"],
        }
    }
    fn id(&self) -> ClientId {
        ClientId::Kiro
    }
    fn name(&self) -> &'static str {
        "Kiro"
    }
    fn user_locations(&self, env: &Env) -> Vec<Location> {
        vec![Location::new(
            self.id(),
            env.home.join(".kiro").join("settings").join("mcp.json"),
            Format::Json,
        )]
    }
    fn project_locations(&self, project: &Path) -> Vec<Location> {
        vec![Location::new(
            self.id(),
            project.join(".kiro").join("settings").join("mcp.json"),
            Format::Json,
        )
        .project()]
    }
    fn config_dirs(&self, env: &Env) -> Vec<PathBuf> {
        vec![env.home.join(".kiro")]
    }
    fn restart_hint(&self) -> &'static str {
        "Kiro reconnects when mcp.json is saved; otherwise retry the server in the MCP panel"
    }
}
