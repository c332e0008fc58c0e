//! Writes are atomic, locked and checked: a killed writer leaves the original intact, a file changed
//! between plan and write is not written, modes and symlinks survive.
mod common;
use common::*;
use std::io::Write;
use std::process::Child;
use std::time::{Duration, Instant};

const OLD: &str = "sk-live-abcdefghijklmnop";
const NEW: &str = "sk-live-new-0123456789";

fn config() -> String {
    format!(
        "{{\n  // mine\n  \"mcpServers\": {{\"s\": {{\"env\": {{\"API_KEY\": \"{OLD}\"}}}}}}\n}}\n"
    )
}

fn spawn_replace(home: &TempHome, envs: &[(&str, &str)]) -> Child {
    let mut cmd = rekey();
    home.apply(&mut cmd);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    spawn_with_stdin(cmd.args(["replace", "--yes"]), &format!("{OLD}\n{NEW}\n"))
}

fn wait_paused(dir: &std::path::Path, child: &mut Child) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !dir.join("paused").exists() {
        assert!(
            child.try_wait().unwrap().is_none(),
            "rekey exited before the pause point"
        );
        assert!(
            Instant::now() < deadline,
            "rekey never reached the pause point"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn a_writer_killed_after_writing_its_temp_file_leaves_the_original_intact() {
    let home = TempHome::new();
    let dest = home.write("home/.cursor/mcp.json", &config());
    let pause = tempfile::tempdir().unwrap();
    let mut child = spawn_replace(
        &home,
        &[
            ("REKEY_TEST_PAUSE_AFTER", "temp-write"),
            ("REKEY_TEST_PAUSE_DIR", pause.path().to_str().unwrap()),
        ],
    );
    wait_paused(pause.path(), &mut child);
    // The temp file is fully written; the original has not been touched.
    let temps: Vec<_> = std::fs::read_dir(dest.parent().unwrap())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert_eq!(temps.len(), 1, "temp file next to the config");
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert_eq!(std::fs::read_to_string(&dest).unwrap(), config());
    // The lock died with the process; a new run succeeds.
    let out = spawn_replace(&home, &[]).wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(&dest).unwrap(),
        config().replace(OLD, NEW)
    );
}

#[test]
fn a_failure_after_the_temp_write_leaves_no_temp_file_and_the_original_intact() {
    let home = TempHome::new();
    let dest = home.write("home/.cursor/mcp.json", &config());
    let out = spawn_replace(&home, &[("REKEY_TEST_CRASH_AFTER", "temp-write")])
        .wait_with_output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("nothing was written"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(std::fs::read_to_string(&dest).unwrap(), config());
    let names: Vec<String> = std::fs::read_dir(dest.parent().unwrap())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["mcp.json"]);
}

#[test]
fn a_file_whose_key_changed_between_plan_and_write_is_not_written() {
    let home = TempHome::new();
    let other = home.write(
        "config/Claude/claude_desktop_config.json",
        &format!("{{\"mcpServers\": {{\"s\": {{\"env\": {{\"API_KEY\": \"{OLD}\"}}}}}}}}"),
    );
    let dest = home.write("home/.cursor/mcp.json", &config());
    let pause = tempfile::tempdir().unwrap();
    let mut child = spawn_replace(
        &home,
        &[
            ("REKEY_TEST_PAUSE_AFTER", "confirmed"),
            ("REKEY_TEST_PAUSE_DIR", pause.path().to_str().unwrap()),
        ],
    );
    wait_paused(pause.path(), &mut child);
    // (A change elsewhere in the file is rebased: tests/write_path.rs.)
    let edited = config().replace(OLD, "sk-live-someone-elses-key");
    std::fs::write(&dest, &edited).unwrap();
    std::fs::write(pause.path().join("resume"), "").unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(5),
        "partial: one file written, one refused"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("the key's entry changed since the plan"),
        "{stdout}"
    );
    assert_eq!(std::fs::read_to_string(&dest).unwrap(), edited);
    assert!(std::fs::read_to_string(&other).unwrap().contains(NEW));
}

/// A config big enough (> 4 MiB) that the comparison under the lock runs beside the temp-file write.
fn big_config() -> String {
    let filler: String = (0..60_000)
        .map(|i| format!("\"h{i}\": \"some history été 漢字 {i:0>40}\",\n"))
        .collect();
    format!("{{\n  \"history\": {{\n{filler}  \"end\": 0}},\n  \"mcpServers\": {{\"s\": {{\"env\": {{\"API_KEY\": \"{OLD}\"}}}}}}\n}}\n")
}

#[test]
fn a_big_file_changed_in_place_between_plan_and_write_is_rebased_or_refused() {
    let home = TempHome::new();
    let original = big_config();
    assert!(original.len() > 4 << 20);
    let dest = home.write("home/.cursor/mcp.json", &original);
    let pause = tempfile::tempdir().unwrap();
    let mut child = spawn_replace(
        &home,
        &[
            ("REKEY_TEST_PAUSE_AFTER", "confirmed"),
            ("REKEY_TEST_PAUSE_DIR", pause.path().to_str().unwrap()),
        ],
    );
    wait_paused(pause.path(), &mut child);
    // Same length, one byte near the end differs, written in place (same inode): the comparison beside
    // the temp-file write sees it, and the edit is redone on the current bytes.
    let edited = original.replacen("h59999", "h59998", 1);
    assert_eq!(edited.len(), original.len());
    std::fs::OpenOptions::new()
        .write(true)
        .open(&dest)
        .unwrap()
        .write_all(edited.as_bytes())
        .unwrap();
    std::fs::write(pause.path().join("resume"), "").unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(
        std::fs::read_to_string(&dest).unwrap() == edited.replace(OLD, NEW),
        "the other writer's bytes stay"
    );
    // The key itself changed in place: refused, the other writer's bytes stay.
    std::fs::write(&dest, &original).unwrap();
    let mut child = spawn_replace(
        &home,
        &[
            ("REKEY_TEST_PAUSE_AFTER", "confirmed"),
            ("REKEY_TEST_PAUSE_DIR", pause.path().to_str().unwrap()),
        ],
    );
    std::fs::remove_file(pause.path().join("resume")).unwrap();
    std::fs::remove_file(pause.path().join("paused")).unwrap();
    wait_paused(pause.path(), &mut child);
    let edited = original.replace(OLD, &OLD.to_uppercase());
    assert_eq!(edited.len(), original.len());
    std::fs::OpenOptions::new()
        .write(true)
        .open(&dest)
        .unwrap()
        .write_all(edited.as_bytes())
        .unwrap();
    std::fs::write(pause.path().join("resume"), "").unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("the key's entry changed since the plan"),
        "{stdout}"
    );
    assert!(
        std::fs::read_to_string(&dest).unwrap() == edited,
        "the other writer's bytes stay"
    );
    let names: Vec<String> = std::fs::read_dir(dest.parent().unwrap())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["mcp.json"], "no temp file left behind");
    // Unchanged, the same big file is rewritten with only the secret's bytes changed.
    std::fs::write(&dest, &original).unwrap();
    let out = spawn_replace(&home, &[]).wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(std::fs::read_to_string(&dest).unwrap() == original.replace(OLD, NEW));
}

#[test]
fn a_big_file_with_bad_utf8_in_its_second_half_is_reported_with_the_byte() {
    let home = TempHome::new();
    let mut bytes = big_config().into_bytes();
    let at = bytes.len() * 3 / 4;
    let at = at
        + bytes[at..]
            .iter()
            .position(|&b| b == b'x' || b == b'e')
            .unwrap();
    bytes[at] = 0xff;
    let dest = home.dir.path().join("home/.cursor/mcp.json");
    std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
    std::fs::write(&dest, &bytes).unwrap();
    let mut cmd = rekey();
    home.apply(&mut cmd);
    let out = cmd.args(["scan", "--json"]).output().unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let file = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"].as_str().unwrap().ends_with(".cursor/mcp.json"))
        .unwrap();
    assert_eq!(
        file["error"].as_str().unwrap(),
        format!("not UTF-8 text (byte {at})")
    );
}

#[test]
fn a_locked_file_is_refused_not_overwritten() {
    let home = TempHome::new();
    let dest = home.write("home/.cursor/mcp.json", &config());
    let held = std::fs::File::open(&dest).unwrap();
    held.lock().unwrap();
    let out = spawn_replace(&home, &[]).wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("another program holds a lock"));
    drop(held);
    assert_eq!(std::fs::read_to_string(&dest).unwrap(), config());
}

#[cfg(unix)] // file modes and symlinks
#[test]
fn mode_and_symlinks_survive() {
    use std::os::unix::fs::PermissionsExt;
    let home = TempHome::new();
    let real = home.write("dotfiles/cursor-mcp.json", &config());
    std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o640)).unwrap();
    let link = home.home().join(".cursor/mcp.json");
    std::fs::create_dir_all(link.parent().unwrap()).unwrap();
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let out = spawn_replace(&home, &[]).wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink(),
        "the link was replaced by a file"
    );
    assert_eq!(
        std::fs::read_to_string(&real).unwrap(),
        config().replace(OLD, NEW)
    );
    assert_eq!(
        std::fs::metadata(&real).unwrap().permissions().mode() & 0o777,
        0o640
    );
    // The backup (a hard link to the old inode when possible) is private and holds the old bytes.
    let backups = home.dir.path().join("data/rekey/backups");
    let copies: Vec<_> = std::fs::read_dir(&backups)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name() != "index.json")
        .collect();
    assert_eq!(copies.len(), 1);
    assert_eq!(std::fs::read_to_string(copies[0].path()).unwrap(), config());
    assert_eq!(
        copies[0].metadata().unwrap().permissions().mode() & 0o777,
        0o600
    );
}
