//! The scan's side of [`crate::exposure`]: what to ask about a report (its literal usages, their keys and
//! the project folders it scanned) and where the answers go (each usage, in both views, and each key; keys
//! most exposed first).

use super::{ScanReport, ValueState};
use crate::clients;
use crate::exposure::{self, Request};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// What an exposure check read, for the CLI's progress and the benchmark.
#[derive(Debug, Clone, Copy, Default)]
pub struct ExposureStats {
    pub repos: usize,
    pub commits: usize,
}

impl ScanReport {
    /// Find where git stands on every literal usage and key (see [`crate::exposure`]); histories are read
    /// until `deadline`. Also searches the histories of `more_folders` (besides the projects scanned).
    pub fn assess_exposure(
        &mut self,
        more_folders: &[PathBuf],
        deadline: Instant,
    ) -> ExposureStats {
        let literal: Vec<usize> = (0..self.internal.len())
            .filter(|&i| {
                self.internal[i].report.state == ValueState::Secret
                    && self.internal[i].report.credential.is_some()
            })
            .collect();
        let mut key_ids: Vec<&str> = Vec::new();
        let mut keys = Vec::new();
        let mut usages: Vec<(&Path, usize)> = Vec::new();
        for &i in &literal {
            let s = &self.internal[i];
            let id = s.report.credential.as_deref().unwrap_or_default();
            let k = match key_ids.iter().position(|c| *c == id) {
                Some(k) => k,
                None => {
                    key_ids.push(id);
                    keys.push(&s.value);
                    key_ids.len() - 1
                }
            };
            usages.push((s.report.file.as_path(), k));
        }
        // Where clients read a project's config, relative to the project.
        let root = Path::new("/rekey-project");
        let mut locations: Vec<String> = clients::all()
            .iter()
            .flat_map(|c| c.project_locations(root))
            .filter_map(|l| {
                let rel = l.path.strip_prefix(root).ok()?;
                let parts: Vec<String> = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                Some(parts.join("/"))
            })
            .collect();
        locations.sort();
        locations.dedup();
        let mut folders = self.projects.clone();
        folders.extend(more_folders.iter().cloned());
        let request = Request {
            usages,
            keys,
            folders,
            locations,
            deadline,
        };
        let found = exposure::assess(&request);
        let key_ids: Vec<String> = key_ids.into_iter().map(str::to_string).collect();
        drop(request);
        for (n, &i) in literal.iter().enumerate() {
            self.internal[i].report.exposure = found.usages[n].clone();
        }
        // Mirror into the per-file and per-key views (the same usage, matched as `assign_credentials` does).
        let internal = &self.internal;
        let of = |file: &Path, server: &str, project: &Option<String>, location: &str| {
            internal
                .iter()
                .find(|i| {
                    i.report.file == file
                        && i.report.server == server
                        && i.report.project == *project
                        && i.report.location == location
                })
                .and_then(|i| i.report.exposure.clone())
        };
        for file in self.files.iter_mut() {
            for server in file.servers.iter_mut() {
                for s in server.slots.iter_mut() {
                    s.exposure = of(&s.file, &server.name, &server.project, &s.location);
                }
            }
        }
        for c in self.credentials.iter_mut() {
            for s in c.slots.iter_mut() {
                s.exposure = of(&s.file, &s.server, &s.project, &s.location);
            }
            c.exposure = key_ids
                .iter()
                .position(|k| *k == c.id)
                .and_then(|k| found.keys[k].clone());
        }
        self.order_by_exposure();
        ExposureStats {
            repos: found.repos,
            commits: found.commits,
        }
    }
}

/// What `exposed.json` keeps of a key found committed or pushed: the value it was found with (its
/// credential id) and where. No secret.
#[derive(serde::Serialize, serde::Deserialize)]
struct Remembered {
    credential: String,
    exposure: exposure::Exposure,
}

impl ScanReport {
    /// A key stays exposed until its value changes: a key found committed or pushed is remembered (by its
    /// id for life, in `exposed.json` in `data_dir`), and a later scan that no longer sees it in git (the
    /// key protected since, its file cleaned) still reports it while the key has the same value. A
    /// rotation or a replace gives the key a new value and ends it. Call after [`Self::assess_exposure`].
    pub fn remember_exposure(&mut self, data_dir: &Path) {
        use exposure::ExposureState;
        let path = data_dir.join("exposed.json");
        let found = self.credentials.iter().any(|c| {
            c.key.is_some()
                && c.exposure
                    .as_ref()
                    .is_some_and(|e| e.state >= ExposureState::Committed)
        });
        if !found && !path.exists() {
            return;
        }
        // A value the report still has is never forgotten (a key's old value left in a file beside its new
        // one is still that key's, and may still be valid).
        let values: std::collections::HashSet<String> =
            self.credentials.iter().map(|c| c.id.clone()).collect();
        let update = |kept: &mut std::collections::BTreeMap<String, Remembered>,
                      credentials: &mut [super::CredentialReport]| {
            let before = serde_json::to_vec(&*kept).unwrap_or_default();
            for c in credentials.iter_mut() {
                let Some(key) = c.key.clone() else { continue };
                match &c.exposure {
                    Some(e) if e.state >= ExposureState::Committed => {
                        kept.insert(
                            key,
                            Remembered {
                                credential: c.id.clone(),
                                exposure: e.clone(),
                            },
                        );
                    }
                    _ => match kept.get(&key) {
                        Some(r) if r.credential == c.id => {
                            c.exposure =
                                exposure::worse(c.exposure.take(), Some(r.exposure.clone()));
                        }
                        // The key has another value now: rotated or replaced.
                        Some(r) if !values.contains(&r.credential) => {
                            kept.remove(&key);
                        }
                        _ => {}
                    },
                }
            }
            serde_json::to_vec(&*kept).unwrap_or_default() != before
        };
        // Written only when it changes (the app scans often), under the file's lock (the app and the CLI
        // may both be scanning): first a look at what is there, then the change under the lock.
        let mut kept: std::collections::BTreeMap<String, Remembered> =
            crate::datafile::read_json(&path).unwrap_or_default();
        // (Attaching is idempotent: done again under the lock, on what the file holds then.)
        if update(&mut kept, &mut self.credentials) {
            let credentials = &mut self.credentials;
            let _ = crate::datafile::update_json(&path, |kept| update(kept, credentials));
        }
        self.order_by_exposure();
    }

    /// Keys most exposed first (stable: the scan's order otherwise), and the count of exposed keys.
    fn order_by_exposure(&mut self) {
        self.credentials
            .sort_by_key(|c| std::cmp::Reverse(c.exposure.as_ref().map(|e| e.state)));
        self.summary.exposed_keys = self
            .credentials
            .iter()
            .filter(|c| c.exposure.as_ref().is_some_and(|e| e.state.is_exposed()))
            .count();
    }
}
