use super::*;

pub struct LmStudio;

impl Client for LmStudio {
    fn id(&self) -> ClientId {
        ClientId::LmStudio
    }
    fn name(&self) -> &'static str {
        "LM Studio"
    }
    fn process_names(&self, p: Platform) -> &'static [&'static str] {
        match p {
            Platform::Windows => &["LM Studio.exe"],
            Platform::Macos => &["LM Studio"],
            Platform::Linux => &["lm-studio", "lmstudio"],
        }
    }
    fn user_locations(&self, env: &Env) -> Vec<Location> {
        vec![Location::new(
            self.id(),
            env.home.join(".lmstudio").join("mcp.json"),
            Format::Json,
        )]
    }
    fn restart_hint(&self) -> &'static str {
        "it reloads the file by itself"
    }
}
