//! Claude Code's projects are every member of `projects` in `~/.claude.json`, whatever the entry holds
//! (issue 21, "found on the way"): a freshly opened project's entry has only empty lists, booleans and
//! numbers, and the key in that project's committed `.mcp.json` must still be found (or a rotation leaves it
//! on the dead key without a word).
mod common;
use common::fixture::*;
use common::*;
use serde_json::Value;

#[test]
fn a_project_whose_entry_holds_no_string_is_still_scanned() {
    let home = TempHome::new();
    let project = home.home().join("work/fresh");
    let key = "sk-live-fresh-project-0123456789";
    home.write(
        "home/work/fresh/.mcp.json",
        &format!(r#"{{"mcpServers": {{"bitscale": {{"command": "uvx", "env": {{"BITSCALE_API_KEY": "{key}"}}}}}}}}"#),
    );
    // The shape Claude Code writes for a project it has just opened: no string value anywhere.
    home.write(
        "home/.claude.json",
        &format!(
            r#"{{"numStartups": 3, "projects": {{"{}": {{"allowedTools": [], "mcpContextUris": [], "enabledMcpjsonServers": [], "hasTrustDialogAccepted": false, "projectOnboardingSeenCount": 0, "history": []}}}}}}"#,
            project.display()
        ),
    );
    let v: Value = serde_json::from_str(&ok(&run(&home, &["scan", "--json"], "", &[]))).unwrap();
    let files: Vec<&str> = v["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    let want = project.join(".mcp.json").display().to_string();
    assert!(files.contains(&want.as_str()), "{files:?}");
    assert!(
        v["credentials"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["masked"].as_str().unwrap().starts_with("sk-l")),
        "{v}"
    );
}
