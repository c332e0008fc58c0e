//! A config path that is not a regular file (a FIFO, a link to `/dev/zero`) is refused promptly with a
//! clear error and nothing is written: by `rekey add` when it reads the config, and by `replace` and
//! `protect` when such a file is swapped in between the plan and the write (the atomic writer's re-read
//! under the lock). Every run has a deadline, so a regression (a read that blocks on the FIFO or grows
//! without end on `/dev/zero`) fails instead of hanging the suite.
#![cfg(unix)] // FIFOs and /dev/zero: Unix special files (Windows has no such config paths)
mod common;
use common::fixture::*;
use common::servers::{CLAUDE, CURSOR};
use common::*;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output};
use std::time::{Duration, Instant};

const KEY: &str = "bs_live_special_0123456789abcdef";

fn mkfifo(p: &Path) {
    let o = Command::new("mkfifo").arg(p).output().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// Wait for `child` at most `secs` seconds: past that it is killed and the test fails.
fn within(mut child: Child, secs: u64, what: &str) -> Output {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let o = child.wait_with_output().unwrap();
            panic!(
                "{what}: still running after {secs} s (killed); stderr: {}",
                String::from_utf8_lossy(&o.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn spawn(home: &TempHome, args: &[&str], stdin: &str, envs: &[(&str, &str)]) -> Child {
    let mut cmd = rekey();
    home.apply(&mut cmd);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    spawn_with_stdin(cmd.args(args), stdin)
}

/// Backups Rekey made (none, when nothing was written).
fn backups(home: &TempHome) -> Vec<PathBuf> {
    std::fs::read_dir(home.dir.path().join("data/rekey/backups"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| !p.ends_with("index.json"))
        .collect()
}

fn is_fifo(p: &Path) -> bool {
    use std::os::unix::fs::FileTypeExt;
    std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_fifo())
}

#[test]
fn add_refuses_a_fifo_config_promptly_and_writes_nothing() {
    let home = TempHome::new();
    let cursor = home.dir.path().join(CURSOR);
    std::fs::create_dir_all(cursor.parent().unwrap()).unwrap();
    mkfifo(&cursor);
    let args = [
        "add",
        "bitscale",
        "--client",
        "cursor",
        "--literal",
        "--yes",
    ];
    let o = within(spawn(&home, &args, KEY, &[]), 20, "add on a FIFO");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "{stderr}");
    assert!(
        stderr.contains("not a regular file but a FIFO"),
        "a clear error: {stderr}"
    );
    assert!(!stderr.contains(KEY));
    assert!(is_fifo(&cursor), "the FIFO is left alone");
    assert!(backups(&home).is_empty());
}

#[test]
fn add_refuses_a_config_linked_to_dev_zero_promptly_and_writes_nothing() {
    let home = TempHome::new();
    let cursor = home.dir.path().join(CURSOR);
    std::fs::create_dir_all(cursor.parent().unwrap()).unwrap();
    std::os::unix::fs::symlink("/dev/zero", &cursor).unwrap();
    let args = [
        "add",
        "bitscale",
        "--client",
        "cursor",
        "--literal",
        "--yes",
    ];
    let o = within(spawn(&home, &args, KEY, &[]), 20, "add on /dev/zero");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "{stderr}");
    assert!(
        stderr.contains("not a regular file but a character device"),
        "a clear error: {stderr}"
    );
    assert_eq!(
        std::fs::read_link(&cursor).unwrap(),
        Path::new("/dev/zero"),
        "the link is left alone"
    );
    assert!(backups(&home).is_empty());
}

#[test]
fn add_refuses_a_config_over_the_size_cap() {
    let home = TempHome::new();
    let cursor = home.write(CURSOR, "");
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open(&cursor)
        .unwrap();
    f.set_len((512 << 20) + 1).unwrap(); // sparse: no disk space used
    let args = [
        "add",
        "bitscale",
        "--client",
        "cursor",
        "--literal",
        "--yes",
    ];
    let o = within(spawn(&home, &args, KEY, &[]), 20, "add on a huge file");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "{stderr}");
    assert!(stderr.contains("larger than 512 MiB"), "{stderr}");
    assert_eq!(std::fs::metadata(&cursor).unwrap().len(), (512 << 20) + 1);
    assert!(backups(&home).is_empty());
}

/// Two configs holding `KEY`; after the plan is confirmed (pause point `confirmed`), Cursor's is
/// replaced by `swap`: the run must end promptly, write Cursor's path not at all, and name why.
fn swapped_after_the_plan(args: &[&str], stdin: &str, swap: fn(&Path), expect: &str) {
    let home = TempHome::new();
    let claude = home.write(CLAUDE, &format!("{{\"mcpServers\": {{\"bitscale\": {{\"command\": \"uvx\", \"args\": [\"bitscale-mcp\"], \"env\": {{\"BITSCALE_API_KEY\": \"{KEY}\"}}}}}}}}"));
    let cursor = home.write(CURSOR, &std::fs::read_to_string(&claude).unwrap());
    let pause = home.dir.path().join("pause");
    std::fs::create_dir_all(&pause).unwrap();
    let mut args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    if args.iter().any(|a| a == "CRED") {
        let cred = credential_of(&home, &KEY[..4]);
        args.iter_mut()
            .filter(|a| *a == "CRED")
            .for_each(|a| *a = cred.clone());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let child = spawn(
        &home,
        &args,
        stdin,
        &[
            ("REKEY_TEST_PAUSE_AFTER", "confirmed"),
            ("REKEY_TEST_PAUSE_DIR", pause.to_str().unwrap()),
        ],
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    while !pause.join("paused").exists() {
        assert!(Instant::now() < deadline, "never reached the pause point");
        std::thread::sleep(Duration::from_millis(20));
    }
    let moved = cursor.with_extension("tmp-swap");
    swap(&moved);
    std::fs::rename(&moved, &cursor).unwrap();
    std::fs::write(pause.join("resume"), "").unwrap();
    let o = within(child, 20, &format!("{args:?} with a swapped-in file"));
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(!o.status.success(), "{all}");
    assert!(all.contains(expect), "a clear error: {all}");
    assert!(!all.contains(KEY), "{all}");
    let m = std::fs::symlink_metadata(&cursor).unwrap();
    assert!(!m.is_file(), "the swapped-in file is left as it is");
}

fn fifo(p: &Path) {
    mkfifo(p)
}

fn dev_zero(p: &Path) {
    std::os::unix::fs::symlink("/dev/zero", p).unwrap()
}

#[test]
fn replace_refuses_a_config_swapped_for_a_fifo_after_the_plan() {
    swapped_after_the_plan(
        &["replace", "--yes", "--anyway"],
        &format!("{KEY}\nbs_live_special_new_0123456789ab\n"),
        fifo,
        "not a regular file but a FIFO",
    );
}

#[test]
fn replace_refuses_a_config_swapped_for_a_link_to_dev_zero_after_the_plan() {
    swapped_after_the_plan(
        &["replace", "--yes", "--anyway"],
        &format!("{KEY}\nbs_live_special_new_0123456789ab\n"),
        dev_zero,
        "not a regular file but a character device",
    );
}

#[test]
#[ignore = "needs ./dev test: the private Secret Service"]
fn protect_refuses_a_config_swapped_for_a_fifo_after_the_plan() {
    require_keyring();
    swapped_after_the_plan(
        &["protect", "CRED", "--yes"],
        "",
        fifo,
        "not a regular file but a FIFO",
    );
}

#[test]
#[ignore = "needs ./dev test: the private Secret Service"]
fn protect_refuses_a_config_swapped_for_a_link_to_dev_zero_after_the_plan() {
    require_keyring();
    swapped_after_the_plan(
        &["protect", "CRED", "--yes"],
        "",
        dev_zero,
        "not a regular file but a character device",
    );
}
