//! The one scrubbing boundary: every text that can leave the engine (an error message, a journal or audit
//! line, an IPC result, a line on the terminal) passes through here.
//!
//! Two layers:
//! - [`text`] removes what is secret by shape: the query, fragment and userinfo of every URL in the text
//!   (`https://u:p@host/path?apiKey=…` becomes `https://host/path?…`). It needs no knowledge of the
//!   secrets in play, so the outermost boundaries (the CLI's error line, `Error`'s serialization for the
//!   UI, the journal and audit writers) apply it to everything.
//! - [`Scrubber`] also removes the exact secrets a transaction handles (the current key, the new key, the
//!   admin credential), in every form they can take in a message: raw, percent-encoded and JSON-escaped.
//!   Provider error bodies can echo a key back; a scrubber built by the transaction removes it.

use crate::Secret;

/// What a removed value is replaced with.
pub const REDACTED: &str = "<redacted>";

/// Secrets shorter than this are not searched for: replacing every "ab" would make texts unreadable and
/// such a value is no secret anyway (the new-secret validation refuses them long before).
const MIN_SECRET_LEN: usize = 4;
/// The shortest leading part of a secret removed from the end of a (truncated) text.
const MIN_TAIL: usize = 6;

/// Removes a set of known secrets (and, like [`text`], URL queries and userinfo) from texts.
#[derive(Clone, Default)]
pub struct Scrubber {
    /// Every form of every secret, longest first so a longer form is replaced before a part of it.
    forms: Vec<Secret>,
}

impl std::fmt::Debug for Scrubber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Scrubber({} forms)", self.forms.len())
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
        for f in forms(secret.expose()) {
            if !self.forms.iter().any(|s| s.expose() == f) {
                self.forms.push(Secret::new(f));
            }
        }
        self.forms.sort_by_key(|s| std::cmp::Reverse(s.len()));
    }

    /// `text` without any of the secrets, and without URL queries, fragments and userinfo.
    pub fn clean(&self, input: &str) -> String {
        let mut out = input.to_string();
        for f in &self.forms {
            if out.contains(f.expose()) {
                out = out.replace(f.expose(), REDACTED);
            }
        }
        // A provider text cut to a maximum length can end in the first part of a key: remove such a
        // tail too (from 6 characters on; shorter tails say nothing about the key).
        for f in &self.forms {
            let form = f.expose();
            let cut = form
                .char_indices()
                .map(|(i, _)| i)
                .filter(|&i| i >= MIN_TAIL)
                .rev()
                .find(|&i| out.ends_with(&form[..i]));
            if let Some(i) = cut {
                out.truncate(out.len() - i);
                out.push_str(REDACTED);
            }
        }
        text(&out)
    }

    /// `clean` of an optional text.
    pub fn clean_opt(&self, input: Option<&str>) -> Option<String> {
        input.map(|t| self.clean(t))
    }
}

/// Every form a secret's bytes take in a config file or a message: raw, JSON-escaped, TOML-escaped (basic
/// string) and percent-encoded, without repeats. (The scrubber removes them all; `replace` searches the
/// configs it cannot parse for them.)
pub fn forms(raw: &str) -> Vec<String> {
    let mut json = String::new();
    crate::edit::json::escape(raw, &mut json);
    let mut v = vec![
        raw.to_string(),
        json,
        crate::scan::slots::percent_encode(raw),
    ];
    if let Ok(t) = crate::edit::toml::escape(raw, b'"') {
        v.push(t);
    }
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
        search = end.max(sep + 3);
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
mod tests {
    use super::*;

    #[test]
    fn urls_lose_query_fragment_and_userinfo() {
        assert_eq!(
            text("redirected to https://u:pw@mcp.example.com:8443/mcp/?apiKey=sk-live-123#x, stop"),
            "redirected to https://mcp.example.com:8443/mcp/?… stop"
        );
        assert_eq!(
            text("a http://h/p?k=v b \"https://x/y?z\" c"),
            "a http://h/p?… b \"https://x/y?…\" c"
        );
        assert_eq!(text("no url here: a://"), "no url here: a://");
        assert_eq!(text("://x?y"), "://x?y");
        assert_eq!(text("postgres://user:pass@db/x"), "postgres://db/x");
        assert_eq!(text("é https://h/é?é=é"), "é https://h/é?…");
    }

    #[test]
    fn known_secrets_are_removed_in_every_form() {
        let s = Secret::new("sk/live+key\"0123".into());
        let sc = Scrubber::new().with(&s);
        let enc = crate::scan::slots::percent_encode(s.expose());
        let json = serde_json::to_string(s.expose()).unwrap();
        let msg = format!("raw {} enc {enc} json {json}", s.expose());
        let out = sc.clean(&msg);
        assert!(!out.contains("live+key"), "{out}");
        assert!(!out.contains("0123"), "{out}");
        assert_eq!(out.matches(REDACTED).count(), 3, "{out}");
        // A text cut in the middle of a key loses the part it kept.
        let cut = format!("detail: invalid key {}", &s.expose()[..9]);
        assert_eq!(sc.clean(&cut), "detail: invalid key <redacted>");
        assert_eq!(sc.clean("ends with sk/li"), "ends with sk/li");
        // Short values are not searched for.
        assert_eq!(
            Scrubber::new().with(&Secret::new("ab".into())).clean("abc"),
            "abc"
        );
    }

    #[test]
    fn locations_keep_scheme_host_and_path() {
        assert_eq!(
            location("https://a:b@h.example/mcp/?apiKey=sk-1#f"),
            "https://h.example/mcp/"
        );
        assert_eq!(location("/mcp/?apiKey=sk-1"), "/mcp/");
    }
}
