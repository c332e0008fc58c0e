//! Property tests: random JSON/JSONC documents (whitespace, comments, CRLF, BOM, nesting, escapes, big
//! numbers) with a secret in random slot kinds. After replace: the output parses, the only semantic
//! change is the secret, and the bytes differ only inside the secret's spans. Keys are drawn from every
//! character a vendor may issue, those that need escaping included (`"`, `\`, `/`, `%`, `+`, non-ASCII,
//! U+2028, control characters); the expected bytes come from this file's own escaping table.

#[path = "support/pct.rs"]
mod support_pct;
use proptest::prelude::*;
use rekey::clients::{Env, Platform};
use rekey::edit::json::{self, Dialect};
use rekey::scan::{fingerprint::Fingerprinter, scan, ScanOptions};
use rekey::Secret;
use support_pct::pct;

#[derive(Debug, Clone)]
enum Slot {
    Env(String),
    Bearer,
    ArgFlag,
    SplitFlag,
    MremoteHeader,
    UrlQuery,
    UrlPath,
}

fn slot() -> impl Strategy<Value = Slot> {
    prop_oneof![
        "[A-Z]{2,6}_(API_KEY|TOKEN|SECRET)".prop_map(Slot::Env),
        Just(Slot::Bearer),
        Just(Slot::ArgFlag),
        Just(Slot::SplitFlag),
        Just(Slot::MremoteHeader),
        Just(Slot::UrlQuery),
        Just(Slot::UrlPath),
    ]
}

/// Layout between tokens: spaces, tabs, newlines (LF or CRLF), and in JSONC comments.
fn gap(jsonc: bool) -> impl Strategy<Value = String> {
    let ws = prop_oneof![
        Just(""),
        Just(" "),
        Just("\n"),
        Just("\r\n"),
        Just("\t"),
        Just("   \r\n\t")
    ];
    let comment = prop_oneof![
        Just("// note\n"),
        Just("/* a \"quoted\" comment */"),
        Just("// \u{e9}\u{1f600}\r\n")
    ];
    (
        ws.clone(),
        proptest::option::weighted(if jsonc { 0.3 } else { 0.000001 }, comment)
            .prop_map(move |c| if jsonc { c } else { None }),
        ws,
    )
        .prop_map(|(a, c, b)| format!("{a}{}{b}", c.unwrap_or("")))
}

/// Other values that must survive byte for byte.
fn junk() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("123456789012345678901234567890".to_string()),
        Just("-0.1000000000000000055511151231257827e-310".to_string()),
        Just("\"esc \\u00e9 \\\" \\\\ \\/ \\n \\ud83d\\ude00\"".to_string()),
        Just("[true, false, null, {}]".to_string()),
        "[a-z ]{0,12}".prop_map(|s| format!("\"{s}\"")),
    ]
}

#[derive(Debug, Clone)]
struct Doc {
    jsonc: bool,
    bom: bool,
    servers: Vec<(Vec<Slot>, String)>,
    gaps: Vec<String>,
    trailing_comma: bool,
}

fn doc() -> impl Strategy<Value = Doc> {
    any::<bool>().prop_flat_map(|jsonc| {
        (
            Just(jsonc),
            any::<bool>(),
            proptest::collection::vec((proptest::collection::vec(slot(), 1..4), junk()), 1..4),
            proptest::collection::vec(gap(jsonc), 64),
            any::<bool>(),
        )
            .prop_map(|(jsonc, bom, servers, gaps, tc)| Doc {
                jsonc,
                bom,
                servers,
                gaps,
                trailing_comma: tc && jsonc,
            })
    })
}

/// A key a vendor may issue: starts with a letter or digit (so it reads as a key), then any printable
/// ASCII but space and `,` `'` (which end a token in a header or a flag), the characters JSON escapes,
/// non-ASCII text and emoji; it ends with a letter or digit (U+2028 at either end is whitespace, which
/// Rekey refuses around a new secret). Rekey refuses a *new* secret with a control character (it would be a paste
/// gone wrong), so only the old key, found in a file, may hold them.
const KEY: &str = "[A-Za-z0-9][A-Za-z0-9_.~+/=%\"\\\\&?!#$*:;@<>()\\[\\]{}|^`\u{e9}\u{20ac}\u{2028}\u{1f600}-]{14,38}[A-Za-z0-9]";
const OLD_KEY: &str = "[A-Za-z0-9][A-Za-z0-9_.~+/=%\"\\\\&?!#$*:;@<>()\\[\\]{}|^`\u{1}\u{1f}\u{7f}\u{e9}\u{20ac}\u{2028}\u{1f600}-]{14,38}[A-Za-z0-9]";

/// `s` as the inside of a JSON string, as Rekey writes it: the short escapes, `\u00XX` for the other
/// control characters and for U+2028/U+2029 (which JavaScript's own parsers reject raw), everything else
/// as it is. Written out here, not taken from the code under test.
fn esc(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '"' => "\\\"".to_string(),
            '\\' => "\\\\".to_string(),
            '\n' => "\\n".to_string(),
            '\r' => "\\r".to_string(),
            '\t' => "\\t".to_string(),
            '\u{8}' => "\\b".to_string(),
            '\u{c}' => "\\f".to_string(),
            c if (c as u32) < 0x20 || c == '\u{2028}' || c == '\u{2029}' => {
                format!("\\u{:04x}", c as u32)
            }
            c => c.to_string(),
        })
        .collect()
}

#[test]
fn the_expected_encodings_match_a_table_written_by_hand() {
    assert_eq!(
        esc("a\"b\\c/d\u{1}\u{2028}\té"),
        r#"a\"b\\c/d\u0001\u2028\té"#
    );
    assert_eq!(pct("a+/ é~"), "a%2B%2F%20%C3%A9~");
}

/// Render the document with `secret` in every slot, escaped as a JSON string holds it (and in URLs
/// percent-encoded first); returns the text.
fn render(d: &Doc, secret: &str) -> String {
    let url_secret = esc(&pct(secret));
    let secret = esc(secret);
    let mut g = d.gaps.iter().cycle();
    let mut gap = || g.next().unwrap().clone();
    let tc = if d.trailing_comma { "," } else { "" };
    let mut s = String::new();
    if d.bom {
        s.push('\u{feff}');
    }
    s += &format!(
        "{}{{{}\"other\"{}:{}[1, {{\"k\": \"v\"}}]{}, \"mcpServers\"{}:{}{{",
        gap(),
        gap(),
        gap(),
        gap(),
        gap(),
        gap(),
        gap()
    );
    for (i, (slots, junk)) in d.servers.iter().enumerate() {
        if i > 0 {
            s += ",";
        }
        let mut env = Vec::new();
        let mut headers = Vec::new();
        let mut args = vec![format!("\"-y\"")];
        let mut url = None;
        for sl in slots {
            match sl {
                Slot::Env(name) => env.push(format!("\"{name}\":{}\"{secret}\"", gap())),
                Slot::Bearer => headers.push(format!("\"Authorization\": \"Bearer {secret}\"")),
                Slot::ArgFlag => args.push(format!("\"--api-key={secret}\"")),
                Slot::SplitFlag => args.push(format!("\"--access-token\",{}\"{secret}\"", gap())),
                Slot::MremoteHeader => args.push(format!("\"--header\", \"X-API-KEY: {secret}\"")),
                Slot::UrlQuery => {
                    url = Some(format!(
                        "\"https://mcp.example.com/mcp?x=1&apiKey={url_secret}\""
                    ))
                }
                Slot::UrlPath => {
                    url = Some(format!(
                        "\"https://cloud.activepieces.com/api/v1/mcp/{url_secret}/sse\""
                    ))
                }
            }
        }
        env.dedup_by(|a, b| a.split(':').next() == b.split(':').next());
        s += &format!(
            "{}\"srv{i}\"{}:{}{{{}\"n\":{}{junk}",
            gap(),
            gap(),
            gap(),
            gap(),
            gap()
        );
        if !env.is_empty() {
            s += &format!(
                ",\"env\":{{{}{}{tc}}}",
                gap(),
                env.join(&format!(",{}", gap()))
            );
        }
        if !headers.is_empty() {
            s += &format!(",\"headers\":{{{}{tc}}}", headers.join(","));
        }
        s += &format!(
            ",{}\"args\":[{}{tc}]",
            gap(),
            args.join(&format!(",{}", gap()))
        );
        if let Some(u) = url {
            s += &format!(",\"url\":{}{u}", gap());
        }
        s += &format!("{}{tc}}}", gap());
    }
    s += &format!("{tc}{}}}{}{tc}}}{}", gap(), gap(), gap());
    s
}

fn strings(text: &str, dialect: Dialect) -> Vec<String> {
    let mut v = Vec::new();
    json::walk(text, dialect, |s| v.push(s.value.into_owned())).unwrap();
    v
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn replace_changes_only_the_secret(d in doc(), old in OLD_KEY, new in KEY) {
        prop_assume!(old != new && !old.contains("apiKey") && !new.contains(&old) && !old.contains(&new));
        prop_assume!(!pct(&new).contains(&pct(&old)) && !pct(&old).contains(&pct(&new)));
        let dialect = if d.jsonc { Dialect::Jsonc } else { Dialect::Json };
        let before = render(&d, &old);
        let expected = render(&d, &new);
        // The generator itself produces valid documents.
        prop_assert!(json::walk(&before, dialect, |_| {}).is_ok(), "generated doc does not parse:\n{}", before);

        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("home");
        // Cursor reads JSONC, Claude Desktop strict JSON.
        let (path, config_dir) = if d.jsonc {
            (home.join(".cursor/mcp.json"), dir.path().join("config"))
        } else {
            (dir.path().join("config/Claude/claude_desktop_config.json"), dir.path().join("config"))
        };
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &before).unwrap();
        let env = Env { platform: Platform::Linux, home: home.clone(), config_dir, local_data_dir: None, xdg_config_home: None, claude_config_dir: None, codex_home: None, cline_mcp_settings_path: None, copilot_home: None };
        let report = scan(&ScanOptions { env, project_folders: vec![], fingerprinter: Fingerprinter::with_key([7; 32]) });
        let plan = rekey::replace::plan(&report, &Secret::new(old.clone()), &Secret::new(new.clone())).unwrap();
        prop_assert_eq!(plan.files.len(), 1);
        prop_assert!(!plan.files[0].changes.is_empty());
        let out = rekey::replace::rewrite(before.as_bytes(), &plan.files[0], &Secret::new(new.clone())).unwrap();
        let after = String::from_utf8(out).unwrap();
        // Bytes: exactly the document rendered with the new secret (every other byte is identical).
        prop_assert_eq!(&after, &expected);
        // Semantics: the output parses and its strings are the old ones with the secret swapped.
        let want: Vec<String> = strings(&before, dialect)
            .into_iter()
            .map(|s| s.replace(&old, &new).replace(&pct(&old), &pct(&new)))
            .collect();
        prop_assert_eq!(strings(&after, dialect), want);
    }
}
