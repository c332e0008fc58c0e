//! The one change pipeline (issue 18): every change of a key takes its lock and re-checks its plan under
//! it, a key keeps its id for life, and the history records every kind of change. Real Secret Service,
//! fakes over HTTP, configs in a temp HOME; the engine is called in-process where a test must hold a
//! plan "at the prompt" while another process changes the key.
mod common;
use common::changes::*;
use common::fixture::*;
use common::*;
use rekey_fakes::Provider as P;
use serde_json::Value;

#[test]
#[ignore = "needs ./dev test: the private Secret Service"]
fn the_key_id_scan_reports_survives_a_rotation_and_the_old_credential_id_still_names_the_key() {
    require_keyring();
    let (f, home, old, cred) = linked_bitscale();
    let before = scan(&home);
    let key = before["credentials"][0]["key"]
        .as_str()
        .unwrap_or_else(|| panic!("scan --json gives each key an id for life: {before}"))
        .to_string();
    assert!(key.starts_with("bitscale-"), "{key}");
    let o: Value = serde_json::from_str(&ok(&run(
        &home,
        &["rotate", &key, "--yes", "--json"],
        "",
        &[],
    )))
    .unwrap();
    assert_eq!(o["step"], "verified", "{o}");
    let new = f.current_key(P::BitScale);
    assert_ne!(new, old);
    let after = scan(&home);
    let creds = after["credentials"].as_array().unwrap();
    assert_eq!(creds.len(), 1, "{after}");
    assert_eq!(
        creds[0]["key"],
        key.as_str(),
        "the id survives the rotation: {after}"
    );
    assert_ne!(creds[0]["id"], cred.as_str());
    // The id for life, and the credential id from before the rotation, both name the key now.
    for name in [key.as_str(), cred.as_str()] {
        let v = ok(&run(&home, &["verify", name], "", &[]));
        assert!(v.contains("the provider accepts this key"), "{name}: {v}");
        ok(&run(&home, &["plan", name], "", &[]));
    }
    // A name given to the key follows it too.
    ok(&run(&home, &["name", &cred, "Work BitScale"], "", &[]));
    let o2: Value = serde_json::from_str(&ok(&run(
        &home,
        &["rotate", &cred, "--yes", "--json"],
        "",
        &[],
    )))
    .unwrap();
    assert_eq!(
        o2["step"], "verified",
        "a second rotation by the first id: {o2}"
    );
    assert_eq!(scan(&home)["credentials"][0]["key"], key.as_str());
    assert_eq!(scan(&home)["credentials"][0]["name"], "Work BitScale");
    let bad = run(&home, &["name", &key, "two\nlines"], "", &[]);
    assert_ne!(bad.status.code(), Some(0));
    // The history names the key by its id for life.
    let h = history(&home);
    assert_eq!(h.len(), 2);
    assert!(
        h.iter()
            .all(|l| l["key"] == key.as_str() && l["kind"] == "rotate"),
        "{h:?}"
    );
}

#[test]
#[ignore = "needs ./dev test: the private Secret Service"]
fn an_unprotect_confirmed_after_a_rotation_of_its_key_is_refused_and_the_live_key_stays() {
    require_keyring();
    let (f, home, old, cred) = linked_bitscale();
    let id = protect(&home, &cred);
    assert!(read(&home, CLAUDE).contains(&format!("rekey://{id}")));
    // The user runs `rekey unprotect` and looks at its plan (the plan read the key from the keychain)…
    let ctx = context_of(&home);
    let vault = rekey::vault::Vault::default();
    let plan = rekey::protect::plan_unprotect(&ctx, &vault, &id).unwrap();
    // …while a rotation of the same key runs to its end in another process.
    let o: Value = serde_json::from_str(&ok(&run(
        &home,
        &["rotate", &cred, "--yes", "--json"],
        "",
        &[],
    )))
    .unwrap();
    assert_eq!(o["step"], "verified", "{o}");
    let new = f.current_key(P::BitScale);
    assert_ne!(new, old);
    assert_eq!(
        secret_tool(&format!("ref:{id}")).as_deref(),
        Some(new.as_str())
    );
    // Then says yes: the plan is no longer true (it would write the dead key everywhere).
    let claude = read(&home, CLAUDE);
    let cursor = read(&home, CURSOR);
    let err = rekey::protect::apply_unprotect(&ctx, &vault, &plan).unwrap_err();
    assert_eq!(err.code(), "plan_changed", "{err}");
    assert!(!err.to_string().contains(&old) && !err.to_string().contains(&new));
    assert_eq!(read(&home, CLAUDE), claude, "nothing written");
    assert_eq!(read(&home, CURSOR), cursor, "nothing written");
    assert!(!claude.contains(&old) && !cursor.contains(&old));
    assert_eq!(
        secret_tool(&format!("ref:{id}")).as_deref(),
        Some(new.as_str()),
        "the live key's entry is kept"
    );
    // Planned again, it puts the live key back.
    let plan = rekey::protect::plan_unprotect(&ctx, &vault, &id).unwrap();
    rekey::protect::apply_unprotect(&ctx, &vault, &plan).unwrap();
    assert!(read(&home, CLAUDE).contains(&new) && read(&home, CURSOR).contains(&new));
    assert_eq!(secret_tool(&format!("ref:{id}")), None);
}

#[test]
#[ignore = "needs ./dev test: the private Secret Service"]
fn unprotect_keeps_the_keychain_entry_while_a_config_that_does_not_parse_still_references_it() {
    require_keyring();
    let (_f, home, old, cred) = linked_bitscale();
    let id = protect(&home, &cred);
    let good = read(&home, CURSOR);
    assert!(good.contains(&format!("rekey://{id}")), "{good}");
    // The user breaks Cursor's file (a trailing comma after the last brace is not JSONC either).
    let broken = format!("{good}}}");
    home.write(CURSOR, &broken);
    let out = ok(&run(&home, &["unprotect", &id, "--yes"], "", &[]));
    assert!(
        read(&home, CLAUDE).contains(&old),
        "the file that parses gets the key back"
    );
    assert!(
        out.contains(&format!("keychain entry of rekey://{id} is kept"))
            && out.contains("mcp.json"),
        "{out}"
    );
    assert!(!out.contains(&old));
    assert_eq!(
        secret_tool(&format!("ref:{id}")).as_deref(),
        Some(old.as_str()),
        "the entry the broken file references is not deleted"
    );
    // Once the file is fixed, the same command finishes the job.
    home.write(CURSOR, &good);
    ok(&run(&home, &["unprotect", &id, "--yes"], "", &[]));
    assert!(read(&home, CURSOR).contains(&old));
    assert_eq!(secret_tool(&format!("ref:{id}")), None);
}

#[test]
#[ignore = "needs ./dev test: the private Secret Service"]
fn history_records_protect_and_unprotect_with_their_key_and_files_and_no_secret() {
    require_keyring();
    let (_f, home, old, cred) = linked_bitscale();
    let key = scan(&home)["credentials"][0]["key"]
        .as_str()
        .unwrap()
        .to_string();
    let id = protect(&home, &key);
    ok(&run(&home, &["unprotect", &key, "--yes"], "", &[]));
    let h = history(&home);
    let kinds: Vec<&str> = h.iter().map(|l| l["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["protect", "unprotect"], "{h:?}");
    for l in &h {
        assert_eq!(l["key"], key.as_str(), "{l}");
        assert_eq!(l["outcome"], "written", "{l}");
        assert_eq!(l["files"].as_array().unwrap().len(), 2, "{l}");
        assert!(l["message"].as_str().unwrap().contains(&id), "{l}");
    }
    let text = ok(&run(&home, &["history"], "", &[]));
    assert!(
        text.contains("protect") && text.contains("unprotect"),
        "{text}"
    );
    for (path, t) in data_files(&home) {
        assert!(!t.contains(&old), "a secret in {}", path.display());
    }
    let _ = cred;
}

#[test]
#[ignore = "needs ./dev test: the private Secret Service"]
fn a_new_rotation_of_a_key_whose_maker_kept_both_is_refused_until_the_old_key_is_dealt_with() {
    require_keyring();
    let p = P::DatadogApiKey;
    let (f, home, old, cred, _, _) = linked(p);
    set_keys(&f, p, |k| k.verify_fault = Some(403));
    let o = run(&home, &["rotate", &cred, "--yes", "--json"], "", &[]);
    let o: Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stderr)));
    let rot = o["rotation"].as_str().unwrap().to_string();
    ok(&run(&home, &["keep-both", &rot], "", &[]));
    set_keys(&f, p, |k| k.verify_fault = None);
    let new_cred = o["new_credential"].as_str().unwrap().to_string();
    // Rotating the new key now would leave the first key live for good: refused, nothing called.
    let again = run(&home, &["rotate", &new_cred, "--yes"], "", &[]);
    assert_ne!(again.status.code(), Some(0));
    let err = String::from_utf8_lossy(&again.stderr);
    assert!(
        err.contains(&format!("rekey revoke-old {rot}"))
            && err.contains(&format!("rekey rollback {rot}")),
        "{err}"
    );
    assert_eq!(
        live_rotated(&f, p).len(),
        2,
        "no key was created or revoked"
    );
    // The command it names still works; then the key rotates.
    ok(&run(&home, &["revoke-old", &rot], "", &[]));
    assert!(!live_rotated(&f, p).contains(&old));
    let o2: Value = serde_json::from_str(&ok(&run(
        &home,
        &["rotate", &new_cred, "--yes", "--json"],
        "",
        &[],
    )))
    .unwrap();
    assert_eq!(o2["step"], "revoked", "{o2}");
}

#[test]
#[ignore = "needs ./dev test: the private Secret Service"]
fn restoring_a_copy_that_holds_a_rotated_away_key_warns_is_recorded_and_is_not_a_lost_server() {
    require_keyring();
    let (f, home, old, cred) = linked_bitscale();
    let key = scan(&home)["credentials"][0]["key"]
        .as_str()
        .unwrap()
        .to_string();
    let before_rotation = scan_report(&home);
    let o: Value = serde_json::from_str(&ok(&run(
        &home,
        &["rotate", &cred, "--yes", "--json"],
        "",
        &[],
    )))
    .unwrap();
    assert_eq!(o["step"], "verified");
    let new = f.current_key(P::BitScale);
    // The copy of Cursor's file the rotation made first holds the old key.
    let list: Value =
        serde_json::from_str(&ok(&run(&home, &["backups", "--json"], "", &[]))).unwrap();
    let cursor_path = home.dir.path().join(CURSOR);
    let b = list
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|b| b["original"] == cursor_path.display().to_string())
        .unwrap_or_else(|| panic!("{list}"));
    let id = b["id"].as_str().unwrap();
    let out = ok(&run(&home, &["restore", id, "--yes"], "", &[]));
    assert!(
        out.contains("Warning:") && out.contains(&key) && out.contains("rotated"),
        "the restore says the copy holds a key Rekey rotated away: {out}"
    );
    assert!(!out.contains(&old) && !out.contains(&new));
    assert!(read(&home, CURSOR).contains(&old), "restored as asked");
    // The scan says the restored value is one the key had before.
    let s = scan(&home);
    let stale = s["credentials"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["superseded"] == true)
        .unwrap_or_else(|| panic!("{s}"));
    assert_eq!(stale["key"], key.as_str());
    // History: the rotation, then the restore, with the warning and the file.
    let h = history(&home);
    let last = h.last().unwrap();
    assert_eq!(last["kind"], "restore", "{h:?}");
    assert_eq!(last["outcome"], "written");
    assert_eq!(last["files"][0], cursor_path.display().to_string());
    assert!(
        last["message"].as_str().unwrap().contains("rotated"),
        "{last}"
    );
    // Rekey's own restore is not "a client removed servers", even when the copy has fewer servers.
    let ctx = context_of(&home);
    let fewer = r#"{"mcpServers": {}}"#;
    home.write(CURSOR, fewer);
    let mid = ctx.scan().unwrap();
    let b2 = ctx
        .backups()
        .save(&cursor_path, read(&home, CURSOR).as_bytes(), true)
        .unwrap();
    home.write(
        CURSOR,
        &read(&home, CURSOR).replace(
            "{}",
            &format!(r#"{{"a": {{"command": "x", "env": {{"BITSCALE_API_KEY": "{new}"}}}}}}"#),
        ),
    );
    let with_server = ctx.scan().unwrap();
    let plan = rekey::restore::plan_restore(&ctx, &b2).unwrap();
    rekey::restore::apply_restore(&ctx, &plan).unwrap();
    let after = ctx.scan().unwrap();
    assert!(
        rekey::restore::lost_by_clients(&ctx, &with_server, &after).is_empty(),
        "Rekey's own restore raised the banner"
    );
    // The same change made by a client is offered as before.
    home.write(
        CURSOR,
        &read(&home, CURSOR).replace(
            "{}",
            &format!(r#"{{"b": {{"command": "y", "env": {{"BITSCALE_API_KEY": "{new}"}}}}}}"#),
        ),
    );
    let again = ctx.scan().unwrap();
    home.write(CURSOR, fewer.replace("{}", "{ }").as_str());
    let wiped = ctx.scan().unwrap();
    assert_eq!(
        rekey::restore::lost_by_clients(&ctx, &again, &wiped).len(),
        1
    );
    let _ = (before_rotation, mid);
}

fn scan_report(home: &TempHome) -> rekey::scan::ScanReport {
    context_of(home).scan().unwrap()
}

#[test]
#[ignore = "needs ./dev test: the private Secret Service"]
fn a_protect_killed_after_it_began_is_found_by_recover_and_recorded_in_history() {
    require_keyring();
    let (_f, home, old, cred) = linked_bitscale();
    let pause = tempfile::tempdir().unwrap();
    let mut cmd = rekey();
    home.apply(&mut cmd);
    cmd.args(["protect", &cred, "--yes"])
        .env("PATH", "/usr/bin:/bin")
        .env("REKEY_TEST_PAUSE_AFTER", "change-begun")
        .env("REKEY_TEST_PAUSE_DIR", pause.path());
    let mut child = spawn_with_stdin(&mut cmd, "");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !pause.path().join("paused").exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "protect never began its change"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    // A second change of the key meanwhile is refused with who holds it.
    let busy = run(
        &home,
        &["protect", &cred, "--yes"],
        "",
        &[("PATH", "/usr/bin:/bin")],
    );
    assert_ne!(busy.status.code(), Some(0));
    let err = String::from_utf8_lossy(&busy.stderr);
    assert!(
        err.contains("a protect of this key is running since"),
        "{err}"
    );
    child.kill().unwrap();
    child.wait().unwrap();
    let rec: Value =
        serde_json::from_str(&ok(&run(&home, &["recover", "--json"], "", &[]))).unwrap();
    let rec = rec.as_array().unwrap();
    assert_eq!(rec.len(), 1, "{rec:?}");
    assert!(
        rec[0]["message"]
            .as_str()
            .unwrap()
            .contains("interrupted protect"),
        "{rec:?}"
    );
    let h = history(&home);
    assert_eq!(h.len(), 1, "{h:?}");
    assert_eq!(h[0]["kind"], "protect");
    assert_eq!(h[0]["outcome"], "unknown");
    // Nothing was written before the kill; the key is still usable and a new protect works.
    assert!(read(&home, CLAUDE).contains(&old));
    let id = protect(&home, &cred);
    assert!(read(&home, CLAUDE).contains(&format!("rekey://{id}")));
    // A second recover finds nothing more.
    let rec: Value =
        serde_json::from_str(&ok(&run(&home, &["recover", "--json"], "", &[]))).unwrap();
    assert!(rec.as_array().unwrap().is_empty());
}

#[test]
#[ignore = "needs ./dev test: the private Secret Service"]
fn a_rotation_stopped_between_its_last_journal_step_and_its_history_line_is_recorded_by_recover() {
    require_keyring();
    let (f, home, old, cred) = linked_bitscale();
    let o = run(
        &home,
        &["rotate", &cred, "--yes"],
        "",
        &[("REKEY_TEST_CRASH_AFTER", "journaled-final")],
    );
    assert_ne!(o.status.code(), Some(0));
    let new = f.current_key(P::BitScale);
    assert_ne!(new, old);
    assert!(
        read(&home, CURSOR).contains(&new),
        "the rotation had finished its writes"
    );
    assert!(history(&home).is_empty(), "stopped before its history line");
    ok(&run(&home, &["recover"], "", &[]));
    let h = history(&home);
    assert_eq!(h.len(), 1, "{h:?}");
    assert_eq!(h[0]["outcome"], "verified");
    // Once: a second recover adds nothing.
    ok(&run(&home, &["recover"], "", &[]));
    assert_eq!(history(&home).len(), 1);
}

#[test]
#[ignore = "needs ./dev test: the private Secret Service"]
fn a_replace_of_a_key_that_is_also_protected_moves_its_references_to_the_new_key() {
    require_keyring();
    let (f, home, old, cred) = linked_bitscale();
    let id = protect(&home, &cred);
    // A copy with the key in plain text comes back (a restore, a client's own copy): mixed usages.
    let cursor_literal = read(&home, CURSOR).replace(&format!("rekey://{id}"), &old);
    home.write(CURSOR, &cursor_literal);
    // The user rotated the key on the provider's website and replaces it by hand.
    let new = format!("sk-live-{}", "N".repeat(24));
    f.state(|s| s.bitscale_key = new.clone());
    let input = format!("{old}\n{new}\n");
    ok(&run(&home, &["replace", "--yes"], &input, &[]));
    assert!(read(&home, CURSOR).contains(&new));
    assert_eq!(
        secret_tool(&format!("ref:{id}")).as_deref(),
        Some(new.as_str()),
        "the reference's keychain entry follows the key"
    );
    let s = scan(&home);
    assert_eq!(s["credentials"].as_array().unwrap().len(), 1, "{s}");
}
