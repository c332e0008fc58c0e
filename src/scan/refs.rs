//! `rekey://<id>` references: how the scan recognises a value that is not a key but names one in the
//! keychain. (Protect makes them; the syntax is the scan's, so the scan needs nothing above it.)

use std::ops::Range;

/// What a reference starts with.
pub const SCHEME: &str = "rekey://";
/// The longest id a reference may carry.
const MAX_ID: usize = 64;

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

/// The id of a slot value that is exactly one reference.
pub fn reference_id(value: &str) -> Option<&str> {
    let found = find(value);
    match found.as_slice() {
        [f] if f.range == (0..value.len()) => Some(f.id),
        _ => None,
    }
}
