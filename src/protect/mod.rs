//! Keys kept out of config files: a usage holds a reference `rekey://<id>` instead of the key, and
//! `rekey exec` puts the key from the OS keychain in its place when the client starts the server.
//!
//! A reference names a keychain entry (account `ref:<id>`) that stays the same when the key rotates:
//! unlike a credential id, it is not derived from the value, so a rotation of a protected key updates the
//! keychain alone and no config file changes. The id is readable (`bitscale-1a2b3c`: a name from the
//! provider or the variable, and random hex), so the config still says which secret goes where.

pub mod bin;
pub mod exec;
mod files;
pub mod index;
mod plan;
pub mod purge;
pub mod remote;
mod unprotect;
pub mod wrap;
mod yaml_shape;

pub use bin::{rekey_bin, StaleRekey};
pub use plan::{
    apply_protect, plan_protect, plan_protect_with, Applied, FileChange, ProtectPlan, Refused,
    Usage,
};
pub use remote::{Choice, RemoteOption};
pub use unprotect::{apply_unprotect, plan_unprotect, UnprotectPlan};

use std::ops::Range;

/// What a reference starts with.
pub const SCHEME: &str = "rekey://";
/// The longest id a reference may carry.
const MAX_ID: usize = 64;

/// The keychain account that holds the key a reference names.
pub fn account_of(id: &str) -> String {
    format!("ref:{id}")
}

fn is_id_byte(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_'
}

/// A reference found in a string: its byte range (scheme included) and its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found<'a> {
    pub range: Range<usize>,
    pub id: &'a str,
}

/// Every `rekey://<id>` in `text`, in order. An id is lower-case letters, digits, `-` and `_` (at most 64),
/// starting with a letter or digit; `rekey://` followed by anything else is not a reference.
pub fn find(text: &str) -> Vec<Found<'_>> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(at) = text[from..].find(SCHEME).map(|i| from + i) {
        let start = at + SCHEME.len();
        let len = bytes[start..]
            .iter()
            .take_while(|b| is_id_byte(**b))
            .count();
        let first_ok = bytes
            .get(start)
            .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
        if first_ok && len <= MAX_ID {
            out.push(Found {
                range: at..start + len,
                id: &text[start..start + len],
            });
        }
        from = start;
    }
    out
}

/// A new reference id: a readable name from `hint` (a provider id or a variable name) and 6 random hex
/// digits, e.g. `bitscale-1a2b3c`.
pub fn new_id(hint: &str) -> String {
    let mut name: String = hint
        .chars()
        .map(|c| c.to_ascii_lowercase())
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    while name.contains("--") {
        name = name.replace("--", "-");
    }
    let name: String = name.trim_matches('-').chars().take(24).collect();
    let name = name.trim_end_matches('-');
    let mut rnd = [0u8; 3];
    let _ = getrandom::fill(&mut rnd);
    let hex: String = rnd.iter().map(|b| format!("{b:02x}")).collect();
    if name.is_empty() {
        format!("key-{hex}")
    } else {
        format!("{name}-{hex}")
    }
}

/// `text` with every reference replaced by `value(id)`; the first error stops it.
pub fn resolve<E>(
    text: &str,
    mut value: impl FnMut(&str) -> Result<String, E>,
) -> Result<String, E> {
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    for f in find(text) {
        out.push_str(&text[pos..f.range.start]);
        out.push_str(&value(f.id)?);
        pos = f.range.end;
    }
    out.push_str(&text[pos..]);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_found_inside_any_string() {
        fn ids(t: &str) -> Vec<&str> {
            find(t).into_iter().map(|f| f.id).collect()
        }
        assert_eq!(ids("rekey://bitscale-1a2b3c"), ["bitscale-1a2b3c"]);
        assert_eq!(ids("--api-key=rekey://k1"), ["k1"]);
        assert_eq!(ids("Authorization: Bearer rekey://a_b"), ["a_b"]);
        assert_eq!(
            ids("https://h/api/v1/mcp/rekey://ap-01/sse"),
            ["ap-01"],
            "a URL path segment"
        );
        assert_eq!(ids("rekey://x rekey://y"), ["x", "y"]);
        // Not references: no id, an id that starts badly, upper case, too long.
        assert!(ids("rekey://").is_empty());
        assert!(ids("rekey://-x").is_empty());
        assert!(ids("rekey://X").is_empty());
        assert!(ids(&format!("rekey://{}", "a".repeat(65))).is_empty());
        assert!(ids("plain sk-live-123").is_empty());
    }

    #[test]
    fn resolving_replaces_only_the_reference() {
        let r = resolve::<()>("Bearer rekey://k1!", |id| Ok(format!("<{id}>"))).unwrap();
        assert_eq!(r, "Bearer <k1>!");
        assert_eq!(resolve("x rekey://k1", |_| Err("locked")), Err("locked"));
        assert_eq!(
            resolve::<()>("no ref", |_| unreachable!()).unwrap(),
            "no ref"
        );
    }

    #[test]
    fn new_ids_are_readable_and_distinct() {
        let a = new_id("BITSCALE_API_KEY");
        assert!(a.starts_with("bitscale-api-key-"), "{a}");
        assert_eq!(find(&format!("rekey://{a}"))[0].id, a);
        assert_ne!(new_id("x"), new_id("x"));
        assert!(new_id("").starts_with("key-"));
        assert!(new_id("Ünïcode!!").len() <= 24 + 7);
    }
}
