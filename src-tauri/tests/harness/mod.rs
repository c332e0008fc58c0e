//! The e2e harness shared by the GUI test files: tauri-driver, sessions, a throwaway environment,
//! waiting for elements, screenshots.
#![allow(dead_code)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use thirtyfour::prelude::*;

pub const WAIT: Duration = Duration::from_secs(20);
/// Starting a session launches the app: on a loaded 2-core machine a debug build can take a while.
pub const SESSION_WAIT: Duration = Duration::from_secs(60);
/// One app and one driver at a time (the tests share the display and the keyring).
pub static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

pub fn require_e2e() {
    assert!(
        std::env::var_os("REKEY_E2E").is_some_and(|v| v == "1"),
        "this test needs `./dev test` (Xvfb, tauri-driver, WebKitWebDriver; REKEY_E2E=1): it is marked \
         #[ignore] for a plain `cargo test`"
    );
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn screenshots_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("..")
                .join("target")
        });
    let dir = target.join("e2e-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// tauri-driver in its own process group; dropping this kills the whole group (tauri-driver,
/// WebKitWebDriver and the app), on success and on panic alike.
pub struct Driver {
    pub child: Child,
    pub port: u16,
    /// tauri-driver's and WebKitWebDriver's output, quoted when a session cannot be opened.
    pub log: PathBuf,
}

impl Driver {
    pub fn start(env: &TestEnv) -> Driver {
        Driver::start_with(env, &[])
    }

    /// With extra environment for the driver and the app it launches (e.g. a dark GTK theme).
    pub fn start_with(env: &TestEnv, extra: &[(&str, &str)]) -> Driver {
        use std::os::unix::process::CommandExt;
        let port = free_port();
        let mut native = free_port();
        while native == port {
            native = free_port();
        }
        let mut cmd = Command::new("tauri-driver");
        cmd.args([
            "--port",
            &port.to_string(),
            "--native-port",
            &native.to_string(),
        ])
        .process_group(0);
        let log = env.root.path().join("tauri-driver.log");
        let file = std::fs::File::create(&log).unwrap();
        cmd.stdout(Stdio::from(file.try_clone().unwrap()))
            .stderr(Stdio::from(file));
        env.apply(&mut cmd);
        cmd.envs(extra.iter().copied());
        let child = cmd
            .spawn()
            .expect("tauri-driver on PATH (./dev test installs it)");
        let driver = Driver { child, port, log };
        // tauri-driver listens before the WebKitWebDriver it starts does, and a request it cannot forward
        // is answered by closing the connection ("error sending request"): wait for both.
        let deadline = Instant::now() + WAIT;
        for (p, what) in [(port, "tauri-driver"), (native, "WebKitWebDriver")] {
            while std::net::TcpStream::connect(("127.0.0.1", p)).is_err() {
                assert!(Instant::now() < deadline, "{what} did not listen on {p}");
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        driver
    }

    /// A WebDriver session that launches the app. Only `tauri:options` is sent: WebKitWebDriver hangs on
    /// capabilities meant for other browsers (e.g. `goog:chromeOptions`).
    pub async fn session(&self, app: &Path) -> WebDriver {
        self.session_with(app, &[]).await
    }

    pub async fn session_with(&self, app: &Path, args: &[&str]) -> WebDriver {
        let mut caps = serde_json::Map::new();
        caps.insert(
            "tauri:options".into(),
            serde_json::json!({ "application": app, "args": args }),
        );
        // A fresh connection per command: tauri-driver does not answer a second request on a kept-alive
        // connection, and every command has a timeout so a stuck driver fails the test instead of hanging it.
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(0)
            .timeout(SESSION_WAIT)
            .build()
            .unwrap();
        let session = WebDriver::builder(format!("http://127.0.0.1:{}", self.port), caps)
            .client(http)
            .request_timeout(SESSION_WAIT)
            .connect();
        let log = || std::fs::read_to_string(&self.log).unwrap_or_default();
        match tokio::time::timeout(SESSION_WAIT, session).await {
            Ok(Ok(c)) => c,
            Ok(Err(e)) => panic!(
                "WebDriver session with the app: {e:?}\n--- tauri-driver log ---\n{}",
                log()
            ),
            Err(_) => panic!("new session timed out\n--- tauri-driver log ---\n{}", log()),
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let pgid = self.child.id();
        // `--` so that procps kill reads the negative number as a process group, not an option.
        let _ = Command::new("kill")
            .args(["-s", "KILL", "--", &format!("-{pgid}")])
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
        // Wait (a bounded while) until no process of the group still runs, so that the next test's app does
        // not meet this one's single-instance D-Bus name or window. (Zombies are left to init to reap.)
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline && running_in_group(pgid) > 0 {
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// Processes of process group `pgid` that are not zombies, from /proc/<pid>/stat.
pub fn running_in_group(pgid: u32) -> usize {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return 0;
    };
    dir.flatten()
        .filter_map(|e| std::fs::read_to_string(e.path().join("stat")).ok())
        .filter(|stat| {
            // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses.
            let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else {
                return false;
            };
            let mut f = rest.split_whitespace();
            let state = f.next().unwrap_or("Z");
            let group = f.nth(1).and_then(|g| g.parse::<u32>().ok());
            state != "Z" && state != "X" && group == Some(pgid)
        })
        .count()
}

/// The app's world: HOME and XDG dirs inside one temp folder.
pub struct TestEnv {
    pub root: tempfile::TempDir,
}

impl TestEnv {
    pub fn new() -> Self {
        let root = tempfile::tempdir().unwrap();
        for d in ["home", "config", "data", "cache", "state"] {
            std::fs::create_dir_all(root.path().join(d)).unwrap();
        }
        TestEnv { root }
    }
    /// Not a first run: Rekey's settings file exists, so the app opens on the overview, not the wizard.
    pub fn settings_exist(&self) {
        std::fs::create_dir_all(self.root.path().join("data/rekey")).unwrap();
        std::fs::write(self.root.path().join("data/rekey/settings.json"), "{}").unwrap();
    }
    /// Rekey's data dir in this environment (settings, links, seen.json, journal, audit).
    pub fn data_dir(&self) -> PathBuf {
        self.root.path().join("data/rekey")
    }
    pub fn home(&self) -> PathBuf {
        self.root.path().join("home")
    }
    pub fn config(&self) -> PathBuf {
        self.root.path().join("config")
    }
    pub fn apply(&self, cmd: &mut Command) {
        let p = self.root.path();
        cmd.env("HOME", p.join("home"))
            .env("XDG_CONFIG_HOME", p.join("config"))
            .env("XDG_DATA_HOME", p.join("data"))
            .env("XDG_CACHE_HOME", p.join("cache"))
            .env("XDG_STATE_HOME", p.join("state"))
            .env("NO_AT_BRIDGE", "1")
            .env_remove("CLAUDE_CONFIG_DIR")
            .env_remove("CODEX_HOME");
    }
}

pub async fn wait_for(c: &WebDriver, css: &str) -> WebElement {
    c.query(By::Css(css))
        .wait(WAIT, Duration::from_millis(50))
        .first()
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
}

/// An element a test has seen on the page, to wait for it to go away after the action that removes it
/// (a wait for absence alone would pass if the element were renamed or never shown).
#[must_use = "call .gone() after the action that removes it"]
pub struct Present(String);

/// Wait for `css` to be on the page: the positive half of "it was there, then it went away".
pub async fn present(c: &WebDriver, css: &str) -> Present {
    wait_for(c, css).await;
    Present(css.to_string())
}

impl Present {
    pub async fn gone(self, c: &WebDriver) {
        let css = &self.0;
        let deadline = Instant::now() + WAIT;
        while !c.find_all(By::Css(css)).await.unwrap().is_empty() {
            assert!(Instant::now() < deadline, "{css} did not go away");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

pub async fn text_of(c: &WebDriver, css: &str) -> String {
    wait_for(c, css).await.text().await.unwrap()
}

pub async fn save_screenshot(c: &WebDriver, name: &str) {
    // WebKit paints asynchronously and a snapshot can show the frame before the last DOM change: wait,
    // take a throwaway snapshot (it makes WebKit present the pending frame), wait again, then the real one.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let _ = c.screenshot_as_png().await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let png = c.screenshot_as_png().await.unwrap();
    assert!(png.starts_with(b"\x89PNG"), "not a PNG");
    std::fs::write(screenshots_dir().join(name), png).unwrap();
}

/// Open a screen from the sidebar ("keys", "clients", "history", "backups", "settings") and wait for it.
pub async fn goto(c: &WebDriver, screen: &str) {
    wait_for(c, &format!("[data-testid=nav-{screen}]"))
        .await
        .click()
        .await
        .unwrap();
    wait_for(c, &format!("#{screen}-title")).await;
}

/// axe-core's `axe.min.js` from ui/node_modules (`npm ci` in ui/ puts it there).
fn axe_source() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/node_modules/axe-core/axe.min.js");
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run `npm ci` in ui/)", path.display()))
}

/// Runs axe-core on the page as it is now and fails on any serious or critical violation, listing each
/// with the elements it found. `what` names the screen in the failure.
pub async fn assert_accessible(c: &WebDriver, what: &str) {
    let loaded: bool = c
        .execute("return typeof window.axe === 'object';", vec![])
        .await
        .unwrap()
        .convert()
        .unwrap();
    if !loaded {
        c.execute(&format!("{}\n;return true;", axe_source()), vec![])
            .await
            .expect("inject axe-core");
    }
    let found: serde_json::Value = c
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, { resultTypes: ['violations'] })
               .then((r) => done({ passes: r.passes.length, violations: r.violations
                 .filter((v) => v.impact === 'serious' || v.impact === 'critical')
                 .map((v) => ({ id: v.id, impact: v.impact, help: v.help,
                   nodes: v.nodes.slice(0, 6).map((n) => n.target.join(' ') + ' :: ' + (n.failureSummary || '')) })) }))
               .catch((e) => done({ passes: 0, violations: [{ id: 'axe-error', impact: 'critical', help: String(e), nodes: [] }] }));",
            vec![],
        )
        .await
        .expect("run axe-core")
        .json()
        .clone();
    let list = found["violations"].as_array().cloned().unwrap_or_default();
    let passes = found["passes"].as_u64().unwrap_or(0);
    eprintln!(
        "e2e: axe on {what}: {passes} rules passed, {} serious or critical violations",
        list.len()
    );
    // Rules that passed prove axe looked at the page (a failed run passes none).
    assert!(passes > 10, "axe-core did not check {what}: {found}");
    assert!(
        list.is_empty(),
        "axe-core found serious or critical violations on {what}:\n{}",
        serde_json::to_string_pretty(&found["violations"]).unwrap()
    );
}

/// A screenshot and an axe-core check of the page as it is now.
pub async fn look_at(c: &WebDriver, name: &str) {
    save_screenshot(c, name).await;
    assert_accessible(c, name).await;
}

/// The demo's throwaway home, from its banner.
pub async fn demo_home(c: &WebDriver) -> PathBuf {
    let banner = wait_for(c, "[data-testid=demo-banner]")
        .await
        .text()
        .await
        .unwrap();
    PathBuf::from(
        banner
            .split('(')
            .nth(1)
            .and_then(|t| t.split(')').next())
            .unwrap(),
    )
}

/// The key list's row of the key linked to `provider`, once it shows.
pub async fn key_linked_to(c: &WebDriver, provider: &str) -> WebElement {
    let want = format!("linked: {provider}");
    let deadline = Instant::now() + WAIT;
    loop {
        for row in c
            .find_all(By::Css("[data-testid=credential]"))
            .await
            .unwrap()
        {
            if let Ok(l) = row.find(By::Css("[data-testid=credential-link]")).await {
                if l.text().await.unwrap_or_default() == want {
                    return row;
                }
            }
        }
        assert!(
            Instant::now() < deadline,
            "the demo's {provider} key did not show"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The demo's throwaway home, once its first-run wizard is skipped (the demo's home is new).
pub async fn demo_home_past_the_wizard(c: &WebDriver) -> PathBuf {
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

/// Resize the window and wait for the page to have the new width (and one layout after it).
pub async fn resize(c: &WebDriver, w: u32, h: u32) {
    c.set_window_rect(0, 0, w, h).await.unwrap();
    let deadline = Instant::now() + WAIT;
    loop {
        let inner: i64 = c
            .execute("return window.innerWidth;", vec![])
            .await
            .unwrap()
            .convert()
            .unwrap();
        if (inner - w as i64).abs() <= 40 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the window is {inner} px wide, not {w}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
}
