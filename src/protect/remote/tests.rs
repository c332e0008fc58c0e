use super::*;
use crate::clients::{Location, Scope};
use crate::protect::plan::protect_edits;
use crate::Secret;

const KEY: &str = "bs_live_remote_0123456789abcdef";
const NPX: &str = "/usr/bin/npx";
const REF: &str = "bitscale-1a2b3c";

fn loc(client: ClientId, format: Format, path: &str) -> Location {
    Location {
        client,
        path: PathBuf::from(path),
        format,
        scope: Scope::User,
        variant: None,
    }
}

fn via(choice: Choice) -> Via {
    Via {
        choice,
        npx: Some(NPX.into()),
    }
}

/// Protect `text` with every remote usage chosen: the new text and the records.
fn protect(l: &Location, text: &str) -> (String, Vec<Converted>, Vec<String>) {
    let e = protect_edits(
        l,
        text.as_bytes(),
        &Secret::new(KEY.into()),
        "bitscale-1a2b3c",
        "/opt/rekey",
        &via(Choice::All),
    )
    .unwrap();
    let reasons = e.refused.iter().map(|r| r.reason.clone()).collect();
    let new = String::from_utf8(wrap::apply_edits(text.as_bytes(), &e.edits)).unwrap();
    (new, e.converted, reasons)
}

/// Undo a conversion the way Unprotect does: the pieces back, the reference replaced by the key.
fn undo(l: &Location, text: &str, record: &Converted) -> Option<String> {
    let entry = crate::scan::pointer_keys(record.entry.as_deref().expect("its location"));
    let edits = wrap::sorted(restore(
        l.format,
        text,
        &entry,
        record,
        REF,
        &Secret::new(KEY.into()),
    )?)
    .unwrap();
    let back = String::from_utf8(wrap::apply_edits(text.as_bytes(), &edits)).unwrap();
    Some(back.replace("rekey://bitscale-1a2b3c", KEY))
}

fn roundtrip(l: &Location, before: &str, after: &str) {
    let (new, records, reasons) = protect(l, before);
    assert!(reasons.is_empty(), "{reasons:?}");
    assert_eq!(new, after);
    assert_eq!(records.len(), 1);
    assert!(!serde_json::to_string(&records).unwrap().contains(KEY));
    assert_eq!(
        undo(l, &new, &records[0]).as_deref(),
        Some(before),
        "byte for byte"
    );
}

#[test]
fn json_remote_entries_become_mcp_remote_and_come_back_byte_for_byte() {
    // Cursor: `url` + `headers`, a comment and CRLF kept.
    roundtrip(
        &loc(ClientId::Cursor, Format::Json, "/h/.cursor/mcp.json"),
        &format!("{{\r\n  \"mcpServers\": {{\r\n    \"bs\": {{\r\n      \"url\": \"https://mcp.bitscale.ai/mcp\",\r\n      \"headers\": {{\"Authorization\": \"Bearer {KEY}\", \"X-Team\": \"a b\"}}\r\n    }}\r\n  }}\r\n}}\r\n"),
        "{\r\n  \"mcpServers\": {\r\n    \"bs\": {\r\n      \"command\": \"/opt/rekey\", \"args\": [\"exec\", \"--\", \"/usr/bin/npx\", \"-y\", \"mcp-remote\", \"https://mcp.bitscale.ai/mcp\", \"--header\", \"Authorization:${REKEY_HEADER_AUTHORIZATION}\", \"--header\", \"X-Team:${REKEY_HEADER_X_TEAM}\"],\r\n      \"env\": {\"REKEY_HEADER_AUTHORIZATION\": \"Bearer rekey://bitscale-1a2b3c\", \"REKEY_HEADER_X_TEAM\": \"a b\"}\r\n    }\r\n  }\r\n}\r\n",
    );
    // VS Code: `type: http` becomes stdio and mcp-remote is told the transport.
    roundtrip(
        &loc(ClientId::Vscode, Format::Jsonc, "/h/.config/Code/User/mcp.json"),
        &format!("{{\"servers\": {{\"bs\": {{\"type\": \"sse\", \"url\": \"http://10.0.0.2/sse\", // lan\n \"headers\": {{\"x-api-key\": \"{KEY}\"}}}}}}}}"),
        "{\"servers\": {\"bs\": {\"type\": \"stdio\", \"command\": \"/opt/rekey\", \"args\": [\"exec\", \"--\", \"/usr/bin/npx\", \"-y\", \"mcp-remote\", \"http://10.0.0.2/sse\", \"--transport\", \"sse-only\", \"--allow-http\", \"--header\", \"x-api-key:${REKEY_HEADER_X_API_KEY}\"], // lan\n \"env\": {\"REKEY_HEADER_X_API_KEY\": \"rekey://bitscale-1a2b3c\"}}}}",
    );
    // OpenCode: one `command` array, `environment`, `local`.
    roundtrip(
        &loc(ClientId::Opencode, Format::Jsonc, "/h/.config/opencode/opencode.json"),
        &format!("{{\"mcp\": {{\"bs\": {{\"type\": \"remote\", \"url\": \"https://x.dev/mcp\", \"enabled\": true, \"headers\": {{\"Authorization\": \"Bearer {KEY}\"}}}}}}}}"),
        "{\"mcp\": {\"bs\": {\"type\": \"local\", \"command\": [\"/opt/rekey\", \"exec\", \"--\", \"/usr/bin/npx\", \"-y\", \"mcp-remote\", \"https://x.dev/mcp\", \"--header\", \"Authorization:${REKEY_HEADER_AUTHORIZATION}\"], \"enabled\": true, \"environment\": {\"REKEY_HEADER_AUTHORIZATION\": \"Bearer rekey://bitscale-1a2b3c\"}}}}",
    );
}

#[test]
fn codex_toml_remote_entries_are_converted_both_ways() {
    let l = loc(ClientId::Codex, Format::Toml, "/h/.codex/config.toml");
    roundtrip(
        &l,
        &format!("# mine\n[mcp_servers.bs]\nurl = \"https://x.dev/mcp\" # remote\nhttp_headers = {{ \"Authorization\" = \"Bearer {KEY}\" }}\nenabled = true\n"),
        "# mine\n[mcp_servers.bs]\ncommand = \"/opt/rekey\"\nargs = [\"exec\", \"--\", \"/usr/bin/npx\", \"-y\", \"mcp-remote\", \"https://x.dev/mcp\", \"--header\", \"Authorization:${REKEY_HEADER_AUTHORIZATION}\"] # remote\nenv = { REKEY_HEADER_AUTHORIZATION = \"Bearer rekey://bitscale-1a2b3c\" }\nenabled = true\n",
    );
    roundtrip(
        &l,
        &format!("[mcp_servers.bs]\nurl = 'https://x.dev/mcp'\n\n[mcp_servers.bs.http_headers]\nX-Api-Key = \"{KEY}\"\n"),
        "[mcp_servers.bs]\ncommand = \"/opt/rekey\"\nargs = [\"exec\", \"--\", \"/usr/bin/npx\", \"-y\", \"mcp-remote\", \"https://x.dev/mcp\", \"--header\", \"X-Api-Key:${REKEY_HEADER_X_API_KEY}\"]\n\n[mcp_servers.bs.env]\nREKEY_HEADER_X_API_KEY = \"rekey://bitscale-1a2b3c\"\n",
    );
}

/// A TOML entry written with dotted keys would need the dotted prefix on every new member: refused with
/// the reason (as an inline table is), nothing changes.
#[test]
fn a_dotted_toml_remote_entry_is_refused_with_why() {
    let l = loc(ClientId::Codex, Format::Toml, "/h/.codex/config.toml");
    for dotted in [
        format!("[mcp_servers]\nbs.url = \"https://x.dev/mcp\"\nbs.http_headers = {{ \"Authorization\" = \"Bearer {KEY}\" }}\n"),
        format!("mcp_servers.bs.url = \"https://x.dev/mcp\"\nmcp_servers.bs.http_headers.X-Api-Key = \"{KEY}\"\n"),
    ] {
        let (new, records, reasons) = protect(&l, &dotted);
        assert_eq!(new, dotted, "nothing changes");
        assert!(records.is_empty());
        assert!(
            reasons.join("; ").contains("written with dotted keys; write it as a [table] first"),
            "{reasons:?}"
        );
    }
}

/// Two remote entries of one name under two roots (VS Code reads `servers` and `mcp.servers`): the one
/// holding the key is converted and restored, the other is not touched.
#[test]
fn the_remote_entry_holding_the_key_is_converted_not_the_first_of_its_name() {
    let l = loc(
        ClientId::Vscode,
        Format::Jsonc,
        "/h/.config/Code/User/mcp.json",
    );
    let user = "{\"type\": \"http\", \"url\": \"https://other.dev/mcp\"}";
    let before = format!("{{\"servers\": {{\"bs\": {user}}}, \"mcp\": {{\"servers\": {{\"bs\": {{\"type\": \"http\", \"url\": \"https://x.dev/mcp\", \"headers\": {{\"Authorization\": \"Bearer {KEY}\"}}}}}}}}}}");
    let (new, records, reasons) = protect(&l, &before);
    assert!(reasons.is_empty(), "{reasons:?}");
    assert!(
        new.starts_with(&format!("{{\"servers\": {{\"bs\": {user}}}, ")),
        "{new}"
    );
    assert!(new.contains("mcp-remote") && !new.contains(KEY), "{new}");
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].entry.as_deref(), Some("/mcp/servers/bs"));
    assert_eq!(
        undo(&l, &new, &records[0]).as_deref(),
        Some(before.as_str())
    );
}

#[test]
fn an_entry_changed_since_is_not_restored_wholesale() {
    let l = loc(ClientId::Cursor, Format::Json, "/h/.cursor/mcp.json");
    let before = format!("{{\"mcpServers\": {{\"bs\": {{\"url\": \"https://x.dev/mcp\", \"headers\": {{\"Authorization\": \"Bearer {KEY}\"}}}}}}}}");
    let (new, records, _) = protect(&l, &before);
    let edited = new.replace("\"-y\"", "\"--yes\"");
    assert_eq!(undo(&l, &edited, &records[0]), None);
    // Something else in the file moving does not matter.
    let moved = format!("{{\"other\": 1, {}", &new[1..]);
    assert_eq!(
        undo(&l, &moved, &records[0]).as_deref(),
        Some(format!("{{\"other\": 1, {}", &before[1..]).as_str())
    );
}

#[test]
fn remote_usages_are_offered_not_changed_unless_chosen_and_refused_with_reasons() {
    let l = loc(ClientId::Cursor, Format::Json, "/h/.cursor/mcp.json");
    let text = format!("{{\"mcpServers\": {{\"bs\": {{\"url\": \"https://x.dev/mcp\", \"headers\": {{\"Authorization\": \"Bearer {KEY}\"}}}}}}}}");
    let value = Secret::new(KEY.into());
    let e = protect_edits(
        &l,
        text.as_bytes(),
        &value,
        "r-1",
        "/opt/rekey",
        &via(Choice::None),
    )
    .unwrap();
    assert!(e.edits.is_empty() && e.refused.is_empty());
    assert_eq!(e.offered.len(), 1);
    assert_eq!(e.offered[0].id, "/h/.cursor/mcp.json#bs");
    assert!(!e.offered[0].chosen);
    let only = Choice::Only(vec!["/h/.cursor/mcp.json#bs".into()]);
    let e = protect_edits(&l, text.as_bytes(), &value, "r-1", "/opt/rekey", &via(only)).unwrap();
    assert_eq!(
        (e.usages.len(), e.mcp_remote.as_slice()),
        (1, ["bs".to_string()].as_slice())
    );
    // No npx: cannot, and why.
    let no_npx = Via {
        choice: Choice::All,
        npx: None,
    };
    let e = protect_edits(&l, text.as_bytes(), &value, "r-1", "/opt/rekey", &no_npx).unwrap();
    assert!(e.edits.is_empty());
    assert!(
        e.refused[0]
            .reason
            .contains("needs Node.js (`npx`), which is not on PATH"),
        "{:?}",
        e.refused
    );

    let refused = |t: &str| -> String {
        let (new, _, reasons) = protect(&l, t);
        assert_eq!(new, t, "nothing changes");
        reasons.join("; ")
    };
    let r = refused(&format!("{{\"mcpServers\": {{\"zap\": {{\"url\": \"https://actions.zapier.com/mcp/{KEY}/sse\"}}}}}}"));
    assert!(r.contains("the key is in its URL"), "{r}");
    let r = refused(&format!("{{\"mcpServers\": {{\"bs\": {{\"url\": \"https://x.dev/mcp\", \"oauth\": {{}}, \"headers\": {{\"Authorization\": \"Bearer {KEY}\"}}}}}}}}"));
    assert!(r.contains("also has `oauth`"), "{r}");
    let r = refused(&format!("{{\"mcpServers\": {{\"bs\": {{\"url\": \"https://x.dev/mcp\", \"headers\": {{\"Authorization\": \"Bearer {KEY}\", \"X-Env\": \"${{env:TEAM}}\"}}}}}}}}"));
    assert!(r.contains("uses the client's ${…} variables"), "{r}");
    let r = refused(&format!("{{\"mcpServers\": {{\"bs\": {{\"type\": \"ws\", \"url\": \"wss://x.dev/mcp\", \"headers\": {{\"Authorization\": \"Bearer {KEY}\"}}}}}}}}"));
    assert!(r.contains("transport `ws`"), "{r}");
    assert!(!r.contains(KEY));
}

#[test]
fn npx_is_found_on_path_and_http_hosts_need_allow_http() {
    let dir = tempfile::tempdir().unwrap();
    let npx = dir
        .path()
        .join(if cfg!(windows) { "npx.cmd" } else { "npx" });
    std::fs::write(&npx, "#!/bin/sh\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&npx, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let path = std::env::join_paths([Path::new("/nonexistent-rekey"), dir.path()]).unwrap();
    assert_eq!(find_npx(Some(&path)), Some(npx));
    assert_eq!(find_npx(Some(OsStr::new("/nonexistent-rekey"))), None);
    assert_eq!(find_npx(None), None);
    assert!(needs_allow_http("http://10.0.0.2:8080/sse"));
    assert!(!needs_allow_http("http://localhost:3000/mcp"));
    assert!(!needs_allow_http("http://127.0.0.1/mcp"));
    assert!(!needs_allow_http("https://x.dev/mcp"));
    assert_eq!(var_of("x-api-key"), "REKEY_HEADER_X_API_KEY");
    assert_eq!(host_of("https://u:p@mcp.x.dev:8443/a?k=v"), "mcp.x.dev");
    assert_eq!(host_of("http://[::1]:3000/mcp"), "::1");
}

#[test]
fn clients_that_expand_variables_get_the_headers_inline_and_them_back_byte_for_byte() {
    // Claude Code: `headers` becomes `args` (in its place), the key's place holds the reference.
    roundtrip(
        &loc(ClientId::ClaudeCode, Format::Json, "/h/.claude.json"),
        &format!("{{\"mcpServers\": {{\"bs\": {{\"type\": \"http\", \"url\": \"https://mcp.bitscale.ai/mcp\", \"headers\": {{\"Authorization\": \"Bearer {KEY}\", \"X-Team\": \"a b\"}}}}}}}}"),
        "{\"mcpServers\": {\"bs\": {\"type\": \"stdio\", \"command\": \"/opt/rekey\", \"args\": [\"exec\", \"--\", \"/usr/bin/npx\", \"-y\", \"mcp-remote\", \"https://mcp.bitscale.ai/mcp\", \"--transport\", \"http-only\", \"--header\", \"Authorization:Bearer rekey://bitscale-1a2b3c\", \"--header\", \"X-Team:a b\"]}}}",
    );
    // Gemini CLI: headers before the URL, a comment inside them; no ${…} anywhere.
    roundtrip(
        &loc(ClientId::GeminiCli, Format::Jsonc, "/h/.gemini/settings.json"),
        &format!("{{\"mcpServers\": {{\"bs\": {{\"headers\": {{ // mine\n \"X-API-Key\": \"{KEY}\"}}, \"httpUrl\": \"https://mcp.bitscale.ai/mcp\"}}}}}}"),
        "{\"mcpServers\": {\"bs\": {\"args\": [\"exec\", \"--\", \"/usr/bin/npx\", \"-y\", \"mcp-remote\", \"https://mcp.bitscale.ai/mcp\", \"--transport\", \"http-only\", \"--header\", \"X-API-Key:rekey://bitscale-1a2b3c\"], \"command\": \"/opt/rekey\"}}}",
    );
}

#[test]
fn a_damaged_index_record_is_not_applied_and_does_not_panic() {
    let l = loc(ClientId::Cursor, Format::Json, "/h/.cursor/mcp.json");
    let before = format!("{{\"mcpServers\": {{\"bs\": {{\"url\": \"https://mcp.bitscale.ai/mcp\", \"headers\": {{\"Authorization\": \"Bearer {KEY}\"}}}}}}}}");
    let (new, records, _) = protect(&l, &before);
    let entry = crate::scan::pointer_keys(records[0].entry.as_deref().unwrap());
    for (start, end) in [
        (1_000_000_000, 0),
        (usize::MAX, usize::MAX),
        (5, 3),
        (0, 1_000_000),
    ] {
        let mut r = records[0].clone();
        r.undo[0].start = start;
        r.undo[0].end = end;
        assert!(
            restore(l.format, &new, &entry, &r, REF, &Secret::new(KEY.into())).is_none(),
            "{start}..{end}"
        );
    }
}
