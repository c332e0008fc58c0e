use super::*;

pub struct RooCode;

impl Client for RooCode {
    fn id(&self) -> ClientId {
        ClientId::RooCode
    }
    fn name(&self) -> &'static str {
        "Roo Code"
    }
    /// None: Roo Code runs inside its host editor (VS Code, Cursor, Windsurf…), whose own entry names it.
    fn process_names(&self, _p: Platform) -> &'static [&'static str] {
        &[]
    }
    fn user_locations(&self, env: &Env) -> Vec<Location> {
        vscode_family_user_dirs(env)
            .into_iter()
            .map(|(app, user)| {
                let path = user
                    .join("globalStorage")
                    .join("rooveterinaryinc.roo-cline")
                    .join("settings")
                    .join("mcp_settings.json");
                Location::new(self.id(), path, Format::Json).variant(&format!("in {app}"))
            })
            .collect()
    }
    fn project_locations(&self, project: &Path) -> Vec<Location> {
        vec![Location::new(
            self.id(),
            project.join(".roo").join("mcp.json"),
            Format::Json,
        )
        .project()]
    }
    fn restart_hint(&self) -> &'static str {
        "it reloads the file by itself"
    }
}
