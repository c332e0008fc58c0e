//! BoltAI (a macOS app). `mcpServers` in `~/.boltai/mcp.json` (smithery-ai/cli src/config/clients.ts,
//! per clients-more.md). The same `~` path is listed on every OS; it only exists where BoltAI runs.
use super::*;

pub struct BoltAi;

impl Client for BoltAi {
    /// Process names per OS (from each app's packaging: executable names and npm package paths).
    /// BoltAI is a macOS app only.
    fn process_names(&self, p: super::Platform) -> &'static [&'static str] {
        match p {
            super::Platform::Windows => &[],
            super::Platform::Macos => &["BoltAI", "/BoltAI.app/Contents/MacOS/"],
            super::Platform::Linux => &[],
        }
    }
    fn id(&self) -> ClientId {
        ClientId::Boltai
    }
    fn name(&self) -> &'static str {
        "BoltAI"
    }
    fn user_locations(&self, env: &Env) -> Vec<Location> {
        vec![Location::new(
            self.id(),
            env.home.join(".boltai").join("mcp.json"),
            Format::Json,
        )]
    }
    fn config_dirs(&self, env: &Env) -> Vec<PathBuf> {
        vec![env.home.join(".boltai")]
    }
    fn restart_hint(&self) -> &'static str {
        "restart BoltAI"
    }
}
