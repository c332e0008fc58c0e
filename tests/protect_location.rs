//! Protect acts on the exact entry that holds the key, never on the first entry of that name: a
//! project-scope server of `~/.claude.json` named like a user-scope one, Codex servers written with TOML
//! dotted keys, and objects with two members of one name (refused, nothing changes). Through the `rekey`
//! CLI and the real Secret Service; every server is started exactly as its client would start it.
mod common;
use common::fixture::*;
use common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

const CLAUDE_CODE: &str = "home/.claude.json";
const CODEX: &str = "home/.codex/config.toml";
const CURSOR: &str = "home/.cursor/mcp.json";

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap()
}

fn sha(s: &str) -> String {
    use sha2::Digest;
    let h: String = sha2::Sha256::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("{h}  -\n")
}

/// An executable server that writes the sha256 of `$BITSCALE_API_KEY` to `out/<name>`: (its path, the
/// file it writes).
fn server(home: &TempHome, name: &str) -> (String, PathBuf) {
    let out = home.dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let target = out.join(name);
    let path = home.write(
        format!("bin/{name}.sh"),
        &format!(
            "#!/bin/sh\nprintf %s \"$BITSCALE_API_KEY\" | sha256sum > '{}'\n",
            target.display()
        ),
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    (path.display().to_string(), target)
}

/// Start a server from its program, arguments and environment, as a client does.
fn start(home: &TempHome, program: &str, args: &[String], env: &[(String, String)]) {
    let mut cmd = Command::new(program);
    home.apply(&mut cmd);
    cmd.args(args).envs(env.iter().cloned());
    let o = cmd.output().unwrap();
    assert!(
        o.status.success(),
        "{program}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| a.iter().map(|s| s.as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

fn pairs(v: &Value) -> Vec<(String, String)> {
    v.as_object()
        .map(|o| {
            o.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
#[ignore = "needs ./dev test: the private Secret Service"]
fn a_project_scope_server_is_wrapped_not_the_user_scope_server_of_the_same_name() {
    require_keyring();
    let home = TempHome::new();
    let key = "bs_live_scope_0123456789abcdef";
    let (program, out) = server(&home, "project");
    let user_entry =
        "{\"command\": \"uvx\", \"args\": [\"bitscale-mcp\"], \"env\": {\"LOG\": \"info\"}}";
    let file = home.write(
        CLAUDE_CODE,
        &format!(
            "{{\n  \"mcpServers\": {{\"bitscale\": {user_entry}}},\n  \"projects\": {{\n    \"/home/me/app\": {{\"mcpServers\": {{\"bitscale\": {{\"command\": \"{program}\", \"env\": {{\"BITSCALE_API_KEY\": \"{key}\"}}}}}}}}\n  }}\n}}\n"
        ),
    );
    let before = read(&file);
    let cred = credential_of(&home, &key[..4]);
    ok(&run(&home, &["protect", &cred, "--yes"], "", &[]));
    let after = read(&file);
    assert!(!after.contains(key), "{after}");
    assert!(
        after.contains(&format!("\"mcpServers\": {{\"bitscale\": {user_entry}}}")),
        "the user-scope entry, which does not hold the key, must not change: {after}"
    );
    let v: Value = serde_json::from_str(&after).unwrap();
    let p = &v["projects"]["/home/me/app"]["mcpServers"]["bitscale"];
    assert_eq!(p["command"], env!("CARGO_BIN_EXE_rekey"), "{after}");
    assert_eq!(strings(&p["args"]), ["exec", "--", program.as_str()]);
    start(
        &home,
        p["command"].as_str().unwrap(),
        &strings(&p["args"]),
        &pairs(&p["env"]),
    );
    assert_eq!(
        read(&out),
        sha(key),
        "the project's server receives the key"
    );

    ok(&run(&home, &["unprotect", &cred, "--yes"], "", &[]));
    assert_eq!(read(&file), before, "byte for byte");
}

/// A Codex server written with dotted keys (under `[mcp_servers]`, or from the root) and no `args`:
/// `args` goes into the server's table, and Unprotect gives the file back byte for byte.
#[test]
#[ignore = "needs ./dev test: the private Secret Service"]
fn codex_servers_written_with_dotted_keys_are_wrapped_in_their_own_table() {
    require_keyring();
    let key = "bs_live_dotted_0123456789abcdef";
    let layouts = [
        "# codex\nmodel = \"o3\"\n\n[mcp_servers]\nbitscale.command = \"{program}\" # run it\nbitscale.env.BITSCALE_API_KEY = \"{key}\"\n\n[profiles.x]\nmodel = \"o4\"\n",
        "model = \"o3\"\nmcp_servers.bitscale.command = '{program}'\nmcp_servers.bitscale.env = {{ BITSCALE_API_KEY = \"{key}\" }}\n",
    ];
    for layout in layouts {
        let home = TempHome::new();
        let (program, out) = server(&home, "codex");
        let file = home.write(
            CODEX,
            &layout
                .replace("{program}", &program)
                .replace("{key}", key)
                .replace("{{", "{")
                .replace("}}", "}"),
        );
        let before = read(&file);
        let cred = credential_of(&home, &key[..4]);
        ok(&run(&home, &["protect", &cred, "--yes"], "", &[]));
        let after = read(&file);
        let doc: Value = toml_edit::de::from_str(&after).unwrap_or_else(|e| panic!("{e}: {after}"));
        assert!(
            doc["mcp_servers"].get("args").is_none() && doc.get("args").is_none(),
            "`args` went into the parent table: {after}"
        );
        let v = &doc["mcp_servers"]["bitscale"];
        assert_eq!(v["command"], env!("CARGO_BIN_EXE_rekey"), "{after}");
        assert_eq!(
            strings(&v["args"]),
            ["exec", "--", program.as_str()],
            "{after}"
        );
        start(
            &home,
            v["command"].as_str().unwrap(),
            &strings(&v["args"]),
            &pairs(&v["env"]),
        );
        assert_eq!(read(&out), sha(key));

        ok(&run(&home, &["unprotect", &cred, "--yes"], "", &[]));
        assert_eq!(read(&file), before, "byte for byte");
    }
}

/// Two members of one name in one object: clients disagree about which one they use, so Protect refuses
/// that entry with the reason, and nothing changes.
#[test]
#[ignore = "needs ./dev test: the private Secret Service"]
fn an_entry_with_two_members_of_one_name_is_refused_and_nothing_changes() {
    require_keyring();
    let key = "bs_live_twice_0123456789abcdef";
    let layouts = [
        (
            format!("{{\"mcpServers\": {{\n  \"bitscale\": {{\"command\": \"uvx\", \"args\": [\"a\"]}},\n  \"bitscale\": {{\"command\": \"uvx\", \"env\": {{\"BITSCALE_API_KEY\": \"{key}\"}}}}\n}}}}\n"),
            "two members named \"bitscale\"",
        ),
        (
            format!("{{\"mcpServers\": {{\"bitscale\": {{\"command\": \"uvx\", \"env\": {{\"BITSCALE_API_KEY\": \"{key}\", \"BITSCALE_API_KEY\": \"other\"}}}}}}}}\n"),
            "two members named \"BITSCALE_API_KEY\"",
        ),
        (
            format!("{{\"mcpServers\": {{\"bitscale\": {{\"command\": \"uvx\", \"env\": {{\"BITSCALE_API_KEY\": \"{key}\"}}, \"env\": {{}}}}}}}}\n"),
            "two members named \"env\"",
        ),
    ];
    for (layout, why) in layouts {
        let home = TempHome::new();
        let file = home.write(CURSOR, &layout);
        let cred = credential_of(&home, &key[..4]);
        let o = run(&home, &["protect", &cred, "--json"], "", &[]);
        assert_eq!(o.status.code(), Some(4), "nothing can be protected");
        let plan: Value = serde_json::from_slice(&o.stdout).unwrap();
        assert!(plan["files"].as_array().unwrap().is_empty(), "{plan}");
        let reasons: Vec<&str> = plan["cannot"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["reason"].as_str().unwrap())
            .collect();
        assert!(
            reasons.iter().any(|r| r.contains(why)
                && r.contains("clients disagree about which one is used")
                && r.contains("remove one and try again")),
            "{why}: {plan}"
        );
        let o = run(&home, &["protect", &cred, "--yes"], "", &[]);
        assert!(!o.status.success());
        assert!(!String::from_utf8_lossy(&o.stdout).contains(key));
        assert_eq!(read(&file), layout, "nothing changed");
    }
}

/// A protected entry that gained a second member of a name since: Unprotect refuses the file with the
/// reason, and nothing changes (the keychain entry stays).
#[test]
#[ignore = "needs ./dev test: the private Secret Service"]
fn unprotect_refuses_an_entry_with_two_members_of_one_name() {
    require_keyring();
    let home = TempHome::new();
    let key = "bs_live_twice_0123456789abcdef";
    let file = home.write(
        CURSOR,
        &format!("{{\"mcpServers\": {{\"bitscale\": {{\"command\": \"uvx\", \"env\": {{\"BITSCALE_API_KEY\": \"{key}\"}}}}}}}}\n"),
    );
    let cred = credential_of(&home, &key[..4]);
    ok(&run(&home, &["protect", &cred, "--yes"], "", &[]));
    let protected = read(&file);
    let reference = protected
        .split("rekey://")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let twice = protected.replacen(
        "\"env\": {",
        "\"env\": {\"LOG\": \"x\", \"LOG\": \"y\", ",
        1,
    );
    std::fs::write(&file, &twice).unwrap();
    let o = run(&home, &["unprotect", &reference, "--yes"], "", &[]);
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(!o.status.success(), "{all}");
    assert!(
        all.contains("two members named \"LOG\"") && all.contains("clients disagree"),
        "{all}"
    );
    assert!(!all.contains(key));
    assert_eq!(read(&file), twice, "nothing changed");
    assert_eq!(
        secret_tool(&format!("ref:{reference}")).as_deref(),
        Some(key),
        "the keychain entry stays"
    );
}

/// A rotation whose key sits in an entry made ambiguous by two members of one name is refused before
/// the provider is called, with the entry and the reason; nothing changes.
#[test]
fn a_rotation_refuses_an_entry_with_two_members_of_one_name() {
    let (f, home, old, cred) = linked_bitscale();
    let cursor = home.home().join(".cursor/mcp.json");
    let twice = read(&cursor).replacen(
        "\"env\": {",
        "\"env\": {\"LOG\": \"a\", \"LOG\": \"b\", ",
        1,
    );
    assert_ne!(twice, read(&cursor));
    std::fs::write(&cursor, &twice).unwrap();
    let claude = home
        .dir
        .path()
        .join("config/Claude/claude_desktop_config.json");
    let claude_before = read(&claude);
    let o = run(&home, &["rotate", &cred, "--yes"], "", &[]);
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(!o.status.success(), "{all}");
    assert!(
        all.contains("two members named \"LOG\"")
            && all.contains("clients disagree about which one is used")
            && all.contains(&cursor.display().to_string()),
        "{all}"
    );
    assert!(!all.contains(&old));
    assert_eq!(read(&cursor), twice);
    assert_eq!(read(&claude), claude_before);
    assert_eq!(
        f.state(|s| s.bitscale_key.clone()),
        old,
        "the provider was not called"
    );
}
