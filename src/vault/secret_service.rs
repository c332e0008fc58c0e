//! Linux: the Secret Service store behind the vault's entries, opened on first use and opened again when
//! its session is lost.
//!
//! keyring's `v1` API opens the store once per process and keeps it: after gnome-keyring-daemon restarts
//! (systemd restarts it when it crashes, which it does now and then: upstream gnome-keyring #190/#196), every
//! call of a long-running process (the app, its tray) would fail with `NoSession` until that process is
//! restarted, although the keychain is back. Here the store is keyring-core's default store, which the vault
//! replaces with a fresh one when a call reports the session or the service gone, and then retries once
//! (tests/keychain_restart.rs).

use keyring_core::Error as K;
use std::sync::Mutex;

/// Whether the default store has been set (by this module; nothing else in Rekey sets it on Linux).
static OPENED: Mutex<bool> = Mutex::new(false);

/// Open the store if this process has not yet.
pub(super) fn ensure_open() -> keyring_core::Result<()> {
    let mut opened = OPENED.lock().unwrap_or_else(|p| p.into_inner());
    if !*opened {
        open()?;
        *opened = true;
    }
    Ok(())
}

/// Open the store again (a new D-Bus connection and Secret Service session).
pub(super) fn reopen() -> keyring_core::Result<()> {
    let mut opened = OPENED.lock().unwrap_or_else(|p| p.into_inner());
    open()?;
    *opened = true;
    Ok(())
}

fn open() -> keyring_core::Result<()> {
    let store = zbus_secret_service_keyring_store::Store::new()?;
    keyring_core::set_default_store(store);
    Ok(())
}

/// Whether `err` says the session with the Secret Service (or the service itself) is gone, so that nothing
/// was done and a fresh session may succeed. A call whose answer was lost (`NoReply`, a dropped connection
/// mid-call) is not retried here: whether it happened is unknown, and the caller reports that.
pub(super) fn session_lost(err: &K) -> bool {
    match err {
        K::PlatformFailure(e) | K::NoStorageAccess(e) => {
            let text = e.to_string();
            [
                "Secret.Error.NoSession",
                "DBus.Error.ServiceUnknown",
                "DBus.Error.NameHasNoOwner",
                "DBus.Error.UnknownObject",
            ]
            .iter()
            .any(|m| text.contains(m))
        }
        _ => false,
    }
}
