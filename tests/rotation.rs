//! Rotation end to end through the `rekey` CLI: fake providers over HTTP, configs in a temp HOME
//! (Claude Desktop and Cursor), the new key in the real Secret Service, verification, audit, recovery
//! after SIGKILL at each step, and no secret where it must not be.
mod common;
use common::fixture::*;
use common::*;
use rekey_fakes::{FakeProviders, Provider as P};
use serde_json::Value;
use std::process::Stdio;

#[test]
#[ignore = "needs ./dev test: the private Secret Service"]
fn each_provider_rotates_end_to_end_through_the_cli() {
    require_keyring();
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
        // The new key is in the real Secret Service, under the rotation's account.
        let new_id = o["new_credential"].as_str().unwrap();
        assert_eq!(
            secret_tool(&format!("rotation:{}", o["rotation"].as_str().unwrap())).as_deref(),
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
#[ignore = "needs ./dev test: the private Secret Service"]
fn a_refused_rotation_changes_no_config_and_is_audited() {
    require_keyring();
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
#[ignore = "needs ./dev test: the private Secret Service"]
fn a_rotation_killed_at_any_step_is_finished_or_explained_by_recover() {
    require_keyring();
    // "stored": the new key is in the keychain, the journal does not name its credential yet.
    for step in ["journaled", "stored", "held", "written"] {
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
#[ignore = "needs ./dev test: the private Secret Service"]
fn when_the_keychain_refuses_the_new_key_it_is_shown_once_and_no_config_changes() {
    require_keyring();
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
#[ignore = "needs ./dev test: the private Secret Service"]
fn a_remote_mcp_server_that_refuses_the_new_key_fails_verification() {
    require_keyring();
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
        copilot_home: None,
    };
    let ctx = rekey::context::Context {
        env,
        data_dir: home.dir.path().join("data/rekey"),
        settings: Default::default(),
        scan_cache: Default::default(),
    };
    let entries = rekey::rotation::tray_entries(&ctx).unwrap();
    assert_eq!(
        entries,
        [(
            cred.clone(),
            format!(
                "Rotate BitScale key ({}…{})…",
                &old[..4],
                &old[old.len() - 4..]
            )
        )]
    );
}
