//! YAML clients (Goose, Continue, LibreChat) end to end through the CLI: their docs' configs scan with
//! the expected slots, replace changes only the secret's bytes (style, comments, CRLF, BOM, flow style
//! kept), and what cannot be edited safely is refused with the file unchanged.
mod common;
use common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn reference(name: &str) -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/reference-configs");
    std::fs::read_to_string(p.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
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

fn replace(home: &TempHome, old: &str, new: &str) -> std::process::Output {
    let mut cmd = rekey();
    home.apply(&mut cmd);
    spawn_with_stdin(
        cmd.args(["replace", "--yes", "--json"]),
        &format!("{old}\n{new}\n"),
    )
    .wait_with_output()
    .unwrap()
}

/// (server, location, state, lives_in) of every slot in the scanned file.
fn slots(report: &Value, path: &Path) -> Vec<(String, String, String, String)> {
    let file = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == path.to_str().unwrap())
        .unwrap_or_else(|| panic!("{path:?} not scanned: {report}"));
    assert_eq!(file["status"], "ok", "{file}");
    assert_eq!(file["format"], "yaml", "{file}");
    let mut v = Vec::new();
    for s in file["servers"].as_array().unwrap() {
        for slot in s["slots"].as_array().unwrap() {
            v.push((
                slot["server"].as_str().unwrap().into(),
                slot["location"].as_str().unwrap().into(),
                slot["state"].as_str().unwrap().into(),
                slot["lives_in"].as_str().unwrap_or("").into(),
            ));
        }
    }
    v
}

fn t(
    server: &str,
    location: &str,
    state: &str,
    lives_in: &str,
) -> (String, String, String, String) {
    (
        server.into(),
        location.into(),
        state.into(),
        lives_in.into(),
    )
}

/// Register `project` as a project folder (Claude Code's ~/.claude.json lists it).
fn add_project(home: &TempHome, project: &Path) {
    std::fs::create_dir_all(project).unwrap();
    home.write(
        "home/.claude.json",
        &format!(
            "{{\"projects\": {{{:?}: {{\"note\": \"x\"}}}}}}",
            project.to_str().unwrap()
        ),
    );
}

const CONTINUE_HUB: &str =
    "(Continue secrets: .continue/.env, the workspace .env or the Continue Hub)";

#[test]
fn the_docs_configs_of_each_yaml_client_scan_with_the_expected_slots() {
    let home = TempHome::new();
    let goose = home.write(
        "config/goose/config.yaml",
        &reference("goose__aaif-goose-goose__config-files-md__extensions.yaml"),
    );
    let cont = home.write(
        "home/.continue/config.yaml",
        &reference("continue__continuedev-continue__docs-mcp-mdx__secrets.yaml"),
    );
    let project: PathBuf = home.dir.path().join("work/librechat");
    add_project(&home, &project);
    let libre = home.write(
        project.join("librechat.yaml"),
        &reference("librechat__librechat-ai__docs-mcp-servers__headers-user-vars.yaml"),
    );
    let report = scan(&home);
    // The docs' Goose example holds no values (`envs: {}`): scanned, nothing found.
    assert_eq!(slots(&report, &goose), []);
    assert_eq!(
        slots(&report, &cont),
        [
            t(
                "Supabase MCP",
                "args[3] (after --access-token)",
                "reference",
                &format!("Continue secret 'SUPABASE_TOKEN' {CONTINUE_HUB}")
            ),
            t(
                "Supabase MCP",
                "env.SUPABASE_TOKEN",
                "reference",
                &format!("Continue secret 'SUPABASE_TOKEN' {CONTINUE_HUB}")
            ),
            t(
                "GitHub",
                "env.GITHUB_PERSONAL_ACCESS_TOKEN",
                "reference",
                &format!("Continue secret 'GITHUB_PERSONAL_ACCESS_TOKEN' {CONTINUE_HUB}")
            ),
        ]
    );
    assert_eq!(
        slots(&report, &libre),
        [
            t(
                "googlesheets",
                "headers.X-API-Key",
                "reference",
                "environment variable SOME_API_KEY"
            ),
            t(
                "per-user-credentials-example",
                "headers.X-Auth-Token",
                "reference",
                "LibreChat per-user value MY_SERVICE_API_KEY, set in LibreChat"
            ),
        ]
    );
    let clients = report["clients"].as_array().unwrap();
    for id in ["goose", "continue", "librechat"] {
        let c = clients.iter().find(|c| c["id"] == id).unwrap();
        assert_eq!(c["installed"], true, "{c}");
    }
}

#[test]
fn goose_values_are_replaced_in_their_own_style_only() {
    let home = TempHome::new();
    let old = "ghp_0123456789abcdefOLD";
    let original = format!(
        "\u{feff}# Goose\r\nextensions:\r\n  github:\r\n    type: stdio\r\n    cmd: npx\r\n    args: [\"-y\", '@modelcontextprotocol/server-github']\r\n    envs:\r\n      GITHUB_PERSONAL_ACCESS_TOKEN: {old}   # plain\r\n      GITHUB_TOKEN: '{old}'\r\n    env_keys: [OTHER_TOKEN]\r\n  remote:\r\n    type: streamable_http\r\n    uri: \"https://example.com/mcp?token={old}\"\r\n    headers: {{Authorization: \"Bearer {old}\"}}\r\n"
    );
    let dest = home.write("config/goose/config.yaml", &original);
    let report = scan(&home);
    let keyring = "Goose's keyring (goose configure > secrets), or secrets.yaml beside config.yaml when GOOSE_DISABLE_KEYRING is set";
    assert_eq!(
        slots(&report, &dest),
        [
            t("github", "envs.GITHUB_PERSONAL_ACCESS_TOKEN", "secret", ""),
            t("github", "envs.GITHUB_TOKEN", "secret", ""),
            t("github", "env.OTHER_TOKEN", "reference", keyring),
            t("remote", "uri (?token=)", "secret", ""),
            t("remote", "headers.Authorization", "secret", ""),
        ]
    );
    let new = "ghp_new'\"\\value/+=&0123";
    let out = replace(&home, old, new);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let after = std::fs::read_to_string(&dest).unwrap();
    let expected = original
        // A plain scalar stays plain when the new value can be written plain.
        .replace(&format!(": {old}   #"), &format!(": {new}   #"))
        .replace(&format!("'{old}'"), "'ghp_new''\"\\value/+=&0123'")
        .replace(
            &format!("token={old}"),
            "token=ghp_new%27%22%5Cvalue%2F%2B%3D%260123",
        )
        .replace(
            &format!("Bearer {old}"),
            "Bearer ghp_new'\\\"\\\\value/+=&0123",
        );
    assert_eq!(after, expected);
    // A new value that cannot stay plain (it starts with a YAML indicator) is double-quoted. (A key
    // holds no whitespace: `rekey replace` refuses one.)
    let out = replace(&home, new, "@ghp_x_0123456789");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let after2 = std::fs::read_to_string(&dest).unwrap();
    assert!(
        after2.contains("GITHUB_PERSONAL_ACCESS_TOKEN: \"@ghp_x_0123456789\"   # plain\r\n"),
        "{after2}"
    );
    assert!(
        after2.contains("GITHUB_TOKEN: '@ghp_x_0123456789'\r\n"),
        "{after2}"
    );
}

#[test]
fn goose_secrets_yaml_is_labelled_by_the_extension_naming_it_and_rewritten() {
    let home = TempHome::new();
    home.write(
        "config/goose/config.yaml",
        "extensions:\n  github:\n    cmd: npx\n    env_keys:\n      - GITHUB_TOKEN\n",
    );
    let original = "# secrets\nGITHUB_TOKEN: \"ghp_0123456789abcdefOLD\"\nOPENAI_API_KEY: sk-proj-0123456789abcdef\n";
    let dest = home.write("config/goose/secrets.yaml", original);
    let report = scan(&home);
    assert_eq!(
        slots(&report, &dest),
        [
            t("github", "env.GITHUB_TOKEN", "secret", ""),
            t("goose secrets", "env.OPENAI_API_KEY", "secret", ""),
        ]
    );
    let out = replace(&home, "ghp_0123456789abcdefOLD", "ghp_new_0123456789");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(&dest).unwrap(),
        original.replace("ghp_0123456789abcdefOLD", "ghp_new_0123456789")
    );
}

#[test]
fn continue_entries_are_named_by_their_name_field_even_after_the_env() {
    let home = TempHome::new();
    let old = "sk-live-0123456789abcdef";
    let original = format!(
        "name: My config\nversion: 0.0.1\nschema: v1\nmcpServers:\n  - env:\n      API_KEY: {old}\n    command: npx\n    name: Late Name\n  - name: Remote\n    url: https://example.com/mcp\n    requestOptions:\n      headers:\n        Authorization: Bearer {old}\n"
    );
    let dest = home.write("home/.continue/config.yaml", &original);
    let block = home.write(
        "home/.continue/mcpServers/claude-style.json",
        &format!("{{\"mcpServers\": {{\"jsonsrv\": {{\"command\": \"npx\", \"env\": {{\"API_KEY\": \"{old}\"}}}}}}}}"),
    );
    let report = scan(&home);
    assert_eq!(
        slots(&report, &dest),
        [
            t("Late Name", "env.API_KEY", "secret", ""),
            t(
                "Remote",
                "requestOptions.headers.Authorization",
                "secret",
                ""
            ),
        ]
    );
    let cred = report["credentials"].as_array().unwrap();
    assert_eq!(cred.len(), 1);
    assert_eq!(cred[0]["usages"], 3, "{report}");
    let out = replace(&home, old, "sk-live-new-fedcba987654");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(&dest).unwrap(),
        original.replace(old, "sk-live-new-fedcba987654")
    );
    assert!(std::fs::read_to_string(&block)
        .unwrap()
        .contains("sk-live-new-fedcba987654"));
}

#[test]
fn block_scalars_shared_anchors_and_multi_document_files_are_refused_unchanged() {
    let old = "sk-live-0123456789abcdef";
    for (why, text) in [
        ("block", format!("extensions:\n  a:\n    envs:\n      API_KEY: |-\n        {old}\n")),
        ("alias", format!("extensions:\n  a:\n    envs:\n      API_KEY: &k {old}\n  b:\n    envs:\n      API_KEY: *k\n")),
        ("documents", format!("extensions:\n  a:\n    envs:\n      API_KEY: {old}\n---\nother: 1\n")),
    ] {
        let home = TempHome::new();
        let dest = home.write("config/goose/config.yaml", &text);
        let report = scan(&home);
        assert!(!slots(&report, &dest).is_empty(), "{why}: {report}");
        let out = replace(&home, old, "sk-live-new-fedcba987654");
        assert!(!out.status.success(), "{why}");
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            all.contains(match why {
                "block" => "block scalar",
                "alias" => "aliases",
                _ => "several documents",
            }),
            "{why}: {all}"
        );
        assert!(!all.contains(old), "{why}: the key leaked: {all}");
        assert_eq!(std::fs::read_to_string(&dest).unwrap(), text, "{why}");
    }
}
