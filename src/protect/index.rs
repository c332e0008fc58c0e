//! Which credential each reference holds: `protected.json` in the data dir (no secrets).
//!
//! A credential id is a keyed fingerprint of the key's value, and links, the journal and the app name
//! keys by it. A config that holds only `rekey://<id>` says nothing about the value, and reading the
//! keychain during every scan would be slow (and, on macOS, a prompt). So Protect records, for each
//! reference id, the credential id of the key it stored, its masked form and its provider; the scan
//! ([`attach`]) reports a reference's usages under that credential, so a protected key keeps its id, its
//! link and its place in the key list, and a key used both literally and through a reference is one
//! credential. A rotation of the key updates the keychain entry `ref:<id>` and moves the reference to the
//! new credential id (as it moves the link). The keychain stays the truth for the value: a rotation
//! reads the current key from `ref:<id>` and refuses if its fingerprint is not the recorded credential.

use crate::scan::{CredentialReport, ScanReport};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What one reference holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Protected {
    /// The credential id (fingerprint) of the key in `ref:<id>`.
    pub credential: String,
    /// The key, masked (`bs_l…cdef`).
    pub masked: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// Remote entries Protect ran through mcp-remote for this reference (what Unprotect undoes).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub remote: Vec<super::remote::Converted>,
}

/// `protected.json`: reference id → [`Protected`].
pub struct Index {
    path: PathBuf,
}

impl Index {
    pub fn new(data_dir: &Path) -> Self {
        Index {
            path: data_dir.join("protected.json"),
        }
    }

    pub fn all(&self) -> std::io::Result<BTreeMap<String, Protected>> {
        crate::datafile::read_json(&self.path)
    }

    /// The reference ids that hold `credential`.
    pub fn refs_of(&self, credential: &str) -> std::io::Result<Vec<String>> {
        Ok(self
            .all()?
            .into_iter()
            .filter(|(_, p)| p.credential == credential)
            .map(|(id, _)| id)
            .collect())
    }

    /// Record what `id` holds. The mcp-remote conversions already recorded for it stay (a second Protect or
    /// a `rekey add` reusing the reference must not forget what an earlier one converted): `p.remote` adds to
    /// them.
    pub fn set(&self, id: &str, mut p: Protected) -> std::io::Result<()> {
        self.update(|all| {
            if let Some(old) = all.remove(id) {
                let mut remote = old.remote;
                // A newer conversion of the same entry replaces the older record.
                remote.retain(|o| {
                    !p.remote
                        .iter()
                        .any(|c| c.file == o.file && c.server == o.server && c.project == o.project)
                });
                remote.append(&mut p.remote);
                p.remote = remote;
            }
            all.insert(id.to_string(), p);
        })
    }

    pub fn remove(&self, id: &str) -> std::io::Result<()> {
        self.update(|all| {
            all.remove(id);
        })
    }

    /// After a rotation, the references that held `old` hold `new` (its id and masked form).
    pub fn rotated(&self, refs: &[String], new: &str, masked: &str) -> std::io::Result<()> {
        self.update(|all| {
            for id in refs {
                if let Some(p) = all.get_mut(id) {
                    p.credential = new.to_string();
                    p.masked = masked.to_string();
                }
            }
        })
    }

    /// Read, change, write under a lock (`protected.json.lock`), private and atomic.
    fn update(&self, change: impl FnOnce(&mut BTreeMap<String, Protected>)) -> std::io::Result<()> {
        crate::datafile::update_json(&self.path, change)
    }
}

/// A key's value changed (a rotation, a manual replace): each keychain entry `ref:<id>` of `refs` takes
/// `new` (checked by reading it back), and the index moves the references that did to `new_credential`,
/// so the configs, which hold only `rekey://<id>`, need no change. Returns how many moved and, for people,
/// what is still on the old key.
pub fn move_references(
    data_dir: &std::path::Path,
    vault: &crate::vault::Vault,
    refs: &[String],
    new_credential: &str,
    new: &crate::Secret,
    masked: &str,
) -> (usize, Vec<String>) {
    let mut left = Vec::new();
    let mut done = Vec::new();
    for id in refs {
        let account = super::account_of(id);
        let stored = vault
            .store(&account, new)
            .and_then(|()| vault.get(&account))
            .map(|back| back == *new);
        match stored {
            Ok(true) => done.push(id.clone()),
            Ok(false) => left.push(format!(
                "the keychain entry of rekey://{id} did not take the new key"
            )),
            Err(e) => left.push(format!(
                "the keychain entry of rekey://{id} still holds the old key ({e})"
            )),
        }
    }
    // (Nothing to move when no reference took the key: the index is not rewritten.)
    if !done.is_empty() {
        if let Err(e) = Index::new(data_dir).rotated(&done, new_credential, masked) {
            left.push(format!(
                "Rekey's list of protected keys could not be updated ({e})"
            ));
        }
    }
    (done.len(), left)
}

/// Report every `rekey://<id>` usage the index knows under its credential: the slot gets the credential
/// id, and the credential (made if the configs hold the key nowhere literally) lists it. Usages of
/// references the index does not know stay `reference` without a credential.
pub fn attach(report: &mut ScanReport, index: &BTreeMap<String, Protected>) {
    for slot in report.internal.iter_mut() {
        let Some(id) = reference_id(slot.value.expose()) else {
            continue;
        };
        let Some(p) = index.get(id) else { continue };
        slot.report.credential = Some(p.credential.clone());
        let provider = p
            .provider
            .as_deref()
            .and_then(crate::providers::by_id)
            .map(|pr| pr.id())
            .or(slot.report.provider);
        slot.report.provider = provider;
        let c = match report.credentials.iter_mut().find(|c| c.id == p.credential) {
            Some(c) => c,
            None => {
                report.credentials.push(CredentialReport {
                    id: p.credential.clone(),
                    key: None,
                    name: None,
                    superseded: false,
                    masked: p.masked.clone(),
                    provider,
                    usages: 0,
                    slots: Vec::new(),
                    exposure: None,
                });
                report.credentials.last_mut().expect("just pushed")
            }
        };
        c.usages += 1;
        c.provider = c.provider.or(provider);
        c.slots.push(slot.report.clone());
    }
    report.credentials.sort_by(|a, b| a.id.cmp(&b.id));
    // Mirror into the per-file view.
    for file in report.files.iter_mut() {
        for server in file.servers.iter_mut() {
            for s in server.slots.iter_mut() {
                if s.credential.is_some() {
                    continue;
                }
                if let Some(i) = report.internal.iter().find(|i| {
                    i.report.file == s.file
                        && i.report.server == server.name
                        && i.report.project == s.project
                        && i.report.location == s.location
                }) {
                    s.credential = i.report.credential.clone();
                    s.provider = i.report.provider;
                }
            }
        }
    }
}

pub use crate::scan::refs::reference_id;

/// The references of `credential` and the key they hold, read from the keychain (`ref:<id>`) and checked
/// against the credential id: `(vec![], None)` when the key is not protected.
pub fn protected_key(
    ctx: &crate::context::Context,
    vault: &crate::vault::Vault,
    credential: &str,
) -> crate::Result<(Vec<String>, Option<crate::Secret>)> {
    let refs = Index::new(&ctx.data_dir)
        .refs_of(credential)
        .map_err(|e| crate::Error::io(ctx.data_dir.join("protected.json"), e))?;
    let Some(first) = refs.first() else {
        return Ok((refs, None));
    };
    let value = vault.get(&super::account_of(first))?;
    let fp = crate::scan::fingerprint::Fingerprinter::load_or_create(&ctx.data_dir)
        .map_err(|e| crate::Error::io(&ctx.data_dir, e))?;
    if fp.id(value.expose()) != credential {
        return Err(crate::Error::InvalidInput(format!(
            "the keychain entry of rekey://{first} no longer holds the key {credential} (it was changed outside Rekey); run `rekey scan` and protect the key again"
        )));
    }
    Ok((refs, Some(value)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protect::remote::Converted;

    fn converted(server: &str, hash: &str) -> Converted {
        Converted {
            file: PathBuf::from("/cfg/mcp.json"),
            server: server.into(),
            project: None,
            entry: None,
            hash: hash.into(),
            undo: Vec::new(),
        }
    }

    fn protected(remote: Vec<Converted>) -> Protected {
        Protected {
            credential: "cred_1".into(),
            masked: "bs_l…cdef".into(),
            provider: None,
            remote,
        }
    }

    #[test]
    fn setting_a_reference_again_keeps_what_earlier_protects_converted() {
        let dir = tempfile::tempdir().unwrap();
        let index = Index::new(dir.path());
        index
            .set(
                "bitscale-1a2b3c",
                protected(vec![converted("a", "h1"), converted("b", "h2")]),
            )
            .unwrap();
        // A later Protect (or `rekey add`) of the same key converts nothing, or converts `b` again.
        index.set("bitscale-1a2b3c", protected(vec![])).unwrap();
        index
            .set("bitscale-1a2b3c", protected(vec![converted("b", "h3")]))
            .unwrap();
        let all = index.all().unwrap();
        let hashes: Vec<&str> = all["bitscale-1a2b3c"]
            .remote
            .iter()
            .map(|c| c.hash.as_str())
            .collect();
        assert_eq!(hashes, ["h1", "h3"]);
    }
}
