//! `rekey-app --demo`: the app against a throwaway home with sample Claude Desktop and Cursor configs and
//! the fake providers running in-process on loopback, so a newcomer can walk a full rotation without
//! accounts and without touching real files. Keychain entries go under a separate service name
//! (`rekey-demo`) and are deleted when the demo quits, with the throwaway home.

use rekey_fakes::{FakeProviders, Provider};
use std::path::{Path, PathBuf};

pub const KEYCHAIN_SERVICE: &str = "rekey-demo";

pub struct Demo {
    pub root: PathBuf,
    pub fakes: FakeProviders,
}

/// The environment variables that point every engine path into `root`.
pub fn env_for(root: &Path) -> Vec<(&'static str, PathBuf)> {
    vec![
        ("HOME", root.join("home")),
        ("XDG_CONFIG_HOME", root.join("config")),
        ("XDG_DATA_HOME", root.join("data")),
        ("XDG_CACHE_HOME", root.join("cache")),
        ("REKEY_DATA_DIR", root.join("data/rekey")),
    ]
}

/// The demo never reaches a real provider: an https URL (a provider's default, for a server added without
/// a fake behind it) goes to a proxy nobody listens on; loopback, where the fakes answer (plain http),
/// goes through no proxy.
pub const OFFLINE_ENV: [(&str, &str); 4] = [
    ("HTTPS_PROXY", "http://127.0.0.1:9"),
    ("https_proxy", "http://127.0.0.1:9"),
    ("NO_PROXY", "127.0.0.1,localhost,::1"),
    ("no_proxy", "127.0.0.1,localhost,::1"),
];

impl Demo {
    /// Where the demo's fake of provider `id` answers, if there is one (a server added in the demo is
    /// checked and linked against it, never against the real provider).
    pub fn base_url_of(&self, id: &str) -> Option<String> {
        Provider::from_id(id).map(|p| self.fakes.base_url(p))
    }
}

/// Write the sample configs under `root`, start the fakes, and link the sample keys to them.
/// Touches nothing outside `root` (and loopback).
pub fn prepare(root: &Path) -> std::io::Result<Demo> {
    let fakes = FakeProviders::start()?;
    let bitscale = fakes.current_key(Provider::BitScale);
    let a2a = fakes.current_key(Provider::A2aMarket);
    // Neon creates the new key before revoking the old one: the demo's zero-downtime rotation.
    let neon = fakes.current_key(Provider::Neon);
    let home = root.join("home");
    let config = root.join("config");
    for d in [&home, &config, &root.join("data"), &root.join("cache")] {
        std::fs::create_dir_all(d)?;
    }
    let write = |path: PathBuf, text: String| -> std::io::Result<()> {
        std::fs::create_dir_all(path.parent().expect("a parent"))?;
        std::fs::write(path, text)
    };
    write(
        config.join("Claude/claude_desktop_config.json"),
        format!(
            r#"{{
  "mcpServers": {{
    "bitscale": {{
      "command": "uvx",
      "args": ["bitscale-mcp"],
      "env": {{ "BITSCALE_API_KEY": "{bitscale}" }}
    }},
    "a2a-market": {{
      "command": "npx",
      "args": ["-y", "@a2amarket/mcp"],
      "env": {{ "A2AMARKET_API_KEY": "{a2a}", "A2AMARKET_BASE_URL": "{url}" }}
    }}
  }}
}}
"#,
            url = fakes.url
        ),
    )?;
    write(
        home.join(".cursor/mcp.json"),
        format!(
            r#"{{
  "mcpServers": {{
    "bitscale": {{
      "command": "uvx",
      "args": ["bitscale-mcp"],
      "env": {{ "BITSCALE_API_KEY": "{bitscale}" }}
    }},
    "neon": {{
      "command": "npx",
      "args": ["-y", "@neondatabase/mcp-server-neon", "start"],
      "env": {{ "NEON_API_KEY": "{neon}" }}
    }}
  }}
}}
"#
        ),
    )?;
    Ok(Demo {
        root: root.to_path_buf(),
        fakes,
    })
}

/// Link the sample keys to the fakes (run once the process environment points into the demo root).
pub fn link(demo: &Demo) -> Result<(), rekey::Error> {
    let ctx = rekey::context::Context::from_os()?;
    let report = ctx.scan()?;
    let links = rekey::rotation::store::Links::new(&ctx.data_dir);
    for c in &report.credentials {
        let Some(provider) = c.provider else { continue };
        let base_url = match provider {
            "neon" => demo.fakes.base_url(Provider::Neon),
            _ => demo.fakes.url.clone(),
        };
        let mut link = rekey::providers::Link {
            provider: provider.to_string(),
            base_url: Some(base_url),
            account: None,
            ids: Default::default(),
        };
        if provider == "a2a-market" {
            link.ids.insert("agent_id".into(), "agt_demo_0001".into());
        }
        if provider == "neon" {
            let id = demo.fakes.state(|s| s.neon.key_id.clone());
            link.ids.insert("key_id".into(), id);
        }
        links
            .set(&c.id, link)
            .map_err(|e| rekey::Error::io(&ctx.data_dir, e))?;
    }
    Ok(())
}

/// Remove what the demo left: every keychain entry it may have written, and its throwaway home.
///
/// The keychain cannot list a service's entries through the `keyring` API, so the names are rebuilt from
/// what the demo's data dir remembers (links, journal, audit, in whatever JSON shape they are) and from
/// every provider: `admin:<provider>:<account>` for the default account and every account a link names,
/// `credential:<id>` for every credential and new credential, `rotation:<id>` for every rotation.
/// Best effort: a missing entry or a refusing keychain is ignored.
pub fn clean_up(root: &Path) {
    let vault = rekey::vault::Vault::with_service(KEYCHAIN_SERVICE);
    for account in keychain_accounts(&root.join("data/rekey")) {
        let _ = vault.delete(&account);
    }
    let _ = std::fs::remove_dir_all(root);
}

/// The keychain account names the demo may have used, from the files in its data dir.
fn keychain_accounts(data_dir: &Path) -> std::collections::BTreeSet<String> {
    let mut found = Found::default();
    let mut dirs = vec![data_dir.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let path = e.path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            // A JSON document, or JSON lines (the audit log).
            match serde_json::from_str::<serde_json::Value>(&text) {
                Ok(v) => found.walk(&v, None),
                Err(_) => text
                    .lines()
                    .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
                    .for_each(|v| found.walk(&v, None)),
            }
        }
    }
    let mut accounts = std::collections::BTreeSet::new();
    found.admin_accounts.insert("default".into());
    for p in rekey::providers::all() {
        for a in &found.admin_accounts {
            accounts.insert(rekey::rotation::admin_account(p.id(), Some(a)));
        }
    }
    for c in &found.credentials {
        accounts.insert(rekey::rotation::credential_account(c));
    }
    // Protected keys: `protected.json` is keyed by reference id; each has its keychain entry `ref:<id>`.
    if let Ok(text) = std::fs::read_to_string(data_dir.join("protected.json")) {
        if let Ok(serde_json::Value::Object(map)) = serde_json::from_str(&text) {
            accounts.extend(map.keys().map(|id| rekey::protect::account_of(id)));
        }
    }
    for r in &found.rotations {
        accounts.insert(rekey::rotation::rotation_account(r));
        // A create-then-revoke rotation keeps the old key beside the new one until it is revoked.
        accounts.insert(rekey::rotation::old_account(r));
    }
    accounts
}

#[derive(Default)]
struct Found {
    credentials: std::collections::BTreeSet<String>,
    rotations: std::collections::BTreeSet<String>,
    admin_accounts: std::collections::BTreeSet<String>,
}

impl Found {
    fn walk(&mut self, v: &serde_json::Value, key: Option<&str>) {
        match v {
            serde_json::Value::String(s) if !s.is_empty() => match key {
                Some("credential" | "new_credential") => {
                    self.credentials.insert(s.clone());
                }
                Some("rotation" | "id") => {
                    self.rotations.insert(s.clone());
                }
                Some("account") => {
                    self.admin_accounts.insert(s.clone());
                }
                _ => {}
            },
            serde_json::Value::Object(map) => {
                for (k, v) in map {
                    // The links file is keyed by credential id.
                    if v.get("provider").is_some() {
                        self.credentials.insert(k.clone());
                    }
                    self.walk(v, Some(k));
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| self.walk(v, key)),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_home_has_sample_configs_whose_keys_the_fakes_accept() {
        let root = tempfile::tempdir().unwrap();
        let demo = prepare(root.path()).unwrap();
        let claude =
            std::fs::read_to_string(root.path().join("config/Claude/claude_desktop_config.json"))
                .unwrap();
        let cursor = std::fs::read_to_string(root.path().join("home/.cursor/mcp.json")).unwrap();
        let key = demo.fakes.current_key(Provider::BitScale);
        assert!(claude.contains(&key) && cursor.contains(&key));
        assert!(claude.contains(&demo.fakes.current_key(Provider::A2aMarket)));
        assert!(cursor.contains(&demo.fakes.current_key(Provider::Neon)));
        // Both are valid JSON (Claude Desktop's file is strict JSON).
        serde_json::from_str::<serde_json::Value>(&claude).unwrap();
        serde_json::from_str::<serde_json::Value>(&cursor).unwrap();
        let vars = env_for(root.path());
        assert!(vars.iter().all(|(_, p)| p.starts_with(root.path())));
    }

    #[test]
    fn clean_up_names_every_entry_the_demo_may_have_written() {
        let root = tempfile::tempdir().unwrap();
        let data = root.path().join("data/rekey");
        std::fs::create_dir_all(data.join("journal")).unwrap();
        std::fs::write(
            data.join("links.json"),
            r#"{"cred_a": {"provider": "fruxon", "account": "work", "ids": {}}}"#,
        )
        .unwrap();
        std::fs::write(
            data.join("audit.jsonl"),
            "{\"rotation\": \"r1\", \"credential\": \"cred_a\", \"new_credential\": \"cred_b\"}\n",
        )
        .unwrap();
        std::fs::write(
            data.join("journal/r2.json"),
            r#"{"id": "r2", "credential": "cred_c", "new_credential": null}"#,
        )
        .unwrap();
        std::fs::write(
            data.join("protected.json"),
            r#"{"bitscale-1a2b3c": {"credential": "cred_a", "masked": "bs_l…wxyz"}}"#,
        )
        .unwrap();
        let names = keychain_accounts(&data);
        for want in [
            "admin:fruxon:default",
            "admin:fruxon:work",
            "admin:cloudflare-access:work",
            "admin:activepieces:default",
            "credential:cred_a",
            "credential:cred_b",
            "credential:cred_c",
            "rotation:r1",
            "rotation:r2",
            "rotation:r2:old",
            "ref:bitscale-1a2b3c",
        ] {
            assert!(names.contains(want), "{want} missing from {names:?}");
        }
    }
}
