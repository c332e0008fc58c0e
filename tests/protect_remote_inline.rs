//! `rekey protect --via-mcp-remote` in the clients that expand `${…}` in a server's arguments themselves
//! (Claude Code, Gemini CLI), from their own environment: a `--header Name:${REKEY_HEADER_…}` argument
//! would reach mcp-remote empty. There the header goes inline, as `rekey add` writes it
//! (`Name:Bearer rekey://…`), and `rekey exec` moves its value into mcp-remote's environment. Started
//! exactly as such a client starts it (its `${…}` expanded first), mcp-remote receives the real header,
//! no command line holds the key, and Unprotect puts each entry back byte for byte.
mod common;
use common::fixture::*;
use common::servers::{launchers, read, sha256, CLAUDE_CODE};
use common::*;
use serde_json::Value;
use std::path::Path;
use std::process::Command;

const GEMINI: &str = "home/.gemini/settings.json";

/// `s` with each `${VAR}` (and, for Gemini CLI, `$VAR`) replaced as the client does: from the client's
/// own environment, where no `REKEY_…` variable is set.
fn client_expands(s: &str, dollar_word: bool) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let (name, len) = if let Some(b) = after.strip_prefix('{') {
            match b.find('}') {
                Some(end) => (&b[..end], end + 2),
                None => ("", 0),
            }
        } else if dollar_word {
            let n = after
                .bytes()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == b'_')
                .count();
            (&after[..n], n)
        } else {
            ("", 0)
        };
        if len == 0 || name.is_empty() {
            out.push('$');
            rest = after;
            continue;
        }
        assert!(name.starts_with("REKEY_"), "unexpected variable {name}");
        rest = &after[len..];
    }
    out.push_str(rest);
    out
}

/// Start server `name` of `file` as Claude Code / Gemini CLI do: `${…}` in its args and env expanded
/// from the client's environment, then command, args and env. Returns what mcp-remote (the stand-in
/// `npx`) received, and its command line.
fn start_as_client(home: &TempHome, file: &Path, name: &str, gemini: bool) -> (String, String) {
    let v: Value = serde_json::from_str(&read(file)).unwrap();
    let e = &v["mcpServers"][name];
    let out = home.dir.path().join("received");
    let _ = std::fs::remove_file(home.dir.path().join("received.argv"));
    let mut cmd = Command::new(e["command"].as_str().unwrap());
    home.apply(&mut cmd);
    cmd.env("PATH", "/usr/bin:/bin").env("FAKE_OUT_FILE", &out);
    for a in e["args"].as_array().unwrap() {
        cmd.arg(client_expands(a.as_str().unwrap(), gemini));
    }
    for (k, val) in e["env"].as_object().into_iter().flatten() {
        cmd.env(k, client_expands(val.as_str().unwrap(), gemini));
    }
    let o = cmd.output().unwrap();
    assert!(
        o.status.success(),
        "{name}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let got = read(&out);
    std::fs::remove_file(&out).unwrap();
    (
        got,
        std::fs::read_to_string(home.dir.path().join("received.argv")).unwrap(),
    )
}

#[test]
#[ignore = "needs ./dev test: the private Secret Service"]
fn claude_code_and_gemini_cli_get_the_header_inline_and_mcp_remote_receives_the_key() {
    require_keyring();
    let home = TempHome::new();
    let key = "bs_live_inline_0123456789abcdef";
    let code = home.write(
        CLAUDE_CODE,
        &format!("{{\n  \"numStartups\": 3,\n  \"mcpServers\": {{\n    \"bitscale\": {{\n      \"type\": \"http\",\n      \"url\": \"https://mcp.bitscale.ai/code\",\n      \"headers\": {{\n        \"Authorization\": \"Bearer {key}\",\n        \"X-Team\": \"data team\"\n      }}\n    }}\n  }}\n}}\n"),
    );
    let gemini = home.write(
        GEMINI,
        &format!("{{\n  \"mcpServers\": {{\n    \"bitscale\": {{\n      \"headers\": {{ \"X-API-Key\": \"{key}\" }},\n      \"httpUrl\": \"https://mcp.bitscale.ai/gemini\",\n      \"timeout\": 5000\n    }}\n  }}\n}}\n"),
    );
    let before = (read(&code), read(&gemini));
    let cred = credential_of(&home, &key[..4]);
    let bin = launchers(&home);
    let npx = bin.join("npx");
    let path = format!("{}:/usr/bin:/bin", bin.display());
    let out = ok(&run(
        &home,
        &["protect", &cred, "--via-mcp-remote", "--yes"],
        "",
        &[("PATH", &path)],
    ));
    assert!(!out.contains(key), "{out}");

    for (file, url) in [
        (&code, "https://mcp.bitscale.ai/code"),
        (&gemini, "https://mcp.bitscale.ai/gemini"),
    ] {
        let text = read(file);
        assert!(!text.contains(key), "{text}");
        assert!(
            !text.contains("${"),
            "no ${{…}} for the client to expand: {text}"
        );
        let v: Value = serde_json::from_str(&text).unwrap();
        let e = &v["mcpServers"]["bitscale"];
        assert_eq!(e["command"], env!("CARGO_BIN_EXE_rekey"), "{text}");
        assert!(
            e.get("headers").is_none() && e.get("env").is_none(),
            "{text}"
        );
        let args: Vec<&str> = e["args"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap())
            .collect();
        assert_eq!(
            args[..6],
            ["exec", "--", npx.to_str().unwrap(), "-y", "mcp-remote", url],
            "{text}"
        );
    }
    let v: Value = serde_json::from_str(&read(&code)).unwrap();
    let args = v["mcpServers"]["bitscale"]["args"].as_array().unwrap();
    let header = args
        .iter()
        .map(|a| a.as_str().unwrap())
        .find(|a| a.starts_with("Authorization:"))
        .unwrap();
    let reference = header.strip_prefix("Authorization:Bearer ").unwrap();
    assert_eq!(
        secret_tool(&format!(
            "ref:{}",
            reference.strip_prefix("rekey://").unwrap()
        ))
        .as_deref(),
        Some(key)
    );

    // Started as the clients start them: mcp-remote gets the real headers, and no command line the key.
    let (got, argv) = start_as_client(&home, &code, "bitscale", false);
    assert!(
        got.contains(&format!(
            "header Authorization {}",
            sha256(&format!("Bearer {key}"))
        )) && got.contains(&format!("header X-Team {}", sha256("data team"))),
        "{got}"
    );
    assert!(!argv.contains(key), "{argv}");
    let (got, argv) = start_as_client(&home, &gemini, "bitscale", true);
    assert!(
        got.contains(&format!("header X-API-Key {}", sha256(key))),
        "{got}"
    );
    assert!(!argv.contains(key), "{argv}");

    // Unprotect puts both entries back byte for byte.
    ok(&run(&home, &["unprotect", &cred, "--yes"], "", &[]));
    assert_eq!((read(&code), read(&gemini)), before);
}

#[test]
#[ignore = "needs ./dev test: the private Secret Service"]
fn another_key_in_a_header_is_not_put_on_a_command_line() {
    require_keyring();
    let home = TempHome::new();
    let key = "bs_live_inline_0123456789abcdef";
    let other = "sk_live_other_secret_0123456789abcdef";
    let code = home.write(
        CLAUDE_CODE,
        &format!("{{\"mcpServers\": {{\"bitscale\": {{\"type\": \"http\", \"url\": \"https://mcp.bitscale.ai/code\", \"headers\": {{\"Authorization\": \"Bearer {key}\", \"X-Api-Key\": \"{other}\"}}}}}}}}\n"),
    );
    let before = read(&code);
    let cred = credential_of(&home, &key[..4]);
    let bin = launchers(&home);
    let path = format!("{}:/usr/bin:/bin", bin.display());
    let o = run(
        &home,
        &["protect", &cred, "--via-mcp-remote", "--yes"],
        "",
        &[("PATH", &path)],
    );
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(4), "{stdout}");
    assert!(stdout.contains("holds another key"), "{stdout}");
    assert_eq!(read(&code), before);
}
