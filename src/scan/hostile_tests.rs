//! Files built to crash a reader: deep nesting, huge numbers, many deep values. Each is read by the real
//! scan of its client on a thread with the 2 MiB stack the app's workers have, and must come back as a
//! refusal or a result, never a crash.
use crate::clients::{ClientId, Format, Location, Scope};
use std::path::PathBuf;

fn scan_on_small_stack(client: ClientId, format: Format, text: String) -> Result<usize, String> {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            let loc = Location {
                client,
                path: PathBuf::from("/h/config"),
                format,
                scope: Scope::User,
                variant: None,
            };
            super::slots_of(&loc, text.as_bytes()).map(|s| s.len())
        })
        .unwrap()
        .join()
        .expect("the scan did not crash")
}

#[test]
fn a_json_command_nested_a_hundred_thousand_times_is_read_without_recursing() {
    let n = 100_000;
    let text = format!(
        "{{\"context_servers\": {{\"x\": {}{{\"env\": {{\"API_KEY\": \"sk-live-0123456789abcdef\"}}}}{}}}}}",
        "{\"command\": ".repeat(n),
        "}".repeat(n)
    );
    // Zed's shape one level deep is still found.
    let one = "{\"context_servers\": {\"x\": {\"command\": {\"path\": \"npx\", \"env\": {\"API_KEY\": \"sk-live-0123456789abcdef\"}}}}}";
    assert_eq!(
        scan_on_small_stack(ClientId::Zed, Format::Jsonc, one.into()),
        Ok(1)
    );
    assert!(scan_on_small_stack(ClientId::Zed, Format::Jsonc, text).is_ok());
}

#[test]
fn toml_keys_with_thousands_of_parts_are_refused() {
    let text = format!("{} = \"x\"\n", vec!["a"; 50_000].join("."));
    let e = scan_on_small_stack(ClientId::Codex, Format::Toml, text).unwrap_err();
    assert!(e.contains("dotted parts"), "{e}");
    let header = format!("[{}]\nk = \"v\"\n", vec!["t"; 20_000].join("."));
    assert!(scan_on_small_stack(ClientId::Codex, Format::Toml, header).is_err());
}

#[test]
fn numeric_keys_at_the_integer_limit_are_not_taken_for_neighbours() {
    // `--flag value` pairing looks at neighbouring indices; a key of u64::MAX must not overflow it.
    let text = "[mcp_servers.x]\ncommand = \"npx\"\n[mcp_servers.x.env]\n18446744073709551615 = \"--api-key\"\n0 = \"sk-live-0123456789abcdef\"\n".to_string();
    assert!(scan_on_small_stack(ClientId::Codex, Format::Toml, text).is_ok());
}

#[test]
fn yaml_nested_thousands_deep_or_with_a_million_deep_values_is_refused() {
    let deep = format!("{}x\n", "- ".repeat(10_000));
    let e = scan_on_small_stack(ClientId::Goose, Format::Yaml, deep).unwrap_err();
    assert!(e.contains("levels deep"), "{e}");
    // 120 levels (allowed), then a flow sequence of 60,000 scalars: 7 million path parts.
    let wide = format!("{}[{}]\n", "- ".repeat(120), vec!["x"; 60_000].join(", "));
    let e = scan_on_small_stack(ClientId::Goose, Format::Yaml, wide).unwrap_err();
    assert!(e.contains("too many values"), "{e}");
    // A real-sized file still reads.
    let ok = "extensions:\n  github:\n    cmd: npx\n    envs:\n      GITHUB_TOKEN: ghp_0123456789abcdefghijABCDEFGHIJ012345\n";
    assert_eq!(
        scan_on_small_stack(ClientId::Goose, Format::Yaml, ok.into()),
        Ok(1)
    );
}
