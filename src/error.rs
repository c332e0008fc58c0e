//! Engine errors with stable codes the UI and scripts can branch on.
//!
//! Messages are written for people and never contain secret material: every variant carries only
//! paths, names and descriptions, never a value read from a config or a keychain.

use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the OS keychain is not available: {0}")]
    KeychainUnavailable(String),
    #[error("the OS keychain is locked; unlock it (log in to your desktop session) and try again")]
    KeychainLocked,
    #[error("no keychain entry for {0}")]
    KeychainEntryMissing(String),
    #[error("the keychain refused the operation: {0}")]
    Keychain(String),
    #[error("could not determine your home directory")]
    NoHomeDir,
    #[error("invalid input: {0}")]
    InvalidInput(String),
    #[error("{path}: {message}")]
    Io { path: String, message: String },
    #[error("no credential '{0}' in any MCP client config (run `rekey scan` to list them)")]
    UnknownCredential(String),
    #[error("credential '{0}' is not linked to a provider (run `rekey link {0} --provider …`)")]
    NotLinked(String),
    #[error("unknown provider '{0}' (run `rekey providers`)")]
    UnknownProvider(String),
    #[error("preflight failed: {0}")]
    Preflight(String),
    #[error("{0}; nothing was changed or called. Wait for it to finish (see `rekey history`)")]
    RotationRunning(String),
    #[error(
        "the configs changed since you confirmed ({0}); nothing was called. Review the plan again"
    )]
    PlanChanged(String),
    #[error("no rotation '{0}' (see `rekey history`)")]
    UnknownRotation(String),
    #[error(transparent)]
    Provider(#[from] crate::providers::ProviderError),
    /// An error whose text went through a [`crate::scrub::Scrubber`]: the original's code, a clean message.
    #[error("{message}")]
    Reported { code: &'static str, message: String },
}

impl Error {
    /// A stable, machine-readable code. Never change an existing one; the UI branches on them.
    pub fn code(&self) -> &'static str {
        match self {
            Error::KeychainUnavailable(_) => "keychain_unavailable",
            Error::KeychainLocked => "keychain_locked",
            Error::KeychainEntryMissing(_) => "keychain_entry_missing",
            Error::Keychain(_) => "keychain_error",
            Error::NoHomeDir => "no_home_dir",
            Error::InvalidInput(_) => "invalid_input",
            Error::Io { .. } => "io",
            Error::UnknownCredential(_) => "unknown_credential",
            Error::NotLinked(_) => "not_linked",
            Error::UnknownProvider(_) => "unknown_provider",
            Error::Preflight(_) => "preflight_failed",
            Error::RotationRunning(_) => "rotation_running",
            Error::PlanChanged(_) => "plan_changed",
            Error::UnknownRotation(_) => "unknown_rotation",
            Error::Provider(e) => e.code(),
            Error::Reported { code, .. } => code,
        }
    }

    /// This error with every secret `scrubber` knows (and every URL query and userinfo) removed from its
    /// text. The code is kept, so the UI and scripts branch the same way.
    pub fn scrubbed(self, scrubber: &crate::scrub::Scrubber) -> Error {
        Error::Reported {
            code: self.code(),
            message: scrubber.clean(&self.to_string()),
        }
    }

    /// The text that may leave the engine (URL queries and userinfo removed).
    pub fn public_message(&self) -> String {
        crate::scrub::text(&self.to_string())
    }

    /// What the app shows: [`Error::public_message`] without the "invalid input: " prefix, which reads as
    /// jargon next to a form (the stable `code` still says what kind of error it is).
    pub fn ui_message(&self) -> String {
        match self {
            Error::InvalidInput(m) => crate::scrub::text(m),
            _ => self.public_message(),
        }
    }

    pub fn io(path: impl AsRef<std::path::Path>, err: std::io::Error) -> Self {
        Error::Io {
            path: path.as_ref().display().to_string(),
            message: err.to_string(),
        }
    }
}

/// What crosses to the UI: `{ "code": "...", "message": "..." }`.
impl Serialize for Error {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("Error", 2)?;
        s.serialize_field("code", self.code())?;
        s.serialize_field("message", &self.ui_message())?;
        s.end()
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::Error;

    #[test]
    fn the_app_gets_invalid_input_without_its_prefix_and_the_cli_with_it() {
        let e = Error::InvalidInput("type BitScale to confirm".into());
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["code"], "invalid_input");
        assert_eq!(v["message"], "type BitScale to confirm");
        assert_eq!(
            e.public_message(),
            "invalid input: type BitScale to confirm"
        );
        // Other errors cross unchanged.
        let v = serde_json::to_value(Error::KeychainLocked).unwrap();
        assert_eq!(v["message"], Error::KeychainLocked.public_message());
    }

    #[test]
    fn what_leaves_the_engine_loses_known_secrets_and_url_queries_and_keeps_the_code() {
        let key = crate::Secret::new("sk-live-0123456789".into());
        let e = Error::Preflight("provider said: bad key sk-live-0123456789".into())
            .scrubbed(&crate::scrub::Scrubber::new().with(&key));
        assert_eq!(e.code(), "preflight_failed");
        assert_eq!(
            e.to_string(),
            "preflight failed: provider said: bad key <redacted>"
        );
        let e = Error::Preflight("GET https://u:pw@h.example/mcp?apiKey=sk-1 failed".into());
        assert_eq!(
            e.public_message(),
            "preflight failed: GET https://h.example/mcp?… failed"
        );
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["code"], "preflight_failed");
        assert_eq!(v["message"], e.public_message());
        let e = Error::InvalidInput("no such server https://h/?token=sk-1".into());
        assert_eq!(e.ui_message(), "no such server https://h/?…");
        let v = serde_json::to_value(&e).unwrap();
        assert_eq!(v["message"], "no such server https://h/?…");
        let e = Error::io("/x/config.json", std::io::Error::other("disk full"));
        assert_eq!(
            (e.code(), e.to_string()),
            ("io", "/x/config.json: disk full".into())
        );
    }
}
