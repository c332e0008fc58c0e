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

/// Write the sample configs under `root`, start the fakes, and link the sample keys to them.
/// Touches nothing outside `root` (and loopback).
pub fn prepare(root: &Path) -> std::io::Result<Demo> {
    let fakes = FakeProviders::start()?;
    let bitscale = fakes.current_key(Provider::BitScale);
    let a2a = fakes.current_key(Provider::A2aMarket);
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
        let mut link = rekey::providers::Link {
            provider: provider.to_string(),
            base_url: Some(demo.fakes.url.clone()),
            account: None,
            ids: Default::default(),
        };
        if provider == "a2a-market" {
            link.ids.insert("agent_id".into(), "agt_demo_0001".into());
        }
        links
            .set(&c.id, link)
            .map_err(|e| rekey::Error::io(&ctx.data_dir, e))?;
    }
    Ok(())
}

/// Remove what the demo left: its keychain entries and its throwaway home.
pub fn clean_up(root: &Path) {
    let vault = rekey::vault::Vault::default();
    if let Ok(audit) = std::fs::read_to_string(root.join("data/rekey/audit.jsonl")) {
        for line in audit.lines() {
            let id = serde_json::from_str::<serde_json::Value>(line)
                .ok()
                .and_then(|v| v["new_credential"].as_str().map(str::to_string));
            if let Some(id) = id {
                let _ = vault.delete(&rekey::rotation::credential_account(&id));
            }
        }
    }
    let _ = std::fs::remove_dir_all(root);
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
        // Both are valid JSON (Claude Desktop's file is strict JSON).
        serde_json::from_str::<serde_json::Value>(&claude).unwrap();
        serde_json::from_str::<serde_json::Value>(&cursor).unwrap();
        let vars = env_for(root.path());
        assert!(vars.iter().all(|(_, p)| p.starts_with(root.path())));
    }
}
