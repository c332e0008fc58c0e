use super::*;

pub struct ClaudeDesktop;

impl Client for ClaudeDesktop {
    fn id(&self) -> ClientId {
        ClientId::ClaudeDesktop
    }
    fn name(&self) -> &'static str {
        "Claude Desktop"
    }
    fn user_locations(&self, env: &Env) -> Vec<Location> {
        // Linux has no official build; community builds use $XDG_CONFIG_HOME/Claude.
        let file = |dir: PathBuf| {
            Location::new(
                self.id(),
                dir.join("Claude").join("claude_desktop_config.json"),
                Format::Json,
            )
        };
        let mut v = vec![file(env.config_dir.clone())];
        if env.platform == Platform::Windows {
            if let Some(local) = &env.local_data_dir {
                // The Microsoft Store (MSIX) build is virtualized under LocalCache.
                let msix = local
                    .join("Packages")
                    .join("Claude_pzs8sxrjxfjjc")
                    .join("LocalCache")
                    .join("Roaming");
                v.push(file(msix).variant("MSIX"));
            }
        }
        v
    }
    fn restart_hint(&self) -> &'static str {
        "quit Claude Desktop from its tray icon (closing the window is not enough) and open it again"
    }
}
