use super::*;

pub struct Windsurf;

impl Client for Windsurf {
    fn id(&self) -> ClientId {
        ClientId::Windsurf
    }
    fn name(&self) -> &'static str {
        "Windsurf"
    }
    fn process_names(&self, p: Platform) -> &'static [&'static str] {
        match p {
            Platform::Windows => &["Windsurf.exe"],
            Platform::Macos => &["Windsurf"],
            Platform::Linux => &["windsurf"],
        }
    }
    fn user_locations(&self, env: &Env) -> Vec<Location> {
        vec![Location::new(
            self.id(),
            env.home
                .join(".codeium")
                .join("windsurf")
                .join("mcp_config.json"),
            Format::Json,
        )]
    }
    fn restart_hint(&self) -> &'static str {
        "press refresh in Windsurf's MCP panel"
    }
}
