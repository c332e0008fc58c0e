//! Percent-encoding written out for the property tests' expectations, independent of the code under test.

/// `s` percent-encoded for a URL: RFC 3986's unreserved characters as they are, every other byte `%XX`.
pub fn pct(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
