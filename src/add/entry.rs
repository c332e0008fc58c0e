//! A template made into one client's server entry: its own shape (a local command, or the client's
//! native remote fields where it has them), then inserted into the config's text (JSON/JSONC through
//! `edit::add`, TOML by appending one table), and, when protected, wrapped in `rekey exec --` by
//! `protect::wrap`, exactly as `rekey protect` wraps an entry (so `rekey unprotect` undoes it).

use super::templates::{Run, Template};
use crate::clients::{ClientId, Format, Location};
use crate::{Error, Result};
use jsonc_parser::cst::CstInputValue;
use std::collections::BTreeMap;

/// How a client takes a server entry.
#[derive(Debug, Clone, Copy)]
pub struct ClientShape {
    /// Its native remote entry: the URL's field and, where needed, a `type` field.
    native: Option<(&'static str, Option<&'static str>)>,
    /// It expands `${VAR}` in `args` itself (Claude Code, Gemini CLI): the header goes inline
    /// (`Name:Bearer rekey://…`), and `rekey exec` moves its value into a variable of mcp-remote's
    /// environment when it starts it (`protect::exec`), so the key is on no command line.
    interpolates: bool,
}

/// The clients `rekey add` writes to, and how (clients.md §1–§14). `None`: not supported (yet).
pub fn client_shape(client: ClientId) -> Option<ClientShape> {
    let native = match client {
        ClientId::ClaudeDesktop => None,
        ClientId::ClaudeCode => Some(("url", Some("http"))),
        ClientId::Cursor => Some(("url", None)),
        ClientId::Windsurf => Some(("serverUrl", None)),
        ClientId::GeminiCli => Some(("httpUrl", None)),
        ClientId::Cline => Some(("url", Some("streamableHttp"))),
        ClientId::RooCode => Some(("url", Some("streamable-http"))),
        ClientId::LmStudio | ClientId::Junie => Some(("url", None)),
        ClientId::Codex => None,
        _ => return None,
    };
    Some(ClientShape {
        native,
        // One answer for add and protect (`protect --via-mcp-remote` writes headers the same way).
        interpolates: crate::protect::remote::expands_variables(client),
    })
}

/// The clients `rekey add` supports, in the UI's order.
pub fn supported_clients() -> Vec<ClientId> {
    crate::clients::all()
        .iter()
        .map(|c| c.id())
        .filter(|c| client_shape(*c).is_some())
        .collect()
}

/// One entry, its values final.
#[derive(Clone)]
pub enum Entry {
    Stdio {
        command: String,
        args: Vec<String>,
        env: Vec<(String, String)>,
    },
    Remote {
        kind: Option<&'static str>,
        url_field: &'static str,
        url: String,
        headers: Vec<(String, String)>,
    },
}

/// `text` with each `{name}` replaced by `values[name]` (`key` for `{key}`).
pub(super) fn fill(text: &str, values: &BTreeMap<String, String>, key: &str) -> String {
    let mut out = String::with_capacity(text.len() + key.len());
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let Some(len) = rest[open..].find('}') else {
            break;
        };
        let name = &rest[open + 1..open + len];
        out.push_str(&rest[..open]);
        match name {
            "key" => out.push_str(key),
            n => out.push_str(values.get(n).map(String::as_str).unwrap_or_default()),
        }
        rest = &rest[open + len + 1..];
    }
    out.push_str(rest);
    out
}

/// The template as one client's entry. `key` is what the configs hold (the key, or `rekey://<id>`);
/// `native` allows the client's own remote fields (a protected entry needs a command to wrap).
/// Also says whether a remote server goes through mcp-remote.
pub fn render(
    t: &Template,
    values: &BTreeMap<String, String>,
    key: &str,
    shape: ClientShape,
    native: bool,
) -> (Entry, bool) {
    let f = |s: &str| fill(s, values, key);
    match &t.run {
        Run::Stdio { command, args, env } => (
            Entry::Stdio {
                command: f(command),
                args: args.iter().map(|a| f(a)).collect(),
                env: env.iter().map(|(k, v)| (k.to_string(), f(v))).collect(),
            },
            false,
        ),
        Run::Remote {
            url,
            headers,
            header_env,
        } => {
            let url = f(url);
            let headers: Vec<(String, String)> =
                headers.iter().map(|(k, v)| (k.to_string(), f(v))).collect();
            if let (true, Some((url_field, kind))) = (native, shape.native) {
                return (
                    Entry::Remote {
                        kind,
                        url_field,
                        url,
                        headers,
                    },
                    false,
                );
            }
            // mcp-remote (geelen/mcp-remote README; providers.md §4.6): a secret header's value sits in
            // the entry's env and the argument names it (`Name:${VAR}`, no space inside the argument).
            let mut args = vec!["-y".to_string(), "mcp-remote".to_string(), url];
            let mut env = Vec::new();
            for ((name, value), (_, raw)) in headers.iter().zip(t.run_headers()) {
                args.push("--header".into());
                if raw.contains("{key}") && !shape.interpolates {
                    args.push(format!("{name}:${{{header_env}}}"));
                    env.push((header_env.to_string(), value.clone()));
                } else {
                    args.push(format!("{name}:{value}"));
                }
            }
            (
                Entry::Stdio {
                    command: "npx".into(),
                    args,
                    env,
                },
                true,
            )
        }
    }
}

impl Template {
    /// The key is one of the local server's arguments (LaunchDarkly's `--api-key <key>`).
    pub fn key_in_args(&self) -> bool {
        matches!(self.run, Run::Stdio { args, .. } if args.iter().any(|a| a.contains("{key}")))
    }

    /// The key is part of the server's URL (Activepieces' `…/mcp/<token>/sse`).
    pub fn key_in_url(&self) -> bool {
        matches!(self.run, Run::Remote { url, .. } if url.contains("{key}"))
    }

    fn run_headers(&self) -> &'static [(&'static str, &'static str)] {
        match self.run {
            Run::Remote { headers, .. } => headers,
            Run::Stdio { .. } => &[],
        }
    }
}

fn json_value(entry: &Entry) -> CstInputValue {
    let s = |v: &str| CstInputValue::String(v.to_string());
    let map = |kv: &[(String, String)]| {
        CstInputValue::Object(kv.iter().map(|(k, v)| (k.clone(), s(v))).collect())
    };
    let mut props = Vec::new();
    match entry {
        Entry::Stdio { command, args, env } => {
            props.push(("command".to_string(), s(command)));
            if !args.is_empty() {
                props.push((
                    "args".to_string(),
                    CstInputValue::Array(args.iter().map(|a| s(a)).collect()),
                ));
            }
            if !env.is_empty() {
                props.push(("env".to_string(), map(env)));
            }
        }
        Entry::Remote {
            kind,
            url_field,
            url,
            headers,
        } => {
            if let Some(k) = kind {
                props.push(("type".to_string(), s(k)));
            }
            props.push((url_field.to_string(), s(url)));
            if !headers.is_empty() {
                props.push(("headers".to_string(), map(headers)));
            }
        }
    }
    CstInputValue::Object(props)
}

/// A TOML basic string.
fn toml_str(v: &str) -> Result<String> {
    crate::edit::toml::escape(v, b'"')
        .map(|e| format!("\"{e}\""))
        .map_err(Error::InvalidInput)
}

/// Codex: `[mcp_servers.<name>]` appended at the end of the file (every byte before it kept).
fn toml_insert(
    loc: &Location,
    current: Option<&[u8]>,
    name: &str,
    entry: &Entry,
) -> Result<String> {
    let path = loc.path.display();
    let text = match current {
        Some(b) => std::str::from_utf8(b)
            .map_err(|_| Error::InvalidInput(format!("{path}: not UTF-8 text")))?
            .to_string(),
        None => String::new(),
    };
    // (toml_edit's error text quotes the offending line, which may hold a key: only its first line and
    // the position are given.)
    crate::edit::toml::parse(&text)
        .map_err(|e| Error::InvalidInput(format!("{path} does not parse: {e}")))?;
    let doc: toml_edit::DocumentMut = text
        .parse()
        .map_err(|_| Error::InvalidInput(format!("{path} does not parse")))?;
    if doc
        .get("mcp_servers")
        .and_then(|t| t.as_table_like())
        .is_some_and(|t| t.contains_key(name))
    {
        return Err(Error::InvalidInput(format!(
            "{path} already has a server named '{name}'"
        )));
    }
    let Entry::Stdio { command, args, env } = entry else {
        return Err(Error::InvalidInput(
            "internal error: Codex entries are written as commands".into(),
        ));
    };
    let nl = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let mut out = text.clone();
    if !out.is_empty() && !out.ends_with('\n') {
        out.push_str(nl);
    }
    if !out.is_empty() {
        out.push_str(nl);
    }
    out.push_str(&format!(
        "[mcp_servers.{name}]{nl}command = {}{nl}",
        toml_str(command)?
    ));
    if !args.is_empty() {
        let list = args
            .iter()
            .map(|a| toml_str(a))
            .collect::<Result<Vec<_>>>()?;
        out.push_str(&format!("args = [{}]{nl}", list.join(", ")));
    }
    if !env.is_empty() {
        let kv = env
            .iter()
            .map(|(k, v)| Ok(format!("{k} = {}", toml_str(v)?)))
            .collect::<Result<Vec<_>>>()?;
        out.push_str(&format!("env = {{ {} }}{nl}", kv.join(", ")));
    }
    crate::edit::toml::parse(&out).map_err(|e| {
        Error::InvalidInput(format!(
            "{path}: a [mcp_servers.{name}] table cannot be added to it ({e}); add the server by hand"
        ))
    })?;
    Ok(out)
}

/// The config's new text with the entry added as server `name` and, with `wrap_bin`, started through
/// `<wrap_bin> exec --`. Refuses a file that does not parse, a name that exists, an entry that would not
/// read back with `key` in it.
pub fn insert(
    loc: &Location,
    current: Option<&[u8]>,
    name: &str,
    entry: &Entry,
    key: &str,
    wrap_bin: Option<&str>,
) -> Result<String> {
    let path = loc.path.display().to_string();
    let mut text = match loc.format {
        Format::Json | Format::Jsonc => crate::edit::add::insert_entry(
            &loc.path,
            current,
            loc.format,
            "mcpServers",
            name,
            json_value(entry),
        )?,
        Format::Toml => toml_insert(loc, current, name, entry)?,
        Format::Yaml => {
            return Err(Error::InvalidInput(format!(
                "{path}: Rekey cannot add servers to YAML configs"
            )))
        }
    };
    if let Some(bin) = wrap_bin {
        use crate::protect::wrap;
        // The new entry is where it was just inserted: under the client's first root.
        let root = match loc.format {
            Format::Toml => "mcp_servers",
            _ => "mcpServers",
        };
        let at = [root.to_string(), name.to_string()];
        let shape = wrap::shape(loc.format, &text, &at);
        let edits = wrap::wrap(loc.format, &shape, bin)
            .and_then(wrap::sorted)
            .map_err(|e| Error::InvalidInput(format!("internal error: {path}: {e}")))?;
        text = String::from_utf8(wrap::apply_edits(text.as_bytes(), &edits))
            .map_err(|_| Error::InvalidInput("internal error: not UTF-8".into()))?;
        let again = wrap::shape(loc.format, &text, &at);
        if !wrap::is_wrapped(&again) {
            return Err(Error::InvalidInput(format!(
                "internal error: {path}: the new entry would not start through rekey exec"
            )));
        }
    }
    // The key must read back where Rekey will look for it (scan, link, rotation).
    let slots = crate::scan::slots_of(loc, text.as_bytes())
        .map_err(|e| Error::InvalidInput(format!("internal error: {path}: {e}")))?;
    if !slots
        .iter()
        .any(|s| s.report.server == name && s.report.project.is_none() && s.value.expose() == key)
    {
        return Err(Error::InvalidInput(format!(
            "internal error: {path}: the key would not read back from the new entry"
        )));
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::add::templates::by_provider;

    fn loc(client: ClientId, format: Format) -> Location {
        Location {
            client,
            path: "/x/config".into(),
            format,
            scope: crate::clients::Scope::User,
            variant: None,
        }
    }

    fn values(kv: &[(&str, &str)]) -> BTreeMap<String, String> {
        kv.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_remote_server_takes_each_clients_shape() {
        let t = by_provider("cloudflare-access").unwrap();
        let v = values(&[
            ("url", "https://mcp.example.com/mcp"),
            ("client_id", "abc.access"),
        ]);
        let key = "s3cr3t-value-0123456789abcdef";
        // Cursor, literal: its own url + headers.
        let (e, via) = render(t, &v, key, client_shape(ClientId::Cursor).unwrap(), true);
        assert!(!via);
        let text = insert(
            &loc(ClientId::Cursor, Format::Jsonc),
            Some(b"{}"),
            "cf",
            &e,
            key,
            None,
        )
        .unwrap();
        let j: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(j["mcpServers"]["cf"]["url"], "https://mcp.example.com/mcp");
        assert_eq!(
            j["mcpServers"]["cf"]["headers"]["CF-Access-Client-Secret"],
            key
        );
        // Claude Desktop: mcp-remote, the secret header from env.
        let (e, via) = render(
            t,
            &v,
            key,
            client_shape(ClientId::ClaudeDesktop).unwrap(),
            true,
        );
        assert!(via);
        let text = insert(
            &loc(ClientId::ClaudeDesktop, Format::Json),
            None,
            "cf",
            &e,
            key,
            None,
        )
        .unwrap();
        let j: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            j["mcpServers"]["cf"]["args"],
            serde_json::json!([
                "-y",
                "mcp-remote",
                "https://mcp.example.com/mcp",
                "--header",
                "CF-Access-Client-Id:abc.access",
                "--header",
                "CF-Access-Client-Secret:${CF_ACCESS_CLIENT_SECRET}"
            ])
        );
        assert_eq!(j["mcpServers"]["cf"]["env"]["CF_ACCESS_CLIENT_SECRET"], key);
        // Claude Code expands ${VAR} itself: protected, the header goes inline; wrapped in rekey exec.
        let r = "rekey://cloudflare-access-0a1b2c";
        let (e, _) = render(t, &v, r, client_shape(ClientId::ClaudeCode).unwrap(), false);
        let text = insert(
            &loc(ClientId::ClaudeCode, Format::Json),
            Some(b"{\"projects\": {}}"),
            "cf",
            &e,
            r,
            Some("/opt/rekey"),
        )
        .unwrap();
        let j: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(j["mcpServers"]["cf"]["command"], "/opt/rekey");
        assert_eq!(
            j["mcpServers"]["cf"]["args"].as_array().unwrap()[0..5],
            [
                serde_json::json!("exec"),
                "--".into(),
                "npx".into(),
                "-y".into(),
                "mcp-remote".into()
            ]
        );
        assert_eq!(
            j["mcpServers"]["cf"]["args"][9],
            format!("CF-Access-Client-Secret:{r}")
        );
        assert!(j["mcpServers"]["cf"].get("env").is_none());
    }

    #[test]
    fn codex_gets_a_table_appended_and_the_rest_of_the_file_stays() {
        let t = by_provider("bitscale").unwrap();
        let key = "rekey://bitscale-0a1b2c";
        let (e, _) = render(
            t,
            &BTreeMap::new(),
            key,
            client_shape(ClientId::Codex).unwrap(),
            false,
        );
        let before = "# mine\r\nmodel = \"o3\"\r\n\r\n[mcp_servers.other]\r\ncommand = \"x\"\r\n";
        let l = loc(ClientId::Codex, Format::Toml);
        let text = insert(
            &l,
            Some(before.as_bytes()),
            "bitscale",
            &e,
            key,
            Some("/opt/rekey"),
        )
        .unwrap();
        assert!(text.starts_with(before), "{text}");
        assert_eq!(
            &text[before.len()..],
            "\r\n[mcp_servers.bitscale]\r\ncommand = \"/opt/rekey\"\r\nargs = [\"exec\", \"--\", \"uvx\", \"bitscale-mcp\"]\r\nenv = { BITSCALE_API_KEY = \"rekey://bitscale-0a1b2c\" }\r\n"
        );
        // The same name again, and a file that does not parse: refused.
        let e2 = insert(&l, Some(text.as_bytes()), "bitscale", &e, key, None).unwrap_err();
        assert!(
            e2.to_string()
                .contains("already has a server named 'bitscale'"),
            "{e2}"
        );
        assert!(insert(&l, Some(b"[broken"), "bitscale", &e, key, None).is_err());
    }

    #[test]
    fn json_that_is_not_an_object_where_servers_go_is_refused() {
        let t = by_provider("bitscale").unwrap();
        let key = "sk-live-0123456789abcdef";
        let (e, _) = render(
            t,
            &BTreeMap::new(),
            key,
            client_shape(ClientId::Cursor).unwrap(),
            true,
        );
        let l = loc(ClientId::Cursor, Format::Jsonc);
        for bad in ["[1]", "{\"mcpServers\": []}", "{\"mcpServers\": 1 // x\n}"] {
            let err = insert(&l, Some(bad.as_bytes()), "bs", &e, key, None).unwrap_err();
            assert!(err.to_string().contains("not an object"), "{bad}: {err}");
        }
    }
}
