//! Tauri commands for "add a server" (the wizard's step, and the Keys screen): the catalog, a plan held
//! here as a draft (the key pasted once crosses IPC as input only and goes into the keychain before the
//! plan is shown; it is never sent back), then the exact plan the user saw applied, or dropped (and the
//! keychain entry made for it removed). Each is one engine call.

use rekey::add::{AddApplied, AddPlan, AddRequest, Catalog};
use rekey::ipc::{AddDraft, Json};
use std::collections::HashMap;
use std::sync::Mutex;
use tauri::State;

/// Add plans the window is showing, by draft id, and whether the keychain entry was made for the draft.
#[derive(Default)]
pub struct AddDrafts(Mutex<HashMap<String, (AddPlan, bool)>>);

/// The providers a server can be set up for, their fields, the clients, and what is not offered.
#[tauri::command]
pub fn server_catalog() -> Catalog {
    rekey::add::catalog()
}

/// Step 1: check the request, ask the provider whether it accepts the key (the blocking HTTP client runs
/// off the async runtime's workers), keep the key in the keychain, and show the plan. Nothing is written.
#[tauri::command]
pub async fn plan_add_server(
    mut request: AddRequest,
    secret: String,
    drafts: State<'_, AddDrafts>,
    mode: State<'_, crate::Mode>,
) -> Result<AddDraft, rekey::Error> {
    // The demo checks and links the key against its fake of the provider, never the real one.
    if let (Some(demo), None) = (mode.demo.as_ref(), request.base_url.as_ref()) {
        request.base_url = demo.base_url_of(&request.provider);
    }
    let (plan, created) = tauri::async_runtime::spawn_blocking(move || {
        let ctx = rekey::context::Context::from_os()?;
        let plan = rekey::add::plan_add(
            &ctx,
            &rekey::providers::Http::from_env(),
            &request,
            rekey::Secret::new(secret),
        )?;
        let created = rekey::add::keep_key(&rekey::vault::Vault::default(), &plan)?;
        Ok::<_, rekey::Error>((plan, created))
    })
    .await
    .map_err(|e| crate::commands::task_failed("checking the key did not finish", e))??;
    // A protected plan has a reference of its own: one draft per keychain entry.
    let id = format!("add-{}-{}", plan.account, plan.server);
    let json = Json::of(&plan)?;
    let mut open = crate::lock(&drafts.0);
    let made_before = open.remove(&id).is_some_and(|(_, made)| made);
    open.insert(id.clone(), (plan, created || made_before));
    Ok(AddDraft {
        draft: id,
        plan: json,
    })
}

/// Step 2: write the planned entries and link the key (a key the provider refused only with
/// `write_anyway`: the plan stays open otherwise, for "Add anyway").
#[tauri::command(async)]
pub fn confirm_add_server(
    draft: String,
    write_anyway: bool,
    drafts: State<'_, AddDrafts>,
    app: tauri::AppHandle,
) -> Result<AddApplied, rekey::Error> {
    let (plan, _) = {
        let mut open = crate::lock(&drafts.0);
        // A refused key stays planned (for "Add anyway" or Cancel): checked before the draft is taken.
        if let Some(e) = open
            .get(&draft)
            .and_then(|(plan, _)| plan.refusal(write_anyway))
        {
            return Err(e);
        }
        open.remove(&draft).ok_or_else(|| {
            rekey::Error::InvalidInput(
                "this plan is no longer open: make a new one (nothing was changed)".into(),
            )
        })?
    };
    let ctx = rekey::context::Context::from_os()?;
    let applied =
        rekey::add::apply_add(&ctx, &rekey::vault::Vault::default(), &plan, write_anyway)?;
    crate::tray::refresh(&app);
    Ok(applied)
}

/// Drop a plan the user did not confirm, and the keychain entry made for it (off the main thread: the
/// keychain may take a moment).
#[tauri::command(async)]
pub fn cancel_add_server(draft: String, drafts: State<'_, AddDrafts>) -> Result<(), rekey::Error> {
    match crate::lock(&drafts.0).remove(&draft) {
        Some((plan, created)) => {
            rekey::add::forget_key(&rekey::vault::Vault::default(), &plan, created)
        }
        None => Ok(()),
    }
}
