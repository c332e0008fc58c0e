use super::*;

pub struct Cline;

impl Client for Cline {
    fn id(&self) -> ClientId {
        ClientId::Cline
    }
    fn name(&self) -> &'static str {
        "Cline"
    }
    /// None: Cline runs inside its host editor (VS Code, Cursor, Windsurf…), whose own entry names it.
    fn process_names(&self, _p: Platform) -> &'static [&'static str] {
        &[]
    }
    fn user_locations(&self, env: &Env) -> Vec<Location> {
        let mut v: Vec<Location> = vscode_family_user_dirs(env)
            .into_iter()
            .map(|(app, user)| {
                let path = user
                    .join("globalStorage")
                    .join("saoudrizwan.claude-dev")
                    .join("settings")
                    .join("cline_mcp_settings.json");
                Location::new(self.id(), path, Format::Json).variant(&format!("in {app}"))
            })
            .collect();
        let cli = env.cline_mcp_settings_path.clone().unwrap_or_else(|| {
            env.home
                .join(".cline")
                .join("data")
                .join("settings")
                .join("cline_mcp_settings.json")
        });
        v.push(Location::new(self.id(), cli, Format::Json).variant("Cline CLI"));
        v
    }
    fn restart_hint(&self) -> &'static str {
        "it reloads the file by itself"
    }
}
