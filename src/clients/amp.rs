//! Amp (Sourcegraph). Servers sit under the literal dotted key `"amp.mcpServers"`: one JSON key, so the
//! root is one path segment (the JSON walker never splits keys on dots).
//!
//! Sources (search tool, 2026-12): ampcode.com manual and rootbeer's Amp module: global
//! `~/.config/amp/settings.json`; workspace `.amp/settings.json` (Amp CLI changelog, "--workspace"). Amp
//! documents `~/.config` on every OS; whether it honours `$XDG_CONFIG_HOME` was not found, so both are
//! listed when the variable is set. The VS Code extension also reads `amp.mcpServers` from VS Code's
//! settings.json, which the VS Code adapter already scans (a file is read once, by the first client).
use super::*;

pub struct Amp;

impl Client for Amp {
    /// Process names per OS (from each app's packaging: executable names and npm package paths).
    /// Amp's CLI is an npm package (`@sourcegraph/amp`); the editor extension runs inside the editor.
    fn process_names(&self, p: super::Platform) -> &'static [&'static str] {
        match p {
            super::Platform::Windows => &["node_modules/@sourcegraph/amp/"],
            super::Platform::Macos => &["amp", "node_modules/@sourcegraph/amp/"],
            super::Platform::Linux => &["amp", "node_modules/@sourcegraph/amp/"],
        }
    }
    fn id(&self) -> ClientId {
        ClientId::Amp
    }
    fn name(&self) -> &'static str {
        "Amp"
    }
    fn user_locations(&self, env: &Env) -> Vec<Location> {
        let home = env.home.join(".config").join("amp").join("settings.json");
        let mut v = vec![Location::new(self.id(), home.clone(), Format::Jsonc)];
        let xdg = env.xdg_config().join("amp").join("settings.json");
        if xdg != home {
            v.push(Location::new(self.id(), xdg, Format::Jsonc).variant("XDG_CONFIG_HOME"));
        }
        v
    }
    fn project_locations(&self, project: &Path) -> Vec<Location> {
        vec![Location::new(
            self.id(),
            project.join(".amp").join("settings.json"),
            Format::Jsonc,
        )
        .project()]
    }
    fn server_roots(&self) -> &'static [&'static [&'static str]] {
        &[&["amp.mcpServers"]]
    }
    fn config_dirs(&self, env: &Env) -> Vec<PathBuf> {
        vec![env.home.join(".config").join("amp")]
    }
    fn restart_hint(&self) -> &'static str {
        "start a new Amp thread (or reload the editor window)"
    }
}
