//! Desktop notifications, end to end: the test owns `org.freedesktop.Notifications` on the private session
//! bus (as a desktop's notification daemon does) and records what the real app sends through the official
//! notification plugin. A key past its max age is announced once, not again at the next start the same day,
//! and never when the user turned notifications off; no notification carries the key. A key found pushed
//! in a project's git history (issue 21) comes first in the list with its state, is announced once, and its
//! pane says where it is and what to do.
#![cfg(target_os = "linux")] // WebKitGTK driven through WebKitWebDriver: the end-to-end tests run on Linux

mod harness;
use harness::*;
use std::path::PathBuf;
use std::process::Command;
use std::sync::mpsc::{channel, Receiver, Sender};
use std::time::Duration;

/// What a Notify call carried: (app name, app icon, summary, body).
type Note = (String, String, String, String);

/// A notification daemon that records every Notify call.
struct Daemon {
    tx: std::sync::Mutex<Sender<Note>>,
}

#[zbus::interface(name = "org.freedesktop.Notifications")]
impl Daemon {
    #[allow(clippy::too_many_arguments)]
    fn notify(
        &self,
        app_name: String,
        _replaces_id: u32,
        app_icon: String,
        summary: String,
        body: String,
        _actions: Vec<String>,
        _hints: std::collections::HashMap<String, zbus::zvariant::OwnedValue>,
        _expire_timeout: i32,
    ) -> u32 {
        let _ = self
            .tx
            .lock()
            .unwrap()
            .send((app_name, app_icon, summary, body));
        1
    }
    fn get_capabilities(&self) -> Vec<String> {
        vec!["body".into()]
    }
    fn get_server_information(&self) -> (String, String, String, String) {
        (
            "rekey-test".into(),
            "rekey".into(),
            "1".into(),
            "1.2".into(),
        )
    }
    fn close_notification(&self, _id: u32) {}
}

fn start_daemon() -> (zbus::blocking::Connection, Receiver<Note>) {
    let (tx, rx) = channel();
    let conn = zbus::blocking::connection::Builder::session()
        .unwrap()
        .name("org.freedesktop.Notifications")
        .unwrap()
        .serve_at(
            "/org/freedesktop/Notifications",
            Daemon {
                tx: std::sync::Mutex::new(tx),
            },
        )
        .unwrap()
        .build()
        .expect("own org.freedesktop.Notifications on the test session bus");
    (conn, rx)
}

#[tokio::test]
#[ignore = "needs ./dev test: Xvfb, tauri-driver, WebKitWebDriver"]
async fn a_due_key_is_announced_once_a_day_and_not_when_turned_off() {
    require_e2e();
    let _one_app_at_a_time = ONE_AT_A_TIME.lock().await;
    let env = TestEnv::new();
    let key = "bs_live_notify_0123456789abcdef";
    let claude = env.config().join("Claude/claude_desktop_config.json");
    std::fs::create_dir_all(claude.parent().unwrap()).unwrap();
    std::fs::write(
        &claude,
        format!("{{\"mcpServers\": {{\"bitscale\": {{\"command\": \"uvx\", \"env\": {{\"BITSCALE_API_KEY\": \"{key}\"}}}}}}}}\n"),
    )
    .unwrap();
    env.settings_exist();
    // The CLI (built beside the app, same data dir) finds the key; Rekey first saw it 100 days ago.
    let app = PathBuf::from(env!("CARGO_BIN_EXE_rekey-app"));
    let mut cmd = Command::new(app.with_file_name("rekey"));
    env.apply(&mut cmd);
    let report: serde_json::Value =
        serde_json::from_slice(&cmd.args(["scan", "--json"]).output().unwrap().stdout).unwrap();
    let cred = report["credentials"][0]["id"].as_str().unwrap().to_string();
    let data = env.root.path().join("data/rekey");
    let long_ago = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(24 * 100);
    std::fs::write(
        data.join("seen.json"),
        serde_json::json!({ cred.clone(): long_ago.to_string() }).to_string(),
    )
    .unwrap();

    let (_daemon, notes) = start_daemon();
    let launch = || async {
        let driver = Driver::start(&env);
        let c = driver.session(&app).await;
        wait_for(&c, "[data-testid=engine-version]").await;
        (driver, c)
    };

    // First start: one notice about that key, without the key in it.
    let (driver, c) = launch().await;
    let (app_name, app_icon, summary, body) = notes
        .recv_timeout(Duration::from_secs(20))
        .expect("no notification about the due key");
    // The app's name and icon (a PNG the daemon can read), not the executable's name.
    assert_eq!(app_name, "Rekey");
    assert!(
        app_icon.ends_with(".png")
            && std::fs::read(&app_icon).is_ok_and(|b| b.starts_with(b"\x89PNG")),
        "app icon: {app_icon:?}"
    );
    assert_eq!(summary, "BitScale key is due for rotation");
    assert!(body.contains("100 days old (your limit is 90)"), "{body}");
    assert!(!body.contains("0123456789"), "the key leaked: {body}");
    c.quit().await.unwrap();
    drop(driver);

    // Started again the same day: silence.
    let (driver, c) = launch().await;
    wait_for(&c, "[data-testid=credential-link]").await;
    assert!(
        notes.recv_timeout(Duration::from_secs(3)).is_err(),
        "announced twice in a day"
    );
    c.quit().await.unwrap();
    drop(driver);

    // Turned off (and the day's record gone): silence too.
    std::fs::write(data.join("settings.json"), r#"{"notify_due": false}"#).unwrap();
    std::fs::remove_file(data.join("notified.json")).unwrap();
    let (driver, c) = launch().await;
    wait_for(&c, "[data-testid=credential-link]").await;
    assert!(
        notes.recv_timeout(Duration::from_secs(3)).is_err(),
        "announced although turned off"
    );
    c.quit().await.unwrap();
    drop(driver);
}

fn git(dir: &std::path::Path, args: &[&str]) {
    let out = Command::new("git")
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
        .output()
        .expect("git is installed by ./dev test");
    assert!(out.status.success(), "git {args:?}: {out:?}");
}

#[tokio::test]
#[ignore = "needs ./dev test: Xvfb, tauri-driver, WebKitWebDriver"]
async fn a_key_pushed_from_a_project_comes_first_is_announced_once_and_says_what_to_do() {
    require_e2e();
    let _one_app_at_a_time = ONE_AT_A_TIME.lock().await;
    let env = TestEnv::new();
    let pushed = "bs_live_pushed_0123456789abcdef";
    let local = "sk-live-aaaa-local-0123456789abcdef";
    // A key only in the user's Cursor config (no repository), named to sort before the other.
    let cursor = env.home().join(".cursor/mcp.json");
    std::fs::create_dir_all(cursor.parent().unwrap()).unwrap();
    std::fs::write(
        &cursor,
        format!("{{\"mcpServers\": {{\"aaa-tool\": {{\"command\": \"uvx\", \"env\": {{\"TOOL_API_KEY\": \"{local}\"}}}}}}}}\n"),
    )
    .unwrap();
    // A project whose .mcp.json holds the other key, committed and pushed to its (bare, local) remote.
    let repo = env.home().join("work/app");
    let remote = env.home().join("remotes/app.git");
    std::fs::create_dir_all(&repo).unwrap();
    std::fs::create_dir_all(&remote).unwrap();
    git(&remote, &["init", "-q", "--bare"]);
    git(&repo, &["init", "-q"]);
    git(
        &repo,
        &["remote", "add", "origin", remote.to_str().unwrap()],
    );
    std::fs::write(
        repo.join(".mcp.json"),
        format!("{{\n  \"mcpServers\": {{\n    \"bitscale\": {{ \"command\": \"uvx\", \"env\": {{ \"BITSCALE_API_KEY\": \"{pushed}\" }} }}\n  }}\n}}\n"),
    )
    .unwrap();
    git(&repo, &["add", ".mcp.json"]);
    git(&repo, &["commit", "-q", "-m", "add the server"]);
    git(&repo, &["push", "-q", "origin", "main"]);
    std::fs::create_dir_all(env.data_dir()).unwrap();
    std::fs::write(
        env.data_dir().join("settings.json"),
        serde_json::json!({ "project_folders": [repo], "max_key_age_days": 90, "grace_minutes": 10, "notify_due": false })
            .to_string(),
    )
    .unwrap();

    let (_daemon, notes) = start_daemon();
    let app = PathBuf::from(env!("CARGO_BIN_EXE_rekey-app"));
    let driver = Driver::start(&env);
    let c = driver.session(&app).await;
    let badge = wait_for(&c, "[data-testid=credential-exposure]").await;
    assert_eq!(badge.text().await.unwrap(), "pushed to origin");
    // First in the list, and selected: its pane says where it is and what to do.
    let first = wait_for(&c, "[data-testid=credential]").await;
    let row = first.text().await.unwrap();
    assert!(
        row.contains("pushed to origin") && row.contains("BitScale"),
        "{row}"
    );
    // The header says it too, and no longer that all keys are up to date.
    assert_eq!(
        text_of(&c, "[data-testid=status-exposed]").await,
        "1 key in git"
    );
    assert!(c
        .find_all(thirtyfour::By::Css("[data-testid=status-calm]"))
        .await
        .unwrap()
        .is_empty());
    let said = text_of(&c, "[data-testid=exposure]").await;
    assert!(said.contains("Pushed to origin in commit"), "{said}");
    assert!(said.contains("work/app/.mcp.json"), "{said}");
    assert!(
        said.contains("stays valid until the key is rotated"),
        "{said}"
    );
    let (_, _, summary, body) = notes
        .recv_timeout(Duration::from_secs(20))
        .expect("no notification about the pushed key");
    assert_eq!(summary, "BitScale key was pushed to origin");
    assert!(body.contains("work/app/.mcp.json"), "{body}");
    assert!(!body.contains("0123456789"), "the key leaked: {body}");
    look_at(&c, "64-keys-exposed.png").await;
    c.quit().await.unwrap();
    drop(driver);

    // Started again: the list says it again, the notification does not.
    let driver = Driver::start(&env);
    let c = driver.session(&app).await;
    wait_for(&c, "[data-testid=credential-exposure]").await;
    assert!(
        notes.recv_timeout(Duration::from_secs(3)).is_err(),
        "announced twice"
    );
    c.quit().await.unwrap();
    drop(driver);
}
