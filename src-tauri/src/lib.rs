//! The Tauri shell. Commands only translate UI calls into engine calls; every rule lives in `rekey`.

mod add;
mod choices;
mod clipboard;
mod commands;
mod demo;
mod exposure;
mod guard;
mod notify;
mod protect;
mod replace;
mod theme;
mod tray;
mod watcher;

use tauri::{Manager, WindowEvent};

/// Lock shared state even if a command panicked while holding it. The state is plain data (a scan
/// report, drafts, a channel) that stays usable, and a poisoned lock would otherwise fail every later
/// command until the app restarts.
pub(crate) fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

pub const MAIN_WINDOW: &str = "main";

/// Bring the main window back from the tray (or from behind other windows).
pub(crate) fn show_main_window<R: tauri::Runtime>(app: &tauri::AppHandle<R>) {
    if let Some(window) = app.get_webview_window(MAIN_WINDOW) {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
}

/// Normal, or the demo (`--demo`) with its throwaway home.
#[derive(Default)]
pub struct Mode {
    pub demo: Option<demo::Demo>,
}

/// Point the whole process at a fresh throwaway home with sample configs and in-process fake providers.
/// Runs before anything else starts (no other threads yet), so changing the environment is safe.
fn start_demo() -> demo::Demo {
    let root = std::env::temp_dir().join(format!("rekey-demo-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let made = std::fs::create_dir_all(&root);
    #[cfg(unix)]
    let made = made.and_then(|()| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o700))
    });
    if let Err(e) = made {
        eprintln!(
            "rekey-app: cannot create the demo home {}: {e}",
            root.display()
        );
        std::process::exit(1);
    }
    for (k, v) in demo::env_for(&root) {
        std::env::set_var(k, v);
    }
    for (k, v) in demo::OFFLINE_ENV {
        std::env::set_var(k, v);
    }
    std::env::set_var("REKEY_KEYCHAIN_SERVICE", demo::KEYCHAIN_SERVICE);
    let demo = demo::prepare(&root).and_then(|d| {
        demo::link(&d).map_err(|e| std::io::Error::other(e.to_string()))?;
        Ok(d)
    });
    match demo {
        Ok(d) => {
            eprintln!(
                "rekey-app: demo mode: throwaway home {} and fake providers at {}",
                root.display(),
                d.fakes.url
            );
            d
        }
        Err(e) => {
            eprintln!("rekey-app: cannot prepare the demo: {e}");
            demo::clean_up(&root);
            std::process::exit(1);
        }
    }
}

/// How many times a launch starts again when the instance it handed over to disappeared.
const START_ATTEMPTS: u32 = 5;
const START_ATTEMPT_VAR: &str = "REKEY_START_ATTEMPT";

/// Replace this process with a fresh start of the same program (same arguments, same pid on Unix), after
/// a short wait that lets the session bus release the old instance's name.
fn restart_as_only_instance(reason: &str) -> ! {
    let attempt: u32 = std::env::var(START_ATTEMPT_VAR)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
        + 1;
    if attempt > START_ATTEMPTS {
        eprintln!(
            "rekey-app: cannot start: another Rekey is running and does not answer ({reason})"
        );
        std::process::exit(1);
    }
    eprintln!("rekey-app: the running Rekey went away while this launch handed over to it ({reason}); starting again (attempt {attempt})");
    std::thread::sleep(std::time::Duration::from_millis(250 * u64::from(attempt)));
    let exe = std::env::current_exe().unwrap_or_else(|e| {
        eprintln!("rekey-app: cannot start again: {e}");
        std::process::exit(1);
    });
    let mut cmd = std::process::Command::new(exe);
    cmd.args(std::env::args_os().skip(1))
        .env(START_ATTEMPT_VAR, attempt.to_string());
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        let e = cmd.exec();
        eprintln!("rekey-app: cannot start again: {e}");
        std::process::exit(1);
    }
    #[cfg(not(unix))]
    {
        match cmd.spawn() {
            Ok(_) => std::process::exit(0),
            Err(e) => {
                eprintln!("rekey-app: cannot start again: {e}");
                std::process::exit(1);
            }
        }
    }
}

pub fn run() {
    // A panic's message may hold secret material: print only where it happened.
    rekey::panic::install_hook();
    if let Some(msg) = display_problem() {
        eprintln!("{msg}");
        std::process::exit(2);
    }
    let demo = std::env::args()
        .skip(1)
        .any(|a| a == "--demo")
        .then(start_demo);
    let is_demo = demo.is_some();
    let mut builder = tauri::Builder::default();
    if !is_demo {
        // Must be the first plugin: a second launch hands over to the running instance and exits.
        // (A demo is its own throwaway world and does not hand over to a real instance.)
        builder = builder.plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
            show_main_window(app)
        }));
    }
    let app = builder
        // Launch at login (a Settings switch; off unless the user turns it on). The plugin's own JS
        // commands are not granted to the window: Rekey's commands below call it.
        .plugin(tauri_plugin_autostart::init(
            tauri_plugin_autostart::MacosLauncher::LaunchAgent,
            Some(vec!["--hidden"]),
        ))
        .plugin(tauri_plugin_notification::init())
        .manage(Mode { demo })
        .manage(commands::Drafts::default())
        .manage(protect::ProtectDrafts::default())
        .manage(protect::UnprotectDrafts::default())
        .manage(replace::ReplaceDrafts::default())
        .manage(add::AddDrafts::default())
        .manage(tray::UiEvents::default())
        .manage(commands::Recovery::default())
        .manage(watcher::Live::default())
        .manage(clipboard::SecretClipboard::default())
        .invoke_handler(tauri::generate_handler![
            commands::engine_info,
            commands::keychain_status,
            commands::scan,
            commands::links,
            commands::plan_rotation,
            commands::cancel_rotation,
            commands::confirm_rotation,
            commands::reveal_new_key,
            commands::copy_secret,
            commands::history,
            commands::subscribe,
            commands::recovery_report,
            commands::finish_rotation,
            commands::lost_usages,
            commands::dismiss_lost,
            commands::restore_backup,
            commands::restore_plan,
            commands::name_key,
            commands::app_mode,
            commands::providers,
            commands::link_credential,
            commands::verify_credential,
            commands::backups,
            commands::purge_backups,
            commands::plan_purge,
            commands::key_ages,
            commands::settings,
            commands::save_settings,
            commands::admin_credentials,
            commands::store_admin_credential,
            commands::open_folder,
            commands::first_run,
            commands::launch_at_login,
            commands::set_launch_at_login,
            commands::activepieces_servers,
            commands::add_activepieces_server,
            commands::not_scannable_clients,
            commands::due_rotatable,
            choices::rollback_rotation,
            choices::keep_both_keys,
            choices::revoke_old_key,
            protect::plan_protection,
            protect::confirm_protection,
            protect::cancel_protection,
            protect::plan_unprotection,
            protect::confirm_unprotection,
            protect::cancel_unprotection,
            replace::plan_manual_replace,
            replace::confirm_manual_replace,
            replace::cancel_manual_replace,
            add::server_catalog,
            add::plan_add_server,
            add::confirm_add_server,
            add::cancel_add_server,
            theme::os_color_scheme,
            exposure::exposure,
            guard::guard_status,
            guard::guard_install,
            guard::guard_uninstall
        ])
        .setup(move |app| {
            // Started at login: stay in the tray until the user opens the window.
            if std::env::args().any(|a| a == "--hidden") {
                if let Some(w) = app.get_webview_window(MAIN_WINDOW) {
                    let _ = w.hide();
                }
            }
            if is_demo {
                if let Some(w) = app.get_webview_window(MAIN_WINDOW) {
                    let _ = w.set_title("Rekey — demo");
                }
            }
            tray::create(app.handle())?;
            watcher::start(app.handle());
            notify::start_checks(app.handle());
            theme::start(app.handle());
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
        .build(tauri::generate_context!());
    let app = match app {
        Ok(app) => app,
        // The running instance went away while this launch handed over to it (it was quitting): start
        // again, now as the only instance.
        Err(tauri::Error::PluginInitialization(plugin, reason)) if plugin == "single-instance" => {
            restart_as_only_instance(&reason)
        }
        Err(e) => {
            eprintln!("rekey-app: cannot start: {e}");
            std::process::exit(1);
        }
    };
    app.run(|app, event| {
        if let tauri::RunEvent::Exit = event {
            // A key copied less than 30 s ago: its clear would die with the app.
            app.state::<clipboard::SecretClipboard>().clear_now();
            if let Some(d) = app.state::<Mode>().demo.as_ref() {
                demo::clean_up(&d.root);
            }
        }
    });
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
