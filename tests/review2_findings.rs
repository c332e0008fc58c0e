//! A second outside review of the change pipeline (issue 18), after the first review's and the mixed
//! campaign's fixes: each test here is a defect found by attacking `main` as it stands, and fails there.
//! Real Secret Service, fakes over HTTP, configs in a temp HOME (as `tests/review_findings.rs`).
mod common;
use common::changes::*;
use common::fixture::*;
use common::*;
use rekey_fakes::Provider as P;
use serde_json::Value;

fn audit_path(home: &TempHome) -> std::path::PathBuf {
    home.dir.path().join("data/rekey/audit.jsonl")
}

/// A create-then-revoke rotation whose new key failed verification, left in `kept-both` by the user.
/// Returns the fakes, the home, the old key, the new key and the rotation's id.
fn kept_both() -> (rekey_fakes::FakeProviders, TempHome, String, String, String) {
    let p = P::DatadogApiKey;
    let (f, home, old, cred, _, _) = linked(p);
    set_keys(&f, p, |k| k.verify_fault = Some(403));
    let o = run(&home, &["rotate", &cred, "--yes", "--json"], "", &[]);
    let o: Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stderr)));
    assert_eq!(o["step"], "verify-failed", "{o}");
    let rot = o["rotation"].as_str().unwrap().to_string();
    ok(&run(&home, &["keep-both", &rot], "", &[]));
    set_keys(&f, p, |k| k.verify_fault = None);
    let new = f.current_key(p);
    (f, home, old, new, rot)
}

/// Finding 1 (medium). A rotation of a key made by a create-then-revoke rotation left in kept-both is
/// refused (`rotation::plan::unfinished_maker`, issue 18's third finding), but a manual replace of that
/// key is not: it writes the pasted key over the new one. Afterwards `rekey rollback <rotation>` finds
/// no config on the new key, says "the old key is back in every config" (none is: they hold the pasted
/// key), and moves the key's id back to the old value (`Links::rename_keyed` → `Keys::renamed`), so the
/// live pasted key is reported `superseded` and the key's id names the old value no config holds.
#[test]
#[ignore = "needs ./dev test: the private Secret Service"]
fn a_manual_replace_of_a_key_whose_maker_kept_both_is_refused_like_a_rotation() {
    require_keyring();
    let (_f, home, _old, new, rot) = kept_both();
    let pasted = "0123456789abcdef0123456789abcdef";
    let o = run(
        &home,
        &["replace", "--yes", "--anyway", "--write-anyway"],
        &format!("{new}\n{pasted}\n"),
        &[],
    );
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    // What the rollback does next, when the replace went through (for the report; the refusal is the fix).
    let consequence = if o.status.success() {
        let rb = run(&home, &["rollback", &rot, "--json"], "", &[]);
        let scan: Value =
            serde_json::from_str(&ok(&run(&home, &["scan", "--json"], "", &[]))).unwrap();
        format!(
            "rollback said: {}{}; configs hold the pasted key: {}; scan: {}",
            String::from_utf8_lossy(&rb.stdout),
            String::from_utf8_lossy(&rb.stderr),
            read(&home, CLAUDE).contains(pasted),
            scan["credentials"]
        )
    } else {
        String::new()
    };
    assert!(
        !o.status.success() && text.contains(&rot),
        "a manual replace of a key whose create-then-revoke rotation is left in kept-both went through: {text}\n{consequence}"
    );
    assert!(read(&home, CLAUDE).contains(&new));
}

/// Finding 2 (low). `rekey keep-both` journals `kept-both`, then appends its history line (kind
/// `keep-both`). A kill between the two leaves the line out; recovery's `missing_history` writes it, but
/// as a `rotate` line (`audit(ctx, &e)`, not `audit_as` with the kind that ended there): the history then
/// says a rotation ended in kept-both at the time of the recovery. Rollback's line the same way.
#[test]
#[ignore = "needs ./dev test: the private Secret Service"]
fn a_keep_both_line_a_kill_cut_off_is_written_back_as_keep_both() {
    require_keyring();
    let (_f, home, _old, _new, rot) = kept_both();
    // The kill between keep-both's journal save and its history line: the line is not there.
    let path = audit_path(&home);
    let text = std::fs::read_to_string(&path).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    let last: Value = serde_json::from_str(lines.pop().unwrap()).unwrap();
    assert_eq!(last["kind"], "keep-both", "{last}");
    std::fs::write(
        &path,
        lines.iter().map(|l| format!("{l}\n")).collect::<String>(),
    )
    .unwrap();

    ok(&run(&home, &["recover", "--json"], "", &[]));
    let h = history(&home);
    let back: Vec<&Value> = h
        .iter()
        .filter(|l| l["rotation"] == rot.as_str() && l["outcome"] == "kept-both")
        .collect();
    assert_eq!(back.len(), 1, "{h:?}");
    assert_eq!(back[0]["kind"], "keep-both", "{:?}", back[0]);
}

/// Finding 3 (low). `missing_history` reads the history with `Audit::entries()`, which fails as a whole
/// when `audit.jsonl` is not valid UTF-8 (one damaged line: a torn append, a disk error), and then takes
/// every journal entry's line for missing: each `rekey recover` (and each start of the app) appends a
/// second, third, … line for every rotation ever made.
#[test]
#[ignore = "needs ./dev test: the private Secret Service"]
fn a_damaged_history_line_does_not_make_recover_write_every_rotation_again() {
    require_keyring();
    let (_f, home, _old, cred) = linked_bitscale();
    let o: Value = serde_json::from_str(&ok(&run(
        &home,
        &["rotate", &cred, "--yes", "--json"],
        "",
        &[],
    )))
    .unwrap();
    assert_eq!(o["step"], "verified", "{o}");
    let rot = o["rotation"].as_str().unwrap().to_string();
    // One damaged line (bytes that are not UTF-8) after the rotation's.
    let path = audit_path(&home);
    let mut bytes = std::fs::read(&path).unwrap();
    bytes.extend_from_slice(b"{\"time\":\"\xe2\x80\n");
    std::fs::write(&path, &bytes).unwrap();

    for _ in 0..3 {
        run(&home, &["recover", "--json"], "", &[]);
    }
    let bytes = std::fs::read(&path).unwrap();
    let lines = bytes
        .split(|b| *b == b'\n')
        .filter(|l| String::from_utf8_lossy(l).contains(&rot))
        .count();
    assert_eq!(
        lines, 1,
        "the rotation's history line was written {lines} times"
    );
}

/// Start `rekey <args>` paused after test point `point`; returns once it is there (resume by creating
/// `resume` in the returned folder).
fn spawn_paused(
    home: &TempHome,
    args: &[&str],
    point: &str,
) -> (std::process::Child, tempfile::TempDir) {
    let pause = tempfile::tempdir().unwrap();
    let mut cmd = rekey();
    home.apply(&mut cmd);
    cmd.args(args)
        .env("PATH", "/usr/bin:/bin")
        .env("REKEY_TEST_PAUSE_AFTER", point)
        .env("REKEY_TEST_PAUSE_DIR", pause.path());
    let child = spawn_with_stdin(&mut cmd, "");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !pause.path().join("paused").exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "{args:?} never reached {point}"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    (child, pause)
}

/// Every `rekey://<id>` a config holds, with whether its keychain entry exists.
fn references(home: &TempHome) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    for f in [CLAUDE, CURSOR] {
        let text = read(home, f);
        for (i, _) in text.match_indices("rekey://") {
            let id: String = text[i + 8..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect();
            let alive = secret_tool(&format!("ref:{id}")).is_some();
            out.push((format!("{f}: rekey://{id}"), alive));
        }
    }
    out
}

/// Finding 4 (medium). A restore locks the keys of the file as it is now and of the literal values in the
/// copy, but not the key a `rekey://` reference in the copy resolves to, and it checks that reference's
/// keychain entry only at plan time. An unprotect of that key while the restore runs (or while the user
/// looks at its plan) deletes the entry (no config references it at that moment), then the restore
/// writes the reference back: a server on a keychain entry that is gone, with no warning, breaking
/// "no keychain entry a config references is deleted".
#[test]
#[ignore = "needs ./dev test: the private Secret Service"]
fn a_restore_that_brings_back_a_reference_holds_its_key_against_an_unprotect() {
    require_keyring();
    let home = TempHome::new();
    let key = "sk-live-0123456789abcdef01234567";
    let other = "zz-other-9876543210fedcba98765432";
    let other2 = "zz-other-aaaabbbbccccddddeeeeffff";
    let entry = |k: &str| {
        format!(
            r#""bitscale": {{"command": "uvx", "args": ["bitscale-mcp"], "env": {{"BITSCALE_API_KEY": "{k}"}}}}"#
        )
    };
    let other_entry = |v: &str| {
        format!(r#""other": {{"command": "other-mcp", "env": {{"OTHER_API_KEY": "{v}"}}}}"#)
    };
    home.write(CLAUDE, &format!("{{\"mcpServers\": {{{}}}}}", entry(key)));
    home.write(
        CURSOR,
        &format!(
            "{{\"mcpServers\": {{{}, {}}}}}",
            entry(key),
            other_entry(other)
        ),
    );
    let cred = credential_of(&home, "sk-l");
    let a: Value = serde_json::from_str(&ok(&run(
        &home,
        &["protect", &cred, "--yes", "--json"],
        "",
        &[("PATH", "/usr/bin:/bin")],
    )))
    .unwrap();
    let reference = a["reference"].as_str().unwrap().to_string();
    assert!(read(&home, CURSOR).contains(&reference));
    // A write of Cursor's file for another key: its backup holds the reference.
    ok(&run(
        &home,
        &["replace", "--yes", "--anyway"],
        &format!("{other}\n{other2}\n"),
        &[],
    ));
    let list: Value =
        serde_json::from_str(&ok(&run(&home, &["backups", "--json"], "", &[]))).unwrap();
    let cursor_path = home.dir.path().join(CURSOR).display().to_string();
    let backup = list
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|b| b["original"] == cursor_path.as_str())
        .unwrap_or_else(|| panic!("{list}"))["id"]
        .as_str()
        .unwrap()
        .to_string();
    // The user removes the BitScale server from Cursor by hand.
    home.write(
        CURSOR,
        &format!("{{\"mcpServers\": {{{}}}}}", other_entry(other2)),
    );

    // The restore, confirmed and under its locks, about to write; an unprotect of the key meanwhile.
    let (child, pause) = spawn_paused(&home, &["restore", &backup, "--yes"], "change-begun");
    let un = run(&home, &["unprotect", &cred, "--yes"], "", &[]);
    std::fs::write(pause.path().join("resume"), "").unwrap();
    let restored = child.wait_with_output().unwrap();
    let refs = references(&home);
    assert!(
        refs.iter().all(|(_, alive)| *alive),
        "a config references a keychain entry that is gone: {refs:?}\nunprotect: {}{}\nrestore: {}{}",
        String::from_utf8_lossy(&un.stdout),
        String::from_utf8_lossy(&un.stderr),
        String::from_utf8_lossy(&restored.stdout),
        String::from_utf8_lossy(&restored.stderr),
    );
}

/// Finding 5 (low-medium). A manual replace whose pasted key is the value of another key Rekey knows
/// (the wrong key pasted from a password manager; the check with the first key's provider fails, and
/// "write anyway" writes it) moves the first key's link onto that value's credential id, overwriting the
/// other key's link (`Links::rename_keyed`: `insert(new, l)`), and merges the other key's id into the
/// first one. The other key loses its provider link: its next rotation goes to the wrong provider.
#[test]
#[ignore = "needs ./dev test: the private Secret Service"]
fn a_manual_replace_never_overwrites_another_keys_link() {
    require_keyring();
    let f = rekey_fakes::FakeProviders::start().unwrap();
    let home = TempHome::new();
    let (bits, _) = configs(&f, P::BitScale, &home);
    let a2a = f.state(|s| s.a2a_key.clone());
    home.write(
        "home/.claude.json",
        &format!(
            r#"{{"mcpServers": {{"a2amarket": {{"command": "npx", "args": ["-y", "@hz-abyssal-heart/a2amarket-mcp-server"], "env": {{"A2AMARKET_API_KEY": "{a2a}", "A2AMARKET_BASE_URL": "{}"}}}}}}}}"#,
            f.url
        ),
    );
    let bits_cred = credential_of(&home, &bits[..4]);
    let a2a_cred = credential_of(&home, &a2a[..4]);
    assert_ne!(bits_cred, a2a_cred);
    link(&f, &home, P::BitScale, &bits_cred);
    link(&f, &home, P::A2aMarket, &a2a_cred);
    let links =
        || -> Value { serde_json::from_str(&read(&home, "data/rekey/links.json")).unwrap() };
    assert_eq!(links()[&a2a_cred]["provider"], "a2a-market");

    let o = run(
        &home,
        &["replace", "--yes", "--anyway", "--write-anyway"],
        &format!("{bits}\n{a2a}\n"),
        &[],
    );
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    // Refused (the value is another key's) or written: either way the other key keeps its link.
    assert_eq!(
        links()[&a2a_cred]["provider"],
        "a2a-market",
        "the A2A Market key's link was overwritten: {}\n{text}",
        links()
    );
}

/// Finding 6 (low-medium). The app's restore is two calls: the plan (with its warnings) shown, then
/// `restore_seen` with the file's hash the plan had. `restore_seen` plans again and compares only the
/// hash: a warning that appeared meanwhile (the key of a value in the copy was rotated since, in other
/// files) is never shown, and the copy's now-dead key is written without the confirmation the plan's
/// warnings ask for ("Restore anyway"). The plan's meaning includes its warnings.
#[test]
#[ignore = "needs ./dev test: the private Secret Service"]
fn a_restore_confirmed_on_a_plan_without_warnings_is_refused_when_one_appeared_since() {
    require_keyring();
    let (_f, home, key, cred) = linked_bitscale();
    let other = "zz-other-9876543210fedcba98765432";
    let other2 = "zz-other-aaaabbbbccccddddeeeeffff";
    let bits = |k: &str| {
        format!(
            r#""bitscale": {{"command": "uvx", "args": ["bitscale-mcp"], "env": {{"BITSCALE_API_KEY": "{k}"}}}}"#
        )
    };
    let other_entry = |v: &str| {
        format!(r#""other": {{"command": "other-mcp", "env": {{"OTHER_API_KEY": "{v}"}}}}"#)
    };
    home.write(
        CURSOR,
        &format!(
            "{{\"mcpServers\": {{{}, {}}}}}",
            bits(&key),
            other_entry(other)
        ),
    );
    // A backup of Cursor's file holding the BitScale key (made by a replace of the other key).
    ok(&run(
        &home,
        &["replace", "--yes", "--anyway"],
        &format!("{other}\n{other2}\n"),
        &[],
    ));
    let list: Value =
        serde_json::from_str(&ok(&run(&home, &["backups", "--json"], "", &[]))).unwrap();
    let cursor_path = home.dir.path().join(CURSOR).display().to_string();
    let backup = list
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|b| b["original"] == cursor_path.as_str())
        .unwrap_or_else(|| panic!("{list}"))["id"]
        .as_str()
        .unwrap()
        .to_string();
    // Cursor's BitScale server removed by hand; Claude Desktop keeps the key.
    home.write(
        CURSOR,
        &format!("{{\"mcpServers\": {{{}}}}}", other_entry(other2)),
    );

    let ctx = context_of(&home);
    let plan = rekey::restore::plan_restore(&ctx, &backup).unwrap();
    let shown: Vec<&String> = plan
        .warnings
        .iter()
        .filter(|w| w.contains("bitscale"))
        .collect();
    assert!(shown.is_empty(), "{shown:?}");
    // While the user looks at the plan, the key is rotated (Claude Desktop only: Cursor's file is
    // unchanged, so its hash still matches).
    let o: Value = serde_json::from_str(&ok(&run(
        &home,
        &["rotate", &cred, "--yes", "--json"],
        "",
        &[],
    )))
    .unwrap();
    assert_eq!(o["step"], "verified", "{o}");
    let r = rekey::restore::restore_seen(&ctx, &backup, plan.current.as_deref());
    let now = read(&home, CURSOR);
    assert!(
        r.is_err() && !now.contains(&key),
        "the copy's rotated-away key was restored on a plan that showed no warning about it: {:?}",
        r.map(|e| e.id)
    );
}
