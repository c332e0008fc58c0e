//! The clients beyond the first eleven (issue 10, part 2) against examples from their own docs, vendored in
//! tests/fixtures/reference-configs/ (each with a `.source`): the scan finds the expected slots in each
//! client's file, and a replace changes only the secret's bytes.
mod common;
use common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn reference(name: &str) -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/reference-configs");
    assert!(
        dir.join(name.rsplit_once('.').unwrap().0.to_string() + ".source")
            .is_file(),
        "{name} has no .source"
    );
    std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
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

fn file<'a>(report: &'a Value, path: &Path) -> &'a Value {
    report["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == path.to_str().unwrap())
        .unwrap_or_else(|| panic!("{path:?} not scanned: {report}"))
}

/// (server, location, state) of every slot in the scanned file.
fn slots(report: &Value, path: &Path) -> Vec<(String, String, String)> {
    let mut v = Vec::new();
    for s in file(report, path)["servers"].as_array().unwrap() {
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
    client: &'static str,
    file: &'static str,
    /// Where the client reads it, relative to the temp dir (`home/` is HOME, `config/` XDG_CONFIG_HOME).
    dest: &'static str,
    slots: Vec<(String, String, String)>,
    /// A literal value in the file to replace, how many slots hold it, and whether it sits in a URL.
    replace: (&'static str, usize, bool),
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            client: "opencode",
            file: "opencode__opencode-ai__docs-mcp-servers__command-array-environment.jsonc",
            dest: "config/opencode/opencode.jsonc",
            slots: vec![
                t(
                    "my-local-mcp-server",
                    "command[4] (after --api-key)",
                    "secret",
                ),
                t("my-local-mcp-server", "environment.MY_API_KEY", "secret"),
                t("my-remote-mcp", "headers.Authorization", "placeholder"),
                t("context7", "headers.CONTEXT7_API_KEY", "reference"),
            ],
            replace: ("oc_live_4f8a2c9e1b7d3a6f", 2, false),
        },
        Case {
            client: "kiro",
            file: "kiro__kiro-dev__docs-mcp-configuration__env-and-headers.json",
            dest: "home/.kiro/settings/mcp.json",
            slots: vec![
                t("local-server-name", "env.BRAVE_API_KEY", "secret"),
                t("remote-server-name", "headers.Authorization", "reference"),
            ],
            replace: ("BSAkiro_fake_9c1e2d3f4a5b6c7d", 1, false),
        },
        Case {
            client: "antigravity",
            file: "antigravity__google-antigravity__docs-mcp__serverurl-query-key.json",
            dest: "home/.gemini/antigravity/mcp_config.json",
            slots: vec![
                t("github", "headers.Authorization", "placeholder"),
                t("exa", "serverUrl (?api_key=)", "secret"),
            ],
            replace: ("smk_fake_antigravity_0123456789", 1, true),
        },
        Case {
            client: "trae",
            file: "trae__docs-trae-ai__model-context-protocol__env.json",
            dest: "config/Trae/User/mcp.json",
            slots: vec![
                t("server-name", "env.API_KEY", "secret"),
                t("sse-server", "headers.Authorization", "secret"),
            ],
            replace: ("trae_fake_live_5e6f7a8b9c0d1e2f", 1, false),
        },
        Case {
            client: "copilot-cli",
            file: "copilot-cli__github-github-mcp-server__install-copilot-cli__http-and-local.json",
            dest: "home/.copilot/mcp-config.json",
            slots: vec![
                t("github", "headers.Authorization", "reference"),
                t("github-local", "env.GITHUB_PERSONAL_ACCESS_TOKEN", "secret"),
            ],
            replace: ("ghp_fakeCopilotCli0123456789abcdefABCD", 1, false),
        },
        Case {
            client: "amazon-q",
            file: "amazon-q__aws-docs__qdev-mcp__cli-agent.json",
            dest: "home/.aws/amazonq/cli-agents/dev.json",
            slots: vec![t("brave-search", "env.BRAVE_API_KEY", "secret")],
            replace: ("BSAq_fake_0a1b2c3d4e5f6a7b8c9d", 1, false),
        },
        Case {
            client: "warp",
            file: "warp__warpdotdev__agent-add-mcp__env-and-url.json",
            dest: "home/.warp/.mcp.json",
            slots: vec![t("github", "env.GITHUB_PERSONAL_ACCESS_TOKEN", "secret")],
            replace: ("ghp_fakeWarp0123456789abcdefABCDEFghij", 1, false),
        },
        Case {
            client: "qwen-code",
            file: "qwen-code__qwenlm-qwen-code-docs__users-mcp__httpurl-headers.jsonc",
            dest: "home/.qwen/settings.json",
            slots: vec![
                t("pythonTools", "env.API_KEY", "reference"),
                t("httpServerWithAuth", "headers.Authorization", "placeholder"),
            ],
            replace: ("your-api-token", 1, false),
        },
        Case {
            client: "devin-desktop",
            file: "devin-desktop__docs-devin-ai__cli-mcp-configuration__config-json.jsonc",
            dest: "config/devin/config.json",
            slots: vec![
                t("server-name", "env.API_KEY", "placeholder"),
                t("remote", "headers.Authorization", "secret"),
            ],
            replace: ("dvn_fake_live_7a8b9c0d1e2f3a4b", 1, false),
        },
        Case {
            client: "junie",
            file: "junie__agentmove__junie-mcp__env.json",
            dest: "home/.junie/mcp/mcp.json",
            slots: vec![t("postgres", "args[2] (password)", "secret")],
            replace: ("junie_fake_pw_0123456789", 1, true),
        },
        Case {
            client: "crush",
            file: "crush__charmbracelet-crush__configuration-mcp__headers-command.json",
            dest: "config/crush/crush.json",
            slots: vec![
                t("filesystem", "env.FS_API_TOKEN", "secret"),
                t("github", "headers.Authorization", "reference"),
                t("streaming-service", "headers.API-Key", "reference"),
            ],
            replace: ("crush_fake_tok_1a2b3c4d5e6f7a8b", 1, false),
        },
        Case {
            client: "amp",
            file: "amp__ampcode__manual__dotted-root-key.json",
            dest: "home/.config/amp/settings.json",
            slots: vec![
                t("sourcegraph", "env.SRC_ACCESS_TOKEN", "secret"),
                t("linear", "headers.Authorization", "reference"),
            ],
            replace: ("sgp_fake_amp_0123456789abcdef01234567", 1, false),
        },
        Case {
            client: "kilo-code",
            file: "kilo-code__kilo-org-kilocode__using-in-kilo-code__kilo-jsonc.jsonc",
            dest: "config/kilo/kilo.jsonc",
            slots: vec![
                t("context7", "command[4] (after --api-key)", "secret"),
                t("remote-server", "headers.Authorization", "reference"),
            ],
            replace: ("ctx7sk-fake-kilo-0123456789abcdef", 1, false),
        },
        Case {
            client: "augment",
            file: "augment__agentmove__augment-settings__env.json",
            dest: "home/.augment/settings.json",
            slots: vec![t("sentry", "args[2] (--access-token=)", "secret")],
            replace: ("sntrys_fake_augment_0123456789abcdef", 1, false),
        },
        Case {
            client: "boltai",
            file: "boltai__smithery-ai-cli__clients__env.json",
            dest: "home/.boltai/mcp.json",
            slots: vec![t("tavily", "env.TAVILY_API_KEY", "secret")],
            replace: ("tvly-fake-boltai-0123456789abcdef", 1, false),
        },
    ]
}

fn round_trip(home: &TempHome, dest: &Path, original: &str, case: (&str, usize, bool), name: &str) {
    let (old, n, in_url) = case;
    let new = "rk_new_Secret/+=&?\"\\value_0123";
    let out = replace(home, old, new);
    assert!(
        out.status.success(),
        "{name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let after = std::fs::read_to_string(dest).unwrap();
    let encoded = if in_url {
        "rk_new_Secret%2F%2B%3D%26%3F%22%5Cvalue_0123".to_string()
    } else {
        new.replace('\\', "\\\\").replace('"', "\\\"")
    };
    assert_eq!(original.matches(old).count(), n, "{name}");
    assert_eq!(after, original.replace(old, &encoded), "{name}");
    let report = scan(home);
    let mine: Vec<&Value> = report["credentials"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["masked"] == "rk_n…0123")
        .collect();
    assert_eq!(mine.len(), 1, "{name}");
    assert_eq!(mine[0]["usages"], n, "{name}");
    assert!(!report.to_string().contains("Secret/+="), "{name}");
}

#[test]
fn every_new_client_reads_its_docs_example_and_round_trips_a_replace() {
    for case in cases() {
        let home = TempHome::new();
        let original = reference(case.file);
        let dest = home.write(case.dest, &original);
        let report = scan(&home);
        assert_eq!(file(&report, &dest)["client"], case.client, "{}", case.file);
        assert_eq!(slots(&report, &dest), case.slots, "{}", case.file);
        let client = report["clients"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == case.client)
            .unwrap();
        assert_eq!(client["installed"], true, "{}", case.client);
        assert!(
            !report.to_string().contains(case.replace.0) || case.replace.0.len() < 16,
            "{}: unmasked value in scan output",
            case.file
        );
        round_trip(&home, &dest, &original, case.replace, case.file);
    }
}

/// Visual Studio has no user file off Windows: its solution files are found through a project folder
/// (here one Claude Code lists), with `servers` as the root and `${input:…}` as a reference.
#[test]
fn visual_studio_solution_files_are_scanned_as_projects() {
    let home = TempHome::new();
    let solution = home.dir.path().join("src/App");
    home.write(
        "home/.claude.json",
        &format!(
            "{{\"projects\": {{\"{}\": {{\"allowedTools\": [\"x\"]}}}}}}",
            solution.display()
        ),
    );
    let name = "visual-studio__microsoft-visualstudio-docs__mcp-servers__inputs.json";
    let original = reference(name);
    let dest = home.write("src/App/.vs/mcp.json", &original);
    let report = scan(&home);
    assert_eq!(file(&report, &dest)["client"], "visual-studio");
    assert_eq!(file(&report, &dest)["scope"], "project");
    assert_eq!(
        slots(&report, &dest),
        [
            t("github", "env.GITHUB_PERSONAL_ACCESS_TOKEN", "reference"),
            t("perplexity", "env.PERPLEXITY_API_KEY", "secret"),
        ]
    );
    round_trip(
        &home,
        &dest,
        &original,
        ("pplx-fakeVisualStudio0123456789abcdef", 1, false),
        name,
    );
}

/// `"amp.mcpServers"` is one key: a nested `"amp": {"mcpServers": …}` is not Amp's shape and is not read.
#[test]
fn amp_root_is_the_literal_dotted_key() {
    let home = TempHome::new();
    let dest = home.write(
        "home/.config/amp/settings.json",
        "{\"amp\": {\"mcpServers\": {\"a\": {\"env\": {\"API_KEY\": \"sk-nested-0123456789abcdef\"}}}},\n \"amp.mcpServers\": {\"b\": {\"env\": {\"API_KEY\": \"sk-dotted-0123456789abcdef\"}}}}",
    );
    let report = scan(&home);
    assert_eq!(slots(&report, &dest), [t("b", "env.API_KEY", "secret")]);
}

/// A client whose config folder exists but holds no config file yet is installed; one with neither is not.
#[test]
fn a_config_folder_alone_marks_a_client_installed() {
    let home = TempHome::new();
    std::fs::create_dir_all(home.dir.path().join("home/.kiro")).unwrap();
    let report = scan(&home);
    let installed = |id: &str| {
        report["clients"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .unwrap()["installed"]
            .clone()
    };
    assert_eq!(installed("kiro"), true);
    assert_eq!(installed("warp"), false);
    let kiro = report["clients"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "kiro")
        .unwrap();
    assert_eq!(kiro["files"], 0);
}

/// `rekey clients` lists the new clients' files and the clients it cannot scan.
#[test]
fn clients_lists_new_files_and_the_not_scannable_clients() {
    let home = TempHome::new();
    let mut cmd = rekey();
    home.apply(&mut cmd);
    let out = cmd.args(["clients"]).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let want: Vec<PathBuf> = vec![
        home.home().join(".kiro/settings/mcp.json"),
        home.config().join("opencode/opencode.json"),
        home.home().join(".config/amp/settings.json"),
    ];
    for p in want {
        assert!(text.contains(p.to_str().unwrap()), "{p:?} not in:\n{text}");
    }
    for name in ["Cherry Studio", "JetBrains AI Assistant", "Msty"] {
        assert!(
            text.lines()
                .any(|l| l.contains(name) && l.contains("not scannable")),
            "{name}:\n{text}"
        );
    }
}
