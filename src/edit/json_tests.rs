//! Tests of `json`.
use super::*;

#[test]
fn skip_plain_finds_the_first_special_byte_like_the_plain_loop() {
    let naive = |b: &[u8], mut i: usize| {
        while i < b.len() && !STRING_SPECIAL[b[i] as usize] {
            i += 1;
        }
        i
    };
    // Every special byte at every offset of a word, after bytes that could fool a borrow (0x00..0xff).
    let fillers = [
        b'a',
        0x21,
        0x1f,
        0x7f,
        0x80,
        0xc3,
        0xff,
        b'"' + 1,
        b'\\' - 1,
        b'\\' + 1,
    ];
    for special in [b'"', b'\\', 0x00, 0x01, b'\n', 0x1f] {
        for filler in fillers {
            for len in 0..40 {
                for at in 0..=len {
                    let mut b = vec![filler; len];
                    if at < len {
                        b[at] = special;
                    }
                    for start in 0..=len.min(3) {
                        assert_eq!(
                            skip_plain(&b, start),
                            naive(&b, start),
                            "{b:?} from {start}"
                        );
                    }
                }
            }
        }
    }
    // Two specials in one word: the first wins.
    let b = b"abc\\de\"fgh";
    assert_eq!(skip_plain(b, 0), 3);
}

fn strings(
    text: &str,
    dialect: Dialect,
) -> Result<Vec<(String, String, Range<usize>)>, SyntaxError> {
    let mut out = Vec::new();
    walk(text, dialect, |s| {
        let path = s
            .path
            .iter()
            .map(|p| match p {
                Seg::Key(k) => k.to_string(),
                Seg::Index(i) => i.to_string(),
            })
            .collect::<Vec<_>>()
            .join("/");
        out.push((path, s.value.into_owned(), s.span));
    })?;
    Ok(out)
}

#[test]
fn reports_every_string_value_with_its_path_and_span() {
    let text = "\u{feff}{\"a\": {\"b\": [\"x\", {\"c\": \"y\\n\"}], \"n\": 12345678901234567890}, \"z\": \"w\"}";
    let got = strings(text, Dialect::Json).unwrap();
    let paths: Vec<_> = got
        .iter()
        .map(|(p, v, _)| (p.as_str(), v.as_str()))
        .collect();
    assert_eq!(paths, [("a/b/0", "x"), ("a/b/1/c", "y\n"), ("z", "w")]);
    for (_, _, span) in &got {
        assert!(text[span.clone()].starts_with('"') && text[span.clone()].ends_with('"'));
    }
}

#[test]
fn jsonc_allows_comments_and_trailing_commas_strict_json_does_not() {
    let text = "{\n  // servers\n  \"s\": [\"a\", \"b\",],\n  /* x */ \"t\": 1,\n}";
    assert_eq!(strings(text, Dialect::Jsonc).unwrap().len(), 2);
    let e = strings(text, Dialect::Json).unwrap_err();
    assert_eq!((e.line, e.column), (2, 3), "{e}");
    assert!(e.message.contains("comments"), "{e}");
    let e = strings("{\"a\": 1,}", Dialect::Json).unwrap_err();
    assert!(e.message.contains("trailing comma"), "{e}");
}

#[test]
fn broken_documents_are_errors_with_positions() {
    for (text, line, col) in [
        ("{\"a\": }", 1, 7),
        ("{\"a\" 1}", 1, 6),
        ("{\n\"a\": [1 2]}", 2, 9),
        ("{\"a\": 1}}", 1, 9),
        ("", 1, 1),
        ("{\"a\": \"unterminated}", 1, 7),
        ("{a: 1}", 1, 2),
        ("[1, 2", 1, 6),
    ] {
        let e = strings(text, Dialect::Jsonc).unwrap_err();
        assert_eq!((e.line, e.column), (line, col), "{text:?}: {e}");
    }
}

#[test]
fn error_messages_do_not_quote_string_content() {
    let e = strings("{\"k\": \"sk-secret-value\" \"x\"}", Dialect::Json).unwrap_err();
    assert!(!e.to_string().contains("sk-secret"), "{e}");
}

#[test]
fn raw_offset_maps_through_escapes() {
    let raw = r#""a\"b\u00e9c\ud83d\ude00dKEY""#;
    let decoded = "a\"béc😀dKEY";
    let k = decoded.find("KEY").unwrap();
    assert_eq!(&raw[raw_offset(raw, k)..raw_offset(raw, k) + 3], "KEY");
    assert_eq!(raw_offset(raw, 0), 1);
}

#[test]
fn escape_round_trips_through_the_parser() {
    let v = "q\"b\\s/\n\t\u{1}é😀\u{2028}";
    let mut lit = String::from("\"");
    escape(v, &mut lit);
    lit.push('"');
    let got = strings(&lit, Dialect::Json).unwrap();
    assert_eq!(got[0].1, v);
}

#[test]
fn raw_offsets_agree_with_decoding_on_lone_surrogates() {
    // Two lone high surrogates decode to two U+FFFD (6 bytes), not to one pair.
    let token = r#""\ud800\ud800KEY""#;
    let inner = &token[1..token.len() - 1];
    let decoded = unescape(inner).unwrap();
    let at = decoded.find("KEY").unwrap();
    assert_eq!(at, 6);
    assert_eq!(
        &token[raw_offset(token, at)..raw_offset(token, at) + 3],
        "KEY"
    );
    // A real pair is still one character.
    let token = r#""\ud83d\ude00KEY""#;
    let decoded = unescape(&token[1..token.len() - 1]).unwrap();
    let at = decoded.find("KEY").unwrap();
    assert_eq!(
        &token[raw_offset(token, at)..raw_offset(token, at) + 3],
        "KEY"
    );
}

#[test]
fn unescape_decodes_every_escape_to_its_exact_character() {
    assert_eq!(
        unescape(r#"a\"b\\c\/d\be\ff\ng\rh\ti"#).unwrap(),
        "a\"b\\c/d\u{8}e\u{c}f\ng\rh\ti"
    );
    assert_eq!(unescape(r"\u00e9\u20AC!").unwrap(), "é€!");
    // A surrogate pair is one character, in either case of hex digits.
    assert_eq!(
        unescape(r"x\ud83d\ude00y\uD83D\uDE00").unwrap(),
        "x\u{1F600}y\u{1F600}"
    );
    // A lone surrogate is U+FFFD; so is a high one followed by anything but a low one.
    assert_eq!(
        unescape(r"\ud800x\udc00\ud83d\u0041\ud800\nz\ud800").unwrap(),
        "\u{fffd}x\u{fffd}\u{fffd}A\u{fffd}\nz\u{fffd}"
    );
    // A low surrogate after a character that is no high one is a lone surrogate too.
    assert_eq!(unescape(r"\u0041\udc00").unwrap(), "A\u{fffd}");
    assert_eq!(unescape(r"\u00e9\udc00").unwrap(), "é\u{fffd}");
}

#[test]
fn escape_writes_exactly_what_must_be_escaped() {
    let mut out = String::new();
    escape(
        "a\"b\\c/\n\r\t\u{8}\u{c}\u{1}\u{1f} \u{7f}é\u{2028}\u{2029}\u{1F600}",
        &mut out,
    );
    assert_eq!(
        out,
        r#"a\"b\\c/\n\r\t\b\f\u0001\u001f "#.to_string()
            + "\u{7f}é"
            + r"\u2028\u2029"
            + "\u{1F600}"
    );
}

#[test]
fn raw_offset_maps_every_decoded_character_to_where_it_starts_in_the_token() {
    // Raw characters of 1, 2, 3 and 4 bytes, short escapes, `\u` escapes of 2 and 3 bytes, a lone low
    // surrogate after a character that is no high one, a surrogate pair.
    let token = r#""aé€😀\"\/\u00e9\u20ac\u00e9\udc00\ud83d\ude00KEY""#;
    let decoded = unescape(&token[1..token.len() - 1]).unwrap();
    assert_eq!(decoded, "aé€😀\"/é€é\u{fffd}😀KEY");
    for at in 0..=decoded.len() {
        let r = raw_offset(token, at);
        // The result slices the token: an offset inside a character maps to where the next one starts.
        assert!(token.is_char_boundary(r), "{at} -> {r}");
        let next = (at..).find(|&i| decoded.is_char_boundary(i)).unwrap();
        assert_eq!(unescape(&token[1..r]).unwrap(), &decoded[..next], "{at}");
    }
    // An offset past the end of the value stops at the closing quote, never beyond the token.
    assert_eq!(raw_offset(token, decoded.len() + 10), token.len() - 1);
    assert_eq!(raw_offset(r#""abc""#, 10), 4);
    assert_eq!(raw_offset(r#""""#, 3), 1);
}
