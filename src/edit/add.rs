//! Add a new MCP server entry to a client's config, in that client's own shape, keeping every other byte's
//! meaning and the file's style (comments, order, indentation) through jsonc-parser's CST. This is a rare,
//! small edit (the wizard's "add an MCP server"); keys in existing entries are edited by `json.rs`.

use crate::clients::{ClientId, Format};
use crate::edit::atomic::{self, Expected, Splice};
use crate::edit::backup::Backups;
use crate::edit::json::{self, Dialect};
use crate::{Error, Result};
use jsonc_parser::cst::{CstInputValue, CstRootNode};
use jsonc_parser::ParseOptions;
use std::path::Path;

/// The entry for a remote MCP server at `url`, in the client's shape: Claude Desktop runs it through
/// `npx -y mcp-remote <url>`; Cursor connects to `url` itself. Other clients: not supported here.
pub fn entry_for(client: ClientId, url: &str) -> Option<CstInputValue> {
    let s = |v: &str| CstInputValue::String(v.to_string());
    match client {
        ClientId::ClaudeDesktop => Some(CstInputValue::Object(vec![
            ("command".into(), s("npx")),
            (
                "args".into(),
                CstInputValue::Array(vec![s("-y"), s("mcp-remote"), s(url)]),
            ),
        ])),
        ClientId::Cursor => Some(CstInputValue::Object(vec![("url".into(), s(url))])),
        _ => None,
    }
}

/// Add server `name` to the `mcpServers` object of the config at `path` (created, private, if missing).
/// Refuses a name that exists, a file that does not parse, and a file that changes meanwhile; backs the
/// file up first and writes atomically.
pub fn add_server(
    path: &Path,
    client: ClientId,
    format: Format,
    name: &str,
    url: &str,
    backups: &Backups,
) -> Result<()> {
    let entry = entry_for(client, url).ok_or_else(|| {
        Error::InvalidInput("Rekey can add servers to Claude Desktop and Cursor only".into())
    })?;
    let current = read_existing(path)?;
    let new = insert_entry(path, current.as_deref(), format, "mcpServers", name, entry)?;
    write_config(path, current.as_deref(), new.as_bytes(), backups)
}

/// The config's bytes, or `None` when it does not exist yet.
pub fn read_existing(path: &Path) -> Result<Option<Vec<u8>>> {
    match super::read::read(path) {
        Ok(b) => Ok(Some(b)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(path, e)),
    }
}

/// The text of a JSON/JSONC config (`current`, or `{}` when it does not exist) with `entry` appended as
/// server `name` of its `root` object, every other byte kept. Refuses a file that is not UTF-8 or does
/// not parse (strict JSON stays strict), and a name that exists.
pub fn insert_entry(
    path: &Path,
    current: Option<&[u8]>,
    format: Format,
    root: &str,
    name: &str,
    entry: CstInputValue,
) -> Result<String> {
    if name.trim().is_empty() {
        return Err(Error::InvalidInput("the server needs a name".into()));
    }
    let dialect = if format == Format::Json {
        Dialect::Json
    } else {
        Dialect::Jsonc
    };
    let text = match current {
        Some(b) => std::str::from_utf8(b)
            .map_err(|_| Error::InvalidInput(format!("{}: not UTF-8 text", path.display())))?
            .to_string(),
        None => "{}\n".to_string(),
    };
    // Our own validator decides whether the file is acceptable (strict JSON stays strict).
    json::walk(&text, dialect, |_| {})
        .map_err(|e| Error::InvalidInput(format!("{} does not parse: {e}", path.display())))?;
    let root_node = CstRootNode::parse(&text, &ParseOptions::default())
        .map_err(|e| Error::InvalidInput(format!("{} does not parse: {e}", path.display())))?;
    let top = root_node.object_value_or_create().ok_or_else(|| {
        Error::InvalidInput(format!(
            "{}: the top level is not an object",
            path.display()
        ))
    })?;
    let servers = top.object_value_or_create(root).ok_or_else(|| {
        Error::InvalidInput(format!("{}: its `{root}` is not an object", path.display()))
    })?;
    if servers.get(name).is_some() {
        return Err(Error::InvalidInput(format!(
            "{} already has a server named '{name}'",
            path.display()
        )));
    }
    servers.append(name, entry);
    let new = root_node.to_string();
    json::walk(&new, dialect, |_| {}).map_err(|e| {
        Error::InvalidInput(format!(
            "internal error: the edited file would not parse ({e})"
        ))
    })?;
    Ok(new)
}

/// Write a config's new content: an existing file (`current`: the bytes the edit was made from) is
/// locked, re-checked, backed up and replaced atomically; a missing one is created, private.
pub fn write_config(
    path: &Path,
    current: Option<&[u8]>,
    new: &[u8],
    backups: &Backups,
) -> Result<()> {
    match current {
        Some(old) => {
            let expected = Expected::hash(atomic::content_hash(old));
            atomic::replace_file(path, &expected, backups, |now| {
                Ok(Splice::whole(now.len(), new.to_vec()))
            })
            .map(|_| ())
            .map_err(|e| Error::InvalidInput(e.to_string()))
        }
        None => {
            if path.exists() {
                return Err(Error::InvalidInput(format!(
                    "{}: created by someone else since the plan; nothing was written",
                    path.display()
                )));
            }
            let dir = path.parent().unwrap_or(Path::new("."));
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
            // It holds a token: the temp file it is written through is private (0600) from its first
            // byte and a new file keeps that mode, so the config is never readable by others, not even
            // for an instant or as a leftover of a killed run.
            atomic::write_atomic_at(path, &[new], Some("add-temp-write"))
                .map_err(|e| Error::io(path, e))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn backups(dir: &Path) -> Backups {
        Backups::new(dir.join("backups"))
    }

    #[test]
    fn an_entry_is_added_in_each_clients_shape_and_the_rest_of_the_file_keeps_its_style() {
        let dir = tempfile::tempdir().unwrap();
        let url = "https://cloud.activepieces.com/api/v1/mcp/abc123/sse";
        // Claude Desktop: strict JSON with a server already there.
        let claude = dir.path().join("claude_desktop_config.json");
        let original = "{\n  \"mcpServers\": {\n    \"a\": { \"command\": \"uvx\" }\n  },\n  \"globalShortcut\": \"\"\n}\n";
        std::fs::write(&claude, original).unwrap();
        add_server(
            &claude,
            ClientId::ClaudeDesktop,
            Format::Json,
            "activepieces",
            url,
            &backups(dir.path()),
        )
        .unwrap();
        let after = std::fs::read_to_string(&claude).unwrap();
        let v: serde_json::Value = serde_json::from_str(&after).unwrap();
        assert_eq!(
            v["mcpServers"]["activepieces"]["args"],
            serde_json::json!(["-y", "mcp-remote", url])
        );
        assert_eq!(v["mcpServers"]["a"]["command"], "uvx");
        assert!(
            after.starts_with("{\n  \"mcpServers\": {\n    \"a\": { \"command\": \"uvx\" },"),
            "{after}"
        );
        assert!(
            after.ends_with("  \"globalShortcut\": \"\"\n}\n"),
            "{after}"
        );
        assert_eq!(
            backups(dir.path()).list().unwrap().len(),
            1,
            "backed up first"
        );
        // The same name again is refused and changes nothing.
        assert!(add_server(
            &claude,
            ClientId::ClaudeDesktop,
            Format::Json,
            "activepieces",
            url,
            &backups(dir.path())
        )
        .is_err());
        assert_eq!(std::fs::read_to_string(&claude).unwrap(), after);

        // Cursor: JSONC with a comment, no mcpServers yet.
        let cursor = dir.path().join("mcp.json");
        std::fs::write(&cursor, "{\n  // my settings\n  \"other\": 1\n}\n").unwrap();
        add_server(
            &cursor,
            ClientId::Cursor,
            Format::Jsonc,
            "activepieces",
            url,
            &backups(dir.path()),
        )
        .unwrap();
        let after = std::fs::read_to_string(&cursor).unwrap();
        assert!(
            after.contains("// my settings") && after.contains("\"other\": 1"),
            "{after}"
        );
        assert!(after.contains(&format!("\"url\": \"{url}\"")), "{after}");
        json::walk(&after, Dialect::Jsonc, |_| {}).unwrap();

        // A missing file is created, private.
        let fresh = dir.path().join("new/mcp.json");
        add_server(
            &fresh,
            ClientId::Cursor,
            Format::Jsonc,
            "ap",
            url,
            &backups(dir.path()),
        )
        .unwrap();
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&fresh).unwrap()).unwrap();
        assert_eq!(v["mcpServers"]["ap"]["url"], url);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&fresh).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }

        // A strict file with a comment does not parse: refused, untouched.
        let bad = dir.path().join("bad.json");
        std::fs::write(&bad, "{ // no\n}").unwrap();
        assert!(add_server(
            &bad,
            ClientId::ClaudeDesktop,
            Format::Json,
            "x",
            url,
            &backups(dir.path())
        )
        .is_err());
        assert_eq!(std::fs::read_to_string(&bad).unwrap(), "{ // no\n}");
        // Other clients are not supported by this step.
        assert!(add_server(
            &cursor,
            ClientId::Zed,
            Format::Jsonc,
            "y",
            url,
            &backups(dir.path())
        )
        .is_err());
    }
}
