//! The benchmark's baseline: one window, one command, a tray icon, nothing else.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

#[tauri::command]
fn ping() -> &'static str {
    "pong"
}

fn main() {
    tauri::Builder::default()
        .invoke_handler(tauri::generate_handler![ping])
        .setup(|app| {
            tauri::tray::TrayIconBuilder::new()
                .icon(tauri::image::Image::from_bytes(include_bytes!(
                    "../../../icons/tray/tray.png"
                ))?)
                .build(app)?;
            Ok(())
        })
        .run(tauri::generate_context!())
        .expect("empty app");
}
