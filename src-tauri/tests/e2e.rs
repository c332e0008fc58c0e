//! End to end: the real `rekey-app` in the real WebView (WebKitGTK), driven through tauri-driver and
//! WebKitWebDriver (client: thirtyfour). Runs under `./dev test` (Xvfb, a private D-Bus with gnome-keyring, temp HOME/XDG);
//! skipped elsewhere. Screenshots go to target/e2e-screenshots/.

mod harness;
use harness::*;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use thirtyfour::prelude::*;

#[tokio::test]
async fn first_screen_shows_engine_data_and_round_trips_to_rust() {
    if !enabled() {
        return;
    }
    let _one_app_at_a_time = ONE_AT_A_TIME.lock().await;
    let env = TestEnv::new();
    // A Cursor config that exists, so the screen must tell found from not found.
    let cursor = env.home().join(".cursor/mcp.json");
    std::fs::create_dir_all(cursor.parent().unwrap()).unwrap();
    let fakes = rekey_fakes::FakeProviders::start().unwrap();
    let secret_owned = fakes.current_key(rekey_fakes::Provider::BitScale);
    let secret = secret_owned.as_str();
    let original = format!("{{\"mcpServers\": {{\"bitscale\": {{\"command\": \"uvx\", \"env\": {{\"BITSCALE_API_KEY\": \"{secret}\"}}}}}}}}\n");
    std::fs::write(&cursor, format!("{{\"mcpServers\": {{\"bitscale\": {{\"command\": \"uvx\", \"env\": {{\"BITSCALE_API_KEY\": \"{secret}\"}}}}}}}}\n")).unwrap();
    let claude_desktop = env.config().join("Claude/claude_desktop_config.json");
    // Claude Desktop uses the same key, in its own (strict JSON, pretty-printed) style.
    let claude_original = format!(
        "{{\n  \"mcpServers\": {{\n    \"bitscale\": {{\n      \"command\": \"uvx\",\n      \"args\": [\"bitscale-mcp\"],\n      \"env\": {{ \"BITSCALE_API_KEY\": \"{secret}\" }}\n    }}\n  }},\n  \"globalShortcut\": \"\"\n}}\n"
    );
    std::fs::create_dir_all(claude_desktop.parent().unwrap()).unwrap();
    std::fs::write(&claude_desktop, &claude_original).unwrap();
    // Claude Code has it too, under the same server name in two projects of one file.
    let (proj_a, proj_b) = (env.root.path().join("src/a"), env.root.path().join("src/b"));
    std::fs::create_dir_all(&proj_a).unwrap();
    std::fs::create_dir_all(&proj_b).unwrap();
    let claude_code = env.home().join(".claude.json");
    let entry =
        format!("{{\"command\": \"uvx\", \"env\": {{\"BITSCALE_API_KEY\": \"{secret}\"}}}}");
    let claude_code_original = format!(
        "{{\n  \"numStartups\": 12345678901234567890123,\n  \"projects\": {{\n    \"{a}\": {{\"mcpServers\": {{\"bitscale\": {entry}}}}},\n    \"{b}\": {{\"mcpServers\": {{\"bitscale\": {entry}}}}}\n  }}\n}}\n",
        a = proj_a.display(),
        b = proj_b.display()
    );
    std::fs::write(&claude_code, &claude_code_original).unwrap();
    // Not a first run (the wizard has its own test).
    env.settings_exist();

    let app = PathBuf::from(env!("CARGO_BIN_EXE_rekey-app"));
    // The credential id, from the CLI (built beside the app), for the planted journal below.
    let cli = app.with_file_name("rekey");
    let mut scan = Command::new(&cli);
    env.apply(&mut scan);
    let report: serde_json::Value =
        serde_json::from_slice(&scan.args(["scan", "--json"]).output().unwrap().stdout).unwrap();
    let cred = report["credentials"][0]["id"].as_str().unwrap().to_string();
    eprintln!("e2e: starting tauri-driver");
    // A rotation that was interrupted while calling the provider (as if the app had been killed then).
    let journal = env.root.path().join("data/rekey/journal");
    std::fs::create_dir_all(&journal).unwrap();
    std::fs::write(
        journal.join("20261121T000000.000000Z-1.json"),
        format!(r#"{{"id": "20261121T000000.000000Z-1", "started": "2026-11-21T00:00:00Z", "provider": "bitscale", "credential": "{cred}", "step": "intent", "files": []}}"#),
    )
    .unwrap();
    let driver = Driver::start(&env);
    eprintln!("e2e: tauri-driver on {}, opening a session", driver.port);
    let c = driver.session(&app).await;
    eprintln!("e2e: session open");

    assert_eq!(c.title().await.unwrap(), "Rekey");
    // Start-up recovery explains the interrupted rotation: nothing is retried; the user is told how to check.
    let banner = wait_for(&c, "[data-testid=recovery]").await;
    assert_eq!(
        banner.attr("data-step").await.unwrap().as_deref(),
        Some("unknown")
    );
    let banner_text = banner.text().await.unwrap();
    assert!(
        banner_text.contains("may or may not have been rotated")
            && banner_text.contains("rekey verify"),
        "{banner_text}"
    );
    assert_eq!(fakes.rotations(rekey_fakes::Provider::BitScale), 0);
    // The version the engine reports, computed here from the workspace version.
    assert_eq!(
        text_of(&c, "[data-testid=engine-version]").await,
        format!("v{}", env!("CARGO_PKG_VERSION"))
    );

    // The config paths, computed here from the temp HOME/XDG dirs the app was given.
    wait_for(&c, "[data-testid=config-file]").await;
    let mut rows = Vec::new();
    for el in c
        .find_all(By::Css("[data-testid=config-file]"))
        .await
        .unwrap()
    {
        let path = el
            .find(By::Css("[data-testid=config-path]"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let client = el.attr("data-client").await.unwrap().unwrap();
        let exists = el.attr("data-exists").await.unwrap().unwrap();
        rows.push((client, path, exists));
    }
    let row = |p: &Path| {
        rows.iter()
            .find(|r| r.1 == p.to_str().unwrap())
            .unwrap_or_else(|| panic!("{p:?} not on screen: {rows:?}"))
    };
    assert_eq!(row(&cursor).0, "cursor");
    assert_eq!(row(&cursor).2, "yes");
    assert_eq!(row(&claude_desktop).0, "claude-desktop");
    assert_eq!(row(&claude_desktop).2, "yes");
    assert_eq!(row(&claude_code).0, "claude-code");
    assert_eq!(row(&claude_code).2, "yes");
    assert_eq!(row(&env.home().join(".gemini/settings.json")).2, "no");
    assert_eq!(rows.iter().filter(|r| r.2 == "yes").count(), 3, "{rows:?}");
    let summary = text_of(&c, "[data-testid=config-summary]").await;
    assert!(
        summary.starts_with(&format!("3 of {} known config locations", rows.len())),
        "{summary}"
    );
    save_screenshot(&c, "01-first-screen.png").await;

    // The key found in the Cursor and Claude Desktop configs (one credential): masked, with its provider guess and where it is used; the raw
    // value never reaches the WebView.
    assert_eq!(
        text_of(&c, "[data-testid=credential-masked]").await,
        format!("{}…{}", &secret[..4], &secret[secret.len() - 4..])
    );
    // The same server under two projects is two usages, told apart by project.
    let mut usages: Vec<String> = text_of(&c, "[data-testid=credential-usages]")
        .await
        .split(" · ")
        .map(String::from)
        .collect();
    usages.sort();
    assert_eq!(
        usages,
        [
            format!("Claude Code › bitscale (project {})", proj_a.display()),
            format!("Claude Code › bitscale (project {})", proj_b.display()),
            "Claude Desktop › bitscale".to_string(),
            "Cursor › bitscale".to_string(),
        ]
    );
    let cred_text = text_of(&c, "[data-testid=credential]").await;
    assert!(
        cred_text.contains("bitscale") && cred_text.contains("used 4 times"),
        "{cred_text}"
    );
    assert!(
        !c.source().await.unwrap().contains(secret),
        "the raw secret reached the page"
    );

    // A click that goes to Rust and back: the keychain probe against the private Secret Service.
    c.find(By::Css("[data-testid=check-keychain]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let status = text_of(&c, "[data-testid=keychain-status]").await;
    assert_eq!(status, "Available: Secret Service (D-Bus)");
    save_screenshot(&c, "02-keychain-checked.png").await;

    // Single instance: a second launch hands over to the running app and exits on its own.
    let mut second = Command::new(&app);
    env.apply(&mut second);
    let mut second = second
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + WAIT;
    let status = loop {
        if let Some(s) = second.try_wait().unwrap() {
            break s;
        }
        if Instant::now() > deadline {
            let _ = second.kill();
            panic!("a second rekey-app did not exit: single-instance is not working");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(status.success(), "second instance exited with {status}");
    // The first instance is still alive and answering.
    assert_eq!(
        text_of(&c, "[data-testid=engine-version]").await,
        format!("v{}", env!("CARGO_PKG_VERSION"))
    );

    // ---- The credential screen: its usages, then link it to the (fake) BitScale and verify it.
    assert_eq!(
        text_of(&c, "[data-testid=credential-link]").await,
        "unlinked (looks like bitscale)"
    );
    assert!(
        c.find(By::Css("[data-testid=rotate]")).await.is_err(),
        "no rotate before a link"
    );
    wait_for(&c, "[data-testid=details]")
        .await
        .click()
        .await
        .unwrap();
    let slots = text_of(&c, "[data-testid=credential-slots]").await;
    assert!(
        slots.contains("bitscale")
            && slots.contains("env.BITSCALE_API_KEY")
            && slots.contains(cursor.to_str().unwrap())
            && slots.contains(&format!("bitscale (project {})", proj_b.display())),
        "{slots}"
    );
    assert_eq!(
        c.find_all(By::Css("[data-testid=credential-slots] li"))
            .await
            .unwrap()
            .len(),
        4
    );
    // The provider is prefilled from the key's shape; a bad base URL is refused with the engine's reason.
    let base = wait_for(&c, "[data-testid=link-base-url]").await;
    base.send_keys("http://example.com").await.unwrap();
    wait_for(&c, "[data-testid=link-save]")
        .await
        .click()
        .await
        .unwrap();
    let refused = text_of(&c, "[data-testid=link-error]").await;
    assert!(refused.contains("https"), "{refused}");
    assert!(!env.root.path().join("data/rekey/links.json").exists());
    base.clear().await.unwrap();
    base.send_keys(&fakes.url).await.unwrap();
    wait_for(&c, "[data-testid=link-save]")
        .await
        .click()
        .await
        .unwrap();
    wait_for(&c, "[data-testid=verify-now]")
        .await
        .click()
        .await
        .unwrap();
    assert_eq!(
        text_of(&c, "[data-testid=verify-result]").await,
        "The provider accepts this key."
    );
    save_screenshot(&c, "02b-credential.png").await;
    wait_for(&c, "[data-testid=credential-close]")
        .await
        .click()
        .await
        .unwrap();
    wait_gone(&c, "[data-testid=credential-dialog]").await;

    // ---- The rotate flow.
    let deadline = Instant::now() + WAIT;
    while text_of(&c, "[data-testid=credential-link]").await != "linked: bitscale" {
        assert!(Instant::now() < deadline, "the link did not show");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    c.find(By::Css("[data-testid=rotate]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(&c, "[data-testid=irreversible]").await;
    let plan_text = text_of(&c, "[data-testid=plan-files]").await;
    assert!(
        plan_text.contains(cursor.to_str().unwrap())
            && plan_text.contains(&format!("bitscale (project {})", proj_a.display())),
        "{plan_text}"
    );
    save_screenshot(&c, "03-rotate-plan.png").await;
    // Cancel at confirm: the provider saw no rotate call and no file changed.
    c.find(By::Css("[data-testid=rotate-cancel]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_gone(&c, "[data-testid=rotate-dialog]").await;
    assert_eq!(fakes.rotations(rekey_fakes::Provider::BitScale), 0);
    assert!(fakes.state(|s| s.seen.iter().all(|r| r.method != "POST")));
    assert_eq!(std::fs::read_to_string(&cursor).unwrap(), original);
    assert_eq!(
        std::fs::read_to_string(&claude_desktop).unwrap(),
        claude_original
    );
    assert_eq!(
        std::fs::read_to_string(&claude_code).unwrap(),
        claude_code_original
    );
    // Now for real: the confirm button only works once the provider's name is typed.
    c.find(By::Css("[data-testid=rotate]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let input = wait_for(&c, "[data-testid=confirm-input]").await;
    let confirm = c
        .find(By::Css("[data-testid=rotate-confirm]"))
        .await
        .unwrap();
    assert!(
        !confirm.is_enabled().await.unwrap(),
        "confirm enabled before typing"
    );
    input.send_keys("bitscale").await.unwrap();
    confirm.click().await.unwrap();
    wait_for(&c, "[data-testid=rotate-done]").await;
    let new_key = fakes.current_key(rekey_fakes::Provider::BitScale);
    assert_ne!(new_key, secret);
    assert_eq!(fakes.rotations(rekey_fakes::Provider::BitScale), 1);
    let steps: Vec<String> = {
        let mut v = Vec::new();
        for el in c
            .find_all(By::Css("[data-testid=rotate-step]"))
            .await
            .unwrap()
        {
            v.push(el.attr("data-step").await.unwrap().unwrap());
        }
        v
    };
    assert_eq!(steps, ["intent", "held", "written", "verified"]);
    // The Cursor, Claude Desktop and Claude Code files changed only in the key's bytes.
    assert_eq!(
        std::fs::read_to_string(&cursor).unwrap(),
        original.replace(secret, &new_key)
    );
    assert_eq!(
        std::fs::read_to_string(&claude_desktop).unwrap(),
        claude_original.replace(secret, &new_key)
    );
    // Both project copies in ~/.claude.json; the 23-digit number and the layout untouched.
    assert_eq!(
        std::fs::read_to_string(&claude_code).unwrap(),
        claude_code_original.replace(secret, &new_key)
    );
    // The new key is masked until revealed, and was not in the page before.
    let masked_new = format!("{}…{}", &new_key[..4], &new_key[new_key.len() - 4..]);
    assert_eq!(text_of(&c, "[data-testid=new-key-value]").await, masked_new);
    assert!(
        !c.source().await.unwrap().contains(&new_key),
        "the new key reached the page before Reveal"
    );
    save_screenshot(&c, "04-rotate-done.png").await;
    c.find(By::Css("[data-testid=reveal]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(&c, "[data-testid=copy]").await;
    assert_eq!(text_of(&c, "[data-testid=new-key-value]").await, new_key);
    c.find(By::Css("[data-testid=rotate-done]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_gone(&c, "[data-testid=rotate-dialog]").await;
    // All three clients whose configs changed are flagged for a restart in the overview.
    let flagged = c
        .find_all(By::Css("[data-testid=needs-restart]"))
        .await
        .unwrap();
    assert_eq!(flagged.len(), 3);
    // The list now shows the new key, still linked.
    let deadline = Instant::now() + WAIT;
    while text_of(&c, "[data-testid=credential-masked]").await != masked_new {
        assert!(Instant::now() < deadline, "the overview did not refresh");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        text_of(&c, "[data-testid=credential-link]").await,
        "linked: bitscale"
    );
    // History shows the rotation (newest first), with the masked key only.
    let entry = wait_for(&c, "[data-testid=history-entry]").await;
    assert_eq!(
        entry.attr("data-outcome").await.unwrap().as_deref(),
        Some("verified")
    );
    let entry_text = entry.text().await.unwrap();
    assert!(
        entry_text.contains("bitscale")
            && entry_text.contains(&masked_new)
            && entry_text.contains("3 files written"),
        "{entry_text}"
    );
    save_screenshot(&c, "05-after-rotation.png").await;
    // The audit line is on disk, without the key.
    let audit = std::fs::read_to_string(env.root.path().join("data/rekey/audit.jsonl")).unwrap();
    assert!(
        audit.contains("\"outcome\":\"verified\"")
            && !audit.contains(&new_key)
            && !audit.contains(secret),
        "{audit}"
    );

    // Settings: a bad value is refused with the engine's reason and nothing is written; a good one saves.
    let settings_file = env.root.path().join("data/rekey/settings.json");
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
    wait_for(&c, "[data-testid=admin-secret]")
        .await
        .send_keys(admin_secret)
        .await
        .unwrap();
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
    save_screenshot(&c, "05b-settings.png").await;
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

    // Live view: a config written by another program (replace-by-rename, as editors do) shows up
    // without any click.
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
    save_screenshot(&c, "06-live-edit.png").await;

    // Claude Desktop wipes its servers: Rekey says so and offers the content it saw before.
    let before_wipe = std::fs::read_to_string(&claude_desktop).unwrap();
    std::fs::write(&claude_desktop, "{\"mcpServers\": {}}\n").unwrap();
    let offer = wait_for(&c, "[data-testid=lost]").await;
    let offer_text = offer.text().await.unwrap();
    assert!(
        offer_text.contains("Claude Desktop removed MCP servers bitscale, zapier"),
        "{offer_text}"
    );
    save_screenshot(&c, "07-restore-offer.png").await;
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
    wait_for(&c, "[data-testid=restore-confirm]")
        .await
        .click()
        .await
        .unwrap();
    wait_for(&c, "[data-testid=restored]").await;
    wait_gone(&c, "[data-testid=lost]").await;
    assert_eq!(
        std::fs::read_to_string(&claude_desktop).unwrap(),
        before_wipe
    );

    c.quit().await.unwrap();
    drop(driver);
}

/// A launch that meets a dying instance (it still owns the single-instance D-Bus name but disconnects
/// without answering the hand-over, as a Rekey that is quitting does) starts again as the only instance
/// instead of failing to start.
#[tokio::test]
async fn a_launch_that_meets_a_dying_instance_starts_as_the_only_instance() {
    if !enabled() {
        return;
    }
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
async fn demo_mode_runs_in_a_throwaway_home_against_the_in_process_fakes() {
    if !enabled() {
        return;
    }
    let _one_app_at_a_time = ONE_AT_A_TIME.lock().await;
    let env = TestEnv::new();
    let app = PathBuf::from(env!("CARGO_BIN_EXE_rekey-app"));
    // A desktop set to a dark theme: the window follows it (prefers-color-scheme).
    let driver = Driver::start_with(&env, &[("GTK_THEME", "Adwaita:dark")]);
    let c = driver.session_with(&app, &["--demo"]).await;
    let banner = wait_for(&c, "[data-testid=demo-banner]").await;
    // A first run: the setup wizard greets the newcomer; skipping it works too.
    wait_for(&c, "[data-testid=wizard]").await;
    wait_for(&c, "[data-testid=wizard-skip]")
        .await
        .click()
        .await
        .unwrap();
    wait_gone(&c, "[data-testid=wizard]").await;
    assert_eq!(c.title().await.unwrap(), "Rekey — demo");
    let text = banner.text().await.unwrap();
    let home = text
        .split('(')
        .nth(1)
        .and_then(|t| t.split(')').next())
        .unwrap()
        .to_string();
    assert!(home.contains("rekey-demo-"), "{text}");
    // The sample keys are found and already linked to the fakes: BitScale (in both clients) and A2A Market.
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
        if texts == ["linked: a2a-market", "linked: bitscale"] {
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
    save_screenshot(&c, "08-demo-dark.png").await;
    c.quit().await.unwrap();
    drop(driver);
    // The driver kills the app, so its own clean-up on Quit did not run.
    let _ = std::fs::remove_dir_all(std::path::Path::new(&home).parent().unwrap());
}

#[tokio::test]
async fn the_first_run_wizard_finds_clients_and_keys_and_links_them_to_the_fakes() {
    if !enabled() {
        return;
    }
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
    save_screenshot(&c, "09-wizard-welcome.png").await;
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
        keys.contains("looks like bitscale") && keys.contains("Cursor"),
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
        "linked: bitscale"
    );
    save_screenshot(&c, "10-wizard-link.png").await;
    next().await;
    // BitScale rotates with the key itself: no admin credential needed.
    wait_for(&c, "[data-testid=wizard-no-admin]").await;
    next().await;
    // Optional: add the account's Activepieces MCP server to Claude Desktop and Cursor.
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
    save_screenshot(&c, "11-wizard-add-server.png").await;
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
    assert!(!settings.exists(), "nothing saved before Finish");
    wait_for(&c, "[data-testid=wizard-finish]")
        .await
        .click()
        .await
        .unwrap();
    wait_gone(&c, "[data-testid=wizard]").await;
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

/// Benchmark, not a test (run by `bench/run.sh app`): how long after an external edit of a config the new
/// key is on screen. A MutationObserver in the page stamps the moment the DOM shows it; the edit is stamped
/// here just before the rename; both are wall-clock milliseconds on the same machine.
#[tokio::test]
#[ignore]
async fn bench_edit_to_screen_latency() {
    if !enabled() {
        return;
    }
    let _one_app_at_a_time = ONE_AT_A_TIME.lock().await;
    let env = TestEnv::new();
    env.settings_exist();
    let cursor = env.home().join(".cursor/mcp.json");
    std::fs::create_dir_all(cursor.parent().unwrap()).unwrap();
    let config = |key: &str| {
        format!("{{\"mcpServers\": {{\"s\": {{\"command\": \"uvx\", \"env\": {{\"BITSCALE_API_KEY\": \"{key}\"}}}}}}}}\n")
    };
    std::fs::write(&cursor, config("sk-live-bench-000000000000")).unwrap();
    let app = PathBuf::from(env!("CARGO_BIN_EXE_rekey-app"));
    let driver = Driver::start(&env);
    let c = driver.session(&app).await;
    wait_for(&c, "[data-testid=credential-masked]").await;
    let now_ms = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as f64
    };
    let mut latencies = Vec::new();
    for i in 1..=9 {
        let key = format!("sk-live-bench-{i:012}");
        let masked = format!("{}…{}", &key[..4], &key[key.len() - 4..]);
        c.execute(
            "window.__seenAt = null; const want = arguments[0];
             const check = () => { if ([...document.querySelectorAll('[data-testid=credential-masked]')].some((e) => e.textContent === want)) { window.__seenAt = Date.now(); obs.disconnect(); } };
             const obs = new MutationObserver(check); obs.observe(document.body, { subtree: true, childList: true, characterData: true });",
            vec![serde_json::json!(masked)],
        )
        .await
        .unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
        let tmp = cursor.with_extension("json.tmp");
        std::fs::write(&tmp, config(&key)).unwrap();
        let edited = now_ms();
        std::fs::rename(&tmp, &cursor).unwrap();
        let deadline = Instant::now() + WAIT;
        let seen = loop {
            let v: Option<f64> = c
                .execute("return window.__seenAt;", vec![])
                .await
                .unwrap()
                .convert()
                .unwrap();
            if let Some(v) = v {
                break v;
            }
            assert!(
                Instant::now() < deadline,
                "edit {i} never reached the screen"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        latencies.push(seen - edited);
    }
    latencies.sort_by(|a, b| a.partial_cmp(b).unwrap());
    println!(
        "BENCH edit-to-screen median {:.0} ms (min {:.0}, max {:.0}, {} edits)",
        latencies[latencies.len() / 2],
        latencies[0],
        latencies[latencies.len() - 1],
        latencies.len()
    );
    c.quit().await.unwrap();
    drop(driver);
}
