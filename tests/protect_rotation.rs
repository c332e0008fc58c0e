//! Rotating protected keys through the `rekey` CLI (real Secret Service, fakes over HTTP): a key with some
//! usages protected and some literal (mixed) rewrites the literal ones and updates the keychain entry of
//! its reference without touching the protected files; a rotation killed (SIGKILL) between the provider's
//! answer and the keychain update of the references is finished by `rekey recover`, which leaves the
//! references on the new key; a create-then-revoke rollback puts the old key back in the reference's
//! keychain entry, not only in the configs.
mod common;
use common::fixture::*;
use common::*;
use rekey_fakes::{FakeProviders, Provider as P};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const CLAUDE: &str = "config/Claude/claude_desktop_config.json";
const CURSOR: &str = "home/.cursor/mcp.json";

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap()
}

/// `rekey protect <cred> --yes --json`: the reference id it made.
fn protect(home: &TempHome, cred: &str) -> String {
    let a: Value = serde_json::from_str(&ok(&run(
        home,
        &["protect", cred, "--yes", "--json"],
        "",
        &[("PATH", "/usr/bin:/bin")],
    )))
    .unwrap();
    a["reference"].as_str().unwrap().to_string()
}

/// Start the `sh` server of `file` exactly as its client does; the sha256 of the key it got.
fn key_seen_by(home: &TempHome, file: &Path, server: &str) -> String {
    let v: Value = serde_json::from_str(&read(file)).unwrap();
    let e = &v["mcpServers"][server];
    let out = home.dir.path().join("seen");
    let mut cmd = Command::new(e["command"].as_str().unwrap());
    home.apply(&mut cmd);
    for a in e["args"].as_array().into_iter().flatten() {
        cmd.arg(a.as_str().unwrap());
    }
    for (k, val) in e["env"].as_object().into_iter().flatten() {
        cmd.env(k, val.as_str().unwrap());
    }
    cmd.env("SEEN", &out);
    let o = cmd.output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    read(&out)
}

fn sha(s: &str) -> String {
    use sha2::Digest;
    let h: String = sha2::Sha256::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("{h}  -\n")
}

/// A stdio server (sh) that records the sha256 of `$var`, in Claude Desktop.
fn claude_sh(home: &TempHome, var: &str, key: &str) -> PathBuf {
    let script = format!("printf %s \\\"${var}\\\" | sha256sum > \\\"$SEEN\\\"");
    home.write(
        CLAUDE,
        &format!("{{\n  \"mcpServers\": {{\n    \"svc\": {{\"command\": \"sh\", \"args\": [\"-c\", \"{script}\"], \"env\": {{\"{var}\": \"{key}\"}}}}\n  }}\n}}\n"),
    )
}

#[test]
#[ignore = "needs ./dev test: the private Secret Service"]
fn a_mixed_key_rewrites_its_literal_usages_and_updates_the_keychain_for_the_protected_ones() {
    require_keyring();
    let f = FakeProviders::start().unwrap();
    let home = TempHome::new();
    let key = f.state(|s| s.bitscale_key.clone());
    let claude = claude_sh(&home, "BITSCALE_API_KEY", &key);
    // A remote server the user did not choose to run through mcp-remote: it stays literal.
    let cursor = home.write(
        CURSOR,
        &format!("{{\"mcpServers\": {{\"bitscale\": {{\"url\": \"https://mcp.bitscale.ai/sse\", \"headers\": {{\"Authorization\": \"Bearer {key}\"}}}}}}}}\n"),
    );
    let cursor_before = read(&cursor);
    let cred = credential_of(&home, &key[..4]);
    let id = protect(&home, &cred);
    assert_eq!(
        read(&cursor),
        cursor_before,
        "the remote usage stays literal"
    );
    let claude_protected = read(&claude);
    assert!(claude_protected.contains(&format!("rekey://{id}")));
    let scan: Value = serde_json::from_str(&ok(&run(&home, &["scan", "--json"], "", &[]))).unwrap();
    assert_eq!(
        scan["credentials"].as_array().unwrap().len(),
        1,
        "one key: {scan}"
    );
    assert_eq!(scan["summary"]["plaintext_keys"], 1);
    assert_eq!(scan["summary"]["protected_usages"], 1);

    link(&f, &home, P::BitScale, &cred);
    let plan = ok(&run(&home, &["plan", &cred], "", &[]));
    assert!(
        plan.contains("mcp.json"),
        "the literal usage is planned: {plan}"
    );
    let o: Value = serde_json::from_str(&ok(&run(
        &home,
        &["rotate", &cred, "--yes", "--json"],
        "",
        &[],
    )))
    .unwrap();
    assert_eq!(o["step"], "verified", "{o}");
    let new = f.current_key(P::BitScale);
    assert_ne!(new, key);
    let files = o["files"].as_array().unwrap();
    assert_eq!(files.len(), 1, "{o}");
    assert_eq!(files[0]["path"], cursor.display().to_string());
    // The literal usage holds the new key, byte for byte otherwise; the protected file did not change; the
    // reference's keychain entry holds the new key, so its server gets it.
    assert_eq!(read(&cursor), cursor_before.replace(&key, &new));
    assert_eq!(read(&claude), claude_protected);
    assert_eq!(
        secret_tool(&format!("ref:{id}")).as_deref(),
        Some(new.as_str())
    );
    assert_eq!(key_seen_by(&home, &claude, "svc"), sha(&new));
    let scan: Value = serde_json::from_str(&ok(&run(&home, &["scan", "--json"], "", &[]))).unwrap();
    assert_eq!(scan["credentials"].as_array().unwrap().len(), 1, "{scan}");
    assert_eq!(scan["credentials"][0]["id"], o["new_credential"], "{scan}");
}

#[test]
#[ignore = "needs ./dev test: the private Secret Service"]
fn a_rotation_killed_before_the_references_are_updated_is_finished_by_recover() {
    require_keyring();
    // `stored`: the new key is in the keychain under the rotation's account only (the journal still says
    // intent); `held`: journaled as held. Either way the references still hold the old key.
    for step in ["stored", "held"] {
        let f = FakeProviders::start().unwrap();
        let home = TempHome::new();
        let key = f.state(|s| s.bitscale_key.clone());
        let claude = claude_sh(&home, "BITSCALE_API_KEY", &key);
        let cred = credential_of(&home, &key[..4]);
        let id = protect(&home, &cred);
        let protected = read(&claude);
        link(&f, &home, P::BitScale, &cred);

        let pause = tempfile::tempdir().unwrap();
        let mut cmd = rekey();
        home.apply(&mut cmd);
        let mut child = cmd
            .env("REKEY_TEST_PAUSE_AFTER", step)
            .env("REKEY_TEST_PAUSE_DIR", pause.path())
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
        let new = f.current_key(P::BitScale);
        assert_ne!(new, key, "{step}: the provider rotated");
        assert_eq!(
            secret_tool(&format!("ref:{id}")).as_deref(),
            Some(key.as_str()),
            "{step}: not yet"
        );

        let r: Value =
            serde_json::from_str(&ok(&run(&home, &["recover", "--json"], "", &[]))).unwrap();
        assert_eq!(r[0]["step"], "verified", "{step}: {r}");
        assert_eq!(
            secret_tool(&format!("ref:{id}")).as_deref(),
            Some(new.as_str()),
            "{step}"
        );
        assert_eq!(read(&claude), protected, "{step}: no config changed");
        assert_eq!(key_seen_by(&home, &claude, "svc"), sha(&new), "{step}");
        // The key keeps its place under its new id (moved with its link), still protected.
        let scan: Value =
            serde_json::from_str(&ok(&run(&home, &["scan", "--json"], "", &[]))).unwrap();
        let new_id = scan["credentials"][0]["id"].as_str().unwrap().to_string();
        assert_ne!(new_id, cred, "{step}: {scan}");
        assert_eq!(scan["summary"]["plaintext_keys"], 0, "{step}");
        assert_eq!(scan["summary"]["protected_usages"], 1, "{step}");
        ok(&run(&home, &["verify", &new_id], "", &[]));
    }
}

#[test]
#[ignore = "needs ./dev test: the private Secret Service"]
fn a_create_then_revoke_rollback_puts_the_old_key_back_in_the_reference() {
    require_keyring();
    let f = FakeProviders::start().unwrap();
    let home = TempHome::new();
    let old = f.state(|s| s.neon.key.clone());
    let claude = claude_sh(&home, "NEON_API_KEY", &old);
    let cred = credential_of(&home, &old[..4]);
    let id = protect(&home, &cred);
    let protected = read(&claude);
    link(&f, &home, P::Neon, &cred);

    f.state(|s| s.neon.keys.verify_fault = Some(401));
    let o = run(&home, &["rotate", &cred, "--yes", "--json"], "", &[]);
    let o: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(o["step"], "verify-failed", "{o}");
    let rot = o["rotation"].as_str().unwrap().to_string();
    let new = f.current_key(P::Neon);
    assert_ne!(new, old);
    assert_eq!(
        secret_tool(&format!("ref:{id}")).as_deref(),
        Some(new.as_str())
    );

    let r: Value =
        serde_json::from_str(&ok(&run(&home, &["rollback", &rot, "--json"], "", &[]))).unwrap();
    assert_eq!(r["step"], "rolled-back", "{r}");
    assert_eq!(
        secret_tool(&format!("ref:{id}")).as_deref(),
        Some(old.as_str()),
        "the reference holds the old key again"
    );
    assert_eq!(read(&claude), protected, "no config changed");
    assert_eq!(key_seen_by(&home, &claude, "svc"), sha(&old));
    let live: Vec<String> = f.state(|s| {
        s.neon
            .keys
            .keys
            .iter()
            .filter(|k| !k.revoked && k.name != "admin" && k.name != "ops")
            .map(|k| k.key.clone())
            .collect()
    });
    assert_eq!(
        live,
        vec![old.clone()],
        "the new key is deleted, the old one lives"
    );
    // The key is the old credential again, protected and linked: a later rotation works.
    let scan: Value = serde_json::from_str(&ok(&run(&home, &["scan", "--json"], "", &[]))).unwrap();
    assert_eq!(scan["credentials"][0]["id"], cred.as_str(), "{scan}");
    f.state(|s| s.neon.keys.verify_fault = None);
    let again: Value = serde_json::from_str(&ok(&run(
        &home,
        &["rotate", &cred, "--yes", "--json"],
        "",
        &[],
    )))
    .unwrap();
    assert_eq!(again["step"], "revoked", "{again}");
    let newest = f.current_key(P::Neon);
    assert_eq!(
        secret_tool(&format!("ref:{id}")).as_deref(),
        Some(newest.as_str())
    );
    assert_eq!(key_seen_by(&home, &claude, "svc"), sha(&newest));
}
