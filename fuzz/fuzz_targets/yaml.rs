//! Fuzz the YAML walker and the scalar editor.
//! - parsing any text never panics (errors are values);
//! - replacing any string scalar's value with an arbitrary string either is refused with a reason, or
//!   yields a text that parses, whose edited scalar reads back exactly the new value, and whose bytes
//!   outside the edited token are unchanged.
#![no_main]
use libfuzzer_sys::fuzz_target;
use rekey::edit::yaml::{edits, parse};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(doc) = parse(text) else { return };
    let candidates: Vec<_> = doc
        .scalars
        .iter()
        .filter(|s| s.string && !s.via_alias)
        .collect();
    let Some(s) = candidates.get(data.len() % candidates.len().max(1)) else {
        return;
    };
    let new_value: String = text.chars().rev().take(24).collect();
    // The whole value, and (when it has one) just its second half, like a secret after "Bearer ".
    let mut ranges = vec![0..s.value.len()];
    let mid = (s.value.len() / 2..=s.value.len())
        .find(|&i| s.value.is_char_boundary(i))
        .unwrap_or(s.value.len());
    ranges.push(mid..s.value.len());
    for range in ranges {
        let Ok(e) = edits(text, &[(s.token.clone(), range.clone(), new_value.clone())]) else {
            continue;
        };
        let mut out = String::new();
        let mut pos = 0;
        for (r, piece) in &e {
            assert!(r.start >= s.token.start && r.end <= s.token.end, "an edit left the token");
            out.push_str(&text[pos..r.start]);
            out.push_str(piece);
            pos = r.end;
        }
        out.push_str(&text[pos..]);
        let mut want = s.value.clone();
        want.replace_range(range, &new_value);
        let after = parse(&out).expect("an edit made the document invalid");
        let edited = after
            .scalars
            .iter()
            .find(|x| x.token.start == s.token.start && !x.via_alias)
            .expect("the edited scalar is gone");
        assert_eq!(edited.value, want);
        assert_eq!(&out[..s.token.start], &text[..s.token.start]);
    }
});
