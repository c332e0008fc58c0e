//! Trae (ByteDance). `mcpServers`, the Claude shape. Sources (search tool, 2026-12): mcpm.sh
//! managers/trae.py; a client-paths table giving `~/Library/Application Support/Trae/User/mcp.json`,
//! `%APPDATA%\Trae\User\mcp.json`, `~/.config/Trae/User/mcp.json`; mcpm.sh and others use
//! `~/.config/trae/mcp.json` on Linux (not confirmed by Trae's own docs: both are listed); project
//! `.trae/mcp.json` (getmcp generators/trae.ts, docs.trae.ai/ide/model-context-protocol).
use super::*;

pub struct Trae;

impl Client for Trae {
    /// Process names per OS (from each app's packaging: executable names and npm package paths).
    fn process_names(&self, p: super::Platform) -> &'static [&'static str] {
        match p {
            super::Platform::Windows => &["Trae.exe"],
            super::Platform::Macos => &["Trae", "/Trae.app/Contents/MacOS/"],
            super::Platform::Linux => &["trae"],
        }
    }
    fn id(&self) -> ClientId {
        ClientId::Trae
    }
    fn name(&self) -> &'static str {
        "Trae"
    }
    fn user_locations(&self, env: &Env) -> Vec<Location> {
        let app = env.config_dir.join("Trae").join("User").join("mcp.json");
        let mut v = vec![Location::new(self.id(), app, Format::Json)];
        if env.platform == Platform::Linux {
            v.push(
                Location::new(
                    self.id(),
                    env.config_dir.join("trae").join("mcp.json"),
                    Format::Json,
                )
                .variant("lower-case folder"),
            );
        }
        v
    }
    fn project_locations(&self, project: &Path) -> Vec<Location> {
        vec![Location::new(
            self.id(),
            project.join(".trae").join("mcp.json"),
            Format::Json,
        )
        .project()]
    }
    fn config_dirs(&self, env: &Env) -> Vec<PathBuf> {
        vec![env.config_dir.join("Trae")]
    }
    fn restart_hint(&self) -> &'static str {
        "restart Trae (or refresh the server in its MCP settings)"
    }
}
