//! Rekey's JSON/JSONC tokenizer agrees with serde_json (strict JSON) and jsonc-parser (JSONC) on which
//! documents are valid, and reports the same string values, on valid documents and on random mutations
//! of them (which reach the error paths).

use proptest::prelude::*;
use rekey::edit::json::{walk, Dialect};

fn jsonc_ok(text: &str) -> bool {
    jsonc_result(text).is_ok()
}

fn jsonc_result(text: &str) -> Result<(), String> {
    let opts = jsonc_parser::ParseOptions {
        allow_comments: true,
        allow_loose_object_property_names: false,
        allow_trailing_commas: true,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: false,
    };
    match jsonc_parser::parse_to_value(text, &opts) {
        Ok(Some(_)) => Ok(()),
        Ok(None) => Err("empty".into()),
        Err(e) => Err(e.to_string()),
    }
}

/// Every string *value* (not key) of a document, in document order, as serde_json reads it, keeping the
/// values under duplicate keys. (`serde_json::Value` keeps only the last of duplicate keys; Rekey's walk
/// reports every occurrence, so that a rotation rewrites every copy of the old secret.)
struct Strings<'v>(&'v mut Vec<String>);

impl<'de> serde::de::DeserializeSeed<'de> for Strings<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Strings<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_str<E>(self, v: &str) -> Result<(), E> {
        self.0.push(v.to_owned());
        Ok(())
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(Strings(self.0))?.is_some() {}
        Ok(())
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while map.next_key::<serde::de::IgnoredAny>()?.is_some() {
            map.next_value_seed(Strings(self.0))?;
        }
        Ok(())
    }
}

/// serde_json's verdict on `text` and, if valid, its string values (duplicates kept).
fn serde_strings(text: &str) -> Result<Vec<String>, serde_json::Error> {
    use serde::de::DeserializeSeed;
    let mut out = Vec::new();
    let mut de = serde_json::Deserializer::from_str(text);
    Strings(&mut out).deserialize(&mut de)?;
    de.end()?;
    Ok(out)
}

fn value() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("0".to_string()),
        Just("-12.5e+3".to_string()),
        Just("123456789012345678901234567890".to_string()),
        Just("true".to_string()),
        Just("null".to_string()),
        "[a-z0-9 é😀]{0,8}".prop_map(|s| format!("\"{s}\"")),
        Just("\"a\\\"b\\\\c\\/\\n\\u00e9\\ud83d\\ude00\"".to_string()),
        // Lone surrogates, high then low, and a pair written the wrong way round.
        Just("\"x\\ud800y\\udc00\\udc00\\ud83d\"".to_string()),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..5)
                .prop_map(|v| format!("[{}]", v.join(", "))),
            proptest::collection::vec(("[a-z]{1,4}", inner), 0..5).prop_map(|v| {
                let mut seen = std::collections::HashSet::new();
                let items: Vec<String> = v
                    .into_iter()
                    .filter(|(k, _)| seen.insert(k.clone()))
                    .map(|(k, x)| format!("\"{k}\": {x}"))
                    .collect();
                format!("{{\n  {}\n}}", items.join(",\n  "))
            }),
        ]
    })
}

/// `text` with every `\\uXXXX` escape of a surrogate that is not half of a high-low pair written as
/// `\\uFFFD` (the replacement character): what a lossy decoder reads. Escapes are found by walking the
/// text's backslashes, so an escaped backslash before a `u` is not taken for one.
fn lone_surrogates_replaced(text: &str) -> String {
    let b = text.as_bytes();
    let unit = |i: usize| -> Option<u16> {
        if b.get(i) == Some(&b'\\') && b.get(i + 1) == Some(&b'u') {
            u16::from_str_radix(text.get(i + 2..i + 6)?, 16).ok()
        } else {
            None
        }
    };
    let (mut out, mut i, mut last) = (String::new(), 0, 0);
    while i < b.len() {
        if b[i] != b'\\' {
            i += 1;
            continue;
        }
        match unit(i) {
            Some(hi @ 0xd800..=0xdbff) if matches!(unit(i + 6), Some(0xdc00..=0xdfff)) => {
                let _ = hi;
                i += 12;
            }
            Some(0xd800..=0xdfff) => {
                out.push_str(&text[last..i]);
                out.push_str("\\uFFFD");
                i += 6;
                last = i;
            }
            _ => i += 2,
        }
    }
    out.push_str(&text[last..]);
    out
}

/// Found by the property above: lone surrogates and a number beyond f64 in one text. serde_json refuses
/// the surrogates first and, once they are replaced, the number; the comparison must allow for both.
#[test]
fn lone_surrogates_beside_a_huge_number_are_compared_or_explained() {
    let text = "[\"x\\ud800y\\udc00\\udc00\\ud83d\", 1e23456789012345678901234567890]";
    let mut ours = Vec::new();
    walk(text, Dialect::Json, |s| ours.push(s.value.into_owned())).unwrap();
    assert_eq!(ours, ["x\u{fffd}y\u{fffd}\u{fffd}\u{fffd}"]);
    let e = serde_strings(&lone_surrogates_replaced(text)).unwrap_err();
    assert!(e.to_string().contains("number out of range"), "{e}");
}

#[test]
fn lone_surrogates_are_replaced_and_pairs_kept() {
    assert_eq!(
        lone_surrogates_replaced(r#"["\ud800", "\ud83d\ude00", "\\ud800", "\udc00\ud800x"]"#),
        r#"["\uFFFD", "\ud83d\ude00", "\\ud800", "\uFFFD\uFFFDx"]"#
    );
}

/// Mutations that produce near-JSON: delete, duplicate or insert one character.
fn mutate(doc: String, at: usize, kind: u8, ch: char) -> String {
    let chars: Vec<char> = doc.chars().collect();
    if chars.is_empty() {
        return doc;
    }
    let at = at % chars.len();
    let mut out: Vec<char> = chars.clone();
    match kind % 3 {
        0 => {
            out.remove(at);
        }
        1 => out.insert(at, chars[at]),
        _ => out.insert(at, ch),
    }
    out.into_iter().collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn strict_json_agrees_with_serde_json(doc in value(), mutated in any::<bool>(), at in any::<usize>(), kind in any::<u8>(),
                                          ch in prop_oneof![Just(','), Just('"'), Just('\\'), Just('}'), Just(']'), Just('/'), Just('0'), Just('\u{1}'), Just('e'), Just('-'), Just('.')]) {
        let text = if mutated { mutate(doc, at, kind, ch) } else { doc };
        let mut ours = Vec::new();
        let r = walk(&text, Dialect::Json, |s| ours.push(s.value.into_owned()));
        // IgnoredAny: serde_json checks the grammar without converting numbers (JSON allows any size) or
        // decoding escapes.
        let serde_ok = serde_json::from_str::<serde::de::IgnoredAny>(&text);
        prop_assert_eq!(r.is_ok(), serde_ok.is_ok(), "{:?}: ours {:?} serde {:?}", text, r, serde_ok.err());
        match serde_strings(&text) {
            // Same strings in the same order: the walk visits the document front to back.
            Ok(theirs) => prop_assert_eq!(ours, theirs, "{:?}", text),
            // Decoding refuses what JSON's grammar allows: lone surrogate escapes (JSON.parse keeps them;
            // Rekey reads them as U+FFFD) and numbers beyond f64 (1e400). Then the strings are compared
            // with serde_json's of the text with each lone surrogate escape written as \uFFFD.
            Err(e) if r.is_ok() => {
                let e = e.to_string();
                prop_assert!(e.contains("surrogate") || e.contains("hex escape") || e.contains("number out of range"), "{:?}: {}", text, e);
                if !e.contains("number out of range") {
                    // (serde_json stops at the first problem: the same text may also hold a number beyond
                    // f64, which it refuses next; then there is nothing to compare.)
                    match serde_strings(&lone_surrogates_replaced(&text)) {
                        Ok(theirs) => prop_assert_eq!(ours, theirs, "{:?}", text),
                        Err(e) => prop_assert!(e.to_string().contains("number out of range"), "{:?}: {}", text, e),
                    }
                }
            }
            Err(_) => {}
        }
    }

    #[test]
    fn jsonc_agrees_with_jsonc_parser(doc in value(), at in any::<usize>(), kind in any::<u8>(),
                                      ch in prop_oneof![Just(','), Just('"'), Just('}'), Just('/'), Just('*'), Just('\n')],
                                      comment in prop_oneof![Just("// c\n"), Just("/* c */"), Just(",")]) {
        // Insert a comment or a (possibly trailing) comma somewhere, then maybe mutate.
        let chars: Vec<char> = doc.chars().collect();
        let pos = at % (chars.len() + 1);
        let with: String = chars[..pos].iter().collect::<String>() + comment + &chars[pos..].iter().collect::<String>();
        let text = if kind % 2 == 0 { mutate(with, at / 7, kind / 2, ch) } else { with };
        let ours = walk(&text, Dialect::Jsonc, |_| {});
        if ours.is_err() && jsonc_ok(&text) {
            // jsonc-parser accepts raw control characters (a newline) inside strings; JSON does not.
            prop_assert!(ours.as_ref().unwrap_err().message.contains("control character"), "{:?}: {:?}", text, ours);
        } else if ours.is_ok() && !jsonc_ok(&text) {
            // jsonc-parser rejects lone surrogate escapes, which JSON's grammar allows (Rekey reads them as U+FFFD).
            let theirs = jsonc_result(&text).unwrap_err().to_lowercase();
            prop_assert!(theirs.contains("surrogate") || theirs.contains("unicode"), "{:?}: {}", text, theirs);
        } else {
            prop_assert_eq!(ours.is_ok(), jsonc_ok(&text), "{:?}", text);
        }
    }
}

#[test]
fn known_edge_cases() {
    for (text, ok) in [
        ("01", false),
        ("-", false),
        ("1.", false),
        (".5", false),
        ("1e", false),
        ("[1,]", false),
        ("{\"a\":1,}", false),
        ("\"\\x\"", false),
        ("\"\\ud800\"", true),
        ("\"\\udd83d\"", true),
        ("\"a\u{1}\"", false),
        ("truex", false),
        ("nul", false),
        ("[1]//c", false),
        ("\u{feff}{}", true),
        ("-0.0e-0", true),
        ("\"\\ud83d\\ude00\"", true),
        ("{\"k\": {\"a\": \"x\"}, \"k\": \"y\"}", true),
    ] {
        assert_eq!(walk(text, Dialect::Json, |_| {}).is_ok(), ok, "{text:?}");
    }
    // Duplicate keys are valid JSON (clients keep the last); the walk reports every occurrence, so a
    // rotation rewrites the old secret wherever it is written.
    let mut seen = Vec::new();
    walk(
        "{\"k\": {\"a\": \"x\"}, \"k\": \"y\"}",
        Dialect::Json,
        |s| seen.push(s.value.into_owned()),
    )
    .unwrap();
    assert_eq!(seen, ["x", "y"]);
    assert!(walk("[1, /* c */ 2, // d\n]", Dialect::Jsonc, |_| {}).is_ok());
    assert!(walk("[1 /* unterminated", Dialect::Jsonc, |_| {}).is_err());
}
