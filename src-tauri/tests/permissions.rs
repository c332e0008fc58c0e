//! Every command the app registers is granted to the window, and nothing else is: a command missing from
//! build.rs's list or from capabilities/main.json fails in the window with "not allowed", which no unit test
//! of the command would see.

use std::collections::BTreeSet;

fn read(path: &str) -> String {
    std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

/// The names inside `tauri::generate_handler![…]` in src/lib.rs (`commands::scan` → `scan`).
fn registered() -> BTreeSet<String> {
    let lib = read("src/lib.rs");
    let start =
        lib.find("generate_handler![").expect("a handler list") + "generate_handler![".len();
    let end = start + lib[start..].find(']').unwrap();
    lib[start..end]
        .split(',')
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .map(|s| s.rsplit("::").next().unwrap().to_string())
        .collect()
}

#[test]
fn every_registered_command_is_in_the_app_manifest_and_the_window_capability() {
    let commands = registered();
    assert!(
        commands.contains("scan") && commands.len() > 20,
        "{commands:?}"
    );
    let build = read("build.rs");
    let list = &build[build.find("const COMMANDS").unwrap()..];
    let list = &list[..list.find("];").unwrap()];
    let manifest: BTreeSet<String> = list
        .split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect();
    assert_eq!(manifest, commands, "build.rs COMMANDS vs generate_handler!");
    let cap: serde_json::Value = serde_json::from_str(&read("capabilities/main.json")).unwrap();
    let granted: BTreeSet<String> = cap["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p.as_str()?.strip_prefix("allow-"))
        .map(|p| p.replace('-', "_"))
        .collect();
    assert_eq!(
        granted, commands,
        "capabilities/main.json vs generate_handler!"
    );
}
