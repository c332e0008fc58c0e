//! Exposure of keys in git (issue 21), in real repositories made with the `git` binary: a key committed and
//! pushed to a bare remote, a key committed then removed from the file (still committed), a file tracked but
//! never committed, an ignored file, a file neither tracked nor ignored; then a remote whose URL holds a token.
//! `rekey scan --json` reports each state exactly, per usage and per key, keys most exposed first; the text
//! output lists the exposed keys first and never prints a key or the remote's URL.
mod common;
use common::fixture::*;
use common::*;
use serde_json::Value;
use std::path::Path;
use std::process::Command;

fn git(home: &TempHome, dir: &Path, args: &[&str]) -> String {
    let mut cmd = Command::new("git");
    home.apply(&mut cmd);
    let o = cmd
        .current_dir(dir)
        .args([
            "-c",
            "user.name=Rekey Test",
            "-c",
            "user.email=test@rekey.invalid",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .env_remove("GIT_DIR")
        .env_remove("GIT_INDEX_FILE")
        .env("GIT_COMMITTER_DATE", "2026-11-02T10:00:00Z")
        .env("GIT_AUTHOR_DATE", "2026-11-02T10:00:00Z")
        .output()
        .expect("git is installed (./dev test installs it)");
    ok(&o)
}

fn server(key_name: &str, key: &str) -> String {
    format!(
        "{{\n  \"mcpServers\": {{\n    \"tool\": {{\n      \"command\": \"uvx\",\n      \"env\": {{ \"{key_name}\": \"{key}\" }}\n    }}\n  }}\n}}\n"
    )
}

const PUSHED: &str = "sk-live-pushed-0123456789abc001";
const REMOVED: &str = "sk-live-removed-0123456789abc002";
const TRACKED: &str = "sk-live-tracked-0123456789abc003";
const IGNORED: &str = "sk-live-ignored-0123456789abc004";
const LOOSE: &str = "sk-live-loose-000123456789abc005";

fn scan(home: &TempHome) -> Value {
    serde_json::from_str(&ok(&run(home, &["scan", "--json"], "", &[]))).unwrap()
}

/// The credential whose masked value is `key`'s (the test keys differ in their last four characters).
fn key_of<'a>(scan: &'a Value, key: &str) -> &'a Value {
    scan["credentials"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| {
            let m = c["masked"].as_str().unwrap();
            key.starts_with(m.split('…').next().unwrap())
                && key.ends_with(m.split('…').nth(1).unwrap_or(""))
        })
        .unwrap_or_else(|| panic!("no credential for {}", &key[..12]))
}

#[test]
fn every_exposure_state_is_reported_per_usage_and_per_key_most_exposed_first() {
    let home = TempHome::new();
    let repo = home.home().join("work/app");
    let remote = home.home().join("remotes/app.git");
    std::fs::create_dir_all(&repo).unwrap();
    std::fs::create_dir_all(&remote).unwrap();
    git(&home, &remote, &["init", "-q", "--bare"]);
    git(&home, &repo, &["init", "-q"]);
    git(
        &home,
        &repo,
        &["remote", "add", "origin", remote.to_str().unwrap()],
    );
    // Claude Code lists the project with an entry holding no string (a freshly opened project).
    home.write(
        "home/.claude.json",
        &format!(
            r#"{{"projects": {{"{}": {{"allowedTools": [], "hasTrustDialogAccepted": false, "history": []}}}}}}"#,
            repo.display()
        ),
    );
    // The removed key is still used in the user's own Cursor config (outside any repository).
    home.write("home/.cursor/mcp.json", &server("TOOL_API_KEY", REMOVED));

    // 1. Committed and pushed: the project's .mcp.json.
    home.write("home/work/app/.mcp.json", &server("TOOL_API_KEY", PUSHED));
    home.write("home/work/app/.gitignore", ".gemini/\n");
    git(&home, &repo, &["add", ".mcp.json", ".gitignore"]);
    git(&home, &repo, &["commit", "-q", "-m", "add the server"]);
    git(&home, &repo, &["push", "-q", "origin", "main"]);
    // 2. Committed (not pushed), then removed from the file in a later commit.
    home.write(
        "home/work/app/.cursor/mcp.json",
        &server("TOOL_API_KEY", REMOVED),
    );
    git(&home, &repo, &["add", ".cursor/mcp.json"]);
    git(&home, &repo, &["commit", "-q", "-m", "cursor too"]);
    let removed_in = git(&home, &repo, &["rev-parse", "HEAD"]).trim().to_string();
    home.write(
        "home/work/app/.cursor/mcp.json",
        "{\n  \"mcpServers\": {}\n}\n",
    );
    git(&home, &repo, &["commit", "-q", "-am", "no key in git"]);
    // 3. Tracked, never committed.
    home.write(
        "home/work/app/.vscode/mcp.json",
        &server("TOOL_API_KEY", TRACKED).replace("mcpServers", "servers"),
    );
    git(&home, &repo, &["add", ".vscode/mcp.json"]);
    // 4. Ignored, and 5. neither tracked nor ignored.
    home.write(
        "home/work/app/.gemini/settings.json",
        &server("TOOL_API_KEY", IGNORED),
    );
    home.write(
        "home/work/app/.roo/mcp.json",
        &server("TOOL_API_KEY", LOOSE),
    );

    let s = scan(&home);
    let repo_canon = std::fs::canonicalize(&repo).unwrap();
    let state = |key: &str| {
        key_of(&s, key)["exposure"]["state"]
            .as_str()
            .map(str::to_string)
    };
    assert_eq!(state(PUSHED).as_deref(), Some("pushed"), "{s:#}");
    assert_eq!(state(REMOVED).as_deref(), Some("committed"), "{s:#}");
    assert_eq!(state(TRACKED).as_deref(), Some("tracked"), "{s:#}");
    assert_eq!(state(IGNORED).as_deref(), Some("ignored"), "{s:#}");
    assert_eq!(state(LOOSE).as_deref(), Some("untracked"), "{s:#}");

    let pushed = &key_of(&s, PUSHED)["exposure"];
    assert_eq!(pushed["pushed"]["remote"], "origin");
    assert!(
        pushed["pushed"].get("host").is_none(),
        "a local path has no host: {pushed}"
    );
    assert_eq!(pushed["repo"], repo_canon.to_str().unwrap());
    assert_eq!(pushed["path"], ".mcp.json");
    assert_eq!(pushed["tracked"], true);
    assert_eq!(pushed["commit"]["path"], ".mcp.json");
    assert_eq!(pushed["commit"]["date"], "2026-11-02T10:00:00Z");
    assert_eq!(pushed["history_complete"], true);
    // The removed key: found in the history only, with the commit and the path it had then.
    let removed = &key_of(&s, REMOVED)["exposure"];
    assert_eq!(removed["commit"]["id"], removed_in.as_str(), "{removed}");
    assert_eq!(removed["commit"]["path"], ".cursor/mcp.json");
    assert!(removed.get("pushed").is_none());
    // Its usage in the user's Cursor config is in no repository.
    let usage = &key_of(&s, REMOVED)["slots"][0];
    assert!(usage.get("exposure").is_none(), "{usage}");
    // Per usage, in the per-file view too.
    let file_usage = |path: &str| -> Value {
        s["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["path"].as_str().unwrap().ends_with(path))
            .unwrap_or_else(|| panic!("{path} not scanned: {s:#}"))["servers"][0]["slots"][0]
            ["exposure"]
            .clone()
    };
    assert_eq!(file_usage("app/.vscode/mcp.json")["state"], "tracked");
    assert_eq!(file_usage("app/.vscode/mcp.json")["tracked"], true);
    assert_eq!(file_usage("app/.gemini/settings.json")["ignored"], true);
    assert_eq!(file_usage("app/.roo/mcp.json")["ignored"], false);
    assert_eq!(file_usage("app/.mcp.json")["state"], "pushed");
    // Keys most exposed first, and counted.
    let order: Vec<String> = s["credentials"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            c["exposure"]["state"]
                .as_str()
                .unwrap_or("none")
                .to_string()
        })
        .collect();
    assert_eq!(
        order,
        ["pushed", "committed", "tracked", "untracked", "ignored"],
        "{s:#}"
    );
    assert_eq!(s["summary"]["exposed_keys"], 3);

    // The text output: exposed keys first, with what to do; no key, ever.
    let text = ok(&run(&home, &["scan"], "", &[]));
    assert!(text.starts_with("EXPOSED: 3 key(s) in git"), "{text}");
    let first = text.lines().nth(1).unwrap();
    assert!(first.contains("pushed to origin in commit"), "{text}");
    assert!(text.contains("rekey rotate"), "{text}");
    for key in [PUSHED, REMOVED, TRACKED, IGNORED, LOOSE] {
        assert!(!text.contains(key), "a key was printed: {text}");
    }

    // A remote-tracking ref of a remote whose URL holds a token now reaches the removed key's commit: it
    // is pushed there, named by the URL's host only.
    git(
        &home,
        &repo,
        &[
            "remote",
            "add",
            "hosted",
            "https://me:tok3n-in-url@git.example.com/me/app.git",
        ],
    );
    git(
        &home,
        &repo,
        &["update-ref", "refs/remotes/hosted/main", &removed_in],
    );
    let s2 = scan(&home);
    let removed = &key_of(&s2, REMOVED)["exposure"];
    assert_eq!(removed["state"], "pushed", "{removed}");
    assert_eq!(removed["pushed"]["remote"], "hosted");
    assert_eq!(removed["pushed"]["host"], "git.example.com");
    let all = serde_json::to_string(&s2).unwrap() + &ok(&run(&home, &["scan"], "", &[]));
    assert!(!all.contains("tok3n"), "the remote's URL leaked: {all}");
}

#[test]
fn a_file_outside_any_repository_has_no_exposure_and_a_repository_without_commits_works() {
    let home = TempHome::new();
    home.write("home/.cursor/mcp.json", &server("TOOL_API_KEY", LOOSE));
    let repo = home.home().join("fresh");
    std::fs::create_dir_all(&repo).unwrap();
    git(&home, &repo, &["init", "-q"]);
    home.write("home/fresh/.mcp.json", &server("TOOL_API_KEY", TRACKED));
    home.write(
        "home/.claude.json",
        &format!(r#"{{"projects": {{"{}": {{}}}}}}"#, repo.display()),
    );
    let s = scan(&home);
    assert!(key_of(&s, LOOSE).get("exposure").is_none(), "{s:#}");
    assert_eq!(
        key_of(&s, TRACKED)["exposure"]["state"],
        "untracked",
        "{s:#}"
    );
    assert_eq!(s["summary"]["exposed_keys"], 0);
    let text = ok(&run(&home, &["scan"], "", &[]));
    assert!(!text.contains("EXPOSED"), "{text}");
    assert!(text.starts_with(" ! "), "{text}");
}

#[test]
#[ignore = "needs ./dev test: the private Secret Service"]
fn rotating_a_pushed_key_warns_checks_that_the_old_key_is_refused_and_history_keeps_the_fact() {
    require_keyring();
    let (_f, home, old, cred) = linked_bitscale();
    pushed_project(&home, &old);
    let tracked = home.home().join("work/app/.mcp.json");
    // The plan says where git has it, that its copies stay valid until the rotation, and that the tracked
    // file gets a reference first.
    let plan: Value =
        serde_json::from_str(&ok(&run(&home, &["plan", &cred, "--json"], "", &[]))).unwrap();
    assert_eq!(plan["exposure"]["state"], "pushed", "{plan:#}");
    let warnings = plan["warnings"].to_string();
    assert!(
        warnings.contains("stays valid until this rotation"),
        "{warnings}"
    );
    assert_eq!(
        plan["protect_first"][0],
        tracked.to_str().unwrap(),
        "{plan:#}"
    );
    assert!(
        plan["notes"]
            .to_string()
            .contains("gets a rekey:// reference instead of the key"),
        "{plan:#}"
    );

    let out: Value = serde_json::from_str(&ok(&run(
        &home,
        &["rotate", &cred, "--yes", "--json"],
        "",
        &[],
    )))
    .unwrap();
    assert_eq!(out["step"], "verified", "{out:#}");
    let old_key = out["old_key"].as_str().unwrap();
    assert!(
        old_key.contains("the provider refuses the old key now"),
        "{old_key}"
    );
    // The tracked file holds a reference, never the new key; the user's own configs hold the new key.
    let new = out["new_masked"].as_str().unwrap().to_string();
    let in_git = std::fs::read_to_string(&tracked).unwrap();
    assert!(in_git.contains("rekey://"), "{in_git}");
    assert!(
        !in_git.contains(&old) && !in_git.contains(new.split('…').nth(1).unwrap()),
        "{in_git}"
    );
    let cursor = std::fs::read_to_string(home.home().join(".cursor/mcp.json")).unwrap();
    assert!(cursor.contains(new.split('…').nth(1).unwrap()) && !cursor.contains(&old));
    // The history keeps the fact (a Protect, then the rotation); the scan shows the key in git no more:
    // its new value is in no history, and the tracked file holds a reference.
    let history: Value =
        serde_json::from_str(&ok(&run(&home, &["history", "--json"], "", &[]))).unwrap();
    let lines = history.as_array().unwrap();
    let line = lines.last().unwrap().to_string();
    assert!(line.contains("the old key was pushed to origin"), "{line}");
    assert!(!line.contains(&old[8..]), "the key leaked: {line}");
    assert_eq!(lines[lines.len() - 2]["kind"], "protect", "{history:#}");
    let s = scan(&home);
    assert!(
        s["credentials"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c.get("exposure").is_none()),
        "{s:#}"
    );
}

#[test]
#[ignore = "needs ./dev test: the private Secret Service"]
fn a_rotation_told_to_writes_the_new_key_into_a_tracked_file_and_says_so() {
    require_keyring();
    let (_f, home, old, cred) = linked_bitscale();
    pushed_project(&home, &old);
    let plan: Value = serde_json::from_str(&ok(&run(
        &home,
        &["plan", &cred, "--json", "--literal-in-tracked"],
        "",
        &[],
    )))
    .unwrap();
    assert!(plan.get("protect_first").is_none(), "{plan:#}");
    assert!(
        plan["warnings"].to_string().contains(
            "app/.mcp.json is tracked by git: the new key written there goes into the next commit"
        ),
        "{plan:#}"
    );
    let out: Value = serde_json::from_str(&ok(&run(
        &home,
        &["rotate", &cred, "--yes", "--json", "--literal-in-tracked"],
        "",
        &[],
    )))
    .unwrap();
    assert_eq!(out["step"], "verified", "{out:#}");
    let in_git = std::fs::read_to_string(home.home().join("work/app/.mcp.json")).unwrap();
    assert!(!in_git.contains("rekey://"), "{in_git}");
    let s = scan(&home);
    let states: Vec<&str> = s["credentials"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["exposure"]["state"].as_str())
        .collect();
    assert_eq!(states, ["tracked"], "{s:#}");
}

/// An upstream repository whose first commit holds `key` in `.mcp.json` and whose second changes the file
/// (the key is then only in the history).
fn upstream(home: &TempHome, name: &str, key: &str) -> std::path::PathBuf {
    let up = home.home().join(name);
    std::fs::create_dir_all(&up).unwrap();
    git(home, &up, &["init", "-q"]);
    git(home, &up, &["config", "uploadpack.allowfilter", "true"]);
    std::fs::write(up.join(".mcp.json"), server("TOOL_API_KEY", key)).unwrap();
    git(home, &up, &["add", ".mcp.json"]);
    git(home, &up, &["commit", "-q", "-m", "one"]);
    std::fs::write(up.join(".mcp.json"), "{\"mcpServers\": {}}\n").unwrap();
    git(home, &up, &["commit", "-q", "-am", "two"]);
    up
}

#[test]
fn clones_worktrees_detached_heads_and_linked_configs_are_read_right() {
    let home = TempHome::new();
    let mut projects = Vec::new();
    // A shallow clone of a repository whose only commit (to this clone) holds the key: pushed, and the
    // history said to be incomplete (its parent is not there).
    let up = upstream(&home, "up-shallow", PUSHED);
    std::fs::write(up.join(".mcp.json"), server("TOOL_API_KEY", PUSHED)).unwrap();
    git(&home, &up, &["commit", "-q", "-am", "three"]);
    let shallow = home.home().join("shallow");
    let url = format!("file://{}", up.display());
    git(
        &home,
        &home.home(),
        &[
            "clone",
            "-q",
            "--depth",
            "1",
            &url,
            shallow.to_str().unwrap(),
        ],
    );
    projects.push(shallow.clone());
    // A partial clone whose key is only in a blob it never downloaded: not found, and said so.
    let up = upstream(&home, "up-partial", REMOVED);
    let partial = home.home().join("partial");
    let url = format!("file://{}", up.display());
    git(
        &home,
        &home.home(),
        &[
            "clone",
            "-q",
            "--filter=blob:none",
            &url,
            partial.to_str().unwrap(),
        ],
    );
    // The key is in the clone's work tree too, in a file this clone ignores.
    std::fs::write(partial.join(".git/info/exclude"), ".cursor/\n").unwrap();
    home.write(
        "home/partial/.cursor/mcp.json",
        &server("TOOL_API_KEY", REMOVED),
    );
    projects.push(partial.clone());
    // A linked work tree with the key staged in it (its own index), and the main work tree without.
    let main = home.home().join("main");
    std::fs::create_dir_all(&main).unwrap();
    git(&home, &main, &["init", "-q"]);
    home.write("home/main/README.md", "main\n");
    git(&home, &main, &["add", "README.md"]);
    git(&home, &main, &["commit", "-q", "-m", "init"]);
    let linked = home.home().join("linked");
    git(
        &home,
        &main,
        &[
            "worktree",
            "add",
            "-q",
            "-b",
            "feat",
            linked.to_str().unwrap(),
        ],
    );
    std::fs::write(linked.join(".mcp.json"), server("TOOL_API_KEY", TRACKED)).unwrap();
    git(&home, &linked, &["add", ".mcp.json"]);
    projects.push(main.clone());
    projects.push(linked.clone());
    // A detached HEAD with a commit no branch has.
    let detached = home.home().join("detached");
    std::fs::create_dir_all(&detached).unwrap();
    git(&home, &detached, &["init", "-q"]);
    home.write("home/detached/README.md", "d\n");
    git(&home, &detached, &["add", "README.md"]);
    git(&home, &detached, &["commit", "-q", "-m", "init"]);
    git(&home, &detached, &["checkout", "-q", "--detach"]);
    std::fs::write(detached.join(".mcp.json"), server("TOOL_API_KEY", IGNORED)).unwrap();
    git(&home, &detached, &["add", ".mcp.json"]);
    git(
        &home,
        &detached,
        &["commit", "-q", "-m", "on a detached head"],
    );
    projects.push(detached.clone());
    // A user config that is a link into a dotfiles repository where it is committed.
    let dots = home.home().join("dotfiles");
    std::fs::create_dir_all(dots.join("roo")).unwrap();
    git(&home, &dots, &["init", "-q"]);
    std::fs::write(dots.join("roo/mcp.json"), server("TOOL_API_KEY", LOOSE)).unwrap();
    git(&home, &dots, &["add", "roo/mcp.json"]);
    git(&home, &dots, &["commit", "-q", "-m", "dotfiles"]);
    std::fs::create_dir_all(home.home().join("app")).unwrap();
    link_file(
        &dots.join("roo/mcp.json"),
        &home.home().join("app/.mcp.json"),
    )
    .unwrap();
    projects.push(home.home().join("app"));

    let listed: serde_json::Map<String, Value> = projects
        .iter()
        .map(|p| (p.display().to_string(), serde_json::json!({})))
        .collect();
    home.write(
        "home/.claude.json",
        &serde_json::json!({ "projects": listed }).to_string(),
    );
    let s = scan(&home);
    let shallow_key = &key_of(&s, PUSHED)["exposure"];
    assert_eq!(shallow_key["state"], "pushed", "{shallow_key}");
    assert_eq!(shallow_key["history_complete"], false, "{shallow_key}");
    let partial_key = &key_of(&s, REMOVED)["exposure"];
    assert_eq!(partial_key["state"], "ignored", "{partial_key}");
    assert_eq!(partial_key["history_complete"], false, "{partial_key}");
    let linked_key = &key_of(&s, TRACKED)["exposure"];
    assert_eq!(linked_key["state"], "tracked", "{linked_key}");
    assert_eq!(
        linked_key["repo"],
        std::fs::canonicalize(&linked).unwrap().to_str().unwrap()
    );
    assert_eq!(linked_key["path"], ".mcp.json");
    assert_eq!(
        key_of(&s, IGNORED)["exposure"]["state"],
        "committed",
        "{s:#}"
    );
    let dotfile = &key_of(&s, LOOSE)["exposure"];
    assert_eq!(dotfile["state"], "committed", "{dotfile}");
    assert_eq!(dotfile["path"], "roo/mcp.json");
}

#[test]
fn a_deadline_passed_stops_the_walk_at_once_and_says_the_history_is_incomplete() {
    let home = TempHome::new();
    let up = upstream(&home, "up", PUSHED);
    let key = rekey::Secret::new(PUSHED.to_string());
    let file = up.join(".mcp.json");
    std::fs::write(&file, server("TOOL_API_KEY", PUSHED)).unwrap();
    let ask = |deadline| {
        rekey::exposure::assess(&rekey::exposure::Request {
            usages: vec![(file.as_path(), 0)],
            keys: vec![&key],
            folders: Vec::new(),
            locations: vec![".mcp.json".into()],
            deadline,
        })
    };
    let late = ask(std::time::Instant::now() - std::time::Duration::from_secs(1));
    assert_eq!(late.commits, 0);
    let e = late.usages[0].clone().unwrap();
    assert_eq!(
        (e.state, e.history_complete),
        (rekey::exposure::ExposureState::Tracked, false)
    );
    // With time, the same repository's history is read (this process's cache kept the cut walk: a new
    // tip makes it read again).
    git(&home, &up, &["commit", "-q", "-am", "three"]);
    let on_time = ask(std::time::Instant::now() + std::time::Duration::from_secs(20));
    assert_eq!(on_time.commits, 3);
    let e = on_time.usages[0].clone().unwrap();
    assert_eq!(
        (e.state, e.history_complete),
        (rekey::exposure::ExposureState::Committed, true)
    );
}

/// A project whose .mcp.json holds `key` (BitScale's server), committed and pushed to a bare remote, and
/// listed by Claude Code.
fn pushed_project(home: &TempHome, key: &str) {
    pushed_project_with(
        home,
        &server("BITSCALE_API_KEY", key).replace("\"tool\"", "\"bitscale\""),
    );
}

/// A project whose .mcp.json is `content`, committed and pushed to a bare remote, and listed by Claude Code.
fn pushed_project_with(home: &TempHome, content: &str) {
    // The same key in a project's .mcp.json, committed and pushed.
    let repo = home.home().join("work/app");
    let remote = home.home().join("remotes/app.git");
    std::fs::create_dir_all(&repo).unwrap();
    std::fs::create_dir_all(&remote).unwrap();
    git(home, &remote, &["init", "-q", "--bare"]);
    git(home, &repo, &["init", "-q"]);
    git(
        home,
        &repo,
        &["remote", "add", "origin", remote.to_str().unwrap()],
    );
    home.write("home/work/app/.mcp.json", content);
    git(home, &repo, &["add", ".mcp.json"]);
    git(home, &repo, &["commit", "-q", "-m", "add the server"]);
    git(home, &repo, &["push", "-q", "origin", "main"]);
    home.write(
        "home/.claude.json",
        &format!(r#"{{"projects": {{"{}": {{}}}}}}"#, repo.display()),
    );
}

#[test]
#[ignore = "needs ./dev test: the private Secret Service"]
fn a_pushed_key_protected_since_stays_exposed_until_it_is_rotated() {
    require_keyring();
    let (_f, home, old, cred) = linked_bitscale();
    pushed_project(&home, &old);
    assert_eq!(key_of(&scan(&home), &old)["exposure"]["state"], "pushed");
    // Protected: no config holds it literally any more, but it is still in the pushed history and valid.
    ok(&run(&home, &["protect", &cred, "--yes"], "", &[]));
    let s = scan(&home);
    let e = &key_of(&s, &old)["exposure"];
    assert_eq!(e["state"], "pushed", "{s:#}");
    assert_eq!(s["summary"]["exposed_keys"], 1);
    let text = ok(&run(&home, &["scan"], "", &[]));
    assert!(text.starts_with("EXPOSED: 1 key(s) in git"), "{text}");
    // Rotated: the new value is in no history, and the protected usages hold references only.
    ok(&run(&home, &["rotate", &cred, "--yes"], "", &[]));
    let s = scan(&home);
    assert!(
        s["credentials"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c.get("exposure").is_none()),
        "{s:#}"
    );
    assert_eq!(s["summary"]["exposed_keys"], 0);
}

#[test]
#[ignore = "needs ./dev test: the private Secret Service"]
fn no_grace_asked_for_stays_no_grace_when_tracked_files_are_protected_first() {
    require_keyring();
    let (f, home, old, cred, _, _) = linked(rekey_fakes::Provider::LaunchDarkly);
    pushed_project_with(
        &home,
        &format!(
            r#"{{"mcpServers": {{"LaunchDarkly": {{"command": "npx", "args": ["-y", "--package", "@launchdarkly/mcp-server", "--", "mcp", "start", "--api-key", "{old}"]}}}}}}"#
        ),
    );
    let out: Value = serde_json::from_str(&ok(&run(
        &home,
        &["rotate", &cred, "--yes", "--json", "--grace", "0"],
        "",
        &[],
    )))
    .unwrap();
    assert_eq!(out["step"], "verified", "{out:#}");
    let in_git = std::fs::read_to_string(home.home().join("work/app/.mcp.json")).unwrap();
    assert!(
        in_git.contains("rekey://") && !in_git.contains(&old),
        "{in_git}"
    );
    // No grace: the old key died at the call, and Rekey checked it.
    assert!(
        out["old_key"]
            .as_str()
            .unwrap()
            .contains("the provider refuses the old key now"),
        "{out:#}"
    );
    assert!(
        f.deaths(rekey_fakes::Provider::LaunchDarkly)
            .iter()
            .any(|d| d.key == old),
        "the old key is still alive at the provider"
    );
}

/// A symbolic link to a file (on Windows, a file symlink: the test then needs the right to make one).
fn link_file(target: &Path, link: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    return std::os::unix::fs::symlink(target, link);
    #[cfg(windows)]
    return std::os::windows::fs::symlink_file(target, link);
}
