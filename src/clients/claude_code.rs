use super::*;

pub struct ClaudeCode;

impl Client for ClaudeCode {
    fn id(&self) -> ClientId {
        ClientId::ClaudeCode
    }
    fn name(&self) -> &'static str {
        "Claude Code"
    }
    /// The native build is `claude` (`claude.exe` in `%USERPROFILE%\.local\bin` on Windows, where
    /// Claude Desktop's executable has the same name); the npm build is node running the package's script.
    fn process_names(&self, p: Platform) -> &'static [&'static str] {
        match p {
            Platform::Windows => &[
                "/.local/bin/claude.exe",
                "node_modules/@anthropic-ai/claude-code/",
            ],
            Platform::Macos | Platform::Linux => {
                &["claude", "node_modules/@anthropic-ai/claude-code/"]
            }
        }
    }
    fn user_locations(&self, env: &Env) -> Vec<Location> {
        let dir = env
            .claude_config_dir
            .clone()
            .unwrap_or_else(|| env.home.clone());
        vec![Location::new(
            self.id(),
            dir.join(".claude.json"),
            Format::Json,
        )]
    }
    fn project_locations(&self, project: &Path) -> Vec<Location> {
        vec![Location::new(self.id(), project.join(".mcp.json"), Format::Json).project()]
    }
    fn server_roots(&self) -> &'static [&'static [&'static str]] {
        &[&["mcpServers"], &["projects", "*", "mcpServers"]]
    }
    fn restart_hint(&self) -> &'static str {
        "start a new Claude Code session (or run /mcp to reconnect)"
    }
}
