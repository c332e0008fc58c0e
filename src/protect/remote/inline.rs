//! The headers of a remote entry in a client that expands `${…}` in arguments itself
//! ([`super::expands_variables`]): inline in mcp-remote's arguments, with the reference in the key's place,
//! and the key put back in the `headers` text that Unprotect restores.

use crate::scan::SlotInternal;
use std::ops::Range;

/// Header value `v` with the key's slots in it replaced by `reference_text`.
pub(super) fn with_reference(
    v: &crate::protect::wrap::Tok,
    key_slots: &[&SlotInternal],
    reference_text: &str,
) -> String {
    let mut value = v.value.clone();
    let mut ranges: Vec<Range<usize>> = key_slots
        .iter()
        .filter(|s| s.token == v.span)
        .map(|s| s.range.clone())
        .collect();
    ranges.sort_by_key(|r| std::cmp::Reverse(r.start));
    for r in ranges {
        if value.get(r.clone()).is_some() {
            value.replace_range(r, reference_text);
        }
    }
    value
}

/// JSON text `text` with each `rekey://<reference>` replaced by `value`, escaped for a JSON string.
pub(super) fn put_back(text: &str, reference: &str, value: &crate::Secret) -> String {
    let mut literal = String::new();
    crate::edit::json::escape(value.expose(), &mut literal);
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    for f in crate::protect::find(text)
        .into_iter()
        .filter(|f| f.id == reference)
    {
        out.push_str(&text[pos..f.range.start]);
        out.push_str(&literal);
        pos = f.range.end;
    }
    out.push_str(&text[pos..]);
    out
}
