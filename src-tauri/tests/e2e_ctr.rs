//! End to end in the real app: the demo's zero-downtime rotation. Neon creates the new key before the old
//! one is revoked, so no config ever holds a dead key; the plan says so, and the outcome says the old key
//! was revoked.
#![cfg(target_os = "linux")] // WebKitGTK driven through WebKitWebDriver: the end-to-end tests run on Linux

mod harness;
use harness::*;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use thirtyfour::prelude::*;

fn neon_key(cursor: &std::path::Path) -> String {
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(cursor).unwrap()).unwrap();
    v["mcpServers"]["neon"]["env"]["NEON_API_KEY"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
#[ignore = "needs ./dev test: Xvfb, tauri-driver, WebKitWebDriver"]
async fn the_demo_rotates_a_neon_key_with_create_then_revoke() {
    require_e2e();
    let _one_app_at_a_time = ONE_AT_A_TIME.lock().await;
    let env = TestEnv::new();
    let app = PathBuf::from(env!("CARGO_BIN_EXE_rekey-app"));
    let driver = Driver::start(&env);
    let c = driver.session_with(&app, &["--demo"]).await;
    let home = demo_home_past_the_wizard(&c).await;
    let cursor = home.join(".cursor/mcp.json");
    let cursor_before = std::fs::read_to_string(&cursor).unwrap();
    let old = neon_key(&cursor);

    // Open the Neon key (linked by the demo) and start its rotation.
    let row = key_linked_to(&c, "neon").await;
    row.find(By::Css("[data-testid=details]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(&c, "[data-testid=rotate]")
        .await
        .click()
        .await
        .unwrap();

    // The plan names the model and what the user risks: nothing is irreversible here.
    let model = text_of(&c, "[data-testid=plan-model]").await;
    assert!(model.contains("create then revoke"), "{model}");
    let risk = text_of(&c, "[data-testid=plan-risk]").await;
    assert!(!risk.is_empty());
    assert!(c
        .find_all(By::Css("[data-testid=irreversible]"))
        .await
        .unwrap()
        .is_empty());
    look_at(&c, "40-ctr-plan.png").await;
    assert_eq!(std::fs::read_to_string(&cursor).unwrap(), cursor_before);

    let word = text_of(&c, "[data-testid=confirm-word]").await;
    assert_eq!(word, "Neon");
    wait_for(&c, "[data-testid=confirm-input]")
        .await
        .send_keys("neon")
        .await
        .unwrap();
    c.find(By::Css("[data-testid=rotate-confirm]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(&c, "[data-testid=rotate-done]").await;
    let mut steps = Vec::new();
    for el in c
        .find_all(By::Css("[data-testid=rotate-step]"))
        .await
        .unwrap()
    {
        steps.push(el.attr("data-step").await.unwrap().unwrap());
    }
    // On screen: create, keep, write, verify, revoke, each done.
    let mut marks = Vec::new();
    for el in c
        .find_all(By::Css("[data-testid=rotate-activity]"))
        .await
        .unwrap()
    {
        marks.push((
            el.attr("data-activity").await.unwrap().unwrap(),
            el.attr("data-mark").await.unwrap().unwrap(),
        ));
    }
    assert_eq!(
        marks,
        ["call", "keep", "write", "verify", "revoke"].map(|a| (a.to_string(), "done".to_string()))
    );
    // Created before anything else, revoked last: the old key died only once every config held the new one.
    assert_eq!(steps.first().map(String::as_str), Some("intent"));
    assert!(steps.contains(&"created".to_string()), "{steps:?}");
    assert_eq!(
        steps.last().map(String::as_str),
        Some("revoked"),
        "{steps:?}"
    );
    let old_key = text_of(&c, "[data-testid=old-key]").await;
    assert_eq!(old_key, "Old key revoked.");
    let title = text_of(&c, "#rotate-title").await;
    assert!(title.contains("is rotated"), "{title}");
    look_at(&c, "41-ctr-done.png").await;

    // Cursor's file changed in the key's bytes only.
    let new = neon_key(&cursor);
    assert_ne!(new, old);
    assert_eq!(
        std::fs::read_to_string(&cursor).unwrap(),
        cursor_before.replace(&old, &new)
    );
    assert!(
        !c.source().await.unwrap().contains(&new),
        "the new key reached the page before Reveal"
    );
    let shown2 = present(&c, "[data-testid=rotate-flow]").await;
    c.find(By::Css("[data-testid=rotate-done]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    shown2.gone(&c).await;
    goto(&c, "history").await;
    // The list re-renders when the scan after the rotation lands: read it afresh until it settles.
    let deadline = Instant::now() + WAIT;
    loop {
        let entry = wait_for(&c, "[data-testid=history-entry]").await;
        if let Ok(Some(o)) = entry.attr("data-outcome").await {
            if o == "revoked" {
                break;
            }
        }
        assert!(Instant::now() < deadline, "history: no revoked rotation");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    look_at(&c, "42-ctr-history.png").await;
    // The demo does not touch the user's login items: the switch says so and snaps back.
    goto(&c, "settings").await;
    let login = wait_for(&c, "[data-testid=setting-login]").await;
    assert!(!login.is_selected().await.unwrap());
    login.click().await.unwrap();
    let message = text_of(&c, "[data-testid=settings-message]").await;
    assert!(
        message.contains("the demo does not change your login items"),
        "{message}"
    );
    assert!(
        !wait_for(&c, "[data-testid=setting-login]")
            .await
            .is_selected()
            .await
            .unwrap(),
        "the refused switch stayed on"
    );
    c.quit().await.unwrap();
    drop(driver);
    let _ = std::fs::remove_dir_all(home.parent().unwrap());
}

/// A Neon key whose new key fails its check: the window revokes nothing, offers the choice, and "Put the
/// old key back" restores the config byte for byte and deletes the new key at the provider.
#[tokio::test]
#[ignore = "needs ./dev test: Xvfb, tauri-driver, WebKitWebDriver"]
async fn a_failed_check_offers_the_choice_and_rollback_restores_the_config() {
    require_e2e();
    let _one_app_at_a_time = ONE_AT_A_TIME.lock().await;
    let env = TestEnv::new();
    env.settings_exist();
    let fakes = rekey_fakes::FakeProviders::start().unwrap();
    let old = fakes.current_key(rekey_fakes::Provider::Neon);
    let claude = env.config().join("Claude/claude_desktop_config.json");
    std::fs::create_dir_all(claude.parent().unwrap()).unwrap();
    let original = format!("{{\"mcpServers\": {{\"neon\": {{\"command\": \"npx\", \"args\": [\"-y\", \"@neondatabase/mcp-server-neon\", \"start\"], \"env\": {{\"NEON_API_KEY\": \"{old}\"}}}}}}}}\n");
    std::fs::write(&claude, &original).unwrap();
    let app = PathBuf::from(env!("CARGO_BIN_EXE_rekey-app"));
    let cli = app.with_file_name("rekey");
    let rekey = |args: &[&str]| {
        let mut cmd = std::process::Command::new(&cli);
        env.apply(&mut cmd);
        cmd.args(args).output().unwrap()
    };
    let report: serde_json::Value =
        serde_json::from_slice(&rekey(&["scan", "--json"]).stdout).unwrap();
    let cred = report["credentials"][0]["id"].as_str().unwrap().to_string();
    let url = fakes.base_url(rekey_fakes::Provider::Neon);
    let key_id = fakes.state(|s| s.neon.key_id.clone());
    let linked = rekey(&[
        "link",
        &cred,
        "--provider",
        "neon",
        "--base-url",
        &url,
        "--key-id",
        &key_id,
    ]);
    assert!(linked.status.success(), "{linked:?}");
    fakes.state(|s| s.neon.keys.verify_fault = Some(401));

    let driver = Driver::start(&env);
    let c = driver.session(&app).await;
    wait_for(&c, "[data-testid=details]")
        .await
        .click()
        .await
        .unwrap();
    wait_for(&c, "[data-testid=rotate]")
        .await
        .click()
        .await
        .unwrap();
    wait_for(&c, "[data-testid=confirm-input]")
        .await
        .send_keys("neon")
        .await
        .unwrap();
    c.find(By::Css("[data-testid=rotate-confirm]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(&c, "[data-testid=ctr-choices]").await;
    let new = fakes.current_key(rekey_fakes::Provider::Neon);
    assert_ne!(new, old);
    // Nothing revoked: both keys still work; the config holds the new one.
    let live = |f: &rekey_fakes::FakeProviders| {
        f.state(|s| {
            s.neon
                .keys
                .keys
                .iter()
                .filter(|k| !k.revoked)
                .map(|k| k.key.clone())
                .collect::<Vec<_>>()
        })
    };
    assert!(live(&fakes).contains(&old) && live(&fakes).contains(&new));
    assert_eq!(
        std::fs::read_to_string(&claude).unwrap(),
        original.replace(&old, &new)
    );
    // What happened in one plain sentence; the provider's own text folded under Details.
    let plain = text_of(&c, "[data-testid=verify-error] .plain").await;
    assert!(
        plain.starts_with("Neon did not accept the new key"),
        "{plain}"
    );
    assert!(!plain.contains("401"), "{plain}");
    let details = wait_for(&c, "[data-testid=verify-error] details").await;
    assert_eq!(
        details.attr("open").await.unwrap(),
        None,
        "the detail is folded"
    );
    let detail = c
        .find(By::Css("[data-testid=verify-detail]"))
        .await
        .unwrap()
        .prop("textContent")
        .await
        .unwrap()
        .unwrap_or_default();
    assert!(detail.contains("401"), "{detail}");
    // The step that failed is marked, the ones after it never ran.
    assert_eq!(
        wait_for(&c, "[data-testid=rotate-activity][data-mark=failed]")
            .await
            .attr("data-activity")
            .await
            .unwrap()
            .as_deref(),
        Some("verify")
    );
    assert_eq!(
        wait_for(&c, "[data-testid=rotate-activity][data-activity=revoke]")
            .await
            .attr("data-mark")
            .await
            .unwrap()
            .as_deref(),
        Some("pending")
    );
    look_at(&c, "43-ctr-verify-failed.png").await;
    // Before the choice, the new key is offered for saving (checked gone below).
    assert_eq!(
        c.find_all(By::Css("[data-testid=new-key]"))
            .await
            .unwrap()
            .len(),
        1
    );
    c.find(By::Css("[data-testid=rollback]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let result = text_of(&c, "[data-testid=choice-result]").await;
    assert!(
        result.starts_with("The old key is back in every config"),
        "{result}"
    );
    // The deleted new key is no longer offered for saving.
    assert!(c
        .find_all(By::Css("[data-testid=new-key]"))
        .await
        .unwrap()
        .is_empty());
    assert_eq!(text_of(&c, "[data-testid=rotate-done]").await, "Close");
    look_at(&c, "44-ctr-rolled-back.png").await;
    assert_eq!(std::fs::read_to_string(&claude).unwrap(), original);
    let still = live(&fakes);
    assert!(still.contains(&old) && !still.contains(&new), "{still:?}");
    assert!(!c.source().await.unwrap().contains(&new));
    c.quit().await.unwrap();
    drop(driver);
}
