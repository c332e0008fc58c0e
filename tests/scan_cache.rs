//! A change re-scans under the key's lock; the second scan of a file whose bytes the first one's report
//! still holds re-uses what the first found (`scan::ScanCache`), and must see every byte that changed.
mod common;
use common::fixture::context_of;
use common::*;

const KEY: &str = "sk-live-cache0123456789abcdefA";

fn cursor(key: &str) -> String {
    format!(
        "{{\n  // a comment\n  \"mcpServers\": {{\n    \"bitscale\": {{\"command\": \"uvx\", \"env\": {{\"BITSCALE_API_KEY\": \"{key}\"}}}}\n  }}\n}}\n"
    )
}

#[test]
fn a_second_scan_reuses_an_unchanged_file_and_finds_the_same() {
    let home = TempHome::new();
    home.write("home/.cursor/mcp.json", &cursor(KEY));
    home.write(
        "config/Claude/claude_desktop_config.json",
        &format!(
            r#"{{"mcpServers": {{"x": {{"command": "npx", "env": {{"API_KEY": "{KEY}"}}}}}}}}"#
        ),
    );
    // Claude Code's file lists a project whose .mcp.json holds the key: the cached walk must still
    // report the project, so that its file is scanned again.
    let project = home.dir.path().join("proj");
    std::fs::create_dir_all(&project).unwrap();
    std::fs::write(
        project.join(".mcp.json"),
        format!(
            r#"{{"mcpServers": {{"p": {{"command": "npx", "env": {{"API_KEY": "{KEY}"}}}}}}}}"#
        ),
    )
    .unwrap();
    home.write(
        "home/.claude.json",
        &format!(
            r#"{{"mcpServers": {{"u": {{"command": "npx", "env": {{"API_KEY": "{KEY}"}}}}}}, "projects": {{{}: {{}}}}}}"#,
            serde_json::to_string(&project.display().to_string()).unwrap()
        ),
    );
    let ctx = context_of(&home);
    let first = ctx.scan().unwrap();
    assert_eq!(ctx.scan_cache.hits(), 0);
    let second = ctx.scan().unwrap();
    assert!(
        ctx.scan_cache.hits() >= 3,
        "the unchanged files were parsed again ({} hits)",
        ctx.scan_cache.hits()
    );
    let json = |r: &rekey::scan::ScanReport| serde_json::to_value(r).unwrap();
    assert_eq!(json(&second), json(&first));
    assert_eq!(second.credentials.len(), 1);
    assert_eq!(second.credentials[0].usages, 4, "{:#?}", json(&second));
    assert!(second
        .files
        .iter()
        .any(|f| f.path == project.join(".mcp.json")));
    drop(first);
}

#[test]
fn a_same_size_edit_between_two_scans_is_seen() {
    let home = TempHome::new();
    let path = home.write("home/.cursor/mcp.json", &cursor(KEY));
    let ctx = context_of(&home);
    let first = ctx.scan().unwrap();
    // Same length, same modification time: only the bytes tell.
    let mtime = std::fs::metadata(&path).unwrap().modified().unwrap();
    let other = KEY.replace('A', "B");
    std::fs::write(&path, cursor(&other)).unwrap();
    std::fs::File::options()
        .write(true)
        .open(&path)
        .unwrap()
        .set_modified(mtime)
        .unwrap();
    let second = ctx.scan().unwrap();
    assert_eq!(ctx.scan_cache.hits(), 0);
    assert_ne!(second.credentials[0].id, first.credentials[0].id);
    assert_eq!(
        second.credentials[0].masked,
        first.credentials[0].masked.replace('A', "B")
    );
}

#[test]
fn without_a_holder_of_the_bytes_nothing_is_reused() {
    let home = TempHome::new();
    home.write("home/.cursor/mcp.json", &cursor(KEY));
    let ctx = context_of(&home);
    drop(ctx.scan().unwrap());
    let again = ctx.scan().unwrap();
    assert_eq!(ctx.scan_cache.hits(), 0, "a cache entry outlived its bytes");
    assert_eq!(again.credentials.len(), 1);
}

#[test]
fn a_goose_secret_is_labelled_again_when_its_config_changes_between_two_scans() {
    // secrets.yaml's values are labelled by the extensions in config.yaml beside it: the walk of
    // secrets.yaml depends on a second file, so an unchanged secrets.yaml is no reason to re-use it.
    let home = TempHome::new();
    home.write(
        "config/goose/config.yaml",
        "extensions:\n  other:\n    cmd: uvx\n    args: [other-mcp]\n",
    );
    home.write(
        "config/goose/secrets.yaml",
        &format!("BITSCALE_API_KEY: {KEY}\n"),
    );
    let ctx = context_of(&home);
    let first = ctx.scan().unwrap();
    let servers = |r: &rekey::scan::ScanReport| -> Vec<String> {
        r.files
            .iter()
            .filter(|f| f.path.ends_with("secrets.yaml"))
            .flat_map(|f| f.servers.iter().map(|s| s.name.clone()))
            .collect()
    };
    assert_eq!(servers(&first), ["goose secrets"]);
    home.write(
        "config/goose/config.yaml",
        "extensions:\n  bitscale:\n    cmd: uvx\n    args: [bitscale-mcp]\n    env_keys: [BITSCALE_API_KEY]\n",
    );
    let second = ctx.scan().unwrap();
    assert_eq!(servers(&second), ["bitscale"]);
    drop(first);
}
