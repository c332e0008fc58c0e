//! Property tests: random Codex `config.toml` files (comments, CRLF/LF, BOM, tables, inline tables, basic
//! and literal strings, arrays) with keys that need escaping (quotes, backslashes, `#`, `%`, `+`,
//! non-ASCII, emoji, U+2028; control characters in the old key, found in a file) in env, header, flag and
//! URL slots. After replace: the file parses (with `toml_edit`, as the oracle), every string reads as
//! before with only the secret swapped (percent-encoded in a URL), and every line without the secret is
//! unchanged byte for byte. Escaping here is this file's own, never the code under test's.

#[path = "support/pct.rs"]
mod support_pct;
use proptest::prelude::*;
use rekey::clients::Env;
use rekey::scan::{fingerprint::Fingerprinter, scan, ScanOptions};
use rekey::Secret;
use support_pct::pct;

#[derive(Debug, Clone, Copy)]
enum Style {
    Basic,
    Literal,
}

#[derive(Debug, Clone)]
enum Slot {
    /// `env = { NAME = … }` (inline) or a `[mcp_servers.x.env]` table.
    Env(String, bool),
    /// `http_headers = { Authorization = "Bearer …" }`.
    Bearer,
    /// `args = ["--api-key=…"]`.
    ArgFlag,
    /// `url = "https://…?token=…"`.
    UrlQuery,
}

#[derive(Debug, Clone)]
struct Doc {
    bom: bool,
    crlf: bool,
    comments: bool,
    servers: Vec<(Slot, Style)>,
}

fn doc() -> impl Strategy<Value = Doc> {
    let slot = prop_oneof![
        ("[A-Z]{2,6}_(API_KEY|TOKEN|SECRET)", any::<bool>()).prop_map(|(n, t)| Slot::Env(n, t)),
        Just(Slot::Bearer),
        Just(Slot::ArgFlag),
        Just(Slot::UrlQuery),
    ];
    let style = prop_oneof![Just(Style::Basic), Just(Style::Literal)];
    (
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        prop::collection::vec((slot, style), 1..4),
    )
        .prop_map(|(bom, crlf, comments, servers)| Doc {
            bom,
            crlf,
            comments,
            servers,
        })
}

/// `v` as a TOML string in `style`: a literal string when it can hold `v` (no `'`, no control character
/// but tab), else a basic string with `\"`, `\\`, the short escapes and `\uXXXX` for other control
/// characters (TOML 1.0).
fn styled(v: &str, style: Style) -> String {
    let literal_ok = !v.contains('\'') && !v.chars().any(|c| c.is_control() && c != '\t');
    match style {
        Style::Literal if literal_ok => format!("'{v}'"),
        _ => {
            let mut out = String::from("\"");
            for c in v.chars() {
                match c {
                    '"' => out.push_str("\\\""),
                    '\\' => out.push_str("\\\\"),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    '\t' => out.push_str("\\t"),
                    c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
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
        styled("a'b\"c\\é\u{1}", Style::Literal),
        r#""a'b\"c\\é\u0001""#
    );
    assert_eq!(styled("a\"b\\c#é", Style::Literal), r#"'a"b\c#é'"#);
    assert_eq!(styled("a\"b\\c#é", Style::Basic), r#""a\"b\\c#é""#);
    assert_eq!(pct("a+/ é~"), "a%2B%2F%20%C3%A9~");
}

/// Found by the property below: a new key with a `'` in a literal string was refused ("cannot be written
/// inside a TOML literal string"), so a rotation whose vendor issues such keys could not finish. The string
/// is now written again as a basic string, the rest of the file untouched.
#[test]
fn a_literal_string_that_cannot_hold_the_new_key_becomes_a_basic_string() {
    let before = "# keep\n[mcp_servers.a]\nhttp_headers = { Authorization = 'Bearer old_key_0123456789ab' } # x\nurl = 'https://x.example/mcp'\n";
    let after = rewrite(before, "old_key_0123456789ab", "new'key\"0123\\456789");
    assert_eq!(
        after,
        "# keep\n[mcp_servers.a]\nhttp_headers = { Authorization = \"Bearer new'key\\\"0123\\\\456789\" } # x\nurl = 'https://x.example/mcp'\n"
    );
}

/// The document with `secret` in every slot. A slot styled as a literal string stays one only if it can
/// hold the value both with `secret` and with `was` (the key the file held before: a rewrite keeps a basic
/// string basic, and turns a literal that cannot hold the new key into a basic one).
fn render_after(d: &Doc, secret: &str, was: &str) -> String {
    render_with(d, secret, Some(was))
}

fn render(d: &Doc, secret: &str) -> String {
    render_with(d, secret, None)
}

fn render_with(d: &Doc, secret: &str, was: Option<&str>) -> String {
    let styled = |value: &dyn Fn(&str) -> String, style: Style| -> String {
        let literal_ok =
            |v: &str| !v.contains('\'') && !v.chars().any(|c| c.is_control() && c != '\t');
        let keep = match was {
            Some(w) if !literal_ok(&value(w)) => Style::Basic,
            _ => style,
        };
        styled(&value(secret), keep)
    };
    let nl = if d.crlf { "\r\n" } else { "\n" };
    let mut out = String::new();
    if d.bom {
        out.push('\u{feff}');
    }
    if d.comments {
        out.push_str(&format!(
            "# Codex config: \"keep\" me é{nl}model = \"o3\"{nl}{nl}"
        ));
    }
    for (i, (slot, style)) in d.servers.iter().enumerate() {
        let c = if d.comments { "  # note: x" } else { "" };
        out.push_str(&format!("[mcp_servers.srv{i}]{c}{nl}command = \"npx\"{nl}"));
        match slot {
            Slot::Env(name, false) => out.push_str(&format!(
                "args = [\"-y\", 'pkg']{nl}env = {{ {name} = {}, OTHER = \"x\" }}{c}{nl}",
                styled(&|k: &str| k.to_string(), *style)
            )),
            Slot::Env(name, true) => out.push_str(&format!(
                "args = [\"-y\"]{nl}{nl}[mcp_servers.srv{i}.env]{nl}{name} = {}{c}{nl}OTHER = 'x'{nl}",
                styled(&|k: &str| k.to_string(), *style)
            )),
            Slot::Bearer => out.push_str(&format!(
                "url = \"https://x.example/mcp\"{nl}http_headers = {{ Authorization = {} }}{c}{nl}",
                styled(&|k: &str| format!("Bearer {k}"), *style)
            )),
            Slot::ArgFlag => out.push_str(&format!(
                "args = [\"-y\", \"pkg\", {}]{c}{nl}",
                styled(&|k: &str| format!("--api-key={k}"), *style)
            )),
            Slot::UrlQuery => out.push_str(&format!(
                "url = {}{c}{nl}",
                styled(
                    &|k: &str| format!("https://x.example/mcp?token={}&v=1", pct(k)),
                    *style
                )
            )),
        }
        out.push_str(nl);
    }
    out
}

/// Every string in the document with its dotted path (array items by index), read by `toml_edit`.
fn strings(text: &str) -> Vec<(String, String)> {
    fn walk(path: &str, item: &toml_edit::Item, out: &mut Vec<(String, String)>) {
        match item {
            toml_edit::Item::Value(v) => value(path, v, out),
            toml_edit::Item::Table(t) => {
                for (k, i) in t.iter() {
                    walk(&format!("{path}.{k}"), i, out);
                }
            }
            _ => {}
        }
    }
    fn value(path: &str, v: &toml_edit::Value, out: &mut Vec<(String, String)>) {
        match v {
            toml_edit::Value::String(s) => out.push((path.to_string(), s.value().clone())),
            toml_edit::Value::Array(a) => {
                for (i, v) in a.iter().enumerate() {
                    value(&format!("{path}[{i}]"), v, out);
                }
            }
            toml_edit::Value::InlineTable(t) => {
                for (k, v) in t.iter() {
                    value(&format!("{path}.{k}"), v, out);
                }
            }
            _ => {}
        }
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let d: toml_edit::DocumentMut = text.parse().expect("parses");
    let mut out = Vec::new();
    walk("", d.as_item(), &mut out);
    out
}

/// Scan `before` as Codex's config.toml and rewrite `old` to `new` with the engine's plan and splice.
fn rewrite(before: &str, old: &str, new: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let env = Env::linux_at(dir.path());
    let path = dir.path().join(".codex/config.toml");
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
    let out = rekey::replace::rewrite(
        before.as_bytes(),
        &plan.files[0],
        &Secret::new(new.to_string()),
    )
    .unwrap();
    String::from_utf8(out).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn escaping_keys_read_back_and_nothing_else_changes(d in doc(),
        old in "[A-Za-z0-9][A-Za-z0-9'\"\\\\#:,{}\\[\\]&*!|>%@+/=?_\u{1}\u{7f}\u{e9}\u{20ac}\u{2028}\u{1f600}-]{10,30}[A-Za-z0-9]",
        new in "[A-Za-z0-9][A-Za-z0-9'\"\\\\#:,{}\\[\\]&*!|>%@+/=?_\u{e9}\u{20ac}\u{2028}\u{1f600}-]{10,30}[A-Za-z0-9]") {
        prop_assume!(old != new && !new.contains(&old) && !old.contains(&new));
        prop_assume!(!pct(&new).contains(&pct(&old)) && !pct(&old).contains(&pct(&new)));
        let before = render(&d, &old);
        let after = rewrite(&before, &old, &new);
        let want: Vec<(String, String)> = strings(&before)
            .into_iter()
            .map(|(p, s)| (p, s.replace(&old, &new).replace(&pct(&old), &pct(&new))))
            .collect();
        prop_assert_eq!(strings(&after), want, "before:\n{}\nafter:\n{}", before, after);
        // Bytes: exactly the document rendered with the new key, in this file's own escaping (a literal
        // string that cannot hold the new key written again as a basic string, as `styled` does), so the
        // secret's lines are checked too, comments included.
        prop_assert_eq!(&after, &render_after(&d, &new, &old));
        // The lines that hold the secret are those that hold a plain stand-in rendered in its place.
        let stand_in = render(&d, "Zq9StandIn0Zq9");
        let (b, a): (Vec<&str>, Vec<&str>) = (before.split('\n').collect(), after.split('\n').collect());
        prop_assert_eq!(b.len(), a.len());
        for ((lb, la), ls) in b.iter().zip(&a).zip(stand_in.split('\n')) {
            if !ls.contains("Zq9StandIn0Zq9") {
                prop_assert_eq!(lb, la);
            }
        }
    }

    /// A key that a basic string holds without escapes is written in the file's own style: the output is
    /// exactly the document rendered with the new key.
    #[test]
    fn plain_keys_change_only_their_bytes(d in doc(), old in "[A-Za-z0-9][A-Za-z0-9_.~-]{15,31}", new in "[A-Za-z0-9][A-Za-z0-9_.~-]{15,39}") {
        prop_assume!(old != new && !new.contains(&old) && !old.contains(&new));
        let before = render(&d, &old);
        prop_assert_eq!(rewrite(&before, &old, &new), render(&d, &new));
    }
}
