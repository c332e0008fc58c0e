//! Devin Desktop (Windsurf's successor, 2026-06) and Devin for Terminal. The classic Windsurf file
//! `~/.codeium/windsurf/mcp_config.json` stays on the Windsurf adapter (migrated installs keep reading it).
//!
//! Sources (search tool, 2026-12): docs.devin.ai/cli/extensibility/configuration and .../mcp/configuration:
//! user `~/.config/devin/config.json` (`%APPDATA%\devin\config.json` on Windows), project
//! `.devin/config.json` and `.devin/config.local.json`, JSON with comments, `mcpServers` (`url` or
//! `command`/`args`/`env`). `~/.config/devin/mcp_config.json` (Windsurf's shape, `serverUrl`) is from
//! panelalpha-engine docs only: not confirmed by Devin's docs, listed as documented there.
use super::*;

pub struct DevinDesktop;

fn user_dir(env: &Env) -> PathBuf {
    match env.platform {
        Platform::Windows => env.config_dir.join("devin"),
        Platform::Linux | Platform::Macos => env.xdg_config().join("devin"),
    }
}

impl Client for DevinDesktop {
    /// Process names per OS (from each app's packaging: executable names and npm package paths).
    fn process_names(&self, p: super::Platform) -> &'static [&'static str] {
        match p {
            super::Platform::Windows => &["Devin.exe", "devin.exe"],
            super::Platform::Macos => &["Devin", "/Devin.app/Contents/MacOS/", "devin"],
            super::Platform::Linux => &["devin"],
        }
    }
    fn id(&self) -> ClientId {
        ClientId::DevinDesktop
    }
    fn name(&self) -> &'static str {
        "Devin Desktop"
    }
    fn user_locations(&self, env: &Env) -> Vec<Location> {
        let dir = user_dir(env);
        vec![
            Location::new(self.id(), dir.join("mcp_config.json"), Format::Json),
            Location::new(self.id(), dir.join("config.json"), Format::Jsonc)
                .variant("Devin for Terminal"),
        ]
    }
    fn project_locations(&self, project: &Path) -> Vec<Location> {
        let dir = project.join(".devin");
        vec![
            Location::new(self.id(), dir.join("config.json"), Format::Jsonc).project(),
            Location::new(self.id(), dir.join("config.local.json"), Format::Jsonc)
                .project()
                .variant("local"),
        ]
    }
    fn config_dirs(&self, env: &Env) -> Vec<PathBuf> {
        vec![user_dir(env)]
    }
    fn restart_hint(&self) -> &'static str {
        "press refresh in Devin's MCP panel (or start a new devin session)"
    }
}
