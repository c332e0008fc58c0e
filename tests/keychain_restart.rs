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

/// The tests here abort the one daemon of the run: one at a time.
static DAEMON: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// SIGABRT the private Secret Service (only ever this run's throwaway daemon) and return its pid.
fn abort_test_daemon() -> u32 {
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
    old
}

/// A call made while the daemon is down and not yet back (systemd restarts it after a moment; here
/// scripts/test-keyring.sh does, after 50 ms and the daemon's start-up) waits for it instead of failing:
/// in CI a crash campaign's kill made gnome-keyring abort, and a concurrent `rekey login` and a `rekey
/// recover` each failed with "no Secret Service is running" a few milliseconds later.
#[test]
#[ignore = "needs ./dev test: the private Secret Service"]
fn a_call_made_while_the_daemon_is_restarting_waits_for_it() {
    require_keyring();
    let _one = DAEMON.lock().unwrap_or_else(|p| p.into_inner());
    let service = format!("rekey-test-restarting-{}", std::process::id());
    let vault = Vault::with_service(&service);
    vault
        .store(
            "before",
            &Secret::new("sk-before-restarting-0123".to_string()),
        )
        .unwrap();
    let old = abort_test_daemon();
    // Until the name has no owner: the call below is made in the gap, before the restart.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match secret_service_pid() {
            None => break,
            Some(p) if p != old => panic!(
                "the daemon was restarted (pid {p}) before its absence was seen: the gap was not caught"
            ),
            Some(_) if Instant::now() > deadline => panic!("pid {old} ignored SIGABRT for 10 s"),
            Some(_) => std::thread::sleep(Duration::from_millis(2)),
        }
    }
    assert_eq!(
        vault
            .get("before")
            .map(|s| s.expose().to_string())
            .map_err(|e| e.to_string()),
        Ok("sk-before-restarting-0123".to_string())
    );
    vault
        .store(
            "after",
            &Secret::new("sk-after-restarting-0123".to_string()),
        )
        .unwrap();
    vault.delete("after").unwrap();
    vault.delete("before").unwrap();
}

#[test]
#[ignore = "needs ./dev test: the private Secret Service"]
fn a_long_running_process_keeps_using_the_keychain_after_the_daemon_restarts() {
    require_keyring();
    let _one = DAEMON.lock().unwrap_or_else(|p| p.into_inner());
    let service = format!("rekey-test-restart-{}", std::process::id());
    let vault = Vault::with_service(&service);
    vault
        .store("before", &Secret::new("sk-before-0123456789".to_string()))
        .unwrap();
    assert_eq!(
        vault.get("before").unwrap().expose(),
        "sk-before-0123456789"
    );

    let old = abort_test_daemon();
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
