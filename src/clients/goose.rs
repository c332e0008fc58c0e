//! Goose (Block): `config.yaml` under Goose's config dir. Goose picks its dirs with the `etcetera` crate's
//! app strategy: XDG on Linux and macOS (`$XDG_CONFIG_HOME/goose`, else `~/.config/goose`), and
//! `%APPDATA%\Block\goose\config` on Windows (clients-more.md; block/goose crates/goose/src/config/base.rs).
//! Extensions sit under `extensions.<id>`: local `cmd`, `args`, `envs`; remote `uri`, `headers`.
//! `env_keys` (older `envKeys`) name secrets Goose keeps in the OS keyring (service `goose`, account
//! `secrets`), never read here; with `GOOSE_DISABLE_KEYRING` they live in `secrets.yaml` beside
//! `config.yaml`, a flat `NAME: value` map this adapter reports as a rewritable [`SecretStore`].

use super::*;

pub struct Goose;

const KEYRING: &str = "Goose's keyring (goose configure > secrets), or secrets.yaml beside config.yaml when GOOSE_DISABLE_KEYRING is set";

fn config_dir(env: &Env) -> PathBuf {
    match env.platform {
        Platform::Windows => env.config_dir.join("Block").join("goose").join("config"),
        Platform::Linux => env.config_dir.join("goose"),
        Platform::Macos => env
            .xdg_config_home
            .clone()
            .unwrap_or_else(|| env.home.join(".config"))
            .join("goose"),
    }
}

impl Client for Goose {
    /// Process names per OS (from each app's packaging: executable names and npm package paths).
    fn process_names(&self, p: super::Platform) -> &'static [&'static str] {
        match p {
            super::Platform::Windows => &["goose.exe", "Goose.exe"],
            super::Platform::Macos => &["goose", "Goose", "/Goose.app/Contents/MacOS/"],
            super::Platform::Linux => &["goose"],
        }
    }
    fn id(&self) -> ClientId {
        ClientId::Goose
    }
    fn name(&self) -> &'static str {
        "Goose"
    }
    fn user_locations(&self, env: &Env) -> Vec<Location> {
        let dir = config_dir(env);
        vec![
            Location::new(self.id(), dir.join("config.yaml"), Format::Yaml),
            Location::new(self.id(), dir.join("secrets.yaml"), Format::Yaml)
                .variant("secrets.yaml (GOOSE_DISABLE_KEYRING)"),
        ]
    }
    fn server_roots(&self) -> &'static [&'static [&'static str]] {
        &[&["extensions"]]
    }
    fn slot_path<'a>(&self, rel: &[&'a str]) -> Option<Vec<&'a str>> {
        match rel {
            ["envs", name] => Some(vec!["env", name]),
            ["uri"] => Some(vec!["url"]),
            _ => None,
        }
    }
    fn stored_secret_names(&self, rel: &[&str]) -> Option<&'static str> {
        matches!(rel, ["env_keys" | "envKeys", _]).then_some(KEYRING)
    }
    fn secret_store(&self, path: &Path) -> Option<SecretStore> {
        if path.file_name()? != "secrets.yaml" {
            return None;
        }
        // Label each secret by the extensions whose env_keys name it, from config.yaml beside it.
        let mut users = Vec::new();
        if let Ok(text) = crate::edit::read::read_to_string(&path.with_file_name("config.yaml")) {
            let _ = crate::edit::yaml::walk(&text, |p, _, v| {
                if let [root, ext, keys, _] = p {
                    if root == "extensions" && (keys == "env_keys" || keys == "envKeys") {
                        users.push((v.to_string(), ext.clone()));
                    }
                }
            });
        }
        Some(SecretStore {
            label: "goose secrets".into(),
            users,
        })
    }
    fn restart_hint(&self) -> &'static str {
        "start a new Goose session (goose session) for extensions to pick up the new key"
    }
}
