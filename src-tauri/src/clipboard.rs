//! Copy of a shown-once key to the OS clipboard, and its clear, from Rust.
//!
//! The page used `navigator.clipboard`: in WebKitGTK its `readText` fails silently, so the promised clear
//! after 30 s never ran and the key stayed on the clipboard. Here the key is put on the clipboard marked
//! as a password for clipboard managers (X11/KDE `x-kde-passwordManagerHint`; macOS
//! `org.nspasteboard.ConcealedType`; Windows: excluded from clipboard history, cloud sync and monitoring),
//! and cleared after [`CLEAR_AFTER`] only if the clipboard
//! still holds it (the user may have copied something else meanwhile) and no later copy took over.

use rekey::Secret;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long a copied key stays on the clipboard.
pub const CLEAR_AFTER: Duration = Duration::from_secs(30);

#[derive(Default)]
pub struct SecretClipboard {
    inner: Arc<Mutex<Inner>>,
}

#[derive(Default)]
struct Inner {
    /// The OS clipboard, kept for the app's life: on X11 the process that copied serves the clipboard's
    /// contents, so dropping the handle would drop the key from the clipboard at once.
    board: Option<arboard::Clipboard>,
    /// The key Rekey put there last and has not cleared yet, and which copy that was: a scheduled clear
    /// only clears the copy it was scheduled for (a later copy has its own clear).
    current: Option<(u64, Secret)>,
    generation: u64,
}

fn unavailable(e: arboard::Error) -> rekey::Error {
    rekey::Error::Reported {
        code: "clipboard_unavailable",
        message: format!(
            "the key could not be put on the clipboard ({e}); select it and copy it by hand"
        ),
    }
}

/// [`CLEAR_AFTER`]; in debug builds `REKEY_TEST_CLIPBOARD_CLEAR_MS` (the end-to-end tests do not wait
/// 30 s; a released app cannot be told to keep a key on the clipboard longer).
fn clear_after() -> Duration {
    #[cfg(debug_assertions)]
    if let Some(ms) = std::env::var("REKEY_TEST_CLIPBOARD_CLEAR_MS")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        return Duration::from_millis(ms);
    }
    CLEAR_AFTER
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
        let generation = {
            let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
            if inner.board.is_none() {
                inner.board = Some(arboard::Clipboard::new().map_err(unavailable)?);
            }
            put(inner.board.as_mut().expect("just opened"), value.expose()).map_err(unavailable)?;
            inner.generation += 1;
            let generation = inner.generation;
            inner.current = Some((generation, value));
            generation
        };
        let inner = Arc::clone(&self.inner);
        std::thread::spawn(move || {
            std::thread::sleep(after);
            clear_if_ours(&inner, Some(generation));
        });
        Ok(after.as_secs().max(1))
    }

    /// Clear the clipboard now if it still holds the key Rekey put there (the app is quitting: its clear
    /// thread would die with it, and on macOS and Windows the key would stay).
    pub fn clear_now(&self) {
        clear_if_ours(&self.inner, None);
    }
}

/// Clear the clipboard if it holds Rekey's current copy (`generation`: only if that copy is still the
/// current one). The clipboard is read with the lock released: reading another program's clipboard can
/// wait for that program, and a Copy meanwhile must not wait for it.
fn clear_if_ours(inner: &Mutex<Inner>, generation: Option<u64>) {
    let lock = || inner.lock().unwrap_or_else(|p| p.into_inner());
    let (value, mut board) = {
        let mut guard = lock();
        match &guard.current {
            Some((g, _)) if generation.is_none_or(|want| want == *g) => {}
            _ => return, // a later copy took over, with its own clear (or nothing to clear)
        }
        let Some((g, value)) = guard.current.take() else {
            return;
        };
        // A handle of its own for the read (the app's stays, serving what is on the clipboard).
        match arboard::Clipboard::new() {
            Ok(b) => (Some((g, value)), b),
            Err(_) => {
                guard.current = Some((g, value));
                return;
            }
        }
    };
    let now = board.get_text().ok().map(Secret::new);
    let mut guard = lock();
    let Some((g, value)) = value else { return };
    if guard.generation != g {
        return; // copied again while we read: that copy has its own clear
    }
    if now.as_ref() == Some(&value) {
        if let Some(b) = guard.board.as_mut() {
            let _ = b.clear();
        }
    }
    // `value` and `now` are zeroized as they drop.
}
