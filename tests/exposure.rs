//! The exposure-window measurement (`bench/run.sh rotate`) checked on its two halves: the fake records
//! the instant each key stops being accepted (at the call for a rotation in place and a revoke, at the
//! grace period's end for a rotation with grace, never while a grace is still pending), and the file
//! watcher (examples/expo_watch.rs) turns that and the files' rewrites into a window that is 0 when the
//! files were rewritten first and the true gap when they were rewritten late. The CLI tests run under
//! scripts/test-env.sh (a private Secret Service); the others anywhere on Linux.
#![cfg(target_os = "linux")]
mod common;
use common::fixture::*;
use common::*;
use rekey_fakes::{FakeProviders, Provider as P};
use std::time::{Duration, SystemTime};

#[path = "../examples/expo_watch.rs"]
#[allow(dead_code)]
mod expo_watch;
use expo_watch::{deaths, exposure, Watcher};

fn post(url: &str, headers: &[(&str, &str)], body: &str) -> u16 {
    let mut r = reqwest::blocking::Client::new()
        .post(url)
        .body(body.to_string());
    for (k, v) in headers {
        r = r.header(*k, *v);
    }
    r.send().unwrap().status().as_u16()
}

/// Replace a file the way Rekey does: a temp file in the same directory, renamed into place.
fn rename_into_place(path: &std::path::Path, content: &str) {
    let tmp = path.with_extension("rekey-tmp");
    std::fs::write(&tmp, content).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

#[test]
#[ignore = "needs ./dev test: the private Secret Service"]
fn rotate_in_place_records_the_old_keys_death_at_the_call() {
    require_keyring();
    let (f, home, old, cred) = linked_bitscale();
    assert!(f.deaths(P::BitScale).is_empty());
    let files = [
        home.config().join("Claude/claude_desktop_config.json"),
        home.home().join(".cursor/mcp.json"),
    ];
    let w = Watcher::start(&files).unwrap();
    let before = SystemTime::now();
    ok(&run(&home, &["rotate", &cred, "--yes"], "", &[]));
    let after = SystemTime::now();
    let (initial, changes) = w.stop().unwrap();
    let d = f.deaths(P::BitScale);
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0].key, old);
    assert!(before <= d[0].at && d[0].at <= after);
    // The same death over HTTP, to the microsecond; the window is a few ms after it at most.
    let over_http = deaths(&format!("{}/_fake/deaths", f.url)).unwrap();
    assert_eq!(over_http.len(), 1);
    assert_eq!(over_http[0].0, old);
    let gap = d[0].at.duration_since(over_http[0].1).unwrap();
    assert!(gap < Duration::from_micros(1), "{gap:?}");
    let r = exposure(&initial, &changes, &over_http).unwrap();
    assert_eq!(r.files, 2);
    assert!(r.margin_us.unwrap() >= 0, "rewritten after the call: {r:?}");
    assert!(r.exposure < after.duration_since(before).unwrap(), "{r:?}");
}

#[test]
#[ignore = "needs ./dev test: the private Secret Service"]
fn create_then_revoke_rewrites_every_file_before_the_old_key_dies() {
    require_keyring();
    let f = FakeProviders::start().unwrap();
    let home = TempHome::new();
    let (old, _) = configs(&f, P::Neon, &home);
    let cred = credential_of(&home, &old[..4]);
    link(&f, &home, P::Neon, &cred);
    let files = [
        home.config().join("Claude/claude_desktop_config.json"),
        home.home().join(".cursor/mcp.json"),
    ];
    let w = Watcher::start(&files).unwrap();
    ok(&run(&home, &["rotate", &cred, "--yes"], "", &[]));
    let (initial, changes) = w.stop().unwrap();
    let d = f.deaths(P::Neon);
    assert_eq!(d.len(), 1, "the old key only: {d:?}");
    assert_eq!(d[0].key, old);
    let r = exposure(&initial, &changes, &[(old, d[0].at)]).unwrap();
    assert_eq!(r.files, 2);
    assert_eq!(r.exposure, Duration::ZERO, "{r:?}");
    assert!(
        r.margin_us.unwrap() < 0,
        "revoked after the rewrites: {r:?}"
    );
    // Rotated again (as the benchmark does, RUNS times): the link now names the new key's id, so the
    // second rotation revokes the key the configs held, not the one revoked already.
    let mid = f.current_key(P::Neon);
    let cred = credential_of(&home, &mid[..4]);
    let out = ok(&run(&home, &["rotate", &cred, "--yes", "--json"], "", &[]));
    let o: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(o["step"], "revoked", "{o}");
    let d = f.deaths(P::Neon);
    assert_eq!(d.len(), 2, "{d:?}");
    assert_eq!(d[1].key, mid);
}

#[test]
#[ignore = "needs ./dev test: the private Secret Service"]
fn rotate_with_grace_records_the_grace_end_and_no_earlier_death() {
    require_keyring();
    let f = FakeProviders::start().unwrap();
    let home = TempHome::new();
    let (old, _) = configs(&f, P::Rootly, &home);
    let cred = credential_of(&home, &old[..4]);
    link(&f, &home, P::Rootly, &cred);
    let before = SystemTime::now();
    ok(&run(
        &home,
        &["rotate", &cred, "--yes", "--grace", "10m"],
        "",
        &[],
    ));
    let after = SystemTime::now();
    let d = f.deaths(P::Rootly);
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0].key, old);
    let ten = Duration::from_secs(600);
    assert!(before + ten <= d[0].at && d[0].at <= after + ten, "{d:?}");
    // Rotated again without grace: the new old token dies at the call, and the first one, still in its
    // grace period, dies with it (the fake keeps one previous token).
    let mid = f.current_key(P::Rootly);
    let cred = credential_of(&home, &mid[..4]);
    let before = SystemTime::now();
    ok(&run(
        &home,
        &["rotate", &cred, "--yes", "--grace", "0"],
        "",
        &[],
    ));
    let after = SystemTime::now();
    let d = f.deaths(P::Rootly);
    assert_eq!(d.len(), 2, "{d:?}");
    for x in &d {
        assert!(before <= x.at && x.at <= after, "{x:?}");
    }
}

#[test]
fn paddle_grace_starts_at_the_new_keys_first_use() {
    let f = FakeProviders::start().unwrap();
    let (id, old) = f.state(|s| (s.paddle.key_id.clone(), s.paddle.key.clone()));
    let rot = format!("{}/api-keys/{id}/rotations", f.url);
    let auth = format!("Bearer {old}");
    let body = r#"{"grace_period_seconds": 60}"#;
    assert_eq!(post(&rot, &[("Authorization", &auth)], body), 200);
    assert!(f.deaths(P::Paddle).is_empty(), "pending: no end yet");
    let new = f.current_key(P::Paddle);
    let before = SystemTime::now();
    let st = reqwest::blocking::Client::new()
        .get(format!("{}/api-keys/{id}", f.url))
        .header("Authorization", format!("Bearer {new}"))
        .send()
        .unwrap()
        .status();
    assert_eq!(st, 200);
    let d = f.deaths(P::Paddle);
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].key, old);
    let at = d[0].at.duration_since(before).unwrap();
    assert!(
        at >= Duration::from_secs(60) && at < Duration::from_secs(61),
        "{at:?}"
    );
}

#[test]
fn the_watcher_measures_a_late_rewrite_and_zero_for_an_early_one() {
    let f = FakeProviders::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let files = [dir.path().join("a/one.json"), dir.path().join("b/two.json")];
    let old = f.current_key(P::BitScale);
    for p in &files {
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, format!(r#"{{"k": "{old}"}}"#)).unwrap();
    }
    let url = format!("{}/_fake/deaths", f.url);
    let rotate = format!("{}/api/v1/api-key/rotate", f.url);

    // The key dies, then the files are rewritten 150 ms and 250 ms later: a window of about 250 ms.
    let w = Watcher::start(&files).unwrap();
    assert_eq!(post(&rotate, &[("X-API-KEY", &old)], ""), 200);
    let new = f.current_key(P::BitScale);
    std::thread::sleep(Duration::from_millis(150));
    rename_into_place(&files[0], &format!(r#"{{"k": "{new}"}}"#));
    std::thread::sleep(Duration::from_millis(100));
    // A write that keeps the old key does not count; the rename after it does.
    std::fs::write(&files[1], format!(r#"{{"k": "{old}", "x": 1}}"#)).unwrap();
    rename_into_place(&files[1], &format!(r#"{{"k": "{new}"}}"#));
    let (initial, changes) = w.stop().unwrap();
    let r = exposure(&initial, &changes, &deaths(&url).unwrap()).unwrap();
    assert_eq!(r.files, 2);
    assert!(
        r.exposure >= Duration::from_millis(250) && r.exposure < Duration::from_secs(5),
        "{r:?}"
    );
    assert_eq!(r.margin_us, Some(r.exposure.as_micros() as i64));

    // Rewritten first, then the key dies: no exposure, a negative margin.
    let w = Watcher::start(&files).unwrap();
    let newer = "sk-live-written-before-the-death-000";
    for p in &files {
        rename_into_place(p, &format!(r#"{{"k": "{newer}"}}"#));
    }
    std::thread::sleep(Duration::from_millis(20));
    assert_eq!(post(&rotate, &[("X-API-KEY", &new)], ""), 200);
    let (initial, changes) = w.stop().unwrap();
    let r = exposure(&initial, &changes, &deaths(&url).unwrap()).unwrap();
    assert_eq!(r.files, 2);
    assert_eq!(r.exposure, Duration::ZERO);
    assert!(r.margin_us.unwrap() <= -15_000, "{r:?}");

    // A file left holding a dead key: an open-ended exposure, an error.
    let w = Watcher::start(&files).unwrap();
    let (initial, changes) = w.stop().unwrap();
    let dead = vec![(newer.to_string(), SystemTime::now())];
    assert!(exposure(&initial, &changes, &dead).is_err());
}
