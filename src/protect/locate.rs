//! A server entry found by its exact location: the key path the scan parsed it at (its
//! [`SlotReport::entry`](crate::scan::SlotReport::entry), scope included), never by its name under
//! whichever root has it first. An entry that an object with two members of one name makes ambiguous
//! (two `"bitscale"` in one `mcpServers`, two `"env"` or `"API_KEY"` in one entry) is refused: clients
//! disagree about which member they use (most JSON parsers keep the last, some the first), so no edit of
//! it can be known to change what the client runs. TOML cannot hold such a file (toml_edit refuses it).

use crate::clients::Format;
use crate::edit::yaml;
use std::collections::HashSet;

/// Why an object with two members named `name` at `object` (its key path) is refused.
fn twice(object: &[String], name: &str) -> String {
    let at = match object {
        [] => "the file's top level".to_string(),
        _ => format!("the object at {}", crate::scan::pointer(object)),
    };
    format!("{at} has two members named \"{name}\"; clients disagree about which one is used; remove one and try again")
}

/// Call `f` with the byte offset of the text after any BOM (AST ranges start there) and the value at
/// exactly `entry` in the JSON `text`: `Ok(None)` when there is none, `Err` when the file does not parse
/// or an object on the way to the entry or inside it has two members of one name.
pub(super) fn json_entry<R>(
    text: &str,
    entry: &[String],
    f: impl FnOnce(usize, &jsonc_parser::ast::Value) -> R,
) -> Result<Option<R>, String> {
    let (bom, parsed) = json_parse(text)?;
    let root = parsed.value.as_ref().ok_or("the file is empty")?;
    Ok(json_at(root, entry)?.map(|node| f(bom, node)))
}

/// The JSON `text` parsed (after any BOM, whose length comes first).
fn json_parse(text: &str) -> Result<(usize, jsonc_parser::ParseResult<'_>), String> {
    let bom = if text.starts_with(crate::edit::json::BOM) {
        crate::edit::json::BOM.len()
    } else {
        0
    };
    let parsed = jsonc_parser::parse_to_ast(&text[bom..], &Default::default(), &Default::default())
        .map_err(|e| format!("the file does not parse ({e})"))?;
    Ok((bom, parsed))
}

/// The value at exactly `entry` below `root`, with the check of [`json_entry`].
fn json_at<'r, 'a>(
    root: &'r jsonc_parser::ast::Value<'a>,
    entry: &[String],
) -> Result<Option<&'r jsonc_parser::ast::Value<'a>>, String> {
    use jsonc_parser::ast::Value;
    let mut node = root;
    for (depth, key) in entry.iter().enumerate() {
        let Value::Object(o) = node else {
            return Ok(None);
        };
        let mut found = o
            .properties
            .iter()
            .filter(|p| super::wrap::prop_name(&p.name) == *key);
        match (found.next(), found.next()) {
            (None, _) => return Ok(None),
            (Some(_), Some(_)) => return Err(twice(&entry[..depth], key)),
            (Some(p), None) => node = &p.value,
        }
    }
    json_unique(node, &mut entry.to_vec())?;
    Ok(Some(node))
}

/// Every object in `v` (at key path `at`) has members of distinct names.
fn json_unique(v: &jsonc_parser::ast::Value, at: &mut Vec<String>) -> Result<(), String> {
    use jsonc_parser::ast::Value;
    match v {
        Value::Object(o) => {
            let mut seen = HashSet::new();
            for p in &o.properties {
                let name = super::wrap::prop_name(&p.name);
                if !seen.insert(name.clone()) {
                    return Err(twice(at, &name));
                }
                at.push(name);
                let r = json_unique(&p.value, at);
                at.pop();
                r?;
            }
        }
        Value::Array(a) => {
            for (i, e) in a.elements.iter().enumerate() {
                at.push(i.to_string());
                let r = json_unique(e, at);
                at.pop();
                r?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// A mapping on the way to `entry` or inside it with two keys of one name: a YAML parser that does not
/// refuse the file (saphyr does not) reports both at one path.
pub(super) fn yaml_duplicate(parsed: &yaml::Parsed, entry: &[String]) -> Option<String> {
    let concerned = |p: &[String]| p.starts_with(entry) || entry.starts_with(p);
    let mut seen: HashSet<&[String]> = HashSet::new();
    let paths = parsed.collections.iter().map(|c| c.path.as_slice()).chain(
        parsed
            .scalars
            .iter()
            .filter(|s| !s.via_alias)
            .map(|s| s.path.as_slice()),
    );
    for p in paths.filter(|p| !p.is_empty() && concerned(p)) {
        if !seen.insert(p) {
            let (name, object) = p.split_last().expect("not empty");
            return Some(twice(object, name));
        }
    }
    None
}

/// Why the entry at `entry` cannot be edited as one entry (an object with two members of one name on the
/// way to it or inside it), if it cannot. A file that does not parse or has no such entry is not
/// ambiguous: the edits that need it say so themselves.
pub(crate) fn ambiguity(format: Format, text: &str, entry: &[String]) -> Option<String> {
    ambiguities(format, text, std::slice::from_ref(&entry.to_vec())).pop()?
}

/// [`ambiguity`] of each of `entries` of one file, parsed once (a big `~/.claude.json` takes a while).
fn ambiguities(format: Format, text: &str, entries: &[Vec<String>]) -> Vec<Option<String>> {
    match format {
        Format::Json | Format::Jsonc => {
            let Ok((_, parsed)) = json_parse(text) else {
                return vec![None; entries.len()];
            };
            entries
                .iter()
                .map(|e| parsed.value.as_ref().and_then(|r| json_at(r, e).err()))
                .collect()
        }
        Format::Yaml => {
            let parsed = yaml::parse(text).ok();
            entries
                .iter()
                .map(|e| parsed.as_ref().and_then(|p| yaml_duplicate(p, e)))
                .collect()
        }
        Format::Toml => vec![None; entries.len()],
    }
}

/// The usages of `value` in `report` whose entry is ambiguous, each as "<file>: the entry of server …
/// cannot be changed: why" (a rotation's plan refuses to go ahead with any).
pub(crate) fn ambiguous_usages(
    report: &crate::scan::ScanReport,
    value: &crate::Secret,
) -> Vec<String> {
    let mut out = Vec::new();
    for (i, f) in report.files.iter().enumerate() {
        // Each entry of this file holding the key, once: (pointer, label).
        let mut entries: Vec<(&str, String)> = Vec::new();
        for s in report
            .internal
            .iter()
            .filter(|s| s.file == i && s.value == *value)
        {
            if !entries.iter().any(|(e, _)| *e == s.report.entry) {
                let label = match &s.report.project {
                    Some(p) => format!("{} (project {p})", s.report.server),
                    None => s.report.server.clone(),
                };
                entries.push((&s.report.entry, label));
            }
        }
        let Some(Some(bytes)) = report.contents.get(i) else {
            continue;
        };
        let Ok(text) = std::str::from_utf8(bytes) else {
            continue;
        };
        if entries.is_empty() {
            continue;
        }
        let keys: Vec<Vec<String>> = entries
            .iter()
            .map(|(e, _)| crate::scan::pointer_keys(e))
            .collect();
        for ((_, label), why) in entries.iter().zip(ambiguities(f.format, text, &keys)) {
            if let Some(why) = why {
                out.push(format!(
                    "{}: the entry of server {label} cannot be changed: {why}",
                    f.path.display()
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(k: &[&str]) -> Vec<String> {
        k.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn two_members_of_one_name_make_an_entry_ambiguous() {
        let e = keys(&["mcpServers", "bs"]);
        let why = |f: Format, t: &str| ambiguity(f, t, &e);
        let twice_entry = "{\"mcpServers\": {\"bs\": {\"command\": \"a\"}, \"bs\": {}}}";
        assert_eq!(
            why(Format::Json, twice_entry).unwrap(),
            "the object at /mcpServers has two members named \"bs\"; clients disagree about which one is used; remove one and try again"
        );
        assert!(why(
            Format::Jsonc,
            "{\"mcpServers\": {}, \"mcpServers\": {\"bs\": {}}}"
        )
        .unwrap()
        .starts_with("the file's top level has two members named \"mcpServers\""));
        assert!(why(
            Format::Json,
            "{\"mcpServers\": {\"bs\": {\"env\": {\"K\": \"a\", \"K\": \"b\"}}}}"
        )
        .unwrap()
        .starts_with("the object at /mcpServers/bs/env has two members named \"K\""));
        // Elsewhere in the file: not this entry's concern.
        assert_eq!(
            why(
                Format::Json,
                "{\"mcpServers\": {\"bs\": {\"command\": \"a\"}, \"o\": {\"x\": 1, \"x\": 2}}}"
            ),
            None
        );
        assert!(why(
            Format::Yaml,
            "mcpServers:\n  bs:\n    command: a\n  bs:\n    command: b\n"
        )
        .unwrap()
        .starts_with("the object at /mcpServers has two members named \"bs\""));
        assert!(why(
            Format::Yaml,
            "mcpServers:\n  bs:\n    env:\n      K: a\n      K: b\n"
        )
        .unwrap()
        .contains("two members named \"K\""));
        assert_eq!(
            why(
                Format::Yaml,
                "mcpServers:\n  bs:\n    env: {K: a}\n  other:\n    x: 1\n"
            ),
            None
        );
    }
}
