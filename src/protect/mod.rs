//! Keys kept out of config files: a usage holds a reference `rekey://<id>` instead of the key, and
//! `rekey exec` puts the key from the OS keychain in its place when the client starts the server.
//!
//! A reference names a keychain entry (account `ref:<id>`) that stays the same when the key rotates:
//! unlike a credential id, it is not derived from the value, so a rotation of a protected key updates the
//! keychain alone and no config file changes. The id is readable (`bitscale-1a2b3c`: a name from the
//! provider or the variable, and random hex), so the config still says which secret goes where.

mod backup_search;
pub mod bin;
pub mod exec;
mod files;
pub mod index;
pub(crate) mod locate;
mod plan;
pub mod purge;
pub mod remote;
mod scan;
mod toml_shape;
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

pub use crate::scan::refs::{find, Found, SCHEME};

/// The keychain account that holds the key a reference names.
pub fn account_of(id: &str) -> String {
    format!("ref:{id}")
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

/// `text` with every reference replaced by the value `value(id)` gives, percent-encoded where the
/// reference sits inside a URL (the rule unprotect uses too: `files::encoded_for`); the first error
/// stops it.
pub fn resolve<E>(
    text: &str,
    mut value: impl FnMut(&str) -> Result<String, E>,
) -> Result<String, E> {
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    for f in find(text) {
        out.push_str(&text[pos..f.range.start]);
        let in_url = files::url_before(&text[..f.range.start]);
        out.push_str(&files::encoded_for(&value(f.id)?, in_url));
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
        // Inside a URL, the value is percent-encoded; another reference's `rekey://` is no URL.
        let r = resolve::<()>(
            "https://h/m?k=rekey://k1&x=rekey://k2",
            |_| Ok("a+b".into()),
        );
        assert_eq!(r.unwrap(), "https://h/m?k=a%2Bb&x=a%2Bb");
        let r = resolve::<()>("rekey://k1,rekey://k2", |_| Ok("a+b".into()));
        assert_eq!(r.unwrap(), "a+b,a+b");
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
