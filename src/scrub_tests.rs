//! Tests of `scrub`.
use super::*;

#[test]
fn urls_lose_query_fragment_and_userinfo() {
    assert_eq!(
        text("redirected to https://u:pw@mcp.example.com:8443/mcp/?apiKey=sk-live-123#x, stop"),
        "redirected to https://mcp.example.com:8443/mcp/?… stop"
    );
    assert_eq!(
        text("a http://h/p?k=v b \"https://x/y?z\" c"),
        "a http://h/p?… b \"https://x/y?…\" c"
    );
    assert_eq!(text("no url here: a://"), "no url here: a://");
    assert_eq!(text("://x?y"), "://x?y");
    assert_eq!(text("postgres://user:pass@db/x"), "postgres://db/x");
    assert_eq!(text("é https://h/é?é=é"), "é https://h/é?…");
}

#[test]
fn known_secrets_are_removed_in_every_form() {
    let s = Secret::new("sk/live+key\"0123".into());
    let sc = Scrubber::new().with(&s);
    let enc = crate::percent::percent_encode(s.expose());
    let json = serde_json::to_string(s.expose()).unwrap();
    let msg = format!("raw {} enc {enc} json {json}", s.expose());
    let out = sc.clean(&msg);
    assert!(!out.contains("live+key"), "{out}");
    assert!(!out.contains("0123"), "{out}");
    assert_eq!(out.matches(REDACTED).count(), 3, "{out}");
    // A text cut in the middle of a key loses the part it kept.
    let cut = format!("detail: invalid key {}", &s.expose()[..9]);
    assert_eq!(sc.clean(&cut), "detail: invalid key <redacted>");
    assert_eq!(sc.clean("ends with sk/li"), "ends with sk/li");
    // Short values are not searched for.
    assert_eq!(
        Scrubber::new().with(&Secret::new("ab".into())).clean("abc"),
        "abc"
    );
}

/// A key with characters that every encoding changes: `/`, `+`, `"`, `\`, a non-ASCII letter.
const KEY: &str = "sk/live+kéy\"\\0123";

/// Does `out` still give away 6 consecutive bytes of `key` to someone who base64-decodes any run of
/// base64 characters in it, at any of the 4 character offsets, in either alphabet? (The test's own
/// decoder, independent of the scrubber's alignment arithmetic.)
fn base64_reveals(out: &str, key: &str) -> bool {
    use base64::Engine;
    let windows: Vec<&[u8]> = key.as_bytes().windows(6).collect();
    let is_b64 = |c: char| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '-' | '_');
    out.split(|c: char| !is_b64(c)).any(|run| {
        let run: String = run
            .chars()
            .map(|c| match c {
                '-' => '+',
                '_' => '/',
                c => c,
            })
            .collect();
        (0..4.min(run.len())).any(|off| {
            let s = &run[off..];
            let s = &s[..s.len() / 4 * 4];
            let bytes = base64::engine::general_purpose::STANDARD_NO_PAD
                .decode(s)
                .unwrap_or_default();
            windows.iter().any(|w| bytes.windows(6).any(|b| b == *w))
        })
    })
}

/// Every byte as `%HH`, in the given case (written here, not with the code under test).
fn percent_all(s: &str, upper: bool) -> String {
    s.bytes()
        .map(|b| {
            if upper {
                format!("%{b:02X}")
            } else {
                format!("%{b:02x}")
            }
        })
        .collect()
}

#[test]
fn a_key_is_removed_in_every_encoding_a_message_can_carry() {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    use base64::Engine;
    let sc = Scrubber::new().with(&Secret::new(KEY.into()));
    // Written out by hand for KEY = sk/live+kéy"\0123.
    let mut encoded: Vec<String> = [
        "sk/live+kéy\"\\0123",            // raw
        r#"sk/live+kéy\"\\0123"#,         // JSON / TOML basic string
        r#"sk/live+k\u00e9y\"\\0123"#,    // JSON, ASCII only (Python's json.dumps)
        r#"sk\/live+k\u00E9y\"\\0123"#,   // JSON with `\/` (PHP's json_encode)
        "sk%2Flive%2Bk%C3%A9y%22%5C0123", // percent-encoded, upper-case hex
        "sk%2flive%2bk%c3%a9y%22%5c0123", // percent-encoded, lower-case hex
        "sk/live%2Bk%C3%A9y%22%5C0123",   // Python's quote() keeps `/`
        "sk/live+k%C3%A9y%22%5C0123",     // only what a query value must encode
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    encoded.push(percent_all(KEY, true));
    encoded.push(percent_all(KEY, false));
    for e in [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD] {
        encoded.push(e.encode(KEY));
    }
    for e in &encoded {
        assert_eq!(
            sc.clean(&format!("error: {e} (end)")),
            "error: <redacted> (end)",
            "{e}"
        );
    }
    // Split by a line break anywhere inside it, with or without indentation after the break.
    for (i, _) in KEY.char_indices().skip(1) {
        for br in ["\n", "\r\n", "\n    ", "\r\n\t", "\n  \t "] {
            let split = format!("{}{br}{}", &KEY[..i], &KEY[i..]);
            assert_eq!(
                sc.clean(&format!("error:\n  {split}\n  (end)")),
                "error:\n  <redacted>\n  (end)",
                "{split:?}"
            );
        }
    }
    // Base64 with the line breaks of MIME (76 characters a line).
    let long = Secret::new(format!("{KEY}{}", "x/y+z".repeat(20)));
    let wrapped: Vec<String> = STANDARD
        .encode(long.expose())
        .as_bytes()
        .chunks(76)
        .map(|c| String::from_utf8(c.to_vec()).unwrap())
        .collect();
    let out = Scrubber::new().with(&long).clean(&wrapped.join("\r\n"));
    assert_eq!(out, REDACTED, "{out}");
}

#[test]
fn a_key_inside_a_longer_base64_blob_is_removed_at_every_alignment() {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    use base64::Engine;
    let sc = Scrubber::new().with(&Secret::new(KEY.into()));
    for prefix in ["", "u:", "us:", "user:", "x", "admin:"] {
        for suffix in ["", ":", ":tail", "zz"] {
            for e in [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD] {
                let blob = e.encode(format!("{prefix}{KEY}{suffix}"));
                assert!(base64_reveals(&blob, KEY), "the oracle sees the key");
                let out = sc.clean(&format!("Authorization: Basic {blob} (end)"));
                assert!(!base64_reveals(&out, KEY), "{prefix:?} {suffix:?}: {out}");
                assert!(out.starts_with("Authorization: Basic "), "{out}");
                assert!(out.ends_with(" (end)") && out.contains(REDACTED), "{out}");
            }
        }
    }
}

#[test]
fn every_form_of_forms_is_removed_and_differs_from_the_raw_key() {
    let sc = Scrubber::new().with(&Secret::new(KEY.into()));
    let f = forms(KEY);
    for expected in [
        "sk%2flive%2bk%c3%a9y%22%5c0123",
        "sk%2Flive%2Bk%C3%A9y%22%5C0123",
        r#"sk/live+kéy\"\\0123"#,
    ] {
        assert!(f.iter().any(|x| x == expected), "{expected} not in {f:?}");
    }
    assert!(f.contains(&percent_all(KEY, false)), "{f:?}");
    for form in &f {
        assert_eq!(sc.clean(&format!("a {form} b")), "a <redacted> b", "{form}");
    }
}

#[test]
fn a_cut_text_loses_the_encoded_start_of_a_key_and_short_values_stay() {
    let sc = Scrubber::new().with(&Secret::new(KEY.into()));
    assert_eq!(
        sc.clean("detail: key sk%2flive%2bk%c3"),
        "detail: key <redacted>"
    );
    assert_eq!(
        sc.clean("detail: key sk/li\n  ve+"),
        "detail: key <redacted>"
    );
    // Three characters are no secret: not searched in any form.
    let short = Scrubber::new().with(&Secret::new("a/b".into()));
    assert_eq!(short.clean("a/b a%2Fb YS9i"), "a/b a%2Fb YS9i");
}

#[test]
fn a_long_text_full_of_escapes_is_cleaned_in_linear_time() {
    let sc = Scrubber::new()
        .with(&Secret::new(KEY.into()))
        .with(&Secret::new("another-secret-0123456789".into()))
        .with(&Secret::new("a".repeat(40)));
    let unit = "%2F\\u00e9\n  sk/live a aaaa %zz \\q ";
    let text = format!("{}{KEY}", unit.repeat(40_000));
    let t = std::time::Instant::now();
    let out = sc.clean(&text);
    assert!(out.ends_with(REDACTED));
    assert!(
        t.elapsed() < std::time::Duration::from_secs(10),
        "{:?}",
        t.elapsed()
    );
}

#[test]
fn locations_keep_scheme_host_and_path() {
    assert_eq!(
        location("https://a:b@h.example/mcp/?apiKey=sk-1#f"),
        "https://h.example/mcp/"
    );
    assert_eq!(location("/mcp/?apiKey=sk-1"), "/mcp/");
}

#[test]
fn optional_secrets_are_added_and_optional_texts_cleaned() {
    let key = Secret::new("sk-live-0123456789".into());
    let sc = Scrubber::new().with_opt(Some(&key)).with_opt(None);
    assert_eq!(sc.clean("bad key sk-live-0123456789"), "bad key <redacted>");
    assert_eq!(
        sc.clean_opt(Some("bad key sk-live-0123456789 at https://u:p@h/?k=v")),
        Some("bad key <redacted> at https://h/?…".to_string())
    );
    assert_eq!(sc.clean_opt(None), None);
    // No secret: only the URL queries and userinfo go.
    let none = Scrubber::new().with_opt(None);
    assert_eq!(
        none.clean("sk-live-0123456789 https://u:p@h/?q"),
        "sk-live-0123456789 https://h/?…"
    );
    assert_eq!(format!("{none:?}"), "Scrubber(0 forms)");
}

#[test]
fn a_secret_added_twice_is_searched_once_and_debug_shows_only_the_count() {
    let key = Secret::new("sk-live-0123456789".into());
    let once = Scrubber::new().with(&key);
    let twice = Scrubber::new().with(&key).with(&key);
    // The raw key and its base64 forms (see `base64_forms`), each once.
    let n = 1 + base64_forms(key.expose()).len();
    assert_eq!(format!("{once:?}"), format!("Scrubber({n} forms)"));
    assert_eq!(format!("{twice:?}"), format!("Scrubber({n} forms)"));
}

#[test]
fn a_four_byte_secret_is_searched_but_its_short_base64_runs_are_not() {
    let sc = Scrubber::new().with(&Secret::new("abcd".into()));
    // "YWJjZA==" is base64("abcd"); unpadded (6 characters) and the partial runs (4-5) are too short to
    // search: they would match too much.
    assert_eq!(
        sc.clean("abcd YWJjZA== YWJjZA YWJjZ YWJj end"),
        "<redacted> <redacted> YWJjZA YWJjZ YWJj end"
    );
    assert_eq!(base64_forms("abcd"), ["YWJjZA=="]);
    assert_eq!(forms("abcd"), ["abcd", "%61%62%63%64", "YWJjZA=="]);
}

#[test]
fn percent_encodes_the_reserved_bytes_or_every_byte_in_either_case() {
    assert_eq!(percent("a/b-._~é", false, true), "a%2Fb-._~%C3%A9");
    assert_eq!(percent("a/b-._~é", false, false), "a%2fb-._~%c3%a9");
    assert_eq!(percent("a/b", true, true), "%61%2F%62");
    assert_eq!(percent("a/b", true, false), "%61%2f%62");
}

#[test]
fn a_scheme_must_start_with_a_letter() {
    // No letter before "://": no URL, left as it is (and no underflow at the start of the text).
    assert_eq!(text("1://u:p@h/?k=v"), "1://u:p@h/?k=v");
    assert_eq!(text(" +1://u:p@h/?k=v"), " +1://u:p@h/?k=v");
    // Digits or signs before the first letter are not the scheme; the URL is still reduced.
    assert_eq!(text("x +9a://u:p@h/?q y"), "x +9a://h/?… y");
    assert_eq!(text("1a://u:p@h/p#f"), "1a://h/p?…");
    // A second "://" whose scheme has no letter either: still no URL (the `start < sep` bound; with
    // `<=` the run would end past "://" and the rest be taken for a URL, its userinfo and query cut).
    assert_eq!(text("1://x/1://u:p@h/?q"), "1://x/1://u:p@h/?q");
}

#[test]
fn a_text_shorter_than_a_cut_key_start_is_left_as_it_is() {
    // A cut key is only looked for from MIN_TAIL bytes on; shorter texts are searched for whole keys only.
    let sc = Scrubber::new().with(&Secret::new("sk-live-0123456789".into()));
    for t in ["", "s", "sk-li", "sk%2Dl", "sk\\u0"] {
        assert_eq!(sc.clean(t), t);
    }
    assert_eq!(sc.clean("sk-liv"), REDACTED);
}

#[test]
fn a_key_holding_a_character_written_as_a_short_escape_is_removed() {
    let escapes = [
        ('\'', r"\'"),
        ('"', r#"\""#),
        ('\\', r"\\"),
        ('/', r"\/"),
        ('\u{8}', r"\b"),
        ('\u{c}', r"\f"),
        ('\n', r"\n"),
        ('\r', r"\r"),
        ('\t', r"\t"),
        ('\u{1b}', r"\e"),
    ];
    for (c, esc) in escapes {
        let sc = Scrubber::new().with(&Secret::new(format!("sk-live{c}0123456789")));
        let text = format!("error: sk-live{esc}0123456789 (end)");
        assert_eq!(sc.clean(&text), "error: <redacted> (end)", "{text}");
        if c != '\n' {
            // At the very end of the key too: the escape is removed whole, and nothing after it.
            let sc = Scrubber::new().with(&Secret::new(format!("sk-live-0123456789{c}")));
            let text = format!("error: sk-live-0123456789{esc}, end");
            assert_eq!(sc.clean(&text), "error: <redacted>, end", "{text}");
        }
    }
}

#[test]
fn a_key_holding_a_character_written_as_a_code_point_escape_is_removed() {
    let escapes = [
        ('é', r"\u00e9"),
        ('é', r"\U000000E9"),
        ('é', r"\xE9"),
        ('😀', r"\ud83d\ude00"),
        ('😀', r"\uD83D\uDE00"),
        ('😀', r"\U0001F600"),
    ];
    for (c, esc) in escapes {
        let sc = Scrubber::new().with(&Secret::new(format!("sk-live{c}0123456789")));
        let text = format!("error: sk-live{esc}0123456789 (end)");
        assert_eq!(sc.clean(&text), "error: <redacted> (end)", "{text}");
        let sc = Scrubber::new().with(&Secret::new(format!("sk-live-0123456789{c}")));
        let text = format!("error: sk-live-0123456789{esc}, end");
        assert_eq!(sc.clean(&text), "error: <redacted>, end", "{text}");
    }
}
