//! The parts of a remote entry that running it through mcp-remote changes, found in a JSON entry (through
//! jsonc-parser's AST) or a TOML table (through toml_edit's spans), and where an entry's text is.

use super::{HEADER_KEYS, KEPT, TYPE_KEYS, URL_KEYS};
use crate::clients::ClientId;
use crate::protect::wrap::{self, Tok};
use std::ops::Range;

/// The parts of a remote entry the conversion changes.
pub(super) struct Parts {
    pub(super) entry: Range<usize>,
    /// OpenCode/Kilo `mcp`: `command` is one array, the environment is `environment`, stdio is `local`.
    pub(super) array_style: bool,
    pub(super) url_key: String,
    pub(super) url: Tok,
    /// The whole `url` member (key to value), replaced by `command` and `args`.
    pub(super) url_member: Range<usize>,
    /// The name token of the headers member.
    pub(super) headers_key: Option<Range<usize>>,
    /// JSON: the whole headers member (name to value), which becomes `args` where the client expands
    /// `${…}` itself.
    pub(super) headers_member: Option<Range<usize>>,
    /// (name token, name, value token) of each header.
    pub(super) headers: Vec<(Range<usize>, String, Tok)>,
    pub(super) kind: Option<Tok>,
    pub(super) unknown: Vec<String>,
    pub(super) has_env: bool,
    /// TOML: the entry is a standard table (members on their own lines).
    pub(super) toml_table: bool,
}

pub(super) fn json_parts(text: &str, entry: &[String], client: ClientId) -> Result<Parts, String> {
    use jsonc_parser::ast::Value;
    let found = crate::protect::locate::json_entry(text, entry, |bom, node| {
        let Value::Object(o) = node else {
            return Err("the server entry is not an object".to_string());
        };
        let mut p = Parts {
            entry: bom + o.range.start..bom + o.range.end,
            array_style: matches!(client, ClientId::Opencode | ClientId::KiloCode)
                && entry.len() == 2
                && entry[0] == "mcp",
            url_key: String::new(),
            url: Tok {
                span: 0..0,
                value: String::new(),
            },
            url_member: 0..0,
            headers_key: None,
            headers_member: None,
            headers: Vec::new(),
            kind: None,
            unknown: Vec::new(),
            has_env: false,
            toml_table: false,
        };
        for prop in &o.properties {
            let name = wrap::prop_name(&prop.name);
            let name_span = match &prop.name {
                jsonc_parser::ast::ObjectPropName::String(s) => s.range,
                jsonc_parser::ast::ObjectPropName::Word(w) => w.range,
            };
            let name_span = bom + name_span.start..bom + name_span.end;
            if URL_KEYS.contains(&name.as_str()) && p.url_key.is_empty() {
                p.url = wrap::json_tok(bom, &prop.value)
                    .ok_or(format!("its `{name}` is not a string"))?;
                p.url_member = bom + prop.range.start..bom + prop.range.end;
                p.url_key = name;
            } else if HEADER_KEYS.contains(&name.as_str()) && p.headers_key.is_none() {
                let Value::Object(h) = &prop.value else {
                    return Err(format!("its `{name}` is not an object"));
                };
                for hp in &h.properties {
                    let hn = wrap::prop_name(&hp.name);
                    let span = match &hp.name {
                        jsonc_parser::ast::ObjectPropName::String(s) => s.range,
                        jsonc_parser::ast::ObjectPropName::Word(w) => w.range,
                    };
                    let v = wrap::json_tok(bom, &hp.value)
                        .ok_or(format!("its header {hn} is not a string"))?;
                    p.headers.push((bom + span.start..bom + span.end, hn, v));
                }
                p.headers_key = Some(name_span);
                p.headers_member = Some(bom + prop.range.start..bom + prop.range.end);
            } else if TYPE_KEYS.contains(&name.as_str()) && p.kind.is_none() {
                p.kind = Some(
                    wrap::json_tok(bom, &prop.value)
                        .ok_or(format!("its `{name}` is not a string"))?,
                );
            } else if ["env", "environment", "envs"].contains(&name.as_str()) {
                p.has_env = true;
            } else if !KEPT.contains(&name.as_str()) {
                p.unknown.push(name);
            }
        }
        Ok(p)
    })?;
    found.ok_or_else(|| "the server entry was not found".to_string())?
}

pub(super) fn toml_parts(text: &str, path: &[String]) -> Result<Parts, String> {
    use toml_edit::{Item, Value};
    let doc =
        crate::edit::toml::parse(text).map_err(|e| format!("the file does not parse ({e})"))?;
    {
        let (last, parents) = path.split_last().ok_or("the server entry was not found")?;
        let parents: Vec<&str> = parents.iter().map(String::as_str).collect();
        let table = crate::protect::toml_shape::table_at(doc.as_table(), &parents)
            .ok_or("the server entry was not found")?;
        let entry = match table.get(last) {
            // (Its members' lines start with its dotted key, which the new members would need too.)
            Some(Item::Table(t)) if t.is_dotted() || t.span().is_none() => {
                return Err(
                    "its entry is written with dotted keys; write it as a [table] first".into(),
                )
            }
            Some(Item::Table(t)) => t,
            Some(Item::Value(Value::InlineTable(_))) => {
                return Err("its entry is an inline table; write it as a [table] first".into())
            }
            Some(_) => return Err("the server entry is not a table".into()),
            None => return Err("the server entry was not found".into()),
        };
        let span = |k: &str| -> Option<(Range<usize>, Range<usize>)> {
            let key = entry.key(k)?.span()?;
            let val = entry.get(k)?.span()?;
            Some((key, val))
        };
        let mut p = Parts {
            entry: entry.span().map_or(0..0, |s| s.start..s.start),
            array_style: false,
            url_key: String::new(),
            url: Tok {
                span: 0..0,
                value: String::new(),
            },
            url_member: 0..0,
            headers_key: None,
            headers_member: None,
            headers: Vec::new(),
            kind: None,
            unknown: Vec::new(),
            has_env: false,
            toml_table: true,
        };
        for (name, item) in entry.iter() {
            match item {
                Item::Table(_) if HEADER_KEYS.contains(&name) => {}
                Item::Table(_) => {
                    p.unknown.push(name.to_string());
                    continue;
                }
                _ => {}
            }
            if URL_KEYS.contains(&name) && p.url_key.is_empty() {
                let (k, v) = span(name).ok_or("its `url` has no position")?;
                let Some(Value::String(s)) = item.as_value() else {
                    return Err(format!("its `{name}` is not a string"));
                };
                p.url = Tok {
                    span: v.clone(),
                    value: s.value().to_string(),
                };
                p.url_member = k.start..v.end;
                p.url_key = name.to_string();
            } else if HEADER_KEYS.contains(&name) && p.headers_key.is_none() {
                let pairs: Vec<(Range<usize>, String, Tok)> = match item {
                    Item::Value(Value::InlineTable(t)) => {
                        p.headers_key = Some(span(name).ok_or("no position")?.0);
                        t.iter()
                            .map(|(hn, v)| toml_header(hn, v, t.key(hn).and_then(|k| k.span())))
                            .collect::<Result<_, _>>()?
                    }
                    Item::Table(t) => {
                        // `[mcp_servers.x.http_headers]`: the last segment of the header is renamed.
                        let header = t.span().ok_or("its headers table has no position")?;
                        let raw = &text[header.clone()];
                        let at = raw
                            .rfind(name)
                            .ok_or("its headers table header is unusual")?;
                        p.headers_key = Some(header.start + at..header.start + at + name.len());
                        t.iter()
                            .map(|(hn, it)| match it.as_value() {
                                Some(v) => toml_header(hn, v, t.key(hn).and_then(|k| k.span())),
                                None => Err(format!("its header {hn} is not a string")),
                            })
                            .collect::<Result<_, _>>()?
                    }
                    _ => return Err(format!("its `{name}` is not a table")),
                };
                p.headers = pairs;
            } else if TYPE_KEYS.contains(&name) && p.kind.is_none() {
                let Some(Value::String(s)) = item.as_value() else {
                    return Err(format!("its `{name}` is not a string"));
                };
                p.kind = Some(Tok {
                    span: span(name).ok_or("no position")?.1,
                    value: s.value().to_string(),
                });
            } else if ["env", "environment", "envs"].contains(&name) {
                p.has_env = true;
            } else if !KEPT.contains(&name) {
                p.unknown.push(name.to_string());
            }
        }
        p.entry.end = toml_end(entry);
        Ok(p)
    }
}

/// Where a TOML table's text ends: its header or its last value, in it or in its sub-tables.
fn toml_end(t: &toml_edit::Table) -> usize {
    use toml_edit::Item;
    t.iter()
        .map(|(_, i)| match i {
            Item::Table(sub) => toml_end(sub),
            other => other.span().map_or(0, |s| s.end),
        })
        .chain(t.span().map(|s| s.end))
        .max()
        .unwrap_or(0)
}

fn toml_header(
    name: &str,
    v: &toml_edit::Value,
    key: Option<Range<usize>>,
) -> Result<(Range<usize>, String, Tok), String> {
    match (v, v.span(), key) {
        (toml_edit::Value::String(s), Some(span), Some(key)) => Ok((
            key,
            name.to_string(),
            Tok {
                span,
                value: s.value().to_string(),
            },
        )),
        _ => Err(format!("its header {name} is not a string")),
    }
}

/// A TOML stdio entry's span from its header to the end of its last value (as `toml_parts` measures).
pub(super) fn toml_stdio_span(text: &str, path: &[String]) -> Option<Range<usize>> {
    use toml_edit::Item;
    let doc = crate::edit::toml::parse(text).ok()?;
    let (last, parents) = path.split_last()?;
    let mut table = doc.as_table();
    for key in parents {
        table = table.get(key)?.as_table()?;
    }
    let Some(Item::Table(entry)) = table.get(last) else {
        return None;
    };
    Some(entry.span()?.start..toml_end(entry))
}
