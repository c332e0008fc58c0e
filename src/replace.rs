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
#[derive(Debug, Clone, Default, Serialize)]
pub struct ReplacePlan {
    pub files: Vec<FilePlan>,
    /// Usages of the old value Rekey cannot rewrite (references to other stores).
    pub skipped: Vec<String>,
    /// Config files that do not parse (or cannot be read) but hold the old value's bytes.
    pub unparsed: Vec<Unparsed>,
}

/// A config file Rekey cannot edit that still holds the key: the user must fix it.
#[derive(Debug, Clone, Serialize)]
pub struct Unparsed {
    pub path: PathBuf,
    pub client: ClientId,
    /// 1-based line of the first occurrence.
    pub line: usize,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct FilePlan {
    pub path: PathBuf,
    pub client: ClientId,
    pub format: Format,
    pub hash: String,
    pub changes: Vec<Change>,
    /// The bytes the plan was made from (re-checked under the lock before writing).
    #[serde(skip)]
    scanned: Option<std::sync::Arc<Vec<u8>>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Change {
    pub server: String,
    /// Claude Code local scope: the project the server entry belongs to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
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

impl Change {
    /// The server's name, with its project when the entry is project-scoped (`github (project /src/app)`).
    pub fn server_label(&self) -> String {
        match &self.project {
            Some(p) => format!("{} (project {p})", self.server),
            None => self.server.clone(),
        }
    }
}

/// A new secret must be usable as-is in every client: no surrounding whitespace, no line breaks.
pub fn validate_new_secret(old: &Secret, new: &Secret) -> Result<()> {
    let v = new.expose();
    if v.is_empty() {
        return Err(Error::InvalidInput("the new secret is empty".into()));
    }
    if v.trim() != v {
        return Err(Error::InvalidInput(
            "the new secret has leading or trailing whitespace".into(),
        ));
    }
    if v.chars().any(|c| c.is_control()) {
        return Err(Error::InvalidInput(
            "the new secret contains a line break or another control character".into(),
        ));
    }
    if old.expose().is_empty() {
        return Err(Error::InvalidInput("the old secret is empty".into()));
    }
    if old == new {
        return Err(Error::InvalidInput(
            "the new secret is the same as the old one".into(),
        ));
    }
    Ok(())
}

/// Plan replacing `old` with `new` everywhere the scan found `old` as a literal secret.
pub fn plan(report: &ScanReport, old: &Secret, new: &Secret) -> Result<ReplacePlan> {
    validate_new_secret(old, new)?;
    let mut p = plan_for(report, old);
    for f in &mut p.files {
        for c in &mut f.changes {
            c.after = new.masked();
        }
    }
    Ok(p)
}

/// Plan replacing `old` before the new value is known (a rotation plans before calling the provider).
pub fn plan_for(report: &ScanReport, old: &Secret) -> ReplacePlan {
    let mut files: Vec<FilePlan> = Vec::new();
    for slot in &report.internal {
        if slot.value != *old {
            continue;
        }
        let f = &report.files[slot.file];
        let Some(sha) = f.hash.clone() else { continue };
        let change = Change {
            server: slot.report.server.clone(),
            project: slot.report.project.clone(),
            location: slot.report.location.clone(),
            kind: slot.report.kind,
            before: old.masked(),
            after: "(new key)".to_string(),
            token: slot.token.clone(),
            range: slot.range.clone(),
            encoding: slot.encoding,
        };
        match files.iter_mut().find(|p| p.path == f.path) {
            Some(p) => p.changes.push(change),
            None => files.push(FilePlan {
                path: f.path.clone(),
                client: f.client,
                format: f.format,
                hash: sha,
                changes: vec![change],
                scanned: report.contents.get(slot.file).cloned().flatten(),
            }),
        }
    }
    ReplacePlan {
        files,
        ..Default::default()
    }
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
            let expected = atomic::Expected {
                hash: fp.hash.clone(),
                bytes: fp.scanned.clone(),
            };
            let r =
                atomic::replace_file(&fp.path, &expected, backups, |bytes| splice(bytes, fp, new));
            match r {
                Ok(o) => FileResult {
                    path: fp.path.clone(),
                    ok: true,
                    backup: Some(o.backup_id),
                    error: None,
                },
                Err(e) => FileResult {
                    path: fp.path.clone(),
                    ok: false,
                    backup: None,
                    error: Some(e.to_string()),
                },
            }
        })
        .collect()
}

/// Produce the new bytes: only the secrets' bytes change. Refuses if the result would not parse.
/// `bytes` must be the bytes the plan was made from (the caller re-checks them under the lock), so only
/// the planned string tokens are decoded again here.
pub fn rewrite(bytes: &[u8], fp: &FilePlan, new: &Secret) -> std::result::Result<Vec<u8>, String> {
    let splice = splice(bytes, fp, new)?;
    Ok(splice.parts(bytes).concat())
}

/// The edits that `rewrite` applies, validated, without building the new file in memory.
pub fn splice(
    bytes: &[u8],
    fp: &FilePlan,
    new: &Secret,
) -> std::result::Result<atomic::Splice, String> {
    let mut edits: Vec<(Range<usize>, String)> = Vec::new();
    for c in &fp.changes {
        let raw = bytes
            .get(c.token.clone())
            .ok_or("the file is shorter than planned")?;
        let raw = std::str::from_utf8(raw)
            .map_err(|_| "a planned value is no longer UTF-8 text".to_string())?;
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
        edits.push((
            c.token.start + raw_range.start..c.token.start + raw_range.end,
            encoded,
        ));
    }
    edits.sort_by_key(|(r, _)| r.start);
    if edits.windows(2).any(|w| w[1].0.start < w[0].0.end) {
        return Err("two changes overlap".into());
    }
    let splice = atomic::Splice {
        edits: edits
            .into_iter()
            .map(|(r, e)| (r, e.into_bytes()))
            .collect(),
    };
    // Never write a file that does not parse. The caller checked, under the lock, that `bytes` are the
    // ones the scan validated in full; everything outside the edited string tokens is unchanged, so
    // re-checking each edited token proves the whole file still parses (TOML files are small: re-parse).
    match fp.format {
        Format::Json | Format::Jsonc => {
            let mut tokens: Vec<&Range<usize>> = fp.changes.iter().map(|c| &c.token).collect();
            tokens.sort_by_key(|t| t.start);
            tokens.dedup();
            for t in tokens {
                let mut token = Vec::with_capacity(t.len() + 64);
                let mut pos = t.start;
                for (r, e) in splice
                    .edits
                    .iter()
                    .filter(|(r, _)| r.start >= t.start && r.end <= t.end)
                {
                    token.extend_from_slice(&bytes[pos..r.start]);
                    token.extend_from_slice(e);
                    pos = r.end;
                }
                token.extend_from_slice(&bytes[pos..t.end]);
                let token = std::str::from_utf8(&token)
                    .map_err(|_| "internal error: an edit broke UTF-8".to_string())?;
                let mut strings = 0;
                json::walk(token, Dialect::Json, |_| strings += 1)
                    .map_err(|e| format!("the edited value would not parse ({e})"))?;
                if strings != 1 {
                    return Err("internal error: an edit did not stay inside one string".into());
                }
            }
        }
        Format::Toml => {
            let out = splice.parts(bytes).concat();
            let text = std::str::from_utf8(&out)
                .map_err(|_| "the edited file is not UTF-8 text".to_string())?;
            crate::edit::toml::walk(text, |_, _, _| {})
                .map_err(|e| format!("the edited file would not parse ({e})"))?
        }
    }
    Ok(splice)
}

/// The decoded value of a single-line TOML string token, when it has no escapes.
fn toml_decoded(raw: &str) -> String {
    if raw.len() >= 2 {
        raw[1..raw.len() - 1].to_string()
    } else {
        String::new()
    }
}

/// Manual rotation of one credential (the user rotated it elsewhere and pastes the new key): every
/// literal use of it is rewritten, surgically and atomically, with backups.
pub fn replace_credential(
    ctx: &crate::context::Context,
    credential: &str,
    new: &Secret,
) -> crate::Result<Vec<FileResult>> {
    if new.expose().trim().is_empty() || new.expose().contains(['\n', '\r']) {
        return Err(crate::Error::InvalidInput(
            "the new key must be one non-empty line".into(),
        ));
    }
    let report = ctx.scan()?;
    let old = report
        .secret_of(credential)
        .ok_or_else(|| crate::Error::UnknownCredential(credential.into()))?;
    if old == *new {
        return Err(crate::Error::InvalidInput(
            "the new key is the same as the current one".into(),
        ));
    }
    let plan = plan_for(&report, &old);
    if plan.files.is_empty() {
        return Err(crate::Error::InvalidInput(
            "no config file holds this key literally".into(),
        ));
    }
    Ok(apply(&plan, new, &ctx.backups()))
}

#[cfg(test)]
mod manual_tests {
    use super::*;

    #[test]
    fn a_pasted_key_replaces_every_literal_use_and_bad_input_changes_nothing() {
        let home = tempfile::tempdir().unwrap();
        let ctx = crate::context::Context {
            env: crate::clients::Env::linux_at(home.path()),
            data_dir: home.path().join("data"),
            settings: Default::default(),
        };
        let cursor = home.path().join(".cursor/mcp.json");
        std::fs::create_dir_all(cursor.parent().unwrap()).unwrap();
        let text = "{\"mcpServers\": {\"a\": {\"env\": {\"BITSCALE_API_KEY\": \"bs_live_0123456789abcdef\"}}}}";
        std::fs::write(&cursor, text).unwrap();
        let id = ctx.scan().unwrap().credentials[0].id.clone();
        for bad in ["", "two\nlines", "bs_live_0123456789abcdef"] {
            assert!(
                replace_credential(&ctx, &id, &Secret::new(bad.into())).is_err(),
                "{bad:?}"
            );
        }
        assert!(
            replace_credential(&ctx, "cred_nope", &Secret::new("x-1234567890".into())).is_err()
        );
        assert_eq!(std::fs::read_to_string(&cursor).unwrap(), text);
        let results = replace_credential(
            &ctx,
            &id,
            &Secret::new("bs_live_new_fedcba9876543210".into()),
        )
        .unwrap();
        assert_eq!(results.len(), 1);
        assert!(results[0].ok && results[0].backup.is_some());
        assert_eq!(
            std::fs::read_to_string(&cursor).unwrap(),
            text.replace("bs_live_0123456789abcdef", "bs_live_new_fedcba9876543210")
        );
    }
}
