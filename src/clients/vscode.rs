use super::*;

pub struct VsCode;

impl Client for VsCode {
    fn id(&self) -> ClientId {
        ClientId::Vscode
    }
    fn name(&self) -> &'static str {
        "VS Code"
    }
    /// On macOS VS Code's main executable is named `Electron` on many versions (as Cursor's and
    /// Windsurf's may be): it is matched by its bundle path, never by that name.
    fn process_names(&self, p: Platform) -> &'static [&'static str] {
        match p {
            Platform::Windows => &["Code.exe", "Code - Insiders.exe"],
            Platform::Macos => &[
                "Code",
                "Code - Insiders",
                "/Visual Studio Code.app/Contents/MacOS/",
                "/Visual Studio Code - Insiders.app/Contents/MacOS/",
            ],
            Platform::Linux => &["code", "code-insiders"],
        }
    }
    fn user_locations(&self, env: &Env) -> Vec<Location> {
        let mut v = Vec::new();
        for (app, variant) in [("Code", None), ("Code - Insiders", Some("Insiders"))] {
            let user = env.config_dir.join(app).join("User");
            let with = |l: Location, extra: Option<&str>| match (variant, extra) {
                (Some(a), Some(b)) => l.variant(&format!("{a}, {b}")),
                (Some(a), None) | (None, Some(a)) => l.variant(a),
                (None, None) => l,
            };
            v.push(with(
                Location::new(self.id(), user.join("mcp.json"), Format::Jsonc),
                None,
            ));
            // Profiles each have their own mcp.json; list the ones that exist.
            if let Ok(entries) = std::fs::read_dir(user.join("profiles")) {
                let mut profiles: Vec<PathBuf> = entries
                    .flatten()
                    .map(|e| e.path())
                    .filter(|p| p.is_dir())
                    .collect();
                profiles.sort();
                for p in profiles {
                    let name = p
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    v.push(with(
                        Location::new(self.id(), p.join("mcp.json"), Format::Jsonc),
                        Some(&format!("profile {name}")),
                    ));
                }
            }
            // Before 1.102 servers lived in settings.json under "mcp": { "servers": … }.
            v.push(with(
                Location::new(self.id(), user.join("settings.json"), Format::Jsonc),
                Some("legacy settings.json"),
            ));
        }
        v
    }
    fn project_locations(&self, project: &Path) -> Vec<Location> {
        vec![
            Location::new(
                self.id(),
                project.join(".vscode").join("mcp.json"),
                Format::Jsonc,
            )
            .project(),
            Location::new(
                self.id(),
                project.join(".vscode").join("settings.json"),
                Format::Jsonc,
            )
            .project()
            .variant("legacy settings.json"),
        ]
    }
    fn server_roots(&self) -> &'static [&'static [&'static str]] {
        &[&["servers"], &["mcp", "servers"]]
    }
    fn restart_hint(&self) -> &'static str {
        "restart the server from MCP: List Servers (or reload the window)"
    }
}
