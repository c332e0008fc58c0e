use super::*;

pub struct Cursor;

impl Client for Cursor {
    fn id(&self) -> ClientId {
        ClientId::Cursor
    }
    fn name(&self) -> &'static str {
        "Cursor"
    }
    fn process_names(&self, p: Platform) -> &'static [&'static str] {
        match p {
            Platform::Windows => &["Cursor.exe"],
            Platform::Macos => &["Cursor"],
            Platform::Linux => &["cursor"],
        }
    }
    fn user_locations(&self, env: &Env) -> Vec<Location> {
        vec![Location::new(
            self.id(),
            env.home.join(".cursor").join("mcp.json"),
            Format::Jsonc,
        )]
    }
    fn project_locations(&self, project: &Path) -> Vec<Location> {
        vec![Location::new(
            self.id(),
            project.join(".cursor").join("mcp.json"),
            Format::Jsonc,
        )
        .project()]
    }
    fn restart_hint(&self) -> &'static str {
        "Cursor reloads mcp.json by itself; if a server stays red, toggle it off and on in Settings > MCP"
    }
}
