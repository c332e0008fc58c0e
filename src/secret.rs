//! The one type that holds secret material.
//!
//! `Secret` never prints its value: `Debug` and `Display` both redact, it is not `Serialize`, and the
//! bytes are zeroized when it is dropped. Code that really needs the value calls [`Secret::expose`],
//! which makes every such place easy to find in review.

use std::fmt;
use zeroize::Zeroizing;

/// A secret string (API key, token, password). Redacts itself and zeroizes on drop.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    /// Wrap a value. The `String` is moved in, so no unzeroized copy is left behind by this call.
    pub fn new(value: String) -> Self {
        Secret(Zeroizing::new(value))
    }

    /// The raw value. Keep the borrow short and never format it into a message.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// A masked form safe to show: at most the first 4 and last 4 characters, and only when the secret is
    /// long enough that this reveals little (`sk-l…9f2c`). Short secrets are fully masked.
    pub fn masked(&self) -> String {
        mask(self.expose())
    }
}

/// Mask any secret-like string the same way [`Secret::masked`] does.
pub fn mask(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    let n = chars.len();
    if n == 0 {
        return "(empty)".to_string();
    }
    if n < 12 {
        return "•".repeat(n.min(8));
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[n - 4..].iter().collect();
    format!("{head}…{tail}")
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret(<redacted, {} bytes>)", self.0.len())
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret::new(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_never_show_the_value() {
        let s = Secret::new("sk-live-0123456789abcdef".to_string());
        assert!(!format!("{s:?}").contains("0123456789"));
        assert!(!format!("{s}").contains("0123456789"));
        assert!(!format!("{:#?}", Some(&s)).contains("sk-live"));
        assert_eq!(s.expose(), "sk-live-0123456789abcdef");
        assert_eq!(format!("{s:?}"), "Secret(<redacted, 24 bytes>)");
        assert_eq!(format!("{s}"), "<redacted>");
        assert_eq!(s.masked(), "sk-l…cdef");
        assert_eq!((s.len(), s.is_empty()), (24, false));
        let empty = Secret::from(String::new());
        assert_eq!((empty.len(), empty.is_empty()), (0, true));
        assert_eq!(Secret::from("é".to_string()).len(), 2);
        assert_eq!(Secret::from("abc".to_string()).expose(), "abc");
    }

    #[test]
    fn masking_reveals_at_most_eight_characters() {
        assert_eq!(mask("sk-live-0123456789abcdef"), "sk-l…cdef");
        assert_eq!(mask("short"), "•••••");
        assert_eq!(mask("elevenchars"), "••••••••");
        // From 12 characters on, the first and last 4.
        assert_eq!(mask("twelve-chars"), "twel…hars");
        assert_eq!(mask(""), "(empty)");
        // Multi-byte characters are counted as characters, never split.
        assert_eq!(mask("ééééééééééééé"), "éééé…éééé");
    }
}
