//! What the change-pipeline tests (`change_engine.rs`, `review_findings.rs`, `review2_findings.rs`) ask of
//! a temp home through the CLI: its scan, a config's text, the history, a protect.
use super::fixture::{ok, run};
use super::TempHome;
use serde_json::Value;

pub const CLAUDE: &str = "config/Claude/claude_desktop_config.json";
pub const CURSOR: &str = "home/.cursor/mcp.json";

/// `rekey scan --json`.
pub fn scan(home: &TempHome) -> Value {
    serde_json::from_str(&ok(&run(home, &["scan", "--json"], "", &[]))).unwrap()
}

/// The text of the file at `rel` in the temp home.
pub fn read(home: &TempHome, rel: &str) -> String {
    std::fs::read_to_string(home.dir.path().join(rel)).unwrap()
}

/// `rekey history --json`, oldest first.
pub fn history(home: &TempHome) -> Vec<Value> {
    let h: Value = serde_json::from_str(&ok(&run(home, &["history", "--json"], "", &[]))).unwrap();
    h.as_array().unwrap().clone()
}

/// `rekey protect <cred> --yes --json`: the reference id it made.
pub fn protect(home: &TempHome, cred: &str) -> String {
    let a: Value = serde_json::from_str(&ok(&run(
        home,
        &["protect", cred, "--yes", "--json"],
        "",
        &[("PATH", "/usr/bin:/bin")],
    )))
    .unwrap();
    a["reference"].as_str().unwrap().to_string()
}
