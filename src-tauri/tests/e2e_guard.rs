//! End to end: Settings > Keep keys out of git (issue 21). A project folder that is a git repository with
//! its own pre-commit hook (where its local `core.hooksPath` says, outside the work tree) is guarded from the
//! window, the hook written where git looks and the project's hook kept to run first; removing the guard
//! puts that hook back.
#![cfg(target_os = "linux")] // WebKitGTK driven through WebKitWebDriver: the end-to-end tests run on Linux

mod harness;
use harness::*;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use thirtyfour::prelude::*;

fn git(dir: &Path, args: &[&str]) {
    let out = std::process::Command::new("git")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("git is installed by ./dev test");
    assert!(out.status.success(), "git {args:?}: {out:?}");
}

/// Wait until the repository's row says `guarded` ("yes"/"no").
async fn row_says(c: &WebDriver, guarded: &str) -> WebElement {
    let deadline = Instant::now() + WAIT;
    loop {
        let row = wait_for(c, "[data-testid=guard-repo]").await;
        if row.attr("data-guarded").await.unwrap().as_deref() == Some(guarded) {
            return row;
        }
        assert!(
            Instant::now() < deadline,
            "the row never said guarded={guarded}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
#[ignore = "needs ./dev test: Xvfb, tauri-driver, WebKitWebDriver"]
async fn settings_guards_a_project_repository_and_keeps_its_own_hook() {
    require_e2e();
    let _one_app_at_a_time = ONE_AT_A_TIME.lock().await;
    let env = TestEnv::new();
    let repo = env.home().join("work/app");
    let hooks = env.home().join("hooks/app");
    std::fs::create_dir_all(&repo).unwrap();
    std::fs::create_dir_all(&hooks).unwrap();
    git(&repo, &["init", "-q"]);
    git(
        &repo,
        &["config", "core.hooksPath", hooks.to_str().unwrap()],
    );
    let own = "#!/bin/sh\nexit 0\n";
    std::fs::write(hooks.join("pre-commit"), own).unwrap();
    std::fs::create_dir_all(env.data_dir()).unwrap();
    std::fs::write(
        env.data_dir().join("settings.json"),
        serde_json::json!({ "project_folders": [repo], "max_key_age_days": 90, "grace_minutes": 10, "notify_due": false })
            .to_string(),
    )
    .unwrap();

    let app = PathBuf::from(env!("CARGO_BIN_EXE_rekey-app"));
    let driver = Driver::start(&env);
    let c = driver.session(&app).await;
    goto(&c, "settings").await;
    let row = row_says(&c, "no").await;
    assert!(row.text().await.unwrap().contains("not guarded"));
    row.find(By::Css("[data-testid=guard-toggle]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    row_says(&c, "yes").await;
    let said = text_of(&c, "[data-testid=guard-message]").await;
    assert!(
        said.contains("your own pre-commit hook still runs first"),
        "{said}"
    );
    let hook = std::fs::read_to_string(hooks.join("pre-commit")).unwrap();
    assert!(hook.contains(rekey::guard::MARK), "{hook}");
    assert_eq!(
        std::fs::read_to_string(hooks.join("pre-commit.rekey-chained")).unwrap(),
        own
    );
    look_at(&c, "62-settings-guard.png").await;

    wait_for(&c, "[data-testid=guard-toggle]")
        .await
        .click()
        .await
        .unwrap();
    row_says(&c, "no").await;
    assert_eq!(
        std::fs::read_to_string(hooks.join("pre-commit")).unwrap(),
        own,
        "the project's hook is back"
    );
    c.quit().await.unwrap();
}
