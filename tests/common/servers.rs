//! What `rekey add`'s tests need: the clients' config paths in a temp home, stand-in launchers that record
//! what a started server receives, starting a written entry as its client would, and the keychain and
//! output checks.
use super::fixture::{data_files, run};
use super::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

pub const CLAUDE: &str = "config/Claude/claude_desktop_config.json";
pub const CURSOR: &str = "home/.cursor/mcp.json";
pub const CLAUDE_CODE: &str = "home/.claude.json";
pub const CODEX: &str = "home/.codex/config.toml";

/// Stand-ins for `uvx` and `npx`: they write what a server would receive, hashed, to `$FAKE_OUT_FILE`:
/// each mcp-remote `--header` (its `${VAR}` expanded from the environment, as mcp-remote does), the
/// argument after `--api-key`, every URL argument, and the env vars servers read their keys from; and each
/// command line, raw, to `$FAKE_OUT_FILE.argv` ([`argv_log`]).
pub const LAUNCHER: &str = r#"#!/bin/sh
h() { printf %s "$1" | sha256sum | cut -d' ' -f1; }
{
  prev=""
  for a in "$@"; do
    case "$prev" in
      --header)
        name=${a%%:*}; val=${a#*:}
        case "$val" in *'${'*'}'*)
          pre=${val%%\$\{*}; rest=${val#*\$\{}; var=${rest%%\}*}; post=${rest#*\}}
          eval "v=\${$var-}"; val="$pre$v$post";;
        esac
        echo "header $name $(h "$val")";;
      --api-key) echo "arg api-key $(h "$a")";;
    esac
    case "$a" in *://*) echo "url $(h "$a")";; esac
    prev=$a
  done
  for v in BITSCALE_API_KEY GITLAB_PERSONAL_ACCESS_TOKEN OPENAI_API_KEY A2AMARKET_API_KEY; do
    eval "val=\${$v-}"
    if [ -n "$val" ]; then echo "env $v $(h "$val")"; fi
  done
} > "$FAKE_OUT_FILE"
# Its command line as every user of the machine can read it (ps, /proc/<pid>/cmdline), kept for the test.
printf '%s\n' "$*" >> "$FAKE_OUT_FILE.argv"
"#;

pub fn sha256(s: &str) -> String {
    use std::io::Write;
    let mut c = Command::new("sha256sum")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    c.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
    let out = String::from_utf8(c.wait_with_output().unwrap().stdout).unwrap();
    out.split(' ').next().unwrap().to_string()
}

pub fn launchers(home: &TempHome) -> PathBuf {
    let bin = home.dir.path().join("fakebin");
    std::fs::create_dir_all(&bin).unwrap();
    for name in ["uvx", "npx"] {
        let p = bin.join(name);
        std::fs::write(&p, LAUNCHER).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
    }
    bin
}

/// Server `name`'s command, args and env, from a JSON config (`mcpServers`) or Codex's TOML.
pub fn entry_of(file: &Path, name: &str) -> (String, Vec<String>, Vec<(String, String)>) {
    let text = read(file);
    let v: Value = if file.extension().is_some_and(|e| e == "toml") {
        let doc: toml_edit::DocumentMut = text.parse().unwrap();
        let t = &doc["mcp_servers"][name];
        let strs = |a: &toml_edit::Item| -> Vec<Value> {
            a.as_array()
                .map(|a| a.iter().map(|v| Value::from(v.as_str().unwrap())).collect())
                .unwrap_or_default()
        };
        let env: serde_json::Map<String, Value> = t
            .get("env")
            .and_then(|e| e.as_inline_table())
            .map(|e| {
                e.iter()
                    .map(|(k, v)| (k.to_string(), Value::from(v.as_str().unwrap())))
                    .collect()
            })
            .unwrap_or_default();
        serde_json::json!({"command": t["command"].as_str().unwrap(), "args": strs(&t["args"]), "env": env})
    } else {
        // Cursor's JSONC: the tests' comments are whole lines.
        let json: String = text
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        let v: Value = serde_json::from_str(&json).unwrap();
        v["mcpServers"][name].clone()
    };
    let command = v["command"]
        .as_str()
        .unwrap_or_else(|| panic!("{name} has no command: {v}"))
        .to_string();
    let args = v["args"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|a| a.as_str().unwrap().to_string())
        .collect();
    let env = v["env"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
        .collect();
    (command, args, env)
}

/// Start server `name` of `file` exactly as an MCP client does (command, args and env from the config,
/// over the client's own environment, whose PATH finds the stand-ins); what it received, line by line.
pub fn start(home: &TempHome, file: &Path, name: &str) -> Vec<String> {
    let (command, args, env) = entry_of(file, name);
    let out = home.dir.path().join("received");
    let mut cmd = Command::new(&command);
    home.apply(&mut cmd);
    let path = format!(
        "{}:{}",
        launchers(home).display(),
        std::env::var("PATH").unwrap_or_default()
    );
    cmd.env("PATH", path).env("FAKE_OUT_FILE", &out).args(&args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let o = cmd.output().unwrap();
    assert!(
        o.status.success(),
        "{name}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let got = read(&out);
    std::fs::remove_file(&out).unwrap();
    got.lines().map(str::to_string).collect()
}

/// Every command line the stand-ins were started with so far, one per line.
pub fn argv_log(home: &TempHome) -> String {
    std::fs::read_to_string(home.dir.path().join("received.argv")).unwrap_or_default()
}

pub fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap()
}

pub fn add(home: &TempHome, args: &[&str], key: &str) -> std::process::Output {
    let mut a = vec!["add"];
    a.extend_from_slice(args);
    run(home, &a, &format!("{key}\n"), &[])
}

/// The keychain accounts of Rekey's that hold `key` (the tests share one keychain, so by value).
/// `secret-tool search --all` prints each item's secret on stdout and its attributes on stderr, in the
/// same order.
pub fn holding(key: &str) -> Vec<String> {
    let o = Command::new("secret-tool")
        .args(["search", "--all", "service", "rekey"])
        .output()
        .unwrap();
    let pick = |bytes: &[u8], prefix: &str| -> Vec<String> {
        String::from_utf8_lossy(bytes)
            .lines()
            .filter_map(|l| l.trim().strip_prefix(prefix).map(str::to_string))
            .collect()
    };
    let secrets = pick(&o.stdout, "secret = ");
    let users = pick(&o.stderr, "attribute.username = ");
    assert_eq!(secrets.len(), users.len(), "secret-tool's output");
    users
        .into_iter()
        .zip(secrets)
        .filter(|(_, s)| s == key)
        .map(|(u, _)| u)
        .collect()
}

pub fn no_key_anywhere(home: &TempHome, outputs: &[&std::process::Output], key: &str) {
    for o in outputs {
        let all =
            String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr);
        assert!(!all.contains(key), "a key in the output: {all}");
    }
    for (p, text) in data_files(home) {
        assert!(!text.contains(key), "a key in {}", p.display());
    }
}
