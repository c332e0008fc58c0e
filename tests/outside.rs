//! Secrets kept outside the config files (Claude Desktop extension settings, Claude Code's plugin secrets
//! in `.credentials.json`, Gemini CLI extension settings): what `scan` reports, what a rotation's plan
//! says to "also update", and that Claude Code's login tokens in `.credentials.json` reach nothing.
mod common;
use common::fixture::*;
use common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/outside");
/// Pieces of the fake login tokens in the `.credentials.json` fixture: none may appear anywhere.
const OAUTH_PIECES: &[&str] = &[
    "sk-ant-oat01",
    "sk-ant-ort01",
    "FAKEACCESSTOKEN",
    "FAKEREFRESHTOKEN",
    "doNotLeak",
    "A1b2C3d4",
    "Z9y8X7w6",
    "claudeAiOauth",
    "subscriptionType",
];

fn fixture(name: &str, key: &str) -> String {
    std::fs::read_to_string(Path::new(FIXTURES).join(name))
        .unwrap()
        .replace("{{KEY}}", key)
}

/// Write every outside-the-config fixture into `home` with `key` as the provider's key; returns the
/// `.credentials.json` path.
fn install_outside_fixtures(home: &TempHome, key: &str) -> PathBuf {
    let ext_dir = "config/Claude/Claude Extensions Settings";
    home.write(
        format!("{ext_dir}/io.example.plain.json"),
        &fixture("claude-desktop__extension-settings__plain.json", key),
    );
    home.write(
        format!("{ext_dir}/io.bitscale.mcp.json"),
        &fixture("claude-desktop__extension-settings__encrypted.json", key),
    );
    home.write(
        "home/.gemini/extensions/bitscale/gemini-extension.json",
        &fixture("gemini-cli__extension__settings.json", key),
    );
    home.write(
        "home/.gemini/extensions/bitscale/.env",
        &fixture("gemini-cli__extension__settings.env", key),
    );
    home.write(
        "home/.claude/.credentials.json",
        &fixture(
            "claude-code__credentials__oauth-and-plugin-secrets.json",
            key,
        ),
    )
}

/// Every file under Rekey's data dir, backups included.
fn all_data_files(home: &TempHome) -> Vec<(PathBuf, String)> {
    fn walk(d: &Path, out: &mut Vec<(PathBuf, String)>) {
        for e in std::fs::read_dir(d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else {
                let text = String::from_utf8_lossy(&std::fs::read(&p).unwrap()).into_owned();
                out.push((p, text));
            }
        }
    }
    let mut v = Vec::new();
    walk(&home.dir.path().join("data/rekey"), &mut v);
    v
}

fn assert_no_oauth(what: &str, text: &str) {
    for piece in OAUTH_PIECES {
        assert!(
            !text.contains(piece),
            "{what}: holds part of the login tokens ({piece})"
        );
    }
}

#[test]
fn scan_reports_what_is_held_elsewhere_and_never_the_login_tokens() {
    let home = TempHome::new();
    let key = "sk-live-outsideScan0123456789abcd";
    home.write(
        "config/Claude/claude_desktop_config.json",
        &format!(
            r#"{{"mcpServers": {{"bitscale": {{"command": "uvx", "env": {{"BITSCALE_API_KEY": "{key}"}}}}}}}}"#
        ),
    );
    let creds = install_outside_fixtures(&home, key);
    let creds_before = std::fs::read(&creds).unwrap();

    let json_out = ok(&run(&home, &["scan", "--json"], "", &[]));
    let text_out = ok(&run(&home, &["scan"], "", &[]));
    let clients_out = ok(&run(&home, &["clients"], "", &[]));
    let v: Value = serde_json::from_str(&json_out).unwrap();

    // The config and the plain extension value are one credential, with two rewritable slots.
    let creds_list = v["credentials"].as_array().unwrap();
    assert_eq!(creds_list.len(), 1, "{creds_list:?}");
    let cred = creds_list[0]["id"].as_str().unwrap();
    assert_eq!(creds_list[0]["usages"], 2);
    let files = v["files"].as_array().unwrap();
    let plain = files
        .iter()
        .find(|f| f["variant"] == "extension io.example.plain")
        .expect("the plain extension settings file is scanned");
    assert_eq!(plain["client"], "claude-desktop");
    let slot = &plain["servers"][0]["slots"][0];
    assert_eq!(plain["servers"][0]["name"], "io.example.plain");
    assert_eq!(slot["location"], "userConfig.api_key");
    assert_eq!(slot["state"], "secret");
    assert_eq!(slot["credential"], cred);
    assert_eq!(plain["servers"][0]["slots"].as_array().unwrap().len(), 1);
    // The encrypted one is a reference, never a credential.
    let enc = files
        .iter()
        .find(|f| f["variant"] == "extension io.bitscale.mcp")
        .unwrap();
    let slot = &enc["servers"][0]["slots"][0];
    assert_eq!(slot["state"], "reference");
    assert_eq!(
        slot["lives_in"],
        "Claude Desktop's encrypted extension settings (Settings > Extensions > io.bitscale.mcp)"
    );
    assert!(slot.get("credential").is_none());
    assert_eq!(slot["provider"], "bitscale");
    // Nothing of .credentials.json is a file of the scan.
    assert!(files
        .iter()
        .all(|f| !f["path"].as_str().unwrap().ends_with(".credentials.json")));

    let held = v["held_elsewhere"].as_array().unwrap();
    let by_source = |s: &str| {
        held.iter()
            .find(|h| h["source"].as_str().unwrap().starts_with(s))
            .unwrap_or_else(|| panic!("no {s} in {held:?}"))
    };
    let plugin = by_source("Claude Code plugin bitscale@featherflow, option api_key");
    assert_eq!(plugin["client"], "claude-code");
    assert_eq!(plugin["credential"], cred, "matched to its credential id");
    assert!(
        plugin.get("masked").is_none(),
        "nothing from .credentials.json is masked"
    );
    assert_eq!(plugin["provider"], "bitscale");
    assert!(plugin["update"].as_str().unwrap().contains("/plugin"));
    let encrypted = by_source("Claude Desktop extension io.bitscale.mcp");
    assert!(encrypted.get("credential").is_none());
    assert_eq!(encrypted["provider"], "bitscale");
    let gemini_key = by_source("Gemini CLI extension bitscale, setting API Key");
    assert!(gemini_key["lives_in"]
        .as_str()
        .unwrap()
        .contains("keychain"));
    assert!(gemini_key.get("credential").is_none());
    let gemini_env = by_source("Gemini CLI extension bitscale, BITSCALE_WEBHOOK_TOKEN");
    assert_eq!(gemini_env["masked"], "whk_…0123");
    assert!(gemini_env["credential"]
        .as_str()
        .unwrap()
        .starts_with("cred_"));
    assert_eq!(held.len(), 4, "{held:?}");

    // The text output lists them too.
    assert!(text_out.contains("held elsewhere"), "{text_out}");
    assert!(text_out.contains("Claude Code plugin bitscale@featherflow, option api_key"));
    assert!(text_out.contains("Settings > Extensions > io.bitscale.mcp"));
    assert!(clients_out.contains("Claude Extensions Settings/io.bitscale.mcp.json"));

    for (what, text) in [
        ("scan --json", &json_out),
        ("scan", &text_out),
        ("clients", &clients_out),
    ] {
        assert_no_oauth(what, text);
        assert!(!text.contains(key), "{what}: holds the key");
        assert!(!text.contains("whk_live_0123456789abcdef0123"));
    }
    for (path, text) in all_data_files(&home) {
        assert_no_oauth(&path.display().to_string(), &text);
    }
    assert_eq!(std::fs::read(&creds).unwrap(), creds_before);
}

#[test]
#[ignore = "needs ./dev test: the private Secret Service"]
fn a_rotation_says_also_update_it_where_rekey_cannot_write() {
    require_keyring();
    let (f, home, old, cred) = {
        // The configs and the extension/plugin copies must exist before the credential is linked.
        let f = rekey_fakes::FakeProviders::start().unwrap();
        let home = TempHome::new();
        let (old, _) = configs(&f, rekey_fakes::Provider::BitScale, &home);
        install_outside_fixtures(&home, &old);
        let cred = credential_of(&home, &old[..4]);
        link(&f, &home, rekey_fakes::Provider::BitScale, &cred);
        (f, home, old, cred)
    };
    let creds = home.dir.path().join("home/.claude/.credentials.json");
    let creds_bytes = std::fs::read(&creds).unwrap();
    let creds_mtime = std::fs::metadata(&creds).unwrap().modified().unwrap();
    let encrypted = home
        .dir
        .path()
        .join("config/Claude/Claude Extensions Settings/io.bitscale.mcp.json");
    let encrypted_bytes = std::fs::read(&encrypted).unwrap();

    let plan_text = ok(&run(&home, &["plan", &cred], "", &[]));
    let plan_json = ok(&run(&home, &["plan", &cred, "--json"], "", &[]));
    assert!(plan_text.contains("Also update it in"), "{plan_text}");
    assert!(plan_text
        .contains("Claude Code plugin bitscale@featherflow, option api_key: holds this key"));
    assert!(plan_text.contains(
        "Claude Desktop extension io.bitscale.mcp, setting userConfig.api_key: may hold this key"
    ));
    let p: Value = serde_json::from_str(&plan_json).unwrap();
    let also = p["also_update"].as_array().unwrap();
    let certainty = |src: &str| {
        also.iter()
            .find(|a| a["source"].as_str().unwrap().starts_with(src))
            .unwrap_or_else(|| panic!("{src} not in {also:?}"))["certainty"]
            .clone()
    };
    assert_eq!(
        certainty("Claude Code plugin bitscale@featherflow"),
        "holds"
    );
    assert_eq!(
        certainty("Claude Desktop extension io.bitscale.mcp"),
        "may-hold"
    );
    assert_eq!(
        certainty("Gemini CLI extension bitscale, setting API Key"),
        "may-hold"
    );
    assert_eq!(also.len(), 3, "{also:?}");
    // The plain extension value is an ordinary slot the rotation rewrites.
    let plan_files: Vec<&str> = p["replace"]["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert!(
        plan_files
            .iter()
            .any(|f| f.ends_with("io.example.plain.json")),
        "{plan_files:?}"
    );

    let rotate_out = ok(&run(&home, &["rotate", &cred, "--yes"], "", &[]));
    // Rekey could not write those places, and says so, but the rotation is complete.
    assert!(rotate_out.contains(": Verified"), "{rotate_out}");
    assert!(!rotate_out.contains("INCOMPLETE"));
    assert!(
        rotate_out.contains("To do: also update it in"),
        "{rotate_out}"
    );
    assert!(rotate_out.contains("Claude Code plugin bitscale@featherflow"));
    assert!(rotate_out.contains("Claude Desktop extension io.bitscale.mcp"));
    let new = f.current_key(rekey_fakes::Provider::BitScale);
    assert_ne!(new, old);
    let plain = std::fs::read_to_string(
        home.dir
            .path()
            .join("config/Claude/Claude Extensions Settings/io.example.plain.json"),
    )
    .unwrap();
    assert_eq!(
        plain,
        fixture("claude-desktop__extension-settings__plain.json", &new),
        "only the key's bytes changed"
    );

    // .credentials.json and the encrypted settings are never written.
    assert_eq!(std::fs::read(&creds).unwrap(), creds_bytes);
    assert_eq!(
        std::fs::metadata(&creds).unwrap().modified().unwrap(),
        creds_mtime
    );
    assert_eq!(std::fs::read(&encrypted).unwrap(), encrypted_bytes);

    let history = ok(&run(&home, &["history", "--json"], "", &[]));
    for (what, text) in [
        ("plan", &plan_text),
        ("plan --json", &plan_json),
        ("rotate", &rotate_out),
        ("history", &history),
    ] {
        assert_no_oauth(what, text);
        assert!(!text.contains(&old) && !text.contains(&new), "{what}");
    }
    let data = all_data_files(&home);
    assert!(
        data.iter()
            .any(|(p, _)| p.to_string_lossy().contains("backups")),
        "the backups dir is searched too"
    );
    for (path, text) in data {
        assert_no_oauth(&path.display().to_string(), &text);
        assert!(
            !path.to_string_lossy().contains("credentials"),
            "{}",
            path.display()
        );
    }
}
