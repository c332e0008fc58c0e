//! The panic hook of the CLI and the app. A panic's message can hold whatever the failing code was
//! looking at (a config value, a key, a response body), and the default hook prints it to stderr, where
//! terminals, CI logs and crash reporters keep it. This hook prints where the panic happened and a fixed
//! sentence, never the payload.

use std::io::Write;

/// The sentence printed in place of a panic's message.
pub const WITHHELD: &str = "details withheld: they may contain secret material";

/// Replace the process's panic hook (call once, first thing in `main` / the app's `run`).
pub fn install_hook() {
    std::panic::set_hook(Box::new(|info| {
        let at = info
            .location()
            .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()))
            .unwrap_or_else(|| "an unknown location".into());
        // Ignore a failed write: stderr may be closed, and a panic inside the hook would abort.
        let _ = writeln!(
            std::io::stderr(),
            "rekey: internal error (panic) at {at}; {WITHHELD}. Please report it."
        );
    }));
}
