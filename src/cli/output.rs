//! The CLI's output and exit plumbing: standard streams that were closed at start, error lines that may
//! leave the process, the shown-once secret, and `--grace` durations.

use super::CliError;
use crate::Secret;
use std::io::Write;

/// Does stdout throw away what is written to it (`/dev/null`)? Writes there succeed, so this is the only
/// way to know that a shown-once secret printed there would be lost. (A stdout closed at start is
/// `/dev/null` too: the Rust runtime reopens closed standard descriptors on it, so that no file the
/// process opens later takes their place.)
pub(super) fn stdout_discards() -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{FileTypeExt, MetadataExt};
        match (
            std::fs::metadata("/dev/stdout"),
            std::fs::metadata("/dev/null"),
        ) {
            (Ok(out), Ok(null)) => out.file_type().is_char_device() && out.rdev() == null.rdev(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        false
    }
}

/// Print a line on stderr. A failed write is ignored (`eprintln!` would panic instead, and there is
/// nowhere else to report it).
pub(super) fn note(line: &str) {
    let _ = writeln!(std::io::stderr(), "rekey: {line}");
}

/// The error line the CLI prints: an engine error's public message, any other text scrubbed of URL
/// queries and userinfo.
pub(super) fn error_text(e: &CliError) -> String {
    match e {
        CliError::Engine(e) => e.public_message(),
        other => crate::scrub::text(&other.to_string()),
    }
}

/// Print the shown-once secret on `out`. If that fails, the secret would be lost (it exists nowhere
/// else), so it goes to `err` as the last resort, after a line that says why; the command then fails.
pub(super) fn show_once(
    out: &mut dyn Write,
    err: &mut dyn Write,
    secret: &Secret,
) -> Result<(), CliError> {
    let written = writeln!(out, "{}", secret.expose()).and_then(|()| out.flush());
    written.map_err(|e| {
        last_resort(err, &e.to_string(), secret);
        CliError::Output(e)
    })
}

/// Write the shown-once secret on `err` after a line saying why stdout could not take it.
pub(super) fn last_resort(err: &mut dyn Write, why: &str, secret: &Secret) {
    let _ = writeln!(
        err,
        "rekey: could not print the new secret on stdout ({why}); here it is on stderr instead, shown once. Save it now:"
    );
    let _ = writeln!(err, "{}", secret.expose());
    let _ = err.flush();
}

/// A `--grace` duration: `600`, `600s`, `10m`, `1h`.
pub(super) fn parse_duration(s: &str) -> Result<std::time::Duration, CliError> {
    let t = s.trim();
    let (num, unit) = t.split_at(t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len()));
    let n: u64 = num
        .parse()
        .map_err(|_| CliError::Usage(format!("invalid duration '{s}' (use e.g. 10m, 600s, 1h)")))?;
    let per_unit = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        _ => {
            return Err(CliError::Usage(format!(
                "invalid duration unit in '{s}' (use s, m or h)"
            )))
        }
    };
    let secs = n
        .checked_mul(per_unit)
        .ok_or_else(|| CliError::Usage(format!("duration '{s}' is too long")))?;
    Ok(std::time::Duration::from_secs(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer that fails like a closed pipe.
    struct Broken;
    impl Write for Broken {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::ErrorKind::BrokenPipe.into())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_secret_that_cannot_reach_stdout_goes_to_stderr_and_fails() {
        let secret = Secret::new("sk-live-shownonce0123456789".into());
        let mut err = Vec::new();
        let r = show_once(&mut Broken, &mut err, &secret);
        assert!(matches!(r, Err(CliError::Output(_))));
        let err = String::from_utf8(err).unwrap();
        assert!(
            err.contains("could not print the new secret on stdout"),
            "{err}"
        );
        assert_eq!(err.lines().last(), Some(secret.expose()));

        let (mut out, mut err) = (Vec::new(), Vec::new());
        show_once(&mut out, &mut err, &secret).unwrap();
        assert_eq!(out, format!("{}\n", secret.expose()).as_bytes());
        assert!(err.is_empty());
    }

    #[test]
    fn durations_are_checked() {
        assert_eq!(parse_duration("10m").unwrap().as_secs(), 600);
        assert_eq!(parse_duration(" 2h").unwrap().as_secs(), 7200);
        assert_eq!(parse_duration("45").unwrap().as_secs(), 45);
        for bad in [
            "18446744073709551615m",
            "5124095576030432h",
            "99999999999999999999",
        ] {
            let e = parse_duration(bad).unwrap_err().to_string();
            assert!(e.contains(bad), "{e}");
        }
        assert!(parse_duration("10d").is_err());
        assert!(parse_duration("m").is_err());
    }
}
