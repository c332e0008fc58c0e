//! Path tests per OS through the injected [`Env`], for every client.
use super::*;

pub(crate) fn env(platform: Platform) -> Env {
    match platform {
        Platform::Linux => Env {
            platform,
            home: "/home/u".into(),
            config_dir: "/home/u/.config".into(),
            local_data_dir: None,
            xdg_config_home: None,
            claude_config_dir: None,
            codex_home: None,
            cline_mcp_settings_path: None,
            copilot_home: None,
        },
        Platform::Macos => Env {
            platform,
            home: "/Users/u".into(),
            config_dir: "/Users/u/Library/Application Support".into(),
            local_data_dir: None,
            xdg_config_home: None,
            claude_config_dir: None,
            codex_home: None,
            cline_mcp_settings_path: None,
            copilot_home: None,
        },
        Platform::Windows => Env {
            platform,
            home: "C:/Users/u".into(),
            config_dir: "C:/Users/u/AppData/Roaming".into(),
            local_data_dir: Some("C:/Users/u/AppData/Local".into()),
            xdg_config_home: None,
            claude_config_dir: None,
            codex_home: None,
            cline_mcp_settings_path: None,
            copilot_home: None,
        },
    }
}

fn paths(id: ClientId, env: &Env) -> Vec<String> {
    by_id(id)
        .user_locations(env)
        .into_iter()
        .map(|l| l.path.to_string_lossy().into_owned())
        .collect()
}

#[test]
fn claude_desktop_paths_per_os() {
    assert_eq!(
        paths(ClientId::ClaudeDesktop, &env(Platform::Linux)),
        ["/home/u/.config/Claude/claude_desktop_config.json"]
    );
    assert_eq!(
        paths(ClientId::ClaudeDesktop, &env(Platform::Macos)),
        ["/Users/u/Library/Application Support/Claude/claude_desktop_config.json"]
    );
    assert_eq!(
        paths(ClientId::ClaudeDesktop, &env(Platform::Windows)),
        [
            "C:/Users/u/AppData/Roaming/Claude/claude_desktop_config.json",
            "C:/Users/u/AppData/Local/Packages/Claude_pzs8sxrjxfjjc/LocalCache/Roaming/Claude/claude_desktop_config.json",
        ]
    );
}

#[test]
fn env_overrides_move_claude_code_and_codex() {
    let mut e = env(Platform::Linux);
    assert_eq!(paths(ClientId::ClaudeCode, &e), ["/home/u/.claude.json"]);
    assert_eq!(paths(ClientId::Codex, &e), ["/home/u/.codex/config.toml"]);
    e.claude_config_dir = Some("/cfg/claude".into());
    e.codex_home = Some("/cfg/codex".into());
    assert_eq!(
        paths(ClientId::ClaudeCode, &e),
        ["/cfg/claude/.claude.json"]
    );
    assert_eq!(paths(ClientId::Codex, &e), ["/cfg/codex/config.toml"]);
}

#[test]
fn zed_honours_xdg_on_macos_and_appdata_on_windows() {
    let mut mac = env(Platform::Macos);
    assert_eq!(
        paths(ClientId::Zed, &mac),
        ["/Users/u/.config/zed/settings.json"]
    );
    mac.xdg_config_home = Some("/x".into());
    assert_eq!(paths(ClientId::Zed, &mac), ["/x/zed/settings.json"]);
    assert_eq!(
        paths(ClientId::Zed, &env(Platform::Windows)),
        ["C:/Users/u/AppData/Roaming/Zed/settings.json"]
    );
}

#[test]
fn vscode_lists_stable_insiders_and_legacy_settings() {
    let p = paths(ClientId::Vscode, &env(Platform::Linux));
    assert!(
        p.contains(&"/home/u/.config/Code/User/mcp.json".to_string()),
        "{p:?}"
    );
    assert!(
        p.contains(&"/home/u/.config/Code - Insiders/User/mcp.json".to_string()),
        "{p:?}"
    );
    assert!(
        p.contains(&"/home/u/.config/Code/User/settings.json".to_string()),
        "{p:?}"
    );
}

#[test]
fn every_client_has_a_user_location_on_every_os() {
    for p in [Platform::Linux, Platform::Macos, Platform::Windows] {
        for c in all() {
            // Visual Studio runs on Windows only; LibreChat is a server deployment: only the project
            // folders the user adds.
            if (c.id() == ClientId::VisualStudio && p != Platform::Windows)
                || c.id() == ClientId::LibreChat
            {
                continue;
            }
            assert!(
                !c.user_locations(&env(p)).is_empty(),
                "{} on {p:?}",
                c.name()
            );
        }
    }
}

fn project_paths(id: ClientId) -> Vec<String> {
    by_id(id)
        .project_locations(Path::new("/p"))
        .into_iter()
        .map(|l| l.path.to_string_lossy().into_owned())
        .collect()
}

/// The same `~`-relative path on every OS.
fn home_everywhere(id: ClientId, rel: &str) {
    for (p, home) in [
        (Platform::Linux, "/home/u"),
        (Platform::Macos, "/Users/u"),
        (Platform::Windows, "C:/Users/u"),
    ] {
        assert_eq!(
            paths(id, &env(p)),
            [format!("{home}/{rel}")],
            "{id:?} {p:?}"
        );
    }
}

#[test]
fn home_relative_clients_use_the_same_path_on_every_os() {
    home_everywhere(ClientId::Kiro, ".kiro/settings/mcp.json");
    home_everywhere(ClientId::Warp, ".warp/.mcp.json");
    home_everywhere(ClientId::QwenCode, ".qwen/settings.json");
    home_everywhere(ClientId::Junie, ".junie/mcp/mcp.json");
    home_everywhere(ClientId::Augment, ".augment/settings.json");
    home_everywhere(ClientId::Boltai, ".boltai/mcp.json");
    home_everywhere(ClientId::CopilotCli, ".copilot/mcp-config.json");
    assert_eq!(
        project_paths(ClientId::Kiro),
        ["/p/.kiro/settings/mcp.json"]
    );
    assert_eq!(project_paths(ClientId::Warp), ["/p/.warp/.mcp.json"]);
    assert_eq!(
        project_paths(ClientId::QwenCode),
        ["/p/.qwen/settings.json", "/p/.qwen/settings.local.json"]
    );
    assert_eq!(project_paths(ClientId::Junie), ["/p/.junie/mcp/mcp.json"]);
    assert_eq!(
        project_paths(ClientId::CopilotCli),
        ["/p/.mcp.json", "/p/.github/mcp.json"]
    );
}

#[test]
fn antigravity_lists_both_known_files() {
    for (p, home) in [
        (Platform::Linux, "/home/u"),
        (Platform::Windows, "C:/Users/u"),
    ] {
        assert_eq!(
            paths(ClientId::Antigravity, &env(p)),
            [
                format!("{home}/.gemini/antigravity/mcp_config.json"),
                format!("{home}/.gemini/config/mcp_config.json"),
            ]
        );
    }
}

#[test]
fn copilot_cli_follows_copilot_home_and_lists_the_xdg_layout() {
    let mut e = env(Platform::Linux);
    e.copilot_home = Some("/c".into());
    e.xdg_config_home = Some("/x".into());
    assert_eq!(
        paths(ClientId::CopilotCli, &e),
        ["/c/mcp-config.json", "/x/.copilot/mcp-config.json"]
    );
}

#[test]
fn xdg_clients_use_dot_config_on_every_os_and_honour_xdg_config_home() {
    let linux = env(Platform::Linux);
    assert_eq!(
        paths(ClientId::Opencode, &linux),
        [
            "/home/u/.config/opencode/opencode.json",
            "/home/u/.config/opencode/opencode.jsonc",
            "/home/u/.config/opencode/config.json",
            "/home/u/.opencode/opencode.json",
            "/home/u/.opencode/opencode.jsonc",
        ]
    );
    let mut mac = env(Platform::Macos);
    assert_eq!(
        paths(ClientId::Opencode, &mac)[0],
        "/Users/u/.config/opencode/opencode.json"
    );
    assert_eq!(
        paths(ClientId::Crush, &mac),
        ["/Users/u/.config/crush/crush.json"]
    );
    mac.xdg_config_home = Some("/x".into());
    assert_eq!(
        paths(ClientId::Opencode, &mac)[0],
        "/x/opencode/opencode.json"
    );
    assert_eq!(
        paths(ClientId::Amp, &mac),
        ["/Users/u/.config/amp/settings.json", "/x/amp/settings.json"]
    );
    assert_eq!(
        paths(ClientId::Opencode, &env(Platform::Windows))[0],
        "C:/Users/u/.config/opencode/opencode.json"
    );
    assert_eq!(
        paths(ClientId::Crush, &env(Platform::Windows)),
        [
            "C:/Users/u/.config/crush/crush.json",
            "C:/Users/u/AppData/Local/crush/crush.json",
        ]
    );
    assert_eq!(
        paths(ClientId::Amp, &env(Platform::Windows)),
        ["C:/Users/u/.config/amp/settings.json"]
    );
    assert_eq!(
        project_paths(ClientId::Opencode),
        [
            "/p/opencode.json",
            "/p/opencode.jsonc",
            "/p/.opencode/opencode.json",
            "/p/.opencode/opencode.jsonc",
        ]
    );
    assert_eq!(
        project_paths(ClientId::Crush),
        ["/p/.crush.json", "/p/crush.json"]
    );
    assert_eq!(project_paths(ClientId::Amp), ["/p/.amp/settings.json"]);
}

#[test]
fn devin_uses_dot_config_and_appdata_on_windows() {
    assert_eq!(
        paths(ClientId::DevinDesktop, &env(Platform::Macos)),
        [
            "/Users/u/.config/devin/mcp_config.json",
            "/Users/u/.config/devin/config.json",
        ]
    );
    assert_eq!(
        paths(ClientId::DevinDesktop, &env(Platform::Windows)),
        [
            "C:/Users/u/AppData/Roaming/devin/mcp_config.json",
            "C:/Users/u/AppData/Roaming/devin/config.json",
        ]
    );
    assert_eq!(
        project_paths(ClientId::DevinDesktop),
        ["/p/.devin/config.json", "/p/.devin/config.local.json"]
    );
    // The classic Windsurf file stays on the Windsurf adapter.
    assert_eq!(
        paths(ClientId::Windsurf, &env(Platform::Linux)),
        ["/home/u/.codeium/windsurf/mcp_config.json"]
    );
}

#[test]
fn trae_follows_the_app_config_dir() {
    assert_eq!(
        paths(ClientId::Trae, &env(Platform::Macos)),
        ["/Users/u/Library/Application Support/Trae/User/mcp.json"]
    );
    assert_eq!(
        paths(ClientId::Trae, &env(Platform::Windows)),
        ["C:/Users/u/AppData/Roaming/Trae/User/mcp.json"]
    );
    assert_eq!(
        paths(ClientId::Trae, &env(Platform::Linux)),
        [
            "/home/u/.config/Trae/User/mcp.json",
            "/home/u/.config/trae/mcp.json"
        ]
    );
    assert_eq!(project_paths(ClientId::Trae), ["/p/.trae/mcp.json"]);
}

#[test]
fn amazon_q_lists_legacy_ide_and_existing_cli_agent_files() {
    let dir = tempfile::tempdir().unwrap();
    let agents = dir.path().join(".aws/amazonq/cli-agents");
    std::fs::create_dir_all(&agents).unwrap();
    std::fs::write(agents.join("b.json"), "{}").unwrap();
    std::fs::write(agents.join("a.json"), "{}").unwrap();
    std::fs::write(agents.join("notes.txt"), "").unwrap();
    let e = Env::linux_at(dir.path());
    let got: Vec<PathBuf> = by_id(ClientId::AmazonQ)
        .user_locations(&e)
        .into_iter()
        .map(|l| l.path)
        .collect();
    let q = dir.path().join(".aws/amazonq");
    assert_eq!(
        got,
        [
            q.join("mcp.json"),
            q.join("agents/default.json"),
            agents.join("a.json"),
            agents.join("b.json"),
        ]
    );
    assert_eq!(project_paths(ClientId::AmazonQ), ["/p/.amazonq/mcp.json"]);
}

#[test]
fn kilo_code_lists_its_cli_files_the_extension_storage_and_the_legacy_cli() {
    let p = paths(ClientId::KiloCode, &env(Platform::Windows));
    for want in [
        "C:/Users/u/.config/kilo/kilo.json",
        "C:/Users/u/.config/kilo/kilo.jsonc",
        "C:/Users/u/AppData/Roaming/Code/User/globalStorage/kilocode.kilo-code/settings/mcp_settings.json",
        "C:/Users/u/AppData/Roaming/Cursor/User/globalStorage/kilocode.kilo-code/settings/mcp_settings.json",
        "C:/Users/u/.kilocode/cli/global/settings/mcp_settings.json",
    ] {
        assert!(p.contains(&want.to_string()), "{want} not in {p:?}");
    }
    assert_eq!(
        project_paths(ClientId::KiloCode),
        [
            "/p/kilo.json",
            "/p/kilo.jsonc",
            "/p/.kilo/kilo.json",
            "/p/.kilo/kilo.jsonc",
            "/p/.kilocode/mcp.json",
        ]
    );
}

#[test]
fn visual_studio_has_a_user_file_on_windows_only() {
    assert_eq!(
        paths(ClientId::VisualStudio, &env(Platform::Windows)),
        ["C:/Users/u/.mcp.json"]
    );
    assert!(paths(ClientId::VisualStudio, &env(Platform::Linux)).is_empty());
    assert!(paths(ClientId::VisualStudio, &env(Platform::Macos)).is_empty());
    assert_eq!(
        project_paths(ClientId::VisualStudio),
        ["/p/.mcp.json", "/p/.vs/mcp.json"]
    );
}

#[test]
fn ids_are_kebab_case_and_unique() {
    let ids: Vec<String> = all()
        .iter()
        .map(|c| {
            serde_json::to_value(c.id())
                .unwrap()
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    let mut sorted = ids.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), ids.len(), "{ids:?}");
    for want in [
        "opencode",
        "kiro",
        "antigravity",
        "trae",
        "copilot-cli",
        "amazon-q",
        "warp",
        "qwen-code",
        "devin-desktop",
        "junie",
        "crush",
        "amp",
        "kilo-code",
        "augment",
        "boltai",
        "visual-studio",
    ] {
        assert!(ids.contains(&want.to_string()), "{want}");
    }
}

#[test]
fn opencode_command_elements_map_to_args_and_locations_keep_its_words() {
    let c = by_id(ClientId::Opencode);
    assert_eq!(c.slot_path(&["command", "0"]), Some(vec!["command"]));
    assert_eq!(c.slot_path(&["command", "3"]), Some(vec!["args", "2"]));
    assert_eq!(
        c.slot_path(&["environment", "API_KEY"]),
        Some(vec!["env", "API_KEY"])
    );
    assert_eq!(c.slot_path(&["headers", "Authorization"]), None);
    assert_eq!(c.slot_path(&["command", "x"]), None);
    assert_eq!(
        in_client_words(
            &["command", "3"],
            &["args", "2"],
            "args[2] (--api-key=)".into()
        ),
        "command[3] (--api-key=)"
    );
    assert_eq!(
        in_client_words(&["environment", "K"], &["env", "K"], "env.K".into()),
        "environment.K"
    );
}

#[test]
fn not_scannable_names_the_three_known_clients() {
    let names: Vec<&str> = not_scannable().iter().map(|(n, _)| *n).collect();
    assert_eq!(names, ["Cherry Studio", "JetBrains AI Assistant", "Msty"]);
    assert!(not_scannable().iter().all(|(_, why)| !why.is_empty()));
}

#[test]
fn yaml_clients_paths_per_os() {
    assert_eq!(
        paths(ClientId::Goose, &env(Platform::Linux)),
        [
            "/home/u/.config/goose/config.yaml",
            "/home/u/.config/goose/secrets.yaml"
        ]
    );
    let mut mac = env(Platform::Macos);
    assert_eq!(
        paths(ClientId::Goose, &mac)[0],
        "/Users/u/.config/goose/config.yaml"
    );
    mac.xdg_config_home = Some("/x".into());
    assert_eq!(paths(ClientId::Goose, &mac)[0], "/x/goose/config.yaml");
    assert_eq!(
        paths(ClientId::Goose, &env(Platform::Windows)),
        [
            "C:/Users/u/AppData/Roaming/Block/goose/config/config.yaml",
            "C:/Users/u/AppData/Roaming/Block/goose/config/secrets.yaml"
        ]
    );
    for (p, want) in [
        (Platform::Linux, "/home/u/.continue/config.yaml"),
        (Platform::Macos, "/Users/u/.continue/config.yaml"),
        (Platform::Windows, "C:/Users/u/.continue/config.yaml"),
    ] {
        assert_eq!(paths(ClientId::Continue, &env(p)), [want]);
        assert!(paths(ClientId::LibreChat, &env(p)).is_empty());
    }
    let project = std::path::Path::new("/srv/chat");
    assert_eq!(
        by_id(ClientId::LibreChat).project_locations(project)[0].path,
        project.join("librechat.yaml")
    );
    let ids: Vec<String> = [ClientId::Goose, ClientId::Continue, ClientId::LibreChat]
        .iter()
        .map(|i| serde_json::to_string(i).unwrap())
        .collect();
    assert_eq!(ids, ["\"goose\"", "\"continue\"", "\"librechat\""]);
}

#[test]
fn continue_lists_the_block_files_of_mcp_servers_folders() {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join(".continue/mcpServers");
    std::fs::create_dir_all(&dir).unwrap();
    for f in ["b.yaml", "a.json", "c.yml", "notes.txt"] {
        std::fs::write(dir.join(f), "").unwrap();
    }
    let locs = by_id(ClientId::Continue).user_locations(&Env::linux_at(home.path()));
    let got: Vec<(String, Format)> = locs
        .iter()
        .map(|l| {
            let p = l.path.strip_prefix(home.path()).unwrap();
            (p.to_string_lossy().into_owned(), l.format)
        })
        .collect();
    assert_eq!(
        got,
        [
            (".continue/config.yaml".to_string(), Format::Yaml),
            (".continue/mcpServers/a.json".to_string(), Format::Json),
            (".continue/mcpServers/b.yaml".to_string(), Format::Yaml),
            (".continue/mcpServers/c.yml".to_string(), Format::Yaml),
        ]
    );
    let project = by_id(ClientId::Continue).project_locations(home.path());
    assert_eq!(project.len(), 3);
    assert!(project.iter().all(|l| l.scope == Scope::Project));
}
