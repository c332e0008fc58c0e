//! Tauri commands for "Replace manually…": the pasted key checked and a plan made (held here as a draft,
//! with the key, which never goes back to the window), then exactly that plan applied after the user
//! confirmed it, or dropped. Each is one engine call.

use rekey::ipc::{Json, ReplaceDraft};
use rekey::replace::{ManualOutcome, ManualPlan, Overrides, Target};
use std::collections::HashMap;
use std::sync::Mutex;
use tauri::State;

/// Manual-replace plans the window is showing, by draft id.
#[derive(Default)]
pub struct ReplaceDrafts(Mutex<HashMap<String, ManualPlan>>);

/// Step 1: the pasted key is validated (refused outright when it cannot be a key), its shape checked,
/// and, when the key is linked, checked with the provider (`anyway`: also when it does not have the
/// provider's shape). Nothing is written. The blocking HTTP client runs off the async runtime's workers.
#[tauri::command]
pub async fn plan_manual_replace(
    credential: String,
    secret: String,
    anyway: Option<bool>,
    drafts: State<'_, ReplaceDrafts>,
) -> Result<ReplaceDraft, rekey::Error> {
    let secret = rekey::Secret::new(secret);
    let id = credential.clone();
    let plan = tauri::async_runtime::spawn_blocking(move || {
        let ctx = rekey::context::Context::from_os()?;
        rekey::replace::plan_manual(
            &ctx,
            &rekey::providers::Http::from_env(),
            Target::Credential(&id),
            secret,
            anyway.unwrap_or(false),
        )
    })
    .await
    .map_err(|e| crate::commands::task_failed("checking the new key did not finish", e))??;
    let id = format!("replace-{}-{}", credential, plan.new_credential);
    let json = Json::of(&plan)?;
    crate::lock(&drafts.0).insert(id.clone(), plan);
    Ok(ReplaceDraft {
        draft: id,
        plan: json,
    })
}

/// Step 2: the plan the user confirmed, applied (`write_anyway`: the user chose to write a key its
/// provider refused).
#[tauri::command(async)]
pub fn confirm_manual_replace(
    draft: String,
    write_anyway: Option<bool>,
    drafts: State<'_, ReplaceDrafts>,
    app: tauri::AppHandle,
) -> Result<ManualOutcome, rekey::Error> {
    let plan = crate::lock(&drafts.0).remove(&draft).ok_or_else(|| {
        rekey::Error::InvalidInput(
            "this plan is no longer open: make a new one (nothing was changed)".into(),
        )
    })?;
    let ctx = rekey::context::Context::from_os()?;
    let overrides = Overrides {
        anyway: plan.anyway,
        write_anyway: write_anyway.unwrap_or(false),
    };
    let outcome = rekey::replace::apply_manual(&ctx, &plan, overrides)?;
    crate::tray::refresh(&app);
    Ok(outcome)
}

/// Drop a plan the user did not confirm (and the key it held).
#[tauri::command]
pub fn cancel_manual_replace(draft: String, drafts: State<'_, ReplaceDrafts>) {
    crate::lock(&drafts.0).remove(&draft);
}
