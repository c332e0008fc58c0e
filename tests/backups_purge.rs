//! No plaintext copy left by Protect: once the configs it wrote hold the reference and the reference
//! resolves from the keychain, the backups Protect itself made (which hold the key) are removed; older
//! backups holding the key are listed, and `rekey backups --purge <key>` deletes every backup whose bytes
//! hold that key in any form, prints what it deleted and keeps the backup index consistent.
mod common;
use common::fixture::*;
use common::servers::{CLAUDE, CURSOR};
use common::*;
use serde_json::Value;
use std::path::PathBuf;

const KEY: &str = "bs_live_purge_0123456789abcdef";
const OTHER: &str = "sk_live_other_0123456789abcdef";

fn backups_dir(home: &TempHome) -> PathBuf {
    home.dir.path().join("data/rekey/backups")
}

/// The backup files (not the index) whose bytes hold `key` raw, JSON-escaped or percent-encoded.
fn holding(home: &TempHome, key: &str) -> Vec<String> {
    let forms = [
        key.to_string(),
        serde_json::to_string(key)
            .unwrap()
            .trim_matches('"')
            .to_string(),
        url_encode(key, true),
        url_encode(key, false),
    ];
    let mut out: Vec<String> = std::fs::read_dir(backups_dir(home))
        .unwrap()
        .flatten()
        .filter(|e| e.file_name() != "index.json")
        .filter(|e| {
            let bytes = std::fs::read(e.path()).unwrap();
            forms
                .iter()
                .any(|f| bytes.windows(f.len()).any(|w| w == f.as_bytes()))
        })
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    out.sort();
    out
}

fn url_encode(s: &str, upper: bool) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else if upper {
                format!("%{b:02X}")
            } else {
                format!("%{b:02x}")
            }
        })
        .collect()
}

/// The index and the folder name the same backups.
fn index_consistent(home: &TempHome) -> Vec<String> {
    let index: Value =
        serde_json::from_slice(&std::fs::read(backups_dir(home).join("index.json")).unwrap())
            .unwrap();
    let mut ids: Vec<String> = index
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    let mut files: Vec<String> = std::fs::read_dir(backups_dir(home))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != "index.json")
        .collect();
    files.sort();
    assert_eq!(ids, files, "the index names exactly the files");
    ids
}

fn config(key: &str, other: &str) -> String {
    format!("{{\"mcpServers\": {{\"bitscale\": {{\"command\": \"uvx\", \"args\": [\"bitscale-mcp\"], \"env\": {{\"BITSCALE_API_KEY\": \"{key}\"}}}}, \"other\": {{\"command\": \"x\", \"env\": {{\"OTHER_API_KEY\": \"{other}\"}}}}}}}}")
}

#[test]
#[ignore = "needs ./dev test: the private Secret Service"]
fn protect_removes_its_own_plaintext_backups_and_purge_removes_the_older_ones() {
    require_keyring();
    let home = TempHome::new();
    let claude = home.write(CLAUDE, &config(KEY, OTHER));
    let cursor = home.write(CURSOR, &config(KEY, OTHER));
    // Older backups that hold the key: a manual replace of the other key in both files.
    ok(&run(
        &home,
        &["replace", "--yes", "--anyway"],
        &format!("{OTHER}\nsk_live_other_new_0123456789abc\n"),
        &[],
    ));
    // And one of an unrelated file, which holds neither.
    let unrelated = home.write(
        "home/.codeium/windsurf/mcp_config.json",
        &config("sk_live_third_0123456789abcdef", "x"),
    );
    ok(&run(
        &home,
        &["replace", "--yes", "--anyway"],
        "sk_live_third_0123456789abcdef\nsk_live_third_new_0123456789abc\n",
        &[],
    ));
    let older = holding(&home, KEY);
    assert_eq!(older.len(), 2, "{older:?}");
    let all_before = index_consistent(&home);
    assert_eq!(all_before.len(), 3);

    let cred = credential_of(&home, &KEY[..4]);
    let out = ok(&run(&home, &["protect", &cred, "--yes"], "", &[]));
    assert!(!std::fs::read_to_string(&claude).unwrap().contains(KEY));
    assert!(!std::fs::read_to_string(&cursor).unwrap().contains(KEY));
    // Protect's own backups of the two files held the key: they are gone; the older ones are listed.
    assert_eq!(
        holding(&home, KEY),
        older,
        "no backup made by protect holds the key"
    );
    let ids = index_consistent(&home);
    assert_eq!(ids, all_before, "protect kept no backup of its own");
    assert!(
        out.contains("Older backups still hold this key") && out.contains("rekey backups --purge"),
        "{out}"
    );
    for id in &older {
        let path = if id.contains("claude_desktop") {
            &claude
        } else {
            &cursor
        };
        assert!(out.contains(&path.display().to_string()), "{out}");
    }

    // Purge by the credential id (the key is protected now: found through its reference).
    // Without --yes and without a terminal to ask on: nothing is deleted.
    let asked = run(&home, &["backups", "--purge", &cred], "", &[]);
    assert_ne!(asked.status.code(), Some(0));
    assert!(!holding(&home, KEY).is_empty(), "nothing deleted unasked");
    let o = run(&home, &["backups", "--purge", &cred, "--yes"], "", &[]);
    let printed = ok(&o);
    assert!(holding(&home, KEY).is_empty(), "purged");
    for id in &older {
        assert!(printed.contains(id), "{printed}");
    }
    assert!(printed.contains("deleted 2 backup"), "{printed}");
    assert!(!printed.contains(KEY));
    let left = index_consistent(&home);
    assert_eq!(left.len(), 1, "the unrelated backup stays: {left:?}");
    assert!(std::fs::read_to_string(backups_dir(&home).join(&left[0]))
        .unwrap()
        .contains("sk_live_third_0123456789abcdef"));
    let _ = unrelated;

    // Nothing left: a second purge (by the reference) says so.
    let v: Value = serde_json::from_str(&ok(&run(&home, &["scan", "--json"], "", &[]))).unwrap();
    let _ = v;
    let text = std::fs::read_to_string(&claude).unwrap();
    let at = text.find("rekey://").unwrap();
    let reference: String = text[at..].chars().take_while(|c| *c != '"').collect();
    let printed = ok(&run(&home, &["backups", "--purge", &reference], "", &[]));
    assert!(printed.contains("No backup holds this key"), "{printed}");
}

#[test]
fn purge_of_an_unknown_key_is_refused_and_deletes_nothing() {
    let home = TempHome::new();
    home.write(CLAUDE, &config(KEY, OTHER));
    ok(&run(
        &home,
        &["replace", "--yes", "--anyway"],
        &format!("{OTHER}\nsk_live_other_new_0123456789abc\n"),
        &[],
    ));
    let before = index_consistent(&home);
    let o = run(&home, &["backups", "--purge", "cred_000000000000"], "", &[]);
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("cred_000000000000"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(index_consistent(&home), before);
}
