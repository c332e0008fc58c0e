//! Augment (the Auggie CLI). `mcpServers` in `~/.augment/settings.json` (agentmove, per clients-more.md;
//! not checked against Augment's docs). The Augment VS Code/JetBrains extensions keep servers in their
//! settings UI.
use super::*;

pub struct Augment;

impl Client for Augment {
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
