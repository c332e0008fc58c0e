//! Fuzz the JSON/JSONC walker and the surgical editor.
//! - strict-JSON validity agrees with serde_json;
//! - replacing any string value with an escaped arbitrary string keeps the document valid, leaves every
//!   byte outside that token unchanged, and the walker then reads back exactly the new value.
#![no_main]
use libfuzzer_sys::fuzz_target;
use rekey::edit::json::{escape, walk, Dialect};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for dialect in [Dialect::Json, Dialect::Jsonc] {
        let mut spans = Vec::new();
        let ok = walk(text, dialect, |s| spans.push(s.span.clone())).is_ok();
        if dialect == Dialect::Json {
            // A leading BOM is accepted (and preserved) on purpose; serde_json does not take one.
            // IgnoredAny: serde_json checks the grammar without converting numbers (JSON allows any size).
            let body = text.strip_prefix('\u{feff}').unwrap_or(text);
            let serde_ok = serde_json::from_str::<serde::de::IgnoredAny>(body).is_ok();
            assert_eq!(ok, serde_ok, "validity differs from serde_json");
        }
        if !ok {
            continue;
        }
        // Replace the string at a position chosen by the input with a value made from the input.
        if let Some(span) = spans.get(data.len() % spans.len().max(1)).cloned() {
            let new_value: String = text.chars().rev().take(24).collect();
            let mut lit = String::from("\"");
            escape(&new_value, &mut lit);
            lit.push('"');
            let edited = format!("{}{}{}", &text[..span.start], lit, &text[span.end..]);
            let mut seen = None;
            walk(&edited, dialect, |s| {
                if s.span.start == span.start {
                    seen = Some(s.value.into_owned());
                }
            })
            .expect("an edit made the document invalid");
            assert_eq!(seen.as_deref(), Some(new_value.as_str()));
        }
    }
});
