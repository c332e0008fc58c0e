//! Replace one secret with another in every config that holds it: the manual rotation ("I rotated it on
//! the provider's website") and the config half of an automatic rotation.

use crate::clients::{ClientId, Format};
use crate::edit::atomic;
use crate::edit::backup::Backups;
use crate::edit::json::{self, Dialect};
use crate::scan::slots::{self, Encoding, SlotKind};
use crate::scan::ScanReport;
use crate::{Error, Result, Secret};
use serde::Serialize;
use std::ops::Range;
use std::path::PathBuf;

/// What will change, file by file. Holds no secret values.
#[derive(Debug, Clone, Serialize)]
pub struct ReplacePlan {
    pub files: Vec<FilePlan>,
    /// Usages of the old value Rekey cannot rewrite (references to other stores).
    pub skipped: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FilePlan {
    pub path: PathBuf,
    pub client: ClientId,
    pub format: Format,
    pub sha256: String,
    pub changes: Vec<Change>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Change {
    pub server: String,
    pub location: String,
    pub kind: SlotKind,
    pub before: String,
    pub after: String,
    #[serde(skip)]
    token: Range<usize>,
    #[serde(skip)]
    range: Range<usize>,
    #[serde(skip)]
    encoding: Encoding,
}

/// A new secret must be usable as-is in every client: no surrounding whitespace, no line breaks.
pub fn validate_new_secret(old: &Secret, new: &Secret) -> Result<()> {
    let v = new.expose();
    if v.is_empty() {
        return Err(Error::InvalidInput("the new secret is empty".into()));
    }
    if v.trim() != v {
        return Err(Error::InvalidInput("the new secret has leading or trailing whitespace".into()));
    }
    if v.chars().any(|c| c.is_control()) {
        return Err(Error::InvalidInput("the new secret contains a line break or another control character".into()));
    }
    if old.expose().is_empty() {
        return Err(Error::InvalidInput("the old secret is empty".into()));
    }
    if old == new {
        return Err(Error::InvalidInput("the new secret is the same as the old one".into()));
    }
    Ok(())
}

/// Plan replacing `old` with `new` everywhere the scan found `old` as a literal secret.
pub fn plan(report: &ScanReport, old: &Secret, new: &Secret) -> Result<ReplacePlan> {
    validate_new_secret(old, new)?;
    let mut files: Vec<FilePlan> = Vec::new();
    for slot in &report.internal {
        if slot.value != *old {
            continue;
        }
        let f = &report.files[slot.file];
        let Some(sha) = f.sha256.clone() else { continue };
        let change = Change {
            server: slot.report.server.clone(),
            location: slot.report.location.clone(),
            kind: slot.report.kind,
            before: old.masked(),
            after: new.masked(),
            token: slot.token.clone(),
            range: slot.range.clone(),
            encoding: slot.encoding,
        };
        match files.iter_mut().find(|p| p.path == f.path) {
            Some(p) => p.changes.push(change),
            None => files.push(FilePlan { path: f.path.clone(), client: f.client, format: f.format, sha256: sha, changes: vec![change] }),
        }
    }
    Ok(ReplacePlan { files, skipped: Vec::new() })
}

/// The outcome for one file.
#[derive(Debug, Serialize)]
pub struct FileResult {
    pub path: PathBuf,
    pub ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backup: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Apply the plan: each file is locked, re-checked against the plan's hash, transformed, validated,
/// backed up and written atomically. A file that fails is left untouched; the others still proceed.
pub fn apply(plan: &ReplacePlan, new: &Secret, backups: &Backups) -> Vec<FileResult> {
    plan.files
        .iter()
        .map(|fp| {
            let r = atomic::replace_file(&fp.path, &fp.sha256, backups, |bytes| rewrite(bytes, fp, new));
            match r {
                Ok(o) => FileResult { path: fp.path.clone(), ok: true, backup: Some(o.backup_id), error: None },
                Err(e) => FileResult { path: fp.path.clone(), ok: false, backup: None, error: Some(e.to_string()) },
            }
        })
        .collect()
}

/// Produce the new bytes: only the secrets' bytes change. Refuses if the result would not parse.
pub fn rewrite(bytes: &[u8], fp: &FilePlan, new: &Secret) -> std::result::Result<Vec<u8>, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "the file is no longer UTF-8 text".to_string())?;
    let mut edits: Vec<(Range<usize>, String)> = Vec::new();
    for c in &fp.changes {
        let raw = text.get(c.token.clone()).ok_or("the file is shorter than planned")?;
        let value = match c.encoding {
            Encoding::Plain => new.expose().to_string(),
            Encoding::Url => slots::percent_encode(new.expose()),
        };
        let (raw_range, encoded) = match fp.format {
            Format::Json | Format::Jsonc => {
                let r = json::raw_offset(raw, c.range.start)..json::raw_offset(raw, c.range.end);
                let mut enc = String::new();
                json::escape(&value, &mut enc);
                (r, enc)
            }
            Format::Toml => {
                let decoded = toml_decoded(raw);
                let r = crate::edit::toml::raw_range(raw, &decoded, c.range.clone())
                    .ok_or("this TOML string uses escapes or a multi-line form; edit it by hand")?;
                (r, crate::edit::toml::escape(&value, raw.as_bytes()[0])?)
            }
        };
        edits.push((c.token.start + raw_range.start..c.token.start + raw_range.end, encoded));
    }
    edits.sort_by_key(|(r, _)| r.start);
    let mut out = String::with_capacity(text.len() + edits.len() * 64);
    let mut pos = 0;
    for (r, enc) in &edits {
        if r.start < pos {
            return Err("two changes overlap".into());
        }
        out.push_str(&text[pos..r.start]);
        out.push_str(enc);
        pos = r.end;
    }
    out.push_str(&text[pos..]);
    // Never write a file that does not parse.
    let check = match fp.format {
        Format::Json => json::walk(&out, Dialect::Json, |_| {}),
        Format::Jsonc => json::walk(&out, Dialect::Jsonc, |_| {}),
        Format::Toml => crate::edit::toml::walk(&out, |_, _, _| {}),
    };
    check.map_err(|e| format!("the edited file would not parse ({e})"))?;
    Ok(out.into_bytes())
}

/// The decoded value of a single-line TOML string token, when it has no escapes.
fn toml_decoded(raw: &str) -> String {
    if raw.len() >= 2 {
        raw[1..raw.len() - 1].to_string()
    } else {
        String::new()
    }
}
