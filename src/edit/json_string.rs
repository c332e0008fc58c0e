//! JSON string literals: decoding, encoding, and mapping a decoded offset back to the raw text (the
//! three must agree exactly, or a key is written in the wrong place).

/// Decode the inside of a string literal already checked by the lexer (an `Err` is the offset of a
/// malformed `\u` escape, which the lexer already rules out).
pub(super) fn unescape(raw: &str) -> Result<String, usize> {
    let b = raw.as_bytes();
    let mut out = String::with_capacity(raw.len());
    let mut i = 0;
    let mut plain = 0;
    while i < b.len() {
        if b[i] != b'\\' {
            i += 1;
            continue;
        }
        out.push_str(&raw[plain..i]);
        let c = b[i + 1];
        i += 2;
        match c {
            b'"' => out.push('"'),
            b'\\' => out.push('\\'),
            b'/' => out.push('/'),
            b'b' => out.push('\u{08}'),
            b'f' => out.push('\u{0c}'),
            b'n' => out.push('\n'),
            b'r' => out.push('\r'),
            b't' => out.push('\t'),
            _ => {
                let hex = |at: usize| u32::from_str_radix(&raw[at..at + 4], 16).map_err(|_| at);
                let hi = hex(i)?;
                i += 4;
                // A surrogate pair is one character; a lone surrogate is allowed by JSON's grammar and
                // decodes to U+FFFD (3 bytes, as `raw_offset` assumes).
                let ch = if (0xd800..0xdc00).contains(&hi)
                    && b.get(i) == Some(&b'\\')
                    && b.get(i + 1) == Some(&b'u')
                    && b.len() >= i + 6
                    && (0xdc00..0xe000).contains(&hex(i + 2)?)
                {
                    let lo = hex(i + 2)?;
                    i += 6;
                    // Always a character: 0x10000..=0x10FFFF.
                    char::from_u32(0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00))
                } else {
                    char::from_u32(hi)
                };
                out.push(ch.unwrap_or('\u{fffd}'));
            }
        }
        plain = i;
    }
    out.push_str(&raw[plain..]);
    Ok(out)
}

/// Encode `value` as the *inside* of a JSON string literal (no quotes), escaping only what must be.
pub fn escape(value: &str, out: &mut String) {
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || c == '\u{2028}' || c == '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
}

/// Map a byte offset in the *decoded* value of a string token to the byte offset in the raw token
/// text (which starts with its opening quote). Used to replace only the bytes of a secret inside a
/// longer string such as `"Bearer <key>"`, even when other parts of the string contain escapes.
pub fn raw_offset(raw_token: &str, decoded_offset: usize) -> usize {
    let bytes = raw_token.as_bytes();
    let mut raw = 1; // skip the opening quote
    let mut decoded = 0;
    while decoded < decoded_offset && raw < bytes.len() - 1 {
        if bytes[raw] == b'\\' {
            let esc = bytes[raw + 1];
            if esc == b'u' {
                let code = u32::from_str_radix(&raw_token[raw + 2..raw + 6], 16).unwrap_or(0xfffd);
                // A pair only when a low surrogate follows, exactly as `unescape` decides (two lone high
                // surrogates are two U+FFFD).
                let low = raw_token
                    .get(raw + 6..raw + 12)
                    .and_then(|t| t.strip_prefix("\\u"))
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                    .is_some_and(|c| (0xdc00..0xe000).contains(&c));
                if (0xd800..0xdc00).contains(&code) && low {
                    // A surrogate pair is one 4-byte character.
                    raw += 12;
                    decoded += 4;
                } else {
                    raw += 6;
                    decoded += char::from_u32(code).map_or(3, |c| c.len_utf8());
                }
            } else {
                raw += 2;
                decoded += 1;
            }
        } else {
            let ch_len = utf8_len(bytes[raw]);
            raw += ch_len;
            decoded += ch_len;
        }
    }
    raw
}

fn utf8_len(first: u8) -> usize {
    match first {
        0x00..=0x7f => 1,
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        _ => 4,
    }
}
