//! The views a [`Scrubber`](super::Scrubber) searches a text in: the text read through one decoding (as
//! it is, percent-decoded, escape-decoded), without line breaks and the indentation after them, each
//! byte remembering the part of the original text it stands for.

use super::MIN_TAIL;
use std::borrow::Cow;

/// A text read through one decoding, without line breaks: its bytes, and for each byte the range of the
/// original text it stands for (`None`: byte `i` is the original's byte `i`).
pub(super) struct View<'a> {
    bytes: Cow<'a, [u8]>,
    from: Option<Vec<(usize, usize)>>,
}

impl View<'_> {
    fn original(&self, i: usize) -> (usize, usize) {
        match &self.from {
            Some(f) => f[i],
            None => (i, i + 1),
        }
    }

    /// Push the original range of every occurrence of `needle`, and of a start of it (from `MIN_TAIL`
    /// bytes on) at the very end of the view: a text cut to a maximum length can end in a key's start.
    pub(super) fn search(&self, needle: &[u8], found: &mut Vec<(usize, usize)>) {
        let hay = &self.bytes[..];
        let span = |a: usize, b: usize| (self.original(a).0, self.original(b - 1).1);
        for at in memchr::memmem::find_iter(hay, needle) {
            found.push(span(at, at + needle.len()));
        }
        let n = hay.len();
        if needle.len() > MIN_TAIL && n >= MIN_TAIL {
            let first = n.saturating_sub(needle.len() - 1);
            if let Some(at) = (first..=n - MIN_TAIL).find(|&at| needle.starts_with(&hay[at..])) {
                found.push(span(at, n));
            }
        }
    }
}

/// The views a text is searched in: as it is, and (when it holds something to decode) percent-decoded
/// and escape-decoded; each without its line breaks.
pub(super) fn views(input: &str) -> Vec<View<'_>> {
    let bytes = input.as_bytes();
    let mut out = Vec::with_capacity(3);
    if memchr::memchr(b'\n', bytes).is_none() {
        out.push(View {
            bytes: Cow::Borrowed(bytes),
            from: None,
        });
    } else {
        out.push(unbreak(
            bytes
                .iter()
                .enumerate()
                .map(|(i, &b)| (b, (i, i + 1)))
                .collect(),
        ));
    }
    if memchr::memchr(b'%', bytes).is_some() {
        out.push(unbreak(percent_decoded(bytes)));
    }
    if memchr::memchr(b'\\', bytes).is_some() {
        out.push(unbreak(escape_decoded(input)));
    }
    out
}

/// A decoded text: each byte with the original range it came from.
type Units = Vec<(u8, (usize, usize))>;

/// `units` without line breaks (`\n`, `\r\n`) and the spaces and tabs right after them.
fn unbreak(units: Units) -> View<'static> {
    let mut bytes = Vec::with_capacity(units.len());
    let mut from = Vec::with_capacity(units.len());
    let mut i = 0;
    while i < units.len() {
        let b = units[i].0;
        let brk = if b == b'\n' {
            1
        } else if b == b'\r' && units.get(i + 1).is_some_and(|u| u.0 == b'\n') {
            2
        } else {
            0
        };
        if brk > 0 {
            i += brk;
            while units.get(i).is_some_and(|u| matches!(u.0, b' ' | b'\t')) {
                i += 1;
            }
            continue;
        }
        bytes.push(b);
        from.push(units[i].1);
        i += 1;
    }
    View {
        bytes: Cow::Owned(bytes),
        from: Some(from),
    }
}

/// `s` without line breaks and the indentation after them (how a secret is searched in a view).
pub(super) fn unbroken(s: &str) -> String {
    let v = unbreak(
        s.bytes()
            .enumerate()
            .map(|(i, b)| (b, (i, i + 1)))
            .collect(),
    );
    String::from_utf8_lossy(&v.bytes).into_owned()
}

fn hex(b: u8) -> Option<u32> {
    (b as char).to_digit(16)
}

/// Every `%HH` (either case) decoded to its byte; anything else as it is.
fn percent_decoded(b: &[u8]) -> Units {
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            if let (Some(h), Some(l)) = (
                b.get(i + 1).copied().and_then(hex),
                b.get(i + 2).copied().and_then(hex),
            ) {
                out.push(((h * 16 + l) as u8, (i, i + 3)));
                i += 3;
                continue;
            }
        }
        out.push((b[i], (i, i + 1)));
        i += 1;
    }
    out
}

/// The code point of `n` hex digits at `b[at..]`.
fn hex_at(b: &[u8], at: usize, n: usize) -> Option<u32> {
    let digits = b.get(at..at + n)?;
    digits
        .iter()
        .try_fold(0u32, |acc, &d| Some(acc * 16 + hex(d)?))
}

/// The JSON, TOML and YAML double-quoted escapes decoded (`\"`, `\\`, `\/`, `\n`…, `\uXXXX` with
/// surrogate pairs, `\UXXXXXXXX`, `\xHH`); anything else, an unknown escape included, as it is.
fn escape_decoded(s: &str) -> Units {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    let push_char = |out: &mut Units, c: char, range: (usize, usize)| {
        let mut buf = [0u8; 4];
        for &x in c.encode_utf8(&mut buf).as_bytes() {
            out.push((x, range));
        }
    };
    while i < b.len() {
        if b[i] == b'\\' {
            let simple = match b.get(i + 1) {
                Some(b'"') => Some(b'"'),
                Some(b'\\') => Some(b'\\'),
                Some(b'/') => Some(b'/'),
                Some(b'\'') => Some(b'\''),
                Some(b'b') => Some(8),
                Some(b'f') => Some(12),
                Some(b'n') => Some(b'\n'),
                Some(b'r') => Some(b'\r'),
                Some(b't') => Some(b'\t'),
                Some(b'e') => Some(27),
                _ => None,
            };
            if let Some(c) = simple {
                out.push((c, (i, i + 2)));
                i += 2;
                continue;
            }
            let (cp, len) = match b.get(i + 1) {
                Some(b'u') => match hex_at(b, i + 2, 4) {
                    // A surrogate pair: `\uD83D\uDE00`.
                    Some(hi @ 0xD800..=0xDBFF) => {
                        match (b.get(i + 6..i + 8), hex_at(b, i + 8, 4)) {
                            (Some(b"\\u"), Some(lo @ 0xDC00..=0xDFFF)) => {
                                (Some(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)), 12)
                            }
                            _ => (None, 0),
                        }
                    }
                    cp => (cp, 6),
                },
                Some(b'U') => (hex_at(b, i + 2, 8), 10),
                Some(b'x') => (hex_at(b, i + 2, 2), 4),
                _ => (None, 0),
            };
            if let Some(c) = cp.and_then(char::from_u32) {
                push_char(&mut out, c, (i, i + len));
                i += len;
                continue;
            }
        }
        out.push((b[i], (i, i + 1)));
        i += 1;
    }
    out
}
