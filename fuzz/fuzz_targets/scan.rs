//! Fuzz slot detection through the engine's real scan: the input, as bytes, becomes the config file of
//! a JSON client (Claude Desktop), a JSONC client (Cursor) and a TOML client (Codex) in a throwaway home,
//! and `rekey::scan::scan` reads them. Whatever a file holds, the scan must never panic (it reports a
//! file it cannot read as an error of that file).
#![no_main]
use libfuzzer_sys::fuzz_target;
use rekey::clients::Env;
use rekey::scan::fingerprint::Fingerprinter;
use rekey::scan::{scan, ScanOptions};
use std::path::PathBuf;
use std::sync::OnceLock;

/// One temp home for the whole run (created once; each input overwrites the three files).
fn home() -> &'static (tempfile::TempDir, [PathBuf; 3]) {
    static HOME: OnceLock<(tempfile::TempDir, [PathBuf; 3])> = OnceLock::new();
    HOME.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        let h = dir.path();
        let files = [
            h.join(".config/Claude/claude_desktop_config.json"),
            h.join(".cursor/mcp.json"),
            h.join(".codex/config.toml"),
        ];
        for f in &files {
            std::fs::create_dir_all(f.parent().unwrap()).unwrap();
        }
        (dir, files)
    })
}

fuzz_target!(|data: &[u8]| {
    let (dir, files) = home();
    for f in files {
        std::fs::write(f, data).unwrap();
    }
    let report = scan(&ScanOptions {
        env: Env::linux_at(dir.path()),
        project_folders: Vec::new(),
        fingerprinter: Fingerprinter::with_key([7; 32]),
    });
    // The report is what the UI and CLI print: serializing it must not panic either.
    let _ = serde_json::to_string(&report);
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = rekey::scan::slots::percent_decode(text);
    }
});
