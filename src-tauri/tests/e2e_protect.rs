//! End to end in the real app: Protect (a key out of its config files, into the keychain) from a key's
//! screen, Protect all with its checkboxes, a remote server through mcp-remote when ticked, and Unprotect;
//! in the demo.
#![cfg(target_os = "linux")] // WebKitGTK driven through WebKitWebDriver: the end-to-end tests run on Linux

mod harness;
use harness::*;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use thirtyfour::prelude::*;

/// Protect in the window: the demo's BitScale key leaves both config files (Claude Desktop and Cursor),
/// which now hold a `rekey://` reference and start the server through the `rekey` CLI beside the app.
#[tokio::test]
#[ignore = "needs ./dev test: Xvfb, tauri-driver, WebKitWebDriver"]
async fn the_demo_protects_a_key_from_its_screen() {
    require_e2e();
    let _one_app_at_a_time = ONE_AT_A_TIME.lock().await;
    let env = TestEnv::new();
    let app = PathBuf::from(env!("CARGO_BIN_EXE_rekey-app"));
    let driver = Driver::start(&env);
    let c = driver.session_with(&app, &["--demo"]).await;
    let home = demo_home_past_the_wizard(&c).await;
    let cursor = home.join(".cursor/mcp.json");
    let claude = home
        .parent()
        .unwrap()
        .join("config/Claude/claude_desktop_config.json");
    let key = {
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&cursor).unwrap()).unwrap();
        v["mcpServers"]["bitscale"]["env"]["BITSCALE_API_KEY"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let originals = [
        std::fs::read(&cursor).unwrap(),
        std::fs::read(&claude).unwrap(),
    ];
    let row = key_linked_to(&c, "bitscale").await;
    let order = || async {
        let mut names = Vec::new();
        for el in c
            .find_all(By::Css("[data-testid=credential] .key-name"))
            .await
            .unwrap()
        {
            names.push(el.text().await.unwrap());
        }
        names
    };
    let order_before = order().await;
    row.find(By::Css("[data-testid=details]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // Escape closes the plan (focus is in it from the start) and writes nothing; then open it again.
    wait_for(&c, "[data-testid=protect]")
        .await
        .click()
        .await
        .unwrap();
    wait_for(&c, "[data-testid=protect-files]").await;
    let shown3 = present(&c, "[data-testid=protect-panel]").await;
    // A full-pane flow, like a rotation's: the list and the detail make room for it.
    assert!(
        c.find_all(By::Css(
            "[data-testid=credentials], [data-testid=credential-detail]"
        ))
        .await
        .unwrap()
        .is_empty(),
        "the protect plan shares the pane"
    );
    c.active_element()
        .await
        .unwrap()
        .send_keys(Key::Escape)
        .await
        .unwrap();
    shown3.gone(&c).await;
    // Back on the key, the focus on its Protect button.
    let deadline = Instant::now() + WAIT;
    while c
        .active_element()
        .await
        .unwrap()
        .attr("data-testid")
        .await
        .unwrap()
        .as_deref()
        != Some("protect")
    {
        assert!(
            Instant::now() < deadline,
            "the focus did not come back to Protect"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(std::fs::read_to_string(&cursor).unwrap().contains(&key));
    wait_for(&c, "[data-testid=protect]")
        .await
        .click()
        .await
        .unwrap();
    let files = text_of(&c, "[data-testid=protect-files]").await;
    assert!(
        files.contains("mcp.json") && files.contains("claude_desktop_config.json"),
        "{files}"
    );
    let reference = text_of(&c, "[data-testid=protect-reference]").await;
    assert!(reference.starts_with("rekey://"), "{reference}");
    look_at(&c, "45-protect-plan.png").await;
    // Nothing written before the confirmation.
    assert!(std::fs::read_to_string(&cursor).unwrap().contains(&key));
    c.find(By::Css("[data-testid=protect-confirm]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let notice = text_of(&c, "[data-testid=key-notice]").await;
    assert!(notice.starts_with("Protected: 2 config files"), "{notice}");
    for f in [&cursor, &claude] {
        let text = std::fs::read_to_string(f).unwrap();
        assert!(!text.contains(&key), "{f:?} still holds the key");
        assert!(text.contains(&reference), "{f:?}: {text}");
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let entry = &v["mcpServers"]["bitscale"];
        let command = entry["command"].as_str().unwrap();
        assert_eq!(
            std::path::Path::new(command),
            app.with_file_name("rekey"),
            "{f:?}: the CLI beside the app"
        );
        assert_eq!(entry["args"][0], "exec");
        assert_eq!(entry["args"][2], "uvx");
    }
    // The list says so once the live view rescans.
    let deadline = Instant::now() + WAIT;
    while c
        .find_all(By::Css("[data-testid=credential-protected]"))
        .await
        .unwrap()
        .is_empty()
    {
        assert!(Instant::now() < deadline, "no protected badge");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The list keeps its order, and the key its place and selection.
    assert_eq!(order().await, order_before);
    let selected = text_of(&c, "[data-testid=credential] [aria-current=true] .key-name").await;
    assert_eq!(selected, "bitscale");
    // Its references are the key's protected usages, not "places that point to a key kept elsewhere".
    for el in c
        .find_all(By::Css("[data-testid=non-secret-slot]"))
        .await
        .unwrap()
    {
        let t = el.prop("textContent").await.unwrap().unwrap_or_default();
        assert!(
            !t.contains("rekey://"),
            "a protected usage listed as a key kept elsewhere: {t}"
        );
    }
    // The key's own history says what happened to it (it said "rotated away · written, not verified").
    let line = text_of(&c, "[data-testid=credential-history-line]").await;
    assert!(
        line.ends_with("moved to the keychain (protected) · done"),
        "{line}"
    );
    look_at(&c, "46-protected.png").await;

    // Unprotect, from the same screen: the plan, then the key back in both files, byte for byte as they
    // were before Protect (the entries did not change since).
    wait_for(&c, "[data-testid=unprotect]")
        .await
        .click()
        .await
        .unwrap();
    let files = text_of(&c, "[data-testid=unprotect-files]").await;
    assert!(
        files.contains("mcp.json") && files.contains("claude_desktop_config.json"),
        "{files}"
    );
    assert!(
        !c.source().await.unwrap().contains(&key),
        "the key reached the window"
    );
    look_at(&c, "46b-unprotect-plan.png").await;
    wait_for(&c, "[data-testid=unprotect-confirm]")
        .await
        .click()
        .await
        .unwrap();
    let deadline = Instant::now() + WAIT;
    loop {
        let notice = text_of(&c, "[data-testid=key-notice]").await;
        if notice.starts_with("Unprotected: 2 config files hold the key again.") {
            break;
        }
        assert!(Instant::now() < deadline, "{notice}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(std::fs::read(&cursor).unwrap(), originals[0]);
    assert_eq!(std::fs::read(&claude).unwrap(), originals[1]);
    let deadline = Instant::now() + WAIT;
    while !c
        .find_all(By::Css("[data-testid=credential-protected]"))
        .await
        .unwrap()
        .is_empty()
    {
        assert!(Instant::now() < deadline, "still shown as protected");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // After both changes and their rescans, the list is still in its order.
    wait_for(&c, "[data-testid=rescan]")
        .await
        .click()
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(order().await, order_before);
    c.quit().await.unwrap();
    drop(driver);
    let _ = std::fs::remove_dir_all(home.parent().unwrap());
}

/// "Protect all": one plan for every key still in plain text, each key ticked (one is unticked here and
/// stays as it was), one confirmation, and no ticked key left in the demo's config files.
#[tokio::test]
#[ignore = "needs ./dev test: Xvfb, tauri-driver, WebKitWebDriver"]
async fn protect_all_takes_every_demo_key_out_of_the_configs_with_one_confirmation() {
    require_e2e();
    let _one_app_at_a_time = ONE_AT_A_TIME.lock().await;
    let env = TestEnv::new();
    let app = PathBuf::from(env!("CARGO_BIN_EXE_rekey-app"));
    let driver = Driver::start(&env);
    let c = driver.session_with(&app, &["--demo"]).await;
    let home = demo_home_past_the_wizard(&c).await;
    let files = [
        home.join(".cursor/mcp.json"),
        home.parent()
            .unwrap()
            .join("config/Claude/claude_desktop_config.json"),
    ];
    let before: Vec<String> = files
        .iter()
        .map(|f| std::fs::read_to_string(f).unwrap())
        .collect();
    wait_for(&c, "[data-testid=protect-all-open]")
        .await
        .click()
        .await
        .unwrap();
    let deadline = Instant::now() + WAIT;
    while c
        .find_all(By::Css("[data-testid=protect-all-keys] li"))
        .await
        .unwrap()
        .len()
        < 3
    {
        assert!(
            Instant::now() < deadline,
            "the plan did not list the 3 keys"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Untick the Neon key: it stays as it is.
    let mut unticked = false;
    for li in c
        .find_all(By::Css("[data-testid=protect-all-key]"))
        .await
        .unwrap()
    {
        if li.text().await.unwrap().contains("napi") {
            li.find(By::Css("[data-testid=protect-all-pick]"))
                .await
                .unwrap()
                .click()
                .await
                .unwrap();
            unticked = true;
        }
    }
    assert!(unticked, "no Neon key in the plan");
    let label = text_of(&c, "[data-testid=protect-all-confirm]").await;
    assert!(label.starts_with("Protect 2 keys"), "{label}");
    look_at(&c, "47-protect-all-plan.png").await;
    let after: Vec<String> = files
        .iter()
        .map(|f| std::fs::read_to_string(f).unwrap())
        .collect();
    assert_eq!(after, before, "nothing written before the confirmation");
    wait_for(&c, "[data-testid=protect-all-confirm]")
        .await
        .click()
        .await
        .unwrap();
    let notice = text_of(&c, "[data-testid=key-notice]").await;
    assert!(
        notice.starts_with("Protected 2 keys (1 key left as it was)"),
        "{notice}"
    );
    let mut neon_seen = false;
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        for (name, entry) in v["mcpServers"].as_object().unwrap() {
            let neon = name == "neon";
            neon_seen |= neon;
            for (var, value) in entry["env"].as_object().unwrap() {
                if var.ends_with("_KEY") {
                    assert_eq!(
                        value.as_str().unwrap().starts_with("rekey://"),
                        !neon,
                        "{f:?} {name} {var}: {value}"
                    );
                }
            }
            assert_eq!(entry["args"][0] == "exec", !neon, "{f:?} {name}");
        }
    }
    assert!(neon_seen, "the demo's neon server");
    c.quit().await.unwrap();
    drop(driver);
    let _ = std::fs::remove_dir_all(home.parent().unwrap());
}

/// Protect with a remote server: a Cursor entry that connects to BitScale's URL with the key in a header is
/// offered as a checkbox, off by default; ticked, the plan is made again and the entry runs through
/// `rekey exec -- <npx> -y mcp-remote`, the key in the keychain. Needs Node.js (`npx`) on PATH.
#[tokio::test]
#[ignore = "needs ./dev test: Xvfb, tauri-driver, WebKitWebDriver"]
async fn protect_offers_a_remote_server_through_mcp_remote_only_when_ticked() {
    require_e2e();
    let Some(npx) = std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join("npx"))
            .find(|n| n.is_file())
    }) else {
        // `./dev test` installs Node.js (its UI tests run with npx): a missing npx is a broken setup.
        panic!("no npx on PATH: install Node.js (./dev test does)");
    };
    let _one_app_at_a_time = ONE_AT_A_TIME.lock().await;
    let env = TestEnv::new();
    let app = PathBuf::from(env!("CARGO_BIN_EXE_rekey-app"));
    let driver = Driver::start(&env);
    let c = driver.session_with(&app, &["--demo"]).await;
    let home = demo_home_past_the_wizard(&c).await;
    let cursor = home.join(".cursor/mcp.json");
    let text = std::fs::read_to_string(&cursor).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let key = v["mcpServers"]["bitscale"]["env"]["BITSCALE_API_KEY"]
        .as_str()
        .unwrap()
        .to_string();
    let remote = format!("\"bitscale-remote\": {{\"url\": \"https://mcp.bitscale.ai/mcp\", \"headers\": {{\"Authorization\": \"Bearer {key}\"}}}},\n    \"neon\": {{");
    std::fs::write(&cursor, text.replace("\"neon\": {", &remote)).unwrap();
    let row = key_linked_to(&c, "bitscale").await;
    row.find(By::Css("[data-testid=details]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(&c, "[data-testid=protect]")
        .await
        .click()
        .await
        .unwrap();
    let choice = wait_for(&c, "[data-testid=protect-remote-choice]").await;
    assert!(!choice.is_selected().await.unwrap(), "off by default");
    assert!(text_of(&c, "[data-testid=protect-remote]")
        .await
        .contains("bitscale-remote"));
    assert!(!text_of(&c, "[data-testid=protect-files]")
        .await
        .contains("mcp-remote"));
    choice.click().await.unwrap();
    let deadline = Instant::now() + WAIT;
    while !text_of(&c, "[data-testid=protect-files]")
        .await
        .contains("mcp-remote")
    {
        assert!(
            Instant::now() < deadline,
            "the plan was not made again with the choice"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(wait_for(&c, "[data-testid=protect-remote-choice]")
        .await
        .is_selected()
        .await
        .unwrap());
    look_at(&c, "48-protect-remote-plan.png").await;
    assert!(
        std::fs::read_to_string(&cursor).unwrap().contains(&key),
        "nothing written yet"
    );
    wait_for(&c, "[data-testid=protect-confirm]")
        .await
        .click()
        .await
        .unwrap();
    let notice = text_of(&c, "[data-testid=key-notice]").await;
    assert!(notice.starts_with("Protected: 2 config files"), "{notice}");
    let text = std::fs::read_to_string(&cursor).unwrap();
    assert!(!text.contains(&key), "{text}");
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let entry = &v["mcpServers"]["bitscale-remote"];
    assert_eq!(
        std::path::Path::new(entry["command"].as_str().unwrap()),
        app.with_file_name("rekey")
    );
    assert_eq!(entry["args"][2], npx.to_str().unwrap());
    assert_eq!(entry["args"][4], "mcp-remote");
    assert!(entry["env"]["REKEY_HEADER_AUTHORIZATION"]
        .as_str()
        .unwrap()
        .starts_with("Bearer rekey://"));
    c.quit().await.unwrap();
    drop(driver);
    let _ = std::fs::remove_dir_all(home.parent().unwrap());
}
