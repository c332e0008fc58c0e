//! The file machinery Protect and Unprotect share: where a usage's bytes are (`value_edit`, `by_entry`),
//! what goes back in place of a reference (`literal_for`), and the writes (`apply_files`: per-file edits
//! made again from the bytes under the lock, locked atomic writes with backups, a file that changed since
//! the plan written only if the same usages change in it).

use super::plan::{Edits, FileChange};
use crate::change::FileResult;
use crate::clients::{self, ClientId, Format, Location, Scope};
use crate::context::Context;
use crate::edit::atomic::{self, Expected, Splice};
use crate::scan::slots;
use crate::scan::SlotInternal;
use crate::Secret;
use std::ops::Range;

pub(super) fn location_of(
    path: &std::path::Path,
    client: ClientId,
    format: Format,
    variant: Option<String>,
) -> Location {
    Location {
        client,
        path: path.to_path_buf(),
        format,
        scope: Scope::User,
        variant,
    }
}

/// The edit that puts `new` in place of the decoded `range` of the string token at `token`.
pub(super) fn value_edit(
    format: Format,
    text: &str,
    token: &Range<usize>,
    range: &Range<usize>,
    new: &str,
) -> std::result::Result<(Range<usize>, String), String> {
    let raw = text
        .get(token.clone())
        .ok_or("the file is shorter than planned")?;
    let (r, enc) = match format {
        Format::Json | Format::Jsonc => {
            let r = crate::edit::json::raw_offset(raw, range.start)
                ..crate::edit::json::raw_offset(raw, range.end);
            let mut enc = String::new();
            crate::edit::json::escape(new, &mut enc);
            (r, enc)
        }
        Format::Toml => {
            let decoded = crate::edit::toml::DecodedToken::parse(raw)
                .ok_or("this TOML string is multi-line or uses an escape Rekey does not know; edit it by hand")?;
            let r = decoded
                .raw_range(range.clone())
                .ok_or("the key does not line up with this TOML string's escapes")?;
            (r, crate::edit::toml::escape(new, raw.as_bytes()[0])?)
        }
        Format::Yaml => {
            // The YAML editor escapes for the token's style and proves the text reads back.
            let mut e =
                crate::edit::yaml::edits(text, &[(token.clone(), range.clone(), new.into())])?;
            return match (e.pop(), e.is_empty()) {
                (Some(one), true) => Ok(one),
                _ => Err("this YAML value cannot be edited in one place".into()),
            };
        }
    };
    Ok((token.start + r.start..token.start + r.end, enc))
}

/// One server entry, by where it is: its key path as parsed (and that path's JSON pointer), and its
/// server's name and project for the plan's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct At {
    pub pointer: String,
    pub keys: Vec<String>,
    pub server: String,
    pub project: Option<String>,
}

/// Slots of one server entry: where it is, its slots.
pub(super) type EntrySlots<'a> = (At, Vec<&'a SlotInternal>);

/// The slots of `bytes` grouped by server entry (by its location, never by its name: two entries of one
/// name in two scopes are two entries), in file order, keeping those `keep` says.
pub(super) fn by_entry(
    slots: &[SlotInternal],
    keep: impl Fn(&SlotInternal) -> bool,
) -> Vec<EntrySlots<'_>> {
    let mut out: Vec<EntrySlots<'_>> = Vec::new();
    for s in slots.iter().filter(|s| keep(s)) {
        match out.iter_mut().find(|(at, _)| at.pointer == s.report.entry) {
            Some((_, v)) => v.push(s),
            None => out.push((
                At {
                    pointer: s.report.entry.clone(),
                    keys: crate::scan::pointer_keys(&s.report.entry),
                    server: s.report.server.clone(),
                    project: s.report.project.clone(),
                },
                vec![s],
            )),
        }
    }
    out
}

pub(super) fn restart_of(files: &[FileChange]) -> Vec<(String, String)> {
    let mut restart: Vec<(String, String)> = Vec::new();
    for f in files {
        let c = clients::by_id(f.client);
        if !restart.iter().any(|(n, _)| n == c.name()) {
            restart.push((c.name().to_string(), c.restart_hint().to_string()));
        }
    }
    restart
}

/// Keeps a key out of error messages.
pub(super) struct Scrub<'a>(pub &'a Secret);

/// Write each file: locked, backed up, atomic. The edits are made again from the bytes under the lock;
/// a file that changed since the plan is written only if the same usages change in it.
pub(super) fn apply_files(
    ctx: &Context,
    files: &[FileChange],
    scrub: &Scrub,
    edits: impl Fn(&Location, &[u8]) -> std::result::Result<Edits, String>,
) -> Vec<FileResult> {
    let scrubber = crate::scrub::Scrubber::new().with(scrub.0);
    let backups = ctx.backups();
    files
        .iter()
        .map(|f| {
            let loc = location_of(&f.path, f.client, f.format, f.variant.clone());
            let expected = Expected {
                hash: f.hash.clone(),
                bytes: f.scanned.clone(),
            };
            let r = atomic::replace_file_rebasing(&f.path, &expected, &backups, |current| {
                let (bytes, changed) = match current {
                    atomic::Current::AsPlanned(b) => (b, false),
                    atomic::Current::Changed(b) => (b, true),
                };
                let e = edits(&loc, bytes)?;
                if changed
                    && (e.usages != f.usages
                        || e.commands != f.commands
                        || e.mcp_remote != f.mcp_remote)
                {
                    return Err("the file changed since the plan and its entries no longer match it; plan again".into());
                }
                Ok(Splice {
                    edits: e
                        .edits
                        .into_iter()
                        .map(|(r, s)| (r, s.into_bytes()))
                        .collect(),
                })
            });
            match r {
                Ok(o) => FileResult {
                    path: f.path.clone(),
                    ok: true,
                    backup: Some(o.backup_id),
                    error: None,
                },
                Err(e) => FileResult {
                    path: f.path.clone(),
                    ok: false,
                    backup: None,
                    error: Some(scrubber.clean(&e.to_string())),
                },
            }
        })
        .collect()
}

/// Is the reference at decoded `range` of this token inside a URL (then its value is percent-encoded)?
pub(super) fn in_url(text: &str, token: &Range<usize>, range: &Range<usize>) -> bool {
    let raw = &text[token.clone()];
    let cut = match raw.as_bytes().first() {
        Some(b'"') | Some(b'\'') => crate::edit::json::raw_offset(raw, range.start).min(raw.len()),
        _ => range.start.min(raw.len()),
    };
    raw.get(..cut).is_some_and(url_before)
}

/// Does a value that follows `before` in a string sit inside a URL? Yes when a `scheme://` precedes it;
/// the `rekey://` of an earlier reference in the same string does not count.
pub(super) fn url_before(before: &str) -> bool {
    before.replace(super::SCHEME, "").contains("://")
}

/// `value` as it goes in place of a reference: percent-encoded inside a URL (a `+` would read as a
/// space, a `&` would end the parameter), as it is elsewhere.
pub(super) fn encoded_for(value: &str, in_url: bool) -> String {
    if in_url {
        slots::percent_encode(value)
    } else {
        value.to_string()
    }
}

/// `value` as it goes back in place of a reference.
pub(super) fn literal_for(
    text: &str,
    token: &Range<usize>,
    range: &Range<usize>,
    value: &Secret,
) -> String {
    encoded_for(value.expose(), in_url(text, token, range))
}
