//! The real tray, end to end: Debian's `trayer` (an XEmbed system tray) runs on the test's X display, the
//! app's icon docks into it as a small window, a left click with `xdotool` opens the app's menu, the first
//! entry ("Rotate BitScale key (…)…") is picked with the keyboard as a user would, and WebDriver checks
//! that the window now shows that key's rotation plan. Nothing rotates: the plan waits for its confirmation.

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

#[tokio::test]
async fn a_rotate_entry_of_the_real_tray_menu_opens_that_keys_plan() {
    if !enabled() {
        return;
    }
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
    let _trayer = Killed(
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
    );
    let driver = Driver::start(&env);
    let c = driver.session(&app).await;
    wait_for(&c, "[data-testid=credential-link]").await;

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

    // A left click opens the menu: a new visible window of the app.
    let before = app_windows();
    xdotool(&["mousemove", "--window", &icon, "16", "16", "click", "1"]);
    let deadline = Instant::now() + WAIT;
    loop {
        let now = app_windows();
        if now.iter().any(|w| !before.contains(w)) {
            break;
        }
        assert!(Instant::now() < deadline, "no menu opened on a click");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    root_screenshot("30-tray-menu.png");
    // The first entry is the key's "Rotate BitScale key (…)…" (menu order is unit-tested in tray.rs).
    xdotool(&["key", "Down"]);
    tokio::time::sleep(Duration::from_millis(200)).await;
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
