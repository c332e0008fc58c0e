use super::*;

pub struct Codex;

impl Client for Codex {
    fn id(&self) -> ClientId {
        ClientId::Codex
    }
    fn name(&self) -> &'static str {
        "Codex"
    }
    /// The native `codex` (the npm package's launcher is a node script that starts it).
    fn process_names(&self, p: Platform) -> &'static [&'static str] {
        match p {
            Platform::Windows => &["codex.exe", "node_modules/@openai/codex/"],
            Platform::Macos | Platform::Linux => &["codex", "node_modules/@openai/codex/"],
        }
    }
    fn user_locations(&self, env: &Env) -> Vec<Location> {
        let dir = env
            .codex_home
            .clone()
            .unwrap_or_else(|| env.home.join(".codex"));
        vec![Location::new(
            self.id(),
            dir.join("config.toml"),
            Format::Toml,
        )]
    }
    fn project_locations(&self, project: &Path) -> Vec<Location> {
        vec![Location::new(
            self.id(),
            project.join(".codex").join("config.toml"),
            Format::Toml,
        )
        .project()]
    }
    fn server_roots(&self) -> &'static [&'static [&'static str]] {
        &[&["mcp_servers"]]
    }
}
