//! The config engine against the real-world config files of ../shared/reference/configs/ (vendored in
//! tests/fixtures/reference-configs/ so a clone tests alone): scan finds the expected slots, replace
//! round-trips changing only the secret's bytes, broken files are refused.
mod common;
use common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn reference_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/reference-configs")
}

fn reference(name: &str) -> String {
    std::fs::read_to_string(reference_dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The vendored copy is what its manifest (`SHA256SUMS`, one `<sha256>  <name>` line per file) says, so
/// a fixture changed or dropped by mistake fails here in any clone; and, when the shared reference set is
/// beside the checkout, it is that set. `REKEY_BLESS=1` rewrites the manifest from the vendored files.
#[test]
fn the_vendored_reference_configs_match_their_manifest_and_the_shared_ones() {
    use sha2::{Digest, Sha256};
    let mut names: Vec<String> = std::fs::read_dir(reference_dir())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != "SHA256SUMS")
        .collect();
    names.sort();
    let listed: String = names
        .iter()
        .map(|n| {
            let digest = Sha256::digest(std::fs::read(reference_dir().join(n)).unwrap());
            let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
            format!("{hex}  {n}\n")
        })
        .collect();
    let manifest = reference_dir().join("SHA256SUMS");
    if std::env::var_os("REKEY_BLESS").is_some() {
        std::fs::write(&manifest, &listed).unwrap();
    }
    assert!(names.len() > 40, "only {} vendored files", names.len());
    assert_eq!(
        std::fs::read_to_string(&manifest).unwrap(),
        listed,
        "tests/fixtures/reference-configs differs from its SHA256SUMS (REKEY_BLESS=1 after a deliberate change)"
    );
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/reference/configs");
    if let Ok(entries) = std::fs::read_dir(&shared) {
        for e in entries.flatten() {
            let name = e.file_name();
            let vendored = std::fs::read(reference_dir().join(&name))
                .unwrap_or_else(|err| panic!("{name:?} is not vendored: {err}"));
            assert_eq!(
                vendored,
                std::fs::read(e.path()).unwrap(),
                "{name:?} differs"
            );
        }
    }
}

/// Where a reference file goes in a temp home, by the client its name starts with.
fn destination(name: &str) -> Option<&'static str> {
    let client = name.split("__").next().unwrap();
    Some(match client {
        "claude-desktop" => "config/Claude/claude_desktop_config.json",
        "claude-code" => "home/.claude.json",
        "cursor" => "home/.cursor/mcp.json",
        "vscode" => "config/Code/User/mcp.json",
        "windsurf" => "home/.codeium/windsurf/mcp_config.json",
        "zed" => "config/zed/settings.json",
        "gemini-cli" => "home/.gemini/settings.json",
        "codex" => "home/.codex/config.toml",
        _ => return None, // YAML clients (Continue, Goose, LibreChat): tests/config_yaml.rs
    })
}

fn scan(home: &TempHome) -> Value {
    let mut cmd = rekey();
    home.apply(&mut cmd);
    let out = cmd.args(["scan", "--json"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// `rekey replace --yes`, with `--anyway`: these tests are about the bytes around the key, and their
/// made-up keys need not have their provider's shape (tests/replace.rs checks that).
fn replace(home: &TempHome, old: &str, new: &str) -> std::process::Output {
    let mut cmd = rekey();
    home.apply(&mut cmd);
    spawn_with_stdin(
        cmd.args(["replace", "--yes", "--json", "--anyway"]),
        &format!("{old}\n{new}\n"),
    )
    .wait_with_output()
    .unwrap()
}

/// (server, location, state) of every slot in the scanned file.
fn slots(report: &Value, path: &Path) -> Vec<(String, String, String)> {
    let file = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == path.to_str().unwrap())
        .expect("file scanned");
    let mut v = Vec::new();
    for s in file["servers"].as_array().unwrap() {
        for slot in s["slots"].as_array().unwrap() {
            v.push((
                slot["server"].as_str().unwrap().into(),
                slot["location"].as_str().unwrap().into(),
                slot["state"].as_str().unwrap().into(),
            ));
        }
    }
    v
}

fn t(server: &str, location: &str, state: &str) -> (String, String, String) {
    (server.into(), location.into(), state.into())
}

struct Case {
    file: &'static str,
    slots: Vec<(String, String, String)>,
    /// A literal value in the file to replace, and how many slots hold it.
    replace: Option<(&'static str, usize)>,
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            file: "claude-code__donaldsteele-NightShift__test-fixture__home-claude-json__realistic.json",
            slots: vec![t("github", "env.GITHUB_TOKEN", "secret")],
            replace: Some(("ghp_not_a_real_token", 1)),
        },
        Case {
            file: "claude-desktop__featherflow-bitscale-mcp__README__env.json",
            slots: vec![t("bitscale", "env.BITSCALE_API_KEY", "placeholder")],
            replace: Some(("your_api_key_here", 1)),
        },
        Case {
            file: "claude-desktop__github-github-mcp-server__install-claude__docker-env.json",
            slots: vec![t("github", "env.GITHUB_PERSONAL_ACCESS_TOKEN", "placeholder")],
            replace: Some(("YOUR_GITHUB_PAT", 1)),
        },
        Case {
            file: "claude-desktop__github-github-mcp-server__install-claude__mcp-remote-header.json",
            slots: vec![
                t("github", "args[3] (--header Authorization)", "reference"),
                t("github", "env.GITHUB_PERSONAL_ACCESS_TOKEN", "placeholder"),
            ],
            replace: Some(("YOUR_GITHUB_PAT", 1)),
        },
        Case {
            file: "claude-desktop__stripe-agent-toolkit__README__args-api-key.json",
            slots: vec![t("stripe", "args[3] (--api-key=)", "placeholder")],
            replace: Some(("STRIPE_SECRET_KEY", 1)),
        },
        Case {
            file: "cursor__MichelAde-groovegrid__MCP_FINAL_CONFIG__windows.json",
            slots: vec![
                t("postgres", "args[2] (password)", "placeholder"),
                t("stripe", "env.STRIPE_SECRET_KEY", "placeholder"),
                t("resend", "env.RESEND_API_KEY", "placeholder"),
            ],
            replace: Some(("YOUR_PASSWORD_HERE", 1)),
        },
        Case {
            file: "cursor__userjot-docs__mcp-cursor__env-interpolation.json",
            slots: vec![t("userjot", "headers.Authorization", "reference")],
            replace: None,
        },
        Case {
            file: "gemini-cli__google-gemini-gemini-cli__docs-mcp-server__jsonc-and-headers.jsonc",
            slots: vec![t("pythonTools", "env.API_KEY", "reference"), t("httpServerWithAuth", "headers.Authorization", "placeholder")],
            replace: Some(("your-api-token", 1)),
        },
        Case {
            file: "vscode__github-github-mcp-server__README__inputs-bearer.json",
            slots: vec![t("github", "headers.Authorization", "reference")],
            replace: None,
        },
        Case {
            file: "vscode__microsoft-vscode-docs__mcp-servers-md__jsonc-comments-trailing-comma.jsonc",
            slots: vec![t("Perplexity", "env.PERPLEXITY_API_KEY", "reference")],
            replace: None,
        },
        Case {
            file: "windsurf__github-github-mcp-server__install-windsurf__serverUrl-bearer.json",
            slots: vec![t("github", "headers.Authorization", "placeholder")],
            replace: Some(("YOUR_GITHUB_PAT", 1)),
        },
        Case {
            file: "zed__github-github-mcp-server__install-zed__context-servers-bearer.json",
            slots: vec![t("github", "headers.Authorization", "placeholder")],
            replace: Some(("YOUR_GITHUB_PAT", 1)),
        },
    ]
}

#[test]
fn every_reference_config_scans_with_the_expected_slots_and_round_trips() {
    for case in cases() {
        let home = TempHome::new();
        let original = reference(case.file);
        let dest = home.write(destination(case.file).unwrap(), &original);
        let report = scan(&home);
        assert_eq!(slots(&report, &dest), case.slots, "{}", case.file);
        // Masked values only: no slot value appears in the report.
        let text = report.to_string();
        if let Some((old, _)) = case.replace {
            assert!(
                !text.contains(old) || old.len() < 12,
                "{}: unmasked value in scan output",
                case.file
            );
        }

        let Some((old, n)) = case.replace else {
            continue;
        };
        let new = "rk_new_Secret/+=&?\"\\value_0123";
        let out = replace(&home, old, new);
        assert!(
            out.status.success(),
            "{}: {}",
            case.file,
            String::from_utf8_lossy(&out.stderr)
        );
        let after = std::fs::read_to_string(&dest).unwrap();
        // Only the secret's bytes changed, escaped for JSON/TOML (and URL-encoded inside a URL).
        let in_url = case.file.contains("groovegrid");
        let encoded = if in_url {
            "rk_new_Secret%2F%2B%3D%26%3F%22%5Cvalue_0123".to_string()
        } else {
            new.replace('\\', "\\\\").replace('"', "\\\"")
        };
        assert_eq!(original.matches(old).count(), n, "{}", case.file);
        assert_eq!(after, original.replace(old, &encoded), "{}", case.file);
        // The new value is now one credential used n times.
        let report = scan(&home);
        let creds = report["credentials"].as_array().unwrap();
        let mine: Vec<_> = creds
            .iter()
            .filter(|c| c["masked"] == "rk_n…0123")
            .collect();
        assert_eq!(mine.len(), 1, "{}: {creds:?}", case.file);
        assert_eq!(mine[0]["usages"], n, "{}", case.file);
        assert!(
            !report.to_string().contains("Secret/+="),
            "unmasked new value in scan output"
        );
    }
}

#[test]
fn the_invalid_codex_example_is_reported_with_a_position_and_never_written() {
    let home = TempHome::new();
    let name = "codex__openai-codex__docs-config-md__mcp-servers.toml";
    let original = reference(name);
    let dest = home.write(destination(name).unwrap(), &original);
    let report = scan(&home);
    let file = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == dest.to_str().unwrap())
        .unwrap();
    assert_eq!(file["status"], "invalid");
    let err = file["error"].as_str().unwrap();
    assert!(
        err.contains("line 12, column 26") && err.contains("duplicate key"),
        "{err}"
    );
    // The broken file holds the value: it is reported with the line of its first use, not skipped.
    let out = replace(&home, "value", "new-value-123456");
    assert_eq!(
        out.status.code(),
        Some(5),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let unparsed = &v["plan"]["unparsed"];
    assert_eq!(unparsed[0]["path"], dest.to_str().unwrap(), "{v}");
    assert_eq!(unparsed[0]["line"], 10, "{v}");
    assert!(
        unparsed[0]["reason"]
            .as_str()
            .unwrap()
            .contains("line 12, column 26"),
        "{v}"
    );
    assert_eq!(std::fs::read_to_string(&dest).unwrap(), original);
    // A value it does not hold is "nothing found", with a note that the broken file was not searched.
    let out = replace(&home, "absent-value-1234", "new-value-123456");
    assert_eq!(out.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&out.stderr).contains("was not searched"));
    assert_eq!(std::fs::read_to_string(&dest).unwrap(), original);
}

#[test]
fn codex_toml_slots_are_found_and_replaced_in_place() {
    let home = TempHome::new();
    let original = "# my servers\r\n[mcp_servers.bitscale]\r\ncommand = \"uvx\"\r\nenv = { \"BITSCALE_API_KEY\" = \"bs_live_1234567890abcdef\" } # key\r\n\r\n[mcp_servers.figma]\r\nurl = \"https://mcp.figma.com/mcp\"\r\nbearer_token_env_var = \"FIGMA_TOKEN\"\r\nhttp_headers = { 'X-API-KEY' = 'bs_live_1234567890abcdef' }\r\n";
    let dest = home.write("home/.codex/config.toml", original);
    let report = scan(&home);
    assert_eq!(
        slots(&report, &dest),
        [
            t("bitscale", "env.BITSCALE_API_KEY", "secret"),
            t("figma", "bearer_token_env_var", "reference"),
            t("figma", "headers.X-API-KEY", "secret"),
        ]
    );
    let out = replace(&home, "bs_live_1234567890abcdef", "bs_live_new_0987654321");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(&dest).unwrap(),
        original.replace("bs_live_1234567890abcdef", "bs_live_new_0987654321")
    );
}

#[test]
fn bytes_around_the_secret_survive_bom_crlf_comments_bigints_and_escapes() {
    let home = TempHome::new();
    let original = "\u{feff}{\r\n\t// keep me\r\n\t\"mcpServers\": {\r\n\t  \"bs\": { \"env\": { \"BITSCALE_API_KEY\": \"bs_\\u0041ctual_key_12345\", }, \"n\": 123456789012345678901234567890, \"f\": 0.1000000000000000055511151231257827 },\r\n\t  \"x\": { \"args\": [\"--header\", \"Authorization:\\u0020Bearer bs_Actual_key_12345\"] }\r\n\t},\r\n}";
    let dest = home.write("home/.cursor/mcp.json", original);
    let out = replace(&home, "bs_Actual_key_12345", "bs_new_key_67890abc");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let after = std::fs::read_to_string(&dest).unwrap();
    let expected = original
        .replace("bs_\\u0041ctual_key_12345", "bs_new_key_67890abc")
        .replace("Bearer bs_Actual_key_12345", "Bearer bs_new_key_67890abc");
    assert_eq!(after, expected);
}

#[test]
fn claude_code_project_scopes_and_project_files_are_found() {
    let home = TempHome::new();
    let project = home.dir.path().join("work/app");
    let claude = format!(
        "{{\"projects\": {{\"{p}\": {{\"mcpServers\": {{\"a2a\": {{\"env\": {{\"A2AMARKET_API_KEY\": \"ak_live_0123456789abcdef\"}}}}}}}}}}}}",
        p = project.display()
    );
    home.write("home/.claude.json", &claude);
    home.write("work/app/.mcp.json", "{\"mcpServers\": {\"a2a\": {\"env\": {\"A2AMARKET_API_KEY\": \"ak_live_0123456789abcdef\"}}}}");
    home.write("work/app/.cursor/mcp.json", "{\"mcpServers\": {\"a2a\": {\"env\": {\"A2AMARKET_API_KEY\": \"ak_live_0123456789abcdef\"}}}}");
    let report = scan(&home);
    let creds = report["credentials"].as_array().unwrap();
    assert_eq!(creds.len(), 1, "{creds:?}");
    assert_eq!(creds[0]["usages"], 3);
    assert_eq!(creds[0]["provider"], "a2a-market");
    let files: Vec<PathBuf> = creds[0]["slots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| PathBuf::from(s["file"].as_str().unwrap()))
        .collect();
    assert!(
        files.contains(&project.join(".mcp.json"))
            && files.contains(&project.join(".cursor/mcp.json")),
        "{files:?}"
    );
    let server = &report["files"][0]["servers"][0];
    assert_eq!(server["project"], project.to_str().unwrap());
}

/// One `~/.claude.json` often has the same server under several projects (and hand edits leave duplicate
/// keys, of which the client uses the last): every slot says which project it is in, and a replace
/// rewrites every copy of the old key.
#[test]
fn the_same_server_in_several_projects_is_told_apart_and_every_copy_is_replaced() {
    let home = TempHome::new();
    let old = "ghp_abcdefghijklmnopqrstuvwxyz0123456789";
    let new = "ghp_ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210";
    let entry =
        |cmd: &str| format!("{{\"command\": \"{cmd}\", \"env\": {{\"GITHUB_TOKEN\": \"{old}\"}}}}");
    let before = format!(
        "{{\n  \"projects\": {{\n    \"/src/a\": {{\"mcpServers\": {{\"gh\": {e}}}}},\n    \"/src/b\": {{\"mcpServers\": {{\"gh\": {e}}}}}\n  }},\n  \"mcpServers\": {{\"gh\": {x}, \"gh\": {y}}}\n}}\n",
        e = entry("npx"),
        x = entry("x"),
        y = entry("y")
    );
    let path = home.write("home/.claude.json", &before);
    let report = scan(&home);
    let creds = report["credentials"].as_array().unwrap();
    assert_eq!(creds.len(), 1, "{creds:?}");
    assert_eq!(creds[0]["usages"], 4);
    let mut projects: Vec<Option<String>> = creds[0]["slots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["project"].as_str().map(String::from))
        .collect();
    projects.sort();
    assert_eq!(
        projects,
        [None, None, Some("/src/a".into()), Some("/src/b".into())]
    );

    let out = replace(&home, old, new);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let plan: Value = serde_json::from_slice(&out.stdout).unwrap();
    let text = plan.to_string();
    assert!(
        text.contains("\"project\":\"/src/a\"") && text.contains("\"project\":\"/src/b\""),
        "{text}"
    );
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        before.replace(old, new)
    );
}

#[test]
fn credential_ids_are_keyed_not_plain_hashes() {
    let home = TempHome::new();
    home.write(
        "home/.cursor/mcp.json",
        "{\"mcpServers\": {\"s\": {\"env\": {\"API_KEY\": \"sk-live-abcdefghijklmnop\"}}}}",
    );
    let id1 = scan(&home)["credentials"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        scan(&home)["credentials"][0]["id"],
        id1.as_str(),
        "stable within one install"
    );
    let other = TempHome::new();
    other.write(
        "home/.cursor/mcp.json",
        "{\"mcpServers\": {\"s\": {\"env\": {\"API_KEY\": \"sk-live-abcdefghijklmnop\"}}}}",
    );
    assert_ne!(
        scan(&other)["credentials"][0]["id"],
        id1.as_str(),
        "another install's key gives another id"
    );
    #[cfg(unix)]
    {
        let key = home.dir.path().join("data/rekey/fingerprint.key");
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(key).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
}

#[cfg(unix)] // detached from the terminal by its own process group
#[test]
fn replace_without_yes_and_without_a_terminal_changes_nothing() {
    let home = TempHome::new();
    let original =
        "{\"mcpServers\": {\"s\": {\"env\": {\"API_KEY\": \"sk-live-abcdefghijklmnop\"}}}}";
    let dest = home.write("home/.cursor/mcp.json", original);
    let mut cmd = rekey();
    home.apply(&mut cmd);
    use std::os::unix::process::CommandExt;
    cmd.process_group(0); // no controlling terminal reachable through /dev/tty in CI; make it explicit
    let out = spawn_with_stdin(
        cmd.args(["replace"]),
        "sk-live-abcdefghijklmnop\nsk-live-new-0123456789\n",
    )
    .wait_with_output()
    .unwrap();
    // Either no terminal (usage error) or not confirmed: never written.
    assert!(matches!(out.status.code(), Some(2) | Some(6)), "{out:?}");
    assert_eq!(std::fs::read_to_string(&dest).unwrap(), original);
    assert!(!String::from_utf8_lossy(&out.stdout).contains("abcdefghijklmnop"));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("abcdefghijklmnop"));
}

#[test]
fn bad_input_gets_a_specific_error_and_changes_nothing() {
    let home = TempHome::new();
    let original =
        "{\"mcpServers\": {\"s\": {\"env\": {\"API_KEY\": \"sk-live-abcdefghijklmnop\"}}}}";
    let dest = home.write("home/.cursor/mcp.json", original);
    for (input, expect) in [
        ("sk-live-abcdefghijklmnop\n", "expected 2 non-empty lines"),
        (
            "sk-live-abcdefghijklmnop\nsk-live-abcdefghijklmnop\n",
            "same as the old one",
        ),
        ("sk-live-abcdefghijklmnop\n new-with-space\n", "whitespace"),
    ] {
        let mut cmd = rekey();
        home.apply(&mut cmd);
        let out = spawn_with_stdin(cmd.args(["replace", "--yes"]), input)
            .wait_with_output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{input:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(expect), "{input:?}: {err}");
        assert!(!err.contains("abcdefghijklmnop"), "secret in error: {err}");
    }
    assert_eq!(std::fs::read_to_string(&dest).unwrap(), original);
}

#[test]
fn backups_list_and_restore_round_trip() {
    let home = TempHome::new();
    let original =
        "{\"mcpServers\": {\"s\": {\"env\": {\"API_KEY\": \"sk-live-abcdefghijklmnop\"}}}}";
    let dest = home.write("home/.cursor/mcp.json", original);
    assert!(
        replace(&home, "sk-live-abcdefghijklmnop", "sk-live-new-0123456789")
            .status
            .success()
    );
    let mut cmd = rekey();
    home.apply(&mut cmd);
    let list: Value =
        serde_json::from_slice(&cmd.args(["backups", "--json"]).output().unwrap().stdout).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);
    let id = list[0]["id"].as_str().unwrap();
    assert_eq!(list[0]["original"], dest.to_str().unwrap());
    let mut cmd = rekey();
    home.apply(&mut cmd);
    let out = cmd.args(["restore", id, "--yes"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(std::fs::read_to_string(&dest).unwrap(), original);
    // The restore itself was backed up first.
    let mut cmd = rekey();
    home.apply(&mut cmd);
    let list: Value =
        serde_json::from_slice(&cmd.args(["backups", "--json"]).output().unwrap().stdout).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 2);
}
