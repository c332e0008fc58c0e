//! Protect end to end through the `rekey` CLI, with the real Secret Service: the configs hold `rekey://`
//! references, each server started exactly as its client would (from the rewritten JSON) receives the
//! real key through `rekey exec`; a rotation of the protected key changes no config file and the servers
//! then receive the new key; unprotect puts the configs back byte for byte. Refusals change nothing.
mod common;
use common::fixture::*;
use common::*;
use rekey_fakes::{FakeProviders, Provider as P};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const CLAUDE: &str = "config/Claude/claude_desktop_config.json";
const CURSOR: &str = "home/.cursor/mcp.json";

/// A server that writes the sha256 of what it received (env var or its `--api-key=` argument) to a file.
fn configs(home: &TempHome, key: &str) -> (PathBuf, PathBuf) {
    let out = home.dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let o = out.display();
    let claude = home.write(
        CLAUDE,
        &format!(
            r#"{{
  "mcpServers": {{
    "bitscale": {{
      "command": "sh",
      "args": ["-c", "printf %s \"$BITSCALE_API_KEY\" | sha256sum > \"$0\"", "{o}/claude-env"],
      "env": {{"BITSCALE_API_KEY": "{key}", "LOG_LEVEL": "info"}}
    }},
    "bitscale-cli": {{
      "command": "sh",
      "args": ["-c", "printf %s \"${{1#--api-key=}}\" | sha256sum > \"$0\"", "{o}/claude-arg", "--api-key={key}"]
    }}
  }},
  "globalShortcut": ""
}}
"#
        ),
    );
    let cursor = home.write(
        CURSOR,
        &format!(
            "{{\r\n  \"mcpServers\": {{\r\n    \"bitscale\": {{\"command\": \"sh\", \"args\": [\"-c\", \"printf %s \\\"$BITSCALE_API_KEY\\\" | sha256sum > \\\"$0\\\"\", \"{o}/cursor-env\"], \"env\": {{\"BITSCALE_API_KEY\": \"{key}\"}}}}\r\n  }}\r\n}}\r\n"
        ),
    );
    (claude, cursor)
}

fn sha256(s: &str) -> String {
    let mut c = Command::new("sha256sum")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    c.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
    String::from_utf8(c.wait_with_output().unwrap().stdout).unwrap()
}

/// Start every server of `file` exactly as an MCP client does: `command`, `args` and `env` from the JSON,
/// on top of the client's own environment; wait for it.
fn start_servers(home: &TempHome, file: &Path) {
    let v: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    for (name, entry) in v["mcpServers"].as_object().unwrap() {
        let mut cmd = Command::new(entry["command"].as_str().unwrap());
        home.apply(&mut cmd);
        for a in entry["args"].as_array().into_iter().flatten() {
            cmd.arg(a.as_str().unwrap());
        }
        for (k, val) in entry["env"].as_object().into_iter().flatten() {
            cmd.env(k, val.as_str().unwrap());
        }
        let o = cmd.output().unwrap();
        assert!(
            o.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
}

fn received(home: &TempHome, which: &str) -> String {
    std::fs::read_to_string(home.dir.path().join("out").join(which)).unwrap()
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap()
}

#[test]
#[ignore = "needs ./dev test: the private Secret Service"]
fn a_protected_key_reaches_its_servers_rotates_without_touching_configs_and_comes_back() {
    require_keyring();
    let f = FakeProviders::start().unwrap();
    let home = TempHome::new();
    let key = f.state(|s| s.bitscale_key.clone());
    let (claude, cursor) = configs(&home, &key);
    let (claude0, cursor0) = (read(&claude), read(&cursor));
    let cred = credential_of(&home, &key[..4]);

    // Plan only (JSON, no --yes): nothing changes.
    let plan: Value =
        serde_json::from_str(&ok(&run(&home, &["protect", &cred, "--json"], "", &[]))).unwrap();
    assert_eq!(plan["files"].as_array().unwrap().len(), 2, "{plan}");
    assert!(plan["cannot"].as_array().unwrap().is_empty(), "{plan}");
    assert!(!plan.to_string().contains(&key));
    assert_eq!(read(&claude), claude0);

    // Protect.
    let out = ok(&run(&home, &["protect", &cred, "--yes"], "", &[]));
    assert!(!out.contains(&key), "{out}");
    let bin = env!("CARGO_BIN_EXE_rekey");
    for (file, before) in [(&claude, &claude0), (&cursor, &cursor0)] {
        let text = read(file);
        assert!(!text.contains(&key), "{text}");
        assert!(text.contains("rekey://bitscale-"), "{text}");
        assert!(text.contains(&format!("\"command\": \"{bin}\"")), "{text}");
        // Surgical: the rest of the file keeps its bytes (CRLF, order, other values).
        assert_eq!(text.matches("\r\n").count(), before.matches("\r\n").count());
    }
    assert!(
        read(&claude).contains("\"LOG_LEVEL\": \"info\"")
            && read(&claude).contains("\"globalShortcut\": \"\"")
    );
    let v: Value = serde_json::from_str(&read(&claude)).unwrap();
    let reference = v["mcpServers"]["bitscale"]["env"]["BITSCALE_API_KEY"]
        .as_str()
        .unwrap()
        .to_string();
    let id = reference.strip_prefix("rekey://").unwrap();
    assert_eq!(
        v["mcpServers"]["bitscale"]["args"].as_array().unwrap()[0..3],
        [Value::from("exec"), Value::from("--"), Value::from("sh")]
    );
    assert_eq!(
        v["mcpServers"]["bitscale-cli"]["args"][6],
        Value::from(format!("--api-key={reference}"))
    );
    assert_eq!(
        secret_tool(&format!("ref:{id}")).as_deref(),
        Some(key.as_str())
    );
    // Scan: protected usages, the same credential, nothing left in plaintext.
    let scan: Value = serde_json::from_str(&ok(&run(&home, &["scan", "--json"], "", &[]))).unwrap();
    assert_eq!(scan["summary"]["plaintext_keys"], 0, "{scan}");
    assert_eq!(scan["summary"]["protected_usages"], 3, "{scan}");
    let c = &scan["credentials"][0];
    assert_eq!(
        (c["id"].as_str(), c["usages"].as_u64()),
        (Some(cred.as_str()), Some(3))
    );
    assert_eq!(
        c["slots"][0]["lives_in"],
        format!("protected: in the keychain ({reference})")
    );
    // Protecting again: nothing literal is left.
    let again = run(&home, &["protect", &cred, "--yes"], "", &[]);
    assert!(!again.status.success());

    // The servers, started as the clients start them, get the real key.
    start_servers(&home, &claude);
    start_servers(&home, &cursor);
    for which in ["claude-env", "claude-arg", "cursor-env"] {
        assert_eq!(received(&home, which), sha256(&key), "{which}");
    }

    // Unprotect straight away: byte-identical to before Protect.
    ok(&run(&home, &["unprotect", &cred, "--yes"], "", &[]));
    assert_eq!(read(&claude), claude0);
    assert_eq!(read(&cursor), cursor0);
    assert_eq!(
        secret_tool(&format!("ref:{id}")),
        None,
        "a reference no config uses is forgotten"
    );

    // Protect again, link the protected key (the configs hold only references), rotate it.
    ok(&run(&home, &["protect", &cred, "--yes"], "", &[]));
    link(&f, &home, P::BitScale, &cred);
    let (claude1, cursor1) = (read(&claude), read(&cursor));
    let plan = ok(&run(&home, &["plan", &cred], "", &[]));
    assert!(
        plan.contains("0 files change; the new key goes into the keychain, and servers pick up the new key when the client restarts them"),
        "{plan}"
    );
    assert!(
        plan.contains("Claude Desktop: ") && plan.contains("Cursor: "),
        "restart hints stay: {plan}"
    );
    let o: Value = serde_json::from_str(&ok(&run(
        &home,
        &["rotate", &cred, "--yes", "--json"],
        "",
        &[],
    )))
    .unwrap();
    assert_eq!(o["step"], "verified", "{o}");
    assert!(o["files"].as_array().unwrap().is_empty(), "{o}");
    let new = f.current_key(P::BitScale);
    assert_ne!(new, key);
    assert_eq!(read(&claude), claude1, "no config file changed");
    assert_eq!(read(&cursor), cursor1, "no config file changed");
    let v: Value = serde_json::from_str(&read(&claude)).unwrap();
    let id2 = v["mcpServers"]["bitscale"]["env"]["BITSCALE_API_KEY"]
        .as_str()
        .unwrap()
        .strip_prefix("rekey://")
        .unwrap()
        .to_string();
    assert_eq!(
        secret_tool(&format!("ref:{id2}")).as_deref(),
        Some(new.as_str())
    );
    start_servers(&home, &claude);
    start_servers(&home, &cursor);
    for which in ["claude-env", "claude-arg", "cursor-env"] {
        assert_eq!(
            received(&home, which),
            sha256(&new),
            "{which} gets the new key"
        );
    }
    // The key keeps its place under its new id (linked, protected), and rotates again.
    let new_id = o["new_credential"].as_str().unwrap();
    ok(&run(&home, &["verify", new_id], "", &[]));
    let scan: Value = serde_json::from_str(&ok(&run(&home, &["scan", "--json"], "", &[]))).unwrap();
    assert_eq!(scan["credentials"][0]["id"], new_id, "{scan}");
    // Unprotect: the new key back in the configs, every other byte as before Protect.
    ok(&run(&home, &["unprotect", new_id, "--yes"], "", &[]));
    assert_eq!(read(&claude), claude0.replace(&key, &new));
    assert_eq!(read(&cursor), cursor0.replace(&key, &new));
}

#[test]
#[ignore = "needs ./dev test: the private Secret Service"]
fn refusals_say_why_and_change_nothing() {
    require_keyring();
    let home = TempHome::new();
    let key = "bs_live_remote_0123456789abcdef";
    let cursor = home.write(
        CURSOR,
        &format!(
            "{{\"mcpServers\": {{\"bitscale\": {{\"url\": \"https://mcp.bitscale.ai/mcp\", \"headers\": {{\"Authorization\": \"Bearer {key}\"}}}}}}}}\n"
        ),
    );
    let before = read(&cursor);
    let cred = credential_of(&home, &key[..4]);
    // Without Node.js on PATH, a remote server cannot go through mcp-remote either
    // (tests/protect_remote.rs has the rest).
    let o = run(
        &home,
        &["protect", &cred, "--yes"],
        "",
        &[("PATH", "/nonexistent")],
    );
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(4), "{stdout}");
    assert!(
        stdout
            .contains("cannot be protected in this client: the client connects to the URL itself"),
        "{stdout}"
    );
    assert!(
        stdout.contains("running it through mcp-remote needs Node.js (`npx`)"),
        "the reason mcp-remote is not offered: {stdout}"
    );
    assert!(!stdout.contains(key));
    assert_eq!(read(&cursor), before);

    let o = run(&home, &["protect", "cred_000000000000", "--yes"], "", &[]);
    assert!(!o.status.success());
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("no credential 'cred_000000000000'"),
        "{stderr}"
    );
    let o = run(&home, &["unprotect", "nobody-123456", "--yes"], "", &[]);
    assert!(!o.status.success());
    assert_eq!(read(&cursor), before);
    assert!(!home.dir.path().join("data/rekey/protected.json").exists());
}

#[allow(dead_code)]
fn unused(_: P) {}
