//! Differential test: the YAML walker (saphyr-parser events) decodes the same string values, at the same
//! paths, as a second, independent parser (serde_norway, libyaml-based), for random documents in block
//! and flow style with plain, quoted (with escapes) and block scalars, comments, CRLF and a BOM.

use proptest::prelude::*;
use rekey::edit::yaml;
use serde_norway::Value;

#[derive(Debug, Clone)]
enum Node {
    /// value, style: 0 plain, 1 single, 2 double, 3 double with escapes, 4 literal block
    Scalar(String, u8),
    /// Non-string plain scalars (numbers, bools, null): neither side reports them as strings.
    Other(&'static str),
    Map(Vec<(String, Node)>, bool),
    Seq(Vec<Node>, bool),
}

fn leaf() -> impl Strategy<Value = Node> {
    prop_oneof![
        ("[a-zA-Z][a-zA-Z0-9_./-]{0,12}", Just(0u8)).prop_map(|(v, s)| Node::Scalar(v, s)),
        ("[ -~é\u{1f600}]{0,12}", 1u8..4).prop_map(|(v, s)| Node::Scalar(v, s)),
        ("[a-z]{1,6}( [a-z]{1,6}){0,2}", Just(4u8)).prop_map(|(v, s)| Node::Scalar(v, s)),
        prop_oneof![
            Just("12"),
            Just("-3.5"),
            Just("true"),
            Just("null"),
            Just("~"),
            Just("0x1F")
        ]
        .prop_map(Node::Other),
    ]
}

fn node() -> impl Strategy<Value = Node> {
    leaf().prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            (
                prop::collection::btree_map("[a-z][a-z0-9_]{0,5}", inner.clone(), 0..4),
                any::<bool>()
            )
                .prop_map(|(m, flow)| Node::Map(m.into_iter().collect(), flow)),
            (prop::collection::vec(inner, 0..4), any::<bool>())
                .prop_map(|(v, flow)| Node::Seq(v, flow)),
        ]
    })
}

fn scalar(v: &str, style: u8, flow: bool) -> String {
    match style {
        0 => v.to_string(),
        1 => format!("'{}'", v.replace('\'', "''")),
        3 => {
            let mut out = String::from("\"");
            for c in v.chars() {
                match c {
                    'a'..='f' => out.push_str(&format!("\\x{:02x}", c as u32)),
                    'é' => out.push_str("\\u00e9"),
                    '\u{1f600}' => out.push_str("\\U0001F600"),
                    ' ' => out.push_str("\\ "),
                    c => out.push_str(&yaml::escape_double(&c.to_string())),
                }
            }
            out.push('"');
            out
        }
        4 if !flow => format!("|-\n{}", v),
        _ => format!("\"{}\"", yaml::escape_double(v)),
    }
}

fn flow(n: &Node) -> String {
    match n {
        Node::Scalar(v, s) => scalar(v, *s, true),
        Node::Other(o) => o.to_string(),
        Node::Map(m, _) => format!(
            "{{{}}}",
            m.iter()
                .map(|(k, v)| format!("{k}: {}", flow(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Node::Seq(s, _) => format!("[{}]", s.iter().map(flow).collect::<Vec<_>>().join(", ")),
    }
}

/// `n` as the value after `key:` or `-` at indentation `ind` (it starts right after the indicator).
fn block(n: &Node, ind: usize, nl: &str, comment: &str) -> String {
    let pad = " ".repeat(ind + 2);
    match n {
        Node::Scalar(v, 4) => format!(" |-{nl}{pad}{v}{nl}"),
        Node::Map(m, false) if !m.is_empty() => {
            let mut out = format!("{comment}{nl}");
            for (k, v) in m {
                out.push_str(&format!("{pad}{k}:{}", block(v, ind + 2, nl, comment)));
            }
            out
        }
        Node::Seq(s, false) if !s.is_empty() => {
            let mut out = format!("{comment}{nl}");
            for v in s {
                out.push_str(&format!("{pad}-{}", block(v, ind + 2, nl, comment)));
            }
            out
        }
        other => format!(" {}{comment}{nl}", flow(other)),
    }
}

fn serde_strings(v: &Value, path: &mut Vec<String>, out: &mut Vec<(String, String)>) {
    match v {
        Value::String(s) => out.push((path.join("."), s.clone())),
        Value::Sequence(s) => {
            for (i, x) in s.iter().enumerate() {
                path.push(i.to_string());
                serde_strings(x, path, out);
                path.pop();
            }
        }
        Value::Mapping(m) => {
            for (k, x) in m {
                path.push(match k {
                    Value::String(s) => s.clone(),
                    other => serde_norway::to_string(other).unwrap().trim().to_string(),
                });
                serde_strings(x, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

/// (path, value) pairs.
type Pairs = Vec<(String, String)>;

fn both(text: &str) -> (Pairs, Pairs) {
    let mut mine = Vec::new();
    yaml::walk(text, |p, _, v| mine.push((p.join("."), v.to_string())))
        .unwrap_or_else(|e| panic!("walker: {e}\n{text}"));
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let v: Value =
        serde_norway::from_str(body).unwrap_or_else(|e| panic!("serde_norway: {e}\n{text}"));
    let mut theirs = Vec::new();
    serde_strings(&v, &mut Vec::new(), &mut theirs);
    (mine, theirs)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn the_walker_decodes_what_serde_norway_decodes(
        root in prop::collection::btree_map("[a-z][a-z0-9_]{0,5}", node(), 1..5),
        crlf in any::<bool>(), bom in any::<bool>(), comments in any::<bool>(),
    ) {
        let nl = if crlf { "\r\n" } else { "\n" };
        let comment = if comments { "  # c: 'x' \"y\"" } else { "" };
        let mut text = String::new();
        if bom {
            text.push('\u{feff}');
        }
        if comments {
            text.push_str(&format!("# top{nl}"));
        }
        for (k, v) in &root {
            text.push_str(&format!("{k}:{}", block(v, 0, nl, comment)));
        }
        let (mine, theirs) = both(&text);
        prop_assert_eq!(mine, theirs, "{}", text);
    }
}

#[test]
fn known_edge_cases_agree() {
    for text in [
        "a: &x v\nb: *x\nc: [*x, 'it''s']\n",
        "base: &b {k: v, n: [1, two]}\nuse: *b\n",
        "a: \"multi\n  line\\tdq\"\nb: plain\n  folded line\nc: 'single\n\n  para'\n",
        "a: >\n  folded\n  text\n\n  more\nb: |+\n  keep\n\nc: x\n",
        "\u{feff}a: \"\\x41\\u00e9\\U0001F600\\N\\_\\L\\P\\/\\e\\0\"\r\nb: '# not a comment'\r\n",
        "? complex\n: v\n\"quoted key\": 'x'\n'k2': \"y\"\n",
        "a: !!str 123\nb: 123\nc: 0o17\nd: .5\ne: 1_000\nf: y\ng: No\nh: ''\n",
        "- a\n- - b\n  - c\n- {d: e}\n",
    ] {
        let (mine, theirs) = both(text);
        assert_eq!(mine, theirs, "{text:?}");
    }
}
