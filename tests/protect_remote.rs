//! Protect for remote servers (the client connects to a URL itself) through the `rekey` CLI and the real
//! Secret Service: offered, never done by default; without `npx` on PATH, refused with the reason; with
//! `--via-mcp-remote`, each entry becomes `rekey exec -- <npx> -y mcp-remote <url> --header
//! Name:${REKEY_HEADER_…}` and, started exactly as its client would start it, hands mcp-remote the real
//! header (a stand-in `npx` records what mcp-remote would send); the key is never on a command line; a
//! rotation touches no file; Unprotect puts every entry back byte for byte.
mod common;
use common::fixture::*;
use common::*;
use rekey_fakes::{FakeProviders, Provider as P};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const CURSOR: &str = "home/.cursor/mcp.json";
const VSCODE: &str = "config/Code/User/mcp.json";
const CODEX: &str = "home/.codex/config.toml";

/// A stand-in for `npx -y mcp-remote <url> --header Name:value…`: it expands `${VAR}` in a header value
/// as mcp-remote does and writes, per URL, each header's name and the sha256 of its value, and its other
/// arguments.
fn fake_npx(home: &TempHome) -> PathBuf {
    let bin = home.dir.path().join("node-bin");
    let out = home.dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let script = format!(
        r#"#!/bin/sh
[ "$1" = "-y" ] && [ "$2" = "mcp-remote" ] || {{ echo "unexpected: $1 $2" >&2; exit 9; }}
out="{out}/$(basename "$3")"; shift 3
: > "$out"
while [ $# -gt 0 ]; do
  if [ "$1" = "--header" ]; then
    name="${{2%%:*}}"; rest="${{2#*:}}"
    var=$(printf %s "$rest" | sed -n 's/^\${{\([A-Za-z0-9_]*\)}}$/\1/p')
    if [ -n "$var" ]; then val=$(printenv "$var"); else val="$rest"; fi
    printf '%s: %s\n' "$name" "$(printf %s "$val" | sha256sum | cut -c1-64)" >> "$out"
    shift 2
  else
    printf 'arg %s\n' "$1" >> "$out"; shift
  fi
done
"#,
        out = out.display()
    );
    let npx = bin.join("npx");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::write(&npx, script).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&npx, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    npx
}

fn sha(s: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn configs(home: &TempHome, key: &str) -> [PathBuf; 3] {
    [
        home.write(
            CURSOR,
            &format!("{{\r\n  \"mcpServers\": {{\r\n    \"bitscale\": {{\r\n      \"url\": \"https://mcp.bitscale.ai/cursor\",\r\n      \"headers\": {{ \"Authorization\": \"Bearer {key}\" }}\r\n    }}\r\n  }}\r\n}}\r\n"),
        ),
        home.write(
            VSCODE,
            &format!("{{\n  // mine\n  \"servers\": {{\n    \"bitscale\": {{\"type\": \"http\", \"url\": \"https://mcp.bitscale.ai/vscode\", \"headers\": {{\"X-API-Key\": \"{key}\", \"X-Team\": \"data team\"}}}},\n  }},\n}}\n"),
        ),
        home.write(
            CODEX,
            &format!("[mcp_servers.bitscale]\nurl = \"https://mcp.bitscale.ai/codex\"\nhttp_headers = {{ Authorization = \"Bearer {key}\" }}\n"),
        ),
    ]
}

/// Start the server entries of a JSON config as their client does (`command`, `args`, `env`), with a
/// PATH that has no `npx` (the entry names its own).
fn start_json(home: &TempHome, file: &Path, root: &str) {
    let text = std::fs::read_to_string(file).unwrap();
    let v: Value = jsonc_value(&text);
    for (name, entry) in v[root].as_object().unwrap() {
        let mut cmd = Command::new(entry["command"].as_str().unwrap());
        home.apply(&mut cmd);
        cmd.env("PATH", "/usr/bin:/bin");
        for a in entry["args"].as_array().into_iter().flatten() {
            cmd.arg(a.as_str().unwrap());
        }
        for (k, val) in entry["env"].as_object().into_iter().flatten() {
            cmd.env(k, val.as_str().unwrap());
        }
        let o = cmd.stdin(Stdio::null()).output().unwrap();
        assert!(
            o.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
}

/// The JSONC test files without their comments and trailing commas.
fn jsonc_value(text: &str) -> Value {
    let strip: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
        .replace(",\n  }", "\n  }")
        .replace(",\n}", "\n}");
    serde_json::from_str(&strip).unwrap_or_else(|e| panic!("{e}: {strip}"))
}

fn received(home: &TempHome, which: &str) -> String {
    std::fs::read_to_string(home.dir.path().join("out").join(which)).unwrap()
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap()
}

#[test]
#[ignore = "needs ./dev test: the private Secret Service"]
fn remote_servers_are_protected_through_mcp_remote_only_when_chosen() {
    require_keyring();
    let f = FakeProviders::start().unwrap();
    let home = TempHome::new();
    let key = f.state(|s| s.bitscale_key.clone());
    let files = configs(&home, &key);
    let before: Vec<String> = files.iter().map(|p| read(p)).collect();
    let unchanged = |why: &str| {
        for (p, b) in files.iter().zip(&before) {
            assert_eq!(&read(p), b, "{why}: {}", p.display());
        }
    };
    let cred = credential_of(&home, &key[..4]);
    let npx = fake_npx(&home);
    let path = format!("{}:/usr/bin:/bin", npx.parent().unwrap().display());
    let env: &[(&str, &str)] = &[("PATH", &path)];

    // Offered, not chosen: nothing to do by default.
    let o = run(&home, &["protect", &cred, "--json"], "", env);
    assert_eq!(o.status.code(), Some(4));
    let plan: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(plan["npx"], npx.display().to_string(), "{plan}");
    let offered = plan["remote"].as_array().unwrap();
    assert_eq!(offered.len(), 3, "{plan}");
    assert!(offered.iter().all(|r| r["chosen"] == false));
    assert!(plan["files"].as_array().unwrap().is_empty());
    let o = run(&home, &["protect", &cred, "--yes"], "", env);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(4), "{stdout}");
    assert!(stdout.contains("--via-mcp-remote"), "{stdout}");
    assert!(!stdout.contains(&key));
    unchanged("not chosen");

    // Chosen, but no Node.js: cannot, with the reason.
    let o = run(
        &home,
        &["protect", &cred, "--via-mcp-remote", "--yes"],
        "",
        &[("PATH", "/nonexistent")],
    );
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(4), "{stdout}");
    assert!(
        stdout.contains("needs Node.js (`npx`), which is not on PATH"),
        "{stdout}"
    );
    unchanged("no npx");

    // Chosen: every entry runs through mcp-remote, the key only in the keychain.
    let out = ok(&run(
        &home,
        &["protect", &cred, "--via-mcp-remote", "--yes"],
        "",
        env,
    ));
    assert!(!out.contains(&key), "{out}");
    let bin = env!("CARGO_BIN_EXE_rekey");
    for p in &files {
        let text = read(p);
        assert!(!text.contains(&key), "{text}");
        assert!(text.contains(bin) && text.contains("mcp-remote"), "{text}");
        assert!(text.contains("rekey://"), "{text}");
    }
    let cursor = read(&files[0]);
    assert_eq!(
        cursor.matches("\r\n").count(),
        before[0].matches("\r\n").count(),
        "CRLF kept"
    );
    assert!(read(&files[1]).contains("// mine") && read(&files[1]).contains("\"type\": \"stdio\""));
    let v = jsonc_value(&cursor);
    let e = &v["mcpServers"]["bitscale"];
    let args: Vec<&str> = e["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert_eq!(
        args,
        [
            "exec",
            "--",
            npx.to_str().unwrap(),
            "-y",
            "mcp-remote",
            "https://mcp.bitscale.ai/cursor",
            "--header",
            "Authorization:${REKEY_HEADER_AUTHORIZATION}"
        ]
    );
    let reference = e["env"]["REKEY_HEADER_AUTHORIZATION"]
        .as_str()
        .unwrap()
        .strip_prefix("Bearer ")
        .unwrap()
        .to_string();
    assert_eq!(
        secret_tool(&format!(
            "ref:{}",
            reference.strip_prefix("rekey://").unwrap()
        ))
        .as_deref(),
        Some(key.as_str())
    );
    // What Unprotect needs is kept in Rekey's data dir, without the key.
    let index = read(&home.dir.path().join("data/rekey/protected.json"));
    assert!(
        index.contains("\"remote\"") && index.contains("https://mcp.bitscale.ai/cursor"),
        "{index}"
    );
    for (path, text) in data_files(&home) {
        assert!(!text.contains(&key), "the key in {}", path.display());
    }
    let scan: Value = serde_json::from_str(&ok(&run(&home, &["scan", "--json"], "", &[]))).unwrap();
    assert_eq!(scan["summary"]["plaintext_keys"], 0, "{scan}");
    assert_eq!(scan["summary"]["protected_usages"], 3, "{scan}");

    // Started as the clients start them: mcp-remote gets the real headers.
    start_json(&home, &files[0], "mcpServers");
    start_json(&home, &files[1], "servers");
    assert_eq!(
        received(&home, "cursor"),
        format!("Authorization: {}\n", sha(&format!("Bearer {key}")))
    );
    assert_eq!(
        received(&home, "vscode"),
        format!(
            "arg --transport\narg http-only\nX-API-Key: {}\nX-Team: {}\n",
            sha(&key),
            sha("data team")
        )
    );

    // A rotation changes no file; the servers then send the new key.
    link(&f, &home, P::BitScale, &cred);
    let protected: Vec<String> = files.iter().map(|p| read(p)).collect();
    let o: Value = serde_json::from_str(&ok(&run(
        &home,
        &["rotate", &cred, "--yes", "--json"],
        "",
        &[],
    )))
    .unwrap();
    assert_eq!(o["step"], "verified", "{o}");
    let new = f.current_key(P::BitScale);
    assert_ne!(new, key);
    for (p, b) in files.iter().zip(&protected) {
        assert_eq!(&read(p), b, "no config changes");
    }
    start_json(&home, &files[0], "mcpServers");
    assert_eq!(
        received(&home, "cursor"),
        format!("Authorization: {}\n", sha(&format!("Bearer {new}")))
    );

    // Unprotect: every entry back to its URL, byte for byte (with the new key).
    let new_id = o["new_credential"].as_str().unwrap();
    ok(&run(&home, &["unprotect", new_id, "--yes"], "", &[]));
    for (p, b) in files.iter().zip(&before) {
        assert_eq!(read(p), b.replace(&key, &new), "{}", p.display());
    }
}

#[test]
#[ignore = "needs ./dev test: the private Secret Service"]
fn an_edited_remote_entry_only_gets_its_key_back() {
    require_keyring();
    let home = TempHome::new();
    let key = "bs_live_remote_0123456789abcdef";
    let [cursor, ..] = configs(&home, key);
    let cred = credential_of(&home, &key[..4]);
    let npx = fake_npx(&home);
    let path = format!("{}:/usr/bin:/bin", npx.parent().unwrap().display());
    ok(&run(
        &home,
        &["protect", &cred, "--via-mcp-remote", "--yes"],
        "",
        &[("PATH", &path)],
    ));
    // The user edits the converted entry: Unprotect keeps it running through mcp-remote, with the key.
    std::fs::write(&cursor, read(&cursor).replace("\"-y\"", "\"--yes\"")).unwrap();
    let edited = read(&cursor);
    ok(&run(&home, &["unprotect", &cred, "--yes"], "", &[]));
    let back = read(&cursor);
    assert!(
        back.contains(&format!("\"REKEY_HEADER_AUTHORIZATION\": \"Bearer {key}\"")),
        "{back}"
    );
    assert!(
        back.contains(&format!("\"command\": \"{}\"", npx.display())),
        "no rekey exec: {back}"
    );
    assert!(!back.contains("rekey://") && !edited.contains(key));
}

#[allow(dead_code)]
fn unused(_: P) {}
