//! Google Antigravity. Two files hold `mcpServers` (remote entries use `serverUrl` and `headers`):
//! - `~/.gemini/antigravity/mcp_config.json`: the IDE's agent data folder (add-mcp src/agents.ts; an
//!   adapter citing antigravity.google/docs/mcp; agentgrep's backend notes, observed 2026-06);
//! - `~/.gemini/config/mcp_config.json`: the `agy` CLI's global customization root (Toolport README,
//!   agentmove; a 2026-07 field note "verified on WSL").
//!
//! Both use `~` on every OS. Checked with the search tool 2026-12.
use super::*;

pub struct Antigravity;

impl Client for Antigravity {
    /// Process names per OS (from each app's packaging: executable names and npm package paths).
    fn process_names(&self, p: super::Platform) -> &'static [&'static str] {
        match p {
            super::Platform::Windows => &["Antigravity.exe", "agy.exe"],
            super::Platform::Macos => &["Antigravity", "/Antigravity.app/Contents/MacOS/", "agy"],
            super::Platform::Linux => &["antigravity", "agy"],
        }
    }
    fn id(&self) -> ClientId {
        ClientId::Antigravity
    }
    fn name(&self) -> &'static str {
        "Antigravity"
    }
    fn user_locations(&self, env: &Env) -> Vec<Location> {
        let gemini = env.home.join(".gemini");
        vec![
            Location::new(
                self.id(),
                gemini.join("antigravity").join("mcp_config.json"),
                Format::Json,
            ),
            Location::new(
                self.id(),
                gemini.join("config").join("mcp_config.json"),
                Format::Json,
            )
            .variant("agy CLI"),
        ]
    }
    fn config_dirs(&self, env: &Env) -> Vec<PathBuf> {
        vec![env.home.join(".gemini").join("antigravity")]
    }
    fn restart_hint(&self) -> &'static str {
        "refresh the servers in Antigravity's MCP panel (Manage MCP Servers)"
    }
}
