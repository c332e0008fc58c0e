//! README.md's provider table and docs/clients.md's client table are generated from the adapters
//! (`rekey::catalog`): this test fails when they are stale. `REKEY_BLESS=1 cargo test -p rekey --test readme`
//! rewrites them. README.md stays under 15 kB (the details live in docs/).

use std::path::Path;

fn section(text: &str, name: &str) -> Option<(usize, usize)> {
    let begin = format!("<!-- {name}:begin -->\n");
    let end = format!("<!-- {name}:end -->");
    let b = text.find(&begin)? + begin.len();
    let e = b + text[b..].find(&end)?;
    Some((b, e))
}

fn check(file: &str, name: &str, generated: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    let (b, e) =
        section(&text, name).unwrap_or_else(|| panic!("{file} lacks <!-- {name}:begin/end -->"));
    if &text[b..e] == generated {
        return;
    }
    if std::env::var_os("REKEY_BLESS").is_some() {
        let mut new = text.clone();
        new.replace_range(b..e, generated);
        std::fs::write(&path, new).unwrap();
        return;
    }
    panic!(
        "{file}'s {name} table is stale: run `REKEY_BLESS=1 cargo test -p rekey --test readme`\n\
         --- README\n{}\n--- generated\n{generated}",
        &text[b..e]
    );
}

#[test]
fn readme_stays_short() {
    let size = std::fs::metadata(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .unwrap()
        .len();
    assert!(
        size < 15_000,
        "README.md is {size} bytes: move details to docs/"
    );
}

#[test]
fn client_table_is_current() {
    check(
        "docs/clients.md",
        "clients",
        &rekey::catalog::clients_markdown(),
    );
}

#[test]
fn provider_table_is_current() {
    check(
        "README.md",
        "providers",
        &rekey::catalog::providers_markdown(),
    );
}

#[test]
fn scan_json_doc_names_every_client_id() {
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/scan-json.md"))
            .unwrap();
    for c in rekey::clients::all() {
        let id = serde_json::to_value(c.id()).unwrap();
        let id = id.as_str().unwrap();
        assert!(
            doc.contains(&format!("`{id}`")),
            "docs/scan-json.md does not list the client id `{id}`"
        );
    }
}
