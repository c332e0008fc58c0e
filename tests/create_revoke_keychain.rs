//! Create-then-revoke keeps a copy of the old key in the keychain (`rotation:<id>:old`) for a rollback. A
//! SIGKILL at any point must never leave such a copy that no journal names: nothing would ever delete it.
mod common;
use common::fixture::*;
use common::*;
use rekey_fakes::Provider as P;
use std::process::Stdio;
use std::time::{Duration, Instant};

/// Every account stored under the keychain service `svc` (`secret-tool search` prints each item's
/// attributes).
fn accounts(svc: &str) -> Vec<String> {
    let o = std::process::Command::new("secret-tool")
        .args(["search", "--all", "service", svc])
        .output()
        .unwrap();
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    all.lines()
        .filter_map(|l| l.trim().strip_prefix("attribute.username = "))
        .map(str::to_string)
        .collect()
}

#[test]
#[ignore = "needs ./dev test: the private Secret Service"]
fn a_kill_right_after_the_old_keys_copy_is_stored_leaves_no_copy_behind_after_recover() {
    require_keyring();
    let (f, home, old, cred, _, _) = linked(P::Neon);
    let svc = format!("rekey-orphan-{}", std::process::id());
    let pause = tempfile::tempdir().unwrap();
    let mut cmd = rekey();
    home.apply(&mut cmd);
    let mut child = cmd
        .env("REKEY_KEYCHAIN_SERVICE", &svc)
        .env("REKEY_TEST_PAUSE_AFTER", "old-key-stored")
        .env("REKEY_TEST_PAUSE_DIR", pause.path())
        .args(["rotate", &cred, "--yes"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !pause.path().join("paused").exists() {
        assert!(
            Instant::now() < deadline && child.try_wait().unwrap().is_none(),
            "never paused after the old key's copy was stored"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    // The positive control: the copy is there now.
    let copies: Vec<String> = accounts(&svc)
        .into_iter()
        .filter(|a| a.starts_with("rotation:") && a.ends_with(":old"))
        .collect();
    assert_eq!(copies.len(), 1, "{copies:?}");
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let rec = run(
        &home,
        &["recover", "--json"],
        "",
        &[("REKEY_KEYCHAIN_SERVICE", &svc)],
    );
    assert!(rec.status.success(), "{rec:?}");
    // Nothing was created at the provider, and no copy of the old key is left.
    assert_eq!(f.rotations(P::Neon), 0);
    assert_eq!(credential_of(&home, &old[..4]), cred, "a config changed");
    let left: Vec<String> = accounts(&svc)
        .into_iter()
        .filter(|a| a.starts_with("rotation:"))
        .collect();
    assert!(left.is_empty(), "a copy no journal names is left: {left:?}");
}
