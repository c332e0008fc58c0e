//! The real tray, end to end: Debian's `trayer` (an XEmbed system tray) runs on the test's X display, the
//! app's icon docks into it as a small window, a left click with `xdotool` opens the app's menu, the first
//! entry ("Rotate BitScale key (…)…") is picked with the keyboard as a user would, and WebDriver checks
//! that the window now shows that key's rotation plan. Nothing rotates: the plan waits for its confirmation.
#![cfg(target_os = "linux")] // WebKitGTK driven through WebKitWebDriver: the end-to-end tests run on Linux

mod harness;
use harness::*;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A child process killed when the test ends, however it ends.
struct Killed(Child);
impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn xdotool(args: &[&str]) -> String {
    let out = Command::new("xdotool")
        .args(args)
        .output()
        .expect("xdotool");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// The X window of the app's tray icon, docked in trayer's panel (tray-icon names its class after the id).
fn tray_icon_window() -> Option<String> {
    let w = xdotool(&["search", "--class", "tray-icon tray app rekey"]);
    w.lines().next().map(str::to_string)
}

/// The app's visible top-level windows (the menu is one when it is open).
fn app_windows() -> Vec<String> {
    xdotool(&["search", "--onlyvisible", "--class", "rekey-app"])
        .lines()
        .map(str::to_string)
        .collect()
}

fn root_screenshot(name: &str) {
    let path = screenshots_dir().join(name);
    let _ = Command::new("import")
        .args(["-window", "root"])
        .arg(&path)
        .status();
}

/// Debian's trayer on the test's display: an XEmbed tray host the app's icon docks into.
fn start_trayer() -> Killed {
    Killed(
        Command::new("trayer")
            .args([
                "--edge",
                "top",
                "--align",
                "right",
                "--widthtype",
                "pixel",
                "--width",
                "200",
                "--heighttype",
                "pixel",
                "--height",
                "40",
                "--transparent",
                "false",
                "--tint",
                "0xffffff",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("trayer (apt install trayer)"),
    )
}

/// The pixels of window `id` as the X server has them (ImageMagick's `import`).
fn window_pixels(id: &str) -> Vec<u8> {
    Command::new("import")
        .args(["-window", id, "rgb:-"])
        .output()
        .map(|o| o.stdout)
        .unwrap_or_default()
}

/// Press Down in the open menu `menu` until its first entry is highlighted: the menu's pixels change
/// once it has the keyboard and has painted the highlight (a fixed pause would only guess when that is).
/// A press the menu did not get yet leaves its pixels as they were and is pressed again.
async fn highlight_first_entry(menu: &str) {
    let deadline = Instant::now() + WAIT;
    // First the menu as painted: two reads in a row alike.
    let mut before = window_pixels(menu);
    loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let now = window_pixels(menu);
        if now == before && !now.is_empty() {
            break;
        }
        assert!(Instant::now() < deadline, "the menu never settled");
        before = now;
    }
    loop {
        xdotool(&["key", "Down"]);
        let pressed = Instant::now();
        while pressed.elapsed() < Duration::from_secs(2) {
            if window_pixels(menu) != before {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(
            Instant::now() < deadline,
            "the menu never highlighted an entry"
        );
    }
}

/// How many of the tray icon's pixels are the attention dot's red (8 bits per channel).
fn red_pixels(window: &str) -> usize {
    Command::new("import")
        .args(["-window", window, "-depth", "8", "rgb:-"])
        .output()
        .map(|o| o.stdout)
        .unwrap_or_default()
        .chunks_exact(3)
        .filter(|p| p[0] > 180 && p[1] < 90 && p[2] < 90)
        .count()
}

/// Wait for the app's icon in trayer, check its size and whether it shows the attention dot (something
/// needs the user), and left-click it until the menu window opens; returns the menu's window id.
async fn open_tray_menu(attention: bool) -> String {
    let deadline = Instant::now() + WAIT;
    let icon = loop {
        if let Some(w) = tray_icon_window() {
            break w;
        }
        assert!(
            Instant::now() < deadline,
            "the app's icon never docked into trayer"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let geometry = xdotool(&["getwindowgeometry", &icon]);
    assert!(
        geometry.contains("Geometry: 32x"),
        "a 32 px tray icon: {geometry}"
    );
    let shot = format!(
        "tray-icon-{}.png",
        if attention { "attention" } else { "plain" }
    );
    let _ = Command::new("import")
        .args(["-window", &icon])
        .arg(screenshots_dir().join(shot))
        .status();
    let red = red_pixels(&icon);
    assert_eq!(
        red > 20,
        attention,
        "the tray icon's attention dot ({red} red pixels)"
    );

    // A left click opens the menu: a new visible window of the app.
    let before = app_windows();
    xdotool(&["mousemove", "--window", &icon, "16", "16", "click", "1"]);
    let deadline = Instant::now() + WAIT;
    loop {
        if let Some(menu) = app_windows().into_iter().find(|w| !before.contains(w)) {
            return menu;
        }
        assert!(Instant::now() < deadline, "no menu opened on a click");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
#[ignore = "needs ./dev test: Xvfb, tauri-driver, WebKitWebDriver"]
async fn a_rotate_entry_of_the_real_tray_menu_opens_that_keys_plan() {
    require_e2e();
    let _one_app_at_a_time = ONE_AT_A_TIME.lock().await;
    let env = TestEnv::new();
    let fakes = rekey_fakes::FakeProviders::start().unwrap();
    let key = fakes.current_key(rekey_fakes::Provider::BitScale);
    let claude = env.config().join("Claude/claude_desktop_config.json");
    std::fs::create_dir_all(claude.parent().unwrap()).unwrap();
    let original = format!("{{\"mcpServers\": {{\"bitscale\": {{\"command\": \"uvx\", \"args\": [\"bitscale-mcp\"], \"env\": {{\"BITSCALE_API_KEY\": \"{key}\"}}}}}}}}\n");
    std::fs::write(&claude, &original).unwrap();
    env.settings_exist();

    // Link the key with the CLI built beside the app (same data dir), so the tray lists it.
    let app = PathBuf::from(env!("CARGO_BIN_EXE_rekey-app"));
    let cli = app.with_file_name("rekey");
    let rekey = |args: &[&str]| {
        let mut cmd = Command::new(&cli);
        env.apply(&mut cmd);
        cmd.args(args).output().unwrap()
    };
    let report: serde_json::Value =
        serde_json::from_slice(&rekey(&["scan", "--json"]).stdout).unwrap();
    let cred = report["credentials"][0]["id"].as_str().unwrap().to_string();
    let url = fakes.base_url(rekey_fakes::Provider::BitScale);
    assert!(
        rekey(&["link", &cred, "--provider", "bitscale", "--base-url", &url])
            .status
            .success()
    );

    // The tray host first, as on a desktop: the app docks its icon into it when it starts.
    let _trayer = start_trayer();
    let driver = Driver::start(&env);
    let c = driver.session(&app).await;
    wait_for(&c, "[data-testid=credential-link]").await;

    let menu = open_tray_menu(false).await;
    root_screenshot("30-tray-menu.png");
    // The first entry is the key's "Rotate BitScale key (…)…" (menu order is unit-tested in tray.rs).
    highlight_first_entry(&menu).await;
    xdotool(&["key", "Return"]);

    // The window shows that key's plan, waiting for its confirmation; nothing rotated.
    let files = text_of(&c, "[data-testid=plan-files]").await;
    assert!(files.contains("claude_desktop_config.json"), "{files}");
    let title = text_of(&c, "#rotate-title").await;
    assert!(title.contains("BitScale"), "{title}");
    wait_for(&c, "[data-testid=confirm-input]").await;
    save_screenshot(&c, "31-tray-opened-plan.png").await;
    assert_eq!(fakes.rotate_calls(rekey_fakes::Provider::BitScale), 0);
    assert_eq!(std::fs::read_to_string(&claude).unwrap(), original);
    c.quit().await.unwrap();
    drop(driver);
}

/// Two linked keys past their max age: the tray's first entry is "Rotate the 2 due keys (one plan each)…";
/// it walks them in the window one plan at a time, each confirmed on its own, and Cancel stops the walk.
#[tokio::test]
#[ignore = "needs ./dev test: Xvfb, tauri-driver, WebKitWebDriver"]
async fn rotate_due_keys_from_the_tray_walks_one_confirmed_plan_per_key() {
    require_e2e();
    let _one_app_at_a_time = ONE_AT_A_TIME.lock().await;
    let env = TestEnv::new();
    let fakes = rekey_fakes::FakeProviders::start().unwrap();
    let bitscale = fakes.current_key(rekey_fakes::Provider::BitScale);
    let a2a = fakes.current_key(rekey_fakes::Provider::A2aMarket);
    let claude = env.config().join("Claude/claude_desktop_config.json");
    std::fs::create_dir_all(claude.parent().unwrap()).unwrap();
    std::fs::write(&claude, format!("{{\"mcpServers\": {{\"bitscale\": {{\"command\": \"uvx\", \"args\": [\"bitscale-mcp\"], \"env\": {{\"BITSCALE_API_KEY\": \"{bitscale}\"}}}}, \"a2a\": {{\"command\": \"npx\", \"args\": [\"-y\", \"@a2amarket/mcp\"], \"env\": {{\"A2AMARKET_API_KEY\": \"{a2a}\"}}}}}}}}\n")).unwrap();
    env.settings_exist();
    let app = PathBuf::from(env!("CARGO_BIN_EXE_rekey-app"));
    let cli = app.with_file_name("rekey");
    let rekey = |args: &[&str]| {
        let mut cmd = Command::new(&cli);
        env.apply(&mut cmd);
        let out = cmd.args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}: {out:?}");
        out
    };
    let report: serde_json::Value =
        serde_json::from_slice(&rekey(&["scan", "--json"]).stdout).unwrap();
    let cred_of = |prefix: &str| {
        report["credentials"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["masked"].as_str().unwrap().starts_with(prefix))
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (bs, am) = (cred_of(&bitscale[..4]), cred_of(&a2a[..4]));
    rekey(&[
        "link",
        &bs,
        "--provider",
        "bitscale",
        "--base-url",
        &fakes.url,
    ]);
    rekey(&[
        "link",
        &am,
        "--provider",
        "a2a-market",
        "--base-url",
        &fakes.url,
        "--agent-id",
        "agt_demo_0001",
    ]);
    // Both first seen 200 days ago: past the default max age of 90 days.
    let seen = serde_json::json!({ &bs: "2026-05-01T00:00:00Z", &am: "2026-05-02T00:00:00Z" });
    std::fs::write(
        env.data_dir().join("seen.json"),
        serde_json::to_string(&seen).unwrap(),
    )
    .unwrap();

    let _trayer = start_trayer();
    let driver = Driver::start(&env);
    let c = driver.session(&app).await;
    wait_for(&c, "[data-testid=credential-link]").await;
    let menu = open_tray_menu(true).await;
    root_screenshot("32-tray-due-menu.png");
    // The first entry is "Rotate the 2 due keys (one plan each)…".
    highlight_first_entry(&menu).await;
    xdotool(&["key", "Return"]);

    // Key 1 of 2, the oldest (BitScale): its own plan and its own confirmation.
    let deadline = Instant::now() + WAIT;
    while text_of(&c, "[data-testid=rotate-queue]").await != "Due key 1 of 2" {
        assert!(Instant::now() < deadline, "the walk did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(text_of(&c, "#rotate-title").await.contains("BitScale"));
    assert_eq!(fakes.rotate_calls(rekey_fakes::Provider::BitScale), 0);
    wait_for(&c, "[data-testid=confirm-input]")
        .await
        .send_keys("bitscale")
        .await
        .unwrap();
    c.find(thirtyfour::By::Css("[data-testid=rotate-confirm]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(&c, "[data-testid=rotate-done]")
        .await
        .click()
        .await
        .unwrap();
    assert_eq!(fakes.rotations(rekey_fakes::Provider::BitScale), 1);

    // Key 2 of 2 waits for its own confirmation: nothing rotated at A2A Market yet.
    let deadline = Instant::now() + WAIT;
    while text_of(&c, "[data-testid=rotate-queue]").await != "Due key 2 of 2" {
        assert!(Instant::now() < deadline, "the walk did not go on");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(text_of(&c, "#rotate-title").await.contains("A2A"));
    save_screenshot(&c, "33-due-key-2-of-2.png").await;
    assert_eq!(fakes.rotations(rekey_fakes::Provider::A2aMarket), 0);
    let shown1 = present(&c, "[data-testid=rotate-flow]").await;
    // Cancel stops the walk and rotates nothing.
    wait_for(&c, "[data-testid=rotate-cancel]")
        .await
        .click()
        .await
        .unwrap();
    shown1.gone(&c).await;
    assert_eq!(fakes.rotations(rekey_fakes::Provider::A2aMarket), 0);
    c.quit().await.unwrap();
    drop(driver);
}
