//! Visual Studio (Windows). VS Code's shape: root `servers`, `inputs` references (`${input:id}`).
//! Source: learn.microsoft.com/visualstudio/ide/mcp-servers (checked with the search tool 2026-12: "create
//! `<SOLUTIONDIR>\.mcp.json` or `%USERPROFILE%\.mcp.json`", root `servers`): the user file is Windows only,
//! so there is none elsewhere. `<solution>\.vs\mcp.json` per clients-more.md (not seen in this check). A project `.mcp.json` is read once, by the first client listing it
//! (Claude Code, `mcpServers`): a Visual Studio `servers` entry there is not reported.
use super::*;

pub struct VisualStudio;

impl Client for VisualStudio {
    /// Process names per OS (from each app's packaging: executable names and npm package paths).
    /// Visual Studio runs on Windows only.
    fn process_names(&self, p: super::Platform) -> &'static [&'static str] {
        match p {
            super::Platform::Windows => &["devenv.exe"],
            super::Platform::Macos => &[],
            super::Platform::Linux => &[],
        }
    }
    fn id(&self) -> ClientId {
        ClientId::VisualStudio
    }
    fn name(&self) -> &'static str {
        "Visual Studio"
    }
    fn user_locations(&self, env: &Env) -> Vec<Location> {
        match env.platform {
            Platform::Windows => vec![Location::new(
                self.id(),
                env.home.join(".mcp.json"),
                Format::Jsonc,
            )],
            Platform::Linux | Platform::Macos => Vec::new(),
        }
    }
    fn project_locations(&self, project: &Path) -> Vec<Location> {
        vec![
            Location::new(self.id(), project.join(".mcp.json"), Format::Jsonc).project(),
            Location::new(
                self.id(),
                project.join(".vs").join("mcp.json"),
                Format::Jsonc,
            )
            .project(),
        ]
    }
    fn server_roots(&self) -> &'static [&'static [&'static str]] {
        &[&["servers"]]
    }
    fn restart_hint(&self) -> &'static str {
        "restart the server from Visual Studio's MCP server list (or reopen the solution)"
    }
}
