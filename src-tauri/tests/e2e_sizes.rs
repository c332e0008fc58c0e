//! The flows at both window sizes (issue 22): at 800×600 and at 1920×1080 the rotation's plan, Protect's
//! full-pane plan and an added server's plan with its provider check, each with its screenshot
//! (axe-checked by `look_at`) and no sideways scrolling. The Keys screen's own layouts are in
//! e2e_screens.rs.
#![cfg(target_os = "linux")] // WebKitGTK driven through WebKitWebDriver: the end-to-end tests run on Linux

mod harness;
use harness::*;
use std::path::PathBuf;
use thirtyfour::prelude::*;

/// The page does not scroll sideways, and the screenshot is taken (and checked with axe-core).
async fn fits(c: &WebDriver, name: &str) {
    let (scroll, client): (i64, i64) = c
        .execute(
            "const e = document.scrollingElement; return [e.scrollWidth, e.clientWidth];",
            vec![],
        )
        .await
        .unwrap()
        .convert()
        .unwrap();
    assert!(
        scroll <= client + 1,
        "{name}: {scroll} px wide in a {client} px window"
    );
    look_at(c, name).await;
}

async fn click(c: &WebDriver, css: &str) {
    wait_for(c, css).await.click().await.unwrap();
}

#[tokio::test]
#[ignore = "needs ./dev test: Xvfb, tauri-driver, WebKitWebDriver"]
async fn the_flows_fit_narrow_and_wide_windows() {
    require_e2e();
    let _one_app_at_a_time = ONE_AT_A_TIME.lock().await;
    let env = TestEnv::new();
    let app = PathBuf::from(env!("CARGO_BIN_EXE_rekey-app"));
    let driver = Driver::start(&env);
    let c = driver.session_with(&app, &["--demo"]).await;
    let wizard = present(&c, "[data-testid=wizard]").await;
    click(&c, "[data-testid=wizard-skip]").await;
    wizard.gone(&c).await;
    wait_for(&c, "[data-testid=credential-detail]").await;
    for (w, h, size) in [(800u32, 600u32, "800x600"), (1920, 1080, "1920x1080")] {
        resize(&c, w, h).await;
        goto(&c, "keys").await;

        // The rotation's plan (cancelled: nothing rotates).
        let row = key_linked_to(&c, "bitscale").await;
        row.find(By::Css("[data-testid=details]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        click(&c, "[data-testid=rotate]").await;
        wait_for(&c, "[data-testid=confirm-input]").await;
        fits(&c, &format!("size-{size}-rotate-plan.png")).await;
        let flow = present(&c, "[data-testid=rotate-flow]").await;
        c.active_element()
            .await
            .unwrap()
            .send_keys(Key::Escape)
            .await
            .unwrap();
        flow.gone(&c).await;

        // Protect's full-pane plan (cancelled).
        click(&c, "[data-testid=protect]").await;
        wait_for(&c, "[data-testid=protect-files]").await;
        fits(&c, &format!("size-{size}-protect-plan.png")).await;
        let panel = present(&c, "[data-testid=protect-panel]").await;
        click(&c, "[data-testid=protect-cancel]").await;
        panel.gone(&c).await;

        // An added server's plan, with the provider's answer (a key the demo's fake refuses; cancelled).
        click(&c, "[data-testid=add-server-open]").await;
        let provider = wait_for(&c, "[data-testid=add-provider]").await;
        thirtyfour::components::SelectElement::new(&provider)
            .await
            .unwrap()
            .select_by_value("bitscale")
            .await
            .unwrap();
        let name = wait_for(&c, "[data-testid=add-name]").await;
        name.clear().await.unwrap();
        name.send_keys("bitscale-sized").await.unwrap();
        wait_for(&c, "[data-testid=add-secret]")
            .await
            .send_keys("sk-live-notthedemokey0123456789")
            .await
            .unwrap();
        click(&c, "[data-testid=add-plan]").await;
        let verify = wait_for(&c, "[data-testid=add-verify]").await;
        assert_eq!(
            verify.attr("data-state").await.unwrap().as_deref(),
            Some("failed")
        );
        fits(&c, &format!("size-{size}-add-refused.png")).await;
        click(&c, "[data-testid=add-cancel]").await;
        let add = present(&c, "[data-testid=add-server]").await;
        click(&c, "[data-testid=add-server-open]").await;
        add.gone(&c).await;
    }
    c.quit().await.unwrap();
    drop(driver);
}
