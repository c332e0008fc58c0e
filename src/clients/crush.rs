//! Crush (Charm). `mcp.<id>`: `command`, `args`, `env`, `url`, `headers`; values may be `$VAR` or
//! `$(cmd)` (a command Crush runs: a reference, see `scan::slots::classify`).
//!
//! Sources (search tool, 2026-12): charmbracelet/crush configuration docs (mintlify mirror): project
//! `.crush.json`, `crush.json`, global `$HOME/.config/crush/crush.json` (`$XDG_CONFIG_HOME` honoured).
//! Windows: `%LOCALAPPDATA%\crush\crush.json` per Crush's README (not re-checked). Newer Crush moved to a
//! Bash `crushrc` (docs/config/README.md): a script, not scannable; the JSON files are still read here.
use super::*;

pub struct Crush;

impl Client for Crush {
    /// Process names per OS (from each app's packaging: executable names and npm package paths).
    fn process_names(&self, p: super::Platform) -> &'static [&'static str] {
        match p {
            super::Platform::Windows => &["crush.exe"],
            super::Platform::Macos => &["crush"],
            super::Platform::Linux => &["crush"],
        }
    }
    fn id(&self) -> ClientId {
        ClientId::Crush
    }
    fn name(&self) -> &'static str {
        "Crush"
    }
    fn user_locations(&self, env: &Env) -> Vec<Location> {
        let mut v = vec![Location::new(
            self.id(),
            env.xdg_config().join("crush").join("crush.json"),
            Format::Json,
        )];
        if env.platform == Platform::Windows {
            if let Some(local) = &env.local_data_dir {
                v.push(Location::new(
                    self.id(),
                    local.join("crush").join("crush.json"),
                    Format::Json,
                ));
            }
        }
        v
    }
    fn project_locations(&self, project: &Path) -> Vec<Location> {
        vec![
            Location::new(self.id(), project.join(".crush.json"), Format::Json).project(),
            Location::new(self.id(), project.join("crush.json"), Format::Json).project(),
        ]
    }
    fn server_roots(&self) -> &'static [&'static [&'static str]] {
        &[&["mcp"]]
    }
    fn config_dirs(&self, env: &Env) -> Vec<PathBuf> {
        vec![env.xdg_config().join("crush")]
    }
    fn restart_hint(&self) -> &'static str {
        "quit Crush and start it again"
    }
}
