//! The vault against a real Secret Service (gnome-keyring in a private D-Bus session; see `./dev test`).
mod common;
use common::*;
use rekey::vault::Vault;
use rekey::Secret;
use std::process::Command;

#[test]
#[ignore = "needs ./dev test: the private Secret Service"]
fn store_read_and_delete_a_secret_in_the_real_secret_service() {
    require_keyring();
    let service = format!("rekey-test-{}", std::process::id());
    let vault = Vault::with_service(&service);
    assert!(vault.status().available, "{:?}", vault.status());
    let account = "bitscale/default";
    let value = "bs_live_9f2c4e1a7b3d5c6e8f0a1b2c";

    vault
        .store(account, &Secret::new(value.to_string()))
        .unwrap();
    // Independent proof that the entry is in the keyring: libsecret's own CLI reads it back.
    assert_eq!(
        secret_tool_lookup(&service, account).as_deref(),
        Some(value)
    );
    assert_eq!(vault.get(account).unwrap().expose(), value);

    // Replacing keeps one entry with the new value.
    vault
        .store(account, &Secret::new("bs_live_second".to_string()))
        .unwrap();
    assert_eq!(
        secret_tool_lookup(&service, account).as_deref(),
        Some("bs_live_second")
    );

    vault.delete(account).unwrap();
    assert_eq!(secret_tool_lookup(&service, account), None);
    let err = vault.get(account).unwrap_err();
    assert_eq!(err.code(), "keychain_entry_missing");
    assert!(!err.to_string().contains("bs_live"), "{err}");
    assert_eq!(
        vault.delete(account).unwrap_err().code(),
        "keychain_entry_missing"
    );
}

#[test]
fn an_empty_account_name_is_rejected_before_touching_the_keychain() {
    let err = Vault::with_service("rekey-test")
        .store("", &Secret::new("x".into()))
        .unwrap_err();
    assert_eq!(err.code(), "invalid_input");
}

#[test]
#[ignore = "needs ./dev test: the private Secret Service"]
fn doctor_reports_the_keychain_available() {
    require_keyring();
    let out = rekey().args(["doctor", "--json"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["available"], true);
}

#[test]
fn without_a_session_bus_the_keychain_is_a_clear_error_not_a_fallback() {
    // A child process with no D-Bus address at all: the store cannot open, and `doctor` says so.
    let home = TempHome::new();
    let mut cmd = rekey();
    home.apply(&mut cmd);
    let out = cmd
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/rekey-test-bus",
        )
        .env_remove("XDG_RUNTIME_DIR")
        .args(["doctor", "--json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["available"], false);
    assert_eq!(v["error_code"], "keychain_unavailable");
    // Nothing was written to disk as a fallback.
    let leftovers: Vec<_> = walk(home.dir.path());
    assert!(leftovers.is_empty(), "unexpected files: {leftovers:?}");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
#[ignore = "needs ./dev test: the private Secret Service"]
fn a_session_bus_without_a_secret_service_is_named_as_such() {
    // Needs dbus-run-session (installed by ./dev test).
    require_keyring();
    // A session bus of its own with nobody owning org.freedesktop.secrets (and no service activation).
    let home = TempHome::new();
    let conf = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scripts/test-dbus-session.conf"
    );
    let mut cmd = Command::new("dbus-run-session");
    cmd.args([&format!("--config-file={conf}"), "--"])
        .arg(env!("CARGO_BIN_EXE_rekey"))
        .args(["doctor", "--json"])
        .env_remove("DBUS_SESSION_BUS_ADDRESS");
    home.apply(&mut cmd);
    let out = cmd.output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["error_code"], "keychain_unavailable");
    let message = v["message"].as_str().unwrap();
    assert!(
        message.contains("no Secret Service is running"),
        "{message}"
    );
}
