//! Augment (the Auggie CLI). `mcpServers` in `~/.augment/settings.json` (agentmove, per clients-more.md;
//! not checked against Augment's docs). The Augment VS Code/JetBrains extensions keep servers in their
//! settings UI.
use super::*;

pub struct Augment;

impl Client for Augment {
    /// Process names per OS (from each app's packaging: executable names and npm package paths).
    /// Only the Auggie CLI (npm `@augmentcode/auggie`); the editor extensions run inside their editor.
    fn process_names(&self, p: super::Platform) -> &'static [&'static str] {
        match p {
            super::Platform::Windows => &["node_modules/@augmentcode/auggie/"],
            super::Platform::Macos => &["auggie", "node_modules/@augmentcode/auggie/"],
            super::Platform::Linux => &["auggie", "node_modules/@augmentcode/auggie/"],
        }
    }
    fn id(&self) -> ClientId {
        ClientId::Augment
    }
    fn name(&self) -> &'static str {
        "Augment"
    }
    fn user_locations(&self, env: &Env) -> Vec<Location> {
        vec![Location::new(
            self.id(),
            env.home.join(".augment").join("settings.json"),
            Format::Json,
        )]
    }
    fn config_dirs(&self, env: &Env) -> Vec<PathBuf> {
        vec![env.home.join(".augment")]
    }
    fn restart_hint(&self) -> &'static str {
        "start a new auggie session"
    }
}
