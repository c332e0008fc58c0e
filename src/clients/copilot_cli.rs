//! GitHub Copilot CLI. `mcpServers` with `env`, `headers` (`${VAR}` expands), `tools`.
//!
//! Sources (search tool, 2026-12): docs.github.com "Copilot CLI config directory reference": the folder
//! is `~/.copilot` (relocated by `COPILOT_HOME`) and holds `mcp-config.json`; github/docs PR #41226 (2025-11)
//! says `XDG_CONFIG_HOME` changes the location, but github/copilot-cli#1954 reports 1.0.4 ignores it and
//! the older layout was `$XDG_CONFIG_HOME/.copilot/`: that file is listed as a variant when the variable is
//! set. Project files `.mcp.json` and `.github/mcp.json` per clients-more.md (github-mcp-server
//! install-copilot-cli.md); the scan reads a file once, so a project `.mcp.json` is reported under Claude
//! Code, which lists it first (same `mcpServers` shape).
use super::*;

pub struct CopilotCli;

impl Client for CopilotCli {
    /// Process names per OS (from each app's packaging: executable names and npm package paths).
    fn process_names(&self, p: super::Platform) -> &'static [&'static str] {
        match p {
            super::Platform::Windows => &["copilot.exe", "node_modules/@github/copilot/"],
            super::Platform::Macos => &["copilot", "node_modules/@github/copilot/"],
            super::Platform::Linux => &["copilot", "node_modules/@github/copilot/"],
        }
    }
    fn id(&self) -> ClientId {
        ClientId::CopilotCli
    }
    fn name(&self) -> &'static str {
        "GitHub Copilot CLI"
    }
    fn user_locations(&self, env: &Env) -> Vec<Location> {
        let dir = env
            .copilot_home
            .clone()
            .unwrap_or_else(|| env.home.join(".copilot"));
        let mut v = vec![Location::new(
            self.id(),
            dir.join("mcp-config.json"),
            Format::Json,
        )];
        if let Some(xdg) = &env.xdg_config_home {
            v.push(
                Location::new(
                    self.id(),
                    xdg.join(".copilot").join("mcp-config.json"),
                    Format::Json,
                )
                .variant("XDG_CONFIG_HOME"),
            );
        }
        v
    }
    fn project_locations(&self, project: &Path) -> Vec<Location> {
        vec![
            Location::new(self.id(), project.join(".mcp.json"), Format::Json).project(),
            Location::new(
                self.id(),
                project.join(".github").join("mcp.json"),
                Format::Json,
            )
            .project(),
        ]
    }
    fn config_dirs(&self, env: &Env) -> Vec<PathBuf> {
        vec![env
            .copilot_home
            .clone()
            .unwrap_or_else(|| env.home.join(".copilot"))]
    }
    fn restart_hint(&self) -> &'static str {
        "start a new Copilot CLI session"
    }
}
