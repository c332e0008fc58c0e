//! End to end in the real app: "Replace manually…" is a change like the others. A pasted `abc` is refused
//! with nothing written; a key the (linked, fake) provider refuses shows the provider's message and only a
//! separate "Write anyway"; a good key shows the plan (every usage, masked diff, the provider's check) and
//! is written into both configs only after Confirm, and the key keeps its link.
#![cfg(target_os = "linux")] // WebKitGTK driven through WebKitWebDriver: the end-to-end tests run on Linux

mod harness;
use harness::*;
use rekey_fakes::{mint, FakeProviders, Provider as P};
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};
use thirtyfour::prelude::*;

fn read(p: &std::path::Path) -> String {
    std::fs::read_to_string(p).unwrap()
}

#[tokio::test]
#[ignore = "needs ./dev test: Xvfb, tauri-driver, WebKitWebDriver"]
async fn replace_manually_checks_the_key_shows_the_plan_and_writes_only_after_confirm() {
    require_e2e();
    let _one_app_at_a_time = ONE_AT_A_TIME.lock().await;
    let env = TestEnv::new();
    let fakes = FakeProviders::start().unwrap();
    let old = fakes.current_key(P::BitScale);
    let cursor = env.home().join(".cursor/mcp.json");
    let claude = env.config().join("Claude/claude_desktop_config.json");
    for (path, text) in [
        // Another key, listed first (by name): the replaced key must stay selected, not fall back to it.
        (&cursor, format!("{{\n  // mine\n  \"mcpServers\": {{\"aaa-other\": {{\"command\": \"npx\", \"env\": {{\"OTHER_API_KEY\": \"ok_live_Zq8xW2vB7nM4kL1pR9tY3uE6\"}}}}, \"bitscale\": {{\"command\": \"uvx\", \"env\": {{\"BITSCALE_API_KEY\": \"{old}\"}}}}}}\n}}\n")),
        (&claude, format!("{{\n  \"mcpServers\": {{\n    \"bitscale\": {{\n      \"command\": \"uvx\",\n      \"args\": [\"bitscale-mcp\"],\n      \"env\": {{ \"BITSCALE_API_KEY\": \"{old}\" }}\n    }}\n  }}\n}}\n")),
    ] {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let before = (read(&cursor), read(&claude));
    env.settings_exist();
    // The key is linked to the fake BitScale (with the CLI built beside the app).
    let app = PathBuf::from(env!("CARGO_BIN_EXE_rekey-app"));
    let cli = app.with_file_name("rekey");
    let mut scan = Command::new(&cli);
    env.apply(&mut scan);
    let report: serde_json::Value =
        serde_json::from_slice(&scan.args(["scan", "--json"]).output().unwrap().stdout).unwrap();
    let bitscale_id = |report: &serde_json::Value| {
        report["credentials"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["provider"] == "bitscale")
            .and_then(|c| c["id"].as_str())
            .unwrap()
            .to_string()
    };
    assert_eq!(
        report["credentials"].as_array().unwrap().len(),
        2,
        "{report}"
    );
    let cred = bitscale_id(&report);
    let mut link = Command::new(&cli);
    env.apply(&mut link);
    let linked = link
        .args(["link", &cred, "--provider", "bitscale", "--base-url"])
        .arg(fakes.base_url(P::BitScale))
        .output()
        .unwrap();
    assert!(linked.status.success(), "{linked:?}");

    let driver = Driver::start(&env);
    let c = driver.session(&app).await;
    wait_for(
        &c,
        &format!("[data-testid=credential][data-id='{cred}'] [data-testid=details]"),
    )
    .await
    .click()
    .await
    .unwrap();
    wait_for(&c, "[data-testid=replace-manually]")
        .await
        .click()
        .await
        .unwrap();

    // `abc`, then Enter: refused by the engine's checks; no plan, nothing written.
    let field = wait_for(&c, "[data-testid=replace-new-key]").await;
    field.send_keys("abc").await.unwrap();
    field.send_keys(Key::Enter).await.unwrap();
    let refused = text_of(&c, "[data-testid=replace-error]").await;
    assert!(refused.contains("too short"), "{refused}");
    assert!(c
        .find_all(By::Css("[data-testid=replace-plan]"))
        .await
        .unwrap()
        .is_empty());
    assert_eq!((read(&cursor), read(&claude)), before);
    look_at(&c, "40-replace-refused.png").await;

    // A key of BitScale's shape that BitScale does not know: the plan shows the provider's refusal, with
    // "Write anyway" as the only way on (no Confirm), and focus on Back. Escape goes back; nothing written.
    let wrong = mint("sk-live-", 24);
    let field = wait_for(&c, "[data-testid=replace-new-key]").await;
    field.clear().await.unwrap();
    field.send_keys(&wrong).await.unwrap();
    field.send_keys(Key::Enter).await.unwrap();
    let verify = text_of(&c, "[data-testid=replace-verify]").await;
    assert!(
        verify.contains("BitScale refused the new key") && verify.contains("Invalid API key"),
        "{verify}"
    );
    wait_for(&c, "[data-testid=replace-write-anyway]").await;
    assert!(c
        .find_all(By::Css("[data-testid=replace-confirm]"))
        .await
        .unwrap()
        .is_empty());
    let focused = c.active_element().await.unwrap();
    assert_eq!(
        focused.attr("data-testid").await.unwrap().as_deref(),
        Some("replace-back")
    );
    look_at(&c, "41-replace-verify-failed.png").await;
    let shown1 = present(&c, "[data-testid=replace-plan]").await;
    focused.send_keys(Key::Escape).await.unwrap();
    shown1.gone(&c).await;
    assert_eq!((read(&cursor), read(&claude)), before);

    // The user rotated the key on BitScale's website: the fake knows the new one. Paste it: the plan names
    // both files with the masked diff and the provider's check; nothing is written before Confirm.
    let new = mint("sk-live-", 24);
    fakes.state(|s| s.bitscale_key = new.clone());
    let field = wait_for(&c, "[data-testid=replace-new-key]").await;
    field.clear().await.unwrap();
    field.send_keys(&new).await.unwrap();
    wait_for(&c, "[data-testid=replace-check]")
        .await
        .click()
        .await
        .unwrap();
    let plan = text_of(&c, "[data-testid=replace-plan]").await;
    let diff = format!(
        "{} → {}",
        rekey::secret::mask(&old),
        rekey::secret::mask(&new)
    );
    assert!(
        plan.contains(cursor.to_str().unwrap())
            && plan.contains(claude.to_str().unwrap())
            && plan.contains("env.BITSCALE_API_KEY")
            && plan.matches(&diff).count() == 2,
        "{plan}"
    );
    assert_eq!(
        text_of(&c, "[data-testid=replace-verify]").await,
        "BitScale accepts the new key."
    );
    assert!(text_of(&c, "[data-testid=replace-shape]")
        .await
        .contains("looks like a BitScale key"));
    assert_eq!((read(&cursor), read(&claude)), before);
    let source = c.source().await.unwrap();
    assert!(
        !source.contains(&new) && !source.contains(&old),
        "a key reached the page"
    );
    look_at(&c, "42-replace-plan.png").await;

    // Enter on the focused Confirm: both configs hold the new key, only its bytes changed.
    let focused = c.active_element().await.unwrap();
    assert_eq!(
        focused.attr("data-testid").await.unwrap().as_deref(),
        Some("replace-confirm")
    );
    focused.send_keys(Key::Enter).await.unwrap();
    let notice = text_of(&c, "[data-testid=key-notice]").await;
    assert!(
        notice.contains("written into 2 files") && notice.contains("accepted it first"),
        "{notice}"
    );
    assert_eq!(read(&cursor), before.0.replace(&old, &new));
    assert_eq!(read(&claude), before.1.replace(&old, &new));
    // The key stays selected under its new id (its value changed), not the first key of the list, and the
    // notice offers its History entry.
    let mut rescan = Command::new(&cli);
    env.apply(&mut rescan);
    let report: serde_json::Value =
        serde_json::from_slice(&rescan.args(["scan", "--json"]).output().unwrap().stdout).unwrap();
    let now = bitscale_id(&report);
    assert_ne!(now, cred);
    let deadline = Instant::now() + WAIT;
    loop {
        let shown = wait_for(&c, "[data-testid=credential-detail]")
            .await
            .attr("data-id")
            .await
            .unwrap();
        if shown.as_deref() == Some(now.as_str()) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the detail shows {shown:?}, not the replaced key {now}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    wait_for(&c, "[data-testid=key-notice] [data-testid=notice-history]").await;
    // The link followed the key to its new id.
    let deadline = Instant::now() + WAIT;
    while text_of(&c, "[aria-current=true] [data-testid=credential-link]").await
        != "linked: bitscale"
    {
        assert!(Instant::now() < deadline, "the link did not follow the key");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let source = c.source().await.unwrap();
    assert!(!source.contains(&new) && !source.contains(&old));
    save_screenshot(&c, "43-replace-done.png").await;
    c.quit().await.unwrap();
}
