//! Server entries beyond the common shape: entries named by a field, names of secrets kept in another
//! store, and where one array element follows another (for `--flag value` pairs).

use super::slots::{Encoding, Found, SlotKind, ValueState};
use super::walk::RemoteEntry;
use super::SlotInternal;

/// `value` names a secret kept in `lives_in` (Goose's `env_keys`): a reference slot `env.<value>`.
pub(super) fn stored_name(value: &str, lives_in: &str) -> Found {
    Found {
        kind: SlotKind::Env,
        location: format!("env.{value}"),
        range: 0..value.len(),
        encoding: Encoding::Plain,
        state: ValueState::Reference {
            lives_in: lives_in.into(),
        },
        name: value.to_string(),
    }
}

/// Entries named by a field (Continue's list items, `names`: (entry key, name)) take that name, in
/// their slots and remote entries; the field may come after the secrets in the entry.
pub(super) fn apply_names(
    names: &[(String, String)],
    found: &mut [(String, Option<String>, SlotInternal)],
    remote: &mut [RemoteEntry],
) {
    let named = |key: &str| names.iter().find(|(k, _)| k == key).map(|(_, n)| n.clone());
    for (server, project, slot) in found.iter_mut() {
        let key = format!("{}\u{0}{server}", project.clone().unwrap_or_default());
        if let Some(n) = named(&key) {
            slot.report.server = n.clone();
            *server = n;
        }
    }
    for (key, _, _) in remote.iter_mut() {
        if let Some(n) = named(key) {
            let project = key.split('\u{0}').next().unwrap_or("").to_string();
            *key = format!("{project}\u{0}{n}");
        }
    }
}

/// Is `path` the array element right after `prev` (`…args.2` then `…args.3`)?
pub(super) fn is_previous_element(prev: &[String], path: &[String]) -> bool {
    if prev.len() != path.len() || path.is_empty() {
        return false;
    }
    let n = path.len() - 1;
    if prev[..n] != path[..n] {
        return false;
    }
    match (prev[n].parse::<usize>(), path[n].parse::<usize>()) {
        (Ok(a), Ok(b)) => a.checked_add(1) == Some(b),
        _ => false,
    }
}

/// The JSON pointer (RFC 6901: `~` is `~0`, `/` is `~1`) of a server entry's key path, scope included:
/// `/projects/~1home~1me~1app/mcpServers/bitscale`. A list item's segment is its index.
pub(crate) fn pointer<S: AsRef<str>>(keys: &[S]) -> String {
    let mut out = String::new();
    for k in keys {
        out.push('/');
        out.push_str(&k.as_ref().replace('~', "~0").replace('/', "~1"));
    }
    out
}

/// The keys a JSON pointer names (the inverse of [`pointer`]).
pub(crate) fn pointer_keys(pointer: &str) -> Vec<String> {
    if pointer.is_empty() {
        return Vec::new();
    }
    pointer
        .strip_prefix('/')
        .unwrap_or(pointer)
        .split('/')
        .map(|k| k.replace("~1", "/").replace("~0", "~"))
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn pointers_escape_and_read_back() {
        let keys = ["projects", "/home/me/a~b", "mcpServers", "bit/scale"];
        let p = super::pointer(&keys);
        assert_eq!(p, "/projects/~1home~1me~1a~0b/mcpServers/bit~1scale");
        assert_eq!(super::pointer_keys(&p), keys);
        assert_eq!(super::pointer_keys("/~01"), ["~1"]);
        assert!(super::pointer_keys("").is_empty());
        assert_eq!(super::pointer_keys("/"), [""]);
    }
}
