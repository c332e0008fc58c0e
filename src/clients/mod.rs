//! MCP clients: where each one keeps its configuration on each OS.
//!
//! One adapter per client, behind the [`Client`] trait. Every path derives from an [`Env`], which is
//! built from the OS directories (`dirs` crate) and the documented environment overrides, so tests point
//! `HOME`/`XDG_CONFIG_HOME`/`APPDATA` at temp dirs, and other OSes' paths can be unit-tested anywhere.

use serde::Serialize;
use std::path::{Path, PathBuf};
use ts_rs::TS;

mod slot_kind;
pub use slot_kind::SlotKind;
mod claude_code;
mod claude_desktop;
mod cline;
mod codex;
mod cursor;
mod gemini;
mod lmstudio;
pub mod process;
pub(crate) use claude_desktop::extension_id as claude_extension_id;
mod roo;
mod vscode;
mod windsurf;
mod zed;
// YAML clients (issue 10).
mod continue_dev;
mod goose;
mod librechat;

mod amazon_q;
mod amp;
mod antigravity;
mod augment;
mod boltai;
mod copilot_cli;
mod crush;
mod devin;
mod junie;
mod kilo;
mod kiro;
mod opencode;
mod qwen;
mod trae;
mod visual_studio;
mod warp;

/// The OS whose conventions a path follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
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
    /// `$COPILOT_HOME`: moves the GitHub Copilot CLI's `~/.copilot` folder.
    pub copilot_home: Option<PathBuf>,
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
            copilot_home: None,
        }
    }

    /// `$XDG_CONFIG_HOME`, else `~/.config`, on every OS: where tools built on XDG conventions (OpenCode,
    /// Crush, Kilo, Devin, Amp) keep their config, even on macOS and Windows.
    pub fn xdg_config(&self) -> PathBuf {
        self.xdg_config_home
            .clone()
            .unwrap_or_else(|| self.home.join(".config"))
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
            copilot_home: var("COPILOT_HOME"),
            home,
            config_dir,
        })
    }
}

/// One config file a client may read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct Location {
    pub client: ClientId,
    pub path: PathBuf,
    pub format: Format,
    pub scope: Scope,
    /// Which variant this is when a client has several ("Insiders", "MSIX", "legacy settings.json").
    #[ts(optional)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize, TS)]
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
    // Issue 10, part 2: the JSON/JSONC clients beyond the first eleven.
    Opencode,
    Kiro,
    Antigravity,
    Trae,
    CopilotCli,
    AmazonQ,
    Warp,
    QwenCode,
    DevinDesktop,
    Junie,
    Crush,
    Amp,
    KiloCode,
    Augment,
    Boltai,
    VisualStudio,
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
    /// (the scan's slot rules): e.g. OpenCode's `environment.X` is `env.X`. `rel` is the path
    /// below one server entry. `None` (the default) means the client uses the common shape as it is.
    fn slot_path<'a>(&self, _rel: &[&'a str]) -> Option<Vec<&'a str>> {
        None
    }
    /// Folders whose existence means the client is installed even when it has no config file yet
    /// (`~/.kiro`, `~/.config/opencode`): the scan reports such a client as `installed`. Empty (the
    /// default): installed means one of its config files exists.
    fn config_dirs(&self, _env: &Env) -> Vec<PathBuf> {
        Vec::new()
    }
    /// What the user must do after a config changes for the client to use it.
    fn restart_hint(&self) -> &'static str {
        "restart the client"
    }
    /// The names of this client's processes on `platform`, for "is it running?" (see
    /// [`process`] for how an entry matches: an exact process name, or a path fragment with a `/`).
    /// The default is none: a client that says nothing is never reported as running. Every client that
    /// has a process of its own should fill it for each OS.
    fn process_names(&self, _platform: Platform) -> &'static [&'static str] {
        &[]
    }
    /// The field of a server entry that names it, when entries are a list (Continue's
    /// `mcpServers: [{name: …}]` in block style): the entry is reported under that name instead of its index, wherever it sits in the
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
    /// A YAML config whose `extensions.<server>.env_keys` name the secrets (Goose's config.yaml): the
    /// scan reads it into `users`.
    pub users_in: Option<PathBuf>,
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
        &opencode::Opencode,
        &kiro::Kiro,
        &antigravity::Antigravity,
        &trae::Trae,
        &copilot_cli::CopilotCli,
        &amazon_q::AmazonQ,
        &warp::Warp,
        &qwen::QwenCode,
        &devin::DevinDesktop,
        &junie::Junie,
        &crush::Crush,
        &amp::Amp,
        &kilo::KiloCode,
        &augment::Augment,
        &boltai::BoltAi,
        &visual_studio::VisualStudio,
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
#[derive(Debug, Clone, Serialize, TS)]
pub struct ConfigFile {
    /// The same as `location.client`, which the JSON already has: serializing it too wrote `client` twice.
    #[serde(skip)]
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

/// Clients that keep MCP servers where Rekey cannot read them (an app database, a settings UI): the app
/// and CLI list them as "not scannable: configure in the app". (name, why)
pub fn not_scannable() -> &'static [(&'static str, &'static str)] {
    &[
        (
            "Cherry Studio",
            "keeps MCP servers in its internal store (moving to SQLite), not in a config file",
        ),
        (
            "JetBrains AI Assistant",
            "keeps MCP servers in the IDE's settings UI (Junie, JetBrains' agent, is scanned)",
        ),
        ("Msty", "no documented MCP config file was found"),
    ]
}

/// A JSON path as a location shows it: `environment.API_KEY`, `command[2]`.
fn render(path: &[&str]) -> String {
    let mut out = String::new();
    for seg in path {
        if !out.is_empty() && seg.parse::<usize>().is_ok() {
            out.push_str(&format!("[{seg}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(seg);
        }
    }
    out
}

/// A slot's location in the client's own words: when [`Client::slot_path`] mapped `rel` to `mapped`
/// (OpenCode's `command[2]` to `args[1]`), the location the shared rules wrote for `mapped` is given
/// back with `rel` at its start, so the user reads what is in the file.
pub(crate) fn in_client_words(rel: &[&str], mapped: &[&str], location: String) -> String {
    let theirs = render(mapped);
    match location.strip_prefix(&theirs) {
        Some(rest) => format!("{}{rest}", render(rel)),
        None => location,
    }
}

/// Index strings `"0"`, `"1"`, … with a `'static` life, for [`Client::slot_path`] maps that renumber
/// array elements (OpenCode's `command.N` is `args.(N-1)`). `None` past the first 4096.
pub(crate) fn index_str(n: usize) -> Option<&'static str> {
    static INDICES: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    INDICES
        .get_or_init(|| (0..4096).map(|i| i.to_string()).collect())
        .get(n)
        .map(String::as_str)
}

/// The OpenCode shape (also Kilo's `kilo.json`): `command` is one array whose element 0 is the program
/// and the rest its arguments, so `command.N` is `args.(N-1)`; `environment` is `env`.
pub(crate) fn opencode_slot_path<'a>(rel: &[&'a str]) -> Option<Vec<&'a str>> {
    match rel {
        ["command", n] => {
            let n: usize = n.parse().ok()?;
            match n.checked_sub(1) {
                Some(i) => Some(vec!["args", index_str(i)?]),
                None => Some(vec!["command"]),
            }
        }
        ["environment", name] => Some(vec!["env", name]),
        _ => None,
    }
}

/// Every existing `*.json` file directly in `dir`, sorted (Amazon Q's agent files).
pub(crate) fn json_files_in(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "json"))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

#[cfg(test)]
mod tests;
