//! How a TOML server entry (Codex `mcp_servers`) starts its server, as a [`Shape`] that `wrap` edits like
//! any other, found at its exact key path however it is written: a standard table (`[mcp_servers.bs]`,
//! members on their own lines), dotted keys (`bs.command = …` under `[mcp_servers]`, or
//! `mcp_servers.bs.command = …` from the root) or an inline table (`bs = { command = …, env = {…} }`).
//! toml_edit gives the spans; a TOML file cannot hold two members of one name (it does not parse).

use super::wrap::{Args, Shape, Tok};
use std::ops::Range;

/// The entry at exactly `entry` (its logical key path) in the TOML `text`.
pub(super) fn shape(text: &str, entry: &[String]) -> Shape {
    use toml_edit::{Item, Value};
    let doc = match crate::edit::toml::parse(text) {
        Ok(d) => d,
        Err(e) => return Shape::Unsupported(format!("the file does not parse ({e})")),
    };
    let tok = |v: &Value| match v {
        Value::String(s) => s.span().map(|span| Tok {
            span,
            value: s.value().to_string(),
        }),
        _ => None,
    };
    let Some((last, parents)) = entry.split_last() else {
        return Shape::Unsupported("the server entry was not found".into());
    };
    let parents: Vec<&str> = parents.iter().map(String::as_str).collect();
    let (std_table, inline_table) =
        match table_at(doc.as_table(), &parents).and_then(|t| t.get(last)) {
            Some(Item::Table(t)) => (Some(t), None),
            Some(Item::Value(Value::InlineTable(t))) => (None, Some(t)),
            Some(_) => return Shape::Unsupported("the server entry is not a table".into()),
            None => return Shape::Unsupported("the server entry was not found".into()),
        };
    let get = |k: &str| -> Option<&Value> {
        match (std_table, inline_table) {
            (Some(t), _) => t.get(k).and_then(Item::as_value),
            (_, Some(t)) => t.get(k),
            _ => None,
        }
    };
    let Some(command) = get("command") else {
        return if get("url").is_some() {
            Shape::Remote
        } else {
            Shape::Unsupported("the entry has no `command`".into())
        };
    };
    let Some(command) = tok(command) else {
        return Shape::Unsupported("its `command` is not a string".into());
    };
    let args = match get("args") {
        None => None,
        Some(Value::Array(a)) => {
            let Some(open) = a.span().map(|s| s.start + 1) else {
                return Shape::Unsupported("its `args` has no position".into());
            };
            match a.iter().map(tok).collect::<Option<Vec<_>>>() {
                Some(elems) => Some(Args {
                    open,
                    elems,
                    sep: ", ".into(),
                }),
                None => {
                    return Shape::Unsupported(
                        "its `args` holds a value that is not a string".into(),
                    )
                }
            }
        }
        Some(_) => return Shape::Unsupported("its `args` is not an array".into()),
    };
    let args_at = match inline_table {
        Some(_) => ", args = ".to_string(),
        None => match toml_args_at(text, &command.span) {
            Ok(a) => a,
            Err(why) => return Shape::Unsupported(why),
        },
    };
    Shape::Split {
        program: text[command.span.clone()].to_string(),
        command,
        args,
        args_at,
    }
}

/// What goes before `[…]` to add an `args` member right after the `command` value at `command` of a
/// table whose members are on their own lines: a line break and the command's key as written, with
/// `args` for `command`. A standard table's `command = …` gives `\nargs = `; a table written with dotted
/// keys (`bs.command = …` under `[mcp_servers]`, `mcp_servers.bs.command = …` at the root) gives
/// `\nbs.args = ` or `\nmcp_servers.bs.args = `, so `args` lands in the server's table and not in the
/// table the line is in. Indentation and a CRLF line end are kept.
fn toml_args_at(text: &str, command: &Range<usize>) -> Result<String, String> {
    let line = text[..command.start].rfind('\n').map_or(0, |i| i + 1);
    let key = text[line..command.start]
        .trim_end()
        .strip_suffix('=')
        .map(str::trim_end)
        .ok_or("its `command` line is laid out in a way Rekey cannot extend")?;
    let prefix = ["command", "\"command\"", "'command'"]
        .iter()
        .find_map(|k| key.strip_suffix(k))
        .filter(|p| p.trim().is_empty() || p.trim_end().ends_with('.'))
        .ok_or("its `command` key is written in a way Rekey cannot extend")?;
    let crlf = text[command.end..]
        .find('\n')
        .is_some_and(|i| text[..command.end + i].ends_with('\r'));
    let nl = if crlf { "\r\n" } else { "\n" };
    Ok(format!("{nl}{prefix}args = "))
}

/// The TOML table at `keys` below `root` (each a standard table), if there is one.
pub(super) fn table_at<'a>(
    mut table: &'a toml_edit::Table,
    keys: &[&str],
) -> Option<&'a toml_edit::Table> {
    for key in keys {
        match table.get(key) {
            Some(toml_edit::Item::Table(t)) => table = t,
            _ => return None,
        }
    }
    Some(table)
}
