//! The write path under concurrency and odd input: a writer that waited on the lock sees what the writer
//! before it renamed into place; temp files are private and a dead writer's are removed; a file another
//! program changed outside the key's entry is rebased, one whose entry changed is refused; TOML escapes
//! round-trip; a config that holds the key but does not parse is reported and never silent.
mod common;
use common::*;
#[cfg(unix)]
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Child, Output};
use std::time::{Duration, Instant};

const OLD: &str = "sk-live-abcdefghijklmnop";
const NEW: &str = "sk-live-new-0123456789";
const OTHER: &str = "sk-other-qrstuvwxyz012345";

fn replace_cmd(
    home: &TempHome,
    old: &str,
    new: &str,
    args: &[&str],
    envs: &[(&str, &Path)],
) -> Child {
    let mut cmd = rekey();
    home.apply(&mut cmd);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    spawn_with_stdin(cmd.arg("replace").args(args), &format!("{old}\n{new}\n"))
}

/// `rekey replace --yes`, pausing after `step` (the pause dir is returned to resume it).
fn paused_replace(home: &TempHome, old: &str, new: &str, step: &str) -> (Child, tempfile::TempDir) {
    let pause = tempfile::tempdir().unwrap();
    let mut child = replace_cmd(
        home,
        old,
        new,
        &["--yes"],
        &[
            ("REKEY_TEST_PAUSE_AFTER", Path::new(step)),
            ("REKEY_TEST_PAUSE_DIR", pause.path()),
        ],
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    while !pause.path().join("paused").exists() {
        assert!(
            child.try_wait().unwrap().is_none(),
            "rekey exited before the pause point {step}: {}",
            String::from_utf8_lossy(&child.wait_with_output().unwrap().stdout)
        );
        assert!(Instant::now() < deadline, "rekey never reached {step}");
        std::thread::sleep(Duration::from_millis(10));
    }
    (child, pause)
}

fn resume(pause: &tempfile::TempDir, child: Child) -> Output {
    std::fs::write(pause.path().join("resume"), "").unwrap();
    child.wait_with_output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// Replace another program's way: write a new file and rename it over the config (a new inode).
fn write_by_rename(path: &Path, content: &str) {
    let tmp = path.with_extension("other-program");
    std::fs::write(&tmp, content).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

fn cursor_config(keys: &[(&str, &str)]) -> String {
    let servers: Vec<String> = keys
        .iter()
        .map(|(name, key)| format!("    \"{name}\": {{\"env\": {{\"API_KEY\": \"{key}\"}}}}"))
        .collect();
    format!(
        "{{\n  // mine\n  \"mcpServers\": {{\n{}\n  }}\n}}\n",
        servers.join(",\n")
    )
}

#[test]
fn a_writer_that_waited_on_the_lock_rebases_onto_the_file_the_first_writer_renamed_in() {
    let home = TempHome::new();
    let original = cursor_config(&[("a", OLD), ("b", OTHER)]);
    let dest = home.write("home/.cursor/mcp.json", &original);
    // Writer 1 holds the lock with its temp file written; writer 2 (another key of the same file) planned
    // on the same bytes and now waits on the lock of the inode writer 1 is about to replace.
    let (first, pause1) = paused_replace(&home, OLD, NEW, "temp-write");
    let (second, pause2) = paused_replace(&home, OTHER, "sk-other-new-9876543210", "lock-busy");
    let out1 = resume(&pause1, first);
    assert!(out1.status.success(), "{}", text(&out1));
    let out2 = resume(&pause2, second);
    assert!(out2.status.success(), "{}", text(&out2));
    assert_eq!(
        std::fs::read_to_string(&dest).unwrap(),
        original
            .replace(OLD, NEW)
            .replace(OTHER, "sk-other-new-9876543210"),
        "the second writer kept the first one's change"
    );
    assert_eq!(names_in(dest.parent().unwrap()), ["mcp.json"]);
}

#[test]
fn a_second_change_of_the_same_key_is_refused_and_never_overwrites_the_first() {
    let home = TempHome::new();
    let original = cursor_config(&[("a", OLD)]);
    let dest = home.write("home/.cursor/mcp.json", &original);
    // The second planned on the same bytes and was confirmed; it has not taken the key's lock yet.
    let (second, pause2) = paused_replace(&home, OLD, "sk-live-second-5555555555", "confirmed");
    // The first holds the key's lock (the one a rotation takes), its temp file written.
    let (first, pause1) = paused_replace(&home, OLD, NEW, "temp-write");
    // Meanwhile a third change of the same key is refused at once, and writes nothing.
    let third = replace_cmd(&home, OLD, "sk-live-third-7777777777", &["--yes"], &[])
        .wait_with_output()
        .unwrap();
    assert_eq!(third.status.code(), Some(1), "{}", text(&third));
    assert!(text(&third).contains("is running"), "{}", text(&third));
    let out1 = resume(&pause1, first);
    assert!(out1.status.success(), "{}", text(&out1));
    // The second then finds the file no longer holds the key it planned on: refused, not written.
    let out2 = resume(&pause2, second);
    assert_eq!(out2.status.code(), Some(1), "{}", text(&out2));
    assert!(
        text(&out2).contains("the key's entry changed since the plan"),
        "{}",
        text(&out2)
    );
    assert_eq!(
        std::fs::read_to_string(&dest).unwrap(),
        original.replace(OLD, NEW),
        "the first writer's key was overwritten"
    );
}

#[cfg(unix)] // file modes
#[test]
fn temp_files_are_private_and_a_dead_writers_are_removed() {
    let home = TempHome::new();
    let original = cursor_config(&[("a", OLD)]);
    let dest = home.write("home/.cursor/mcp.json", &original);
    std::fs::set_permissions(&dest, std::fs::Permissions::from_mode(0o644)).unwrap();
    let dir = dest.parent().unwrap().to_path_buf();
    let (mut child, _pause) = paused_replace(&home, OLD, NEW, "temp-write");
    let temps: Vec<_> = names_in(&dir)
        .into_iter()
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert_eq!(temps.len(), 1, "{temps:?}");
    let temp = dir.join(&temps[0]);
    assert!(std::fs::read_to_string(&temp).unwrap().contains(NEW));
    assert_eq!(
        std::fs::metadata(&temp).unwrap().permissions().mode() & 0o777,
        0o600,
        "the temp file holds the new key: private until the rename"
    );
    // While its writer lives, the temp file is not stray.
    assert!(rekey::edit::atomic::remove_stray_temps(std::slice::from_ref(&dest)).is_empty());
    assert!(temp.exists());
    child.kill().unwrap(); // SIGKILL: the temp file stays behind
    child.wait().unwrap();
    assert!(temp.exists());

    // Files that are not this config's Rekey temp files, and a live writer's temp file, stay.
    let keep = [
        ".mcp.json.rekey-12.tmp.bak",
        ".mcp.json.rekey-.tmp",
        ".mcp.json.rekey-x1.tmp",
        ".other.json.rekey-1.tmp",
        "mcp.json.rekey-1.tmp",
    ];
    for k in keep {
        std::fs::write(dir.join(k), "x").unwrap();
    }
    let live = dir.join(".mcp.json.rekey-999999-2.tmp");
    std::fs::write(&live, "x").unwrap();
    let held = std::fs::File::open(&live).unwrap();
    held.lock().unwrap();
    let removed = rekey::edit::atomic::remove_stray_temps(std::slice::from_ref(&dest));
    assert_eq!(removed, std::slice::from_ref(&temp));
    assert!(!temp.exists());
    assert!(live.exists());
    for k in keep {
        assert!(dir.join(k).exists(), "{k}");
    }
    drop(held);
    assert_eq!(
        rekey::edit::atomic::remove_stray_temps(std::slice::from_ref(&dest)),
        [live]
    );
    // The config itself was never touched; a new run succeeds and keeps its mode.
    assert_eq!(std::fs::read_to_string(&dest).unwrap(), original);
    let out = replace_cmd(&home, OLD, NEW, &["--yes"], &[])
        .wait_with_output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        std::fs::metadata(&dest).unwrap().permissions().mode() & 0o777,
        0o644
    );
}

/// A `~/.claude.json` the way Claude Code keeps it: counters and caches beside the servers.
fn claude_json(startups: u32, cache: &str, key: &str) -> String {
    format!(
        "{{\n  \"numStartups\": {startups},\n  \"cachedStatsig\": \"{cache}\",\n  \"projects\": {{\n    \"/home/me/app\": {{\n      \"mcpServers\": {{\n        \"s\": {{\"env\": {{\"API_KEY\": \"{key}\"}}}}\n      }},\n      \"lastCost\": 0.5\n    }}\n  }}\n}}\n"
    )
}

#[test]
fn a_file_changed_outside_the_keys_entry_is_rebased_keeping_the_other_changes() {
    let home = TempHome::new();
    let dest = home.write("home/.claude.json", &claude_json(5, "a", OLD));
    let (child, pause) = paused_replace(&home, OLD, NEW, "confirmed");
    // Claude Code rewrites the file meanwhile: other values change, the key's offset moves.
    let theirs = claude_json(6, "a much longer cache value than before", OLD).replace(
        "\"lastCost\": 0.5",
        "\"lastCost\": 0.75, \"lastSession\": \"x\"",
    );
    write_by_rename(&dest, &theirs);
    let out = resume(&pause, child);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        std::fs::read_to_string(&dest).unwrap(),
        theirs.replace(OLD, NEW),
        "only the secret changed relative to the other program's content"
    );
    // The backup holds what was replaced: the other program's content, not the planned bytes.
    let backups = home.dir.path().join("data/rekey/backups");
    let copies: Vec<_> = names_in(&backups)
        .into_iter()
        .filter(|n| n != "index.json")
        .collect();
    assert_eq!(copies.len(), 1);
    assert_eq!(
        std::fs::read_to_string(backups.join(&copies[0])).unwrap(),
        theirs
    );
}

#[test]
fn a_file_whose_keys_entry_changed_since_the_plan_is_refused_untouched() {
    type Edit = fn(&str) -> String;
    let cases: [(&str, Edit); 3] = [
        ("another value", |s| {
            s.replace(OLD, "sk-live-someone-elses-key")
        }),
        ("the server is gone", |s| {
            s.replace("\"s\": {", "\"renamed\": {")
        }),
        ("a truncated write", |s| s[..s.len() - 20].to_string()),
    ];
    for (what, edit) in cases {
        let home = TempHome::new();
        let original = claude_json(5, "a", OLD);
        let dest = home.write("home/.claude.json", &original);
        let (child, pause) = paused_replace(&home, OLD, NEW, "confirmed");
        let theirs = edit(&original);
        write_by_rename(&dest, &theirs);
        let out = resume(&pause, child);
        assert_eq!(out.status.code(), Some(1), "{what}: {}", text(&out));
        assert!(
            text(&out).contains("the key's entry changed since the plan"),
            "{what}: {}",
            text(&out)
        );
        assert!(
            !text(&out).contains(OLD) && !text(&out).contains(NEW),
            "{what}"
        );
        assert_eq!(std::fs::read_to_string(&dest).unwrap(), theirs, "{what}");
        assert_eq!(names_in(dest.parent().unwrap()), [".claude.json"], "{what}");
    }
}

/// The value of `mcp_servers.s.env.API_KEY` as TOML reads it.
fn toml_key(text: &str) -> String {
    let doc: toml_edit::DocumentMut = text.parse().unwrap();
    doc["mcp_servers"]["s"]["env"]["API_KEY"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn a_toml_key_with_escapes_is_replaced_exactly_twice_in_a_row() {
    let home = TempHome::new();
    let head = "# Codex\nmodel = \"o3\"\n\n[mcp_servers.s]\ncommand = \"npx\"\nargs = [\"-y\", \"srv\"]\n\n[mcp_servers.s.env]\nAPI_KEY = ";
    let tail = "\nOTHER = \"x\\u00e9y\"\n";
    let original = format!("{head}\"sk-live-\\\"q\\\\u\\u00e9-0123456789\"{tail}");
    let dest = home.write("home/.codex/config.toml", &original);
    let keys = [
        "sk-live-\"q\\ué-0123456789",
        "sk-new-\"a\\\\b-0123456789",
        "sk-newer-\\\"é-9876543210",
    ];
    assert_eq!(toml_key(&original), keys[0]);
    for pair in keys.windows(2) {
        let out = replace_cmd(&home, pair[0], pair[1], &["--yes"], &[])
            .wait_with_output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out));
        let now = std::fs::read_to_string(&dest).unwrap();
        assert_eq!(toml_key(&now), pair[1], "{now}");
        assert!(now.starts_with(head) && now.ends_with(tail), "{now}");
    }
}

#[test]
fn a_config_that_holds_the_key_but_does_not_parse_is_reported_and_replace_is_partial() {
    let home = TempHome::new();
    let valid = home.write("home/.cursor/mcp.json", &cursor_config(&[("a", OLD)]));
    let truncated =
        format!("{{\n  \"mcpServers\": {{\n    \"s\": {{\"env\": {{\"API_KEY\": \"{OLD}\"}}");
    let broken = home.write("config/Claude/claude_desktop_config.json", &truncated);
    // Invalid but without the key: not listed.
    home.write("home/.gemini/settings.json", "{ \"mcpServers\": ");

    let out = replace_cmd(&home, OLD, NEW, &["--dry-run", "--json"], &[])
        .wait_with_output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5), "{}", text(&out));
    assert!(!text(&out).contains(OLD));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let unparsed = v["plan"]["unparsed"].as_array().unwrap();
    assert_eq!(unparsed.len(), 1, "{v}");
    assert_eq!(unparsed[0]["path"], broken.to_str().unwrap());
    assert_eq!(unparsed[0]["client"], "claude-desktop");
    assert_eq!(unparsed[0]["line"], 3);
    assert!(!unparsed[0]["reason"].as_str().unwrap().is_empty());
    assert_eq!(v["plan"]["files"].as_array().unwrap().len(), 1);

    let out = replace_cmd(&home, OLD, NEW, &["--yes"], &[])
        .wait_with_output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5), "{}", text(&out));
    let said = text(&out);
    assert!(!said.contains(OLD) && !said.contains(NEW), "{said}");
    assert!(
        said.contains(&format!("{} does not parse (", broken.display()))
            && said.contains("it holds this key at line 3: fix it, then run replace again"),
        "{said}"
    );
    assert_eq!(
        std::fs::read_to_string(&valid).unwrap(),
        cursor_config(&[("a", NEW)])
    );
    assert_eq!(std::fs::read_to_string(&broken).unwrap(), truncated);

    // Only the broken file holds it now: still not "nothing found", still not success.
    let out = replace_cmd(&home, OLD, "sk-live-third-000000000", &["--yes"], &[])
        .wait_with_output()
        .unwrap();
    assert_eq!(out.status.code(), Some(5), "{}", text(&out));
    assert!(text(&out).contains("line 3"), "{}", text(&out));
    assert_eq!(std::fs::read_to_string(&broken).unwrap(), truncated);
}

#[test]
fn a_writer_that_saves_in_place_while_rekey_writes_is_not_overwritten() {
    let home = TempHome::new();
    let dest = home.write("home/.claude.json", &claude_json(5, "a", OLD));
    // Paused with the new content in its temp file, right before the rename.
    let (child, pause) = paused_replace(&home, OLD, NEW, "temp-write");
    // A client saves in place (same inode, no lock): its change must survive.
    let theirs = claude_json(7, "saved in place", OLD);
    {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .truncate(true)
            .open(&dest)
            .unwrap();
        f.write_all(theirs.as_bytes()).unwrap();
    }
    // The pause point is reached again on the retry: let it through.
    std::fs::write(pause.path().join("resume"), "").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        std::fs::read_to_string(&dest).unwrap(),
        theirs.replace(OLD, NEW)
    );
}
