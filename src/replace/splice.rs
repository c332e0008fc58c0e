//! The bytes of a rewrite: the edits that put the new secret in place of each planned slot, each one
//! checked to read back as the new key in the file's own format (JSON, JSONC, TOML, YAML).

use super::FilePlan;
use crate::clients::Format;
use crate::edit::atomic;
use crate::edit::json::{self, Dialect};
use crate::scan::slots::{self, Encoding};
use crate::Secret;
use std::ops::Range;

/// Produce the new bytes: only the secrets' bytes change. Refuses if the result would not parse.
/// `bytes` must be the bytes the plan was made from (the caller re-checks them under the lock), so only
/// the planned string tokens are decoded again here. (A rebased plan's bytes were re-scanned in full.)
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
    if fp.format == Format::Yaml {
        return splice_yaml(bytes, fp, new);
    }
    let mut edits: Vec<(Range<usize>, String)> = Vec::new();
    // TOML: per string token, its decoded value and the (decoded range, new value) edits in it, to check
    // that the edited file reads back exactly that.
    type TokenEdits = (
        Range<usize>,
        crate::edit::toml::DecodedToken,
        Vec<(Range<usize>, String)>,
    );
    let mut toml_tokens: Vec<TokenEdits> = Vec::new();
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
                // Gathered per token; the edits are made after the loop, when it is known whether a
                // literal ('…') string can hold every new value in it.
                let decoded = crate::edit::toml::DecodedToken::parse(raw)
                    .ok_or("this TOML string is multi-line or uses an escape Rekey does not know; edit it by hand")?;
                decoded
                    .raw_range(c.range.clone())
                    .ok_or("the key does not line up with this TOML string's escapes")?;
                match toml_tokens.iter_mut().find(|(t, _, _)| *t == c.token) {
                    Some((_, _, e)) => e.push((c.range.clone(), value)),
                    None => {
                        toml_tokens.push((c.token.clone(), decoded, vec![(c.range.clone(), value)]))
                    }
                }
                continue;
            }
            Format::Yaml => return Err("internal error: YAML is edited by splice_yaml".into()),
        };
        edits.push((
            c.token.start + raw_range.start..c.token.start + raw_range.end,
            encoded,
        ));
    }
    for (token, decoded, token_edits) in &toml_tokens {
        let quote = bytes[token.start];
        let fits = token_edits
            .iter()
            .all(|(_, v)| crate::edit::toml::escape(v, quote).is_ok());
        if fits {
            for (r, v) in token_edits {
                let raw = decoded
                    .raw_range(r.clone())
                    .ok_or("the key does not line up with this TOML string's escapes")?;
                let encoded = crate::edit::toml::escape(v, quote)?;
                edits.push((token.start + raw.start..token.start + raw.end, encoded));
            }
        } else {
            // A literal string cannot hold a `'` or a control character: the whole string is written
            // again as a basic string ("…", escaped) with the same value around the new key.
            edits.push((
                token.clone(),
                format!(
                    "\"{}\"",
                    crate::edit::toml::escape(&edited(decoded, token_edits), b'"')?
                ),
            ));
        }
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
            // Where each edited token starts in the new text, and the value it must read back as.
            let mut want: Vec<(usize, String)> = Vec::new();
            for (token, decoded, token_edits) in toml_tokens {
                let value = edited(&decoded, &token_edits);
                let shift: isize = splice
                    .edits
                    .iter()
                    .filter(|(r, _)| r.end <= token.start)
                    .map(|(r, e)| e.len() as isize - r.len() as isize)
                    .sum();
                want.push(((token.start as isize + shift) as usize, value));
            }
            let mut read_back = 0;
            let mut wrong = false;
            crate::edit::toml::walk(text, |_, span, v| {
                if let Some((_, value)) = want.iter().find(|(at, _)| *at == span.start) {
                    read_back += 1;
                    wrong |= v != value;
                }
            })
            .map_err(|e| format!("the edited file would not parse ({e})"))?;
            if wrong || read_back != want.len() {
                return Err("the edited TOML string would not read back as the new key".into());
            }
        }
        Format::Yaml => {}
    }
    Ok(splice)
}

/// The decoded value of a TOML string token with `edits` (decoded ranges, new values) made in it.
fn edited(decoded: &crate::edit::toml::DecodedToken, edits: &[(Range<usize>, String)]) -> String {
    let mut sorted: Vec<&(Range<usize>, String)> = edits.iter().collect();
    sorted.sort_by_key(|(r, _)| std::cmp::Reverse(r.start));
    let mut value = decoded.value.clone();
    for (r, v) in sorted {
        value.replace_range(r.clone(), v);
    }
    value
}

/// YAML: `edit::yaml::edits` escapes each secret for its scalar's style, refuses what it cannot edit
/// safely, and re-parses the edited text to check every scalar reads back as planned.
fn splice_yaml(
    bytes: &[u8],
    fp: &FilePlan,
    new: &Secret,
) -> std::result::Result<atomic::Splice, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "the file is not UTF-8 text".to_string())?;
    let wanted: Vec<(Range<usize>, Range<usize>, String)> = fp
        .changes
        .iter()
        .map(|c| {
            let value = match c.encoding {
                Encoding::Plain => new.expose().to_string(),
                Encoding::Url => slots::percent_encode(new.expose()),
            };
            (c.token.clone(), c.range.clone(), value)
        })
        .collect();
    let edits = crate::edit::yaml::edits(text, &wanted)?;
    Ok(atomic::Splice {
        edits: edits
            .into_iter()
            .map(|(r, e)| (r, e.into_bytes()))
            .collect(),
    })
}
