//! Where a secret can sit inside one MCP server entry (clients.md §15), as pure functions over the
//! entry-relative path of a string and its decoded value.
//!
//! [`find`] dispatches on the shape of the place (env-like maps, header maps, args, urls); the rules for
//! names and values are in `names`, those for arguments in `args`, those for URLs in `url`.

mod args;
mod names;
mod url;

use args::arg_secrets;
use names::looks_like_key;
pub use names::{classify, is_placeholder, is_secret_name};
pub use url::{percent_decode, percent_encode, url_secrets};

use serde::Serialize;
use std::ops::Range;
use ts_rs::TS;

pub use crate::clients::SlotKind;

/// How the value is written inside its string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Encoding {
    Plain,
    /// percent-encoded, inside a URL
    Url,
}

/// What a found value is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
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

/// What a usage protected by Rekey says it is: the key lives in the OS keychain under this reference.
pub fn protected_lives_in(id: &str) -> String {
    format!(
        "protected: in the keychain ({}{id})",
        crate::scan::refs::SCHEME
    )
}

/// Find the secrets in one string of an MCP server entry. `rel` is the path below the entry
/// (e.g. `["env", "BITSCALE_API_KEY"]`, `["args", "3"]`), `prev_arg` the previous element of `args`.
///
/// A `rekey://<id>` reference anywhere in the string (`--api-key=rekey://…`, `Bearer rekey://…`, a URL
/// path segment, or under a name that says nothing) is reported as a usage of its own, state
/// `reference`, whose range is exactly the reference; a literal slot that overlaps it is dropped.
pub fn find(rel: &[&str], value: &str, prev_arg: Option<&str>) -> Vec<Found> {
    let mut out = find_literal(rel, value, prev_arg);
    let refs = crate::scan::refs::find(value);
    if refs.is_empty() {
        return out;
    }
    let overlaps = |a: &Range<usize>, b: &Range<usize>| a.start < b.end && b.start < a.end;
    let mut protected = Vec::with_capacity(refs.len());
    for r in refs {
        let like = out.iter().find(|f| overlaps(&f.range, &r.range));
        let (kind, location, name) = match like {
            Some(f) => (f.kind, f.location.clone(), f.name.clone()),
            None => (
                match rel.first() {
                    Some(&"headers" | &"http_headers") => SlotKind::Header,
                    Some(&"url" | &"serverUrl" | &"httpUrl" | &"uri") => SlotKind::UrlPath,
                    Some(&"args") => SlotKind::ArgFlag,
                    _ => SlotKind::Env,
                },
                render_rel(rel),
                rel.last().copied().unwrap_or_default().to_string(),
            ),
        };
        protected.push(Found {
            kind,
            location,
            range: r.range.clone(),
            encoding: Encoding::Plain,
            state: ValueState::Reference {
                lives_in: protected_lives_in(r.id),
            },
            name,
        });
    }
    out.retain(|f| !protected.iter().any(|p| overlaps(&f.range, &p.range)));
    out.extend(protected);
    out
}

/// `env.NAME`, `args[3]`: a path below an entry as locations show it.
fn render_rel(rel: &[&str]) -> String {
    let mut s = String::new();
    for seg in rel {
        if seg.parse::<usize>().is_ok() && !s.is_empty() {
            s.push_str(&format!("[{seg}]"));
        } else {
            if !s.is_empty() {
                s.push('.');
            }
            s.push_str(seg);
        }
    }
    s
}

fn find_literal(rel: &[&str], value: &str, prev_arg: Option<&str>) -> Vec<Found> {
    let mut out = Vec::new();
    match rel {
        // env values (Codex also: `env` inline tables). Values may themselves be "Bearer …".
        ["env" | "envs", name] if (is_secret_name(name) || looks_like_key(value)) => {
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
        ["headers" | "http_headers", name] if is_header_secret(name) => {
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
        // Zed's older nested shape: "command": { "path", "args", "env" } (one level: a file nesting
        // `command` in `command` thousands of times must not recurse as deep)
        ["command", rest @ ..] if !rest.is_empty() && rest[0] != "command" => {
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

#[cfg(test)]
mod tests;
