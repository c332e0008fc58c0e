//! End to end in the real app: the first-run wizard's "Add an MCP server" step sets up a provider's server
//! in the demo, protected: the key pasted once goes to the keychain, the configs hold a `rekey://`
//! reference, and the key shows up on the Keys screen linked and protected.
#![cfg(target_os = "linux")] // WebKitGTK driven through WebKitWebDriver: the end-to-end tests run on Linux

mod harness;
use harness::*;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use thirtyfour::components::SelectElement;
use thirtyfour::prelude::*;

#[tokio::test]
#[ignore = "needs ./dev test: Xvfb, tauri-driver, WebKitWebDriver"]
async fn the_wizard_adds_a_protected_rootly_server_in_the_demo_and_the_key_is_linked_and_protected()
{
    require_e2e();
    let _one_app_at_a_time = ONE_AT_A_TIME.lock().await;
    let env = TestEnv::new();
    let app = PathBuf::from(env!("CARGO_BIN_EXE_rekey-app"));
    let driver = Driver::start(&env);
    let c = driver.session_with(&app, &["--demo"]).await;
    let home = demo_home(&c).await;
    let cursor = home.join(".cursor/mcp.json");
    let claude = home
        .parent()
        .unwrap()
        .join("config/Claude/claude_desktop_config.json");
    let key = "rootly_e2e_0123456789abcdef0123456789";

    // Welcome → Clients → Keys → Link → Admin credentials → Add an MCP server.
    wait_for(&c, "[data-testid=wizard]").await;
    for _ in 0..5 {
        wait_for(&c, "[data-testid=wizard-next]")
            .await
            .click()
            .await
            .unwrap();
    }
    // First a BitScale key the demo's fake BitScale does not know: the pasted key is checked with the
    // provider before anything is written, the plan says it was refused, and only "Add anyway" is offered.
    let provider = wait_for(&c, "[data-testid=add-provider]").await;
    SelectElement::new(&provider)
        .await
        .unwrap()
        .select_by_value("bitscale")
        .await
        .unwrap();
    // (The demo's configs have a server named bitscale already.)
    let name = wait_for(&c, "[data-testid=add-name]").await;
    name.clear().await.unwrap();
    name.send_keys("bitscale-2").await.unwrap();
    wait_for(&c, "[data-testid=add-secret]")
        .await
        .send_keys("sk-live-notthedemokey0123456789")
        .await
        .unwrap();
    wait_for(&c, "[data-testid=add-plan]")
        .await
        .click()
        .await
        .unwrap();
    let verify = wait_for(&c, "[data-testid=add-verify]").await;
    assert_eq!(
        verify.attr("data-state").await.unwrap().as_deref(),
        Some("failed")
    );
    let said = verify.text().await.unwrap();
    assert!(
        said.contains("BitScale refused this key") && said.contains("Nothing was written"),
        "{said}"
    );
    assert!(
        c.find(By::Css("[data-testid=add-confirm]")).await.is_err(),
        "a refused key offers only Add anyway"
    );
    wait_for(&c, "[data-testid=add-anyway]").await;
    look_at(&c, "13b-wizard-add-refused.png").await;
    wait_for(&c, "[data-testid=add-cancel]")
        .await
        .click()
        .await
        .unwrap();
    // Cancelled: the keychain entry kept for the plan is gone again.
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let all = std::process::Command::new("secret-tool")
            .args(["search", "--all", "service", "rekey-demo"])
            .output()
            .unwrap();
        if !String::from_utf8_lossy(&all.stdout).contains("sk-live-notthedemokey0123456789") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the refused key stayed in the keychain after Cancel"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let provider = wait_for(&c, "[data-testid=add-provider]").await;
    SelectElement::new(&provider)
        .await
        .unwrap()
        .select_by_value("rootly")
        .await
        .unwrap();
    // The server's name is filled in with the provider's usual one (not a placeholder to retype).
    let name = wait_for(&c, "[data-testid=add-name]")
        .await
        .value()
        .await
        .unwrap()
        .unwrap_or_default();
    assert_eq!(name, "rootly");
    wait_for(&c, "[data-testid=add-field-token_id]")
        .await
        .send_keys("key-7")
        .await
        .unwrap();
    wait_for(&c, "[data-testid=add-secret]")
        .await
        .send_keys(key)
        .await
        .unwrap();
    // Claude Desktop and Cursor are picked by default; protected is the default.
    look_at(&c, "12-wizard-add-form.png").await;
    // "Not offered here" says why in words, commands shown as code, never as raw backticks.
    c.find(By::Css("details summary"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let why = wait_for(&c, "[data-testid=add-left-out]").await;
    let text = why.text().await.unwrap();
    assert!(!text.contains('`'), "{text}");
    let datadog = c
        .find_all(By::Css("[data-testid=add-left-out]"))
        .await
        .unwrap();
    let mut codes = Vec::new();
    for p in &datadog {
        for code in p.find_all(By::Css("code")).await.unwrap() {
            codes.push(code.text().await.unwrap());
        }
    }
    assert!(codes.iter().any(|c| c == "rekey add"), "{codes:?}");
    wait_for(&c, "[data-testid=add-plan]")
        .await
        .click()
        .await
        .unwrap();
    let files = text_of(&c, "[data-testid=add-plan-files]").await;
    assert!(
        files.contains("claude_desktop_config.json")
            && files.contains("mcp.json")
            && files.contains("through mcp-remote"),
        "{files}"
    );
    // Each file's diff says where in the file it starts, and marks added and removed lines.
    let diff = wait_for(&c, "[data-testid=add-diff]").await;
    let first = diff
        .find(By::Css("span"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(first.starts_with("@@ line "), "{first}");
    let added = diff.find_all(By::Css("span.add")).await.unwrap();
    assert!(!added.is_empty(), "no added line marked");
    for a in &added {
        assert!(a.text().await.unwrap().starts_with("+ "));
    }
    let reference = text_of(&c, "[data-testid=add-reference]").await;
    assert!(reference.starts_with("rekey://rootly-"), "{reference}");
    assert!(
        files.contains(&reference),
        "the diff shows the reference: {files}"
    );
    assert!(
        !c.source().await.unwrap().contains(key),
        "the key came back to the page"
    );
    look_at(&c, "13-wizard-add-plan.png").await;
    let before = std::fs::read_to_string(&cursor).unwrap();
    assert!(
        !before.contains("rootly"),
        "nothing written before the confirmation"
    );
    // Rootly's key is checked with an MCP handshake at its fixed server address, which the demo never
    // reaches: the plan says the key was not checked, and why, and adds it on the usual confirmation.
    let verify = wait_for(&c, "[data-testid=add-verify]").await;
    assert_eq!(
        verify.attr("data-state").await.unwrap().as_deref(),
        Some("not-checked")
    );
    let said = verify.text().await.unwrap();
    assert!(said.contains("Rootly could not check it"), "{said}");
    wait_for(&c, "[data-testid=add-confirm]")
        .await
        .click()
        .await
        .unwrap();
    let summary = text_of(&c, "[data-testid=add-summary]").await;
    assert!(
        summary.contains("protected as rekey://rootly-") && summary.contains("linked for rotation"),
        "{summary}"
    );
    look_at(&c, "14-wizard-added.png").await;
    // The key the configs name is in the (demo's) keychain entry the reference names.
    let id = reference.trim_start_matches("rekey://");
    let stored = std::process::Command::new("secret-tool")
        .args([
            "lookup",
            "service",
            "rekey-demo",
            "username",
            &format!("ref:{id}"),
        ])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&stored.stdout),
        key,
        "keychain entry ref:{id}"
    );
    let bin = app.with_file_name("rekey");
    for f in [&cursor, &claude] {
        let text = std::fs::read_to_string(f).unwrap();
        assert!(!text.contains(key), "{f:?} holds the key");
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let entry = &v["mcpServers"]["rootly"];
        assert_eq!(
            std::path::Path::new(entry["command"].as_str().unwrap()),
            bin,
            "{f:?}"
        );
        assert_eq!(
            entry["args"].as_array().unwrap()[..6],
            [
                "exec",
                "--",
                "npx",
                "-y",
                "mcp-remote",
                "https://mcp.rootly.com/mcp"
            ]
        );
        assert_eq!(
            entry["env"]["ROOTLY_AUTH_HEADER"],
            format!("Bearer {reference}")
        );
    }
    // The demo's own servers are still there, untouched.
    assert!(std::fs::read_to_string(&cursor)
        .unwrap()
        .contains("\"bitscale\""));

    // The last step offers Protect for the demo's keys still in plain text (the Rootly key already is):
    // taken here, one plan, one confirmation.
    wait_for(&c, "[data-testid=wizard-next]")
        .await
        .click()
        .await
        .unwrap();
    wait_for(&c, "[data-testid=wizard-protect]")
        .await
        .click()
        .await
        .unwrap();
    let deadline = Instant::now() + WAIT;
    while c
        .find_all(By::Css("[data-testid=protect-all-key]"))
        .await
        .unwrap()
        .len()
        < 3
    {
        assert!(
            Instant::now() < deadline,
            "the plan did not list the demo's 3 keys"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    look_at(&c, "16-wizard-protect-offer.png").await;
    wait_for(&c, "[data-testid=protect-all-confirm]")
        .await
        .click()
        .await
        .unwrap();
    let note = text_of(&c, "[data-testid=wizard-protected]").await;
    assert!(note.starts_with("Protected 3 keys"), "{note}");
    for f in [&cursor, &claude] {
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap();
        for (name, entry) in v["mcpServers"].as_object().unwrap() {
            assert_eq!(entry["args"][0], "exec", "{f:?} {name} is protected");
        }
    }
    // Finish the wizard: the new key is on the Keys screen, linked to Rootly and protected.
    let shown1 = present(&c, "[data-testid=wizard]").await;
    wait_for(&c, "[data-testid=wizard-finish]")
        .await
        .click()
        .await
        .unwrap();
    shown1.gone(&c).await;
    let row = key_linked_to(&c, "rootly").await;
    let deadline = Instant::now() + WAIT;
    loop {
        if let Ok(b) = row
            .find(By::Css("[data-testid=credential-protected]"))
            .await
        {
            assert_eq!(b.text().await.unwrap(), "protected");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the Rootly key is not shown as protected"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    row.find(By::Css("[data-testid=details]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    look_at(&c, "15-added-key.png").await;
    assert!(!c.source().await.unwrap().contains(key));
    c.quit().await.unwrap();
    drop(driver);
    let _ = std::fs::remove_dir_all(home.parent().unwrap());
}
