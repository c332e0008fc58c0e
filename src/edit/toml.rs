//! TOML (Codex `config.toml`): `toml_edit` parses with spans; edits replace only a string's bytes.

use super::json::SyntaxError;
use std::ops::Range;
use toml_edit::{Item, Value};

/// Parse `text` with spans, after [`super::toml_depth::check`]. The error is the first line of
/// `toml_edit`'s message and its position: its full text quotes the offending line, which may hold a key.
pub fn parse(text: &str) -> Result<toml_edit::Document<&str>, SyntaxError> {
    super::toml_depth::check(text)?;
    toml_edit::Document::parse(text).map_err(|e| {
        let message = e
            .message()
            .lines()
            .next()
            .unwrap_or("invalid TOML")
            .to_string();
        SyntaxError::at(text, e.span().map_or(0, |s| s.start), message)
    })
}

/// Call `on_string(path, span, value)` for every string value in the document.
pub fn walk(
    text: &str,
    mut on_string: impl FnMut(&[String], Range<usize>, &str),
) -> Result<(), SyntaxError> {
    let doc = parse(text)?;
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

/// A single-line TOML string token decoded by hand, with where each decoded byte came from, so an edit of
/// a decoded range can be made on the raw text through escapes (`\"`, `\\`, `\u00e9`…).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodedToken {
    pub value: String,
    /// `raw[i]`: the offset in the raw token where decoded byte `i` starts, or `None` for the later bytes
    /// of a character produced by one escape; `raw[value.len()]` is the offset of the closing quote.
    raw: Vec<Option<usize>>,
}

impl DecodedToken {
    /// Decode a basic (`"…"`) or literal (`'…'`) single-line string token. `None` for multi-line strings
    /// and for anything this decoder does not understand (the caller then refuses to edit it).
    pub fn parse(raw_token: &str) -> Option<DecodedToken> {
        let bytes = raw_token.as_bytes();
        let q = *bytes.first()?;
        if raw_token.len() < 2
            || bytes[raw_token.len() - 1] != q
            || raw_token.starts_with("\"\"\"")
            || raw_token.starts_with("'''")
        {
            return None;
        }
        let end = raw_token.len() - 1;
        let inner = &raw_token[1..end];
        if q == b'\'' {
            let mut raw: Vec<Option<usize>> = (1..end).map(Some).collect();
            raw.push(Some(end));
            return Some(DecodedToken {
                value: inner.to_string(),
                raw,
            });
        }
        if q != b'"' {
            return None;
        }
        let mut value = String::with_capacity(inner.len());
        let mut raw = Vec::with_capacity(inner.len() + 1);
        let mut i = 1;
        while i < end {
            let c = raw_token[i..].chars().next()?;
            if c != '\\' {
                value.push(c);
                raw.extend((i..i + c.len_utf8()).map(Some));
                i += c.len_utf8();
                continue;
            }
            let hex = |n: usize| -> Option<char> {
                let digits = raw_token.get(i + 2..i + 2 + n)?;
                if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return None;
                }
                char::from_u32(u32::from_str_radix(digits, 16).ok()?)
            };
            let (decoded, len) = match *bytes.get(i + 1)? {
                b'b' => ('\u{8}', 2),
                b't' => ('\t', 2),
                b'n' => ('\n', 2),
                b'f' => ('\u{c}', 2),
                b'r' => ('\r', 2),
                b'e' => ('\u{1b}', 2),
                b'"' => ('"', 2),
                b'\\' => ('\\', 2),
                b'x' => (hex(2)?, 4),
                b'u' => (hex(4)?, 6),
                b'U' => (hex(8)?, 10),
                _ => return None,
            };
            value.push(decoded);
            raw.push(Some(i));
            raw.extend(std::iter::repeat_n(None, decoded.len_utf8() - 1));
            i += len;
        }
        if i != end {
            return None;
        }
        raw.push(Some(end));
        Some(DecodedToken { value, raw })
    }

    /// Where the decoded range lies in the raw token: `None` if an end falls inside one escape's output.
    pub fn raw_range(&self, decoded: Range<usize>) -> Option<Range<usize>> {
        Some((*self.raw.get(decoded.start)?)?..(*self.raw.get(decoded.end)?)?)
    }
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
    fn escapes_map_decoded_ranges_to_raw_ranges() {
        let raw = r#""a\"b\\c\u00e9d\tz""#;
        let t = DecodedToken::parse(raw).unwrap();
        let mut walked = String::new();
        walk(&format!("k = {raw}\n"), |_, _, v| walked = v.to_string()).unwrap();
        assert_eq!(t.value, walked, "{raw}");
        assert_eq!(t.value, "a\"b\\cédtz".replace("dtz", "d\tz"));
        // "é" is two decoded bytes from one escape: its inside is not a boundary.
        let e = t.value.find('é').unwrap();
        assert_eq!(t.raw_range(e..e + 2).map(|r| &raw[r]), Some(r"\u00e9"));
        assert_eq!(t.raw_range(e + 1..e + 2), None);
        assert_eq!(t.raw_range(0..t.value.len()), Some(1..raw.len() - 1));
        assert_eq!(DecodedToken::parse(r"'x\y'").unwrap().value, r"x\y");
        assert_eq!(DecodedToken::parse(r#""""x""""#), None);
        assert_eq!(DecodedToken::parse(r#""bad\q""#), None);
    }

    #[test]
    fn escape_writes_basic_strings_and_refuses_what_a_literal_string_cannot_hold() {
        assert_eq!(
            escape("a\"b\\c\u{1}\t\u{7f}é 😀", b'"').unwrap(),
            r#"a\"b\\c\u0001\u0009\u007Fé 😀"#
        );
        // A literal string takes the value as it is, unless it holds a `'` or a control character.
        assert_eq!(escape(r#"a"b\c é"#, b'\'').unwrap(), r#"a"b\c é"#);
        assert!(escape("it's", b'\'').is_err());
        assert!(escape("a\tb", b'\'').is_err());
    }

    #[test]
    fn invalid_toml_is_an_error_with_a_position() {
        let e = walk("[a]\nx = \n", |_, _, _| {}).unwrap_err();
        assert_eq!(e.line, 2, "{e}");
    }
}
