//! Links from credential ids to provider accounts (`links.json`; no secrets): shared by rotation, manual
//! replace and add, which all move a link along when a key's value (and so its credential id) changes.

use crate::datafile::read_json;
use crate::providers::Link;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Links from credential ids to provider accounts: `links.json`.
pub struct Links {
    path: PathBuf,
}

impl Links {
    pub fn new(data_dir: &Path) -> Self {
        Links {
            path: data_dir.join("links.json"),
        }
    }
    pub fn all(&self) -> std::io::Result<BTreeMap<String, Link>> {
        read_json(&self.path)
    }
    pub fn get(&self, credential: &str) -> std::io::Result<Option<Link>> {
        Ok(self.all()?.remove(credential))
    }
    pub fn set(&self, credential: &str, link: Link) -> std::io::Result<()> {
        self.update(|all| {
            all.insert(credential.to_string(), link);
        })
    }
    /// After a rotation the credential has a new id (its fingerprint): move the link along.
    pub fn rename(&self, old: &str, new: &str) -> std::io::Result<()> {
        self.rename_keyed(old, new, None)
    }
    /// [`Links::rename`], and when the link names its key by id (`key_id`, a create-then-revoke vendor's
    /// key) and `key_id` is known, that id too: the next rotation revokes the key the configs hold now,
    /// not the one revoked by this rotation (or, after a rollback, the old key's id again).
    pub fn rename_keyed(&self, old: &str, new: &str, key_id: Option<&str>) -> std::io::Result<()> {
        // The link first: without it the next rotation cannot run. The key's id for life follows its
        // value too, best effort: a registry that cannot be read or written costs the key its id (a
        // warning says so), never its link.
        self.update(|all| {
            // (Never over another key's link: that one stays, and this link stays where it was.)
            if all.contains_key(new) {
                return;
            }
            if let Some(mut l) = all.remove(old) {
                if let (Some(slot), Some(id)) = (l.ids.get_mut("key_id"), key_id) {
                    *slot = id.to_string();
                }
                all.insert(new.to_string(), l);
            }
        })?;
        let data_dir = self.path.parent().unwrap_or(Path::new("."));
        if let Err(e) = crate::change::keys::Keys::new(data_dir).renamed(old, new) {
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "rekey: warning: the key's id could not follow its new value ({}): `rekey scan` will give it a new id",
                crate::scrub::text(&e.to_string())
            );
        }
        Ok(())
    }
    /// Read, change, write under a lock (`links.json.lock`): rotations of different keys finish in
    /// parallel, and one's rename must not undo the other's.
    fn update(&self, change: impl FnOnce(&mut BTreeMap<String, Link>)) -> std::io::Result<()> {
        crate::datafile::update_json(&self.path, change)
    }
}
