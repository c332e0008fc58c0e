//! Where `rekey` lives: a protected entry whose `command` is a `rekey` that no longer exists (or cannot
//! run) is reported by `rekey scan` (text and `--json`) and `rekey doctor`; one that runs is not.
mod common;
use common::*;
use serde_json::Value;

const CLAUDE: &str = "config/Claude/claude_desktop_config.json";
const CURSOR: &str = "home/.cursor/mcp.json";

fn entry(command: &str) -> String {
    format!(
        r#"{{"mcpServers": {{"bitscale": {{"command": "{command}", "args": ["exec", "--", "uvx", "bitscale-mcp"], "env": {{"BITSCALE_API_KEY": "rekey://bitscale-1a2b3c"}}}}}}}}"#
    )
}

fn run(home: &TempHome, args: &[&str]) -> (Option<i32>, String) {
    let mut cmd = rekey();
    home.apply(&mut cmd);
    let o = cmd.args(args).output().unwrap();
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
    )
}

#[test]
fn an_entry_starting_a_rekey_that_is_gone_is_reported() {
    let home = TempHome::new();
    let gone = home.dir.path().join("old-install/usr/bin/rekey");
    let gone = gone.to_str().unwrap();
    let claude = home.write(CLAUDE, &entry(gone));
    // Cursor's entry starts the rekey these tests run: it exists and runs, so it is fine.
    home.write(CURSOR, &entry(env!("CARGO_BIN_EXE_rekey")));

    let (code, out) = run(&home, &["scan", "--json"]);
    assert_eq!(code, Some(0), "{out}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let stale = v["stale_rekey"].as_array().unwrap();
    assert_eq!(stale.len(), 1, "{stale:?}");
    assert_eq!(stale[0]["file"], claude.to_str().unwrap());
    assert_eq!(stale[0]["client"], "claude-desktop");
    assert_eq!(stale[0]["server"], "bitscale");
    assert_eq!(stale[0]["command"], gone);
    assert_eq!(stale[0]["problem"], "missing");
    let warning = format!("server bitscale starts {gone}, which no longer exists: reinstall Rekey or run `rekey protect` again to rewrite the path");
    assert_eq!(stale[0]["warning"], warning.as_str());

    let (code, out) = run(&home, &["scan"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains(&format!("WARNING: {warning}")), "{out}");

    // `doctor` says it too (its exit code is about the keychain only, which may be absent here).
    let (_, out) = run(&home, &["doctor"]);
    assert!(out.contains(&format!("WARNING: {warning}")), "{out}");
    assert!(out.contains("rekey CLI: "), "{out}");
    let (_, out) = run(&home, &["doctor", "--json"]);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["stale_rekey"][0]["command"], gone);
    assert!(v["rekey_bin"].is_string(), "{v}");
}

#[test]
fn a_rekey_that_cannot_run_is_reported_and_a_working_one_is_not() {
    let home = TempHome::new();
    let not_exec = home.write("bin/rekey", "not a program");
    let not_exec = not_exec.to_str().unwrap();
    home.write(CLAUDE, &entry(not_exec));
    let (_, out) = run(&home, &["scan", "--json"]);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["stale_rekey"][0]["problem"], "not-executable", "{v}");

    // The same entry with a rekey that runs (and a bare `rekey`, which the client finds on PATH): nothing.
    home.write(CLAUDE, &entry(env!("CARGO_BIN_EXE_rekey")));
    home.write(CURSOR, &entry("rekey"));
    let (_, out) = run(&home, &["scan", "--json"]);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["stale_rekey"], Value::Array(vec![]), "{v}");
    let (_, out) = run(&home, &["scan"]);
    assert!(!out.contains("WARNING"), "{out}");
}

#[test]
fn doctor_says_which_rekey_protected_servers_start() {
    let home = TempHome::new();
    // `REKEY_BIN` (packaging) names it; without it, the running rekey (no app beside it in target/).
    let mut cmd = rekey();
    home.apply(&mut cmd);
    let o = cmd
        .env("REKEY_BIN", "/usr/bin/rekey")
        .args(["doctor"])
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("rekey CLI: /usr/bin/rekey"), "{out}");
    let mut cmd = rekey();
    home.apply(&mut cmd);
    let o = cmd
        .env_remove("REKEY_BIN")
        .args(["doctor"])
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    let me = std::fs::canonicalize(env!("CARGO_BIN_EXE_rekey")).unwrap();
    assert!(
        out.contains(&format!("rekey CLI: {}", me.display())),
        "{out}"
    );
}

/// A protected entry's program is read from the entry's own bytes: in JSONC with comments and a trailing
/// comma inside the entry, in a Claude Code project entry of a `~/.claude.json` whose history mentions
/// `exec` elsewhere, and in Zed's object form of `command`.
#[test]
fn a_gone_rekey_is_reported_in_every_json_entry_shape() {
    let home = TempHome::new();
    let gone = home.dir.path().join("old-install/usr/bin/rekey");
    let gone = gone.to_str().unwrap();
    let cursor = home.write(
        CURSOR,
        &format!(
            "{{\n  // wrapped by rekey protect\n  \"mcpServers\": {{\n    \"bitscale\": {{\n      \"command\": \"{gone}\", /* the program */\n      \"args\": [\"exec\", \"--\", \"uvx\", \"bitscale-mcp\",],\n      \"env\": {{\"BITSCALE_API_KEY\": \"rekey://bitscale-1a2b3c\"}},\n    }},\n  }},\n}}\n"
        ),
    );
    let project = home.dir.path().join("proj");
    let claude_code = home.write(
        "home/.claude.json",
        &format!(
            r#"{{"history": [{{"display": "docker exec -it db psql"}}, "exec"],
  "projects": {{{}: {{"history": [{{"display": "exec it"}}],
    "mcpServers": {{"db": {{"type": "stdio", "command": "{gone}", "args": ["exec", "--", "npx", "db-mcp"], "env": {{"DB_TOKEN": "rekey://db-4d5e6f"}}}}}}}}}}}}"#,
            serde_json::to_string(&project.display().to_string()).unwrap()
        ),
    );
    let zed = home.write(
        "config/zed/settings.json",
        &format!(
            r#"{{"context_servers": {{"bitscale": {{"command": {{"path": "{gone}", "args": ["exec", "--", "uvx", "bitscale-mcp"], "env": {{"BITSCALE_API_KEY": "rekey://bitscale-1a2b3c"}}}}}}}}}}"#
        ),
    );
    let (code, out) = run(&home, &["scan", "--json"]);
    assert_eq!(code, Some(0), "{out}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let mut found: Vec<(String, String)> = v["stale_rekey"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            assert_eq!(s["command"], gone, "{s}");
            (
                s["file"].as_str().unwrap().to_string(),
                s["server"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    found.sort();
    let mut want = vec![
        (cursor.display().to_string(), "bitscale".to_string()),
        (claude_code.display().to_string(), "db".to_string()),
        (zed.display().to_string(), "bitscale".to_string()),
    ];
    want.sort();
    assert_eq!(found, want, "{out}");
}

/// Two members of one name on the way to an entry: the file is judged as a whole (as `rekey protect`
/// judges it, refusing it), not from one of the two entries' bytes.
#[test]
fn an_entry_named_twice_is_not_judged_from_one_of_its_copies() {
    let home = TempHome::new();
    let gone = home.dir.path().join("old-install/usr/bin/rekey");
    let gone = gone.to_str().unwrap();
    home.write(
        CURSOR,
        &format!(
            r#"{{"mcpServers": {{"bitscale": {{"command": "{gone}", "args": ["exec", "--", "uvx", "b"], "env": {{"BITSCALE_API_KEY": "rekey://bitscale-1a2b3c"}}}}, "bitscale": {{"command": "uvx", "args": ["b"], "env": {{"BITSCALE_API_KEY": "rekey://bitscale-1a2b3c"}}}}}}}}"#
        ),
    );
    let (code, out) = run(&home, &["scan", "--json"]);
    assert_eq!(code, Some(0), "{out}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["stale_rekey"], serde_json::json!([]), "{out}");
}
