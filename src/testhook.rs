//! Test-only pause and crash points, compiled into debug builds only (release binaries ignore them).
//!
//! `REKEY_TEST_CRASH_AFTER=<step>` makes the step fail as if the process died right after it.
//! `REKEY_TEST_PAUSE_AFTER=<step>` with `REKEY_TEST_PAUSE_DIR=<dir>`: after the step, create
//! `<dir>/paused` and wait (up to 60 s) for `<dir>/resume`, so a test can kill the process or change a
//! file at that exact moment.
//! `REKEY_TEST_PANIC=1` makes the CLI panic as it starts, with a payload that looks like a secret, so a
//! test can check that the panic hook withholds it.

#[allow(unused_variables)]
pub fn point(step: &str) -> std::io::Result<()> {
    #[cfg(debug_assertions)]
    {
        if std::env::var("REKEY_TEST_CRASH_AFTER").is_ok_and(|s| s == step) {
            return Err(std::io::Error::other(format!(
                "simulated crash after {step}"
            )));
        }
        if std::env::var("REKEY_TEST_PAUSE_AFTER").is_ok_and(|s| s == step) {
            if let Some(dir) =
                std::env::var_os("REKEY_TEST_PAUSE_DIR").map(std::path::PathBuf::from)
            {
                std::fs::write(dir.join("paused"), step)?;
                let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
                while !dir.join("resume").exists() && std::time::Instant::now() < deadline {
                    std::thread::sleep(std::time::Duration::from_millis(10));
                }
            }
        }
    }
    Ok(())
}

/// Panic with a secret-looking payload when `REKEY_TEST_PANIC=1` (debug builds only).
pub fn panic_point() {
    #[cfg(debug_assertions)]
    if std::env::var("REKEY_TEST_PANIC").is_ok_and(|v| v == "1") {
        panic!("{}", PANIC_PAYLOAD);
    }
}

/// What [`panic_point`] panics with (shaped like a live API key).
#[doc(hidden)]
pub const PANIC_PAYLOAD: &str = "apiKey=sk-live-PanicPayload0123456789abcdef";
