use super::*;

pub struct ClaudeDesktop;

impl Client for ClaudeDesktop {
    fn id(&self) -> ClientId {
        ClientId::ClaudeDesktop
    }
    fn name(&self) -> &'static str {
        "Claude Desktop"
    }
    /// Windows: `claude.exe` under `AnthropicClaude\app-<version>\` (or the Store package
    /// `Claude_<version>_x64__pzs8sxrjxfjjc`); macOS: `Claude.app/Contents/MacOS/Claude`; Linux has only
    /// community builds: `claude-desktop`, or `electron` running `/usr/lib/claude-desktop/app.asar`.
    fn process_names(&self, p: Platform) -> &'static [&'static str] {
        match p {
            Platform::Windows => &["Claude.exe", "/AnthropicClaude/", "__pzs8sxrjxfjjc/"],
            Platform::Macos => &["Claude"],
            Platform::Linux => &["claude-desktop", "/claude-desktop/"],
        }
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
        v.extend(extension_settings(
            self.id(),
            &env.config_dir.join("Claude"),
            None,
        ));
        if env.platform == Platform::Windows {
            if let Some(local) = &env.local_data_dir {
                // The Microsoft Store (MSIX) build is virtualized under LocalCache.
                let msix = local
                    .join("Packages")
                    .join("Claude_pzs8sxrjxfjjc")
                    .join("LocalCache")
                    .join("Roaming");
                v.push(file(msix.clone()).variant("MSIX"));
                v.extend(extension_settings(
                    self.id(),
                    &msix.join("Claude"),
                    Some("MSIX"),
                ));
            }
        }
        v
    }
    fn restart_hint(&self) -> &'static str {
        "quit Claude Desktop from its tray icon (closing the window is not enough) and open it again"
    }
}

/// The folder, beside `claude_desktop_config.json`, where Claude Desktop keeps each installed extension's
/// (.mcpb / .dxt) settings as `<extension-id>.json`: `{"isEnabled": true, "userConfig": {"api_key": …}}`.
/// A `user_config` field the manifest marks `sensitive` is stored there as `"__encrypted__:…"` (Electron
/// safeStorage); other values are plain. Sources: modelcontextprotocol/mcpb MANIFEST.md ("User
/// Configuration"); extension install scripts that write `Claude Extensions Settings/<id>.json` as
/// `{"isEnabled": true}`, and readers of its `userConfig`; clients-more.md.
pub(crate) const EXTENSION_SETTINGS_DIR: &str = "Claude Extensions Settings";

/// One location per extension settings file in `claude_dir`, found by listing the folder (sorted, so
/// scans are stable). Variant: "extension <id>" (with the build's variant first, "MSIX, extension <id>").
fn extension_settings(client: ClientId, claude_dir: &Path, build: Option<&str>) -> Vec<Location> {
    let dir = claude_dir.join(EXTENSION_SETTINGS_DIR);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .filter_map(|path| {
            let id = path.file_stem()?.to_str()?.to_string();
            let variant = match build {
                Some(b) => format!("{b}, extension {id}"),
                None => format!("extension {id}"),
            };
            Some(Location::new(client, path, Format::Json).variant(&variant))
        })
        .collect()
}

/// The extension id of a Claude Desktop extension settings file (`…/Claude Extensions Settings/<id>.json`),
/// from its path alone (a re-read of the file knows nothing else).
pub(crate) fn extension_id(loc: &Location) -> Option<&str> {
    if loc.client != ClientId::ClaudeDesktop {
        return None;
    }
    let parent = loc.path.parent()?;
    if parent.file_name()? != EXTENSION_SETTINGS_DIR {
        return None;
    }
    if loc.path.extension()? != "json" {
        return None;
    }
    loc.path.file_stem()?.to_str()
}
