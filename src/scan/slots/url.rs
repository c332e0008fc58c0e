//! Secrets inside URLs and DSNs, and the percent-coding of URL parts.

use super::{found, is_secret_name, Encoding, Found, SlotKind};

/// Secrets inside a URL or DSN: userinfo password, secret query parameters, known secret path segments.
pub fn url_secrets(url: &str, location: &str) -> Vec<Found> {
    let mut out = Vec::new();
    let Some(scheme_end) = url.find("://") else {
        return out;
    };
    let auth_start = scheme_end + 3;
    let rest = &url[auth_start..];
    let auth_len = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..auth_len];
    // user:password@host
    if let Some(at) = authority.rfind('@') {
        if let Some(colon) = authority[..at].find(':') {
            let r = auth_start + colon + 1..auth_start + at;
            out.push(found(
                SlotKind::DsnPassword,
                format!("{location} (password)"),
                r,
                Encoding::Url,
                url,
                "password",
            ));
        }
    }
    let host = authority
        .rsplit('@')
        .next()
        .unwrap_or(authority)
        .to_ascii_lowercase();
    let path_start = auth_start + auth_len;
    let path_end = url[path_start..]
        .find(['?', '#'])
        .map_or(url.len(), |i| path_start + i);
    let path = &url[path_start..path_end];
    // Known secret path segments.
    let segs: Vec<(usize, &str)> = {
        let mut v = Vec::new();
        let mut off = path_start;
        for s in path.split('/') {
            v.push((off, s));
            off += s.len() + 1;
        }
        v
    };
    for (i, (off, s)) in segs.iter().enumerate() {
        let prev = |k: usize| i.checked_sub(k).map(|j| segs[j].1);
        let activepieces =
            prev(1) == Some("mcp") && prev(2) == Some("v1") && prev(3) == Some("api");
        let zapier = host.contains("zapier.com")
            && prev(1) == Some("mcp")
            && !matches!(*s, "sse" | "mcp" | "");
        if (activepieces || zapier) && !s.is_empty() {
            let name = if activepieces {
                "activepieces-token"
            } else {
                "zapier-key"
            };
            out.push(found(
                SlotKind::UrlPath,
                format!("{location} (path)"),
                *off..*off + s.len(),
                Encoding::Url,
                url,
                name,
            ));
        }
    }
    // Query parameters.
    if path_end < url.len() && url.as_bytes()[path_end] == b'?' {
        let q_start = path_end + 1;
        let q_end = url[q_start..].find('#').map_or(url.len(), |i| q_start + i);
        let mut off = q_start;
        for pair in url[q_start..q_end].split('&') {
            if let Some(eq) = pair.find('=') {
                let name = &pair[..eq];
                if is_secret_name(name)
                    || matches!(
                        name.to_ascii_lowercase().as_str(),
                        "key" | "token" | "apikey" | "api_key" | "access_token" | "auth"
                    )
                {
                    let r = off + eq + 1..off + pair.len();
                    out.push(found(
                        SlotKind::UrlQuery,
                        format!("{location} (?{name}=)"),
                        r,
                        Encoding::Url,
                        url,
                        name,
                    ));
                }
            }
            off += pair.len() + 1;
        }
    }
    out
}

pub use crate::percent::{percent_decode, percent_encode};
