//! Percent-encoding (RFC 3986) of the values Rekey puts in and reads from URLs: one implementation for
//! the scan, the providers, the scrubber and `rekey exec`. (Hand-written: two dozen lines with exactly
//! the behaviour the scan needs on hostile input, where a crate's decoder would reject or replace.)

/// Decode `%XX` escapes. Works on bytes: a `%` followed by anything but two hex digits (a multi-byte
/// character, a sign, the end of the text) is kept as it is, since the text comes from a config file and
/// must never make the scan fail.
pub fn percent_decode(s: &str) -> String {
    fn hex(c: u8) -> Option<u8> {
        (c as char).to_digit(16).map(|d| d as u8)
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            if let (Some(h), Some(l)) = (
                b.get(i + 1).copied().and_then(hex),
                b.get(i + 2).copied().and_then(hex),
            ) {
                out.push(h << 4 | l);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Percent-encode everything but RFC 3986 unreserved characters.
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
