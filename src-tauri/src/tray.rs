//! The tray icon and its menu.

use tauri::image::Image;
use tauri::menu::{Menu, MenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Runtime};

pub const OPEN: &str = "open";
pub const QUIT: &str = "quit";

/// The menu's entries (id, label), in order. Later issues add "Rotate … key" entries from engine state.
pub fn menu_entries() -> Vec<(&'static str, String)> {
    vec![(OPEN, "Open Rekey".to_string()), (QUIT, "Quit".to_string())]
}

/// What a menu click does.
#[derive(Debug, PartialEq, Eq)]
pub enum Action {
    ShowWindow,
    Quit,
    Ignore,
}

pub fn action_for(id: &str) -> Action {
    match id {
        OPEN => Action::ShowWindow,
        QUIT => Action::Quit,
        _ => Action::Ignore,
    }
}

pub fn create<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<()> {
    let items = menu_entries()
        .into_iter()
        .map(|(id, label)| MenuItem::with_id(app, id, label, true, None::<&str>))
        .collect::<tauri::Result<Vec<_>>>()?;
    let refs: Vec<&dyn tauri::menu::IsMenuItem<R>> = items.iter().map(|i| i as _).collect();
    let menu = Menu::with_items(app, &refs)?;
    TrayIconBuilder::with_id("rekey")
        .icon(Image::from_bytes(include_bytes!("../../icons/tray/tray.png"))?)
        .tooltip("Rekey")
        .menu(&menu)
        .on_menu_event(|app, event| match action_for(event.id().as_ref()) {
            Action::ShowWindow => crate::show_main_window(app),
            Action::Quit => app.exit(0),
            Action::Ignore => {}
        })
        .build(app)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn menu_has_open_then_quit_and_each_entry_has_an_action() {
        let entries = menu_entries();
        let labels: Vec<&str> = entries.iter().map(|(_, l)| l.as_str()).collect();
        assert_eq!(labels, ["Open Rekey", "Quit"]);
        assert_eq!(action_for(entries[0].0), Action::ShowWindow);
        assert_eq!(action_for(entries[1].0), Action::Quit);
        assert_eq!(action_for("something-else"), Action::Ignore);
    }
}
