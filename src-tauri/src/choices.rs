//! Tauri commands for what the user decides after a create-then-revoke rotation: put the old key back
//! (roll back), keep both keys and look, or revoke the old key once the new one is in every config.
//! Each is one engine call, off the async runtime's workers (blocking HTTP to the provider).

use rekey::rotation;

fn ctx() -> Result<rekey::context::Context, rekey::Error> {
    rekey::context::Context::from_os()
}

async fn blocking<T: Send + 'static>(
    what: &str,
    f: impl FnOnce() -> Result<T, rekey::Error> + Send + 'static,
) -> Result<T, rekey::Error> {
    tauri::async_runtime::spawn_blocking(f)
        .await
        .map_err(|e| crate::commands::task_failed(what, e))?
}

/// Put the old key back in every config and delete the new key at the provider.
#[tauri::command]
pub async fn rollback_rotation(
    rotation: String,
    app: tauri::AppHandle,
) -> Result<rotation::Recovered, rekey::Error> {
    let r = blocking("the roll back did not finish", move || {
        rotation::rollback(
            &ctx()?,
            &rekey::vault::Vault::default(),
            &rekey::providers::Http::from_env(),
            &rotation,
        )
    })
    .await;
    crate::tray::refresh(&app);
    r
}

/// After a failed verification: leave both keys live and the new key in the configs, to look first.
#[tauri::command(async)]
pub fn keep_both_keys(
    rotation: String,
    app: tauri::AppHandle,
) -> Result<rotation::Recovered, rekey::Error> {
    let r = rotation::keep_both(&ctx()?, &rotation);
    crate::tray::refresh(&app);
    r
}

/// Revoke the old key of a rotation whose revoke failed (or that kept both keys).
#[tauri::command]
pub async fn revoke_old_key(
    rotation: String,
    app: tauri::AppHandle,
) -> Result<rotation::Recovered, rekey::Error> {
    let r = blocking("revoking the old key did not finish", move || {
        rotation::revoke_old_rotation(
            &ctx()?,
            &rekey::vault::Vault::default(),
            &rekey::providers::Http::from_env(),
            &rotation,
        )
    })
    .await;
    crate::tray::refresh(&app);
    r
}
