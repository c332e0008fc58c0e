use super::*;

pub struct ClaudeCode;

impl Client for ClaudeCode {
    fn id(&self) -> ClientId {
        ClientId::ClaudeCode
    }
    fn name(&self) -> &'static str {
        "Claude Code"
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
