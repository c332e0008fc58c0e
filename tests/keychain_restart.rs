//! The keychain daemon going away and coming back (its own test binary: it aborts the private
//! gnome-keyring of `./dev test`, which no other test may be using at that moment).
//!
//! On a Linux desktop, gnome-keyring-daemon is restarted by systemd when it crashes (it does abort now and
//! then, upstream gnome-keyring #190/#196), and a long-running process (the app, its tray) must not be left
//! with a dead Secret Service session until it is restarted: every later read or write would fail with
//! "the OS keychain is not available" although the keychain is back. `scripts/test-keyring.sh` plays
//! systemd's part in the test session.
mod common;
use common::*;
use rekey::vault::Vault;
use rekey::Secret;
use std::process::Command;
use std::time::{Duration, Instant};

fn dbus(method: &str, arg: &str) -> Option<String> {
    let out = Command::new("dbus-send")
        .args([
            "--session",
            "--print-reply",
            "--dest=org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            &format!("org.freedesktop.DBus.{method}"),
            &format!("string:{arg}"),
        ])
        .output()
        .expect("dbus-send (package dbus) is installed by ./dev test");
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The pid of the process that owns the Secret Service on this test's private bus (never another
/// session's daemon).
fn secret_service_pid() -> Option<u32> {
    let reply = dbus("GetConnectionUnixProcessID", "org.freedesktop.secrets")?;
    reply
        .split_whitespace()
        .skip_while(|w| *w != "uint32")
        .nth(1)
        .and_then(|n| n.parse().ok())
}

#[test]
#[ignore = "needs ./dev test: the private Secret Service"]
fn a_long_running_process_keeps_using_the_keychain_after_the_daemon_restarts() {
    require_keyring();
    let service = format!("rekey-test-restart-{}", std::process::id());
    let vault = Vault::with_service(&service);
    vault
        .store("before", &Secret::new("sk-before-0123456789".to_string()))
        .unwrap();
    assert_eq!(
        vault.get("before").unwrap().expose(),
        "sk-before-0123456789"
    );

    let old = secret_service_pid().expect("no Secret Service on the private bus");
    // Only ever the throwaway daemon of `./dev test` / scripts/test-env.sh: it carries this run's marker in
    // its environment. Never a desktop session's own keyring.
    let run = std::env::var("REKEY_TEST_RUN")
        .expect("REKEY_TEST_RUN is set by ./dev test and scripts/test-env.sh");
    let environ = std::fs::read(format!("/proc/{old}/environ")).unwrap_or_default();
    assert!(
        !run.is_empty()
            && environ
                .split(|&b| b == 0)
                .any(|kv| kv == format!("REKEY_TEST_RUN={run}").as_bytes()),
        "the Secret Service on this bus (pid {old}) is not this test run's throwaway keyring: not touching it"
    );
    let status = Command::new("kill")
        .args(["-ABRT", &old.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    let new = loop {
        match secret_service_pid() {
            Some(p) if p != old => break p,
            _ if Instant::now() > deadline => panic!(
                "the test keyring daemon (pid {old}) was not restarted within 20 s: \
                 scripts/test-keyring.sh supervises it under ./dev test and scripts/test-env.sh"
            ),
            _ => std::thread::sleep(Duration::from_millis(50)),
        }
    };
    assert_ne!(new, old);

    // The same process, the same Vault: the entry written before the crash is read, a new one is written
    // and deleted.
    assert_eq!(
        vault
            .get("before")
            .map(|s| s.expose().to_string())
            .map_err(|e| e.to_string()),
        Ok("sk-before-0123456789".to_string())
    );
    vault
        .store("after", &Secret::new("sk-after-0123456789".to_string()))
        .unwrap();
    assert_eq!(
        secret_tool_lookup(&service, "after").as_deref(),
        Some("sk-after-0123456789")
    );
    assert!(vault.status().available, "{:?}", vault.status());
    vault.delete("after").unwrap();
    vault.delete("before").unwrap();
    assert_eq!(secret_tool_lookup(&service, "before"), None);
}
