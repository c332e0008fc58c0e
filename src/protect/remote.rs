//! Remote servers through mcp-remote: a client that connects to a URL itself runs no command Rekey could
//! wrap. When the user chooses it (never by default) and Node's `npx` is installed, such an entry becomes a
//! stdio entry that starts `rekey exec -- <npx> -y mcp-remote <url> --header Name:${REKEY_HEADER_NAME}`,
//! the header's value (with `rekey://<id>` in place of the key) in the entry's environment.
//!
//! Why the environment and not `--header "Authorization: Bearer rekey://…"`: mcp-remote replaces
//! `${VAR}` in a header value with the variable (its README's workaround for clients that do not escape
//! spaces in arguments: Cursor, Claude Desktop on Windows), so the argument has no space, the key is never
//! on a command line other users can read, and mcp-remote's log line of its headers shows `${…}` only.
//! A key in the URL cannot be moved so (mcp-remote prints its URL and takes it as an argument): refused.
//!
//! Claude Code and Gemini CLI expand `${VAR}` in a server's arguments themselves, from their own
//! environment ([`expands_variables`]): there `Name:${REKEY_HEADER_…}` would reach mcp-remote empty. So in
//! those clients the headers go inline, as `rekey add` writes them (`--header Name:Bearer rekey://<id>`),
//! the `headers` member becoming `args`; `rekey exec` moves a header holding a reference into a variable
//! of mcp-remote's environment when it starts it (`protect::exec`), so the key is on no command line
//! there either. Another key in those headers would be on mcp-remote's command line: refused.
//!
//! The rewrite is surgical: the `url` member becomes `command` and `args`, `headers` is renamed to the
//! client's environment member and each header name to its variable, the key becomes the reference and a
//! `type` becomes the client's stdio word; every other byte stays. What Unprotect needs to undo it (the
//! replaced pieces, none of which holds a key, and a hash of the entry as written) is kept in the index,
//! so an entry that did not change since comes back byte for byte.

use super::files::value_edit;
use super::plan::Refused;
use super::wrap;
use crate::clients::{ClientId, Format};
use crate::scan::slots::ValueState;
use crate::scan::SlotInternal;
use inline::{put_back, with_reference};
use parts::{json_parts, toml_parts, toml_stdio_span, Parts};
use serde::{Deserialize, Serialize};
use std::ffi::OsStr;
use std::ops::Range;
use std::path::{Path, PathBuf};
use ts_rs::TS;

/// Members that hold a remote server's URL.
pub const URL_KEYS: &[&str] = &["url", "serverUrl", "httpUrl", "uri"];
const HEADER_KEYS: &[&str] = &["headers", "http_headers"];
const TYPE_KEYS: &[&str] = &["type", "transport", "transportType"];
/// Members that mean the same in a stdio entry, carried over as they are.
const KEPT: &[&str] = &[
    "disabled",
    "enabled",
    "autoApprove",
    "alwaysAllow",
    "alwaysLoad",
    "timeout",
    "disabledTools",
    "enabledTools",
    "includeTools",
    "excludeTools",
    "trust",
    "description",
    "name",
    "tools",
    "startup_timeout_sec",
    "tool_timeout_sec",
    "enabled_tools",
    "disabled_tools",
];

/// A remote usage that can be protected by running it through mcp-remote, if the user chooses it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct RemoteOption {
    /// What a choice names (`--via-mcp-remote` takes all; the app sends the ids ticked).
    pub id: String,
    pub file: PathBuf,
    pub client: ClientId,
    pub server: String,
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    /// The host the server's URL names (the rest of a URL may hold a token Rekey does not recognise).
    pub host: String,
    /// Whether this plan runs it through mcp-remote.
    pub chosen: bool,
}

/// Which remote usages go through mcp-remote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Choice {
    /// None (the default): they are offered, not changed.
    #[default]
    None,
    All,
    Only(Vec<String>),
}

/// How a plan treats remote usages: which are chosen and the `npx` found on PATH, if any.
#[derive(Debug, Clone, Default)]
pub struct Via {
    pub choice: Choice,
    pub npx: Option<String>,
}

impl Via {
    fn chosen(&self, id: &str) -> bool {
        match &self.choice {
            Choice::None => false,
            Choice::All => true,
            Choice::Only(ids) => ids.iter().any(|i| i == id),
        }
    }
}

/// Does `client` expand `${VAR}` in a server's arguments itself, from its own environment (not the
/// entry's)? Claude Code (`.claude.json`, `.mcp.json`: "environment variable expansion") and Gemini CLI
/// (settings.json: `$VAR` and `${VAR}` in every string). An argument naming a variable of the entry's
/// environment then reaches the server empty, so such clients get values inline.
pub fn expands_variables(client: ClientId) -> bool {
    matches!(client, ClientId::ClaudeCode | ClientId::GeminiCli)
}

/// The id of the remote entry `server` (of `project`) in `file`.
pub fn option_id(file: &Path, project: Option<&str>, server: &str) -> String {
    match project {
        Some(p) => format!("{}#{p}#{server}", file.display()),
        None => format!("{}#{server}", file.display()),
    }
}

/// The `npx` that `path` (a `PATH` value) finds first: `npx.cmd`/`npx.exe` on Windows.
pub fn find_npx(path: Option<&OsStr>) -> Option<PathBuf> {
    let names: &[&str] = if cfg!(windows) {
        &["npx.cmd", "npx.exe"]
    } else {
        &["npx"]
    };
    std::env::split_paths(path?)
        .filter(|d| d.is_absolute())
        .flat_map(|d| names.iter().map(move |n| d.join(n)))
        .find(|p| super::bin::broken(p).is_none())
}

/// How one undone piece of a converted entry goes back: `range` of the entry as written (relative to its
/// start) gets `text`, which is what was there before. No piece ever holds a key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Undo {
    pub start: usize,
    pub end: usize,
    pub text: String,
    /// `text` holds the reference where the key was (a `headers` member that became `args`, see
    /// [`expands_variables`]): Unprotect puts the key back in its place.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub resolve: bool,
}

/// A remote entry Protect ran through mcp-remote, as the index keeps it for Unprotect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Converted {
    pub file: PathBuf,
    pub server: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    /// Where the entry is (its JSON pointer, scope included). Records written before Rekey kept it have
    /// none: their entry is the one of `server` (and `project`) whose text still has `hash`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entry: Option<String>,
    /// blake3 of the entry's text as written: Unprotect restores it byte for byte only when it still is.
    pub hash: String,
    pub undo: Vec<Undo>,
}

/// The edits of one converted entry and its record.
pub(super) struct Conversion {
    pub edits: Vec<(Range<usize>, String)>,
    pub record: Converted,
}

/// The variable that carries header `name` (`Authorization` → `REKEY_HEADER_AUTHORIZATION`).
fn var_of(name: &str) -> String {
    let up: String = name
        .chars()
        .map(|c| match c {
            'a'..='z' => c.to_ascii_uppercase(),
            'A'..='Z' | '0'..='9' => c,
            _ => '_',
        })
        .collect();
    format!("REKEY_HEADER_{up}")
}

/// The stdio word for `type` in this entry, and mcp-remote's `--transport` for the remote kind.
fn transport(
    p: &Parts,
    client: ClientId,
) -> Result<(Option<&'static str>, Option<&'static str>), String> {
    let stdio = if p.array_style { "local" } else { "stdio" };
    let from_kind = match p.kind.as_ref().map(|k| k.value.as_str()) {
        None | Some("remote") => None,
        Some("sse") => Some("sse-only"),
        Some("http" | "streamable-http" | "streamableHttp" | "streamable_http") => {
            Some("http-only")
        }
        Some(other) => {
            return Err(format!(
                "its transport `{other}` is not one mcp-remote speaks"
            ))
        }
    };
    // Gemini CLI: `url` is SSE, `httpUrl` Streamable HTTP.
    let from_key = match (client, p.url_key.as_str()) {
        (ClientId::GeminiCli, "url") => Some("sse-only"),
        (_, "httpUrl") => Some("http-only"),
        _ => None,
    };
    Ok((p.kind.as_ref().map(|_| stdio), from_kind.or(from_key)))
}

/// Check a remote entry for the conversion and return its parts.
fn parts(format: Format, client: ClientId, text: &str, entry: &[String]) -> Result<Parts, String> {
    let p = match format {
        Format::Json | Format::Jsonc => json_parts(text, entry, client)?,
        Format::Toml => toml_parts(text, entry)?,
        Format::Yaml => return Err("Rekey does not rewrite YAML remote entries".into()),
    };
    if p.url_key.is_empty() {
        return Err("the entry has no URL".into());
    }
    if let Some(u) = p.unknown.first() {
        return Err(format!(
            "the entry also has `{u}`, which a stdio entry would not carry over"
        ));
    }
    if p.has_env {
        return Err("the entry already has an environment of its own".into());
    }
    if p.url.value.contains("${") || p.url.value.contains("{env:") {
        return Err(
            "its URL uses the client's ${…} variables, which mcp-remote does not expand".into(),
        );
    }
    for (_, name, v) in &p.headers {
        if name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(format!(
                "mcp-remote takes header names of letters, digits, - and _ only, not `{name}`"
            ));
        }
        if v.value.contains("${") || v.value.contains("{env:") {
            return Err(format!(
                "its header {name} uses the client's ${{…}} variables, which mcp-remote does not expand"
            ));
        }
    }
    let mut vars: Vec<String> = p.headers.iter().map(|(_, n, _)| var_of(n)).collect();
    vars.sort();
    if vars.windows(2).any(|w| w[0] == w[1]) {
        return Err("two of its header names differ only in case or punctuation".into());
    }
    Ok(p)
}

/// The host of `url` (no user, port, path or query).
fn host_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit('@').next().unwrap_or(authority);
    match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => host.split(':').next().unwrap_or(""),
    }
}

/// Is `url` plain HTTP to a host other than this machine (mcp-remote then needs `--allow-http`)?
fn needs_allow_http(url: &str) -> bool {
    url.starts_with("http://") && !matches!(host_of(url), "localhost" | "127.0.0.1")
}

/// What a remote usage of the key in entry `server` is in this plan.
pub(super) enum Offer {
    /// Chosen: its edits, and the choice as the plan shows it.
    Convert(Conversion, RemoteOption),
    /// Possible, not chosen.
    Offered(RemoteOption),
    /// Not possible, and why.
    Cannot(String),
}

/// The context of one entry: its file and client, where it is, the key's slots in it.
pub(super) struct Entry<'a> {
    pub file: &'a Path,
    pub client: ClientId,
    pub format: Format,
    pub text: &'a str,
    /// Its key path, as the scan parsed it (scope included).
    pub entry: &'a [String],
    pub project: Option<&'a str>,
    pub server: &'a str,
    /// The slots of the key being protected in this entry.
    pub key_slots: &'a [&'a SlotInternal],
    /// Every slot of this entry.
    pub all_slots: Vec<&'a SlotInternal>,
}

/// Decide (and, when chosen, compute) running entry `e` through mcp-remote with `reference` for the key.
pub(super) fn offer(e: &Entry, via: &Via, reference: &str, bin: &str) -> Offer {
    const REMOTE: &str =
        "cannot be protected in this client: the client connects to the URL itself";
    let Some(npx) = via.npx.as_deref() else {
        return Offer::Cannot(format!("{REMOTE}, and running it through mcp-remote needs Node.js (`npx`), which is not on PATH: install Node.js and plan again"));
    };
    let p = match parts(e.format, e.client, e.text, e.entry) {
        Ok(p) => p,
        Err(why) => {
            return Offer::Cannot(format!("{REMOTE}, and mcp-remote cannot take it: {why}"))
        }
    };
    let in_url =
        |s: &SlotInternal| s.token.start >= p.url.span.start && s.token.end <= p.url.span.end;
    if e.key_slots.iter().any(|s| in_url(s)) {
        return Offer::Cannot(format!("{REMOTE}, and the key is in its URL: through mcp-remote it would be on a command line and in mcp-remote's log"));
    }
    if e.all_slots.iter().any(|s| in_url(s)) {
        return Offer::Cannot(format!("{REMOTE}, and its URL holds another key, which mcp-remote would put on a command line and in its log"));
    }
    let id = option_id(e.file, e.project, e.server);
    let option = RemoteOption {
        chosen: via.chosen(&id),
        id,
        file: e.file.to_path_buf(),
        client: e.client,
        server: e.server.to_string(),
        project: e.project.map(str::to_string),
        host: host_of(&p.url.value).to_string(),
    };
    if !option.chosen {
        return Offer::Offered(option);
    }
    match convert(e, &p, npx, reference, bin) {
        Ok(c) => Offer::Convert(c, option),
        Err(why) => Offer::Cannot(format!("{REMOTE}, and mcp-remote cannot take it: {why}")),
    }
}

fn convert(
    e: &Entry,
    p: &Parts,
    npx: &str,
    reference: &str,
    bin: &str,
) -> Result<Conversion, String> {
    let q = |s: &str| wrap::quote(e.format, s);
    let (stdio, transport) = transport(p, e.client)?;
    let mut list: Vec<String> = vec![];
    if p.array_style {
        list.push(bin.to_string());
    }
    list.extend(["exec", "--", npx, "-y", "mcp-remote", &p.url.value].map(str::to_string));
    if let Some(t) = transport {
        list.extend(["--transport".to_string(), t.to_string()]);
    }
    if needs_allow_http(&p.url.value) {
        list.push("--allow-http".into());
    }
    let inline = expands_variables(e.client) && !p.array_style;
    let reference_text = format!("{}{reference}", super::SCHEME);
    for (_, name, v) in &p.headers {
        list.push("--header".into());
        match inline {
            true => list.push(format!(
                "{name}:{}",
                with_reference(v, e.key_slots, &reference_text)
            )),
            false => list.push(format!("{name}:${{{}}}", var_of(name))),
        }
    }
    if inline
        && e.key_slots
            .iter()
            .any(|s| list.iter().any(|a| a.contains(s.value.expose())))
    {
        return Err("the key would be on mcp-remote's command line".into());
    }
    let list = list
        .iter()
        .map(|s| q(s))
        .collect::<Result<Vec<_>, _>>()?
        .join(", ");
    let (kv, sep) = match e.format {
        Format::Toml => (" = ", if p.toml_table { "\n" } else { ", " }),
        _ => (": ", ", "),
    };
    let key = |k: &str| match e.format {
        Format::Toml => Ok(k.to_string()),
        _ => q(k),
    };
    let command = if p.array_style {
        format!("{}{kv}[{list}]", key("command")?)
    } else if inline {
        format!("{}{kv}{}", key("command")?, q(bin)?)
    } else {
        format!(
            "{}{kv}{}{sep}{}{kv}[{list}]",
            key("command")?,
            q(bin)?,
            key("args")?
        )
    };
    let env_key = if p.array_style { "environment" } else { "env" };
    // (range, new text, how it is undone)
    let mut edits: Vec<(Range<usize>, String, Piece)> =
        vec![(p.url_member.clone(), command, Piece::Undo)];
    let mut key_edits = Vec::new();
    for s in e.key_slots {
        key_edits.push(value_edit(
            e.format,
            e.text,
            &s.token,
            &s.range,
            &reference_text,
        )?);
    }
    if inline {
        // The headers member becomes `args`; what goes back is its text with the reference in the key's
        // place (the index never holds a key).
        let member = p
            .headers_member
            .clone()
            .ok_or("the key is not in its headers")?;
        let inside = |t: &Range<usize>| member.start <= t.start && t.end <= member.end;
        if e.key_slots.iter().any(|s| !inside(&s.token)) {
            return Err("the key is not in its headers".into());
        }
        let mine = |s: &SlotInternal| e.key_slots.iter().any(|k| k.token == s.token);
        if let Some(other) = e
            .all_slots
            .iter()
            .find(|s| inside(&s.token) && !mine(s) && s.report.state == ValueState::Secret)
        {
            return Err(format!("its {} holds another key, which mcp-remote would get on its command line (this client expands ${{…}} in arguments itself, so the headers go inline)", other.report.location));
        }
        let back = wrap::apply_edits(
            &e.text.as_bytes()[..member.end],
            &wrap::sorted(key_edits.clone())?,
        );
        let back = String::from_utf8_lossy(&back[member.start..]).into_owned();
        edits.push((
            member,
            format!("{}{kv}[{list}]", key("args")?),
            Piece::Resolve(back),
        ));
    } else {
        if let Some(h) = &p.headers_key {
            edits.push((h.clone(), key(env_key)?, Piece::Undo));
        }
        for (name_span, name, _) in &p.headers {
            edits.push((name_span.clone(), key(&var_of(name))?, Piece::Undo));
        }
        edits.extend(key_edits.into_iter().map(|(r, t)| (r, t, Piece::Keep)));
    }
    if let (Some(kind), Some(word)) = (&p.kind, stdio) {
        edits.push((kind.span.clone(), q(word)?, Piece::Undo));
    }
    edits.sort_by_key(|(r, _, _)| (r.start, r.end));
    if edits.windows(2).any(|w| w[1].0.start < w[0].0.end) {
        return Err("two changes overlap".into());
    }
    // The entry as it will be written, and where each undoable piece lands in it.
    let mut undo = Vec::new();
    let mut new_entry = String::new();
    let mut pos = p.entry.start;
    for (r, t, piece) in &edits {
        if r.start < p.entry.start || r.end > p.entry.end {
            return Err("a change falls outside the entry".into());
        }
        new_entry.push_str(&e.text[pos..r.start]);
        let (text, resolve) = match piece {
            Piece::Keep => (None, false),
            Piece::Undo => (Some(e.text[r.clone()].to_string()), false),
            Piece::Resolve(back) => (Some(back.clone()), true),
        };
        if let Some(text) = text {
            undo.push(Undo {
                start: new_entry.len(),
                end: new_entry.len() + t.len(),
                text,
                resolve,
            });
        }
        new_entry.push_str(t);
        pos = r.end;
    }
    new_entry.push_str(&e.text[pos..p.entry.end]);
    Ok(Conversion {
        edits: edits.into_iter().map(|(r, t, _)| (r, t)).collect(),
        record: Converted {
            file: e.file.to_path_buf(),
            server: e.server.to_string(),
            project: e.project.map(str::to_string),
            entry: Some(crate::scan::pointer(e.entry)),
            hash: blake3::hash(new_entry.as_bytes()).to_hex().to_string(),
            undo,
        },
    })
}

/// How one edit of a conversion is undone.
enum Piece {
    /// Not by the index (the key's place: Unprotect puts the key back there itself).
    Keep,
    /// By putting the replaced text back.
    Undo,
    /// By putting this text back, with the key in place of the reference it holds.
    Resolve(String),
}

/// The edits that put the converted entry at `entry` back as it was, when its text is still what Protect
/// wrote: `None` when it changed since (then only its references are replaced).
/// A piece that held the key gets `value` back in place of `rekey://<reference>`.
pub(super) fn restore(
    format: Format,
    text: &str,
    entry: &[String],
    record: &Converted,
    reference: &str,
    value: &crate::Secret,
) -> Option<Vec<(Range<usize>, String)>> {
    let span = entry_span(format, text, entry)?;
    let written = text.get(span.clone())?;
    if blake3::hash(written.as_bytes()).to_hex().as_str() != record.hash {
        return None;
    }
    record
        .undo
        .iter()
        .map(|u| {
            // (A damaged index must not cut the file at a place no edit of Protect's could have.)
            (u.start <= u.end
                && written.is_char_boundary(u.start)
                && written.is_char_boundary(u.end))
            .then(|| {
                let back = match u.resolve {
                    true => put_back(&u.text, reference, value),
                    false => u.text.clone(),
                };
                (span.start + u.start..span.start + u.end, back)
            })
        })
        .collect()
}

/// Where the converted entry's text is: the JSON object, or a TOML table from its header to its last
/// member (the way [`convert`] measured it).
fn entry_span(format: Format, text: &str, entry: &[String]) -> Option<Range<usize>> {
    match format {
        Format::Json | Format::Jsonc => super::locate::json_entry(text, entry, |bom, v| match v {
            jsonc_parser::ast::Value::Object(o) => Some(bom + o.range.start..bom + o.range.end),
            _ => None,
        })
        .ok()
        .flatten()
        .flatten(),
        Format::Toml => toml_stdio_span(text, entry),
        Format::Yaml => None,
    }
}

/// A refusal of a remote usage, per slot of the key.
pub(super) fn refusals(e: &Entry, label: &str, reason: &str) -> Vec<Refused> {
    e.key_slots
        .iter()
        .map(|s| Refused {
            file: e.file.to_path_buf(),
            client: e.client,
            server: label.to_string(),
            location: s.report.location.clone(),
            reason: reason.to_string(),
        })
        .collect()
}

mod inline;
mod parts;
#[cfg(test)]
mod tests;
