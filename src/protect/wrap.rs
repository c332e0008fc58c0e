//! A server entry's command, wrapped in `rekey exec --` and unwrapped again, as byte edits of the
//! config's text (JSON/JSONC through jsonc-parser's AST for positions; TOML entries are read by `toml_shape`).
//!
//! Wrapping changes `"command": "uvx", "args": ["bitscale-mcp"]` into
//! `"command": "/usr/bin/rekey", "args": ["exec", "--", "uvx", "bitscale-mcp"]`: the command token is
//! replaced and three strings are inserted before the first argument; nothing else of the file moves.
//! OpenCode/Kilo keep the program in the `command` array: `["/usr/bin/rekey", "exec", "--", "uvx", …]`.
//! Without `args`, `, "args": ["exec", "--", "uvx"]` is inserted right after the command; an empty `args`
//! gets `["exec","--","uvx"]` (no spaces, so unwrapping tells the two apart). Unwrapping removes exactly
//! those bytes again, so an entry that did not change since is byte-identical. The entry is the one at
//! its exact location as the scan parsed it ([`super::locate`]), never the first of its name. Zed's older
//! `"command": {"path", "args"}` object is wrapped inside the object; YAML entries (Goose, Continue) are
//! read by `yaml_shape` into the same [`Shape`]; other shapes are refused with a reason.

use crate::clients::Format;
use std::ops::Range;

/// A string token: its byte span (quotes included) and its decoded value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tok {
    pub span: Range<usize>,
    pub value: String,
}

/// An array of strings: where its content starts (after `[`), its elements, and what goes between two
/// of them (`, `; a YAML block sequence: a line break and the `- ` prefix of its items).
#[derive(Debug, Clone)]
pub struct Args {
    pub open: usize,
    pub elems: Vec<Tok>,
    pub sep: String,
}

/// How an entry starts its server.
#[derive(Debug, Clone)]
pub enum Shape {
    /// `command` (a string) and `args` (absent when `None`). `args_at`: what goes before `[…]` to add
    /// an `args` member right after the command (`, "args": `, TOML `\nargs = `, YAML `\n  args: `).
    /// `program`: the command's token as it goes into `args` (its own bytes, so unwrapping gives them back).
    Split {
        command: Tok,
        args: Option<Args>,
        args_at: String,
        program: String,
    },
    /// `command` is an array: program then arguments (OpenCode, Kilo).
    Array(Args),
    /// The client connects to a URL itself: no command to wrap.
    Remote,
    /// Anything else, with why it cannot be wrapped.
    Unsupported(String),
}

/// Is `program` a `rekey` binary (any path)?
pub fn is_rekey(program: &str) -> bool {
    let name = program.rsplit(['/', '\\']).next().unwrap_or(program);
    name == "rekey" || name == "rekey.exe"
}

/// The entry at exactly `entry` (its key path as the scan parsed it, scope included) in `text`.
pub fn shape(format: Format, text: &str, entry: &[String]) -> Shape {
    match format {
        Format::Json | Format::Jsonc => json_shape(text, entry),
        Format::Toml => super::toml_shape::shape(text, entry),
        Format::Yaml => super::yaml_shape::shape(text, entry),
    }
}

/// A JSON property's name.
pub(super) fn prop_name(n: &jsonc_parser::ast::ObjectPropName) -> String {
    use jsonc_parser::ast::ObjectPropName;
    match n {
        ObjectPropName::String(s) => s.value.to_string(),
        ObjectPropName::Word(w) => w.value.to_string(),
    }
}

/// A string token of the JSON AST, in `text` coordinates.
pub(super) fn json_tok(bom: usize, v: &jsonc_parser::ast::Value) -> Option<Tok> {
    match v {
        jsonc_parser::ast::Value::StringLit(s) => Some(Tok {
            span: bom + s.range.start..bom + s.range.end,
            value: s.value.to_string(),
        }),
        _ => None,
    }
}

fn json_shape(text: &str, entry: &[String]) -> Shape {
    use jsonc_parser::ast::Value;
    let found = super::locate::json_entry(text, entry, |bom, node| {
        let tok = |v: &Value| json_tok(bom, v);
        let strings = |v: &Value, what: &str| -> Result<Args, String> {
            let Value::Array(a) = v else {
                return Err(format!("its `{what}` is not an array"));
            };
            let elems = a
                .elements
                .iter()
                .map(tok)
                .collect::<Option<Vec<_>>>()
                .ok_or(format!("its `{what}` holds a value that is not a string"))?;
            Ok(Args {
                open: bom + a.range.start + 1,
                elems,
                sep: ", ".into(),
            })
        };
        let split = |command: Tok, args: Option<&Value>| -> Shape {
            match args.map(|a| strings(a, "args")).transpose() {
                Ok(args) => Shape::Split {
                    program: text[command.span.clone()].to_string(),
                    command,
                    args,
                    args_at: ", \"args\": ".into(),
                },
                Err(e) => Shape::Unsupported(e),
            }
        };
        let Value::Object(entry) = node else {
            return Shape::Unsupported("the server entry is not an object".into());
        };
        let prop = |k: &str| {
            entry
                .properties
                .iter()
                .find(|p| prop_name(&p.name) == k)
                .map(|p| &p.value)
        };
        match prop("command") {
            Some(v @ Value::StringLit(_)) => split(tok(v).expect("a string literal"), prop("args")),
            // Zed's older shape: `"command": {"path": …, "args": […], "env": {…}}`.
            Some(Value::Object(o)) => {
                let inner = |k: &str| {
                    o.properties
                        .iter()
                        .find(|p| prop_name(&p.name) == k)
                        .map(|p| &p.value)
                };
                match inner("path").and_then(tok) {
                    Some(path) => split(path, inner("args")),
                    None => Shape::Unsupported("its `command` object has no `path` string".into()),
                }
            }
            Some(v @ Value::Array(_)) => match strings(v, "command") {
                Ok(a) if !a.elems.is_empty() => Shape::Array(a),
                Ok(_) => Shape::Unsupported("its `command` is empty".into()),
                Err(e) => Shape::Unsupported(e),
            },
            Some(_) => Shape::Unsupported(
                "its `command` is neither a string, an array nor an object with a `path`".into(),
            ),
            None if super::remote::URL_KEYS.iter().any(|k| prop(k).is_some()) => Shape::Remote,
            None => Shape::Unsupported("the entry has no `command`".into()),
        }
    });
    match found {
        Ok(Some(shape)) => shape,
        Ok(None) => Shape::Unsupported("the server entry was not found".into()),
        Err(e) => Shape::Unsupported(e),
    }
}

/// A quoted string token in `format`.
pub(super) fn quote(format: Format, s: &str) -> Result<String, String> {
    match format {
        Format::Json | Format::Jsonc => {
            let mut out = String::from("\"");
            crate::edit::json::escape(s, &mut out);
            out.push('"');
            Ok(out)
        }
        Format::Toml => Ok(format!("\"{}\"", crate::edit::toml::escape(s, b'"')?)),
        Format::Yaml => Ok(format!("\"{}\"", crate::edit::yaml::escape_double(s))),
    }
}

/// Does this entry already start its server through `rekey exec --`?
pub fn is_wrapped(shape: &Shape) -> bool {
    fn v(a: &Args, i: usize) -> Option<&str> {
        a.elems.get(i).map(|t| t.value.as_str())
    }
    match shape {
        Shape::Split {
            command,
            args: Some(a),
            ..
        } => {
            is_rekey(&command.value)
                && v(a, 0) == Some("exec")
                && v(a, 1) == Some("--")
                && a.elems.len() >= 3
        }
        Shape::Array(a) => {
            v(a, 0).is_some_and(is_rekey)
                && v(a, 1) == Some("exec")
                && v(a, 2) == Some("--")
                && a.elems.len() >= 4
        }
        _ => false,
    }
}

/// The edits that make the entry start `rekey exec -- <its command…>` with `bin` as the program.
pub fn wrap(
    format: Format,
    shape: &Shape,
    bin: &str,
) -> Result<Vec<(Range<usize>, String)>, String> {
    let q = |s: &str| quote(format, s);
    match shape {
        Shape::Split {
            command,
            args,
            args_at,
            program,
        } => {
            let mut edits = vec![(command.span.clone(), q(bin)?)];
            let lead = |sep: &str| -> Result<String, String> {
                Ok([q("exec")?, q("--")?, program.clone()].join(sep))
            };
            edits.push(match args {
                Some(a) => match a.elems.first() {
                    Some(first) => (
                        first.span.start..first.span.start,
                        format!("{}{}", lead(&a.sep)?, a.sep),
                    ),
                    // An empty `args` gets its strings without spaces between them: unwrapping then
                    // tells it from an `args` member that wrapping added (always `, `-separated),
                    // which an empty `args` right after the command would otherwise look like.
                    None => (a.open..a.open, lead(",")?),
                },
                None => {
                    let at = command.span.end;
                    (at..at, format!("{args_at}[{}]", lead(", ")?))
                }
            });
            Ok(edits)
        }
        Shape::Array(a) => {
            let first = &a.elems[0];
            let lead = format!("{}, {}, {}, ", q(bin)?, q("exec")?, q("--")?);
            Ok(vec![(first.span.start..first.span.start, lead)])
        }
        Shape::Remote => Err("the client connects to the URL itself".into()),
        Shape::Unsupported(why) => Err(why.clone()),
    }
}

/// The edits that undo [`wrap`] on a wrapped entry (`None` when it is not wrapped): the program comes back
/// from the first argument after `--` (its token copied as it is), the inserted strings go.
pub fn unwrap(text: &str, shape: &Shape) -> Option<Vec<(Range<usize>, String)>> {
    if !is_wrapped(shape) {
        return None;
    }
    match shape {
        Shape::Split {
            command,
            args: Some(a),
            args_at,
            ..
        } => {
            let program = &a.elems[2];
            let mut edits = vec![(command.span.clone(), text[program.span.clone()].to_string())];
            if let Some(next) = a.elems.get(3) {
                edits.push((a.elems[0].span.start..next.span.start, String::new()));
            } else {
                // Wrapping inserted the whole `args` member right after the command (its strings
                // `, `-separated): take it out again.
                let list = &text[a.elems[0].span.start..program.span.end];
                let added = a.elems[..3]
                    .iter()
                    .map(|e| &text[e.span.clone()])
                    .collect::<Vec<_>>()
                    .join(", ");
                let member = format!("{args_at}[{list}]");
                let after = command.span.end;
                if list == added && text[after..].starts_with(&member) {
                    edits.push((after..after + member.len(), String::new()));
                } else {
                    edits.push((a.elems[0].span.start..program.span.end, String::new()));
                }
            }
            Some(edits)
        }
        Shape::Array(a) => Some(vec![(
            a.elems[0].span.start..a.elems[3].span.start,
            String::new(),
        )]),
        _ => None,
    }
}

/// Apply sorted, non-overlapping edits to `bytes`.
pub fn apply_edits(bytes: &[u8], edits: &[(Range<usize>, String)]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + 128);
    let mut pos = 0;
    for (r, e) in edits {
        out.extend_from_slice(&bytes[pos..r.start]);
        out.extend_from_slice(e.as_bytes());
        pos = r.end;
    }
    out.extend_from_slice(&bytes[pos..]);
    out
}

/// Sort edits by position and refuse overlapping ones (an insertion may sit at the start of an edit).
pub fn sorted(
    mut edits: Vec<(Range<usize>, String)>,
) -> Result<Vec<(Range<usize>, String)>, String> {
    edits.sort_by_key(|(r, _)| (r.start, r.end));
    if edits.windows(2).any(|w| w[1].0.start < w[0].0.end) {
        return Err("two changes overlap".into());
    }
    Ok(edits)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(root: &[&str], server: &str) -> Vec<String> {
        root.iter()
            .chain([&server])
            .map(|s| s.to_string())
            .collect()
    }

    fn roundtrip(format: Format, text: &str, root: &[&str], wrapped: &str) {
        let entry = at(root, "bs");
        let s = shape(format, text, &entry);
        assert!(!is_wrapped(&s), "{s:?}");
        let edits = sorted(wrap(format, &s, "/opt/rekey").unwrap()).unwrap();
        let after = String::from_utf8(apply_edits(text.as_bytes(), &edits)).unwrap();
        assert_eq!(after, wrapped);
        let s2 = shape(format, &after, &entry);
        assert!(is_wrapped(&s2), "{s2:?}");
        let back = sorted(unwrap(&after, &s2).unwrap()).unwrap();
        let back = String::from_utf8(apply_edits(after.as_bytes(), &back)).unwrap();
        assert_eq!(back, text, "unwrap is byte-identical");
    }

    #[test]
    fn entries_are_wrapped_and_unwrapped_byte_for_byte() {
        let m: &[&str] = &["mcpServers"];
        roundtrip(
            Format::Json,
            "\u{feff}{\"mcpServers\": {\"bs\": {\"command\": \"uvx\", \"args\": [\"bitscale-mcp\"], \"env\": {\"K\": \"é\"}}}}",
            m,
            "\u{feff}{\"mcpServers\": {\"bs\": {\"command\": \"/opt/rekey\", \"args\": [\"exec\", \"--\", \"uvx\", \"bitscale-mcp\"], \"env\": {\"K\": \"é\"}}}}",
        );
        roundtrip(
            Format::Jsonc,
            "{\r\n  // c\r\n  \"mcpServers\": {\"bs\": {\"command\": \"uvx\" /* x */, \"env\": {}}}\r\n}",
            m,
            "{\r\n  // c\r\n  \"mcpServers\": {\"bs\": {\"command\": \"/opt/rekey\", \"args\": [\"exec\", \"--\", \"uvx\"] /* x */, \"env\": {}}}\r\n}",
        );
        roundtrip(
            Format::Json,
            "{\"mcpServers\": {\"bs\": {\"args\": [],\n \"command\": \"npx\"}}}",
            m,
            "{\"mcpServers\": {\"bs\": {\"args\": [\"exec\",\"--\",\"npx\"],\n \"command\": \"/opt/rekey\"}}}",
        );
        roundtrip(
            Format::Jsonc,
            "{\"mcp\": {\"bs\": {\"type\": \"local\", \"command\": [\"uvx\", \"bitscale-mcp\"]}}}",
            &["mcp"],
            "{\"mcp\": {\"bs\": {\"type\": \"local\", \"command\": [\"/opt/rekey\", \"exec\", \"--\", \"uvx\", \"bitscale-mcp\"]}}}",
        );
        // Zed's older `command` object: `path` is the command, `args` inside the object.
        let z: &[&str] = &["context_servers"];
        roundtrip(
            Format::Jsonc,
            "{\"context_servers\": {\"bs\": {\"command\": {\"path\": \"uvx\", \"args\": [\"bitscale-mcp\"], \"env\": {}}}}}",
            z,
            "{\"context_servers\": {\"bs\": {\"command\": {\"path\": \"/opt/rekey\", \"args\": [\"exec\", \"--\", \"uvx\", \"bitscale-mcp\"], \"env\": {}}}}}",
        );
        roundtrip(
            Format::Jsonc,
            "{\"context_servers\": {\"bs\": {\"command\": {\"path\": \"u\\u0076x\", \"env\": {}}}}}",
            z,
            "{\"context_servers\": {\"bs\": {\"command\": {\"path\": \"/opt/rekey\", \"args\": [\"exec\", \"--\", \"u\\u0076x\"], \"env\": {}}}}}",
        );
        let t: &[&str] = &["mcp_servers"];
        roundtrip(
            Format::Toml,
            "[mcp_servers.bs]\nargs = []\ncommand = 'uvx'\n",
            t,
            "[mcp_servers.bs]\nargs = [\"exec\",\"--\",'uvx']\ncommand = \"/opt/rekey\"\n",
        );
        roundtrip(
            Format::Toml,
            "[mcp_servers.bs]\ncommand = \"uvx\" # run\nargs = ['bitscale-mcp']\n",
            t,
            "[mcp_servers.bs]\ncommand = \"/opt/rekey\" # run\nargs = [\"exec\", \"--\", \"uvx\", 'bitscale-mcp']\n",
        );
        roundtrip(
            Format::Toml,
            "[mcp_servers.bs]\ncommand = \"uvx\"\n[mcp_servers.bs.env]\nK = \"v\"\n",
            t,
            "[mcp_servers.bs]\ncommand = \"/opt/rekey\"\nargs = [\"exec\", \"--\", \"uvx\"]\n[mcp_servers.bs.env]\nK = \"v\"\n",
        );
        roundtrip(
            Format::Toml,
            "mcp_servers.bs = { command = \"uvx\" }\n",
            t,
            "mcp_servers.bs = { command = \"/opt/rekey\", args = [\"exec\", \"--\", \"uvx\"] }\n",
        );
    }

    /// An empty `args` right after the command comes back empty, not removed.
    #[test]
    fn an_empty_args_right_after_the_command_comes_back() {
        roundtrip(
            Format::Json,
            "{\"mcpServers\": {\"bs\": {\"command\": \"uvx\", \"args\": []}}}",
            &["mcpServers"],
            "{\"mcpServers\": {\"bs\": {\"command\": \"/opt/rekey\", \"args\": [\"exec\",\"--\",\"uvx\"]}}}",
        );
        roundtrip(
            Format::Toml,
            "[mcp_servers.bs]\ncommand = \"uvx\"\nargs = []\n",
            &["mcp_servers"],
            "[mcp_servers.bs]\ncommand = \"/opt/rekey\"\nargs = [\"exec\",\"--\",\"uvx\"]\n",
        );
    }

    /// Dotted keys: `args` goes into the server's table (`bs.args`, `mcp_servers.bs.args`), not into
    /// the table the line is in; indentation, quoting of the key and CRLF are kept.
    #[test]
    fn toml_dotted_entries_get_args_in_their_own_table() {
        let t: &[&str] = &["mcp_servers"];
        roundtrip(
            Format::Toml,
            "[mcp_servers]\nbs.command = \"uvx\" # run\nbs.env.K = \"v\"\n",
            t,
            "[mcp_servers]\nbs.command = \"/opt/rekey\"\nbs.args = [\"exec\", \"--\", \"uvx\"] # run\nbs.env.K = \"v\"\n",
        );
        roundtrip(
            Format::Toml,
            "x = 1\r\nmcp_servers.bs.command = 'uvx'\r\nmcp_servers.bs.env = { K = \"v\" }\r\n",
            t,
            "x = 1\r\nmcp_servers.bs.command = \"/opt/rekey\"\r\nmcp_servers.bs.args = [\"exec\", \"--\", 'uvx']\r\nmcp_servers.bs.env = { K = \"v\" }\r\n",
        );
        roundtrip(
            Format::Toml,
            "[mcp_servers]\n  \"bs\" . \"command\"=\"uvx\"\n",
            t,
            "[mcp_servers]\n  \"bs\" . \"command\"=\"/opt/rekey\"\n  \"bs\" . args = [\"exec\", \"--\", \"uvx\"]\n",
        );
        roundtrip(
            Format::Toml,
            "[mcp_servers.bs]\n  command = \"uvx\"\n  [mcp_servers.bs.env]\n  K = \"v\"\n",
            t,
            "[mcp_servers.bs]\n  command = \"/opt/rekey\"\n  args = [\"exec\", \"--\", \"uvx\"]\n  [mcp_servers.bs.env]\n  K = \"v\"\n",
        );
    }

    /// Two entries of one name in two scopes: the one at the location asked for, never the first.
    #[test]
    fn the_entry_at_its_location_is_wrapped_not_the_first_of_its_name() {
        let text = "{\"mcpServers\": {\"bs\": {\"command\": \"user\"}}, \"projects\": {\"/p\": {\"mcpServers\": {\"bs\": {\"command\": \"project\"}}}}}";
        let s = shape(
            Format::Json,
            text,
            &at(&["projects", "/p", "mcpServers"], "bs"),
        );
        let Shape::Split { command, .. } = &s else {
            panic!("{s:?}")
        };
        assert_eq!(command.value, "project");
        let Shape::Split { command, .. } = shape(Format::Json, text, &at(&["mcpServers"], "bs"))
        else {
            panic!()
        };
        assert_eq!(command.value, "user");
        let twice =
            "{\"mcpServers\": {\"bs\": {\"command\": \"a\"}, \"bs\": {\"command\": \"b\"}}}";
        match shape(Format::Json, twice, &at(&["mcpServers"], "bs")) {
            Shape::Unsupported(why) => assert!(why.contains("two members named \"bs\""), "{why}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn remote_and_unknown_shapes_are_refused() {
        let m: &[&str] = &["mcpServers"];
        let remote = "{\"mcpServers\": {\"bs\": {\"url\": \"https://x\", \"headers\": {}}}}";
        assert!(matches!(
            shape(Format::Json, remote, &at(m, "bs")),
            Shape::Remote
        ));
        let zed = "{\"mcpServers\": {\"bs\": {\"command\": {\"env\": {}}}}}";
        assert!(matches!(
            shape(Format::Json, zed, &at(m, "bs")),
            Shape::Unsupported(_)
        ));
        assert!(matches!(
            shape(Format::Yaml, "x: 1", &at(m, "bs")),
            Shape::Unsupported(_)
        ));
        let proj = "{\"projects\": {\"/p\": {\"mcpServers\": {\"bs\": {\"command\": \"uvx\"}}}}}";
        assert!(matches!(
            shape(
                Format::Json,
                proj,
                &at(&["projects", "/p", "mcpServers"], "bs")
            ),
            Shape::Split { .. }
        ));
    }
}
