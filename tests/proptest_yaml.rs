//! Property tests: random Goose-style YAML configs (comments, CRLF/LF, BOM, indentation, block and flow
//! collections, plain/single/double-quoted scalars) with a secret in env, header and URL slots. After
//! replace: the output parses, every scalar reads as before with only the secret swapped, and the bytes
//! differ only inside the secret's tokens. Block scalars and shared anchors are refused.

#[path = "support/pct.rs"]
mod support_pct;
use proptest::prelude::*;
use rekey::clients::Env;
use rekey::edit::yaml;
use rekey::scan::{fingerprint::Fingerprinter, scan, ScanOptions};
use rekey::Secret;
use support_pct::pct;

#[derive(Debug, Clone, Copy)]
enum Style {
    Plain,
    Single,
    Double,
}

#[derive(Debug, Clone)]
enum Slot {
    Env(String),
    Bearer,
    UrlQuery,
}

#[derive(Debug, Clone)]
struct Entry {
    slot: Slot,
    style: Style,
    flow: bool,
    comment: bool,
    junk: Style,
}

#[derive(Debug, Clone)]
struct Doc {
    bom: bool,
    crlf: bool,
    indent: usize,
    comments: bool,
    entries: Vec<Entry>,
}

fn style() -> impl Strategy<Value = Style> {
    prop_oneof![Just(Style::Plain), Just(Style::Single), Just(Style::Double)]
}

fn entry() -> impl Strategy<Value = Entry> {
    let slot = prop_oneof![
        "[A-Z]{2,6}_(API_KEY|TOKEN|SECRET)".prop_map(Slot::Env),
        Just(Slot::Bearer),
        Just(Slot::UrlQuery),
    ];
    (slot, style(), any::<bool>(), any::<bool>(), style()).prop_map(
        |(slot, style, flow, comment, junk)| Entry {
            slot,
            style,
            flow,
            comment,
            junk,
        },
    )
}

fn doc() -> impl Strategy<Value = Doc> {
    (
        any::<bool>(),
        any::<bool>(),
        prop_oneof![Just(2usize), Just(4usize)],
        any::<bool>(),
        prop::collection::vec(entry(), 1..4),
    )
        .prop_map(|(bom, crlf, indent, comments, entries)| Doc {
            bom,
            crlf,
            indent,
            comments,
            entries,
        })
}

/// `v` in style `s`, escaped by this file's own rules (YAML 1.2: `''` in single quotes; `\\`, `\"` and
/// `\uXXXX` for control characters, U+2028/U+2029 and U+FEFF in double quotes), never by the code under
/// test. A plain scalar that could not hold `v` is written double-quoted.
fn styled(v: &str, s: Style) -> String {
    let plain_safe = v
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_./~=+?&".contains(c))
        && v.starts_with(|c: char| c.is_ascii_alphanumeric());
    match s {
        Style::Plain if plain_safe => v.to_string(),
        Style::Single if !v.chars().any(char::is_control) => format!("'{}'", v.replace('\'', "''")),
        _ => {
            let mut out = String::from("\"");
            for c in v.chars() {
                match c {
                    '"' => out.push_str("\\\""),
                    '\\' => out.push_str("\\\\"),
                    c if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}') => {
                        out.push_str(&format!("\\u{:04X}", c as u32))
                    }
                    c => out.push(c),
                }
            }
            out + "\""
        }
    }
}

#[test]
fn the_expected_encodings_match_a_table_written_by_hand() {
    assert_eq!(
        styled("a'b\"c\\é\u{1}", Style::Double),
        r#""a'b\"c\\é\u0001""#
    );
    assert_eq!(styled("a'b\"c\\é", Style::Single), r#"'a''b"c\é'"#);
    assert_eq!(styled("a'b", Style::Plain), r#""a'b""#);
    assert_eq!(styled("ab-1", Style::Plain), "ab-1");
    assert_eq!(pct("a+/ é~"), "a%2B%2F%20%C3%A9~");
}

fn render(d: &Doc, secret: &str) -> String {
    let nl = if d.crlf { "\r\n" } else { "\n" };
    let i1 = " ".repeat(d.indent);
    let i2 = i1.repeat(2);
    let i3 = i1.repeat(3);
    let mut out = String::new();
    if d.bom {
        out.push('\u{feff}');
    }
    if d.comments {
        out.push_str(&format!("# Goose config: \"keep\" me é{nl}"));
    }
    out.push_str(&format!("extensions:{nl}"));
    for (n, e) in d.entries.iter().enumerate() {
        let c = if e.comment { "  # note: x" } else { "" };
        out.push_str(&format!("{i1}srv{n}:{c}{nl}"));
        out.push_str(&format!("{i2}type: stdio{nl}{i2}cmd: npx{nl}"));
        let junk = styled("scope/pkg-1", e.junk);
        if e.flow {
            out.push_str(&format!("{i2}args: [-y, {junk}, \"--x\"]{nl}"));
        } else {
            out.push_str(&format!("{i2}args:{nl}{i3}- -y{nl}{i3}- {junk}{c}{nl}"));
        }
        let (key, value) = match &e.slot {
            Slot::Env(name) => ("envs", (name.clone(), secret.to_string())),
            Slot::Bearer => (
                "headers",
                ("Authorization".into(), format!("Bearer {secret}")),
            ),
            Slot::UrlQuery => {
                out.push_str(&format!(
                    "{i2}uri: {}{c}{nl}",
                    styled(
                        &format!("https://x.example/mcp?token={}&v=1", pct(secret)),
                        e.style
                    )
                ));
                out.push_str(&format!("{i2}timeout: 300{nl}"));
                continue;
            }
        };
        let (name, value) = value;
        if e.flow {
            out.push_str(&format!(
                "{i2}{key}: {{{name}: {}, OTHER: {}}}{c}{nl}",
                styled(&value, e.style),
                styled("plain-1", e.junk)
            ));
        } else {
            out.push_str(&format!(
                "{i2}{key}:{nl}{i3}{name}: {}{c}{nl}{i3}OTHER: {}{nl}",
                styled(&value, e.style),
                styled("plain-1", e.junk)
            ));
        }
        out.push_str(&format!("{i2}timeout: 300{nl}"));
    }
    out
}

fn strings(text: &str) -> Vec<(String, String)> {
    let mut v = Vec::new();
    yaml::walk(text, |p, _, s| v.push((p.join("."), s.to_string()))).unwrap();
    v
}

/// Scan `before` as Goose's config.yaml and rewrite `old` to `new` with the engine's plan and splice.
fn rewrite(before: &str, old: &str, new: &str) -> Result<String, String> {
    let dir = tempfile::tempdir().unwrap();
    let env = Env::linux_at(dir.path());
    let path = env.config_dir.join("goose/config.yaml");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, before).unwrap();
    let report = scan(&ScanOptions {
        env,
        project_folders: vec![],
        fingerprinter: Fingerprinter::with_key([7; 32]),
    });
    let plan = rekey::replace::plan(
        &report,
        &Secret::new(old.to_string()),
        &Secret::new(new.to_string()),
    )
    .unwrap();
    assert_eq!(plan.files.len(), 1, "{before}\n{:?}", report.files);
    assert!(!plan.files[0].changes.is_empty());
    rekey::replace::rewrite(
        before.as_bytes(),
        &plan.files[0],
        &Secret::new(new.to_string()),
    )
    .map(|b| String::from_utf8(b).unwrap())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn replace_changes_only_the_secret(d in doc(), old in "[A-Za-z][A-Za-z0-9_-]{15,31}", new in "[A-Za-z][A-Za-z0-9_.~-]{15,39}") {
        prop_assume!(old != new && !new.contains(&old) && !old.contains(&new));
        let before = render(&d, &old);
        let expected = render(&d, &new);
        prop_assert!(yaml::walk(&before, |_, _, _| {}).is_ok(), "generated doc does not parse:\n{}", before);
        let after = rewrite(&before, &old, &new).unwrap();
        // Bytes: exactly the document rendered with the new secret, in the same styles.
        prop_assert_eq!(&after, &expected);
        let want: Vec<(String, String)> = strings(&before).into_iter().map(|(p, s)| (p, s.replace(&old, &new))).collect();
        prop_assert_eq!(strings(&after), want);
    }

    /// Any new value (quotes, `#`, `: `, flow indicators…) reads back exactly; a plain scalar that cannot
    /// hold it is double-quoted, and nothing outside the secret's scalars changes.
    #[test]
    fn any_new_value_reads_back(d in doc(), old in "[A-Za-z][A-Za-z0-9_-]{15,31}",
                                new in "[A-Za-z0-9][A-Za-z0-9 '\"\\\\#:,{}\\[\\]&*!|>%@_-]{10,30}[A-Za-z0-9]") {
        // URL slots percent-encode: covered above.
        let d = Doc { entries: d.entries.into_iter().filter(|e| !matches!(e.slot, Slot::UrlQuery)).collect(), ..d };
        prop_assume!(!d.entries.is_empty() && old != new && !new.contains(&old) && !old.contains(&new));
        let before = render(&d, &old);
        let after = rewrite(&before, &old, &new).unwrap();
        let want: Vec<(String, String)> = strings(&before).into_iter().map(|(p, s)| (p, s.replace(&old, &new))).collect();
        prop_assert_eq!(strings(&after), want);
        // Every line without the secret is unchanged.
        let (b, a): (Vec<&str>, Vec<&str>) = (before.split('\n').collect(), after.split('\n').collect());
        prop_assert_eq!(b.len(), a.len());
        for (lb, la) in b.iter().zip(&a) {
            if !lb.contains(&old) {
                prop_assert_eq!(lb, la);
            }
        }
    }

    /// Keys that need escaping, old and new (quotes, backslashes, `#`, `: `, `%`, `+`, non-ASCII, emoji,
    /// U+2028; control characters in the old one, found in a file): every scalar reads back with only the
    /// secret swapped (percent-encoded in the URL), and every line without the secret is unchanged.
    #[test]
    fn escaping_keys_read_back(d in doc(),
        old in "[A-Za-z0-9][A-Za-z0-9 '\"\\\\#:,{}\\[\\]&*!|>%@+/=?_\u{1}\u{7f}\u{e9}\u{20ac}\u{2028}\u{1f600}-]{10,30}[A-Za-z0-9]",
        new in "[A-Za-z0-9][A-Za-z0-9 '\"\\\\#:,{}\\[\\]&*!|>%@+/=?_\u{e9}\u{20ac}\u{2028}\u{1f600}-]{10,30}[A-Za-z0-9]") {
        prop_assume!(old != new && !new.contains(&old) && !old.contains(&new));
        prop_assume!(!pct(&new).contains(&pct(&old)) && !pct(&old).contains(&pct(&new)));
        let before = render(&d, &old);
        prop_assert!(yaml::walk(&before, |_, _, _| {}).is_ok(), "generated doc does not parse:\n{}", before);
        let after = rewrite(&before, &old, &new).unwrap();
        let want: Vec<(String, String)> = strings(&before)
            .into_iter()
            .map(|(p, s)| (p, s.replace(&old, &new).replace(&pct(&old), &pct(&new))))
            .collect();
        prop_assert_eq!(strings(&after), want);
        let (b, a): (Vec<&str>, Vec<&str>) = (before.split('\n').collect(), after.split('\n').collect());
        prop_assert_eq!(b.len(), a.len());
        // The lines that hold the secret are those that hold a plain stand-in rendered in its place.
        let stand_in = render(&d, "Zq9StandIn0Zq9");
        for ((lb, la), ls) in b.iter().zip(&a).zip(stand_in.split('\n')) {
            if !ls.contains("Zq9StandIn0Zq9") {
                prop_assert_eq!(lb, la);
            } else {
                // A line that holds the secret keeps what is around it: the text before the value (the
                // stand-in's line up to it) and what follows it, comment included.
                // (The key before the first `: `: the value's own quoting may change with the key.)
                let head = ls.split_once(": ").map_or("", |(k, _)| k);
                let tail = ls.split_once("Zq9StandIn0Zq9").unwrap().1;
                let tail = tail.trim_start_matches(['"', '\'', '&', '=', '1', 'v']);
                prop_assert!(lb.starts_with(head) && la.starts_with(head), "{:?} -> {:?}", lb, la);
                prop_assert!(lb.ends_with(tail) && la.ends_with(tail), "{:?} -> {:?}", lb, la);
            }
        }
    }

    /// A secret in a block scalar or behind a reused anchor is refused; the text is not rewritten.
    #[test]
    fn block_scalars_and_shared_anchors_are_refused(crlf in any::<bool>(), kind in 0u8..3, old in "[A-Za-z][A-Za-z0-9_-]{15,31}") {
        let nl = if crlf { "\r\n" } else { "\n" };
        let before = match kind {
            0 => format!("extensions:{nl}  a:{nl}    envs:{nl}      API_KEY: |-{nl}        {old}{nl}"),
            1 => format!("extensions:{nl}  a:{nl}    envs:{nl}      API_KEY: >-{nl}        {old}{nl}"),
            _ => format!("extensions:{nl}  a:{nl}    envs: &e{nl}      API_KEY: {old}{nl}  b:{nl}    envs: *e{nl}"),
        };
        let e = rewrite(&before, &old, "new_value_0123456789").unwrap_err();
        prop_assert!(e.contains("block scalar") || e.contains("aliases"), "{}", e);
        prop_assert!(!e.contains(&old));
    }
}
