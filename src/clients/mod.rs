//! MCP clients: where each one keeps its configuration on each OS.
//!
//! One adapter per client, behind the [`Client`] trait. Every path derives from an [`Env`], which is
//! built from the OS directories (`dirs` crate) and the documented environment overrides, so tests point
//! `HOME`/`XDG_CONFIG_HOME`/`APPDATA` at temp dirs, and other OSes' paths can be unit-tested anywhere.

use serde::Serialize;
use std::path::{Path, PathBuf};

mod claude_code;
mod claude_desktop;
mod cline;
mod codex;
mod cursor;
mod gemini;
mod lmstudio;
mod roo;
mod vscode;
mod windsurf;
mod zed;
// YAML clients (issue 10).
mod continue_dev;
mod goose;
mod librechat;

/// The OS whose conventions a path follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    Linux,
    Macos,
    Windows,
}

impl Platform {
    pub fn current() -> Self {
        if cfg!(target_os = "macos") {
            Platform::Macos
        } else if cfg!(windows) {
            Platform::Windows
        } else {
            Platform::Linux
        }
    }
}

/// File format of a config file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Strict JSON: the client rejects comments and trailing commas.
    Json,
    /// JSON with comments and trailing commas allowed.
    Jsonc,
    Toml,
    /// YAML: edited scalar by scalar (`edit::yaml`); block scalars, shared anchors and multi-document
    /// files are refused.
    Yaml,
}

/// Global (per user) or project (per folder) scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    User,
    Project,
}

/// The directories and overrides every client path is derived from.
#[derive(Debug, Clone)]
pub struct Env {
    pub platform: Platform,
    pub home: PathBuf,
    /// The per-user application config dir: `$XDG_CONFIG_HOME` or `~/.config` (Linux),
    /// `~/Library/Application Support` (macOS), `%APPDATA%` (Windows).
    pub config_dir: PathBuf,
    /// `%LOCALAPPDATA%` on Windows.
    pub local_data_dir: Option<PathBuf>,
    /// `$XDG_CONFIG_HOME` when set (Zed honours it on macOS too).
    pub xdg_config_home: Option<PathBuf>,
    /// `$CLAUDE_CONFIG_DIR`: moves Claude Code's `.claude.json`.
    pub claude_config_dir: Option<PathBuf>,
    /// `$CODEX_HOME`: moves Codex's `config.toml`.
    pub codex_home: Option<PathBuf>,
    /// `$CLINE_MCP_SETTINGS_PATH`: the Cline CLI's settings file.
    pub cline_mcp_settings_path: Option<PathBuf>,
}

impl Env {
    /// A Linux environment whose home is `home` and config dir `home/.config`, with no overrides.
    pub fn linux_at(home: &std::path::Path) -> Env {
        Env {
            platform: Platform::Linux,
            home: home.to_path_buf(),
            config_dir: home.join(".config"),
            local_data_dir: None,
            xdg_config_home: None,
            claude_config_dir: None,
            codex_home: None,
            cline_mcp_settings_path: None,
        }
    }

    /// The environment of this process on this OS.
    pub fn from_os() -> crate::Result<Self> {
        let home = dirs::home_dir().ok_or(crate::Error::NoHomeDir)?;
        let config_dir = dirs::config_dir().unwrap_or_else(|| home.join(".config"));
        let var = |name: &str| {
            std::env::var_os(name)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        Ok(Env {
            platform: Platform::current(),
            local_data_dir: if cfg!(windows) {
                dirs::data_local_dir()
            } else {
                None
            },
            xdg_config_home: var("XDG_CONFIG_HOME").filter(|p| p.is_absolute()),
            claude_config_dir: var("CLAUDE_CONFIG_DIR"),
            codex_home: var("CODEX_HOME"),
            cline_mcp_settings_path: var("CLINE_MCP_SETTINGS_PATH"),
            home,
            config_dir,
        })
    }
}

/// One config file a client may read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Location {
    pub client: ClientId,
    pub path: PathBuf,
    pub format: Format,
    pub scope: Scope,
    /// Which variant this is when a client has several ("Insiders", "MSIX", "legacy settings.json").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
}

impl Location {
    fn new(client: ClientId, path: PathBuf, format: Format) -> Self {
        Location {
            client,
            path,
            format,
            scope: Scope::User,
            variant: None,
        }
    }
    fn variant(mut self, v: &str) -> Self {
        self.variant = Some(v.to_string());
        self
    }
    fn project(mut self) -> Self {
        self.scope = Scope::Project;
        self
    }
}

/// Stable identifiers of the supported clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClientId {
    ClaudeDesktop,
    ClaudeCode,
    Cursor,
    Vscode,
    Windsurf,
    GeminiCli,
    Zed,
    Cline,
    RooCode,
    LmStudio,
    Codex,
    Goose,
    Continue,
    #[serde(rename = "librechat")]
    LibreChat,
}

/// One MCP client.
pub trait Client: Sync {
    fn id(&self) -> ClientId;
    /// Human name, as the client calls itself.
    fn name(&self) -> &'static str;
    /// Every per-user config file this client may read on `env.platform`, whether it exists or not.
    fn user_locations(&self, env: &Env) -> Vec<Location>;
    /// Config files this client reads inside a project folder.
    fn project_locations(&self, _project: &Path) -> Vec<Location> {
        Vec::new()
    }
    /// Where the server entries sit: each root is a key path whose children are servers. `*` matches
    /// any key (Claude Code's `projects.<path>.mcpServers`).
    fn server_roots(&self) -> &'static [&'static [&'static str]] {
        &[&["mcpServers"]]
    }
    /// This client's words for the places a secret sits, mapped to the shared slot rules' words
    /// ([`crate::scan::slots::find`]): e.g. OpenCode's `environment.X` is `env.X`. `rel` is the path
    /// below one server entry. `None` (the default) means the client uses the common shape as it is.
    fn slot_path<'a>(&self, _rel: &[&'a str]) -> Option<Vec<&'a str>> {
        None
    }
    /// What the user must do after a config changes for the client to use it.
    fn restart_hint(&self) -> &'static str {
        "restart the client"
    }
    /// The field of a server entry that names it, when entries are a list (Continue's `mcpServers:
    /// - name: …`): the entry is reported under that name instead of its index, wherever it sits in the
    /// entry. Entries without it keep their key.
    fn server_name_field(&self) -> Option<&'static str> {
        None
    }
    /// A string at `rel` (below a server entry) whose value is the *name* of a secret this client keeps
    /// in another store (Goose's `env_keys`): `Some(where that store is)`, reported as a reference.
    fn stored_secret_names(&self, _rel: &[&str]) -> Option<&'static str> {
        None
    }
    /// `path` is one of this client's flat `NAME: value` secret files (Goose's `secrets.yaml`), not a
    /// server config: each top-level value is an `env.NAME` slot of the server [`SecretStore`] names.
    fn secret_store(&self, _path: &Path) -> Option<SecretStore> {
        None
    }
}

/// How the values of a flat secret file are labelled: by the server entry that names each one, else by
/// `label`.
#[derive(Debug, Clone, Default)]
pub struct SecretStore {
    pub label: String,
    /// (secret name, server that uses it)
    pub users: Vec<(String, String)>,
}

impl SecretStore {
    pub fn server_of(&self, name: &str) -> String {
        let users: Vec<&str> = self
            .users
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, s)| s.as_str())
            .collect();
        if users.is_empty() {
            self.label.clone()
        } else {
            users.join(", ")
        }
    }
}

/// All supported clients, in the order the UI lists them.
pub fn all() -> &'static [&'static dyn Client] {
    &[
        &claude_desktop::ClaudeDesktop,
        &claude_code::ClaudeCode,
        &cursor::Cursor,
        &vscode::VsCode,
        &windsurf::Windsurf,
        &gemini::GeminiCli,
        &zed::Zed,
        &cline::Cline,
        &roo::RooCode,
        &lmstudio::LmStudio,
        &codex::Codex,
        &goose::Goose,
        &continue_dev::Continue,
        &librechat::LibreChat,
    ]
}

pub fn by_id(id: ClientId) -> &'static dyn Client {
    *all()
        .iter()
        .find(|c| c.id() == id)
        .expect("every ClientId has an adapter")
}

/// The config folders of VS Code and its forks, which host the Cline and Roo extensions' storage.
pub(crate) fn vscode_family_user_dirs(env: &Env) -> Vec<(&'static str, PathBuf)> {
    ["Code", "Code - Insiders", "VSCodium", "Cursor", "Windsurf"]
        .into_iter()
        .map(|app| (app, env.config_dir.join(app).join("User")))
        .collect()
}

/// A client's config file as the engine reports it.
#[derive(Debug, Clone, Serialize)]
pub struct ConfigFile {
    pub client: ClientId,
    pub client_name: &'static str,
    #[serde(flatten)]
    pub location: Location,
    pub exists: bool,
}

/// Every per-user config location of every client on this machine, with whether the file exists.
pub fn user_config_files(env: &Env) -> Vec<ConfigFile> {
    all()
        .iter()
        .flat_map(|c| {
            c.user_locations(env)
                .into_iter()
                .map(move |location| ConfigFile {
                    client: c.id(),
                    client_name: c.name(),
                    exists: location.path.is_file(),
                    location,
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn env(platform: Platform) -> Env {
        match platform {
            Platform::Linux => Env {
                platform,
                home: "/home/u".into(),
                config_dir: "/home/u/.config".into(),
                local_data_dir: None,
                xdg_config_home: None,
                claude_config_dir: None,
                codex_home: None,
                cline_mcp_settings_path: None,
            },
            Platform::Macos => Env {
                platform,
                home: "/Users/u".into(),
                config_dir: "/Users/u/Library/Application Support".into(),
                local_data_dir: None,
                xdg_config_home: None,
                claude_config_dir: None,
                codex_home: None,
                cline_mcp_settings_path: None,
            },
            Platform::Windows => Env {
                platform,
                home: "C:/Users/u".into(),
                config_dir: "C:/Users/u/AppData/Roaming".into(),
                local_data_dir: Some("C:/Users/u/AppData/Local".into()),
                xdg_config_home: None,
                claude_config_dir: None,
                codex_home: None,
                cline_mcp_settings_path: None,
            },
        }
    }

    fn paths(id: ClientId, env: &Env) -> Vec<String> {
        by_id(id)
            .user_locations(env)
            .into_iter()
            .map(|l| l.path.to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn claude_desktop_paths_per_os() {
        assert_eq!(
            paths(ClientId::ClaudeDesktop, &env(Platform::Linux)),
            ["/home/u/.config/Claude/claude_desktop_config.json"]
        );
        assert_eq!(
            paths(ClientId::ClaudeDesktop, &env(Platform::Macos)),
            ["/Users/u/Library/Application Support/Claude/claude_desktop_config.json"]
        );
        assert_eq!(
            paths(ClientId::ClaudeDesktop, &env(Platform::Windows)),
            [
                "C:/Users/u/AppData/Roaming/Claude/claude_desktop_config.json",
                "C:/Users/u/AppData/Local/Packages/Claude_pzs8sxrjxfjjc/LocalCache/Roaming/Claude/claude_desktop_config.json",
            ]
        );
    }

    #[test]
    fn env_overrides_move_claude_code_and_codex() {
        let mut e = env(Platform::Linux);
        assert_eq!(paths(ClientId::ClaudeCode, &e), ["/home/u/.claude.json"]);
        assert_eq!(paths(ClientId::Codex, &e), ["/home/u/.codex/config.toml"]);
        e.claude_config_dir = Some("/cfg/claude".into());
        e.codex_home = Some("/cfg/codex".into());
        assert_eq!(
            paths(ClientId::ClaudeCode, &e),
            ["/cfg/claude/.claude.json"]
        );
        assert_eq!(paths(ClientId::Codex, &e), ["/cfg/codex/config.toml"]);
    }

    #[test]
    fn zed_honours_xdg_on_macos_and_appdata_on_windows() {
        let mut mac = env(Platform::Macos);
        assert_eq!(
            paths(ClientId::Zed, &mac),
            ["/Users/u/.config/zed/settings.json"]
        );
        mac.xdg_config_home = Some("/x".into());
        assert_eq!(paths(ClientId::Zed, &mac), ["/x/zed/settings.json"]);
        assert_eq!(
            paths(ClientId::Zed, &env(Platform::Windows)),
            ["C:/Users/u/AppData/Roaming/Zed/settings.json"]
        );
    }

    #[test]
    fn vscode_lists_stable_insiders_and_legacy_settings() {
        let p = paths(ClientId::Vscode, &env(Platform::Linux));
        assert!(
            p.contains(&"/home/u/.config/Code/User/mcp.json".to_string()),
            "{p:?}"
        );
        assert!(
            p.contains(&"/home/u/.config/Code - Insiders/User/mcp.json".to_string()),
            "{p:?}"
        );
        assert!(
            p.contains(&"/home/u/.config/Code/User/settings.json".to_string()),
            "{p:?}"
        );
    }

    #[test]
    fn yaml_clients_paths_per_os() {
        assert_eq!(
            paths(ClientId::Goose, &env(Platform::Linux)),
            [
                "/home/u/.config/goose/config.yaml",
                "/home/u/.config/goose/secrets.yaml"
            ]
        );
        let mut mac = env(Platform::Macos);
        assert_eq!(
            paths(ClientId::Goose, &mac)[0],
            "/Users/u/.config/goose/config.yaml"
        );
        mac.xdg_config_home = Some("/x".into());
        assert_eq!(paths(ClientId::Goose, &mac)[0], "/x/goose/config.yaml");
        assert_eq!(
            paths(ClientId::Goose, &env(Platform::Windows)),
            [
                "C:/Users/u/AppData/Roaming/Block/goose/config/config.yaml",
                "C:/Users/u/AppData/Roaming/Block/goose/config/secrets.yaml"
            ]
        );
        for (p, want) in [
            (Platform::Linux, "/home/u/.continue/config.yaml"),
            (Platform::Macos, "/Users/u/.continue/config.yaml"),
            (Platform::Windows, "C:/Users/u/.continue/config.yaml"),
        ] {
            assert_eq!(paths(ClientId::Continue, &env(p)), [want]);
            assert!(paths(ClientId::LibreChat, &env(p)).is_empty());
        }
        let project = std::path::Path::new("/srv/chat");
        assert_eq!(
            by_id(ClientId::LibreChat).project_locations(project)[0].path,
            project.join("librechat.yaml")
        );
        let ids: Vec<String> = [ClientId::Goose, ClientId::Continue, ClientId::LibreChat]
            .iter()
            .map(|i| serde_json::to_string(i).unwrap())
            .collect();
        assert_eq!(ids, ["\"goose\"", "\"continue\"", "\"librechat\""]);
    }

    #[test]
    fn continue_lists_the_block_files_of_mcp_servers_folders() {
        let home = tempfile::tempdir().unwrap();
        let dir = home.path().join(".continue/mcpServers");
        std::fs::create_dir_all(&dir).unwrap();
        for f in ["b.yaml", "a.json", "c.yml", "notes.txt"] {
            std::fs::write(dir.join(f), "").unwrap();
        }
        let locs = by_id(ClientId::Continue).user_locations(&Env::linux_at(home.path()));
        let got: Vec<(String, Format)> = locs
            .iter()
            .map(|l| {
                let p = l.path.strip_prefix(home.path()).unwrap();
                (p.to_string_lossy().into_owned(), l.format)
            })
            .collect();
        assert_eq!(
            got,
            [
                (".continue/config.yaml".to_string(), Format::Yaml),
                (".continue/mcpServers/a.json".to_string(), Format::Json),
                (".continue/mcpServers/b.yaml".to_string(), Format::Yaml),
                (".continue/mcpServers/c.yml".to_string(), Format::Yaml),
            ]
        );
        let project = by_id(ClientId::Continue).project_locations(home.path());
        assert_eq!(project.len(), 3);
        assert!(project.iter().all(|l| l.scope == Scope::Project));
    }

    #[test]
    fn every_client_has_a_user_location_on_every_os() {
        for p in [Platform::Linux, Platform::Macos, Platform::Windows] {
            // LibreChat is a server deployment: only the project folders the user adds.
            for c in all().iter().filter(|c| c.id() != ClientId::LibreChat) {
                assert!(
                    !c.user_locations(&env(p)).is_empty(),
                    "{} on {p:?}",
                    c.name()
                );
            }
        }
    }
}
