//! Property tests of location-based wrapping: generated configs where one server name appears in several
//! places (Claude Code's user scope and project scopes, VS Code's `servers` and `mcp.servers`, several
//! Continue list items of one name) and Codex TOML entries in every table style (standard, dotted under
//! `[mcp_servers]`, dotted from the root, inline), with the key in one generated entry. The scan names
//! that entry's exact location; wrapping it (`rekey::protect::wrap`, the functions Protect uses) touches
//! that entry only (every byte outside it identical), the result parses and starts
//! `rekey exec -- <original command> <original args…>` at that entry and nowhere else, and unwrapping
//! gives back the original bytes.

use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use rekey::clients::{Env, Format, Platform};
use rekey::protect::wrap::{self, Shape};
use rekey::scan::{fingerprint::Fingerprinter, scan, ScanOptions};
use serde_json::{json, Value};
use std::ops::Range;

const KEY: &str = "bs_live_prop_0123456789abcdef";
const BIN: &str = "/opt/rekey/bin/rekey";

/// One server entry: its name, command, arguments (absent when `None`) and whether it holds the key.
#[derive(Debug, Clone)]
struct Server {
    name: String,
    command: String,
    args: Option<Vec<String>>,
    key: bool,
}

fn command() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("uvx".to_string()),
        Just("npx".to_string()),
        Just("/usr/local/bin/my server".to_string()),
    ]
}

fn args() -> impl Strategy<Value = Option<Vec<String>>> {
    proptest::option::of(proptest::collection::vec(
        prop_oneof![
            Just("-y".to_string()),
            Just("bitscale-mcp".to_string()),
            Just("--port=3000".to_string()),
            Just("é ü".to_string()),
        ],
        0..3,
    ))
}

/// Servers of names drawn from `names` (each name at most once when `unique`), the key in exactly one.
fn servers(
    names: &'static [&'static str],
    unique: bool,
    n: Range<usize>,
) -> impl Strategy<Value = Vec<Server>> {
    proptest::collection::vec((proptest::sample::select(names), command(), args()), n)
        .prop_map(move |mut v| {
            if unique {
                let mut seen = Vec::new();
                v.retain(|(n, _, _)| {
                    let new = !seen.contains(n);
                    seen.push(*n);
                    new
                });
            }
            v
        })
        .prop_flat_map(|v| {
            let len = v.len();
            (Just(v), 0..len)
        })
        .prop_map(|(v, target)| {
            v.into_iter()
                .enumerate()
                .map(|(i, (name, command, args))| Server {
                    name: name.to_string(),
                    command,
                    args,
                    key: i == target,
                })
                .collect()
        })
}

/// The keys a JSON pointer names (written here again, independently of the engine's).
fn pointer_keys(p: &str) -> Vec<String> {
    p.split('/')
        .skip(1)
        .map(|k| k.replace("~1", "/").replace("~0", "~"))
        .collect()
}

fn env_for(home: &std::path::Path, config: &std::path::Path) -> Env {
    Env {
        platform: Platform::Linux,
        home: home.to_path_buf(),
        config_dir: config.to_path_buf(),
        local_data_dir: None,
        xdg_config_home: None,
        claude_config_dir: None,
        codex_home: None,
        cline_mcp_settings_path: None,
        copilot_home: None,
    }
}

/// A JSONC document as a `serde_json::Value` (through jsonc-parser's AST).
fn jsonc_value(text: &str) -> Value {
    use jsonc_parser::ast::{ObjectPropName, Value as J};
    fn conv(v: &J) -> Value {
        match v {
            J::StringLit(s) => Value::String(s.value.to_string()),
            J::NumberLit(n) => serde_json::from_str(n.value).unwrap(),
            J::BooleanLit(b) => Value::Bool(b.value),
            J::NullKeyword(_) => Value::Null,
            J::Array(a) => Value::Array(a.elements.iter().map(conv).collect()),
            J::Object(o) => Value::Object(
                o.properties
                    .iter()
                    .map(|p| {
                        let k = match &p.name {
                            ObjectPropName::String(s) => s.value.to_string(),
                            ObjectPropName::Word(w) => w.value.to_string(),
                        };
                        (k, conv(&p.value))
                    })
                    .collect(),
            ),
        }
    }
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let ast = jsonc_parser::parse_to_ast(body, &Default::default(), &Default::default())
        .unwrap_or_else(|e| panic!("{e}: {text}"));
    conv(ast.value.as_ref().unwrap())
}

fn parse(format: Format, text: &str) -> Value {
    match format {
        Format::Json | Format::Jsonc => jsonc_value(text),
        Format::Toml => toml_edit::de::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}")),
        Format::Yaml => serde_norway::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}")),
    }
}

/// The value at `keys` (an array's segment is its index).
fn at<'a>(v: &'a mut Value, keys: &[String]) -> &'a mut Value {
    keys.iter().fold(v, |v, k| match v {
        Value::Array(a) => &mut a[k.parse::<usize>().unwrap()],
        _ => &mut v[k.as_str()],
    })
}

/// Write `text` as the client's file `rel`, scan it, and check the wrap of the entry holding the key:
/// the scan names `entry`; the wrap changes bytes inside `range` only; the result is the original with
/// that entry's command wrapped; unwrapping gives the original bytes back.
fn check(
    format: Format,
    rel: &str,
    text: &str,
    entry: &[String],
    range: Range<usize>,
) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, text).unwrap();
    let report = scan(&ScanOptions {
        env: env_for(&dir.path().join("home"), &dir.path().join("config")),
        project_folders: vec![],
        fingerprinter: Fingerprinter::with_key([7; 32]),
    });
    let found: Vec<String> = report
        .credentials
        .iter()
        .flat_map(|c| &c.slots)
        .filter(|s| s.masked.starts_with("bs_l"))
        .map(|s| s.entry.clone())
        .collect();
    prop_assert_eq!(found.len(), 1, "{:?}\n{}", found, text);
    let keys = pointer_keys(&found[0]);
    prop_assert_eq!(
        &keys,
        &entry.to_vec(),
        "the scan names the entry's location"
    );

    let shape = wrap::shape(format, text, &keys);
    prop_assert!(
        matches!(shape, Shape::Split { .. }) && !wrap::is_wrapped(&shape),
        "{:?}\n{}",
        shape,
        text
    );
    let edits = wrap::sorted(wrap::wrap(format, &shape, BIN).unwrap()).unwrap();
    let after = String::from_utf8(wrap::apply_edits(text.as_bytes(), &edits)).unwrap();
    // Outside the entry, every byte is the same.
    let tail = text.len() - range.end;
    prop_assert_eq!(&after[..range.start], &text[..range.start], "{}", after);
    prop_assert_eq!(
        &after[after.len() - tail..],
        &text[range.end..],
        "{}",
        after
    );
    // The result is the original with this entry (only) started through `rekey exec --`.
    let mut want = parse(format, text);
    let e = at(&mut want, entry);
    let mut args = vec![json!("exec"), json!("--"), e["command"].clone()];
    if let Some(Value::Array(a)) = e.get("args") {
        args.extend(a.iter().cloned());
    }
    e["command"] = json!(BIN);
    e["args"] = Value::Array(args);
    prop_assert_eq!(parse(format, &after), want, "{}", after);
    // Unwrapping gives the original bytes back.
    let again = wrap::shape(format, &after, &keys);
    prop_assert!(wrap::is_wrapped(&again), "{:?}\n{}", again, after);
    let back = wrap::sorted(wrap::unwrap(&after, &again).unwrap()).unwrap();
    let back = String::from_utf8(wrap::apply_edits(after.as_bytes(), &back)).unwrap();
    prop_assert_eq!(back, text);
    Ok(())
}

fn quote_json(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

/// A JSON(C) server object; `range` is set to its span when it holds the key.
fn json_server(
    out: &mut String,
    s: &Server,
    gap: &str,
    keys: Vec<String>,
    target: &mut Option<(Vec<String>, Range<usize>)>,
) {
    out.push_str(&format!("{gap}{}:{gap}", quote_json(&s.name)));
    let start = out.len();
    out.push_str(&format!("{{\"command\": {}", quote_json(&s.command)));
    if let Some(a) = &s.args {
        let a: Vec<String> = a.iter().map(|x| quote_json(x)).collect();
        out.push_str(&format!(",{gap}\"args\": [{}]", a.join(", ")));
    }
    if s.key {
        out.push_str(&format!(
            ",{gap}\"env\": {{\"BITSCALE_API_KEY\": \"{KEY}\"}}"
        ));
    } else {
        out.push_str(",\"env\": {\"LOG_LEVEL\": \"info\"}");
    }
    out.push('}');
    if s.key {
        *target = Some((keys, start..out.len()));
    }
}

fn json_map(
    out: &mut String,
    servers: &[Server],
    gap: &str,
    root: &[&str],
    target: &mut Option<(Vec<String>, Range<usize>)>,
) {
    out.push('{');
    for (i, s) in servers.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let keys = root
            .iter()
            .map(|k| k.to_string())
            .chain([s.name.clone()])
            .collect();
        json_server(out, s, gap, keys, target);
    }
    out.push_str(&format!("{gap}}}"));
}

const NAMES: &[&str] = &["bitscale", "github", "a/b", "t~x"];
const PROJECTS: &[&str] = &["/home/me/app", "/w/a~b", "C:\\src\\x"];

fn gap() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just(" ".to_string()),
        Just("\n  ".to_string()),
        Just("\r\n\t".to_string())
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, failure_persistence: None, ..ProptestConfig::default() })]

    /// `~/.claude.json`: the user scope and several projects, names repeated across them.
    #[test]
    fn claude_code_scopes(all in servers(NAMES, false, 1..9), split in proptest::collection::vec(0..4usize, 9), gap in gap()) {
        // Each server goes to the user scope (0) or a project (1..): a name at most once per object.
        let mut scopes: Vec<Vec<Server>> = vec![Vec::new(); 4];
        for (s, &k) in all.iter().zip(&split) {
            let slot = (0..4).map(|d| (k + d) % 4).find(|&j| !scopes[j].iter().any(|o| o.name == s.name));
            match slot {
                Some(j) => scopes[j].push(s.clone()),
                None => prop_assume!(!s.key),
            }
        }
        prop_assume!(scopes.iter().flatten().any(|s| s.key));
        let mut target = None;
        let mut text = format!("{{{gap}\"numStartups\": 3,{gap}\"mcpServers\": ");
        json_map(&mut text, &scopes[0], &gap, &["mcpServers"], &mut target);
        text.push_str(&format!(",{gap}\"projects\": {{"));
        for (i, p) in PROJECTS.iter().enumerate() {
            if i > 0 {
                text.push(',');
            }
            text.push_str(&format!("{gap}{}: {{\"allowedTools\": [], \"mcpServers\": ", quote_json(p)));
            json_map(&mut text, &scopes[i + 1], &gap, &["projects", p, "mcpServers"], &mut target);
            text.push('}');
        }
        text.push_str(&format!("}}{gap}}}\n"));
        let (entry, range) = target.unwrap();
        check(Format::Json, "home/.claude.json", &text, &entry, range)?;
    }

    /// VS Code: `servers` and `mcp.servers` in one JSONC file (both are read), names repeated, comments.
    #[test]
    fn vscode_roots(all in servers(NAMES, false, 1..7), split in proptest::collection::vec(any::<bool>(), 7), gap in gap()) {
        let mut roots: Vec<Vec<Server>> = vec![Vec::new(); 2];
        for (s, &b) in all.iter().zip(&split) {
            let j = usize::from(b);
            let j = if roots[j].iter().any(|o| o.name == s.name) { 1 - j } else { j };
            if roots[j].iter().any(|o| o.name == s.name) {
                prop_assume!(!s.key);
                continue;
            }
            roots[j].push(s.clone());
        }
        let mut target = None;
        let mut text = format!("// VS Code\n{{{gap}\"servers\": ");
        json_map(&mut text, &roots[0], &gap, &["servers"], &mut target);
        text.push_str(&format!(",{gap}/* settings */ \"mcp\": {{\"servers\": "));
        json_map(&mut text, &roots[1], &gap, &["mcp", "servers"], &mut target);
        text.push_str(&format!("}},{gap}}}\n"));
        let (entry, range) = target.unwrap();
        check(Format::Jsonc, "config/Code/User/mcp.json", &text, &entry, range)?;
    }

    /// Continue: a YAML list whose items may share a name; found by its index.
    #[test]
    fn continue_items_of_one_name(all in servers(&["bitscale", "github"], false, 1..5), crlf in any::<bool>(), styles in proptest::collection::vec(any::<bool>(), 5)) {
        let mut text = String::from("name: Local\nversion: 1.0.0\nschema: v1\nmcpServers:\n");
        let mut target = None;
        for (i, s) in all.iter().enumerate() {
            let start = text.len();
            text.push_str(&format!("  - name: {}\n    command: \"{}\"\n", s.name, s.command));
            match (&s.args, styles[i]) {
                (None, _) => {}
                (Some(a), true) if !a.is_empty() => {
                    text.push_str("    args:\n");
                    for x in a {
                        text.push_str(&format!("      - \"{x}\"\n"));
                    }
                }
                (Some(a), _) => {
                    let a: Vec<String> = a.iter().map(|x| format!("\"{x}\"")).collect();
                    text.push_str(&format!("    args: [{}]\n", a.join(", ")));
                }
            }
            match s.key {
                true => text.push_str(&format!("    env:\n      BITSCALE_API_KEY: {KEY}\n")),
                false => text.push_str("    env:\n      LOG_LEVEL: info\n"),
            }
            if s.key {
                target = Some((vec!["mcpServers".to_string(), i.to_string()], start..text.len()));
            }
        }
        text.push_str("models: []\n");
        let (entry, range) = target.unwrap();
        let (text, range) = if crlf {
            let to = |n: usize| n + text[..n].matches('\n').count();
            (text.replace('\n', "\r\n"), to(range.start)..to(range.end))
        } else {
            (text, range)
        };
        check(Format::Yaml, "home/.continue/config.yaml", &text, &entry, range)?;
    }

    /// Codex: every TOML table style, at the root or under `[mcp_servers]`.
    #[test]
    fn codex_table_styles(all in servers(&["bitscale", "github", "x-y", "a.b"], true, 1..5), root_mode in any::<bool>(), styles in proptest::collection::vec(0..4u8, 5), crlf in any::<bool>()) {
        let key = |n: &str| if n.contains('.') { format!("\"{n}\"") } else { n.to_string() };
        let list = |a: &[String]| a.iter().map(|x| quote_json(x)).collect::<Vec<_>>().join(", ");
        let env = |s: &Server| if s.key { format!("BITSCALE_API_KEY = \"{KEY}\"") } else { "LOG_LEVEL = \"info\"".to_string() };
        let mut root = String::from("model = \"o3\"\n");
        let mut section = String::new();
        let mut tables = String::new();
        let mut target: Option<(Vec<String>, Range<usize>, u8)> = None;
        for (i, s) in all.iter().enumerate() {
            let name = key(&s.name);
            let mut e = String::new();
            // Root mode: 0/1 dotted from the root, 2/3 inline at the root. Section mode: 0 dotted under
            // [mcp_servers], 1 inline under it, 2 a standard table with an [env] sub-table, 3 a standard
            // table with an inline env.
            let style = styles[i];
            let pre = if root_mode { format!("mcp_servers.{name}") } else { name.clone() };
            match (root_mode, style) {
                (true, 0 | 1) | (false, 0) => {
                    e.push_str(&format!("{pre}.command = {}\n", quote_json(&s.command)));
                    if let Some(a) = &s.args {
                        e.push_str(&format!("{pre}.args = [{}]\n", list(a)));
                    }
                    e.push_str(&format!("{pre}.env.{}\n", env(s)));
                }
                (true, _) | (false, 1) => {
                    let args = s.args.as_ref().map(|a| format!(", args = [{}]", list(a))).unwrap_or_default();
                    e.push_str(&format!("{pre} = {{ command = {}{args}, env = {{ {} }} }}\n", quote_json(&s.command), env(s)));
                }
                (false, _) => {
                    e.push_str(&format!("[mcp_servers.{name}]\ncommand = {}\n", quote_json(&s.command)));
                    if let Some(a) = &s.args {
                        e.push_str(&format!("args = [{}]\n", list(a)));
                    }
                    if style == 2 {
                        e.push_str(&format!("[mcp_servers.{name}.env]\n{}\n", env(s)));
                    } else {
                        e.push_str(&format!("env = {{ {} }}\n", env(s)));
                    }
                }
            }
            let standard = !root_mode && style >= 2;
            let into = if root_mode { &mut root } else if standard { &mut tables } else { &mut section };
            let start = into.len();
            into.push_str(&e);
            if s.key {
                let which = if root_mode { 0 } else if standard { 2 } else { 1 };
                target = Some((vec!["mcp_servers".to_string(), s.name.clone()], start..into.len(), which));
            }
        }
        let mut text = root.clone();
        let section_at = text.len() + "\n[mcp_servers]\n".len();
        if !root_mode && !section.is_empty() {
            text.push_str("\n[mcp_servers]\n");
            text.push_str(&section);
        }
        let tables_at = text.len();
        text.push_str(&tables);
        text.push_str("\n[profiles.x]\nmodel = \"o4\"\n");
        let (entry, range, which) = target.unwrap();
        let shift = [0, section_at, tables_at][which as usize];
        let range = range.start + shift..range.end + shift;
        let (text, range) = if crlf {
            let to = |n: usize| n + text[..n].matches('\n').count();
            (text.replace('\n', "\r\n"), to(range.start)..to(range.end))
        } else {
            (text, range)
        };
        check(Format::Toml, "home/.codex/config.toml", &text, &entry, range)?;
    }
}
