//! The rotation journal (rotations' own, richer change journal; other kinds use `changes/`): one fsynced JSON file per rotation in `journal/`, updated at every step, so a
//! crash at any instant leaves enough to finish or to tell the user exactly what to check.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

pub use crate::change::Step;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FileState {
    pub path: PathBuf,
    pub written: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

pub use crate::change::{process_start, Owner};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Entry {
    pub id: String,
    pub started: String,
    pub provider: String,
    /// The credential's id before the rotation.
    pub credential: String,
    /// The new credential id (its fingerprint), once the new secret is known. The secret itself is in
    /// the keychain under `credential:<new_credential>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_credential: Option<String>,
    /// At most the first 4 and last 4 characters of the new key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_masked: Option<String>,
    pub step: Step,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default)]
    pub files: Vec<FileState>,
    /// Who runs (or ran) this rotation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Owner>,
    /// The keychain account that holds the new key (`rotation:<id>`: known before the provider is called,
    /// so a stop at any instant after the key is stored leaves it findable from the intent alone).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// BLAKE3 of the one-time reveal token handed to the app with the outcome (never the token).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reveal_hash: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub revealed: bool,
    /// Why verification failed, when it did (also with `Incomplete`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verify_error: Option<String>,
    /// The usages still on the old key when the rotation ended (`Incomplete`), for people to read.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub left: Vec<String>,
    /// Config files that held the old key but did not parse when the rotation ran (Finish looks again).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unparsed: Vec<PathBuf>,
    /// The user allowed the rotation although some config holding the key does not parse.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub despite_unparsed: bool,
    /// How the key is replaced (absent in entries of rotate-in-place or with-grace rotations).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<crate::providers::Model>,
    /// Create-then-revoke: the provider's id of the key being replaced (not a secret).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old_key_id: Option<String>,
    /// Create-then-revoke: the provider's id of the new key (not a secret), journaled as soon as the
    /// provider answers, so recovery or a rollback can delete the key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_key_id: Option<String>,
    /// Create-then-revoke: the keychain account that holds the old key until it is revoked (a rollback
    /// puts it back in the configs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old_account: Option<String>,
    /// The `rekey://` references that hold the key (keychain entries `ref:<id>`): the rotation puts the
    /// new key there too (recovery and Finish do it again if the process stopped before).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub refs: Vec<String>,
    /// Create-then-revoke rollback: the new key was deleted at the provider.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub new_key_deleted: bool,
    /// Where git had the old key when this rotation replaced it ("pushed to origin (github.com) in commit
    /// …"): the history line keeps the fact after the scan no longer shows it. No secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exposed: Option<String>,
}

impl Entry {
    pub fn create_then_revoke(&self) -> bool {
        self.model == Some(crate::providers::Model::CreateThenRevoke)
    }

    /// Stopped mid-way (recovery's job): an interrupted step, or a create-then-revoke rotation that was
    /// verified but stopped before it revoked the old key.
    pub fn interrupted(&self) -> bool {
        self.step.interrupted() || (self.create_then_revoke() && self.step == Step::Verified)
    }
}

pub struct Journal {
    dir: PathBuf,
}

impl Journal {
    pub fn new(data_dir: &Path) -> Self {
        Journal {
            dir: data_dir.join("journal"),
        }
    }

    /// Save an entry. Its texts pass the scrubbing boundary (URL queries and userinfo) on the way.
    pub fn save(&self, e: &Entry) -> std::io::Result<()> {
        if !valid_id(&e.id) {
            return Err(std::io::Error::other(format!(
                "not a rotation id: {:?}",
                e.id
            )));
        }
        let mut e = e.clone();
        e.message = e.message.as_deref().map(crate::scrub::text);
        e.verify_error = e.verify_error.as_deref().map(crate::scrub::text);
        for f in e.files.iter_mut() {
            f.error = f.error.as_deref().map(crate::scrub::text);
        }
        crate::datafile::write_json(&self.dir.join(format!("{}.json", e.id)), &e)
    }

    /// One rotation's entry, read from its own file (ids are `<time>-<pid>`: anything else is no id).
    pub fn get(&self, id: &str) -> std::io::Result<Option<Entry>> {
        if !valid_id(id) {
            return Ok(None);
        }
        let path = self.dir.join(format!("{id}.json"));
        match std::fs::read(&path) {
            Ok(b) => serde_json::from_slice(&b)
                .map(Some)
                .map_err(|e| std::io::Error::other(format!("{}: {e}", path.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Every entry that reads back. A file that does not (see [`Journal::unreadable`]) is skipped, so
    /// one damaged file does not stop the recovery of the others.
    pub fn all(&self) -> std::io::Result<Vec<Entry>> {
        Ok(self.read_all()?.0)
    }

    /// Journal files that cannot be read back (damaged, or edited by hand), and why: `rekey recover`
    /// names them.
    pub fn unreadable(&self) -> std::io::Result<Vec<(std::path::PathBuf, String)>> {
        Ok(self.read_all()?.1)
    }

    #[allow(clippy::type_complexity)]
    fn read_all(&self) -> std::io::Result<(Vec<Entry>, Vec<(std::path::PathBuf, String)>)> {
        let (mut out, mut bad) = (Vec::new(), Vec::new());
        let rd = match std::fs::read_dir(&self.dir) {
            Ok(rd) => rd,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((out, bad)),
            Err(e) => return Err(e),
        };
        for f in rd.flatten() {
            let path = f.path();
            if path.extension().is_none_or(|x| x != "json") {
                continue;
            }
            let e: Entry = match std::fs::read(&path)
                .map_err(|e| e.to_string())
                .and_then(|b| serde_json::from_slice(&b).map_err(|e| e.to_string()))
            {
                Ok(e) => e,
                Err(why) => {
                    bad.push((path, why));
                    continue;
                }
            };
            // An entry is its own file's: one whose id names another file (edited or damaged) would
            // make Rekey write there.
            if path.file_stem().and_then(|s| s.to_str()) == Some(e.id.as_str()) {
                out.push(e);
            } else {
                bad.push((path, "its id names another file".into()));
            }
        }
        out.sort_by(|a: &Entry, b: &Entry| a.started.cmp(&b.started));
        bad.sort();
        Ok((out, bad))
    }

    /// Rotations a crash or a kill stopped mid-way (recovery's job).
    pub fn interrupted(&self) -> std::io::Result<Vec<Entry>> {
        Ok(self
            .all()?
            .into_iter()
            .filter(|e| e.interrupted())
            .collect())
    }
}

/// Rotation ids are `<time>-<pid>`: letters, digits, `-`, `.`, `_`, not starting with `.`.
fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'))
        && !id.starts_with('.')
}

/// A key made by a rotation that is not finished must not be changed again before it is: a rotation of
/// it (finishing the first would then write a key the second already revoked), a manual replace (the
/// first could then neither be rolled back nor its old key revoked), … Why, with the commands that deal
/// with it; `None` when no such rotation made `credential`.
pub fn unfinished_maker(data_dir: &std::path::Path, credential: &str) -> Option<String> {
    let entries = Journal::new(data_dir).all().ok()?;
    let e = entries.iter().rev().find(|e| {
        e.new_credential.as_deref() == Some(credential)
            && (e.step == Step::Incomplete
                || e.step.interrupted()
                || (e.create_then_revoke()
                    && matches!(
                        e.step,
                        Step::KeptBoth | Step::RevokeFailed | Step::VerifyFailed
                    )))
    })?;
    let id = &e.id;
    Some(match e.step {
        // Create-then-revoke: the key it replaced is still live at the provider. A new change would
        // leave it so for good (its revoke-old and rollback act on this key, which would be gone).
        Step::KeptBoth | Step::RevokeFailed => format!(
            "the rotation that made this key ({id}) left the key it replaced active at the provider; revoke it first (`rekey revoke-old {id}`) or go back to it (`rekey rollback {id}`), then rotate"
        ),
        Step::VerifyFailed => format!(
            "the rotation that made this key ({id}) is waiting for your choice: its new key failed verification and the key it replaced is still active; roll it back (`rekey rollback {id}`) or keep both (`rekey keep-both {id}`) and revoke the old one when ready, then rotate"
        ),
        _ => format!(
            "the rotation that made this key ({id}) is not finished: some configs still hold the key it replaced; finish it first (`rekey finish {id}`, or Finish on the key)"
        ),
    })
}

#[cfg(test)]
mod id_tests {
    use super::*;

    #[test]
    fn an_entry_whose_id_names_another_file_is_neither_listed_nor_saved() {
        let d = tempfile::tempdir().unwrap();
        let j = Journal::new(d.path());
        let good = Entry {
            id: "20261203T000000Z-1".into(),
            ..Default::default()
        };
        j.save(&good).unwrap();
        // A file edited (or damaged) so that its id points elsewhere.
        let bad = Entry {
            id: "../../victim".into(),
            ..Default::default()
        };
        std::fs::write(
            d.path().join("journal/20261203T000001Z-2.json"),
            serde_json::to_vec(&bad).unwrap(),
        )
        .unwrap();
        // And one that does not parse: the others still read, and both are named.
        std::fs::write(
            d.path().join("journal/20261203T000002Z-3.json"),
            b"{\"id\": ",
        )
        .unwrap();
        let ids: Vec<String> = j.all().unwrap().into_iter().map(|e| e.id).collect();
        assert_eq!(ids, ["20261203T000000Z-1"]);
        let named: Vec<String> = j
            .unreadable()
            .unwrap()
            .into_iter()
            .map(|(p, why)| format!("{} {why}", p.file_name().unwrap().to_string_lossy()))
            .collect();
        assert_eq!(named.len(), 2, "{named:?}");
        assert!(
            named[0].starts_with("20261203T000001Z-2.json its id names another file"),
            "{named:?}"
        );
        assert!(
            named[1].starts_with("20261203T000002Z-3.json EOF"),
            "{named:?}"
        );
        assert!(j.save(&bad).is_err());
        assert!(!d.path().join("victim.json").exists());
        assert!(!d.path().parent().unwrap().join("victim.json").exists());
    }

    #[test]
    fn saved_texts_lose_url_queries_and_userinfo() {
        let d = tempfile::tempdir().unwrap();
        let j = Journal::new(d.path());
        let url = "https://u:pw@h.example/mcp?apiKey=sk-live-1";
        let e = Entry {
            id: "20261203T000000Z-1".into(),
            message: Some(format!("a {url}")),
            verify_error: Some(format!("b {url}")),
            files: vec![FileState {
                path: "/x".into(),
                written: false,
                error: Some(format!("c {url}")),
            }],
            ..Default::default()
        };
        j.save(&e).unwrap();
        let raw =
            std::fs::read_to_string(d.path().join("journal/20261203T000000Z-1.json")).unwrap();
        assert!(!raw.contains("sk-live-1") && !raw.contains("pw@"), "{raw}");
        let got = j.get(&e.id).unwrap().unwrap();
        assert_eq!(got.message.as_deref(), Some("a https://h.example/mcp?…"));
        assert_eq!(
            got.verify_error.as_deref(),
            Some("b https://h.example/mcp?…")
        );
        assert_eq!(
            got.files[0].error.as_deref(),
            Some("c https://h.example/mcp?…")
        );
    }
}
