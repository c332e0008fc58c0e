//! Copy of a shown-once key to the OS clipboard, and its clear, from Rust.
//!
//! The page used `navigator.clipboard`: in WebKitGTK its `readText` fails silently, so the promised clear
//! after 30 s never ran and the key stayed on the clipboard. Here the key is put on the clipboard marked
//! as a password for clipboard managers (X11/KDE `x-kde-passwordManagerHint`; macOS
//! `org.nspasteboard.ConcealedType`; Windows: excluded from clipboard history, cloud sync and monitoring),
//! and cleared after [`CLEAR_AFTER`] only if the clipboard
//! still holds it (the user may have copied something else meanwhile) and no later copy took over.

use rekey::Secret;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long a copied key stays on the clipboard.
pub const CLEAR_AFTER: Duration = Duration::from_secs(30);

#[derive(Default)]
pub struct SecretClipboard {
    /// The OS clipboard, kept for the app's life: on X11 the process that copied serves the clipboard's
    /// contents, so dropping the handle would drop the key from the clipboard at once.
    board: Arc<Mutex<Option<arboard::Clipboard>>>,
    /// The current copy: a scheduled clear only clears the copy it was scheduled for.
    generation: Arc<AtomicU64>,
}

fn unavailable(e: arboard::Error) -> rekey::Error {
    rekey::Error::Reported {
        code: "clipboard_unavailable",
        message: format!(
            "the key could not be put on the clipboard ({e}); select it and copy it by hand"
        ),
    }
}

/// [`CLEAR_AFTER`], or `REKEY_TEST_CLIPBOARD_CLEAR_MS` (the end-to-end tests do not wait 30 s).
fn clear_after() -> Duration {
    std::env::var("REKEY_TEST_CLIPBOARD_CLEAR_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .map_or(CLEAR_AFTER, Duration::from_millis)
}

fn put(board: &mut arboard::Clipboard, text: &str) -> Result<(), arboard::Error> {
    let set = board.set();
    #[cfg(all(
        unix,
        not(any(target_os = "macos", target_os = "android", target_os = "emscripten"))
    ))]
    let set = {
        use arboard::SetExtLinux;
        set.exclude_from_history()
    };
    #[cfg(target_os = "macos")]
    let set = {
        use arboard::SetExtApple;
        set.exclude_from_history() // org.nspasteboard.ConcealedType
    };
    #[cfg(windows)]
    let set = {
        use arboard::SetExtWindows;
        set.exclude_from_history()
            .exclude_from_cloud()
            .exclude_from_monitoring()
    };
    set.text(text)
}

impl SecretClipboard {
    /// Put `value` on the clipboard and schedule its clear; returns the seconds until the clear.
    pub fn copy(&self, value: Secret) -> Result<u64, rekey::Error> {
        let after = clear_after();
        {
            let mut guard = self.board.lock().unwrap_or_else(|p| p.into_inner());
            if guard.is_none() {
                *guard = Some(arboard::Clipboard::new().map_err(unavailable)?);
            }
            let board = guard.as_mut().expect("just opened");
            put(board, value.expose()).map_err(unavailable)?;
        }
        let generation = self.generation.fetch_add(1, Ordering::SeqCst) + 1;
        let (board, current) = (Arc::clone(&self.board), Arc::clone(&self.generation));
        std::thread::spawn(move || {
            std::thread::sleep(after);
            if current.load(Ordering::SeqCst) != generation {
                return; // a later copy took over, with its own clear
            }
            let mut guard = board.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(b) = guard.as_mut() {
                let now = b.get_text().ok().map(Secret::new);
                if now.as_ref() == Some(&value) {
                    let _ = b.clear();
                }
            }
            // `value` and `now` are zeroized as they drop.
        });
        Ok(after.as_secs().max(1))
    }
}
