mod common;
use common::*;

#[test]
fn version_prints_the_package_version() {
    let out = rekey().arg("--version").output().unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap().trim(),
        format!("rekey {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn help_lists_the_commands() {
    let out = rekey().arg("--help").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    // Every command docs/cli.md describes, in --help's order; a command added or dropped shows here.
    let listed: Vec<&str> = text
        .split("Commands:")
        .nth(1)
        .and_then(|t| t.split("Options:").next())
        .unwrap()
        .lines()
        .filter_map(|l| l.strip_prefix("  ")?.split_whitespace().next())
        .collect();
    let all = [
        "clients",
        "scan",
        "replace",
        "backups",
        "restore",
        "doctor",
        "providers",
        "login",
        "link",
        "plan",
        "rotate",
        "finish",
        "verify",
        "name",
        "history",
        "recover",
        "exec",
        "protect",
        "unprotect",
        "add",
        "guard",
        "rollback",
        "keep-both",
        "revoke-old",
        "help",
    ];
    assert_eq!(listed, all, "{text}");
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/cli.md")).unwrap();
    for cmd in &all[..all.len() - 1] {
        // Each command has its own help, and its own place in docs/cli.md.
        let out = rekey().args([cmd, "--help"]).output().unwrap();
        let help = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && help.contains(&format!("Usage: rekey {cmd}")),
            "rekey {cmd} --help: {help}"
        );
        // The command as a word of its own: `rekey name ` or `rekey -- name`, not "rekey names".
        let shown = ["rekey ", "rekey -- "].iter().any(|p| {
            doc.match_indices(&format!("{p}{cmd}")).any(|(i, m)| {
                !doc[i + m.len()..].starts_with(|c: char| c.is_ascii_alphanumeric() || c == '-')
            })
        });
        assert!(shown, "docs/cli.md never shows `rekey {cmd}`");
    }
}

#[test]
fn unknown_command_fails_with_usage_error() {
    let out = rekey().arg("frobnicate").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("frobnicate"));
}

#[test]
fn clients_json_lists_paths_under_home_and_marks_existing_files() {
    let home = TempHome::new();
    let cursor = home.write("home/.cursor/mcp.json", "{\"mcpServers\":{}}");
    let mut cmd = rekey();
    home.apply(&mut cmd);
    let out = cmd.args(["clients", "--json"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let files: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let files = files.as_array().unwrap();

    let find = |path: &std::path::Path| {
        files
            .iter()
            .find(|f| f["path"] == path.to_str().unwrap())
            .unwrap_or_else(|| panic!("{path:?} not listed"))
    };
    let claude = home.config().join("Claude/claude_desktop_config.json");
    assert_eq!(find(&claude)["client"], "claude-desktop");
    assert_eq!(find(&claude)["exists"], false);
    assert_eq!(find(&cursor)["client"], "cursor");
    assert_eq!(find(&cursor)["exists"], true);
    assert_eq!(find(&home.home().join(".claude.json"))["format"], "json");
    assert_eq!(
        find(&home.home().join(".codex/config.toml"))["format"],
        "toml"
    );
    // Everything listed lives inside the temp dirs.
    for f in files {
        assert!(
            f["path"]
                .as_str()
                .unwrap()
                .starts_with(home.dir.path().to_str().unwrap()),
            "{f}"
        );
    }
}

#[test]
fn clients_honours_codex_home_and_claude_config_dir() {
    let home = TempHome::new();
    let mut cmd = rekey();
    home.apply(&mut cmd);
    let elsewhere = home.dir.path().join("elsewhere");
    let out = cmd
        .env("CODEX_HOME", elsewhere.join("codex"))
        .env("CLAUDE_CONFIG_DIR", elsewhere.join("claude"))
        .args(["clients", "--json"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains(elsewhere.join("codex/config.toml").to_str().unwrap()));
    assert!(text.contains(elsewhere.join("claude/.claude.json").to_str().unwrap()));
}
