//! Where a secret can sit inside one MCP server entry (clients.md §15), as pure functions over the
//! entry-relative path of a string and its decoded value.

use serde::Serialize;
use std::ops::Range;

/// The shape of the place a secret sits in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SlotKind {
    /// `env.NAME`
    Env,
    /// `headers.Name` (the scheme of `Authorization: Bearer …` is kept)
    Header,
    /// `--api-key=VALUE` inside one argument
    ArgFlag,
    /// `--access-token`, `VALUE` as two arguments
    ArgValue,
    /// mcp-remote `--header`, `"Name: value"`
    ArgHeader,
    /// a secret URL path segment (Activepieces `/api/v1/mcp/<token>/sse`, Zapier `/mcp/<key>/…`)
    UrlPath,
    /// a secret query parameter (`?apiKey=…`)
    UrlQuery,
    /// the password of a DSN (`postgresql://user:<pw>@host/db`)
    DsnPassword,
}

/// How the value is written inside its string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Encoding {
    Plain,
    /// percent-encoded, inside a URL
    Url,
}

/// What a found value is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum ValueState {
    /// A literal credential Rekey can rewrite.
    Secret,
    /// A reference to a value stored elsewhere; Rekey cannot rewrite it in this file.
    Reference { lives_in: String },
    /// An example value such as `YOUR_API_KEY`: not a credential.
    Placeholder,
}

/// A secret-bearing part of a string value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub kind: SlotKind,
    /// Human location inside the server entry: `env.BITSCALE_API_KEY`, `headers.Authorization`, `args[3]`, `url`.
    pub location: String,
    /// Byte range of the secret inside the decoded string.
    pub range: Range<usize>,
    pub encoding: Encoding,
    pub state: ValueState,
    /// Name of the env var / header / flag / parameter that holds it (for provider guessing).
    pub name: String,
}

const SECRET_WORDS: &[&str] = &[
    "KEY",
    "TOKEN",
    "SECRET",
    "PASSWORD",
    "PASSWD",
    "PWD",
    "PAT",
    "AUTH",
    "CREDENTIAL",
    "CREDENTIALS",
    "APIKEY",
    "PRIVATE",
    "BEARER",
    "AUTHORIZATION",
];
const NOT_SECRET_SUFFIXES: &[&str] = &[
    "URL", "URI", "PATH", "FILE", "DIR", "ID", "HOST", "PORT", "NAME", "TYPE", "ENDPOINT",
    "REGION", "EMAIL", "USER", "USERNAME",
];
const KNOWN_SECRET_NAMES: &[&str] = &[
    "BITSCALE_API_KEY",
    "A2AMARKET_API_KEY",
    "A2AMARKET_HMAC_SECRET",
    "FRUXON_KEY",
    "CF_ACCESS_CLIENT_SECRET",
];

/// Split a name like `apiKey`, `X-API-KEY`, `GITHUB_PERSONAL_ACCESS_TOKEN` into upper-case words.
fn words(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if !c.is_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if c.is_uppercase() && prev_lower && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        cur.extend(c.to_uppercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Does this env var / header / flag / parameter name hold a secret?
pub fn is_secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase().replace('-', "_");
    if KNOWN_SECRET_NAMES.contains(&upper.as_str()) {
        return true;
    }
    let w = words(name);
    let Some(last) = w.last() else { return false };
    if NOT_SECRET_SUFFIXES.contains(&last.as_str()) {
        return false;
    }
    w.iter().any(|x| SECRET_WORDS.contains(&x.as_str()))
}

/// Classify a literal value: reference, placeholder or secret.
pub fn classify(value: &str) -> ValueState {
    let v = value.trim();
    if let Some(inner) = v.strip_prefix("${{").and_then(|r| r.strip_suffix("}}")) {
        let inner = inner.trim();
        let (what, name) = match inner.split_once('.') {
            Some(("inputs", n)) => ("input", n),
            Some(("secrets", n)) => ("secret", n),
            _ => ("secret", inner),
        };
        return ValueState::Reference {
            lives_in: format!(
                "Continue {what} '{name}' (Continue secrets: .continue/.env, the workspace .env or the Continue Hub)"
            ),
        };
    }
    // LibreChat's per-user values (`customUserVars`, `{{LIBRECHAT_USER_ID}}`).
    if let Some(inner) = v.strip_prefix("{{").and_then(|r| r.strip_suffix("}}")) {
        if !inner.trim().is_empty() && !inner.contains(['{', '}']) {
            return ValueState::Reference {
                lives_in: format!(
                    "LibreChat per-user value {}, set in LibreChat",
                    inner.trim()
                ),
            };
        }
    }
    if let Some(inner) = v.strip_prefix("${").and_then(|r| r.strip_suffix('}')) {
        if let Some(id) = inner.strip_prefix("input:") {
            return ValueState::Reference {
                lives_in: format!("VS Code secret storage (input '{id}')"),
            };
        }
        if let Some(file) = inner.strip_prefix("file:") {
            return ValueState::Reference {
                lives_in: format!("file {file}"),
            };
        }
        let var = inner.strip_prefix("env:").unwrap_or(inner);
        let var = var.split(":-").next().unwrap_or(var);
        return ValueState::Reference {
            lives_in: format!("environment variable {var}"),
        };
    }
    if let Some(var) = v.strip_prefix('$') {
        if !var.is_empty() && var.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return ValueState::Reference {
                lives_in: format!("environment variable {var}"),
            };
        }
    }
    if is_placeholder(v) {
        return ValueState::Placeholder;
    }
    ValueState::Secret
}

/// `YOUR_API_KEY`, `your_api_key_here`, `<token>`, `sk_test_YOUR_KEY_HERE`, `xxxx`, `...`
pub fn is_placeholder(v: &str) -> bool {
    let lower = v.to_ascii_lowercase();
    if v.is_empty()
        || (v.starts_with('<') && v.ends_with('>'))
        || (v.starts_with('[') && v.ends_with(']'))
    {
        return true;
    }
    let markers = [
        "your_",
        "your-",
        "yourkey",
        "_here",
        "-here",
        "replace_me",
        "replace-me",
        "changeme",
        "change_me",
        "placeholder",
        "example",
        "<",
        "xxxx",
        "****",
        "...",
        "insert_",
        "todo",
    ];
    if markers.iter().any(|m| lower.contains(m)) {
        return true;
    }
    // The name of a variable where the value should be: `--api-key=STRIPE_SECRET_KEY`.
    if v.contains('_')
        && v.chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        && is_secret_name(v)
    {
        return true;
    }
    // A value with a secret-looking name but only one repeated character ("aaaa", "0000").
    let mut chars = v.chars();
    let first = chars.next();
    chars.all(|c| Some(c) == first)
}

fn found(
    kind: SlotKind,
    location: String,
    range: Range<usize>,
    encoding: Encoding,
    value: &str,
    name: &str,
) -> Found {
    let raw = &value[range.clone()];
    let state = match encoding {
        Encoding::Url => classify(&percent_decode(raw)),
        Encoding::Plain => classify(raw),
    };
    Found {
        kind,
        location,
        range,
        encoding,
        state,
        name: name.to_string(),
    }
}

/// Skip an auth scheme (`Bearer `, `Basic `, `Token `) at the start of a header value.
fn after_scheme(v: &str) -> usize {
    for scheme in [
        "Bearer ", "bearer ", "BEARER ", "Basic ", "basic ", "Token ", "token ",
    ] {
        if let Some(rest) = v.strip_prefix(scheme) {
            return v.len() - rest.trim_start().len();
        }
    }
    0
}

fn is_header_secret(name: &str) -> bool {
    name.eq_ignore_ascii_case("authorization") || is_secret_name(name)
}

/// Find the secrets in one string of an MCP server entry. `rel` is the path below the entry
/// (e.g. `["env", "BITSCALE_API_KEY"]`, `["args", "3"]`), `prev_arg` the previous element of `args`.
pub fn find(rel: &[&str], value: &str, prev_arg: Option<&str>) -> Vec<Found> {
    let mut out = Vec::new();
    match rel {
        // env values (Codex also: `env` inline tables). Values may themselves be "Bearer …".
        ["env" | "envs", name] => {
            if is_secret_name(name) || looks_like_key(value) {
                let start = after_scheme(value);
                out.push(found(
                    SlotKind::Env,
                    format!("env.{name}"),
                    start..value.len(),
                    Encoding::Plain,
                    value,
                    name,
                ));
            }
        }
        ["headers" | "http_headers", name] => {
            if is_header_secret(name) {
                let start = after_scheme(value);
                out.push(found(
                    SlotKind::Header,
                    format!("headers.{name}"),
                    start..value.len(),
                    Encoding::Plain,
                    value,
                    name,
                ));
            }
        }
        // Codex: these name an env var that holds the secret.
        ["bearer_token_env_var"] | ["env_http_headers", _] => {
            out.push(Found {
                kind: SlotKind::Header,
                location: rel.join("."),
                range: 0..value.len(),
                encoding: Encoding::Plain,
                state: ValueState::Reference {
                    lives_in: format!("environment variable {value}"),
                },
                name: rel.last().unwrap().to_string(),
            });
        }
        ["url" | "serverUrl" | "httpUrl" | "uri"] => out.extend(url_secrets(value, rel[0])),
        ["args", i] => out.extend(arg_secrets(value, prev_arg, &format!("args[{i}]"))),
        // Zed extension settings: context_servers.<id>.settings.<name>
        ["settings", name] if is_secret_name(name) => {
            out.push(found(
                SlotKind::Env,
                format!("settings.{name}"),
                0..value.len(),
                Encoding::Plain,
                value,
                name,
            ));
        }
        // Zed's older nested shape: "command": { "path", "args", "env" }
        ["command", rest @ ..] if !rest.is_empty() => {
            let prefixed = find(rest, value, prev_arg);
            out.extend(prefixed.into_iter().map(|mut f| {
                f.location = format!("command.{}", f.location);
                f
            }));
        }
        _ => {}
    }
    out
}

/// A value that looks like an API key even under an unremarkable name (`sk-…`, `ghp_…`, `ak_…`).
fn looks_like_key(v: &str) -> bool {
    const PREFIXES: &[&str] = &[
        "sk-",
        "sk_",
        "ghp_",
        "github_pat_",
        "xoxb-",
        "xoxp-",
        "ak_",
        "pk_",
        "rk_",
        "glpat-",
    ];
    v.len() >= 16 && !v.contains(' ') && PREFIXES.iter().any(|p| v.starts_with(p))
}

const SECRET_FLAG_NAMES: &[&str] = &[
    "api-key",
    "apikey",
    "api_key",
    "key",
    "token",
    "access-token",
    "access_token",
    "auth-token",
    "secret",
    "password",
    "client-secret",
    "bearer-token",
    "auth",
];

fn arg_secrets(value: &str, prev: Option<&str>, location: &str) -> Vec<Found> {
    // mcp-remote and friends: --header "Name: value"
    if matches!(prev, Some("--header" | "-H")) {
        if let Some(colon) = value.find(':') {
            let name = value[..colon].trim();
            if is_header_secret(name) {
                let after = colon + 1;
                let v = &value[after..];
                let lead = v.len() - v.trim_start().len();
                let start = after + lead + after_scheme(&v[lead..]);
                return vec![found(
                    SlotKind::ArgHeader,
                    format!("{location} (--header {name})"),
                    start..value.len(),
                    Encoding::Plain,
                    value,
                    name,
                )];
            }
        }
        return Vec::new();
    }
    // --flag=value
    if let Some(rest) = value.strip_prefix("--") {
        if let Some(eq) = rest.find('=') {
            let flag = &rest[..eq];
            if SECRET_FLAG_NAMES.contains(&flag.to_ascii_lowercase().as_str())
                || is_secret_name(flag)
            {
                let start = 2 + eq + 1;
                return vec![found(
                    SlotKind::ArgFlag,
                    format!("{location} (--{flag}=)"),
                    start..value.len(),
                    Encoding::Plain,
                    value,
                    flag,
                )];
            }
        }
        return Vec::new();
    }
    // --flag value
    if let Some(flag) = prev.and_then(|p| p.strip_prefix("--")) {
        if !flag.contains('=')
            && !value.starts_with('-')
            && (SECRET_FLAG_NAMES.contains(&flag.to_ascii_lowercase().as_str())
                || is_secret_name(flag))
        {
            return vec![found(
                SlotKind::ArgValue,
                format!("{location} (after --{flag})"),
                0..value.len(),
                Encoding::Plain,
                value,
                flag,
            )];
        }
    }
    if value.contains("://") {
        return url_secrets(value, location);
    }
    Vec::new()
}

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

#[cfg(test)]
#[path = "slots_tests.rs"]
mod tests;
