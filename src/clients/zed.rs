use super::*;

pub struct Zed;

impl Client for Zed {
    fn id(&self) -> ClientId {
        ClientId::Zed
    }
    fn name(&self) -> &'static str {
        "Zed"
    }
    /// macOS: `Zed.app/Contents/MacOS/zed`; Linux: `zed-editor` (the `zed` CLI starts it; some distros
    /// name the package's launcher `zeditor`).
    fn process_names(&self, p: Platform) -> &'static [&'static str] {
        match p {
            Platform::Windows => &["Zed.exe"],
            Platform::Macos => &["zed"],
            Platform::Linux => &["zed", "zed-editor", "zeditor"],
        }
    }
    fn user_locations(&self, env: &Env) -> Vec<Location> {
        let dir = match env.platform {
            Platform::Windows => env.config_dir.join("Zed"),
            // Zed uses ~/.config/zed on macOS too, honouring XDG_CONFIG_HOME.
            Platform::Linux | Platform::Macos => env
                .xdg_config_home
                .clone()
                .unwrap_or_else(|| env.home.join(".config"))
                .join("zed"),
        };
        vec![Location::new(
            self.id(),
            dir.join("settings.json"),
            Format::Jsonc,
        )]
    }
    fn project_locations(&self, project: &Path) -> Vec<Location> {
        vec![Location::new(
            self.id(),
            project.join(".zed").join("settings.json"),
            Format::Jsonc,
        )
        .project()]
    }
    fn server_roots(&self) -> &'static [&'static [&'static str]] {
        &[&["context_servers"]]
    }
    fn restart_hint(&self) -> &'static str {
        "Zed reloads its settings by itself"
    }
}
