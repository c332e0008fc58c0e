//! The pre-commit guard (issue 21): `rekey guard install <repo>` in a real git repository whose hooks live
//! where `core.hooksPath` says, beside an existing pre-commit hook; a commit adding a key Rekey knows is
//! refused (the file and the key's id named, the key itself never printed) whatever the user's diff config,
//! the reference form goes through, the existing hook still runs first, and `uninstall` puts it back. Hooks
//! that are the project's files (in the work tree), a global hooks path and hooks that dispatch on their own
//! name are refused with the line to add instead.
mod common;
use common::fixture::*;
use common::*;
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

/// `git <args>` in `dir`, with the test home's environment (the hook's `rekey` reads that home's data).
fn git(home: &TempHome, dir: &Path, args: &[&str]) -> Output {
    let mut cmd = Command::new("git");
    home.apply(&mut cmd);
    cmd.current_dir(dir)
        .args([
            "-c",
            "user.name=Rekey Test",
            "-c",
            "user.email=test@rekey.invalid",
        ])
        .args(args)
        .env_remove("GIT_DIR")
        .env_remove("GIT_INDEX_FILE")
        .output()
        .expect("git is installed (./dev test installs it)")
}

fn git_ok(home: &TempHome, dir: &Path, args: &[&str]) -> String {
    ok(&git(home, dir, args))
}

fn executable(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    #[cfg(not(unix))]
    let _ = path; // Git for Windows runs hooks whatever their mode.
}

#[test]
fn hooks_that_are_the_project_s_files_a_global_hooks_path_and_self_named_hooks_are_refused() {
    let home = TempHome::new();
    let repo = home.home().join("work/team");
    std::fs::create_dir_all(&repo).unwrap();
    git_ok(&home, &repo, &["init", "-q"]);
    let arg = repo.to_str().unwrap();
    // core.hooksPath in the work tree (a team's committed .githooks, husky's .husky/_).
    git_ok(&home, &repo, &["config", "core.hooksPath", ".githooks"]);
    let team = "#!/bin/sh\nexit 0\n";
    home.write("home/work/team/.githooks/pre-commit", team);
    let o = run(&home, &["guard", "install", arg], "", &[]);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("inside its work tree") && err.contains("guard check"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(repo.join(".githooks/pre-commit")).unwrap(),
        team
    );
    assert!(!repo.join(".githooks/pre-commit.rekey-chained").exists());
    git_ok(&home, &repo, &["config", "--unset", "core.hooksPath"]);
    // A hooks path of the global config: every repository's, not this one's.
    let global = home.home().join("globalhooks");
    git_ok(
        &home,
        &repo,
        &[
            "config",
            "--global",
            "core.hooksPath",
            global.to_str().unwrap(),
        ],
    );
    let o = run(&home, &["guard", "install", arg], "", &[]);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("global git config"), "{err}");
    assert!(!global.join("pre-commit").exists());
    git_ok(
        &home,
        &repo,
        &["config", "--global", "--unset", "core.hooksPath"],
    );
    // A hook that finds its work by its own name (husky 4) would do nothing chained under another name.
    let husky = "#!/bin/sh\nhookName=`basename \"$0\"`\nexec node_modules/husky/run.js $hookName\n";
    home.write("home/work/team/.git/hooks/pre-commit", husky);
    let o = run(&home, &["guard", "install", arg], "", &[]);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("by its own name"), "{err}");
    assert_eq!(
        std::fs::read_to_string(repo.join(".git/hooks/pre-commit")).unwrap(),
        husky
    );
    // A failed install leaves the project's hook where it was.
    let plain = "#!/bin/sh\nexit 0\n";
    home.write("home/work/team/.git/hooks/pre-commit", plain);
    std::fs::create_dir_all(repo.join(".git/hooks/pre-commit.rekey-tmp/blocker")).unwrap();
    let o = run(&home, &["guard", "install", arg], "", &[]);
    assert_ne!(o.status.code(), Some(0));
    assert_eq!(
        std::fs::read_to_string(repo.join(".git/hooks/pre-commit")).unwrap(),
        plain
    );
    assert!(!repo.join(".git/hooks/pre-commit.rekey-chained").exists());
}

#[test]
fn the_guard_refuses_a_commit_adding_a_known_key_and_chains_the_existing_hook() {
    let home = TempHome::new();
    let key = "sk-live-guarded-0123456789abcdef";
    home.write(
        "home/.cursor/mcp.json",
        &format!(r#"{{"mcpServers": {{"bitscale": {{"command": "uvx", "env": {{"BITSCALE_API_KEY": "{key}"}}}}}}}}"#),
    );
    // The scan gives the key its id for life (keys.json) and its fingerprint: all the guard knows of it.
    let scan: Value = serde_json::from_str(&ok(&run(&home, &["scan", "--json"], "", &[]))).unwrap();
    let id = scan["credentials"][0]["key"].as_str().unwrap().to_string();

    let repo = home.home().join("work/app");
    std::fs::create_dir_all(&repo).unwrap();
    git_ok(&home, &repo, &["init", "-q"]);
    // This repository's hooks, kept outside its work tree by a local core.hooksPath.
    let hooks = home.home().join("hooks/app");
    git_ok(
        &home,
        &repo,
        &["config", "core.hooksPath", hooks.to_str().unwrap()],
    );
    // The project's own hook, which must keep running (it leaves a mark).
    let own = "#!/bin/sh\necho ran >> \"$(git rev-parse --show-toplevel)/.own-hook-ran\"\n";
    home.write("home/hooks/app/pre-commit", own);
    executable(&hooks.join("pre-commit"));
    home.write("home/work/app/README.md", "app\n");
    git_ok(&home, &repo, &["add", "README.md"]);
    git_ok(&home, &repo, &["commit", "-q", "-m", "first"]);
    assert!(
        repo.join(".own-hook-ran").exists(),
        "the project's hook runs"
    );
    std::fs::remove_file(repo.join(".own-hook-ran")).unwrap();

    let repo_arg = repo.to_str().unwrap();
    let installed = ok(&run(&home, &["guard", "install", repo_arg], "", &[]));
    assert!(installed.contains("hooks/app/pre-commit"), "{installed}");
    assert!(installed.contains("runs first"), "{installed}");
    assert_eq!(
        std::fs::read_to_string(hooks.join("pre-commit.rekey-chained")).unwrap(),
        own,
        "the project's hook is kept as it was"
    );
    // Installing again changes nothing else (the chained hook stays the project's).
    ok(&run(&home, &["guard", "install", repo_arg], "", &[]));
    assert_eq!(
        std::fs::read_to_string(hooks.join("pre-commit.rekey-chained")).unwrap(),
        own
    );

    // A project .mcp.json with the key in it: refused, the file and the key's id named, the key not shown.
    let entry = |value: &str| {
        format!("{{\n  \"mcpServers\": {{\n    \"bitscale\": {{\n      \"command\": \"uvx\",\n      \"env\": {{ \"BITSCALE_API_KEY\": \"{value}\" }}\n    }}\n  }}\n}}\n")
    };
    home.write("home/work/app/.mcp.json", &entry(key));
    git_ok(&home, &repo, &["add", ".mcp.json"]);
    let refused = git(&home, &repo, &["commit", "-q", "-m", "add the server"]);
    let err = String::from_utf8_lossy(&refused.stderr).into_owned();
    assert!(!refused.status.success(), "the commit went through: {err}");
    assert!(
        err.contains(&format!(".mcp.json, line 5: the key {id}")),
        "{err}"
    );
    assert!(err.contains(&format!("rekey protect {id}")), "{err}");
    assert!(!err.contains(key), "the key was printed: {err}");
    assert!(
        repo.join(".own-hook-ran").exists(),
        "the project's hook ran first"
    );
    let log = git_ok(&home, &repo, &["log", "--oneline"]);
    assert_eq!(log.lines().count(), 1, "{log}");

    // The same key in a .env (NAME=value) is found too.
    home.write("home/work/app/.env", &format!("BITSCALE_API_KEY={key}\n"));
    git_ok(&home, &repo, &["add", ".env"]);
    let env = git(&home, &repo, &["commit", "-q", "-m", "env"]);
    assert!(!env.status.success());
    assert!(String::from_utf8_lossy(&env.stderr).contains(".env, line 1"));
    git_ok(&home, &repo, &["rm", "-q", "--cached", ".env"]);

    // Whatever the user's diff settings, and in a file whose name git would quote.
    home.write("home/work/app/café.json", &entry(key));
    git_ok(&home, &repo, &["add", "café.json"]);
    for config in [
        "diff.noprefix=true",
        "diff.mnemonicPrefix=true",
        "diff.dstPrefix=new/",
        "core.quotePath=true",
        "color.ui=always",
        "diff.interHunkContext=9",
    ] {
        let o = git(&home, &repo, &["-c", config, "commit", "-q", "-m", "cafe"]);
        let err = String::from_utf8_lossy(&o.stderr).into_owned();
        assert!(!o.status.success(), "{config}: committed");
        assert!(err.contains("café.json, line 5"), "{config}: {err}");
    }
    git_ok(&home, &repo, &["rm", "-q", "--cached", "café.json"]);
    // A symlink replaced by a real file holding the key (a type change).
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink("README.md", repo.join("link.json")).unwrap();
        git_ok(&home, &repo, &["add", "link.json"]);
        git_ok(&home, &repo, &["commit", "-q", "--no-verify", "-m", "link"]);
        std::fs::remove_file(repo.join("link.json")).unwrap();
        home.write("home/work/app/link.json", &entry(key));
        git_ok(&home, &repo, &["add", "link.json"]);
        let o = git(&home, &repo, &["commit", "-q", "-m", "typechange"]);
        assert!(!o.status.success(), "the type change was committed");
        git_ok(&home, &repo, &["reset", "-q", "--hard", "HEAD~1"]);
    }

    // The reference form goes through.
    home.write("home/work/app/.mcp.json", &entry(&format!("rekey://{id}")));
    git_ok(&home, &repo, &["add", ".mcp.json"]);
    git_ok(
        &home,
        &repo,
        &["commit", "-q", "-m", "add the server, protected"],
    );
    assert_eq!(
        git_ok(&home, &repo, &["log", "--oneline"]).lines().count(),
        2
    );

    // A failing project hook still stops the commit (Rekey's hook does not hide it).
    home.write(
        "home/hooks/app/pre-commit.rekey-chained",
        "#!/bin/sh\necho 'the project hook says no' >&2\nexit 3\n",
    );
    home.write("home/work/app/NOTES.md", "notes\n");
    git_ok(&home, &repo, &["add", "NOTES.md"]);
    let stopped = git(&home, &repo, &["commit", "-q", "-m", "notes"]);
    assert!(!stopped.status.success());
    assert!(String::from_utf8_lossy(&stopped.stderr).contains("the project hook says no"));
    home.write("home/hooks/app/pre-commit.rekey-chained", own);

    // Uninstall puts the project's hook back, byte for byte.
    let removed = ok(&run(&home, &["guard", "uninstall", repo_arg], "", &[]));
    assert!(removed.contains("your hook is back"), "{removed}");
    assert_eq!(
        std::fs::read_to_string(hooks.join("pre-commit")).unwrap(),
        own
    );
    assert!(!hooks.join("pre-commit.rekey-chained").exists());
}

#[test]
fn install_outside_a_repository_says_so_and_writes_nothing() {
    let home = TempHome::new();
    let dir = home.home().join("not-a-repo");
    std::fs::create_dir_all(&dir).unwrap();
    let o = run(&home, &["guard", "install", dir.to_str().unwrap()], "", &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("is not a git repository"));
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
}
