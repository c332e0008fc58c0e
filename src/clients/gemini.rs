use super::*;

pub struct GeminiCli;

impl Client for GeminiCli {
    fn id(&self) -> ClientId {
        ClientId::GeminiCli
    }
    fn name(&self) -> &'static str {
        "Gemini CLI"
    }
    /// Gemini CLI is a node script: `node …/bin/gemini` (its npm link), or on Windows `node.exe` running
    /// the package's `dist/index.js` from npm's global folder.
    fn process_names(&self, p: Platform) -> &'static [&'static str] {
        match p {
            Platform::Windows => &["node_modules/@google/gemini-cli/"],
            Platform::Macos | Platform::Linux => &["gemini", "node_modules/@google/gemini-cli/"],
        }
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
