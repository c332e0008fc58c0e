//! End to end in the real app: Settings (refusals, admin credentials, launch at login), the live view of
//! configs edited by other programs, and the restore offer when a client wipes its own servers.
#![cfg(target_os = "linux")] // WebKitGTK driven through WebKitWebDriver: the end-to-end tests run on Linux

mod harness;
use harness::*;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use thirtyfour::prelude::*;

#[tokio::test]
#[ignore = "needs ./dev test: Xvfb, tauri-driver, WebKitWebDriver"]
async fn settings_the_live_view_and_the_restore_offer() {
    require_e2e();
    let _one_app_at_a_time = ONE_AT_A_TIME.lock().await;
    let env = TestEnv::new();
    // Claude Desktop with one key; no provider is called in this test.
    let new_key = "sk-live-already-there-0123456789";
    let claude_desktop = env.config().join("Claude/claude_desktop_config.json");
    std::fs::create_dir_all(claude_desktop.parent().unwrap()).unwrap();
    std::fs::write(
        &claude_desktop,
        format!(r#"{{"mcpServers": {{"bitscale": {{"command": "uvx", "env": {{"BITSCALE_API_KEY": "{new_key}"}}}}}}}}"#),
    )
    .unwrap();
    env.settings_exist();
    let app = PathBuf::from(env!("CARGO_BIN_EXE_rekey-app"));
    let driver = Driver::start(&env);
    let c = driver.session(&app).await;
    wait_for(&c, "[data-testid=credential]").await;

    // Settings: a bad value is refused with the engine's reason and nothing is written; a good one saves.
    let settings_file = env.root.path().join("data/rekey/settings.json");
    goto(&c, "settings").await;
    let max_age = wait_for(&c, "[data-testid=setting-max-age]").await;
    max_age.clear().await.unwrap();
    max_age.send_keys("0").await.unwrap();
    wait_for(&c, "[data-testid=settings-save]")
        .await
        .click()
        .await
        .unwrap();
    assert!(text_of(&c, "[data-testid=settings-message]")
        .await
        .contains("1 to 3650 days"));
    assert_eq!(std::fs::read_to_string(&settings_file).unwrap(), "{}");
    max_age.clear().await.unwrap();
    max_age.send_keys("30").await.unwrap();
    wait_for(&c, "[data-testid=settings-save]")
        .await
        .click()
        .await
        .unwrap();
    let deadline = Instant::now() + WAIT;
    while text_of(&c, "[data-testid=settings-message]").await != "Settings saved." {
        assert!(Instant::now() < deadline, "settings not saved");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let saved: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&settings_file).unwrap()).unwrap();
    assert_eq!(saved["max_key_age_days"], 30);
    // An admin credential typed here goes to the keychain and only comes back masked.
    let admin_secret = "ap_platform_key_e2e_0123456789abcdef";
    let row = wait_for(
        &c,
        "[data-testid=admin-credential][data-provider=activepieces] [data-testid=admin-set]",
    )
    .await;
    row.click().await.unwrap();
    let field = wait_for(&c, "[data-testid=admin-secret]").await;
    // Wide enough for a token (it was a narrow default input).
    let width = field.rect().await.unwrap().width;
    assert!(
        width >= 250.0,
        "the admin credential field is {width} px wide"
    );
    field.send_keys(admin_secret).await.unwrap();
    wait_for(&c, "[data-testid=admin-store]")
        .await
        .click()
        .await
        .unwrap();
    let deadline = Instant::now() + WAIT;
    loop {
        let t = text_of(
            &c,
            "[data-testid=admin-credential][data-provider=activepieces]",
        )
        .await;
        if t.contains("ap_p…cdef") {
            break;
        }
        assert!(Instant::now() < deadline, "{t}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(!c.source().await.unwrap().contains(admin_secret));
    // Launch at login: off by default; the switch writes an XDG autostart entry that starts Rekey hidden.
    let login = wait_for(&c, "[data-testid=setting-login]").await;
    assert!(!login.is_selected().await.unwrap());
    login.click().await.unwrap();
    // (auto-launch writes to ~/.config/autostart, not $XDG_CONFIG_HOME/autostart.)
    let autostart = env.home().join(".config/autostart");
    let deadline = Instant::now() + WAIT;
    let entry = loop {
        let found = std::fs::read_dir(&autostart).ok().and_then(|d| {
            d.flatten()
                .find(|e| e.path().extension().is_some_and(|x| x == "desktop"))
        });
        if let Some(e) = found {
            break std::fs::read_to_string(e.path()).unwrap();
        }
        assert!(
            Instant::now() < deadline,
            "no autostart entry in {autostart:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(entry.contains("--hidden"), "{entry}");
    look_at(&c, "05b-settings.png").await;
    wait_for(&c, "[data-testid=setting-login]")
        .await
        .click()
        .await
        .unwrap();
    let deadline = Instant::now() + WAIT;
    while std::fs::read_dir(&autostart)
        .map(|d| d.count())
        .unwrap_or(0)
        > 0
    {
        assert!(
            Instant::now() < deadline,
            "the autostart entry was not removed"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Appearance: Dark and Light apply at once and stay after a reload; System follows the OS.
    let theme = || async {
        let t: String = c
            .execute(
                "return document.documentElement.dataset.theme + ' ' + getComputedStyle(document.body).backgroundColor;",
                vec![],
            )
            .await
            .unwrap()
            .convert()
            .unwrap();
        t
    };
    wait_for(&c, "[data-testid=theme-dark]")
        .await
        .click()
        .await
        .unwrap();
    assert_eq!(theme().await, "dark rgb(20, 24, 28)");
    look_at(&c, "05d-settings-dark.png").await;
    c.refresh().await.unwrap();
    wait_for(&c, "[data-testid=credential]").await;
    assert_eq!(
        theme().await,
        "dark rgb(20, 24, 28)",
        "the choice survives a reload"
    );
    goto(&c, "settings").await;
    assert!(wait_for(&c, "[data-testid=theme-dark]")
        .await
        .is_selected()
        .await
        .unwrap());
    wait_for(&c, "[data-testid=theme-light]")
        .await
        .click()
        .await
        .unwrap();
    assert_eq!(theme().await, "light rgb(244, 245, 247)");
    wait_for(&c, "[data-testid=theme-system]")
        .await
        .click()
        .await
        .unwrap();
    let os_dark: bool = c
        .execute(
            "return window.matchMedia('(prefers-color-scheme: dark)').matches;",
            vec![],
        )
        .await
        .unwrap()
        .convert()
        .unwrap();
    assert!(theme()
        .await
        .starts_with(if os_dark { "dark" } else { "light" }));

    // Unsaved edits: leaving Settings asks first. "Stay on Settings" (focused; Escape too) keeps the edit;
    // "Leave without saving" drops it, and the saved value is what Settings shows again.
    let max_age = wait_for(&c, "[data-testid=setting-max-age]").await;
    max_age.clear().await.unwrap();
    max_age.send_keys("45").await.unwrap();
    wait_for(&c, "[data-testid=nav-keys]")
        .await
        .click()
        .await
        .unwrap();
    let dialog = present(&c, "[data-testid=confirm-dialog]").await;
    let title = text_of(&c, "[data-testid=confirm-dialog] h2").await;
    assert_eq!(title, "Leave without saving your settings?");
    look_at(&c, "05c-settings-unsaved.png").await;
    let focused = c.active_element().await.unwrap();
    assert_eq!(focused.text().await.unwrap(), "Stay on Settings");
    focused.send_keys(Key::Escape).await.unwrap();
    dialog.gone(&c).await;
    wait_for(&c, "#settings-title").await;
    assert_eq!(
        wait_for(&c, "[data-testid=setting-max-age]")
            .await
            .value()
            .await
            .unwrap()
            .as_deref(),
        Some("45")
    );
    wait_for(&c, "[data-testid=nav-keys]")
        .await
        .click()
        .await
        .unwrap();
    wait_for(&c, "[data-testid=unsaved-settings-leave]")
        .await
        .click()
        .await
        .unwrap();
    wait_for(&c, "#keys-title").await;
    goto(&c, "settings").await;
    assert_eq!(
        wait_for(&c, "[data-testid=setting-max-age]")
            .await
            .value()
            .await
            .unwrap()
            .as_deref(),
        Some("30")
    );
    // Nothing edited: leaving does not ask.
    goto(&c, "keys").await;

    // Live view: a config written by another program (replace-by-rename, as editors do) shows up
    // without any click.
    goto(&c, "keys").await;
    let live_key = "sk-live-external-edit-0123456789";
    std::fs::create_dir_all(claude_desktop.parent().unwrap()).unwrap();
    let tmp = claude_desktop.with_extension("json.tmp");
    // The user adds a server to Claude Desktop's config in an editor (the BitScale entry stays).
    std::fs::write(
        &tmp,
        format!(r#"{{"mcpServers": {{"bitscale": {{"command": "uvx", "env": {{"BITSCALE_API_KEY": "{new_key}"}}}}, "zapier": {{"command": "npx", "env": {{"ZAPIER_API_KEY": "{live_key}"}}}}}}}}"#),
    )
    .unwrap();
    let edited_at = Instant::now();
    std::fs::rename(&tmp, &claude_desktop).unwrap();
    let live_masked = format!("{}…{}", &live_key[..4], &live_key[live_key.len() - 4..]);
    loop {
        let masks = c
            .find_all(By::Css("[data-testid=credential-masked]"))
            .await
            .unwrap();
        let mut texts = Vec::new();
        for m in &masks {
            texts.push(m.text().await.unwrap_or_default());
        }
        if texts.contains(&live_masked) {
            break;
        }
        assert!(
            edited_at.elapsed() < WAIT,
            "the external edit never showed up: {texts:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    eprintln!(
        "e2e: external edit on screen after {:?}",
        edited_at.elapsed()
    );
    assert!(!c.source().await.unwrap().contains(live_key));
    look_at(&c, "06-live-edit.png").await;

    // Claude Desktop wipes its servers: Rekey says so and offers the content it saw before.
    let before_wipe = std::fs::read_to_string(&claude_desktop).unwrap();
    std::fs::write(&claude_desktop, "{\"mcpServers\": {}}\n").unwrap();
    let offer = wait_for(&c, "[data-testid=lost]").await;
    let offer_text = offer.text().await.unwrap();
    assert!(
        offer_text.contains("Claude Desktop removed MCP servers bitscale, zapier"),
        "{offer_text}"
    );
    look_at(&c, "07-restore-offer.png").await;
    wait_for(&c, "[data-testid=restore-offer]")
        .await
        .click()
        .await
        .unwrap();
    // Nothing is written before the confirmation.
    assert_eq!(
        std::fs::read_to_string(&claude_desktop).unwrap(),
        "{\"mcpServers\": {}}\n"
    );
    // The one confirmation pattern: a dialog that names the file and has focus on Cancel.
    let dialog = wait_for(&c, "[data-testid=confirm-dialog]").await;
    assert!(dialog
        .text()
        .await
        .unwrap()
        .contains(claude_desktop.to_str().unwrap()));
    let focused = c.active_element().await.unwrap();
    assert_eq!(
        focused.attr("data-testid").await.unwrap().as_deref(),
        Some("confirm-cancel")
    );
    look_at(&c, "07b-restore-confirm.png").await;
    let shown1 = present(&c, "[data-testid=lost]").await;
    wait_for(&c, "[data-testid=restore-confirm]")
        .await
        .click()
        .await
        .unwrap();
    wait_for(&c, "[data-testid=restored]").await;
    shown1.gone(&c).await;
    assert_eq!(
        std::fs::read_to_string(&claude_desktop).unwrap(),
        before_wipe
    );

    c.quit().await.unwrap();
    drop(driver);
}
