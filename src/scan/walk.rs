//! One file's walk: the strings under its client's server roots, each looked at by the slot rules, with
//! the remote entries and URL/env notes the link reads later. Shared by the scan and by a write that
//! re-locates planned slots in a file that changed since the plan ([`slots_of`]).

use super::{entries, guess_provider, outside, slots, SlotInternal, SlotReport};
use crate::clients::{self, ClientId, Format, Location, Scope};
use crate::edit::json::{self, Dialect, Seg};
use crate::Secret;
use entries::is_previous_element;
use slots::Encoding;
use std::ops::Range;
use std::path::PathBuf;

/// (server key incl. project, url, headers) of a remote entry.
pub(super) type RemoteEntry = (String, Option<String>, Vec<(String, String)>);

/// What one file's walk found: its slots (with server and project) and its remote entries.
#[derive(Clone)]
pub(super) struct Walked {
    pub(super) found: Vec<(String, Option<String>, SlotInternal)>,
    pub(super) remote: Vec<RemoteEntry>,
    /// (server key incl. project, env name or None for a URL, value).
    pub(super) notes: Vec<(String, Option<String>, String)>,
    /// The entries (pointers, as `SlotReport::entry`) that hold a string `exec`: only these can be
    /// `rekey exec --` wrapped entries (see `protect::bin::stale_entries`).
    pub(super) exec_entries: Vec<String>,
    /// The byte span of each server entry that is a JSON object (pointer, span): a wrapped entry's shape
    /// is read from its own bytes, not from a parse of the whole file.
    pub(super) entry_spans: Vec<(String, Range<usize>)>,
    /// Whether what was found depends on this file's bytes alone (a flat secret file's labels come from
    /// another file: it is never re-used by `ScanCache`).
    pub(super) cacheable: bool,
}

/// Find the slots in one file's text with `client`'s rules; Claude Code's user file also adds the projects
/// it lists to `projects`.
pub(super) fn walk_slots(
    client: &dyn clients::Client,
    loc: &Location,
    text: &str,
    file_idx: usize,
    projects: &mut Vec<PathBuf>,
) -> Result<Walked, json::SyntaxError> {
    let mut found: Vec<(String, Option<String>, SlotInternal)> = Vec::new();
    let mut remote: Vec<RemoteEntry> = Vec::new();
    let mut notes: Vec<(String, Option<String>, String)> = Vec::new();
    // A flat secret file (Goose's secrets.yaml) is read as one entry per value: `<server>.env.NAME`.
    let store = client.secret_store(&loc.path).map(|mut st| {
        if let Some(users_in) = st.users_in.take() {
            if let Ok(text) = crate::edit::read::read_to_string(&users_in) {
                let _ = crate::edit::yaml::walk(&text, |p, _, v| {
                    if let [root, ext, keys, _] = p {
                        if root == "extensions" && (keys == "env_keys" || keys == "envKeys") {
                            st.users.push((v.to_string(), ext.clone()));
                        }
                    }
                });
            }
        }
        st
    });
    // A Claude Desktop extension settings file is one server (the extension) whose entry is `userConfig`.
    let ext = clients::claude_extension_id(loc);
    let (roots, depth): (&[&[&str]], usize) = match ext {
        Some(_) => (outside::EXTENSION_ROOTS, 1),
        None if store.is_some() => (&[&[]], 2),
        None => (client.server_roots(), 2),
    };
    // Entries named by a field (Continue's list items): (entry key, name), applied after the walk.
    let mut names: Vec<(String, String)> = Vec::new();
    let name_field = client.server_name_field();
    let mut exec_entries: Vec<String> = Vec::new();
    let mut entry_spans: Vec<(String, Range<usize>)> = Vec::new();
    let mut on_string =
        |path: &[&str], token: Range<usize>, value: &str, prev_arg: Option<&str>| {
            for root in roots {
                if path.len() < root.len() + depth
                    || !root.iter().zip(path).all(|(r, p)| *r == "*" || r == p)
                {
                    continue;
                }
                let project = root
                    .iter()
                    .position(|r| *r == "*")
                    .map(|i| path[i].to_string());
                let server = ext.map_or_else(|| path[root.len()].to_string(), str::to_string);
                let raw_rel = &path[root.len() + depth - 1..];
                let entry = super::pointer(&path[..root.len() + depth - 1]);
                if value == "exec" && !exec_entries.contains(&entry) {
                    exec_entries.push(entry.clone());
                }
                let entry_key = format!("{}\u{0}{}", project.clone().unwrap_or_default(), server);
                let mapped = client.slot_path(raw_rel);
                let rel = mapped.as_deref().unwrap_or(raw_rel);
                if name_field.is_some_and(|f| rel == [f]) {
                    names.push((entry_key.clone(), value.to_string()));
                }
                let slot = match remote.iter().position(|(k, _, _)| *k == entry_key) {
                    Some(i) => i,
                    None => {
                        remote.push((entry_key.clone(), None, Vec::new()));
                        remote.len() - 1
                    }
                };
                match rel {
                    ["url" | "serverUrl" | "httpUrl"] | ["args", _]
                        if value.starts_with("https://") || value.starts_with("http://") =>
                    {
                        notes.push((entry_key.clone(), None, value.to_string()))
                    }
                    ["env", name]
                        if crate::providers::all()
                            .iter()
                            .any(|p| p.base_url_env() == Some(*name)) =>
                    {
                        notes.push((entry_key.clone(), Some(name.to_string()), value.to_string()))
                    }
                    _ => {}
                }
                match rel {
                    ["url" | "serverUrl" | "httpUrl"] => remote[slot].1 = Some(value.to_string()),
                    ["headers", name] => remote[slot].2.push((name.to_string(), value.to_string())),
                    _ => {}
                }
                let stored = client
                    .stored_secret_names(rel)
                    .map(|lives_in| entries::stored_name(value, lives_in));
                let found_here = match ext {
                    Some(id) => outside::extension_slots(id, rel, value),
                    None => slots::find(rel, value, prev_arg),
                };
                // An extension's id names its vendor more often than its settings' names do.
                let hint = ext.map(|id| format!("{id} {value}"));
                for mut f in found_here.into_iter().chain(stored) {
                    if let (Some(m), None) = (&mapped, ext) {
                        f.location = clients::in_client_words(raw_rel, m, f.location);
                    }
                    let secret_text = match f.encoding {
                        Encoding::Plain => value[f.range.clone()].to_string(),
                        Encoding::Url => slots::percent_decode(&value[f.range.clone()]),
                    };
                    let secret = Secret::new(secret_text);
                    let report = SlotReport {
                        file: loc.path.clone(),
                        server: server.clone(),
                        project: project.clone(),
                        entry: entry.clone(),
                        kind: f.kind,
                        location: f.location.clone(),
                        // A `rekey://` reference is not a secret: it is shown as it is.
                        masked: match &f.state {
                            slots::ValueState::Reference { .. }
                                if secret.expose().starts_with(crate::scan::refs::SCHEME) =>
                            {
                                secret.expose().to_string()
                            }
                            _ => secret.masked(),
                        },
                        provider: guess_provider(
                            &f.name,
                            hint.as_deref().unwrap_or(value),
                            secret.expose(),
                        ),
                        state: f.state.clone(),
                        credential: None,
                        exposure: None,
                    };
                    found.push((
                        server.clone(),
                        project.clone(),
                        SlotInternal {
                            file: file_idx,
                            token: token.clone(),
                            range: f.range,
                            encoding: f.encoding,
                            value: secret,
                            report,
                        },
                    ));
                }
            }
        };
    let result = match loc.format {
        Format::Json | Format::Jsonc => {
            let dialect = if loc.format == Format::Json {
                Dialect::Json
            } else {
                Dialect::Jsonc
            };
            let mut prev: Option<(Vec<String>, String)> = None;
            let mut path_buf: Vec<String> = Vec::new();
            // Claude Code's user file lists its projects as the members of `projects`, whatever each
            // entry holds (a freshly opened project's entry has no string at all).
            let lists_projects = loc.client == ClientId::ClaudeCode && loc.scope == Scope::User;
            let on_key = |path: &[Seg<'_>]| {
                if let (true, [Seg::Key(k0), Seg::Key(p)]) = (lists_projects, path) {
                    if k0 == "projects" {
                        projects.push(PathBuf::from(p.as_ref()));
                    }
                }
            };
            let on_object = |path: &[Seg<'_>], span: Range<usize>| {
                let is_entry = roots.iter().any(|r| {
                    path.len() == r.len() + depth - 1
                        && r.iter().zip(path).all(|(want, seg)| {
                            seg.key().is_some_and(|k| *want == "*" || *want == k)
                        })
                });
                if is_entry {
                    let segs: Vec<String> = path
                        .iter()
                        .map(|p| match p {
                            Seg::Key(k) => k.to_string(),
                            Seg::Index(i) => i.to_string(),
                        })
                        .collect();
                    let refs: Vec<&str> = segs.iter().map(String::as_str).collect();
                    entry_spans.push((super::pointer(&refs), span));
                }
            };
            json::walk_with_objects(
                text,
                dialect,
                |s| {
                    if !matches!(s.path.first(), Some(Seg::Key(_))) {
                        return;
                    }
                    // Only strings inside a server entry matter: check on the borrowed path, allocate after.
                    let under_root = roots.iter().any(|r| {
                        s.path.len() >= r.len() + depth
                            && r.iter().zip(s.path).all(|(want, seg)| {
                                seg.key().is_some_and(|k| *want == "*" || *want == k)
                            })
                    });
                    if !under_root {
                        return;
                    }
                    path_buf.clear();
                    path_buf.extend(s.path.iter().map(|p| match p {
                        Seg::Key(k) => k.to_string(),
                        Seg::Index(i) => i.to_string(),
                    }));
                    let refs: Vec<&str> = path_buf.iter().map(String::as_str).collect();
                    let prev_arg = prev.as_ref().and_then(|(pp, v)| {
                        is_previous_element(pp, &path_buf).then_some(v.as_str())
                    });
                    on_string(&refs, s.span.clone(), &s.value, prev_arg);
                    prev = Some((path_buf.clone(), s.value.to_string()));
                },
                on_key,
                on_object,
            )
        }
        Format::Toml | Format::Yaml => {
            let mut prev: Option<(Vec<String>, String)> = None;
            let mut each = |path: &[String], span: Range<usize>, value: &str| {
                let label = store.as_ref().map(|s| path.first().map(|n| s.server_of(n)));
                let refs: Vec<&str> = match (&label, path) {
                    (Some(Some(label)), [name]) => vec![label, "env", name],
                    (Some(_), _) => return,
                    (None, _) => path.iter().map(String::as_str).collect(),
                };
                let prev_arg = prev
                    .as_ref()
                    .and_then(|(pp, v)| is_previous_element(pp, path).then_some(v.as_str()));
                on_string(&refs, span, value, prev_arg);
                prev = Some((path.to_vec(), value.to_string()));
            };
            if loc.format == Format::Toml {
                crate::edit::toml::walk(text, &mut each)
            } else {
                crate::edit::yaml::walk(text, &mut each)
            }
        }
    };
    result?;
    entries::apply_names(&names, &mut found, &mut remote);
    Ok(Walked {
        found,
        remote,
        notes,
        exec_entries,
        entry_spans,
        cacheable: store.is_none(),
    })
}

/// The slots of one file's current bytes, found exactly as the scan finds them (same client, format and
/// slot rules). A write uses it to re-locate planned slots in a file that changed since the plan.
pub(crate) fn slots_of(loc: &Location, bytes: &[u8]) -> Result<Vec<SlotInternal>, String> {
    let text = std::str::from_utf8(bytes)
        .map_err(|e| format!("not UTF-8 text (byte {})", e.valid_up_to()))?;
    let client = clients::by_id(loc.client);
    walk_slots(client, loc, text, 0, &mut Vec::new())
        .map(|w| w.found.into_iter().map(|(_, _, s)| s).collect())
        .map_err(|e| format!("does not parse: {e}"))
}
