use super::*;

pub struct GeminiCli;

impl Client for GeminiCli {
    fn id(&self) -> ClientId {
        ClientId::GeminiCli
    }
    fn name(&self) -> &'static str {
        "Gemini CLI"
    }
    fn user_locations(&self, env: &Env) -> Vec<Location> {
        // Gemini tolerates comments in its settings.
        vec![Location::new(
            self.id(),
            env.home.join(".gemini").join("settings.json"),
            Format::Jsonc,
        )]
    }
    fn project_locations(&self, project: &Path) -> Vec<Location> {
        vec![Location::new(
            self.id(),
            project.join(".gemini").join("settings.json"),
            Format::Jsonc,
        )
        .project()]
    }
}
