//! What a server entry says besides its secrets (its URLs, the env vars providers ask for), so that
//! linking a key to its provider can read the base URL and ids from the configs that hold it.

use super::ScanReport;
use std::path::PathBuf;

/// One URL (`name` None) or wanted env var of a server entry.
#[derive(Clone)]
pub(crate) struct ServerNote {
    pub file: PathBuf,
    pub server: String,
    pub name: Option<String>,
    pub value: String,
}

impl ScanReport {
    /// The URLs and wanted env vars of the entries that hold a credential (for linking it).
    pub(crate) fn notes_of(&self, credential: &str) -> (Vec<String>, Vec<(String, String)>) {
        let entries: Vec<(&PathBuf, &str)> = self
            .internal
            .iter()
            .filter(|s| s.report.credential.as_deref() == Some(credential))
            .map(|s| (&s.report.file, s.report.server.as_str()))
            .collect();
        let (mut urls, mut env) = (Vec::new(), Vec::new());
        for n in self
            .notes
            .iter()
            .filter(|n| entries.contains(&(&n.file, n.server.as_str())))
        {
            match &n.name {
                None => urls.push(n.value.clone()),
                Some(name) => env.push((name.clone(), n.value.clone())),
            }
        }
        (urls, env)
    }
}
