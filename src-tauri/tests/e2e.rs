//! End to end: the real `rekey-app` in the real WebView (WebKitGTK), driven through tauri-driver and
//! WebKitWebDriver (client: thirtyfour). Runs under `./dev test` (Xvfb, a private D-Bus with gnome-keyring, temp HOME/XDG);
//! skipped elsewhere. Screenshots go to target/e2e-screenshots/.
#![cfg(target_os = "linux")] // WebKitGTK driven through WebKitWebDriver: the end-to-end tests run on Linux

mod harness;
use harness::*;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use thirtyfour::prelude::*;

#[tokio::test]
#[ignore = "needs ./dev test: Xvfb, tauri-driver, WebKitWebDriver"]
async fn first_screen_shows_engine_data_and_round_trips_to_rust() {
    require_e2e();
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
    // The copied key's clear comes after 4 s instead of 30 (read back below from the X clipboard).
    let driver = Driver::start_with(&env, &[("REKEY_TEST_CLIPBOARD_CLEAR_MS", "4000")]);
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

    // The window opens on Keys: the key named after its server, with its provider guess; the header has the
    // status at a glance (the keychain, checked on its own, is ready; the key is in plain text in configs).
    wait_for(&c, "[data-testid=credential]").await;
    wait_for(&c, "[data-testid=status-keychain][data-ok=yes]").await;
    assert_eq!(
        text_of(&c, "[data-testid=status-plaintext]").await,
        "1 key in plain text"
    );
    look_at(&c, "01-first-screen.png").await;

    // Clients: the config paths, computed here from the temp HOME/XDG dirs the app was given.
    goto(&c, "clients").await;
    wait_for(&c, "[data-testid=config-file]").await;
    // The clients not found on this machine are folded under the ones found: unfold them to read them.
    wait_for(&c, "[data-testid=absent-clients] summary")
        .await
        .click()
        .await
        .unwrap();
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
    look_at(&c, "01b-clients.png").await;
    goto(&c, "keys").await;

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
    goto(&c, "settings").await;
    c.find(By::Css("[data-testid=check-keychain]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let status = text_of(&c, "[data-testid=keychain-status]").await;
    assert_eq!(status, "Available: Secret Service (D-Bus)");
    save_screenshot(&c, "02-keychain-checked.png").await;
    goto(&c, "keys").await;

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
    look_at(&c, "02b-credential.png").await;

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
    look_at(&c, "03-rotate-plan.png").await;
    let shown1 = present(&c, "[data-testid=rotate-flow]").await;
    // Cancel at confirm: the provider saw no rotate call and no file changed.
    c.find(By::Css("[data-testid=rotate-cancel]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    shown1.gone(&c).await;
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
    // A provider that asks to slow down: one plain sentence of what happened and what to do, the detail
    // folded away, and "Try again" starts over from a fresh plan (nothing was rotated).
    fakes.set_fault(
        rekey_fakes::Provider::BitScale,
        rekey_fakes::Fault::RateLimited(30),
    );
    c.find(By::Css("[data-testid=rotate]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(&c, "[data-testid=confirm-input]")
        .await
        .send_keys("BitScale")
        .await
        .unwrap();
    wait_for(&c, "[data-testid=rotate-confirm]")
        .await
        .click()
        .await
        .unwrap();
    assert_eq!(
        text_of(&c, "[data-testid=rotate-error-sentence]").await,
        "BitScale asked Rekey to slow down. Nothing was rotated: wait a minute, then try again."
    );
    let folded: bool = c
        .execute(
            "const d = document.querySelector('[data-testid=rotate-error-detail]'); \
             return !!d && d.closest('details').open === false && d.textContent.includes('429');",
            vec![],
        )
        .await
        .unwrap()
        .convert()
        .unwrap();
    assert!(folded, "the detail (the provider's 429) is folded away");
    // The steps across the top say where it stopped: at Rotate (marked failed), not back at the plan.
    let mut states = Vec::new();
    for li in c
        .find_all(By::Css("[data-testid=flow-step]"))
        .await
        .unwrap()
    {
        states.push(li.attr("data-state").await.unwrap().unwrap_or_default());
    }
    assert_eq!(states, ["done", "failed", "pending"]);
    look_at(&c, "03a-rotate-refused.png").await;
    assert_eq!(fakes.rotations(rekey_fakes::Provider::BitScale), 0);
    fakes.set_fault(rekey_fakes::Provider::BitScale, rekey_fakes::Fault::None);
    wait_for(&c, "[data-testid=rotate-retry]")
        .await
        .click()
        .await
        .unwrap();
    wait_for(&c, "[data-testid=confirm-input]").await;
    let flow = present(&c, "[data-testid=rotate-flow]").await;
    wait_for(&c, "[data-testid=rotate-cancel]")
        .await
        .click()
        .await
        .unwrap();
    flow.gone(&c).await;
    assert_eq!(std::fs::read_to_string(&cursor).unwrap(), original);
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
    // A wrong word and Enter: a hint says what to type, and nothing happens.
    input.send_keys("bitscal").await.unwrap();
    input.send_keys(Key::Enter).await.unwrap();
    let hint = text_of(&c, "[data-testid=confirm-hint]").await;
    assert!(hint.contains("type BitScale"), "{hint}");
    look_at(&c, "03b-confirm-hint.png").await;
    assert_eq!(fakes.rotations(rekey_fakes::Provider::BitScale), 0);
    // The name as the heading shows it, in another case, then Enter: that rotates.
    let shown2 = present(&c, "[data-testid=confirm-hint]").await;
    input.clear().await.unwrap();
    input.send_keys("BITSCALE").await.unwrap();
    shown2.gone(&c).await;
    assert!(confirm.is_enabled().await.unwrap());
    // A provider that takes its time: the step being worked on spins and counts the seconds, the
    // ones after it wait their turn.
    fakes.set_fault(
        rekey_fakes::Provider::BitScale,
        rekey_fakes::Fault::Delay(Duration::from_millis(2500)),
    );
    input.send_keys(Key::Enter).await.unwrap();
    let running = wait_for(&c, "[data-testid=rotate-activity][data-mark=running]").await;
    assert_eq!(
        running.attr("data-activity").await.unwrap().as_deref(),
        Some("call")
    );
    assert_eq!(
        text_of(&c, "[data-testid=rotate-activity][data-activity=call]")
            .await
            .split(" · ")
            .next(),
        Some("Rotate the key at BitScale")
    );
    let deadline = Instant::now() + WAIT;
    while !text_of(&c, "[data-testid=rotate-activity][data-mark=running]")
        .await
        .contains(" s")
    {
        assert!(
            Instant::now() < deadline,
            "no elapsed time on the running step"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        c.find_all(By::Css("[data-testid=rotate-activity][data-mark=pending]"))
            .await
            .unwrap()
            .len(),
        3
    );
    let write = text_of(&c, "[data-testid=rotate-activity][data-activity=write]").await;
    assert!(
        write.contains("Write the new key into 3 config files"),
        "{write}"
    );
    look_at(&c, "03c-rotating.png").await;
    wait_for(&c, "[data-testid=rotate-done]").await;
    fakes.set_fault(rekey_fakes::Provider::BitScale, rekey_fakes::Fault::None);
    assert_eq!(
        c.find_all(By::Css("[data-testid=rotate-activity][data-mark=done]"))
            .await
            .unwrap()
            .len(),
        4,
        "every step of a verified rotation is done"
    );
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
    look_at(&c, "04-rotate-done.png").await;
    c.find(By::Css("[data-testid=reveal]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(&c, "[data-testid=copy]").await;
    assert_eq!(text_of(&c, "[data-testid=new-key-value]").await, new_key);
    // Copy puts the key on the X clipboard (from Rust, marked as a password for clipboard managers) and
    // clears it once its time is up; a clipboard the user changed meanwhile is left alone.
    click_copy(&c).await;
    let deadline = Instant::now() + WAIT;
    while text_of(&c, "[data-testid=copy]").await != "Copied: the clipboard is cleared in 4 s" {
        assert!(Instant::now() < deadline, "Copy did not report the copy");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(clipboard(&[]).as_deref(), Some(new_key.as_str()));
    let targets = clipboard(&["-t", "TARGETS"]).unwrap_or_default();
    assert!(
        targets.lines().any(|t| t == "x-kde-passwordManagerHint"),
        "not marked as a password: {targets}"
    );
    let deadline = Instant::now() + Duration::from_secs(15);
    while clipboard(&[]).as_deref() == Some(new_key.as_str()) {
        assert!(
            Instant::now() < deadline,
            "the clipboard still holds the key"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Copy, and Copy again 1.5 s later: the first copy's clear (due at 4 s) leaves the second one alone,
    // whose own clear comes at 5.5 s; the clipboard is read at 4.75 s, in the middle.
    click_copy(&c).await;
    let first = Instant::now();
    let deadline = first + WAIT;
    while clipboard(&[]).as_deref() != Some(new_key.as_str()) {
        assert!(
            Instant::now() < deadline,
            "the copy did not reach the clipboard"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(1500).saturating_sub(first.elapsed())).await;
    assert!(
        first.elapsed() < Duration::from_millis(3500),
        "too slow to test the second copy before the first one's clear"
    );
    click_copy(&c).await;
    tokio::time::sleep(Duration::from_millis(4750).saturating_sub(first.elapsed())).await;
    assert_eq!(
        clipboard(&[]).as_deref(),
        Some(new_key.as_str()),
        "the first copy's clear took the second copy away"
    );
    let deadline = Instant::now() + Duration::from_secs(15);
    while clipboard(&[]).as_deref() == Some(new_key.as_str()) {
        assert!(
            Instant::now() < deadline,
            "the second copy was never cleared"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // A third copy, then the user copies something else: that is not cleared.
    click_copy(&c).await;
    let deadline = Instant::now() + WAIT;
    while clipboard(&[]).as_deref() != Some(new_key.as_str()) {
        assert!(
            Instant::now() < deadline,
            "the second copy did not reach the clipboard"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    set_clipboard("something the user copied");
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(clipboard(&[]).as_deref(), Some("something the user copied"));
    let shown3 = present(&c, "[data-testid=rotate-flow]").await;
    c.find(By::Css("[data-testid=rotate-done]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    shown3.gone(&c).await;
    // Back on Keys: the rotated key stays selected (under its new id), says "rotated just now", and a
    // notice says what happened with a way to its History entry.
    let notice = text_of(&c, "[data-testid=key-notice]").await;
    assert!(notice.starts_with("Rotated the "), "{notice}");
    let deadline = Instant::now() + WAIT;
    loop {
        let current = text_of(
            &c,
            "[data-testid=credential] [aria-current=true] [data-testid=credential-masked]",
        )
        .await;
        if current == masked_new {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the new key is not selected: {current}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        text_of(
            &c,
            "[data-testid=credential] [aria-current=true] [data-testid=credential-age]"
        )
        .await,
        "rotated just now"
    );
    look_at(&c, "05a-after-rotation.png").await;
    wait_for(&c, "[data-testid=notice-history]")
        .await
        .click()
        .await
        .unwrap();
    wait_for(&c, "#history-title").await;
    // The link lands on the rotation itself: the newest entry, unfolded, with the focus on it.
    let landed: (bool, bool, String) = c
        .execute(
            "const d = document.querySelector('[data-testid=history-entry] details'); \
             const e = d.closest('[data-testid=history-entry]'); \
             return [d.open, d.contains(document.activeElement), e.dataset.kind];",
            vec![],
        )
        .await
        .unwrap()
        .convert()
        .unwrap();
    assert_eq!(landed, (true, true, "rotate".to_string()));
    goto(&c, "keys").await;
    // All three clients whose configs changed are flagged for a restart on Clients (and counted in the
    // sidebar).
    assert_eq!(
        text_of(&c, "[data-testid=nav-clients] .nav-count").await,
        "3"
    );
    goto(&c, "clients").await;
    let flagged = c
        .find_all(By::Css("[data-testid=needs-restart]"))
        .await
        .unwrap();
    assert_eq!(flagged.len(), 3);
    goto(&c, "keys").await;
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
    goto(&c, "history").await;
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
    look_at(&c, "05-after-rotation.png").await;
    // The audit line is on disk, without the key.
    let audit = std::fs::read_to_string(env.root.path().join("data/rekey/audit.jsonl")).unwrap();
    assert!(
        audit.contains("\"outcome\":\"verified\"")
            && !audit.contains(&new_key)
            && !audit.contains(secret),
        "{audit}"
    );
    c.quit().await.unwrap();
    drop(driver);
}

/// The X clipboard's content (or the given target of it), read with xclip (./dev test installs it).
fn clipboard(args: &[&str]) -> Option<String> {
    let out = std::process::Command::new("xclip")
        .args(["-o", "-selection", "clipboard"])
        .args(args)
        .output()
        .expect("xclip (./dev test installs it)");
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// What a user copying text elsewhere does: xclip owns the clipboard until another program takes it.
fn set_clipboard(text: &str) {
    use std::io::Write;
    let mut child = std::process::Command::new("xclip")
        .args(["-i", "-selection", "clipboard"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("xclip (./dev test installs it)");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    // xclip forks into the background to serve the selection; the first process exits at once.
    let _ = child.wait();
}

/// Press the reveal's Copy button.
async fn click_copy(c: &WebDriver) {
    c.find(By::Css("[data-testid=copy]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}
