//! The Tauri shell. Commands only translate UI calls into engine calls; every rule lives in `rekey`.

mod commands;
mod tray;
mod watcher;

use tauri::{Manager, WindowEvent};

pub const MAIN_WINDOW: &str = "main";

/// Bring the main window back from the tray (or from behind other windows).
pub(crate) fn show_main_window<R: tauri::Runtime>(app: &tauri::AppHandle<R>) {
    if let Some(window) = app.get_webview_window(MAIN_WINDOW) {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}

pub fn run() {
    if let Some(msg) = display_problem() {
        eprintln!("{msg}");
        std::process::exit(2);
    }
    tauri::Builder::default()
        // Must be the first plugin: a second launch hands over to the running instance and exits.
        .plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
            show_main_window(app)
        }))
        .manage(commands::Drafts::default())
        .manage(tray::UiEvents::default())
        .manage(commands::Recovery::default())
        .manage(watcher::Live::default())
        .invoke_handler(tauri::generate_handler![
            commands::engine_info,
            commands::keychain_status,
            commands::scan,
            commands::links,
            commands::plan_rotation,
            commands::cancel_rotation,
            commands::confirm_rotation,
            commands::reveal_new_key,
            commands::history,
            commands::subscribe,
            commands::recovery_report,
            commands::lost_usages,
            commands::dismiss_lost,
            commands::restore_backup
        ])
        .setup(|app| {
            tray::create(app.handle())?;
            watcher::start(app.handle());
            // Finish or explain interrupted rotations before the user does anything else.
            commands::recover_at_start(app.handle());
            Ok(())
        })
        .on_window_event(|window, event| {
            // Closing the window hides it to the tray; "Quit" in the tray menu exits.
            if let WindowEvent::CloseRequested { api, .. } = event {
                if window.label() == MAIN_WINDOW {
                    api.prevent_close();
                    let _ = window.hide();
                }
            }
        })
        .run(tauri::generate_context!())
        .expect("error while running Rekey");
}

/// On Linux/BSD, GTK panics without a display; say what to do instead.
fn display_problem() -> Option<String> {
    if !cfg!(all(unix, not(target_os = "macos"))) {
        return None;
    }
    let set = |k: &str| std::env::var_os(k).is_some_and(|v| !v.is_empty());
    if set("DISPLAY") || set("WAYLAND_DISPLAY") {
        return None;
    }
    Some(
        "rekey-app: no display found (neither DISPLAY nor WAYLAND_DISPLAY is set).\n\
         Rekey is a desktop app: run it inside a graphical session. On a headless machine, use a virtual display:\n\
         \txvfb-run -a -s '-screen 0 1280x800x24' rekey-app\n\
         The command-line tool `rekey` works without a display."
            .to_string(),
    )
}
