//! The tray icon and its menu: a status line, keys to finish and to rotate (from engine state), then
//! "Open Rekey", "Quit", the groups apart. A rotate entry only opens the rotate flow in the window; nothing
//! rotates without its confirm step. The icon has a variant (a dot) when something needs the user.

use tauri::image::Image;
use tauri::ipc::Channel;
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Manager, Runtime};

pub const OPEN: &str = "open";
pub const QUIT: &str = "quit";
pub const ROTATE: &str = "rotate:";
/// Rotate every due key, one plan and one confirmation after the other.
pub const ROTATE_DUE: &str = "rotate-due";
/// Open a key's screen (where an incomplete rotation offers Finish).
pub const DETAILS: &str = "details:";
const TRAY_ID: &str = "rekey";

/// One line of the tray menu.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    /// The status line at the top: shown, not clickable.
    Status(String),
    Separator,
    /// (id, label)
    Item(String, String),
}

/// The menu, in order: the status line; one "Finish … rotation" per incomplete rotation (a config still
/// holds a dead key: that comes first); "Rotate due keys…" when several linked keys are due and one
/// "Rotate … key" per linked credential (due ones first); then Open and Quit. A separator between groups.
pub fn menu_entries(
    status_line: &str,
    finish: &[(String, String)],
    due: usize,
    rotatable: &[(String, String)],
) -> Vec<Entry> {
    let mut v = vec![Entry::Status(status_line.to_string()), Entry::Separator];
    if !finish.is_empty() {
        v.extend(
            finish
                .iter()
                .map(|(cred, label)| Entry::Item(format!("{DETAILS}{cred}"), label.clone())),
        );
        v.push(Entry::Separator);
    }
    if due > 1 {
        v.push(Entry::Item(
            ROTATE_DUE.to_string(),
            format!("Rotate the {due} due keys (one plan each)…"),
        ));
    }
    v.extend(
        rotatable
            .iter()
            .map(|(cred, label)| Entry::Item(format!("{ROTATE}{cred}"), label.clone())),
    );
    if due > 1 || !rotatable.is_empty() {
        v.push(Entry::Separator);
    }
    v.push(Entry::Item(OPEN.to_string(), "Open Rekey".to_string()));
    v.push(Entry::Item(QUIT.to_string(), "Quit".to_string()));
    v
}

/// What a menu click does.
#[derive(Debug, PartialEq, Eq)]
pub enum Action {
    ShowWindow,
    /// Open the window at step 1 of the rotate flow for this credential.
    Rotate(String),
    /// Open the window on this credential's screen.
    Details(String),
    /// Open the window and walk through the due keys' rotations, each confirmed.
    RotateDue,
    Quit,
    Ignore,
}

pub fn action_for(id: &str) -> Action {
    match id {
        OPEN => Action::ShowWindow,
        QUIT => Action::Quit,
        ROTATE_DUE => Action::RotateDue,
        _ => match (id.strip_prefix(ROTATE), id.strip_prefix(DETAILS)) {
            (Some(cred), _) if !cred.is_empty() => Action::Rotate(cred.to_string()),
            (_, Some(cred)) if !cred.is_empty() => Action::Details(cred.to_string()),
            _ => Action::Ignore,
        },
    }
}

/// Where tray actions reach the window: a channel the UI subscribes at start (no event permission needed).
#[derive(Default)]
pub struct UiEvents(pub std::sync::Mutex<Option<Channel<String>>>);

/// Rotate entries (due keys first) and the tooltip's counts, from engine state.
fn status() -> rekey::rotation::TrayStatus {
    rekey::context::Context::from_os()
        .and_then(|ctx| rekey::rotation::tray_status(&ctx))
        .unwrap_or_default()
}

fn build_menu<R: Runtime>(
    app: &AppHandle<R>,
    status: &rekey::rotation::TrayStatus,
) -> tauri::Result<Menu<R>> {
    let menu = Menu::new(app)?;
    let entries = menu_entries(
        &status.status_line(),
        &status.finish,
        status.due_rotatable.len(),
        &status.entries,
    );
    for e in entries {
        match e {
            Entry::Status(text) => menu.append(&MenuItem::with_id(
                app,
                "status",
                text,
                false,
                None::<&str>,
            )?)?,
            Entry::Separator => menu.append(&PredefinedMenuItem::separator(app)?)?,
            Entry::Item(id, label) => {
                menu.append(&MenuItem::with_id(app, id, label, true, None::<&str>)?)?
            }
        }
    }
    Ok(menu)
}

pub fn handle<R: Runtime>(app: &AppHandle<R>, id: &str) {
    match action_for(id) {
        Action::ShowWindow => crate::show_main_window(app),
        Action::Rotate(cred) => {
            crate::show_main_window(app);
            send_to_window(app, &format!("{ROTATE}{cred}"));
        }
        Action::Details(cred) => {
            crate::show_main_window(app);
            send_to_window(app, &format!("{DETAILS}{cred}"));
        }
        Action::RotateDue => {
            crate::show_main_window(app);
            send_to_window(app, ROTATE_DUE);
        }
        Action::Quit => app.exit(0),
        Action::Ignore => {}
    }
}

/// Send an event to the window's subscribed channel (if it subscribed yet).
pub fn send_to_window<R: Runtime>(app: &AppHandle<R>, event: &str) {
    if let Some(ch) = crate::lock(&app.state::<UiEvents>().0).as_ref() {
        let _ = ch.send(event.to_string());
    }
}

/// The tray icon: the plain one, or the one with a dot when something needs the user.
fn icon(attention: bool) -> tauri::Result<Image<'static>> {
    Image::from_bytes(if attention {
        include_bytes!("../../icons/tray/tray-attention.png")
    } else {
        include_bytes!("../../icons/tray/tray.png")
    })
}

pub fn create<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<()> {
    let status = status();
    TrayIconBuilder::with_id(TRAY_ID)
        .icon(icon(status.needs_attention())?)
        .tooltip(status.tooltip())
        .menu(&build_menu(app, &status)?)
        .on_menu_event(|app, event| handle(app, event.id().as_ref()))
        .build(app)?;
    Ok(())
}

/// Rebuild the menu from the engine's current state (after a rotation, a link, a settings change).
pub fn refresh<R: Runtime>(app: &AppHandle<R>) {
    apply(app, status());
}

/// Rebuild the menu from a scan the caller just made (no second scan).
pub fn refresh_from<R: Runtime>(
    app: &AppHandle<R>,
    ctx: &rekey::context::Context,
    report: &rekey::scan::ScanReport,
) {
    apply(
        app,
        rekey::rotation::tray_status_of(ctx, report).unwrap_or_default(),
    );
    crate::notify::due_keys(app, ctx, report);
}

fn apply<R: Runtime>(app: &AppHandle<R>, status: rekey::rotation::TrayStatus) {
    if let (Some(tray), Ok(menu)) = (app.tray_by_id(TRAY_ID), build_menu(app, &status)) {
        let _ = tray.set_menu(Some(menu));
        let _ = tray.set_tooltip(Some(status.tooltip()));
        if let Ok(i) = icon(status.needs_attention()) {
            let _ = tray.set_icon(Some(i));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_to_rotate_come_first_then_open_and_quit() {
        let entries = menu_entries(
            "1 key due · 1 rotation to finish",
            &[(
                "cred_0".into(),
                "Finish the BitScale rotation (a config holds a dead key)…".into(),
            )],
            1,
            &[("cred_1".into(), "Rotate BitScale key (sk-l…9f2c)…".into())],
        );
        let item = |id: &str, label: &str| Entry::Item(id.into(), label.into());
        assert_eq!(
            entries,
            [
                Entry::Status("1 key due · 1 rotation to finish".into()),
                Entry::Separator,
                item(
                    "details:cred_0",
                    "Finish the BitScale rotation (a config holds a dead key)…"
                ),
                Entry::Separator,
                item("rotate:cred_1", "Rotate BitScale key (sk-l…9f2c)…"),
                Entry::Separator,
                item("open", "Open Rekey"),
                item("quit", "Quit"),
            ]
        );
        assert_eq!(
            action_for("details:cred_0"),
            Action::Details("cred_0".into())
        );
        assert_eq!(action_for("rotate:cred_1"), Action::Rotate("cred_1".into()));
        assert_eq!(action_for("open"), Action::ShowWindow);
        assert_eq!(action_for("quit"), Action::Quit);
        assert_eq!(action_for("status"), Action::Ignore);
        assert_eq!(action_for("rotate:"), Action::Ignore);
        assert_eq!(action_for("details:"), Action::Ignore);
        assert_eq!(action_for("something-else"), Action::Ignore);
        // Nothing to do: the status line, Open and Quit.
        assert_eq!(
            menu_entries("All keys up to date", &[], 0, &[]),
            [
                Entry::Status("All keys up to date".into()),
                Entry::Separator,
                item("open", "Open Rekey"),
                item("quit", "Quit"),
            ]
        );
        // Several due keys: one entry walks through them all (after any Finish entries).
        let entries = menu_entries(
            "2 keys due",
            &[],
            2,
            &[
                (
                    "cred_1".into(),
                    "Rotate BitScale key (sk-l…9f2c) (due)…".into(),
                ),
                (
                    "cred_2".into(),
                    "Rotate Fruxon key (fx_l…1234) (due)…".into(),
                ),
            ],
        );
        assert_eq!(
            entries[2],
            item("rotate-due", "Rotate the 2 due keys (one plan each)…")
        );
        assert_eq!(action_for("rotate-due"), Action::RotateDue);
    }
}
