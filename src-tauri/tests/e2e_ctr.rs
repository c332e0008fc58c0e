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

/// The demo's throwaway home, once its first-run wizard is skipped (the demo's home is new).
async fn demo_home_past_the_wizard(c: &WebDriver) -> PathBuf {
    let home = demo_home(c).await;
    let shown1 = present(c, "[data-testid=wizard]").await;
    wait_for(c, "[data-testid=wizard-skip]")
        .await
        .click()
        .await
        .unwrap();
    shown1.gone(c).await;
    home
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
