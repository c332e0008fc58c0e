//! The one scrubbing boundary: every text that can leave the engine (an error message, a journal or audit
//! line, an IPC result, a line on the terminal) passes through here.
//!
//! Two layers:
//! - [`text`] removes what is secret by shape: the query, fragment and userinfo of every URL in the text
//!   (`https://u:p@host/path?apiKey=…` becomes `https://host/path?…`). It needs no knowledge of the
//!   secrets in play, so the outermost boundaries (the CLI's error line, `Error`'s serialization for the
//!   UI, the journal and audit writers) apply it to everything.
//! - [`Scrubber`] also removes the exact secrets a transaction handles (the current key, the new key, the
//!   admin credential), in every form they can take in a message: raw; percent-encoded (any set of bytes
//!   encoded, upper- or lower-case hex); with JSON/TOML escapes (`\"`, `\\`, `\/`, `\u00e9`…); in base64
//!   (both alphabets, padded or not, alone or inside a longer blob such as `Basic base64(user:key)`); and
//!   split by line breaks (`\n` or `\r\n`, maybe followed by indentation) anywhere inside it. Provider
//!   error bodies can echo a key back; a scrubber built by the transaction removes it.
//!
//! How: rather than list every combination of encodings as strings, the text is read through a few
//! decodings ("views": as it is, percent-decoded, escape-decoded; each without line breaks and the
//! indentation after them), and each view is searched for the raw secret and its base64 forms. Every
//! view byte remembers the part of the original text it came from, so a match is removed from the
//! original. Each search is linear (memchr's substring finder), so cleaning is linear in the text for a
//! given set of secrets. No crate does this kind of decoding-aware search; it is written here.

use crate::Secret;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine;
mod views;
use views::{unbroken, views};

/// What a removed value is replaced with.
pub const REDACTED: &str = "<redacted>";

/// Secrets shorter than this are not searched for: replacing every "ab" would make texts unreadable and
/// such a value is no secret anyway (the new-secret validation refuses them long before).
const MIN_SECRET_LEN: usize = 4;
/// The shortest leading part of a secret (in decoded bytes) removed from the end of a (truncated) text.
const MIN_TAIL: usize = 6;
/// The shortest base64 run searched for (shorter ones, from very short secrets, match too much).
const MIN_BASE64: usize = 8;

/// Removes a set of known secrets (and, like [`text`], URL queries and userinfo) from texts.
#[derive(Clone, Default)]
pub struct Scrubber {
    /// What is searched in each view of a text: every secret raw and in base64 (see [`base64_forms`]),
    /// without line breaks, longest first (a longer match and a shorter one inside it are removed as one).
    needles: Vec<Secret>,
}

impl std::fmt::Debug for Scrubber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Scrubber({} forms)", self.needles.len())
    }
}

impl Scrubber {
    pub fn new() -> Self {
        Self::default()
    }

    /// Add a secret (builder style).
    pub fn with(mut self, secret: &Secret) -> Self {
        self.add(secret);
        self
    }

    /// Add an optional secret (builder style).
    pub fn with_opt(mut self, secret: Option<&Secret>) -> Self {
        if let Some(s) = secret {
            self.add(s);
        }
        self
    }

    /// Remember `secret` in every form it can take inside a message.
    pub fn add(&mut self, secret: &Secret) {
        if secret.len() < MIN_SECRET_LEN {
            return;
        }
        let raw = secret.expose();
        let mut add = |form: &str| {
            // A secret that holds a line break itself is searched the way views are made: without it.
            let form = unbroken(form);
            if form.len() >= MIN_SECRET_LEN && !self.needles.iter().any(|s| s.expose() == form) {
                self.needles.push(Secret::new(form));
            }
        };
        add(raw);
        for f in base64_forms(raw) {
            add(&f);
        }
        self.needles.sort_by_key(|s| std::cmp::Reverse(s.len()));
    }

    /// `text` without any of the secrets, and without URL queries, fragments and userinfo.
    pub fn clean(&self, input: &str) -> String {
        if self.needles.is_empty() {
            return text(input);
        }
        let mut found: Vec<(usize, usize)> = Vec::new();
        for view in views(input) {
            for n in &self.needles {
                view.search(n.expose().as_bytes(), &mut found);
            }
        }
        if found.is_empty() {
            return text(input);
        }
        found.sort_unstable();
        let mut out = String::with_capacity(input.len());
        let mut pos = 0;
        for (mut start, mut end) in found {
            // Every match starts and ends on a character; this only guards the slicing below.
            while !input.is_char_boundary(start) {
                start -= 1;
            }
            while !input.is_char_boundary(end) {
                end += 1;
            }
            if start < pos {
                // Overlaps the previous match: one <redacted> for both.
                if end > pos {
                    pos = end;
                }
                continue;
            }
            out.push_str(&input[pos..start]);
            out.push_str(REDACTED);
            pos = end;
        }
        out.push_str(&input[pos..]);
        text(&out)
    }

    /// `clean` of an optional text.
    pub fn clean_opt(&self, input: Option<&str>) -> Option<String> {
        input.map(|t| self.clean(t))
    }
}

/// `raw` in base64 as it can appear in a message, in both alphabets: the whole encoding (padded and
/// not), and for each of the 3 byte alignments the key can have inside a longer blob (`Basic
/// base64("user:" + key)`), the characters that depend on the key's bytes only.
fn base64_forms(raw: &str) -> Vec<String> {
    let key = raw.as_bytes();
    let mut out = Vec::new();
    for e in [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD] {
        out.push(e.encode(key));
    }
    for align in 0..3usize {
        let mut blob = vec![0u8; align];
        blob.extend_from_slice(key);
        // Character i holds bits 6i..6i+6 of the blob; the key is bits 8·align..8·(align+len).
        let first = (8 * align).div_ceil(6);
        let end = 8 * (align + key.len()) / 6;
        for e in [STANDARD_NO_PAD, URL_SAFE_NO_PAD] {
            let enc = e.encode(&blob);
            if let Some(inner) = enc.get(first..end) {
                out.push(inner.to_string());
            }
        }
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|f| f.len() >= MIN_BASE64 && seen.insert(f.clone()));
    out
}

/// `s` percent-encoded with `%HH` in the given case: every byte, or every byte but the unreserved ones.
fn percent(s: &str, all: bool, upper: bool) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for &b in s.as_bytes() {
        if !all && (b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')) {
            out.push(b as char);
        } else if upper {
            out.push_str(&format!("%{b:02X}"));
        } else {
            out.push_str(&format!("%{b:02x}"));
        }
    }
    out
}

/// Every form a secret's bytes take in a config file or a message, as strings, without repeats: raw,
/// JSON-escaped, TOML-escaped (basic string), percent-encoded (the reserved bytes or every byte, upper-
/// or lower-case hex) and base64 (see [`base64_forms`]). `replace` searches the configs it cannot parse
/// for them. The [`Scrubber`] removes all of these and more (any mix of encoded bytes, `\u` escapes, a
/// key split by line breaks), which no finite list of strings can hold.
pub fn forms(raw: &str) -> Vec<String> {
    let mut json = String::new();
    crate::edit::json::escape(raw, &mut json);
    let mut v = vec![raw.to_string(), json];
    for (all, upper) in [(false, true), (false, false), (true, true), (true, false)] {
        v.push(percent(raw, all, upper));
    }
    if let Ok(t) = crate::edit::toml::escape(raw, b'"') {
        v.push(t);
    }
    v.extend(base64_forms(raw));
    let mut seen = std::collections::HashSet::new();
    v.retain(|f| !f.is_empty() && seen.insert(f.clone()));
    v
}

/// `input` with the query, fragment and userinfo of every URL in it removed (`?…` marks a removed query).
pub fn text(input: &str) -> String {
    let bytes = input.as_bytes();
    let mut out = String::with_capacity(input.len());
    let mut last = 0;
    let mut search = 0;
    while let Some(rel) = input[search..].find("://") {
        let sep = search + rel;
        // The scheme: letters, digits, '+', '-', '.' before "://", starting with a letter.
        let mut start = sep;
        while start > 0 && {
            let c = bytes[start - 1];
            c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.')
        } {
            start -= 1;
        }
        while start < sep && !bytes[start].is_ascii_alphabetic() {
            start += 1;
        }
        if start == sep {
            search = sep + 3;
            continue;
        }
        let end = url_end(input, sep + 3);
        out.push_str(&input[last..start]);
        out.push_str(&reduce_url(&input[start..end], true));
        last = end;
        // `url_end` never returns before `sep + 3`.
        search = end;
    }
    out.push_str(&input[last..]);
    out
}

/// Where a URL that starts at `from` ends in free text: at whitespace, a quote, or an angle bracket.
fn url_end(s: &str, from: usize) -> usize {
    s[from..]
        .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | '`'))
        .map_or(s.len(), |i| from + i)
}

/// `scheme://host[:port]/path`, without userinfo, query and fragment. With `mark`, a removed query or
/// fragment leaves `?…` so the reader knows something was there.
fn reduce_url(url: &str, mark: bool) -> String {
    let Some(sep) = url.find("://") else {
        return url.to_string();
    };
    let (scheme, rest) = (&url[..sep], &url[sep + 3..]);
    let auth_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..auth_end];
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let after = &rest[auth_end..];
    let path_end = after.find(['?', '#']).unwrap_or(after.len());
    let mut out = format!("{scheme}://{host}{}", &after[..path_end]);
    if mark && path_end < after.len() {
        out.push_str("?…");
    }
    out
}

/// A redirect target as Rekey reports it: scheme, host and path only (a `Location` keeps the request's
/// query, which MCP servers often use for the key: `307 /mcp -> /mcp/?apiKey=…`). A relative location
/// keeps its path only.
pub fn location(loc: &str) -> String {
    if loc.contains("://") {
        reduce_url(loc, false)
    } else {
        let end = loc.find(['?', '#']).unwrap_or(loc.len());
        loc[..end].to_string()
    }
}

#[cfg(test)]
#[path = "scrub_tests.rs"]
mod tests;
