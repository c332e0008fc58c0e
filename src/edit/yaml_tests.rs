use super::*;

fn all(text: &str) -> Vec<(String, String, String)> {
    let mut got = Vec::new();
    walk(text, |p, span, v| {
        got.push((p.join("."), v.to_string(), text[span].to_string()))
    })
    .unwrap();
    got
}

fn apply(text: &str, edits: &[(Range<usize>, String)]) -> String {
    let mut out = String::new();
    let mut pos = 0;
    for (r, e) in edits {
        out.push_str(&text[pos..r.start]);
        out.push_str(e);
        pos = r.end;
    }
    out.push_str(&text[pos..]);
    out
}

/// Replace the whole value of the scalar at `path` with `new`.
fn replace(text: &str, path: &str, new: &str) -> Result<String, String> {
    let p = parse(text).unwrap();
    let s = p
        .scalars
        .iter()
        .find(|s| s.path.join(".") == path)
        .expect("path");
    let e = edits(
        text,
        &[(s.token.clone(), 0..s.value.len(), new.to_string())],
    )?;
    Ok(apply(text, &e))
}

#[test]
fn walks_every_style_with_token_spans_through_bom_and_crlf() {
    let text = "\u{feff}# top\r\na: plain value  # c\r\nb: \"dq \\u00e9 x\"\r\nc: 'sq '' y'\r\nd: |\r\n  lit\r\ne: [x, \"y\", {g: h}]\r\nk: &A !!str anch\r\nl: *A\r\nn: 300\r\nm: ~\r\ns:\r\n  - é1\r\n  - two\r\n";
    assert_eq!(
        all(text),
        [
            ("a".into(), "plain value".into(), "plain value".into()),
            ("b".into(), "dq é x".into(), "\"dq \\u00e9 x\"".into()),
            ("c".into(), "sq ' y".into(), "'sq '' y'".into()),
            ("d".into(), "lit\n".into(), "lit\r\n".into()),
            ("e.0".into(), "x".into(), "x".into()),
            ("e.1".into(), "y".into(), "\"y\"".into()),
            ("e.2.g".into(), "h".into(), "h".into()),
            ("k".into(), "anch".into(), "anch".into()),
            ("l".into(), "anch".into(), "anch".into()),
            ("s.0".into(), "é1".into(), "é1".into()),
            ("s.1".into(), "two".into(), "two".into()),
        ]
    );
    let p = parse(text).unwrap();
    let k = p.scalars.iter().find(|s| s.path == ["k"]).unwrap();
    assert!(k.anchored && k.shared && !k.via_alias);
    let l = p.scalars.iter().find(|s| s.path == ["l"]).unwrap();
    assert!(l.via_alias && l.shared && l.token == k.token);
    assert_eq!(p.documents, 1);
}

#[test]
fn anchored_collections_merge_keys_and_complex_keys() {
    let text = "base: &b\n  env:\n    K: v1\nsrv:\n  <<: *b\n  x: y\n? [complex, key]\n: z\nseq: &s [a, b]\nuse: *s\n";
    let got: Vec<String> = all(text)
        .into_iter()
        .map(|(p, v, _)| format!("{p}={v}"))
        .collect();
    assert_eq!(
        got,
        [
            "base.env.K=v1",
            "srv.env.K=v1",
            "srv.x=y",
            "?=z",
            "seq.0=a",
            "seq.1=b",
            "use.0=a",
            "use.1=b"
        ]
    );
}

#[test]
fn edits_keep_style_and_everything_else() {
    let text = "\u{feff}a:\r\n  K: 'sk-old''1'   # keep\r\n  D: \"Bearer sk-\\x41old\"\r\n  P: sk-old1\r\n";
    assert_eq!(
        replace(text, "a.K", "sk-n'ew").unwrap(),
        "\u{feff}a:\r\n  K: 'sk-n''ew'   # keep\r\n  D: \"Bearer sk-\\x41old\"\r\n  P: sk-old1\r\n"
    );
    assert_eq!(
        replace(text, "a.P", "sk-new2").unwrap(),
        text.replace("P: sk-old1", "P: sk-new2")
    );
    // A value that cannot stay plain is double-quoted.
    assert_eq!(
        replace(text, "a.P", "sk: #x").unwrap(),
        text.replace("P: sk-old1", "P: \"sk: #x\"")
    );
    assert_eq!(
        replace(text, "a.P", "12345").unwrap(),
        text.replace("P: sk-old1", "P: \"12345\"")
    );
    // Inside a double-quoted string, only the secret's range changes, through escapes.
    let p = parse(text).unwrap();
    let d = p.scalars.iter().find(|s| s.path == ["a", "D"]).unwrap();
    let e = edits(text, &[(d.token.clone(), 7..d.value.len(), "n\"w".into())]).unwrap();
    assert_eq!(
        apply(text, &e),
        text.replace("\"Bearer sk-\\x41old\"", "\"Bearer n\\\"w\"")
    );
}

#[test]
fn refuses_block_scalars_shared_anchors_multi_docs_and_multi_line() {
    let block = "a:\n  K: |\n    sk-old\n";
    assert!(replace(block, "a.K", "x")
        .unwrap_err()
        .contains("block scalar"));
    let shared = "a: &k sk-old\nb: *k\n";
    assert!(replace(shared, "a", "x").unwrap_err().contains("alias"));
    // Anchored but never reused: editable.
    assert_eq!(
        replace("a: &k sk-old\n", "a", "sk-new").unwrap(),
        "a: &k sk-new\n"
    );
    let multi = "a: sk-old\n---\nb: c\n";
    assert!(replace(multi, "a", "x")
        .unwrap_err()
        .contains("several documents"));
    let lines = "a: \"sk-\n  old\"\n";
    assert!(replace(lines, "a", "x")
        .unwrap_err()
        .contains("several lines"));
}

#[test]
fn flow_context_and_plain_special_values() {
    let text = "e: {K: sk-old, L: [a, sk-old2]}\n";
    assert_eq!(
        replace(text, "e.K", "sk,new").unwrap(),
        "e: {K: \"sk,new\", L: [a, sk-old2]}\n"
    );
    assert_eq!(
        replace(text, "e.L.1", "sk-new").unwrap(),
        "e: {K: sk-old, L: [a, sk-new]}\n"
    );
    for v in ["true", "FALSE", "~", "null", "1.5", "0x1F", "-3", "1e9", ""] {
        assert!(!plain_is_string(v), "{v}");
    }
    for v in ["sk-1", "abc", "1.2.3", "e", "0xZZ", "Bearer x", "no", "y"] {
        assert!(plain_is_string(v), "{v}");
    }
}

#[test]
fn invalid_yaml_is_an_error_with_a_position() {
    let e = walk("a: b\n  c: [\n", |_, _, _| {}).unwrap_err();
    assert!(e.line >= 2, "{e}");
}

#[test]
fn escape_double_escapes_quotes_backslashes_and_invisible_characters_only() {
    assert_eq!(
        escape_double("a\"b\\c\u{1}\t\u{7f}\u{85}\u{2028}\u{2029}\u{feff}é 😀:#"),
        r#"a\"b\\c\u0001\u0009\u007F\u0085\u2028\u2029\uFEFFé 😀:#"#
    );
}
