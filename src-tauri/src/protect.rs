//! Tauri commands for Protect: take a key out of its config files (`rekey://` references resolved from the
//! keychain by `rekey exec`). A plan first, held here as a draft, then the exact plan the user saw applied,
//! or dropped. Each is one engine call.

use rekey::ipc::{Json, ProtectDraft, UnprotectDraft};
use rekey::protect::{Applied, ProtectPlan, UnprotectPlan};
use std::collections::HashMap;
use std::sync::Mutex;
use tauri::State;

/// Protect plans the window is showing, by draft id.
#[derive(Default)]
pub struct ProtectDrafts(Mutex<HashMap<String, ProtectPlan>>);

/// Unprotect plans the window is showing, by draft id.
#[derive(Default)]
pub struct UnprotectDrafts(Mutex<HashMap<String, UnprotectPlan>>);

/// Step 1: which usages would hold `rekey://<id>`, which servers get wrapped, what stays literal and why.
/// `via_mcp_remote`: the remote servers (ids from the plan's `remote`) the user ticked to run through
/// mcp-remote; none by default. Nothing is written.
#[tauri::command(async)]
pub fn plan_protection(
    credential: String,
    via_mcp_remote: Option<Vec<String>>,
    drafts: State<'_, ProtectDrafts>,
) -> Result<ProtectDraft, rekey::Error> {
    let ctx = rekey::context::Context::from_os()?;
    let choice = match via_mcp_remote {
        Some(ids) if !ids.is_empty() => rekey::protect::Choice::Only(ids),
        _ => rekey::protect::Choice::None,
    };
    let plan = rekey::protect::plan_protect_with(&ctx, &credential, choice)?;
    let id = format!("protect-{}-{}", credential, plan.reference);
    let json = Json::of(&plan)?;
    crate::lock(&drafts.0).insert(id.clone(), plan);
    Ok(ProtectDraft {
        draft: id,
        plan: json,
    })
}

/// Step 2: the key into the keychain first, then every planned file rewritten (locked, backed up).
#[tauri::command(async)]
pub fn confirm_protection(
    draft: String,
    drafts: State<'_, ProtectDrafts>,
    app: tauri::AppHandle,
) -> Result<Applied, rekey::Error> {
    let plan = crate::lock(&drafts.0).remove(&draft).ok_or_else(|| {
        rekey::Error::InvalidInput(
            "this plan is no longer open: make a new one (nothing was changed)".into(),
        )
    })?;
    let ctx = rekey::context::Context::from_os()?;
    let applied = rekey::protect::apply_protect(&ctx, &rekey::vault::Vault::default(), &plan)?;
    crate::tray::refresh(&app);
    Ok(applied)
}

/// Drop a plan the user did not confirm.
#[tauri::command]
pub fn cancel_protection(draft: String, drafts: State<'_, ProtectDrafts>) {
    crate::lock(&drafts.0).remove(&draft);
}

/// Unprotect, step 1: which usages of the key's reference get the key back, which entries stop going
/// through `rekey exec`. The key is read from the keychain but never sent to the window. Nothing is written.
#[tauri::command(async)]
pub fn plan_unprotection(
    credential: String,
    drafts: State<'_, UnprotectDrafts>,
) -> Result<UnprotectDraft, rekey::Error> {
    let ctx = rekey::context::Context::from_os()?;
    let plan = rekey::protect::plan_unprotect(&ctx, &rekey::vault::Vault::default(), &credential)?;
    let id = format!("unprotect-{}-{}", credential, plan.references.join("+"));
    let json = Json::of(&plan)?;
    crate::lock(&drafts.0).insert(id.clone(), plan);
    Ok(UnprotectDraft {
        draft: id,
        plan: json,
    })
}

/// Unprotect, step 2: the plan the user saw, applied (each file locked, re-checked, backed up).
#[tauri::command(async)]
pub fn confirm_unprotection(
    draft: String,
    drafts: State<'_, UnprotectDrafts>,
    app: tauri::AppHandle,
) -> Result<Applied, rekey::Error> {
    let plan = crate::lock(&drafts.0).remove(&draft).ok_or_else(|| {
        rekey::Error::InvalidInput(
            "this plan is no longer open: make a new one (nothing was changed)".into(),
        )
    })?;
    let ctx = rekey::context::Context::from_os()?;
    let applied = rekey::protect::apply_unprotect(&ctx, &rekey::vault::Vault::default(), &plan)?;
    crate::tray::refresh(&app);
    Ok(applied)
}

/// Drop an unprotect plan the user did not confirm.
#[tauri::command]
pub fn cancel_unprotection(draft: String, drafts: State<'_, UnprotectDrafts>) {
    crate::lock(&drafts.0).remove(&draft);
}
