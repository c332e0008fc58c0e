//! The "System" theme follows the desktop portal's colour scheme (GNOME's and KDE's dark style), not only the
//! GTK theme WebKitGTK's `prefers-color-scheme` reads, and changes with it while the app runs. The test owns
//! `org.freedesktop.portal.Desktop` on the private session bus (as xdg-desktop-portal does on a desktop),
//! with a light GTK theme.
//!
//! The fake answers the current call, `ReadOne`, only. Tauri's window layer (tao) reads the portal too, with
//! the deprecated `Read`, and mirrors it into GTK's dark setting, which the media query follows: served
//! here, it would turn the window dark without Rekey's own reading (src/theme.rs), and the test would not
//! see that reading go. With `ReadOne` alone, dark at start can only come from Rekey.
#![cfg(target_os = "linux")] // WebKitGTK driven through WebKitWebDriver: the end-to-end tests run on Linux

mod harness;
use harness::*;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use thirtyfour::prelude::*;
use zbus::object_server::SignalEmitter;
use zbus::zvariant::{OwnedValue, Value};

const PATH: &str = "/org/freedesktop/portal/desktop";

/// The portal's Settings interface with one setting, `org.freedesktop.appearance` `color-scheme`.
struct Settings {
    scheme: Arc<AtomicU32>,
}

#[zbus::interface(name = "org.freedesktop.portal.Settings")]
impl Settings {
    fn read_one(&self, namespace: &str, key: &str) -> zbus::fdo::Result<OwnedValue> {
        if (namespace, key) == ("org.freedesktop.appearance", "color-scheme") {
            Ok(OwnedValue::from(self.scheme.load(Ordering::SeqCst)))
        } else {
            Err(zbus::fdo::Error::Failed("no such setting".into()))
        }
    }
    #[zbus(property)]
    fn version(&self) -> u32 {
        2
    }
    #[zbus(signal)]
    async fn setting_changed(
        emitter: &SignalEmitter<'_>,
        namespace: &str,
        key: &str,
        value: Value<'_>,
    ) -> zbus::Result<()>;
}

fn start_portal(scheme: Arc<AtomicU32>) -> zbus::blocking::Connection {
    zbus::blocking::connection::Builder::session()
        .unwrap()
        .name("org.freedesktop.portal.Desktop")
        .unwrap()
        .serve_at(PATH, Settings { scheme })
        .unwrap()
        .build()
        .expect("own org.freedesktop.portal.Desktop on the test session bus")
}

/// `<html data-theme>` and whether WebKitGTK's media query says dark.
async fn theme(c: &WebDriver) -> (String, bool) {
    let v: serde_json::Value = c
        .execute(
            "return [document.documentElement.dataset.theme || '', \
             window.matchMedia('(prefers-color-scheme: dark)').matches];",
            vec![],
        )
        .await
        .unwrap()
        .json()
        .clone();
    (
        v[0].as_str().unwrap_or_default().to_string(),
        v[1].as_bool().unwrap(),
    )
}

async fn wait_for_theme(c: &WebDriver, want: &str) {
    let deadline = Instant::now() + WAIT;
    loop {
        let (now, media_dark) = theme(c).await;
        if now == want {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "data-theme is {now:?}, not {want:?} (the media query says dark: {media_dark})"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
#[ignore = "needs ./dev test: Xvfb, tauri-driver, WebKitWebDriver"]
async fn system_follows_the_portal_s_color_scheme_and_its_changes_without_a_reload() {
    require_e2e();
    let _one_app_at_a_time = ONE_AT_A_TIME.lock().await;
    let env = TestEnv::new();
    let app = PathBuf::from(env!("CARGO_BIN_EXE_rekey-app"));
    let scheme = Arc::new(AtomicU32::new(1)); // prefer dark
    let portal = start_portal(scheme.clone());
    let driver = Driver::start_with(&env, &[("GTK_THEME", "Adwaita")]);
    let c = driver.session_with(&app, &["--demo"]).await;

    // The wizard aside, Settings shows Appearance on System (the default), and the window is dark
    // although the GTK theme, and so the media query, is light: the portal's word, read by Rekey.
    wait_for(&c, "[data-testid=wizard-skip]")
        .await
        .click()
        .await
        .unwrap();
    goto(&c, "settings").await;
    assert!(wait_for(&c, "[data-testid=theme-system]")
        .await
        .is_selected()
        .await
        .unwrap());
    wait_for_theme(&c, "dark").await;
    assert!(
        !theme(&c).await.1,
        "the media query says dark (did tao read the portal?): the test proves nothing"
    );
    look_at(&c, "60-theme-portal-dark.png").await;

    // The user switches the desktop to prefer light: the same page (no reload) turns light.
    c.execute("window.__rekeyThemeTest = 'same page';", vec![])
        .await
        .unwrap();
    scheme.store(2, Ordering::SeqCst);
    let iface = portal
        .object_server()
        .interface::<_, Settings>(PATH)
        .unwrap();
    zbus::block_on(Settings::setting_changed(
        iface.signal_emitter(),
        "org.freedesktop.appearance",
        "color-scheme",
        Value::U32(2),
    ))
    .unwrap();
    wait_for_theme(&c, "light").await;
    let same: String = c
        .execute("return window.__rekeyThemeTest || 'reloaded';", vec![])
        .await
        .unwrap()
        .convert()
        .unwrap();
    assert_eq!(same, "same page");
    look_at(&c, "61-theme-portal-light.png").await;

    // An explicit choice still wins over the portal.
    wait_for(&c, "[data-testid=theme-dark]")
        .await
        .click()
        .await
        .unwrap();
    wait_for_theme(&c, "dark").await;
    c.quit().await.unwrap();
    drop(driver);
}
