//! `rekey add`'s refusals end to end through the CLI, with the real Secret Service: each refused request
//! changes nothing, not even the keychain, and says why. (Split from `add.rs`, which holds the successful
//! adds.)
mod common;
use common::fixture::*;
use common::servers::*;
use common::*;
use serde_json::Value;

#[test]
#[ignore = "needs ./dev test: the private Secret Service"]
fn refusals_change_nothing_not_even_the_keychain() {
    require_keyring();
    let home = TempHome::new();
    let key = "sk-live-refused0123456789ab";
    let claude = home.write(
        CLAUDE,
        "{\"mcpServers\": {\"bitscale\": {\"command\": \"uvx\"}}}",
    );
    let cursor = home.write(CURSOR, "{}");
    let snapshot = || {
        (
            read(&claude),
            read(&cursor),
            holding(key),
            data_files(&home).len(),
        )
    };
    // Rekey's own state (its fingerprint key) exists from the first run on.
    ok(&run(&home, &["scan"], "", &[]));
    let before = snapshot();
    let cases: Vec<(Vec<&str>, &str, &str)> = vec![
        // The name exists in one of the files: nothing is written to the other either.
        (
            vec![
                "bitscale",
                "--client",
                "cursor",
                "--client",
                "claude-desktop",
                "--yes",
            ],
            key,
            "already has a server named 'bitscale'",
        ),
        (
            vec![
                "a2a-market",
                "--id",
                "agent_id=a/../b",
                "--client",
                "cursor",
                "--yes",
            ],
            key,
            "agent_id 'a/../b' is not an id",
        ),
        (
            vec!["a2a-market", "--client", "cursor", "--yes"],
            key,
            "a2a-market needs agent_id",
        ),
        (
            vec![
                "fruxon",
                "--id",
                "call_url=http://example.com/x",
                "--id",
                "tenant=t",
                "--id",
                "integration=i",
                "--client",
                "cursor",
                "--yes",
            ],
            key,
            "call_url: invalid base URL",
        ),
        (
            vec![
                "bitscale",
                "--id",
                "agent_id=1",
                "--client",
                "cursor",
                "--yes",
            ],
            key,
            "bitscale takes no id 'agent_id'",
        ),
        (
            vec!["datadog-api-key", "--client", "cursor", "--yes"],
            key,
            "takes one key",
        ),
        (vec!["nope", "--client", "cursor", "--yes"], key, "nope"),
        // Activepieces' key is in its URL: through mcp-remote it would be on a command line.
        (
            vec![
                "activepieces",
                "--id",
                "server_id=srv1",
                "--client",
                "cursor",
                "--yes",
            ],
            key,
            "its key is part of the server's URL",
        ),
        (
            vec!["bitscale", "--client", "zed", "--yes"],
            key,
            "cannot add servers to Zed yet",
        ),
        (
            vec![
                "bitscale", "--name", "bad name", "--client", "cursor", "--yes",
            ],
            key,
            "not a server name",
        ),
        (
            vec!["bitscale", "--client", "cursor", "--yes"],
            "your_api_key_here",
            "placeholder",
        ),
        (
            vec!["bitscale", "--client", "cursor", "--yes"],
            "",
            "no key on stdin",
        ),
    ];
    for (args, k, why) in cases {
        let o = add(&home, &args, k);
        let err = String::from_utf8_lossy(&o.stderr).into_owned();
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(why), "{args:?}: {err}");
        assert!(!err.contains(key));
        assert_eq!(snapshot(), before, "{args:?} changed something");
    }
    // Two lines on stdin: refused.
    let o = run(
        &home,
        &["add", "bitscale", "--client", "cursor", "--yes"],
        &format!("{key}\n{key}\n"),
        &[],
    );
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("expected the key on one line of stdin"),
        "{err}"
    );
    assert!(!err.contains(key));
    assert_eq!(snapshot(), before);
    // A config that does not parse (a comment in strict JSON).
    std::fs::write(&claude, "{ // no\n}").unwrap();
    let broken = snapshot();
    let o = add(
        &home,
        &[
            "bitscale",
            "--name",
            "bs2",
            "--client",
            "cursor",
            "--client",
            "claude-desktop",
            "--yes",
        ],
        key,
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("does not parse"));
    assert_eq!(snapshot(), broken);
    // Not confirmed (no terminal to ask on, no --yes): the key leaves the keychain again; nothing written.
    let o = add(
        &home,
        &["bitscale", "--name", "bs2", "--client", "cursor"],
        key,
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("rekey://bitscale-"),
        "the plan was made (and the key kept for it) before the question"
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("no terminal to ask for confirmation"));
    assert!(
        snapshot() == broken,
        "the keychain entry made for the plan is gone again"
    );
    // The plan as JSON (no --yes): the plan, masked; nothing stays.
    let o = add(
        &home,
        &["bitscale", "--name", "bs2", "--client", "cursor", "--json"],
        key,
    );
    let plan: Value = serde_json::from_str(&ok(&o)).unwrap();
    assert_eq!(plan["files"][0]["client"], "cursor");
    assert!(plan["files"][0]["diff"]
        .as_array()
        .unwrap()
        .iter()
        .any(|l| l.as_str().unwrap().contains("rekey://bitscale-")));
    assert!(!plan.to_string().contains(key));
    assert_eq!(snapshot(), broken);
}
