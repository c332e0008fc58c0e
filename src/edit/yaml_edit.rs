//! Editing YAML scalars in place: decode a flow scalar's token with where each decoded byte came from,
//! escape the new value for the token's style, and prove the edited text reads back as planned.

use super::{parse, plain_is_string, Scalar, Style};
use std::ops::Range;

/// A single-line flow scalar token (plain, `'…'` or `"…"`) decoded by hand, with where each decoded byte
/// came from, so an edit of a decoded range can be made on the raw text through escapes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodedToken {
    pub value: String,
    /// `raw[i]`: the offset in the raw token where decoded byte `i` starts, or `None` for the later bytes
    /// of a character produced by one escape; `raw[value.len()]` is where the value ends in the token.
    raw: Vec<Option<usize>>,
}

impl DecodedToken {
    /// Decode a token of `style`. `None` for block scalars, tokens over several lines (their line
    /// breaks fold) and anything this decoder does not understand: the caller then refuses to edit it.
    pub fn parse(raw_token: &str, style: Style) -> Option<DecodedToken> {
        if raw_token.contains(['\n', '\r']) {
            return None;
        }
        let bytes = raw_token.as_bytes();
        match style {
            Style::Plain => Some(DecodedToken {
                value: raw_token.to_string(),
                raw: (0..=raw_token.len()).map(Some).collect(),
            }),
            Style::SingleQuoted => {
                let end = raw_token.len().checked_sub(1)?;
                if end < 1 || bytes[0] != b'\'' || bytes[end] != b'\'' {
                    return None;
                }
                let mut value = String::new();
                let mut raw = Vec::new();
                let mut i = 1;
                while i < end {
                    if bytes[i] == b'\'' {
                        if bytes.get(i + 1) != Some(&b'\'') || i + 1 >= end {
                            return None;
                        }
                        value.push('\'');
                        raw.push(Some(i));
                        i += 2;
                        continue;
                    }
                    let c = raw_token[i..].chars().next()?;
                    value.push(c);
                    raw.extend((i..i + c.len_utf8()).map(Some));
                    i += c.len_utf8();
                }
                raw.push(Some(end));
                Some(DecodedToken { value, raw })
            }
            Style::DoubleQuoted => {
                let end = raw_token.len().checked_sub(1)?;
                if end < 1 || bytes[0] != b'"' || bytes[end] != b'"' {
                    return None;
                }
                let mut value = String::new();
                let mut raw = Vec::new();
                let mut i = 1;
                while i < end {
                    let c = raw_token[i..].chars().next()?;
                    if c == '"' {
                        return None;
                    }
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
                        b'0' => ('\0', 2),
                        b'a' => ('\u{7}', 2),
                        b'b' => ('\u{8}', 2),
                        b't' | b'\t' => ('\t', 2),
                        b'n' => ('\n', 2),
                        b'v' => ('\u{b}', 2),
                        b'f' => ('\u{c}', 2),
                        b'r' => ('\r', 2),
                        b'e' => ('\u{1b}', 2),
                        b' ' => (' ', 2),
                        b'"' => ('"', 2),
                        b'/' => ('/', 2),
                        b'\\' => ('\\', 2),
                        b'N' => ('\u{85}', 2),
                        b'_' => ('\u{a0}', 2),
                        b'L' => ('\u{2028}', 2),
                        b'P' => ('\u{2029}', 2),
                        b'x' => (hex(2)?, 4),
                        b'u' => (hex(4)?, 6),
                        b'U' => (hex(8)?, 10),
                        _ => return None,
                    };
                    if i + len > end {
                        return None;
                    }
                    value.push(decoded);
                    raw.push(Some(i));
                    raw.extend(std::iter::repeat_n(None, decoded.len_utf8() - 1));
                    i += len;
                }
                raw.push(Some(end));
                Some(DecodedToken { value, raw })
            }
            Style::Literal | Style::Folded => None,
        }
    }

    /// Where the decoded range lies in the raw token: `None` if an end falls inside one escape's output.
    pub fn raw_range(&self, decoded: Range<usize>) -> Option<Range<usize>> {
        Some((*self.raw.get(decoded.start)?)?..(*self.raw.get(decoded.end)?)?)
    }
}

/// Encode `value` for the inside of a double-quoted YAML scalar.
pub fn escape_double(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}') => {
                out.push_str(&format!("\\u{:04X}", c as u32))
            }
            c => out.push(c),
        }
    }
    out
}

/// Can `v` be written as a plain scalar and read back as exactly this string, anywhere (block or flow
/// context)? Deliberately strict: printable ASCII, no indicator first, no `: `, ` #`, flow indicators,
/// and it must not read as null, a bool or a number.
fn plain_ok(v: &str) -> bool {
    !v.is_empty()
        && plain_is_string(v)
        // YAML 1.1 booleans: some parsers still read them so.
        && !["yes", "no", "on", "off", "y", "n"].contains(&v.to_ascii_lowercase().as_str())
        && v.chars().all(|c| c.is_ascii_graphic() || c == ' ')
        && !v.starts_with(|c| "-?:,[]{}#&*!|>'\"%@` ".contains(c))
        && !v.ends_with([' ', ':'])
        && !v.contains(": ")
        && !v.contains(" #")
        && !v.contains([',', '[', ']', '{', '}'])
}

/// The byte edits that put new text in planned scalars of `text`. Each wanted change is (the scalar's
/// token as the scan found it, the byte range of the secret in its decoded value, the new text of that
/// range). Only the secrets' bytes change, escaped for the token's style; a plain scalar whose new value
/// cannot stay plain is written double-quoted (the whole token changes: its quotes are added). The edited
/// text is parsed again and every scalar must read back as before, the edited ones as the new value.
///
/// Refused, with the reason: a file with several documents, block scalars (`|`, `>`), scalars shared
/// through an anchor and aliases, scalars over several lines, and anything that would not read back.
pub fn edits(
    text: &str,
    wanted: &[(Range<usize>, Range<usize>, String)],
) -> Result<Vec<(Range<usize>, String)>, String> {
    let before = parse(text).map_err(|e| format!("the file does not parse ({e})"))?;
    if before.documents > 1 {
        return Err("this YAML file holds several documents (---); Rekey does not rewrite such files, edit the key by hand".into());
    }
    let mut tokens: Vec<&Range<usize>> = wanted.iter().map(|(t, _, _)| t).collect();
    tokens.sort_by_key(|t| (t.start, t.end));
    tokens.dedup();
    let mut out: Vec<(Range<usize>, String)> = Vec::new();
    // Per edited token: its start, the value it must read back as, its style afterwards.
    let mut expect: Vec<(usize, String, Style)> = Vec::new();
    for token in tokens {
        let s: &Scalar = before
            .scalars
            .iter()
            .find(|s| !s.via_alias && s.token == *token)
            .ok_or("the planned value is no longer a YAML scalar at its place")?;
        if before.scalars.iter().any(|o| o.token == *token && o.shared) {
            return Err("this YAML value is anchored (&) and reused through aliases (*) by several entries; edit it by hand so each keeps the value it should".into());
        }
        if matches!(s.style, Style::Literal | Style::Folded) {
            return Err(
                "the key is in a YAML block scalar (| or >); Rekey does not rewrite those, edit it by hand"
                    .into(),
            );
        }
        let raw = &text[token.clone()];
        let decoded = DecodedToken::parse(raw, s.style)
            .filter(|d| d.value == s.value)
            .ok_or("this YAML string spans several lines or uses an escape Rekey does not know; edit it by hand")?;
        let mut mine: Vec<(Range<usize>, &str)> = wanted
            .iter()
            .filter(|(t, _, _)| t == token)
            .map(|(_, r, v)| (r.clone(), v.as_str()))
            .collect();
        mine.sort_by_key(|(r, _)| std::cmp::Reverse(r.start));
        let mut new_value = decoded.value.clone();
        for (r, v) in &mine {
            if new_value.get(r.clone()).is_none() {
                return Err("the key does not line up with this YAML string".into());
            }
            new_value.replace_range(r.clone(), v);
        }
        let mut style = s.style;
        if s.style == Style::Plain && !plain_ok(&new_value) {
            // The least surprising form that holds any value: the same scalar, double-quoted.
            out.push((token.clone(), format!("\"{}\"", escape_double(&new_value))));
            style = Style::DoubleQuoted;
        } else {
            for (r, v) in &mine {
                let rr = decoded
                    .raw_range(r.clone())
                    .ok_or("the key does not line up with this YAML string's escapes")?;
                let enc = match s.style {
                    Style::DoubleQuoted => escape_double(v),
                    Style::SingleQuoted => v.replace('\'', "''"),
                    _ => v.to_string(),
                };
                out.push((token.start + rr.start..token.start + rr.end, enc));
            }
        }
        expect.push((token.start, new_value, style));
    }
    out.sort_by_key(|(r, _)| r.start);
    if out.windows(2).any(|w| w[1].0.start < w[0].0.end) {
        return Err("two changes overlap".into());
    }
    verify(text, &before.scalars, &out, &expect)?;
    Ok(out)
}

/// Apply `edits` to `text`, parse the result and check it holds the same scalars at the same paths,
/// in the same styles, with only the `expect`ed tokens (by old start) changed to their new values.
fn verify(
    text: &str,
    before: &[Scalar],
    edits: &[(Range<usize>, String)],
    expect: &[(usize, String, Style)],
) -> Result<(), String> {
    let mut new_text = String::with_capacity(text.len() + 64);
    let mut pos = 0;
    for (r, e) in edits {
        new_text.push_str(&text[pos..r.start]);
        new_text.push_str(e);
        pos = r.end;
    }
    new_text.push_str(&text[pos..]);
    let shift = |at: usize| -> usize {
        let d: isize = edits
            .iter()
            .filter(|(r, _)| r.end <= at && r.start < at)
            .map(|(r, e)| e.len() as isize - r.len() as isize)
            .sum();
        (at as isize + d) as usize
    };
    const WHY: &str = "the edited YAML would not read back as the new key";
    let after = parse(&new_text).map_err(|e| format!("the edited file would not parse ({e})"))?;
    if after.documents != 1 || after.scalars.len() != before.len() {
        return Err(WHY.into());
    }
    for (old, new) in before.iter().zip(&after.scalars) {
        let (value, style) = match expect.iter().find(|(at, _, _)| *at == old.token.start) {
            Some((_, v, st)) => (v.as_str(), *st),
            None => (old.value.as_str(), old.style),
        };
        if new.path != old.path
            || new.value != value
            || new.style != style
            || new.string != old.string
            || new.via_alias != old.via_alias
            || new.token.start != shift(old.token.start)
        {
            return Err(WHY.into());
        }
    }
    Ok(())
}
