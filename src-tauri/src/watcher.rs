//! Live view wiring: watch the parent directory of every config file (so replace-by-rename is seen),
//! debounce, and tell the window to rescan. Which directories and what counts as a lost usage are the
//! engine's rules (`rekey::live`).

use notify::event::{AccessKind, AccessMode, EventKind};
use notify::{RecommendedWatcher, RecursiveMode, Watcher};
use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::mpsc;
use std::sync::Mutex;
use std::time::Duration;
use tauri::{AppHandle, Manager, Runtime};

/// Quiet time after the last event before the window is told (a client often writes in bursts).
const DEBOUNCE: Duration = Duration::from_millis(60);
/// What the window hears on its event channel.
pub const CHANGED: &str = "configs-changed";

#[derive(Default)]
pub struct Live {
    watcher: Mutex<Option<RecommendedWatcher>>,
    dirs: Mutex<HashSet<PathBuf>>,
    /// The config files Rekey reads; events for other files in the same folders are ignored.
    paths: std::sync::Arc<Mutex<Vec<PathBuf>>>,
    /// The previous scan, to tell what a client's own rewrite made disappear.
    pub last: Mutex<Option<rekey::scan::ScanReport>>,
    /// Restore offers the user has not acted on yet.
    pub offers: Mutex<Vec<rekey::live::Lost>>,
}

/// Start the watcher (once). Events are debounced on a thread of their own.
pub fn start<R: Runtime>(app: &AppHandle<R>) {
    let live = app.state::<Live>();
    let (tx, rx) = mpsc::channel::<()>();
    let paths = live.paths.clone();
    let watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        let Ok(event) = res else { return };
        let relevant = match event.kind {
            EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
            EventKind::Access(_) | EventKind::Other => false,
            _ => true,
        };
        let ours = {
            let paths = crate::lock(&paths);
            event
                .paths
                .iter()
                .any(|p| rekey::live::is_relevant(&paths, p))
        };
        if relevant && ours {
            let _ = tx.send(());
        }
    });
    match watcher {
        Ok(w) => *crate::lock(&live.watcher) = Some(w),
        Err(e) => {
            eprintln!(
                "rekey-app: cannot watch config files ({e}); the view refreshes on demand only"
            );
            return;
        }
    }
    let app = app.clone();
    std::thread::spawn(move || {
        while rx.recv().is_ok() {
            while rx.recv_timeout(DEBOUNCE).is_ok() {}
            crate::tray::send_to_window(&app, CHANGED);
        }
    });
}

/// Watch the folders of every config file the latest scan knows about (folders appear over time: the
/// watch moves from the nearest existing ancestor to the folder itself once it exists).
pub fn follow<R: Runtime>(
    app: &AppHandle<R>,
    env: &rekey::clients::Env,
    report: &rekey::scan::ScanReport,
) {
    let live = app.state::<Live>();
    let paths = rekey::live::config_paths(env, report);
    let dirs_now = rekey::live::watch_dirs(&paths);
    *crate::lock(&live.paths) = paths;
    let mut guard = crate::lock(&live.watcher);
    let Some(watcher) = guard.as_mut() else {
        return;
    };
    let mut dirs = crate::lock(&live.dirs);
    for dir in dirs_now {
        if !dirs.contains(&dir) && watcher.watch(&dir, RecursiveMode::NonRecursive).is_ok() {
            dirs.insert(dir);
        }
    }
}
