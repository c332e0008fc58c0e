//! End to end in the real app: how it starts. The first-run wizard, the demo, and single instance.
#![cfg(target_os = "linux")] // WebKitGTK driven through WebKitWebDriver: the end-to-end tests run on Linux

mod harness;
use harness::*;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use thirtyfour::prelude::*;

/// A launch that meets a dying instance (it still owns the single-instance D-Bus name but disconnects
/// without answering the hand-over, as a Rekey that is quitting does) starts again as the only instance
/// instead of failing to start.
#[tokio::test]
#[ignore = "needs ./dev test: Xvfb, tauri-driver, WebKitWebDriver"]
async fn a_launch_that_meets_a_dying_instance_starts_as_the_only_instance() {
    require_e2e();
    let _one_app_at_a_time = ONE_AT_A_TIME.lock().await;
    let env = TestEnv::new();
    env.settings_exist();
    // The name and object path tauri-plugin-single-instance uses for the identifier in tauri.conf.json.
    let name = "dev.rekey.desktop.SingleInstance";
    let conn = zbus::blocking::Connection::session().expect("the test session bus");
    conn.request_name(name)
        .expect("own the single-instance name");
    let messages = zbus::blocking::MessageIterator::from(&conn);
    let (handed_over, seen) = std::sync::mpsc::channel();
    let dying = std::thread::spawn(move || {
        for m in messages {
            let Ok(m) = m else { break };
            let h = m.header();
            if h.message_type() == zbus::message::Type::MethodCall
                && h.member().is_some_and(|m| m.as_str() == "ExecuteCallback")
            {
                let _ = handed_over.send(h.path().map(|p| p.to_string()));
                break;
            }
        }
        // Gone without a reply.
        drop(conn);
    });

    let app = PathBuf::from(env!("CARGO_BIN_EXE_rekey-app"));
    let driver = Driver::start(&env);
    let c = driver.session(&app).await;
    assert_eq!(
        seen.recv_timeout(Duration::from_secs(1))
            .unwrap()
            .as_deref(),
        Some("/dev/rekey/desktop/SingleInstance"),
        "the launch did not hand over to the running instance first"
    );
    dying.join().unwrap();
    assert_eq!(c.title().await.unwrap(), "Rekey");
    assert_eq!(
        text_of(&c, "[data-testid=engine-version]").await,
        format!("v{}", env!("CARGO_PKG_VERSION"))
    );
    let log = std::fs::read_to_string(&driver.log).unwrap();
    assert!(log.contains("starting again (attempt 1)"), "{log}");
    c.quit().await.unwrap();
    drop(driver);
}

#[tokio::test]
#[ignore = "needs ./dev test: Xvfb, tauri-driver, WebKitWebDriver"]
async fn demo_mode_runs_in_a_throwaway_home_against_the_in_process_fakes() {
    require_e2e();
    let _one_app_at_a_time = ONE_AT_A_TIME.lock().await;
    let env = TestEnv::new();
    let app = PathBuf::from(env!("CARGO_BIN_EXE_rekey-app"));
    // A desktop set to a dark theme: the window follows it (prefers-color-scheme).
    let driver = Driver::start_with(&env, &[("GTK_THEME", "Adwaita:dark")]);
    let c = driver.session_with(&app, &["--demo"]).await;
    let banner = wait_for(&c, "[data-testid=demo-banner]").await;
    // A first run: the setup wizard greets the newcomer; skipping it works too.
    wait_for(&c, "[data-testid=wizard]").await;
    let shown1 = present(&c, "[data-testid=wizard]").await;
    wait_for(&c, "[data-testid=wizard-skip]")
        .await
        .click()
        .await
        .unwrap();
    shown1.gone(&c).await;
    assert_eq!(c.title().await.unwrap(), "Rekey — demo");
    let text = banner.text().await.unwrap();
    let home = text
        .split('(')
        .nth(1)
        .and_then(|t| t.split(')').next())
        .unwrap()
        .to_string();
    assert!(home.contains("rekey-demo-"), "{text}");
    // The sample keys are found and already linked to the fakes: BitScale (in both clients), A2A Market and Neon.
    let deadline = Instant::now() + WAIT;
    loop {
        let links = c
            .find_all(By::Css("[data-testid=credential-link]"))
            .await
            .unwrap();
        let mut texts = Vec::new();
        for l in &links {
            texts.push(l.text().await.unwrap_or_default());
        }
        texts.sort();
        if texts == ["linked: a2a-market", "linked: bitscale", "linked: neon"] {
            break;
        }
        assert!(Instant::now() < deadline, "demo credentials: {texts:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Nothing was written into the test's own home: the demo lives in its own throwaway folder.
    assert!(!env.home().join(".cursor").exists());
    assert!(std::path::Path::new(&home)
        .join(".cursor/mcp.json")
        .is_file());
    let dark: bool = c
        .execute(
            "return window.matchMedia('(prefers-color-scheme: dark)').matches;",
            vec![],
        )
        .await
        .unwrap()
        .convert()
        .unwrap();
    assert!(dark, "the window should follow the desktop's dark theme");
    look_at(&c, "08-demo-dark.png").await;
    c.quit().await.unwrap();
    drop(driver);
    // The driver kills the app, so its own clean-up on Quit did not run.
    let _ = std::fs::remove_dir_all(std::path::Path::new(&home).parent().unwrap());
}

#[tokio::test]
#[ignore = "needs ./dev test: Xvfb, tauri-driver, WebKitWebDriver"]
async fn the_first_run_wizard_finds_clients_and_keys_and_links_them_to_the_fakes() {
    require_e2e();
    let _one_app_at_a_time = ONE_AT_A_TIME.lock().await;
    let env = TestEnv::new();
    let fakes = rekey_fakes::FakeProviders::start().unwrap();
    let key = fakes.current_key(rekey_fakes::Provider::BitScale);
    let cursor = env.home().join(".cursor/mcp.json");
    std::fs::create_dir_all(cursor.parent().unwrap()).unwrap();
    let original = format!(
        "{{\"mcpServers\": {{\"bitscale\": {{\"command\": \"uvx\", \"env\": {{\"BITSCALE_API_KEY\": \"{key}\"}}}}}}}}\n"
    );
    std::fs::write(&cursor, &original).unwrap();
    let settings = env.root.path().join("data/rekey/settings.json");
    let app = PathBuf::from(env!("CARGO_BIN_EXE_rekey-app"));
    let driver = Driver::start(&env);
    let c = driver.session(&app).await;

    let wizard = wait_for(&c, "[data-testid=wizard]").await;
    assert_eq!(
        wizard.attr("data-step").await.unwrap().as_deref(),
        Some("Welcome")
    );
    look_at(&c, "09-wizard-welcome.png").await;
    let next = || async {
        wait_for(&c, "[data-testid=wizard-next]")
            .await
            .click()
            .await
            .unwrap()
    };
    next().await;
    // Clients, with their paths.
    assert!(text_of(&c, "[data-testid=wizard-clients]")
        .await
        .contains(cursor.to_str().unwrap()));
    next().await;
    // Keys, grouped, with the provider guessed from the shape.
    let keys = text_of(&c, "[data-testid=wizard-keys]").await;
    assert!(
        keys.contains("looks like BitScale") && keys.contains("Cursor"),
        "{keys}"
    );
    next().await;
    // Link: the provider is prefilled; point it at the fake.
    wait_for(&c, "[data-testid=wizard-base-url]")
        .await
        .send_keys(&fakes.url)
        .await
        .unwrap();
    wait_for(&c, "[data-testid=wizard-link-save]")
        .await
        .click()
        .await
        .unwrap();
    assert_eq!(
        text_of(&c, "[data-testid=wizard-linked]").await,
        "linked: BitScale"
    );
    look_at(&c, "10-wizard-link.png").await;
    next().await;
    // BitScale rotates with the key itself: no admin credential needed.
    wait_for(&c, "[data-testid=wizard-no-admin]").await;
    next().await;
    // Optional: add the account's Activepieces MCP server to Claude Desktop and Cursor (its own flow, folded
    // under the add-a-server form).
    wait_for(&c, "[data-testid=add-provider]").await;
    wait_for(&c, "[data-testid=ap-open]")
        .await
        .click()
        .await
        .unwrap();
    let platform_key = fakes.state(|s| s.ap_platform_key.clone());
    let ap_token = fakes.current_key(rekey_fakes::Provider::Activepieces);
    wait_for(&c, "[data-testid=ap-base]")
        .await
        .send_keys(format!("{}/api", fakes.url))
        .await
        .unwrap();
    wait_for(&c, "[data-testid=ap-project]")
        .await
        .send_keys(rekey_fakes::AP_PROJECT_ID)
        .await
        .unwrap();
    wait_for(&c, "[data-testid=ap-secret]")
        .await
        .send_keys(&platform_key)
        .await
        .unwrap();
    wait_for(&c, "[data-testid=ap-list]")
        .await
        .click()
        .await
        .unwrap();
    wait_for(&c, "[data-testid=ap-add]")
        .await
        .click()
        .await
        .unwrap();
    let added = text_of(&c, "[data-testid=ap-result]").await;
    assert!(
        added.contains("Claude Desktop: added") && added.contains("Cursor: added"),
        "{added}"
    );
    let page = c.source().await.unwrap();
    assert!(
        !page.contains(&ap_token) && !page.contains(&platform_key),
        "a secret reached the page"
    );
    look_at(&c, "11-wizard-add-server.png").await;
    let mcp_url = format!("{}/api/v1/mcp/{ap_token}/sse", fakes.url);
    let claude: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(env.config().join("Claude/claude_desktop_config.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        claude["mcpServers"]["activepieces-demo-mcp"]["args"],
        serde_json::json!(["-y", "mcp-remote", mcp_url])
    );
    let cursor_now: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&cursor).unwrap()).unwrap();
    assert_eq!(
        cursor_now["mcpServers"]["activepieces-demo-mcp"]["url"],
        mcp_url.as_str()
    );
    assert_eq!(
        cursor_now["mcpServers"]["bitscale"]["env"]["BITSCALE_API_KEY"],
        key.as_str()
    );
    next().await;
    let summary = text_of(&c, "[data-testid=wizard-summary]").await;
    assert!(summary.starts_with("2 of 2 keys linked"), "{summary}");
    // The last step offers Protect for the keys in plain text (not taken here: nothing is written).
    let offer = text_of(&c, "[data-testid=wizard-protect]").await;
    assert_eq!(offer, "Protect 2 keys…");
    assert!(!settings.exists(), "nothing saved before Finish");
    let shown2 = present(&c, "[data-testid=wizard]").await;
    wait_for(&c, "[data-testid=wizard-finish]")
        .await
        .click()
        .await
        .unwrap();
    shown2.gone(&c).await;
    // Done: settings exist (no wizard next time), the key is linked and rotatable, no config was touched,
    // and nothing was rotated.
    assert!(settings.exists());
    // Both keys (BitScale's, and the added server's token) are linked, whatever their order on screen.
    let deadline = Instant::now() + WAIT;
    loop {
        let mut texts = Vec::new();
        for l in c
            .find_all(By::Css("[data-testid=credential-link]"))
            .await
            .unwrap()
        {
            texts.push(l.text().await.unwrap_or_default());
        }
        texts.sort();
        if texts == ["linked: activepieces", "linked: bitscale"] {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the overview did not show the links: {texts:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    wait_for(&c, "[data-testid=rotate]").await;
    // Nothing was rotated, and the Cursor file only gained the new entry.
    assert!(std::fs::read_to_string(&cursor)
        .unwrap()
        .contains(&format!("\"BITSCALE_API_KEY\": \"{key}\"")));
    assert_eq!(fakes.rotations(rekey_fakes::Provider::BitScale), 0);
    assert_eq!(fakes.rotations(rekey_fakes::Provider::Activepieces), 0);
    c.quit().await.unwrap();
    drop(driver);
}
