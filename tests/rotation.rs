//! Rotation end to end through the `rekey` CLI: fake providers over HTTP, configs in a temp HOME
//! (Claude Desktop and Cursor), the new key in the real Secret Service, verification, audit, recovery
//! after SIGKILL at each step, and no secret where it must not be.
mod common;
use common::*;
use rekey_fakes::{FakeProviders, Provider as P};
use serde_json::Value;
use std::process::{Output, Stdio};

fn run(home: &TempHome, args: &[&str], stdin: &str, envs: &[(&str, &str)]) -> Output {
    let mut cmd = rekey();
    home.apply(&mut cmd);
    cmd.env("REKEY_HTTP_TIMEOUT_MS", "3000");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    spawn_with_stdin(cmd.args(args), stdin)
        .wait_with_output()
        .unwrap()
}

fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Configs using the provider's key in its real shape, in Claude Desktop and Cursor.
fn configs(f: &FakeProviders, p: P, home: &TempHome) -> (String, Option<String>) {
    let (key, admin) = f.state(|s| match p {
        P::BitScale => (s.bitscale_key.clone(), None),
        P::A2aMarket => (s.a2a_key.clone(), None),
        P::CloudflareAccess => (s.cf.client_secret.clone(), Some(s.cf_api_token.clone())),
        P::Fruxon => (s.fruxon_key.clone(), Some(s.fruxon_jwt.clone())),
        P::Activepieces => (s.ap_token.clone(), Some(s.ap_platform_key.clone())),
    });
    let url = f.url.clone();
    let (claude, cursor) = match p {
        P::BitScale => (
            format!(r#"{{"mcpServers": {{"bitscale": {{"command": "uvx", "args": ["bitscale-mcp"], "env": {{"BITSCALE_API_KEY": "{key}"}}}}}}}}"#),
            format!("{{\n  // BitScale\n  \"mcpServers\": {{\"bitscale\": {{\"command\": \"uvx\", \"args\": [\"bitscale-mcp\"], \"env\": {{\"BITSCALE_API_KEY\": \"{key}\"}}}}}}\n}}\n"),
        ),
        P::A2aMarket => (
            format!(r#"{{"mcpServers": {{"a2amarket": {{"command": "npx", "args": ["-y", "@hz-abyssal-heart/a2amarket-mcp-server"], "env": {{"A2AMARKET_API_KEY": "{key}", "A2AMARKET_BASE_URL": "{url}"}}}}}}}}"#),
            format!(r#"{{"mcpServers": {{"a2amarket": {{"command": "npx", "env": {{"A2AMARKET_API_KEY": "{key}"}}}}}}}}"#),
        ),
        P::CloudflareAccess => (
            format!(r#"{{"mcpServers": {{"internal": {{"command": "npx", "args": ["mcp-remote", "https://mcp.internal.example.com/mcp", "--header", "CF-Access-Client-Id:${{CF_ID}}", "--header", "CF-Access-Client-Secret:${{CF_SECRET}}"], "env": {{"CF_ID": "x.access", "CF_SECRET": "{key}"}}}}}}}}"#),
            format!(r#"{{"mcpServers": {{"internal": {{"url": "{url}/cf-app/mcp", "headers": {{"CF-Access-Client-Id": "{cid}", "CF-Access-Client-Secret": "{key}"}}}}}}}}"#, cid = f.state(|s| s.cf.client_id.clone())),
        ),
        P::Fruxon => (
            format!(r#"{{"mcpServers": {{"fruxon": {{"command": "npx", "args": ["mcp-remote", "https://api.fruxon.com/v1/tenants/acme/integrations/int_0001/mcp:call", "--header", "X-API-KEY:{key}"]}}}}}}"#),
            format!(r#"{{"mcpServers": {{"fruxon": {{"url": "{url}/v1/tenants/acme/integrations/int_0001/mcp:call", "headers": {{"X-API-KEY": "{key}"}}}}}}}}"#),
        ),
        P::Activepieces => (
            format!(r#"{{"mcpServers": {{"activepieces": {{"command": "npx", "args": ["-y", "mcp-remote", "https://cloud.activepieces.com/api/v1/mcp/{key}/sse"]}}}}}}"#),
            format!(r#"{{"mcpServers": {{"activepieces": {{"url": "https://cloud.activepieces.com/api/v1/mcp/{key}/sse"}}}}}}"#),
        ),
    };
    home.write("config/Claude/claude_desktop_config.json", &claude);
    home.write("home/.cursor/mcp.json", &cursor);
    (key, admin)
}

fn link_args(f: &FakeProviders, p: P) -> Vec<String> {
    let mut a: Vec<String> = vec!["--base-url".into(), f.base_url(p)];
    let kv = f.state(|s| match p {
        P::BitScale => vec![],
        P::A2aMarket => vec![("--agent-id", s.a2a_agent_id.clone())],
        P::CloudflareAccess => vec![
            ("--account-id", s.cf.account_id.clone()),
            ("--token-id", s.cf.token_id.clone()),
            ("--client-id", s.cf.client_id.clone()),
            ("--app-url", format!("{}/cf-app/", f.url)),
        ],
        P::Fruxon => vec![
            ("--tenant", s.fruxon_tenant.clone()),
            ("--integration", s.fruxon_integration.clone()),
        ],
        P::Activepieces => vec![("--server-id", s.ap_server_id.clone())],
    });
    for (k, v) in kv {
        a.push(k.into());
        a.push(v);
    }
    a
}

/// Fakes, a temp home whose Claude Desktop and Cursor configs hold BitScale's key, linked to the fake:
/// (fakes, home, the key, its credential id).
fn linked_bitscale() -> (FakeProviders, TempHome, String, String) {
    let f = FakeProviders::start().unwrap();
    let home = TempHome::new();
    let (old, _) = configs(&f, P::BitScale, &home);
    let cred = credential_of(&home, &old[..4]);
    link(&f, &home, P::BitScale, &cred);
    (f, home, old, cred)
}

/// `rekey link <cred> --provider … <ids>`; returns its output.
fn link(f: &FakeProviders, home: &TempHome, p: P, cred: &str) -> String {
    let mut args = vec![
        "link".to_string(),
        cred.to_string(),
        "--provider".into(),
        provider_id(p).into(),
    ];
    args.extend(link_args(f, p));
    ok(&run(
        home,
        &args.iter().map(String::as_str).collect::<Vec<_>>(),
        "",
        &[],
    ))
}

fn provider_id(p: P) -> &'static str {
    match p {
        P::BitScale => "bitscale",
        P::A2aMarket => "a2a-market",
        P::CloudflareAccess => "cloudflare-access",
        P::Fruxon => "fruxon",
        P::Activepieces => "activepieces",
    }
}

fn credential_of(home: &TempHome, key_masked_prefix: &str) -> String {
    let v: Value = serde_json::from_str(&ok(&run(home, &["scan", "--json"], "", &[]))).unwrap();
    let creds = v["credentials"].as_array().unwrap();
    let c = creds
        .iter()
        .find(|c| c["masked"].as_str().unwrap().starts_with(key_masked_prefix))
        .unwrap_or_else(|| panic!("no credential {key_masked_prefix}…: {creds:?}"));
    c["id"].as_str().unwrap().to_string()
}

fn secret_tool(account: &str) -> Option<String> {
    let o = std::process::Command::new("secret-tool")
        .args(["lookup", "service", "rekey", "username", account])
        .output()
        .unwrap();
    o.status
        .success()
        .then(|| String::from_utf8(o.stdout).unwrap())
}

/// Every file under the data dir except the backups themselves (which are copies of configs).
fn data_files(home: &TempHome) -> Vec<(std::path::PathBuf, String)> {
    fn walk(d: &std::path::Path, out: &mut Vec<(std::path::PathBuf, String)>) {
        for e in std::fs::read_dir(d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if !p.parent().unwrap().ends_with("backups") || p.ends_with("index.json") {
                out.push((
                    p.clone(),
                    String::from_utf8_lossy(&std::fs::read(&p).unwrap()).into_owned(),
                ));
            }
        }
    }
    let mut v = Vec::new();
    walk(&home.dir.path().join("data/rekey"), &mut v);
    v
}

#[test]
fn each_provider_rotates_end_to_end_through_the_cli() {
    if !keyring_tests_enabled("each_provider_rotates_end_to_end_through_the_cli") {
        return;
    }
    for p in [
        P::BitScale,
        P::A2aMarket,
        P::CloudflareAccess,
        P::Fruxon,
        P::Activepieces,
    ] {
        let f = FakeProviders::start().unwrap();
        let home = TempHome::new();
        let (old, admin) = configs(&f, p, &home);
        let cred = credential_of(&home, &old[..4]);
        let pid = provider_id(p);
        let mut outputs = String::new();
        if let Some(a) = &admin {
            outputs += &ok(&run(&home, &["login", pid], &format!("{a}\n"), &[]));
        }
        outputs += &link(&f, &home, p, &cred);
        outputs += &ok(&run(&home, &["plan", &cred], "", &[]));
        let out = ok(&run(&home, &["rotate", &cred, "--yes", "--json"], "", &[]));
        outputs += &out;
        let o: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(o["step"], "verified", "{p:?}: {o}");
        let new = f.current_key(p);
        assert_ne!(new, old);
        assert_eq!(f.rotations(p), 1, "{p:?}");
        for file in [
            "config/Claude/claude_desktop_config.json",
            "home/.cursor/mcp.json",
        ] {
            let text = std::fs::read_to_string(home.dir.path().join(file)).unwrap();
            assert!(
                text.contains(&new) && !text.contains(&old),
                "{p:?} {file}: {text}"
            );
        }
        // The new key is in the real Secret Service, under the new credential id.
        let new_id = o["new_credential"].as_str().unwrap();
        assert_eq!(
            secret_tool(&format!("credential:{new_id}")).as_deref(),
            Some(new.as_str()),
            "{p:?}"
        );
        // Verify now passes with the new id; the link moved along.
        outputs += &ok(&run(&home, &["verify", new_id], "", &[]));
        // History has the entry, with no secret.
        let hist = ok(&run(&home, &["history", "--json"], "", &[]));
        let h: Value = serde_json::from_str(&hist).unwrap();
        assert_eq!(h.as_array().unwrap().len(), 1);
        assert_eq!(h[0]["outcome"], "verified");
        outputs += &hist;
        // No secret in any output or Rekey file.
        for s in [Some(old.as_str()), Some(new.as_str()), admin.as_deref()]
            .into_iter()
            .flatten()
        {
            assert!(!outputs.contains(s), "{p:?}: a secret in the CLI output");
            for (path, text) in data_files(&home) {
                assert!(!text.contains(s), "{p:?}: a secret in {}", path.display());
            }
        }
    }
}

#[test]
fn a_refused_rotation_changes_no_config_and_is_audited() {
    if !keyring_tests_enabled("a_refused_rotation_changes_no_config_and_is_audited") {
        return;
    }
    let (f, home, old, cred) = linked_bitscale();
    let before = std::fs::read_to_string(home.dir.path().join("home/.cursor/mcp.json")).unwrap();
    for (fault, code_word) in [
        (rekey_fakes::Fault::Status(401), "401"),
        (rekey_fakes::Fault::RateLimited(9), "retry after 9 s"),
        (rekey_fakes::Fault::DropAfterCommit, "may or may not"),
    ] {
        f.set_fault(P::BitScale, fault.clone());
        let o = run(&home, &["rotate", &cred, "--yes"], "", &[]);
        assert_eq!(o.status.code(), Some(1), "{fault:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(code_word), "{fault:?}: {err}");
        assert!(!err.contains(&old));
        if fault == rekey_fakes::Fault::DropAfterCommit {
            break; // the key is now rotated at the fake; the configs still hold the old one, as they must
        }
        assert_eq!(
            std::fs::read_to_string(home.dir.path().join("home/.cursor/mcp.json")).unwrap(),
            before,
            "{fault:?}"
        );
    }
    assert_eq!(
        std::fs::read_to_string(home.dir.path().join("home/.cursor/mcp.json")).unwrap(),
        before
    );
    let h: Value = serde_json::from_str(&ok(&run(&home, &["history", "--json"], "", &[]))).unwrap();
    let outcomes: Vec<&str> = h
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["failed", "failed", "unknown"]);
}

#[test]
fn a_rotation_killed_at_any_step_is_finished_or_explained_by_recover() {
    if !keyring_tests_enabled("a_rotation_killed_at_any_step_is_finished_or_explained_by_recover") {
        return;
    }
    for step in ["journaled", "held", "written"] {
        let (f, home, old, cred) = linked_bitscale();

        let pause = tempfile::tempdir().unwrap();
        let mut cmd = rekey();
        home.apply(&mut cmd);
        cmd.env("REKEY_TEST_PAUSE_AFTER", step)
            .env("REKEY_TEST_PAUSE_DIR", pause.path());
        let mut child = cmd
            .args(["rotate", &cred, "--yes"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while !pause.path().join("paused").exists() {
            assert!(
                std::time::Instant::now() < deadline && child.try_wait().unwrap().is_none(),
                "{step}: never paused"
            );
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();

        let rec = ok(&run(&home, &["recover", "--json"], "", &[]));
        let r: Value = serde_json::from_str(&rec).unwrap();
        let cursor =
            std::fs::read_to_string(home.dir.path().join("home/.cursor/mcp.json")).unwrap();
        let claude = std::fs::read_to_string(
            home.dir
                .path()
                .join("config/Claude/claude_desktop_config.json"),
        )
        .unwrap();
        if step == "journaled" {
            // Killed before the call: nothing rotated, nothing retried; the user is told how to check.
            assert_eq!(f.rotations(P::BitScale), 0);
            assert_eq!(r[0]["step"], "unknown", "{rec}");
            assert!(
                r[0]["message"].as_str().unwrap().contains("rekey verify"),
                "{rec}"
            );
            assert!(cursor.contains(&old) && claude.contains(&old));
        } else {
            let new = f.current_key(P::BitScale);
            assert_eq!(
                f.rotations(P::BitScale),
                1,
                "{step}: recovery never calls rotate again"
            );
            assert_eq!(r[0]["step"], "verified", "{step}: {rec}");
            assert!(
                cursor.contains(&new) && claude.contains(&new),
                "{step}: every config holds the new key"
            );
            assert!(!cursor.contains(&old) && !claude.contains(&old), "{step}");
        }
        // Nothing left to recover.
        let again: Value =
            serde_json::from_str(&ok(&run(&home, &["recover", "--json"], "", &[]))).unwrap();
        assert!(again.as_array().unwrap().is_empty(), "{step}: {again}");
    }
}

#[test]
fn without_a_usable_keychain_nothing_irreversible_happens() {
    // No Secret Service at all: preflight must refuse before calling the provider.
    let (f, home, old, cred) = linked_bitscale();
    let no_bus = [(
        "DBUS_SESSION_BUS_ADDRESS",
        "unix:path=/nonexistent/rekey-test-bus",
    )];
    let o = run(&home, &["rotate", &cred, "--yes"], "", &no_bus);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("preflight failed") && err.contains("keychain"),
        "{err}"
    );
    assert_eq!(f.rotations(P::BitScale), 0, "the provider was called");
    assert!(
        f.state(|s| s.seen.is_empty()),
        "a request reached the provider"
    );
    assert!(
        std::fs::read_to_string(home.dir.path().join("home/.cursor/mcp.json"))
            .unwrap()
            .contains(&old)
    );
    // Without --yes and without a terminal, nothing happens either.
    let o = run(&home, &["rotate", &cred], "", &no_bus);
    assert_ne!(o.status.code(), Some(0));
    assert_eq!(f.rotations(P::BitScale), 0);
}

#[test]
fn when_the_keychain_refuses_the_new_key_it_is_shown_once_and_no_config_changes() {
    if !keyring_tests_enabled(
        "when_the_keychain_refuses_the_new_key_it_is_shown_once_and_no_config_changes",
    ) {
        return;
    }
    let (f, home, _, cred) = linked_bitscale();
    let before = std::fs::read_to_string(home.dir.path().join("home/.cursor/mcp.json")).unwrap();
    let o = run(
        &home,
        &["rotate", &cred, "--yes"],
        "",
        &[("REKEY_TEST_CRASH_AFTER", "before-keychain-store")],
    );
    assert_eq!(o.status.code(), Some(1));
    let new = f.current_key(P::BitScale);
    let stdout = String::from_utf8_lossy(&o.stdout);
    let stderr = String::from_utf8_lossy(&o.stderr);
    // Shown exactly once, on stdout, with a clear warning on stderr.
    assert_eq!(stdout.matches(&new).count(), 1, "{stdout}");
    assert!(!stderr.contains(&new));
    assert!(
        stderr.contains("keychain could not store the new key"),
        "{stderr}"
    );
    // No config touched; the journal and audit say it was shown, without the key.
    assert_eq!(
        std::fs::read_to_string(home.dir.path().join("home/.cursor/mcp.json")).unwrap(),
        before
    );
    let h: Value = serde_json::from_str(&ok(&run(&home, &["history", "--json"], "", &[]))).unwrap();
    assert_eq!(h[0]["outcome"], "shown");
    for (path, text) in data_files(&home) {
        assert!(!text.contains(&new), "the new key in {}", path.display());
    }
    // Recovery has nothing to redo (the key is with the user now).
    let r: Value = serde_json::from_str(&ok(&run(&home, &["recover", "--json"], "", &[]))).unwrap();
    assert!(r.as_array().unwrap().is_empty());
}

#[test]
fn a_remote_mcp_server_that_refuses_the_new_key_fails_verification() {
    if !keyring_tests_enabled("a_remote_mcp_server_that_refuses_the_new_key_fails_verification") {
        return;
    }
    let f = FakeProviders::start().unwrap();
    let home = TempHome::new();
    let (old, admin) = configs(&f, P::Fruxon, &home);
    // The Cursor entry points at a URL with no MCP server behind it.
    let cursor = home.dir.path().join("home/.cursor/mcp.json");
    let text = std::fs::read_to_string(&cursor)
        .unwrap()
        .replace("/mcp:call", "/no-such-mcp");
    std::fs::write(&cursor, text).unwrap();
    let cred = credential_of(&home, &old[..4]);
    ok(&run(
        &home,
        &["login", "fruxon"],
        &format!("{}\n", admin.unwrap()),
        &[],
    ));
    link(&f, &home, P::Fruxon, &cred);
    let o = run(&home, &["rotate", &cred, "--yes", "--json"], "", &[]);
    assert_eq!(
        o.status.code(),
        Some(5),
        "rotated and written, but not verified"
    );
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["step"], "verify-failed");
    let msg = v["verify_error"].as_str().unwrap();
    assert!(
        msg.contains("MCP handshake with server 'fruxon'") && msg.contains("404"),
        "{msg}"
    );
    // The key was still rotated, kept and written: nothing is lost.
    let new = f.current_key(P::Fruxon);
    assert!(std::fs::read_to_string(&cursor).unwrap().contains(&new));
}

#[test]
fn the_tray_offers_each_linked_key() {
    let (f, home, old, cred) = linked_bitscale();
    drop(f);
    // The engine call the app's tray uses, with the temp home's dirs.
    let env = rekey::clients::Env {
        platform: rekey::clients::Platform::Linux,
        home: home.home(),
        config_dir: home.config(),
        local_data_dir: None,
        xdg_config_home: Some(home.config()),
        claude_config_dir: None,
        codex_home: None,
        cline_mcp_settings_path: None,
    };
    let ctx = rekey::context::Context {
        env,
        data_dir: home.dir.path().join("data/rekey"),
        settings: Default::default(),
    };
    let entries = rekey::rotation::tray_entries(&ctx).unwrap();
    assert_eq!(
        entries,
        [(
            cred.clone(),
            format!("Rotate BitScale key ({})…", rekey::secret::mask(&old))
        )]
    );
}
