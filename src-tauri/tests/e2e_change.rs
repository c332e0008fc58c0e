//! End to end in the real app, for the one change pipeline (issue 18): a key shows its id for life and
//! takes a name of the user's; a config value that Rekey rotated away is flagged on the key and in the
//! header (never "all keys are up to date"); the History shows every kind of change in plain words.
#![cfg(target_os = "linux")] // WebKitGTK driven through WebKitWebDriver: the end-to-end tests run on Linux

mod harness;
use harness::*;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use thirtyfour::prelude::*;

#[tokio::test]
#[ignore = "needs ./dev test: Xvfb, tauri-driver, WebKitWebDriver"]
async fn a_key_has_an_id_for_life_a_name_and_a_rotated_away_value_is_flagged() {
    require_e2e();
    let _one_app_at_a_time = ONE_AT_A_TIME.lock().await;
    let env = TestEnv::new();
    let key = "sk-live-change-engine-0123456789";
    let claude_desktop = env.config().join("Claude/claude_desktop_config.json");
    std::fs::create_dir_all(claude_desktop.parent().unwrap()).unwrap();
    std::fs::write(
        &claude_desktop,
        format!(r#"{{"mcpServers": {{"bitscale": {{"command": "uvx", "env": {{"BITSCALE_API_KEY": "{key}"}}}}}}}}"#),
    )
    .unwrap();
    env.settings_exist();
    // A backup holding the key (as Rekey makes before a write), for the purge below.
    rekey::edit::backup::Backups::new(env.data_dir().join("backups"))
        .save(
            &claude_desktop,
            std::fs::read(&claude_desktop).unwrap().as_slice(),
            true,
        )
        .unwrap();
    // And one of another file, without the key: the purge leaves it, the Backups list has two rows.
    let other = claude_desktop.with_file_name("other.json");
    std::fs::write(&other, "{}").unwrap();
    rekey::edit::backup::Backups::new(env.data_dir().join("backups"))
        .save(&other, b"{}", true)
        .unwrap();
    // The history as the engine writes it for kinds other than rotations (no secret in it).
    let time = "2026-12-07T10:00:00Z";
    let lines = [
        serde_json::json!({"time": time, "kind": "protect", "rotation": "c1", "key": "bitscale-0a1b2c3d", "provider": "bitscale", "credential": "cred_000000000001", "new_credential": null, "new_key": null, "outcome": "written", "model": null, "old_key_id": null, "new_key_id": null, "message": "protected as rekey://bitscale-1a2b3c", "left": [], "files": [claude_desktop.display().to_string()]}),
        serde_json::json!({"time": time, "kind": "restore", "rotation": "c2", "key": "bitscale-0a1b2c3d", "provider": "", "credential": "cred_000000000001", "new_credential": null, "new_key": null, "outcome": "failed", "model": null, "old_key_id": null, "new_key_id": null, "message": "restore of backup b1 failed", "left": [], "files": []}),
    ];
    std::fs::write(
        env.data_dir().join("audit.jsonl"),
        lines.iter().map(|l| format!("{l}\n")).collect::<String>(),
    )
    .unwrap();

    let app = PathBuf::from(env!("CARGO_BIN_EXE_rekey-app"));
    let driver = Driver::start(&env);
    let c = driver.session(&app).await;
    wait_for(&c, "[data-testid=credential]")
        .await
        .find(By::Css("[data-testid=details]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // The key's id for life, as `rekey scan --json` reports it.
    let id_text = text_of(&c, "[data-testid=key-id]").await;
    let registry: serde_json::Value =
        serde_json::from_slice(&std::fs::read(env.data_dir().join("keys.json")).unwrap()).unwrap();
    let key_id = registry["keys"]
        .as_object()
        .unwrap()
        .keys()
        .next()
        .unwrap()
        .clone();
    assert!(key_id.starts_with("bitscale-"), "{registry}");
    assert!(id_text.contains(&key_id), "{id_text}");
    // Name it: Enter saves; the list and the detail show the name; the registry holds it.
    wait_for(&c, "[data-testid=name-key]")
        .await
        .click()
        .await
        .unwrap();
    let input = wait_for(&c, "[data-testid=key-name-input]").await;
    input.send_keys("Work BitScale").await.unwrap();
    input.send_keys(Key::Enter).await.unwrap();
    let deadline = Instant::now() + WAIT;
    while !text_of(&c, "#key-title").await.contains("Work BitScale") {
        assert!(Instant::now() < deadline, "the name did not show");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let registry: serde_json::Value =
        serde_json::from_slice(&std::fs::read(env.data_dir().join("keys.json")).unwrap()).unwrap();
    assert_eq!(registry["keys"][&key_id]["name"], "Work BitScale");
    look_at(&c, "40-key-named.png").await;

    // Rekey rotated this value away (the key's value now is another one): a restored copy, say.
    let current = registry["keys"][&key_id]["credentials"][0]
        .as_str()
        .unwrap()
        .to_string();
    let mut moved = registry.clone();
    moved["keys"][&key_id]["credentials"] = serde_json::json!(["cred_0000000000aa", current]);
    std::fs::write(
        env.data_dir().join("keys.json"),
        serde_json::to_vec_pretty(&moved).unwrap(),
    )
    .unwrap();
    // (The watcher sees config edits, not Rekey's own files: a rescan is asked by touching the config.)
    let text = std::fs::read_to_string(&claude_desktop).unwrap();
    std::fs::write(&claude_desktop, format!("{text}\n")).unwrap();
    wait_for(&c, "[data-testid=status-superseded]").await;
    wait_for(&c, "[data-testid=credential-superseded]").await;
    wait_for(&c, "[data-testid=superseded]").await;
    assert!(c
        .find_all(By::Css("[data-testid=status-calm]"))
        .await
        .unwrap()
        .is_empty());
    look_at(&c, "41-key-rotated-away.png").await;

    // The History: every kind of change, in plain words.
    goto(&c, "history").await;
    let kinds: Vec<String> = {
        let mut out = Vec::new();
        for e in c
            .find_all(By::Css("[data-testid=history-kind]"))
            .await
            .unwrap()
        {
            out.push(e.text().await.unwrap());
        }
        out
    };
    assert_eq!(kinds, ["Restore", "Protect"], "newest first");
    let page = c.source().await.unwrap();
    assert!(
        page.contains("nothing changed") && page.contains("done"),
        "plain outcomes"
    );
    assert!(!page.contains(key));
    look_at(&c, "42-history-kinds.png").await;
    // An entry opens (Enter on its summary) onto what it did: the change's id and the files it wrote.
    let protect = c
        .find(By::Css(
            "[data-testid=history-entry][data-kind=protect] summary",
        ))
        .await
        .unwrap();
    protect.focus().await.unwrap();
    protect.send_keys(Key::Enter).await.unwrap();
    let more = text_of(
        &c,
        "[data-testid=history-entry][data-kind=protect] [data-testid=history-more]",
    )
    .await;
    assert!(
        more.contains("c1") && more.contains("claude_desktop_config.json"),
        "{more}"
    );
    let files = text_of(
        &c,
        "[data-testid=history-entry][data-kind=protect] [data-testid=history-files]",
    )
    .await;
    assert_eq!(files, claude_desktop.display().to_string());
    look_at(&c, "42b-history-entry-open.png").await;
    // Arrow keys move between the entries (as in every list): Home, Down, End, Up.
    let first = wait_for(&c, "[data-testid=history-entry] summary").await;
    first.focus().await.unwrap();
    first.send_keys(Key::Down).await.unwrap();
    assert_eq!(
        focused(&c, "[data-testid=history-entry]", "kind").await,
        "protect"
    );
    active_key(&c, Key::Up).await;
    assert_eq!(
        focused(&c, "[data-testid=history-entry]", "kind").await,
        "restore"
    );
    active_key(&c, Key::End).await;
    assert_eq!(
        focused(&c, "[data-testid=history-entry]", "kind").await,
        "protect"
    );

    // Clients: the config files of the clients not found here are one list (this home has only Claude
    // Desktop's config); one of them is in the Tab order, the arrows move along it.
    goto(&c, "clients").await;
    wait_for(&c, "[data-testid=absent-clients] summary")
        .await
        .click()
        .await
        .unwrap();
    let rows = c
        .find_all(By::Css(
            "[data-testid=absent-clients] [data-testid=config-file]",
        ))
        .await
        .unwrap();
    assert!(rows.len() >= 2, "many clients are not on this test machine");
    let tabbable = c
        .find_all(By::Css(
            "[data-testid=absent-clients] [data-testid=config-file][tabindex='0']",
        ))
        .await
        .unwrap();
    assert_eq!(tabbable.len(), 1, "one row in the Tab order");
    rows[0].focus().await.unwrap();
    rows[0].send_keys(Key::Down).await.unwrap();
    assert_eq!(
        rows[0].attr("tabindex").await.unwrap().as_deref(),
        Some("-1")
    );
    let second = rows[1].attr("data-client").await.unwrap().unwrap();
    assert_eq!(
        focused(&c, "[data-testid=config-file]", "client").await,
        second
    );
    assert_eq!(
        rows[1].attr("tabindex").await.unwrap().as_deref(),
        Some("0"),
        "the row with the focus is the one Tab comes back to"
    );
    look_at(&c, "42c-clients-arrow-keys.png").await;

    // Backups: the purge shows what it would delete, then deletes exactly that.
    goto(&c, "backups").await;
    // Arrow keys move between the backups' Restore buttons.
    let restores = c
        .find_all(By::Css("[data-testid=backup-restore]"))
        .await
        .unwrap();
    assert!(
        restores.len() >= 2,
        "protect and restore each backed a file up"
    );
    restores[0].focus().await.unwrap();
    restores[0].send_keys(Key::End).await.unwrap();
    let last = restores.len() - 1;
    let id = c
        .execute(
            "return document.activeElement.closest('[data-testid=backup]')?.dataset.id ?? '';",
            vec![],
        )
        .await
        .unwrap()
        .json()
        .as_str()
        .unwrap_or_default()
        .to_string();
    let want = c.find_all(By::Css("[data-testid=backup]")).await.unwrap()[last]
        .attr("data-id")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(id, want);
    // (By the credential id the scan lists for the config's value: this test made the key's id name
    // another value above.)
    let field = wait_for(&c, "[data-testid=purge-key]").await;
    field.send_keys(&current).await.unwrap();
    wait_for(&c, "[data-testid=purge-backups]")
        .await
        .click()
        .await
        .unwrap();
    let listed = text_of(&c, "[data-testid=purge-list]").await;
    assert!(listed.contains("claude_desktop_config.json"), "{listed}");
    look_at(&c, "43-purge-confirm.png").await;
    wait_for(&c, "[data-testid=purge-backups-confirm]")
        .await
        .click()
        .await
        .unwrap();
    let msg = text_of(&c, "[data-testid=backup-message]").await;
    assert!(msg.contains("Deleted 1 backup"), "{msg}");
    // "See it in History" lands on the purge: the newest entry, unfolded and focused.
    wait_for(&c, "[data-testid=backup-history]")
        .await
        .click()
        .await
        .unwrap();
    wait_for(&c, "#history-title").await;
    let top = wait_for(&c, "[data-testid=history-entry]").await;
    assert_eq!(
        top.attr("data-kind").await.unwrap().as_deref(),
        Some("purge")
    );
    assert_eq!(
        focused(&c, "[data-testid=history-entry]", "kind").await,
        "purge"
    );
    assert!(top.find(By::Css("details[open]")).await.is_ok(), "unfolded");
    let left = std::fs::read_dir(env.data_dir().join("backups"))
        .unwrap()
        .flatten()
        .filter(|e| {
            e.file_name() != "index.json" && !e.file_name().to_string_lossy().ends_with(".lock")
        })
        .count();
    assert_eq!(
        left, 1,
        "the backup holding the key is gone, the other one kept"
    );
    let h: Vec<serde_json::Value> = std::fs::read_to_string(env.data_dir().join("audit.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(
        h.iter().any(|l| l["kind"] == "purge"),
        "the purge is in the history"
    );
}

/// `data-<attr>` of the element matching `item` that holds the focus ("" when none does).
async fn focused(c: &WebDriver, item: &str, attr: &str) -> String {
    c.execute(
        &format!(
            "const e = document.activeElement && document.activeElement.closest({item:?}); return e ? (e.dataset[{attr:?}] ?? '') : '';"
        ),
        vec![],
    )
    .await
    .unwrap()
    .json()
    .as_str()
    .unwrap_or_default()
    .to_string()
}

/// Press `key` on whatever has the focus.
async fn active_key(c: &WebDriver, key: Key) {
    c.active_element()
        .await
        .unwrap()
        .send_keys(key)
        .await
        .unwrap();
}
