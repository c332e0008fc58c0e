//! Tauri commands: thin translations to engine calls. Errors cross as `{code, message}`.

use rekey::ipc::{AppMode, Json, PlanDraft};
use rekey::vault::{Vault, VaultStatus};
use rekey::EngineInfo;

/// The engine's version and the MCP client config files it looks at on this machine.
#[tauri::command(async)]
pub fn engine_info() -> Result<EngineInfo, rekey::Error> {
    rekey::engine_info()
}

/// Whether the OS keychain can be used right now.
#[tauri::command(async)]
pub fn keychain_status() -> VaultStatus {
    Vault::default().status()
}

/// Every MCP client config, its servers and slots, and the credentials (masked; no secret crosses IPC).
/// Also refreshes the tray's "Rotate … key" entries.
#[tauri::command(async)]
pub fn scan(
    app: tauri::AppHandle,
    live: State<'_, crate::watcher::Live>,
) -> Result<Json<rekey::scan::ScanReport>, rekey::Error> {
    let ctx = rekey::context::Context::from_os()?;
    let mut last = crate::lock(&live.last);
    // Watch before reading, so a write that lands during the scan is not missed.
    if let Some(before) = last.as_ref() {
        crate::watcher::follow(&app, &ctx.env, before);
    }
    let report = ctx.scan()?;
    crate::tray::refresh_from(&app, &ctx, &report);
    crate::watcher::follow(&app, &ctx.env, &report);
    // What a client's own rewrite made disappear since the previous scan becomes a restore offer.
    let lost = last
        .as_ref()
        .map(|before| rekey::restore::lost_by_clients(&ctx, before, &report))
        .unwrap_or_default();
    let mut offers = crate::lock(&live.offers);
    *offers = rekey::live::merge_lost(std::mem::take(&mut *offers), lost, &report);
    let serialized = Json::of(&report)?;
    *last = Some(report);
    Ok(serialized)
}

/// Key usages a client's own rewrite removed, with the backup that would bring them back.
#[tauri::command]
pub fn lost_usages(live: State<'_, crate::watcher::Live>) -> Vec<rekey::live::Lost> {
    crate::lock(&live.offers).clone()
}

/// The user chose not to restore: forget the offer for this file.
#[tauri::command]
pub fn dismiss_lost(path: std::path::PathBuf, live: State<'_, crate::watcher::Live>) {
    crate::lock(&live.offers).retain(|o| o.path != path);
}

/// Give a key a name of the user's (an empty name removes it).
#[tauri::command(async)]
pub fn name_key(key: String, name: String) -> Result<(), rekey::Error> {
    let ctx = rekey::context::Context::from_os()?;
    let id = ctx.key_id(&key)?;
    rekey::change::keys::Keys::new(&ctx.data_dir).set_name(&id, &name)
}

/// What restoring a backup would do (its warnings: a value in it that Rekey rotated away), for the
/// confirmation.
#[tauri::command(async)]
pub fn restore_plan(id: String) -> Result<rekey::restore::RestorePlan, rekey::Error> {
    let ctx = rekey::context::Context::from_os()?;
    rekey::restore::plan_restore(&ctx, &id)
}

/// Put a backup back (the UI showed the plan and the user confirmed): a change of the file's keys, the
/// current content backed up before. Refused with `plan_changed` when the file changed since the plan.
#[tauri::command(async)]
pub fn restore_backup(
    id: String,
    current: Option<String>,
) -> Result<rekey::edit::backup::BackupEntry, rekey::Error> {
    let ctx = rekey::context::Context::from_os()?;
    rekey::restore::restore_seen(&ctx, &id, current.as_deref())
}

/// The window subscribes once to tray actions ("rotate:<credential>").
#[tauri::command]
pub fn subscribe(channel: Channel<String>, events: State<'_, crate::tray::UiEvents>) {
    *crate::lock(&events.0) = Some(channel);
}

use rekey::rotation::{self, journal::Step, RotationPlan};
use std::collections::HashMap;
use std::sync::Mutex;
use tauri::ipc::Channel;
use tauri::{Manager, State};

/// Rotation plans the user is looking at (prepared, then confirmed or discarded).
#[derive(Default)]
pub struct Drafts {
    plans: Mutex<HashMap<String, RotationPlan>>,
}

/// Which credentials are linked to which provider (no secrets).
#[tauri::command(async)]
pub fn links() -> Result<HashMap<String, String>, rekey::Error> {
    let ctx = rekey::context::Context::from_os()?;
    let all = rotation::store::Links::new(&ctx.data_dir)
        .all()
        .map_err(|e| rekey::Error::io(&ctx.data_dir, e))?;
    Ok(all.into_iter().map(|(k, v)| (k, v.provider)).collect())
}

/// Step 1: plan. Nothing irreversible happens here.
#[tauri::command(async)]
pub fn plan_rotation(
    credential: String,
    drafts: State<'_, Drafts>,
) -> Result<PlanDraft, rekey::Error> {
    let ctx = rekey::context::Context::from_os()?;
    let plan = rotation::plan(
        &ctx,
        &rekey::vault::Vault::default(),
        &rekey::providers::Http::from_env(),
        &credential,
        None,
    )?;
    let id = format!(
        "draft-{}-{}",
        credential,
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    );
    let json = Json::of(&plan)?;
    crate::lock(&drafts.plans).insert(id.clone(), plan);
    Ok(PlanDraft {
        draft: id,
        plan: json,
    })
}

/// Cancel: the draft is dropped; nothing was called or written.
#[tauri::command]
pub fn cancel_rotation(draft: String, drafts: State<'_, Drafts>) {
    crate::lock(&drafts.plans).remove(&draft);
}

/// Step 2–3: the user typed the provider's name; run exactly the plan they saw, reporting each step.
/// The transaction does blocking I/O (HTTP, keychain, fsync), so it runs on a blocking thread, not on the
/// async runtime's workers.
#[tauri::command]
pub async fn confirm_rotation(
    draft: String,
    typed: String,
    despite_unparsed: Option<bool>,
    literal_in_tracked: Option<bool>,
    on_step: Channel<Step>,
    drafts: State<'_, Drafts>,
    app: tauri::AppHandle,
) -> Result<rotation::Outcome, rekey::Error> {
    let mut plan = crate::lock(&drafts.plans).remove(&draft).ok_or_else(|| {
        rekey::Error::InvalidInput("this plan is gone; plan the rotation again".into())
    })?;
    if !plan.is_confirmed_by(&typed) {
        // Keep the draft: the user may try again.
        let name = plan.provider_name;
        crate::lock(&drafts.plans).insert(draft, plan);
        return Err(rekey::Error::InvalidInput(format!(
            "type {name} to confirm"
        )));
    }
    if despite_unparsed == Some(true) {
        plan.go_ahead_despite_unparsed();
    }
    if literal_in_tracked == Some(true) {
        plan.write_literal_in_tracked();
    }
    let provider = plan.provider_name;
    let outcome = tauri::async_runtime::spawn_blocking(move || {
        let ctx = rekey::context::Context::from_os()?;
        let http = rekey::providers::Http::from_env();
        // `secret_to_show` is only set when the keychain refused the key: then this answer is its one copy.
        rotation::execute(
            &ctx,
            &rekey::vault::Vault::default(),
            &http,
            plan,
            false,
            &mut |s| {
                let _ = on_step.send(s);
            },
        )
    })
    .await
    .map_err(|e| task_failed("the rotation task failed", e))??;
    crate::notify::rotation_outcome(&app, provider, &outcome);
    Ok(outcome)
}

/// The one-time reveal of a rotation's new key: only for the token that rotation's outcome carried, once
/// (remembered across restarts by the engine).
#[tauri::command(async)]
pub fn reveal_new_key(token: String) -> Result<String, rekey::Error> {
    let ctx = rekey::context::Context::from_os()?;
    let secret = rotation::reveal(&ctx, &rekey::vault::Vault::default(), &token)?;
    Ok(secret.expose().to_string())
}

/// Copy a revealed key to the OS clipboard, from Rust (marked as a password for clipboard managers), and
/// clear it after 30 s if the clipboard still holds it; returns the seconds until the clear. (Off the main
/// thread: the clipboard may wait for another program.)
#[tauri::command(async)]
pub fn copy_secret(
    value: String,
    clipboard: tauri::State<'_, crate::clipboard::SecretClipboard>,
) -> Result<u64, rekey::Error> {
    clipboard.copy(rekey::Secret::new(value))
}

/// Finish an incomplete rotation (the user fixed what it listed): the key from the keychain goes into
/// every usage still on the old key. (Blocking HTTP: off the async runtime's workers.)
#[tauri::command]
pub async fn finish_rotation(rotation: String) -> Result<rotation::Recovered, rekey::Error> {
    tauri::async_runtime::spawn_blocking(move || {
        let ctx = rekey::context::Context::from_os()?;
        rotation::finish_rotation(
            &ctx,
            &rekey::vault::Vault::default(),
            &rekey::providers::Http::from_env(),
            &rotation,
        )
    })
    .await
    .map_err(|e| task_failed("finishing did not complete", e))?
}

/// The audit log, newest first (no secrets in it by construction).
#[tauri::command(async)]
pub fn history() -> Result<Vec<rotation::store::AuditEntry>, rekey::Error> {
    let ctx = rekey::context::Context::from_os()?;
    let mut lines = rotation::store::Audit::new(&ctx.data_dir)
        .entries()
        .map_err(|e| rekey::Error::io(&ctx.data_dir, e))?;
    lines.reverse();
    Ok(lines)
}

/// What recovery did at start-up (interrupted rotations finished from the keychain, or explained).
#[derive(Default)]
pub struct Recovery(pub Mutex<Option<Result<Vec<rotation::Recovered>, String>>>);

/// Run recovery once, at start-up, off the UI thread.
pub fn recover_at_start(app: &tauri::AppHandle) {
    let app = app.clone();
    tauri::async_runtime::spawn_blocking(move || {
        let result = rekey::context::Context::from_os().and_then(|ctx| {
            rotation::recover(
                &ctx,
                &rekey::vault::Vault::default(),
                &rekey::providers::Http::from_env(),
            )
        });
        *crate::lock(&app.state::<Recovery>().0) = Some(result.map_err(|e| e.public_message()));
    });
}

/// The start-up recovery's outcome: null while it runs.
#[tauri::command]
pub fn recovery_report(
    state: State<'_, Recovery>,
) -> Option<Result<Vec<rotation::Recovered>, String>> {
    crate::lock(&state.0).clone()
}

/// Whether this is the demo (`--demo`), and its throwaway home.
#[tauri::command]
pub fn app_mode(mode: State<'_, crate::Mode>) -> AppMode {
    AppMode {
        demo: mode.demo.is_some(),
        home: mode.demo.as_ref().map(|d| d.root.join("home")),
    }
}

/// The providers Rekey can rotate with, and the ids each needs for a link.
#[tauri::command]
pub fn providers() -> Vec<rotation::ProviderInfo> {
    rotation::provider_list()
}

/// Link a credential to a provider account (the engine checks the provider, the URL and the ids).
#[tauri::command(async)]
pub fn link_credential(
    credential: String,
    provider: String,
    base_url: Option<String>,
    ids: std::collections::BTreeMap<String, String>,
    app: tauri::AppHandle,
) -> Result<(), rekey::Error> {
    let ctx = rekey::context::Context::from_os()?;
    rotation::link(
        &ctx,
        &credential,
        rekey::providers::Link {
            provider,
            base_url,
            account: None,
            ids,
        },
    )?;
    crate::tray::refresh(&app);
    Ok(())
}

/// Ask the provider whether the key in the configs works (no rotation). The blocking HTTP client runs
/// off the async runtime's workers.
#[tauri::command]
pub async fn verify_credential(credential: String) -> Result<(), rekey::Error> {
    tauri::async_runtime::spawn_blocking(move || {
        let ctx = rekey::context::Context::from_os()?;
        rotation::verify(&ctx, &rekey::providers::Http::from_env(), &credential)
    })
    .await
    .map_err(|e| task_failed("verification did not finish", e))?
}

/// Every backup Rekey took, newest first (no contents).
#[tauri::command(async)]
pub fn backups() -> Result<Vec<rekey::edit::backup::BackupEntry>, rekey::Error> {
    let ctx = rekey::context::Context::from_os()?;
    let mut list = ctx
        .backups()
        .list()
        .map_err(|e| rekey::Error::io(ctx.backups().dir(), e))?;
    list.reverse();
    Ok(list)
}

/// Delete every backup that holds the key `key` names (a credential id as the scan shows it, or a
/// `rekey://` reference), in any form; what was deleted (the UI confirmed first).
#[tauri::command(async)]
pub fn purge_backups(
    key: String,
    ids: Vec<String>,
) -> Result<Vec<rekey::edit::backup::BackupEntry>, rekey::Error> {
    let ctx = rekey::context::Context::from_os()?;
    rekey::protect::purge::purge_shown(&ctx, &Vault::default(), &key, &ids)
}

/// The backups that hold a key (no contents), for the purge's confirmation.
#[tauri::command(async)]
pub fn plan_purge(key: String) -> Result<Vec<rekey::edit::backup::BackupEntry>, rekey::Error> {
    let ctx = rekey::context::Context::from_os()?;
    Ok(rekey::protect::purge::plan_purge(&ctx, &Vault::default(), &key)?.backups)
}

/// Each key's age (since its rotation or since Rekey first saw it) and whether it is past the max age.
#[tauri::command(async)]
pub fn key_ages(
    live: State<'_, crate::watcher::Live>,
) -> Result<Vec<rotation::KeyAge>, rekey::Error> {
    let ctx = rekey::context::Context::from_os()?;
    let last = crate::lock(&live.last);
    match last.as_ref() {
        Some(report) => rotation::key_ages(&ctx, report, jiff::Timestamp::now()),
        None => rotation::key_ages(&ctx, &ctx.scan()?, jiff::Timestamp::now()),
    }
}

/// Rekey's settings (no secrets in them).
#[tauri::command(async)]
pub fn settings() -> Result<rekey::context::Settings, rekey::Error> {
    Ok(rekey::context::Context::from_os()?.settings)
}

/// Check and save the settings; the tray and the window's ages follow.
#[tauri::command(async)]
pub fn save_settings(
    settings: rekey::context::Settings,
    app: tauri::AppHandle,
) -> Result<(), rekey::Error> {
    rekey::context::Context::from_os()?.save_settings(settings)?;
    crate::tray::refresh(&app);
    Ok(())
}

/// Which providers need an admin credential and whether it is stored (masked; never the value).
#[tauri::command(async)]
pub fn admin_credentials() -> Vec<rotation::AdminCredential> {
    rotation::admin_credentials(&Vault::default())
}

/// Store an admin credential typed in the window. It goes straight into the keychain and is never sent
/// back to the window.
#[tauri::command(async)]
pub fn store_admin_credential(provider: String, secret: String) -> Result<(), rekey::Error> {
    let secret = rekey::Secret::new(secret);
    rotation::store_admin_credential(&Vault::default(), &provider, &secret)
}

/// Open the folder of a config file Rekey knows about in the desktop's file manager.
#[tauri::command(async)]
pub fn open_folder(path: std::path::PathBuf) -> Result<(), rekey::Error> {
    let ctx = rekey::context::Context::from_os()?;
    let report = ctx.scan()?;
    if !report.files.iter().any(|f| f.path == path) {
        return Err(rekey::Error::InvalidInput(format!(
            "{} is not a config file Rekey knows",
            path.display()
        )));
    }
    let dir = path.parent().unwrap_or(&path).to_path_buf();
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    std::process::Command::new(opener)
        .arg(&dir)
        .spawn()
        .map(|_| ())
        .map_err(|e| rekey::Error::io(&dir, e))
}

/// No settings yet: the window greets the user with the setup wizard (finishing or skipping saves them).
#[tauri::command(async)]
pub fn first_run() -> Result<bool, rekey::Error> {
    let ctx = rekey::context::Context::from_os()?;
    Ok(!ctx.data_dir.join("settings.json").exists())
}

/// Whether Rekey starts (in the tray) when the user logs in.
#[tauri::command]
pub fn launch_at_login(app: tauri::AppHandle) -> Result<bool, rekey::Error> {
    use tauri_plugin_autostart::ManagerExt;
    app.autolaunch()
        .is_enabled()
        .map_err(|e| rekey::Error::InvalidInput(format!("cannot read the login item: {e}")))
}

/// Turn launch at login on or off (not in the demo, which must not leave anything behind).
#[tauri::command]
pub fn set_launch_at_login(
    enabled: bool,
    app: tauri::AppHandle,
    mode: State<'_, crate::Mode>,
) -> Result<(), rekey::Error> {
    use tauri_plugin_autostart::ManagerExt;
    if mode.demo.is_some() {
        return Err(rekey::Error::InvalidInput(
            "the demo does not change your login items".into(),
        ));
    }
    let al = app.autolaunch();
    if enabled { al.enable() } else { al.disable() }
        .map_err(|e| rekey::Error::InvalidInput(format!("cannot change the login item: {e}")))
}

/// Wizard: the Activepieces project's MCP servers (names and ids; their tokens stay in Rust).
#[tauri::command]
pub async fn activepieces_servers(
    base_url: Option<String>,
    project_id: String,
) -> Result<Vec<rotation::RemoteServerChoice>, rekey::Error> {
    tauri::async_runtime::spawn_blocking(move || {
        rotation::activepieces_servers(
            &Vault::default(),
            &rekey::providers::Http::from_env(),
            base_url.as_deref(),
            &project_id,
        )
    })
    .await
    .map_err(|e| task_failed("listing did not finish", e))?
}

/// Wizard: write an Activepieces MCP server into the chosen clients and link its key.
#[tauri::command]
pub async fn add_activepieces_server(
    base_url: Option<String>,
    project_id: String,
    server_id: String,
    clients: Vec<rekey::clients::ClientId>,
) -> Result<Vec<rotation::Added>, rekey::Error> {
    tauri::async_runtime::spawn_blocking(move || {
        let ctx = rekey::context::Context::from_os()?;
        rotation::add_activepieces_server(
            &ctx,
            &Vault::default(),
            &rekey::providers::Http::from_env(),
            base_url.as_deref(),
            &project_id,
            &server_id,
            &clients,
        )
    })
    .await
    .map_err(|e| task_failed("adding did not finish", e))?
}

/// A blocking task that did not return: its join error can quote a panic's payload (a config value, a
/// key), so only a fixed text crosses to the window.
pub(crate) fn task_failed(what: &str, e: tauri::Error) -> rekey::Error {
    let _ = e;
    rekey::Error::InvalidInput(format!(
        "{what}: Rekey hit an internal error (details withheld: they may contain secret material)"
    ))
}

/// Clients that keep their MCP servers where Rekey cannot read them: (name, why), for the Clients screen.
#[tauri::command]
pub fn not_scannable_clients() -> Vec<(&'static str, &'static str)> {
    rekey::clients::not_scannable().to_vec()
}

/// The linked keys that are due, oldest first: the queue "Rotate due keys…" walks, one plan each.
#[tauri::command(async)]
pub fn due_rotatable() -> Result<Vec<String>, rekey::Error> {
    let ctx = rekey::context::Context::from_os()?;
    Ok(rotation::tray_status(&ctx)?.due_rotatable)
}
