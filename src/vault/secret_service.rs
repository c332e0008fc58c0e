//! Linux: the Secret Service store behind the vault's entries, opened on first use and opened again when
//! its session is lost.
//!
//! keyring's `v1` API opens the store once per process and keeps it: after gnome-keyring-daemon restarts
//! (systemd restarts it when it crashes, which it does now and then: upstream gnome-keyring #190/#196), every
//! call of a long-running process (the app, its tray) would fail with `NoSession` until that process is
//! restarted, although the keychain is back. Here the store is keyring-core's default store, which the vault
//! replaces with a fresh one when a call reports the session or the service gone, and then retries: at once,
//! then, while the service is still gone from the bus, for up to [`RESTART_WAIT`] (tests/keychain_restart.rs).

use keyring_core::Error as K;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a call waits for a Secret Service that has gone from the bus to come back. systemd restarts a
/// crashed gnome-keyring after 100 ms, and its start-up takes a few hundred more on a loaded machine. On a
/// bus where no Secret Service ever runs, this is how much later the error comes.
const RESTART_WAIT: Duration = Duration::from_secs(3);
/// A wait for the service ended without it (see [`retry_lost`]).
static GAVE_UP: AtomicBool = AtomicBool::new(false);

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
fn reopen() -> keyring_core::Result<()> {
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

/// Run a vault call again after `first` failed because the session or the service was lost: at once on a
/// fresh session, then, while the service is still gone from the bus (its daemon restarting), with growing
/// pauses until [`RESTART_WAIT`] has passed. Any other outcome is returned as it is.
pub(super) fn retry_lost<T>(
    first: keyring_core::Result<T>,
    again: impl Fn() -> keyring_core::Result<T>,
) -> keyring_core::Result<T> {
    // Once a wait has ended with no Secret Service, later calls of this process do not wait again until
    // one succeeds: on a bus where none ever runs, every call would otherwise cost the whole wait.
    let wait = if GAVE_UP.load(Ordering::Relaxed) {
        Duration::ZERO
    } else {
        RESTART_WAIT
    };
    let deadline = Instant::now() + wait;
    let mut pause = Duration::from_millis(20);
    let mut result = first;
    let mut attempts = 0;
    loop {
        match &result {
            Err(e) if session_lost(e) => {}
            // Any other answer (a value, or an error such as a missing entry or a locked collection) came
            // from a running service: a later loss is worth waiting for again.
            _ => {
                GAVE_UP.store(false, Ordering::Relaxed);
                return result;
            }
        }
        if attempts > 0 {
            let gone = matches!(&result, Err(e) if service_gone(e));
            let now = Instant::now();
            if !gone || now >= deadline {
                if gone {
                    GAVE_UP.store(true, Ordering::Relaxed);
                }
                return result;
            }
            std::thread::sleep(pause.min(deadline - now));
            pause = (pause * 2).min(Duration::from_millis(400));
        }
        attempts += 1;
        result = reopen().and_then(|()| again());
    }
}

/// Whether `err` says nothing owns the Secret Service's name on the bus (its daemon is not running).
fn service_gone(err: &K) -> bool {
    match err {
        K::PlatformFailure(e) | K::NoStorageAccess(e) => {
            let text = e.to_string();
            text.contains("DBus.Error.ServiceUnknown") || text.contains("DBus.Error.NameHasNoOwner")
        }
        _ => false,
    }
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
