//! Qwen Code (a Gemini CLI fork). Source: qwenlm.github.io/qwen-code-docs/1.x/en/users/mcp (per
//! clients-more.md): `~/.qwen/settings.json`, project `.qwen/settings.json` and `.qwen/settings.local.json`;
//! Gemini's shape: `mcpServers` with `env`, `headers`, `httpUrl`. Comments are tolerated, like Gemini's.
use super::*;

pub struct QwenCode;

impl Client for QwenCode {
    /// Process names per OS (from each app's packaging: executable names and npm package paths).
    /// Qwen Code is an npm CLI (`@qwen-code/qwen-code`): node runs its script, found by its package path.
    fn process_names(&self, p: super::Platform) -> &'static [&'static str] {
        match p {
            super::Platform::Windows => &["node_modules/@qwen-code/qwen-code/"],
            super::Platform::Macos => &["qwen", "node_modules/@qwen-code/qwen-code/"],
            super::Platform::Linux => &["qwen", "node_modules/@qwen-code/qwen-code/"],
        }
    }
    fn id(&self) -> ClientId {
        ClientId::QwenCode
    }
    fn name(&self) -> &'static str {
        "Qwen Code"
    }
    fn user_locations(&self, env: &Env) -> Vec<Location> {
        vec![Location::new(
            self.id(),
            env.home.join(".qwen").join("settings.json"),
            Format::Jsonc,
        )]
    }
    fn project_locations(&self, project: &Path) -> Vec<Location> {
        let dir = project.join(".qwen");
        vec![
            Location::new(self.id(), dir.join("settings.json"), Format::Jsonc).project(),
            Location::new(self.id(), dir.join("settings.local.json"), Format::Jsonc)
                .project()
                .variant("local"),
        ]
    }
    fn config_dirs(&self, env: &Env) -> Vec<PathBuf> {
        vec![env.home.join(".qwen")]
    }
    fn restart_hint(&self) -> &'static str {
        "start a new Qwen Code session"
    }
}
