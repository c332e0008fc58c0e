//! Tauri commands for the pre-commit guard (Settings > Keep keys out of git): each is one engine call
//! (`rekey::guard`), run off the main thread (they start git).

use rekey::guard::GuardStatus;

/// The project folders of the settings, each with its guard's state.
#[tauri::command(async)]
pub fn guard_status() -> Result<Vec<GuardStatus>, rekey::Error> {
    let ctx = rekey::context::Context::from_os()?;
    let mut folders = ctx.settings.project_folders;
    folders.sort();
    folders.dedup();
    Ok(folders.iter().map(|f| rekey::guard::status(f)).collect())
}

/// Install the guard in a project folder's repository (the `rekey` CLI beside the app runs the check).
#[tauri::command(async)]
pub fn guard_install(path: std::path::PathBuf) -> Result<GuardStatus, rekey::Error> {
    rekey::guard::install(&path, &rekey::protect::rekey_bin()?)?;
    Ok(rekey::guard::status(&path))
}

/// Remove it (the project's own hook, if it had one, is put back).
#[tauri::command(async)]
pub fn guard_uninstall(path: std::path::PathBuf) -> Result<GuardStatus, rekey::Error> {
    rekey::guard::uninstall(&path)?;
    Ok(rekey::guard::status(&path))
}
