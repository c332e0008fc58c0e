use super::*;

pub struct LmStudio;

impl Client for LmStudio {
    fn id(&self) -> ClientId {
        ClientId::LmStudio
    }
    fn name(&self) -> &'static str {
        "LM Studio"
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
