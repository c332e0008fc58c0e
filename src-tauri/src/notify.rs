//! Desktop notifications (the official notification plugin; on Linux notify-rust, which it uses, to carry the
//! app's name and icon): a key that became due (the engine decides:
//! at most once a day per key, and never when turned off), and a rotation that finished or needs the user
//! while the window is not in front. Clicking is left to the OS: the tray and the window say the same.

use tauri::{AppHandle, Manager, Runtime};
#[cfg(not(target_os = "linux"))]
use tauri_plugin_notification::NotificationExt;

/// How often the app re-checks key ages while it sits in the tray.
pub const CHECK_EVERY: std::time::Duration = std::time::Duration::from_secs(60 * 60);

#[cfg(not(target_os = "linux"))]
fn show<R: Runtime>(app: &AppHandle<R>, n: &rekey::rotation::Notice) {
    if let Err(e) = app
        .notification()
        .builder()
        .title(&n.title)
        .body(&n.body)
        .show()
    {
        eprintln!("rekey-app: cannot show a notification: {e}");
    }
}

/// Linux: the app's name and icon on every notification (see Cargo.toml), sent off the calling thread
/// (a D-Bus round trip to the notification daemon).
#[cfg(target_os = "linux")]
fn show<R: Runtime>(app: &AppHandle<R>, n: &rekey::rotation::Notice) {
    let icon = icon_file(app);
    let (title, body) = (n.title.clone(), n.body.clone());
    std::thread::spawn(move || {
        let mut notification = notify_rust::Notification::new();
        notification.appname("Rekey").summary(&title).body(&body);
        if let Some(icon) = &icon {
            notification.icon(&icon.to_string_lossy());
        }
        if let Err(e) = notification.show() {
            eprintln!("rekey-app: cannot show a notification: {e}");
        }
    });
}

/// The app's icon as a file a notification daemon can read (written once to the app's cache folder: the
/// bundled icon is inside the binary).
#[cfg(target_os = "linux")]
fn icon_file<R: Runtime>(app: &AppHandle<R>) -> Option<std::path::PathBuf> {
    let path = app
        .path()
        .app_cache_dir()
        .ok()?
        .join("rekey-notification.png");
    if !path.is_file() {
        std::fs::create_dir_all(path.parent()?).ok()?;
        std::fs::write(&path, include_bytes!("../../icons/128x128.png")).ok()?;
    }
    Some(path)
}

/// Announce the keys of `report` that became due (the engine remembers what it announced).
pub fn due_keys<R: Runtime>(
    app: &AppHandle<R>,
    ctx: &rekey::context::Context,
    report: &rekey::scan::ScanReport,
) {
    match rekey::rotation::due_notices(ctx, report, jiff::Timestamp::now()) {
        Ok(notices) => notices.iter().for_each(|n| show(app, n)),
        Err(e) => eprintln!("rekey-app: cannot check key ages: {}", e.public_message()),
    }
}

/// Announce keys newly found committed or pushed (the engine decides which, once each).
pub fn exposed_keys<R: Runtime>(app: &AppHandle<R>, notices: &[rekey::rotation::Notice]) {
    notices.iter().for_each(|n| show(app, n));
}

/// Tell the user how a rotation ended, when the window is not in front.
pub fn rotation_outcome<R: Runtime>(
    app: &AppHandle<R>,
    provider: &str,
    outcome: &rekey::rotation::Outcome,
) {
    let in_front = app
        .get_webview_window(crate::MAIN_WINDOW)
        .is_some_and(|w| w.is_visible().unwrap_or(false) && w.is_focused().unwrap_or(false));
    if !in_front {
        show(app, &rekey::rotation::outcome_notice(provider, outcome));
    }
}

/// Re-check key ages every hour while the app runs (it may sit in the tray for days).
pub fn start_checks<R: Runtime>(app: &AppHandle<R>) {
    let app = app.clone();
    std::thread::spawn(move || loop {
        std::thread::sleep(CHECK_EVERY);
        if let Ok(ctx) = rekey::context::Context::from_os() {
            if let Ok(report) = ctx.scan() {
                crate::tray::refresh_from(&app, &ctx, &report);
            }
        }
    });
}
