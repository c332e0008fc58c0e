//! Kilo Code. Three generations of files (search tool, 2026-12):
//! - the Kilo CLI and current extension (an OpenCode fork): `~/.config/kilo/kilo.json(c)`, project
//!   `kilo.json(c)` and `.kilo/kilo.json(c)`, servers under `mcp` in OpenCode's shape (Kilo-Org/kilocode
//!   packages/kilo-docs/pages/automate/mcp/using-in-kilo-code.md);
//! - the classic VS Code extension (id `kilocode.kilo-code`, Kilo's "File Locations" doc):
//!   `<VS Code user dir>/globalStorage/kilocode.kilo-code/settings/mcp_settings.json`, project
//!   `.kilocode/mcp.json`, `mcpServers` (kilo.ai/docs/automate/mcp/using-in-kilo-code);
//! - the old Kilo Code CLI: `~/.kilocode/cli/global/settings/mcp_settings.json` (kilo.ai/docs/features/mcp/
//!   using-mcp-in-cli).
use super::*;

pub struct KiloCode;

impl Client for KiloCode {
    /// Process names per OS (from each app's packaging: executable names and npm package paths).
    /// The Kilo CLI (npm `@kilocode/cli`); the extension runs inside VS Code.
    fn process_names(&self, p: super::Platform) -> &'static [&'static str] {
        match p {
            super::Platform::Windows => &["kilo.exe", "node_modules/@kilocode/cli/"],
            super::Platform::Macos => &["kilo", "node_modules/@kilocode/cli/"],
            super::Platform::Linux => &["kilo", "node_modules/@kilocode/cli/"],
        }
    }
    fn id(&self) -> ClientId {
        ClientId::KiloCode
    }
    fn name(&self) -> &'static str {
        "Kilo Code"
    }
    fn user_locations(&self, env: &Env) -> Vec<Location> {
        let dir = env.xdg_config().join("kilo");
        let mut v: Vec<Location> = ["kilo.json", "kilo.jsonc"]
            .into_iter()
            .map(|f| Location::new(self.id(), dir.join(f), Format::Jsonc))
            .collect();
        v.extend(vscode_family_user_dirs(env).into_iter().map(|(app, user)| {
            let path = user
                .join("globalStorage")
                .join("kilocode.kilo-code")
                .join("settings")
                .join("mcp_settings.json");
            Location::new(self.id(), path, Format::Json).variant(&format!("in {app}"))
        }));
        let cli = env
            .home
            .join(".kilocode")
            .join("cli")
            .join("global")
            .join("settings")
            .join("mcp_settings.json");
        v.push(Location::new(self.id(), cli, Format::Json).variant("legacy CLI"));
        v
    }
    fn project_locations(&self, project: &Path) -> Vec<Location> {
        let mut v: Vec<Location> = [
            project.join("kilo.json"),
            project.join("kilo.jsonc"),
            project.join(".kilo").join("kilo.json"),
            project.join(".kilo").join("kilo.jsonc"),
        ]
        .into_iter()
        .map(|p| Location::new(self.id(), p, Format::Jsonc).project())
        .collect();
        v.push(
            Location::new(
                self.id(),
                project.join(".kilocode").join("mcp.json"),
                Format::Json,
            )
            .project()
            .variant("legacy .kilocode"),
        );
        v
    }
    fn server_roots(&self) -> &'static [&'static [&'static str]] {
        &[&["mcp"], &["mcpServers"]]
    }
    fn slot_path<'a>(&self, rel: &[&'a str]) -> Option<Vec<&'a str>> {
        opencode_slot_path(rel)
    }
    fn config_dirs(&self, env: &Env) -> Vec<PathBuf> {
        vec![env.xdg_config().join("kilo"), env.home.join(".kilocode")]
    }
    fn restart_hint(&self) -> &'static str {
        "Kilo Code reloads its MCP settings by itself; the CLI needs a new session"
    }
}
