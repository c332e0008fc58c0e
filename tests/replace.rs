//! `rekey replace` (the manual replace: "I rotated it on the provider's website") as a change like the
//! others: the new key is checked before anything is written (not the old one, no whitespace, not too
//! short, the provider's known shape unless `--anyway`, the provider's own check when the key is linked
//! unless `--write-anyway`), and the key's link follows it to its new id.
mod common;
use common::fixture::*;
use common::*;
use rekey_fakes::mint;
use serde_json::Value;

const CLAUDE: &str = "config/Claude/claude_desktop_config.json";
const CURSOR: &str = "home/.cursor/mcp.json";

fn read(home: &TempHome, rel: &str) -> String {
    std::fs::read_to_string(home.dir.path().join(rel)).unwrap()
}

/// `rekey replace <args>` with OLD then NEW on stdin.
fn replace(home: &TempHome, old: &str, new: &str, args: &[&str]) -> std::process::Output {
    let mut all = vec!["replace"];
    all.extend_from_slice(args);
    run(home, &all, &format!("{old}\n{new}\n"), &[])
}

fn text(o: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Two configs holding an unlinked BitScale key (`BITSCALE_API_KEY`, so the scan guesses BitScale).
fn unlinked_bitscale() -> (TempHome, String) {
    let home = TempHome::new();
    let key = mint("sk-live-", 24);
    home.write(
        CLAUDE,
        &format!(r#"{{"mcpServers": {{"bitscale": {{"command": "uvx", "args": ["bitscale-mcp"], "env": {{"BITSCALE_API_KEY": "{key}"}}}}}}}}"#),
    );
    home.write(
        CURSOR,
        &format!("{{\n  // BitScale\n  \"mcpServers\": {{\"bitscale\": {{\"command\": \"uvx\", \"env\": {{\"BITSCALE_API_KEY\": \"{key}\"}}}}}}\n}}\n"),
    );
    (home, key)
}

#[test]
fn a_new_key_that_cannot_be_a_key_is_refused_and_nothing_is_written() {
    let (home, old) = unlinked_bitscale();
    let before = (read(&home, CLAUDE), read(&home, CURSOR));
    for (new, why) in [
        ("abc".to_string(), "too short"),
        (old.clone(), "same as the old one"),
        (format!(" {}", mint("sk-live-", 24)), "whitespace"),
        (format!("{}\t", mint("sk-live-", 24)), "whitespace"),
        (
            format!("sk-live-{} {}", mint("", 8), mint("", 8)),
            "whitespace",
        ),
        (
            format!("sk-live-{}\u{7}x", mint("", 16)),
            "control character",
        ),
    ] {
        // Refused even with every override: these are never a key.
        for args in [&["--yes"][..], &["--yes", "--anyway", "--write-anyway"][..]] {
            let o = replace(&home, &old, &new, args);
            assert_eq!(o.status.code(), Some(2), "{new:?} {args:?}: {}", text(&o));
            let err = String::from_utf8_lossy(&o.stderr);
            assert!(err.contains(why), "{new:?}: {err}");
            assert!(
                !text(&o).contains(&old[8..]),
                "the old key in: {}",
                text(&o)
            );
            if new.len() > 12 {
                assert!(
                    !text(&o).contains(&new.trim()[8..]),
                    "the new key in: {}",
                    text(&o)
                );
            }
        }
    }
    assert_eq!((read(&home, CLAUDE), read(&home, CURSOR)), before);
}

#[test]
fn a_key_without_the_providers_shape_needs_anyway() {
    let (home, old) = unlinked_bitscale();
    let before = (read(&home, CLAUDE), read(&home, CURSOR));
    // BitScale's keys start with `sk-live-`; this is some other vendor's.
    let other = mint("glpat-", 20);
    let o = replace(&home, &old, &other, &["--yes"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("sk-live-") && err.contains("--anyway"),
        "{err}"
    );
    assert!(!text(&o).contains(&other[6..]) && !text(&o).contains(&old[8..]));
    assert_eq!((read(&home, CLAUDE), read(&home, CURSOR)), before);
    // The plan says so before asking.
    let o = replace(&home, &old, &other, &["--dry-run"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("does not look like"), "{out}");
    assert_eq!((read(&home, CLAUDE), read(&home, CURSOR)), before);
    // A deliberate "use it anyway" writes it.
    let o = replace(&home, &old, &other, &["--yes", "--anyway"]);
    ok(&o);
    for f in [CLAUDE, CURSOR] {
        let t = read(&home, f);
        assert!(t.contains(&other) && !t.contains(&old), "{f}: {t}");
    }
}

#[test]
fn the_plan_names_every_usage_with_a_masked_diff() {
    let (home, old) = unlinked_bitscale();
    let new = mint("sk-live-", 24);
    let o = replace(&home, &old, &new, &["--dry-run"]);
    let out = ok(&o);
    for want in [
        "claude_desktop_config.json",
        "mcp.json",
        "server bitscale",
        "env.BITSCALE_API_KEY",
        // The masks written out here (first and last four characters), not computed by the code under test.
        &format!(
            "{}…{} → {}…{}",
            &old[..4],
            &old[old.len() - 4..],
            &new[..4],
            &new[new.len() - 4..]
        ),
        "not linked",
    ] {
        assert!(out.contains(want), "{want:?} not in: {out}");
    }
    assert!(
        !out.contains(&old[8..]) && !out.contains(&new[8..]),
        "{out}"
    );
    let json: Value =
        serde_json::from_str(&ok(&replace(&home, &old, &new, &["--dry-run", "--json"]))).unwrap();
    assert_eq!(json["plan"]["files"].as_array().unwrap().len(), 2, "{json}");
    assert_eq!(
        json["plan"]["verification"]["state"], "not-linked",
        "{json}"
    );
    assert_eq!(json["plan"]["shape"]["state"], "matches", "{json}");
}

#[test]
fn a_linked_key_is_checked_with_its_provider_before_anything_is_written() {
    let (f, home, old, cred) = linked_bitscale();
    let before = (read(&home, CLAUDE), read(&home, CURSOR));
    // A key of the right shape that BitScale does not know (a typo, the wrong workspace).
    let wrong = mint("sk-live-", 24);
    let o = replace(&home, &old, &wrong, &["--yes"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("Invalid API key") && err.contains("--write-anyway"),
        "{err}"
    );
    assert!(!text(&o).contains(&wrong[8..]) && !text(&o).contains(&old[8..]));
    assert_eq!((read(&home, CLAUDE), read(&home, CURSOR)), before);
    // `--anyway` (the shape) is not `--write-anyway` (the provider's check).
    let o = replace(&home, &old, &wrong, &["--yes", "--anyway"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert_eq!((read(&home, CLAUDE), read(&home, CURSOR)), before);
    // Deliberately: written, and the link follows the key although the check failed.
    let out = ok(&replace(&home, &old, &wrong, &["--yes", "--write-anyway"]));
    assert!(out.contains("failed the provider's check"), "{out}");
    for file in [CLAUDE, CURSOR] {
        let t = read(&home, file);
        assert!(t.contains(&wrong) && !t.contains(&old), "{file}: {t}");
    }
    let new_id = credential_of(&home, &wrong[..4]);
    assert_ne!(new_id, cred);
    let links = read_links(&home);
    assert!(links.get(&cred).is_none(), "{links}");
    assert_eq!(links[&new_id]["provider"], "bitscale", "{links}");
    let _ = f;
}

#[test]
fn the_link_follows_the_key_to_its_new_id() {
    let (f, home, old, cred) = linked_bitscale();
    // The user rotated the key on BitScale's website: the fake now knows the new one.
    let new = mint("sk-live-", 24);
    f.state(|s| s.bitscale_key = new.clone());
    let out = ok(&replace(&home, &old, &new, &["--yes", "--json"]));
    let o: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(o["outcome"]["check"], "verified", "{o}");
    assert_eq!(o["outcome"]["credential"], cred.as_str(), "{o}");
    let new_id = o["outcome"]["new_credential"].as_str().unwrap().to_string();
    assert_eq!(credential_of(&home, &new[..4]), new_id);
    for file in [CLAUDE, CURSOR] {
        let t = read(&home, file);
        assert!(t.contains(&new) && !t.contains(&old), "{file}: {t}");
    }
    // The id from `rekey scan --json` verifies with the provider, through the link that moved along.
    ok(&run(&home, &["verify", &new_id], "", &[]));
    // The id from before the replace still names the key (its id for life keeps every value's id).
    ok(&run(&home, &["verify", &cred], "", &[]));
    let h: Value = serde_json::from_str(&ok(&run(&home, &["history", "--json"], "", &[]))).unwrap();
    let last = h.as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["kind"], "replace", "{h}");
    assert_eq!(last["outcome"], "written", "{h}");
    assert_eq!(last["new_credential"], new_id.as_str(), "{h}");
    assert!(
        !out.contains(&new[8..]) && !out.contains(&old[8..]),
        "{out}"
    );
    for (path, t) in data_files(&home) {
        assert!(
            !t.contains(&new) && !t.contains(&old),
            "a key in {}",
            path.display()
        );
    }
}

#[cfg(unix)] // detached from the terminal by its own process group
#[test]
fn without_yes_and_without_a_terminal_nothing_is_written() {
    let (home, old) = unlinked_bitscale();
    let before = (read(&home, CLAUDE), read(&home, CURSOR));
    let mut cmd = rekey();
    home.apply(&mut cmd);
    use std::os::unix::process::CommandExt;
    cmd.process_group(0);
    let new = mint("sk-live-", 24);
    let o = spawn_with_stdin(cmd.args(["replace"]), &format!("{old}\n{new}\n"))
        .wait_with_output()
        .unwrap();
    assert!(matches!(o.status.code(), Some(2) | Some(6)), "{o:?}");
    assert_eq!((read(&home, CLAUDE), read(&home, CURSOR)), before);
}

fn read_links(home: &TempHome) -> Value {
    let ctx = context_of(home);
    serde_json::from_str(
        &std::fs::read_to_string(ctx.data_dir.join("links.json")).unwrap_or_else(|_| "{}".into()),
    )
    .unwrap()
}
