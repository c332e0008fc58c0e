//! End to end in the real app: a rotation that a running client undid (it wrote its old config back) is
//! `incomplete`: the key shows it, the key's screen lists what still holds the dead key, and Finish writes
//! the new key from the keychain into it without calling the provider again.
#![cfg(target_os = "linux")] // WebKitGTK driven through WebKitWebDriver: the end-to-end tests run on Linux

mod harness;
use harness::*;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use thirtyfour::prelude::*;

/// The credential the CLI (built beside the app, same keychain) finds in `env`, linked to the fake BitScale.
fn link_first_key(env: &TestEnv, fakes: &rekey_fakes::FakeProviders) -> String {
    let cli = PathBuf::from(env!("CARGO_BIN_EXE_rekey-app")).with_file_name("rekey");
    let rekey = |args: &[&str]| {
        let mut cmd = Command::new(&cli);
        env.apply(&mut cmd);
        cmd.args(args).output().unwrap()
    };
    let report: serde_json::Value =
        serde_json::from_slice(&rekey(&["scan", "--json"]).stdout).unwrap();
    let cred = report["credentials"][0]["id"].as_str().unwrap().to_string();
    let url = fakes.base_url(rekey_fakes::Provider::BitScale);
    assert!(
        rekey(&["link", &cred, "--provider", "bitscale", "--base-url", &url])
            .status
            .success()
    );
    cred
}

#[tokio::test]
#[ignore = "needs ./dev test: Xvfb, tauri-driver, WebKitWebDriver"]
async fn an_incomplete_rotation_is_shown_on_the_key_and_finished_from_its_screen() {
    require_e2e();
    let _one_app_at_a_time = ONE_AT_A_TIME.lock().await;
    let env = TestEnv::new();
    let fakes = rekey_fakes::FakeProviders::start().unwrap();
    let old = fakes.current_key(rekey_fakes::Provider::BitScale);
    let cursor = env.home().join(".cursor/mcp.json");
    let cursor_original = format!("{{\n  // BitScale\n  \"mcpServers\": {{\"bitscale\": {{\"command\": \"uvx\", \"env\": {{\"BITSCALE_API_KEY\": \"{old}\"}}}}}}\n}}\n");
    std::fs::create_dir_all(cursor.parent().unwrap()).unwrap();
    std::fs::write(&cursor, &cursor_original).unwrap();
    let claude = env.config().join("Claude/claude_desktop_config.json");
    std::fs::create_dir_all(claude.parent().unwrap()).unwrap();
    std::fs::write(&claude, format!("{{\"mcpServers\": {{\"bitscale\": {{\"command\": \"uvx\", \"env\": {{\"BITSCALE_API_KEY\": \"{old}\"}}}}}}}}\n")).unwrap();
    env.settings_exist();

    // The CLI (built beside the app, same keychain) links and rotates; Cursor "writes its old config back"
    // between Rekey's rewrite and its final re-read.
    let app = PathBuf::from(env!("CARGO_BIN_EXE_rekey-app"));
    let cli = app.with_file_name("rekey");
    let rekey = |args: &[&str]| {
        let mut cmd = Command::new(&cli);
        env.apply(&mut cmd);
        cmd.args(args);
        cmd
    };
    let report: serde_json::Value =
        serde_json::from_slice(&rekey(&["scan", "--json"]).output().unwrap().stdout).unwrap();
    let cred = report["credentials"][0]["id"].as_str().unwrap().to_string();
    let url = fakes.base_url(rekey_fakes::Provider::BitScale);
    assert!(
        rekey(&["link", &cred, "--provider", "bitscale", "--base-url", &url])
            .status()
            .unwrap()
            .success()
    );
    let pause = tempfile::tempdir().unwrap();
    let mut rotate = rekey(&["rotate", &cred, "--yes"]);
    let mut child = rotate
        .env("REKEY_TEST_PAUSE_AFTER", "written")
        .env("REKEY_TEST_PAUSE_DIR", pause.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + WAIT;
    while !pause.path().join("paused").exists() {
        assert!(Instant::now() < deadline && child.try_wait().unwrap().is_none());
        std::thread::sleep(Duration::from_millis(20));
    }
    std::fs::write(&cursor, &cursor_original).unwrap();
    std::fs::write(pause.path().join("resume"), "").unwrap();
    assert_eq!(
        child.wait().unwrap().code(),
        Some(5),
        "the rotation should end incomplete"
    );
    let new = fakes.current_key(rekey_fakes::Provider::BitScale);
    assert_eq!(fakes.rotations(rekey_fakes::Provider::BitScale), 1);

    let driver = Driver::start(&env);
    let c = driver.session(&app).await;
    // Two keys now: the dead one (still in Cursor) and the new one (Claude Desktop); both are marked.
    wait_for(&c, "[data-testid=credential-state]").await;
    let deadline = Instant::now() + WAIT;
    loop {
        let badges = c
            .find_all(By::Css("[data-testid=credential-state]"))
            .await
            .unwrap();
        let mut texts = Vec::new();
        for b in &badges {
            texts.push(b.text().await.unwrap());
        }
        if texts.iter().filter(|t| *t == "rotation incomplete").count() == 2 {
            break;
        }
        assert!(Instant::now() < deadline, "badges: {texts:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The dead key's screen lists Cursor's file and offers Finish.
    let row = c
        .find(By::Css(format!(
            "[data-testid=credential][data-id='{cred}']"
        )))
        .await
        .unwrap();
    row.find(By::Css("[data-testid=details]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let box_ = wait_for(&c, "[data-testid=incomplete]").await;
    let text = box_.text().await.unwrap();
    assert!(
        text.contains(&cursor.display().to_string())
            && !text.contains(&old)
            && !text.contains(&new),
        "{text}"
    );
    save_screenshot(&c, "20-rotation-incomplete.png").await;
    wait_for(&c, "[data-testid=finish-rotation]")
        .await
        .click()
        .await
        .unwrap();
    // Finish rewrites Cursor's file; the live view then rescans, the dead key is gone from the configs
    // (so its screen closes) and no key is marked incomplete any more.
    let deadline = Instant::now() + WAIT;
    while !std::fs::read_to_string(&cursor).unwrap().contains(&new) {
        assert!(
            Instant::now() < deadline,
            "Finish did not write Cursor's config"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let deadline = Instant::now() + WAIT;
    loop {
        let n = c
            .find_all(By::Css("[data-testid=credential]"))
            .await
            .unwrap()
            .len();
        let badges = c
            .find_all(By::Css("[data-testid=credential-state]"))
            .await
            .unwrap()
            .len();
        if n == 1 && badges == 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{n} keys, {badges} badges after Finish"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        std::fs::read_to_string(&cursor).unwrap(),
        cursor_original.replace(&old, &new)
    );
    assert_eq!(
        fakes.rotations(rekey_fakes::Provider::BitScale),
        1,
        "Finish called the provider"
    );
    assert!(
        !c.source().await.unwrap().contains(&new),
        "the key reached the page"
    );
    save_screenshot(&c, "21-rotation-finished.png").await;
}

#[tokio::test]
#[ignore = "needs ./dev test: Xvfb, tauri-driver, WebKitWebDriver"]
async fn a_config_that_does_not_parse_needs_a_go_ahead_in_the_plan_and_the_rotation_says_incomplete(
) {
    require_e2e();
    let _one_app_at_a_time = ONE_AT_A_TIME.lock().await;
    let env = TestEnv::new();
    let fakes = rekey_fakes::FakeProviders::start().unwrap();
    let old = fakes.current_key(rekey_fakes::Provider::BitScale);
    let claude = env.config().join("Claude/claude_desktop_config.json");
    std::fs::create_dir_all(claude.parent().unwrap()).unwrap();
    std::fs::write(&claude, format!("{{\"mcpServers\": {{\"bitscale\": {{\"command\": \"uvx\", \"env\": {{\"BITSCALE_API_KEY\": \"{old}\"}}}}}}}}\n")).unwrap();
    // Cursor's file is cut off mid-edit, with the key in it (line 2).
    let cursor = env.home().join(".cursor/mcp.json");
    std::fs::create_dir_all(cursor.parent().unwrap()).unwrap();
    let broken = format!(
        "{{\"mcpServers\": {{\"bitscale\": {{\n  \"env\": {{\"BITSCALE_API_KEY\": \"{old}\"\n"
    );
    std::fs::write(&cursor, &broken).unwrap();
    env.settings_exist();
    let app = PathBuf::from(env!("CARGO_BIN_EXE_rekey-app"));
    link_first_key(&env, &fakes);

    let driver = Driver::start(&env);
    let c = driver.session(&app).await;
    wait_for(&c, "[data-testid=rotate]")
        .await
        .click()
        .await
        .unwrap();
    // The plan names the broken file and its line; Rotate stays off until "Go ahead anyway".
    let unparsed = wait_for(&c, "[data-testid=unparsed]")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        unparsed.contains(&cursor.display().to_string()) && unparsed.contains("line 2"),
        "{unparsed}"
    );
    let input = wait_for(&c, "[data-testid=confirm-input]").await;
    assert!(
        !input.is_enabled().await.unwrap(),
        "typing allowed before the go-ahead"
    );
    save_screenshot(&c, "22-plan-unparsed.png").await;
    wait_for(&c, "[data-testid=despite-unparsed]")
        .await
        .click()
        .await
        .unwrap();
    input.send_keys("bitscale").await.unwrap();
    wait_for(&c, "[data-testid=rotate-confirm]")
        .await
        .click()
        .await
        .unwrap();
    let left = wait_for(&c, "[data-testid=rotate-left]")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        left.contains("Incomplete") && left.contains(&cursor.display().to_string()),
        "{left}"
    );
    let new = fakes.current_key(rekey_fakes::Provider::BitScale);
    assert_eq!(fakes.rotations(rekey_fakes::Provider::BitScale), 1);
    assert!(std::fs::read_to_string(&claude).unwrap().contains(&new));
    assert_eq!(std::fs::read_to_string(&cursor).unwrap(), broken);
    assert!(
        !c.source().await.unwrap().contains(&new),
        "the key reached the page"
    );
    save_screenshot(&c, "23-rotate-incomplete.png").await;
}
