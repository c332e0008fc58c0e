//! TOML (Codex `config.toml`): `toml_edit` parses with spans; edits replace only a string's bytes.

use super::json::SyntaxError;
use std::ops::Range;
use toml_edit::{Item, Value};

/// Call `on_string(path, span, value)` for every string value in the document.
pub fn walk(
    text: &str,
    mut on_string: impl FnMut(&[String], Range<usize>, &str),
) -> Result<(), SyntaxError> {
    let doc: toml_edit::Document<&str> = toml_edit::Document::parse(text).map_err(|e| {
        let offset = e.span().map_or(0, |s| s.start);
        let before = &text[..offset.min(text.len())];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
        let message = e
            .message()
            .lines()
            .next()
            .unwrap_or("invalid TOML")
            .to_string();
        SyntaxError {
            line,
            column,
            message,
        }
    })?;
    let mut path = Vec::new();
    walk_table(doc.as_table(), &mut path, &mut on_string);
    Ok(())
}

fn walk_table(
    t: &toml_edit::Table,
    path: &mut Vec<String>,
    f: &mut impl FnMut(&[String], Range<usize>, &str),
) {
    for (k, item) in t.iter() {
        path.push(k.to_string());
        walk_item(item, path, f);
        path.pop();
    }
}

fn walk_item(
    item: &Item,
    path: &mut Vec<String>,
    f: &mut impl FnMut(&[String], Range<usize>, &str),
) {
    match item {
        Item::Value(v) => walk_value(v, path, f),
        Item::Table(t) => walk_table(t, path, f),
        Item::ArrayOfTables(a) => {
            for (i, t) in a.iter().enumerate() {
                path.push(i.to_string());
                walk_table(t, path, f);
                path.pop();
            }
        }
        Item::None => {}
    }
}

fn walk_value(
    v: &Value,
    path: &mut Vec<String>,
    f: &mut impl FnMut(&[String], Range<usize>, &str),
) {
    match v {
        Value::String(s) => {
            if let Some(span) = s.span() {
                f(path, span, s.value());
            }
        }
        Value::Array(a) => {
            for (i, v) in a.iter().enumerate() {
                path.push(i.to_string());
                walk_value(v, path, f);
                path.pop();
            }
        }
        Value::InlineTable(t) => {
            for (k, v) in t.iter() {
                path.push(k.to_string());
                walk_value(v, path, f);
                path.pop();
            }
        }
        _ => {}
    }
}

/// Where the decoded range `range` of a TOML string token lies in its raw text, when that can be known
/// exactly: single-line strings whose raw content equals the decoded value (no escapes).
pub fn raw_range(raw_token: &str, decoded: &str, range: Range<usize>) -> Option<Range<usize>> {
    let q = raw_token.as_bytes().first().copied()?;
    if raw_token.starts_with("\"\"\"") || raw_token.starts_with("'''") || (q != b'"' && q != b'\'')
    {
        return None;
    }
    let inner = &raw_token[1..raw_token.len() - 1];
    (inner == decoded).then(|| range.start + 1..range.end + 1)
}

/// Encode `value` for the inside of a TOML string whose opening quote is `quote`.
pub fn escape(value: &str, quote: u8) -> Result<String, String> {
    if quote == b'\'' {
        if value.contains('\'') || value.chars().any(|c| c.is_control()) {
            return Err(
                "the new value cannot be written inside a TOML literal ('…') string".into(),
            );
        }
        return Ok(value.to_string());
    }
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_strings_in_tables_inline_tables_and_arrays() {
        let text = "# c\n[mcp_servers.x]\nargs = [\"-y\", 'lit']\nenv = { \"API_KEY\" = \"k1\" }\n[mcp_servers.x.env2]\nT = \"k2\"\n";
        let mut got = Vec::new();
        walk(text, |p, span, v| {
            got.push((p.join("."), v.to_string(), text[span].to_string()))
        })
        .unwrap();
        assert_eq!(
            got,
            [
                ("mcp_servers.x.args.0".into(), "-y".into(), "\"-y\"".into()),
                ("mcp_servers.x.args.1".into(), "lit".into(), "'lit'".into()),
                (
                    "mcp_servers.x.env.API_KEY".into(),
                    "k1".into(),
                    "\"k1\"".into()
                ),
                ("mcp_servers.x.env2.T".into(), "k2".into(), "\"k2\"".into()),
            ]
        );
    }

    #[test]
    fn invalid_toml_is_an_error_with_a_position() {
        let e = walk("[a]\nx = \n", |_, _, _| {}).unwrap_err();
        assert_eq!(e.line, 2, "{e}");
    }
}
