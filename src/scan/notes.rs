//! What a server entry says besides where its secrets sit: a remote entry as its client connects to it
//! (for the post-rotation handshake), and its URLs and the env vars providers ask for, so that linking a
//! key to its provider can read the base URL and ids from the configs that hold it.

use super::{slots, ScanReport};
use crate::Secret;
use serde::Serialize;
use std::path::PathBuf;
use ts_rs::TS;

/// A remote MCP server entry as its client would connect to it.
#[derive(Clone)]
pub(crate) struct RemoteServer {
    pub file: PathBuf,
    pub server: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
}

/// Debug output never shows a URL or header value (they hold keys): only where the entry is.
impl std::fmt::Debug for RemoteServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteServer")
            .field("file", &self.file)
            .field("server", &self.server)
            .finish_non_exhaustive()
    }
}

impl RemoteServer {
    /// This entry after a rewrite of `old` to `new` (raw in headers, raw or percent-encoded in the URL).
    pub fn with_secret(&self, old: &Secret, new: &Secret) -> RemoteServer {
        let swap = |s: &str| {
            s.replace(old.expose(), new.expose()).replace(
                &slots::percent_encode(old.expose()),
                &slots::percent_encode(new.expose()),
            )
        };
        RemoteServer {
            file: self.file.clone(),
            server: self.server.clone(),
            url: swap(&self.url),
            headers: self
                .headers
                .iter()
                .map(|(k, v)| (k.clone(), swap(v)))
                .collect(),
        }
    }
}

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

/// A server entry that starts `rekey exec --` from a path that no longer exists or cannot run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct StaleRekey {
    pub file: PathBuf,
    pub client: crate::clients::ClientId,
    pub server: String,
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    /// The `rekey` path the entry starts.
    pub command: String,
    /// `missing` or `not-executable`.
    pub problem: String,
    /// What to tell the user.
    pub warning: String,
}
