//! How a YAML server entry (Goose `extensions`, Continue's `mcpServers` list, LibreChat `mcpServers`)
//! starts its server, as a [`Shape`] that `wrap` edits like any other: the command scalar (Goose `cmd`,
//! the others `command`) and the `args` sequence, with what goes between two items (`, ` in a flow
//! sequence; a line break and the items' `- ` prefix in a block sequence) and how an `args` member is
//! added after the command when there is none (`\n<indent>args: […]`, or `, args: […]` in a flow mapping).
//!
//! Refused with the reason: several documents, anything anchored or reused through an alias, a block
//! scalar (`|`, `>`) as the command or an argument, `args` that is not a sequence, and layouts whose
//! indentation Rekey cannot read back (an item sharing its line with another indicator).

use super::wrap::{Args, Shape, Tok};
use crate::edit::yaml::{self, Scalar, Style};

/// The entry at exactly `entry` in `text` (a list item's segment is its index). An entry that a mapping
/// with two keys of one name makes ambiguous is refused.
pub(super) fn shape(text: &str, entry: &[String]) -> Shape {
    let parsed = match yaml::parse(text) {
        Ok(p) => p,
        Err(e) => return Shape::Unsupported(format!("the file does not parse ({e})")),
    };
    if parsed.documents > 1 {
        return Shape::Unsupported("the file holds several YAML documents (---)".into());
    }
    if let Some(why) = super::locate::yaml_duplicate(&parsed, entry) {
        return Shape::Unsupported(why);
    }
    let exists = parsed.collections.iter().any(|c| c.path == entry)
        || parsed.scalars.iter().any(|s| starts(&s.path, entry));
    if !exists {
        return Shape::Unsupported("the server entry was not found".into());
    }
    match entry_shape(text, &parsed, entry) {
        Ok(s) => s,
        Err(why) => Shape::Unsupported(why),
    }
}

fn starts(p: &[String], prefix: &[String]) -> bool {
    p.len() >= prefix.len() && p.iter().zip(prefix).all(|(a, b)| a == b)
}

fn entry_shape(text: &str, parsed: &yaml::Parsed, prefix: &[String]) -> Result<Shape, String> {
    let mine: Vec<&Scalar> = parsed
        .scalars
        .iter()
        .filter(|s| starts(&s.path, prefix))
        .collect();
    if mine.iter().any(|s| s.shared || s.via_alias || s.anchored)
        || parsed
            .collections
            .iter()
            .any(|c| starts(&c.path, prefix) && c.anchored)
    {
        return Err("the entry uses YAML anchors or aliases; Rekey does not rewrite it".into());
    }
    let entry = parsed
        .collections
        .iter()
        .find(|c| c.path == prefix && !c.sequence)
        .ok_or("the server entry is not a mapping")?;
    let at = |key: &str| -> Vec<String> {
        let mut p = prefix.to_vec();
        p.push(key.to_string());
        p
    };
    let command = ["command", "cmd"]
        .iter()
        .find_map(|k| mine.iter().find(|s| s.path == at(k)))
        .copied();
    let Some(command) = command else {
        return Ok(
            match ["url", "uri", "serverUrl"]
                .iter()
                .any(|k| mine.iter().any(|s| s.path == at(k)))
            {
                true => Shape::Remote,
                false => Shape::Unsupported("the entry has no `command` (Goose: `cmd`)".into()),
            },
        );
    };
    if !command.string || !flow(command.style) {
        return Err("its command is not a one-line YAML string".into());
    }
    let crlf = text.contains("\r\n");
    let nl = if crlf { "\r\n" } else { "\n" };
    let args_path = at("args");
    let seq = parsed.collections.iter().find(|c| c.path == args_path);
    let items: Vec<&Scalar> = mine
        .iter()
        .filter(|s| s.path.len() == args_path.len() + 1 && starts(&s.path, &args_path))
        .copied()
        .collect();
    if seq.is_none() && mine.iter().any(|s| s.path == args_path) {
        return Err("its `args` is not a list".into());
    }
    let seq_flow = seq.is_some_and(|c| c.flow(text));
    let args = match seq {
        None => None,
        Some(c) if !c.sequence => return Err("its `args` is not a list".into()),
        Some(c) => {
            if items.iter().any(|s| !flow(s.style)) {
                return Err("one of its arguments is a YAML block scalar (| or >)".into());
            }
            if parsed
                .collections
                .iter()
                .any(|o| o.path.len() > args_path.len() && starts(&o.path, &args_path))
            {
                return Err("its `args` holds a list or mapping".into());
            }
            let sep = match (seq_flow, items.first()) {
                (true, _) => ", ".to_string(),
                (false, Some(first)) => {
                    let prefix = line_prefix(text, first.token.start);
                    let item = prefix.trim_start_matches([' ', '\t']);
                    if !(item.starts_with('-') && item[1..].chars().all(|c| c == ' '))
                        || item.len() < 2
                    {
                        return Err(
                            "its `args` items are laid out in a way Rekey cannot extend".into()
                        );
                    }
                    format!("{nl}{prefix}")
                }
                (false, None) => return Err("its `args` is empty".into()),
            };
            Some(Args {
                open: c.start + 1,
                elems: items
                    .iter()
                    .map(|s| Tok {
                        span: s.token.clone(),
                        value: s.value.clone(),
                    })
                    .collect(),
                sep,
            })
        }
    };
    // `args: []` in flow style, added after the command: its indentation is the command key's.
    let args_at = if entry.flow(text) {
        ", args: ".to_string()
    } else {
        let prefix = line_prefix(text, command.token.start);
        let key = prefix.trim_start_matches([' ', '\t', '-']);
        let indent: String = prefix[..prefix.len() - key.len()]
            .chars()
            .map(|c| if c == '-' { ' ' } else { c })
            .collect();
        if !key.starts_with(command.path.last().map_or("", String::as_str)) {
            return Err("its command key is laid out in a way Rekey cannot extend".into());
        }
        format!("{nl}{indent}args: ")
    };
    // The command goes into the arguments as its own bytes, unless a plain scalar would not stay one there.
    let raw = &text[command.token.clone()];
    let in_flow = seq.is_none() || seq_flow;
    let program = match command.style {
        Style::Plain if in_flow && raw.contains([',', '[', ']', '{', '}']) => {
            format!("\"{}\"", yaml::escape_double(&command.value))
        }
        _ => raw.to_string(),
    };
    Ok(Shape::Split {
        command: Tok {
            span: command.token.clone(),
            value: command.value.clone(),
        },
        args,
        args_at,
        program,
    })
}

fn flow(style: Style) -> bool {
    matches!(
        style,
        Style::Plain | Style::SingleQuoted | Style::DoubleQuoted
    )
}

/// The text of `at`'s line before `at`.
fn line_prefix(text: &str, at: usize) -> &str {
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    &text[start..at]
}

#[cfg(test)]
mod tests {
    use super::super::wrap::{apply_edits, is_wrapped, sorted, unwrap, wrap};
    use super::*;

    fn keys(k: &[&str]) -> Vec<String> {
        k.iter().map(|s| s.to_string()).collect()
    }

    fn roundtrip(text: &str, entry: &[&str], wrapped: &str) {
        let entry = keys(entry);
        let s = shape(text, &entry);
        assert!(matches!(s, Shape::Split { .. }) && !is_wrapped(&s), "{s:?}");
        let edits = sorted(wrap(crate::clients::Format::Yaml, &s, "/opt/rekey").unwrap()).unwrap();
        let after = String::from_utf8(apply_edits(text.as_bytes(), &edits)).unwrap();
        assert_eq!(after, wrapped);
        yaml::parse(&after).unwrap();
        let s2 = shape(&after, &entry);
        assert!(is_wrapped(&s2), "{s2:?}");
        let back = sorted(unwrap(&after, &s2).unwrap()).unwrap();
        let back = String::from_utf8(apply_edits(after.as_bytes(), &back)).unwrap();
        assert_eq!(back, text, "byte for byte");
    }

    #[test]
    fn yaml_entries_are_wrapped_and_unwrapped_byte_for_byte() {
        // Goose: `cmd`, a block sequence.
        roundtrip(
            "extensions:\n  bitscale:\n    type: stdio\n    cmd: uvx # run\n    args:\n      - bitscale-mcp\n      - '--x'\n    envs:\n      K: v\n",
            &["extensions", "bitscale"],
            "extensions:\n  bitscale:\n    type: stdio\n    cmd: \"/opt/rekey\" # run\n    args:\n      - \"exec\"\n      - \"--\"\n      - uvx\n      - bitscale-mcp\n      - '--x'\n    envs:\n      K: v\n",
        );
        // Continue: a list item (found at its index); no args (added with the key's indentation); CRLF.
        roundtrip(
            "mcpServers:\r\n  - name: bitscale\r\n    command: uvx\r\n    env:\r\n      K: v\r\n",
            &["mcpServers", "0"],
            "mcpServers:\r\n  - name: bitscale\r\n    command: \"/opt/rekey\"\r\n    args: [\"exec\", \"--\", uvx]\r\n    env:\r\n      K: v\r\n",
        );
        // The command is the item's first key; a flow sequence.
        roundtrip(
            "mcpServers:\n- command: \"npx\"\n  name: a2a\n  args: [-y, '@a2amarket/mcp']\n",
            &["mcpServers", "0"],
            "mcpServers:\n- command: \"/opt/rekey\"\n  name: a2a\n  args: [\"exec\", \"--\", \"npx\", -y, '@a2amarket/mcp']\n",
        );
        // LibreChat: a flow mapping.
        roundtrip(
            "mcpServers:\n  bs: {command: uvx, env: {K: v}}\n",
            &["mcpServers", "bs"],
            "mcpServers:\n  bs: {command: \"/opt/rekey\", args: [\"exec\", \"--\", uvx], env: {K: v}}\n",
        );
    }

    #[test]
    fn yaml_entries_rekey_cannot_rewrite_are_refused_with_why() {
        let why = |t: &str| match shape(t, &keys(&["extensions", "bs"])) {
            Shape::Unsupported(w) => w,
            other => panic!("{other:?}"),
        };
        assert!(why("extensions:\n  bs:\n    cmd: |\n      uvx\n").contains("one-line"));
        assert!(why("base: &b\n  cmd: uvx\nextensions:\n  bs: *b\n").contains("anchors"));
        assert!(why("extensions:\n  bs:\n    cmd: uvx\n    args: x\n").contains("not a list"));
        assert!(
            why("extensions:\n  bs:\n    cmd: uvx\n    args:\n      - [a]\n")
                .contains("holds a list")
        );
        assert!(why("a: 1\n---\nb: 2\n").contains("several"));
        assert!(why("extensions:\n  other:\n    cmd: uvx\n").contains("not found"));
        assert!(
            why("extensions:\n  bs:\n    cmd: uvx\n  bs:\n    cmd: npx\n")
                .contains("two members named \"bs\"; clients disagree")
        );
        assert!(matches!(
            shape(
                "extensions:\n  bs:\n    type: streamable_http\n    uri: https://x\n",
                &keys(&["extensions", "bs"])
            ),
            Shape::Remote
        ));
    }
}
