//! OpenCode (sst/opencode, now anomalyco/opencode).
//!
//! Sources (checked 2026-12 with the search tool): opencode.ai/docs/mcp-servers ("You can define MCP
//! servers in your opencode config under `mcp`"; local `type: local`, `command` an array, `environment`;
//! remote `url`, `headers`); opencode.ai/docs/config (global `~/.config/opencode/opencode.json`, found
//! through xdg-basedir so `$XDG_CONFIG_HOME` moves it on every OS; project `opencode.json(c)` and
//! `.opencode/`; `{env:VAR}` and `{file:path}` substitutions). A write-up of OpenCode's config.ts
//! (okwinds/openagentic-sdk docs/plans/opencode-parity-v2-02-config.md) adds `~/.opencode/opencode.json(c)`,
//! always loaded. The legacy global `config.json` is from memory of config.ts, not re-checked. The
//! `OPENCODE_CONFIG` file is not followed. The `mcp.servers.<id>` shape named in an older note was not
//! found in the docs: only `mcp.<id>` is read.
use super::*;

pub struct Opencode;

impl Client for Opencode {
    /// Process names per OS (from each app's packaging: executable names and npm package paths).
    fn process_names(&self, p: super::Platform) -> &'static [&'static str] {
        match p {
            super::Platform::Windows => &["opencode.exe", "node_modules/opencode-ai/"],
            super::Platform::Macos => &["opencode", "node_modules/opencode-ai/"],
            super::Platform::Linux => &["opencode", "node_modules/opencode-ai/"],
        }
    }
    fn id(&self) -> ClientId {
        ClientId::Opencode
    }
    fn name(&self) -> &'static str {
        "OpenCode"
    }
    fn user_locations(&self, env: &Env) -> Vec<Location> {
        let dir = env.xdg_config().join("opencode");
        let dot = env.home.join(".opencode");
        [
            dir.join("opencode.json"),
            dir.join("opencode.jsonc"),
            dir.join("config.json"),
            dot.join("opencode.json"),
            dot.join("opencode.jsonc"),
        ]
        .into_iter()
        .map(|p| Location::new(self.id(), p, Format::Jsonc))
        .collect()
    }
    fn project_locations(&self, project: &Path) -> Vec<Location> {
        [
            project.join("opencode.json"),
            project.join("opencode.jsonc"),
            project.join(".opencode").join("opencode.json"),
            project.join(".opencode").join("opencode.jsonc"),
        ]
        .into_iter()
        .map(|p| Location::new(self.id(), p, Format::Jsonc).project())
        .collect()
    }
    fn server_roots(&self) -> &'static [&'static [&'static str]] {
        &[&["mcp"]]
    }
    fn slot_path<'a>(&self, rel: &[&'a str]) -> Option<Vec<&'a str>> {
        opencode_slot_path(rel)
    }
    fn config_dirs(&self, env: &Env) -> Vec<PathBuf> {
        vec![env.xdg_config().join("opencode")]
    }
    fn restart_hint(&self) -> &'static str {
        "quit OpenCode and start it again (it reads its config at startup)"
    }
}
