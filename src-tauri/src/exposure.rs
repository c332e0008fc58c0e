//! The exposure of keys in git (issue 21): the scan again, with where git stands on each usage and key,
//! asked for by the window after it has shown the plain scan (reading a history can take seconds; the
//! engine keeps what it read while a repository's tips stay the same). Keys newly found committed or
//! pushed are announced once.

use rekey::ipc::Json;

/// How long one check reads histories before it reports what it has (marked incomplete).
const BUDGET: std::time::Duration = std::time::Duration::from_secs(60);

/// One check at a time (the window asks again after each scan; a second check waits for the first, whose
/// histories it then finds in the engine's cache), so that the notices' record is never written twice at
/// once.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

#[tauri::command(async)]
pub fn exposure(app: tauri::AppHandle) -> Result<Json<rekey::scan::ScanReport>, rekey::Error> {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    let ctx = rekey::context::Context::from_os()?;
    let mut report = ctx.scan()?;
    ctx.assess_exposure(&mut report, std::time::Instant::now() + BUDGET);
    match rekey::rotation::exposure_notices(&ctx, &report) {
        Ok(notices) => crate::notify::exposed_keys(&app, &notices),
        Err(e) => eprintln!(
            "rekey-app: cannot record exposure notices: {}",
            e.public_message()
        ),
    }
    Json::of(&report)
}
