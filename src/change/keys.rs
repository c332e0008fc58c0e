//! A key's id for life: `keys.json` in the data dir.
//!
//! A credential id (`cred_…`) is a keyed fingerprint of a key's *value*, so it dies with the value: after a
//! rotation or a replace the configs hold another value with another fingerprint. The registry gives each
//! key, the first time Rekey sees it, an id that follows it through rotations, replaces, protect and
//! unprotect: a readable part (the provider, or `key`) and random hex, like `bitscale-1a2b3c4d`, the form
//! of `rekey://` reference ids. Every value the key has had keeps pointing at it (its fingerprints, the
//! current one first), so an old `cred_…` id still names the key wherever that is unambiguous. The
//! fingerprints stay internal: the registry is no secret, and holds none.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One key.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct KeyRecord {
    /// The name the user gave it (the app's "Name this key"), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Fingerprints of the values the key has had, the current one first.
    pub credentials: Vec<String>,
    /// Ids of keys merged into this one (a scan that met the new value before the rotation that made it
    /// had told the registry): they still name this key.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// When Rekey first saw it.
    #[serde(default)]
    pub since: String,
}

impl KeyRecord {
    /// The fingerprint of the key's value now.
    pub fn current(&self) -> Option<&str> {
        self.credentials.first().map(String::as_str)
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Registry {
    #[serde(default)]
    keys: BTreeMap<String, KeyRecord>,
}

/// What a name given on the command line (or by the app) means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The key's id for life.
    pub key: String,
    /// The fingerprint of its value now.
    pub credential: String,
}

pub struct Keys {
    path: PathBuf,
}

impl Keys {
    pub fn new(data_dir: &Path) -> Self {
        Keys {
            path: data_dir.join("keys.json"),
        }
    }

    fn read(&self) -> std::io::Result<Registry> {
        crate::datafile::read_json(&self.path)
    }

    fn update<R>(&self, change: impl FnOnce(&mut Registry) -> R) -> std::io::Result<R> {
        crate::datafile::update_json(&self.path, change)
    }

    /// Every key, by id.
    pub fn all(&self) -> std::io::Result<BTreeMap<String, KeyRecord>> {
        Ok(self.read()?.keys)
    }

    /// The key ids of the credentials `creds` (fingerprint, provider), giving an id to each one the
    /// registry does not know yet (written only when there is one). Returns fingerprint → key id.
    pub fn assign(
        &self,
        creds: &[(String, Option<&str>)],
    ) -> std::io::Result<BTreeMap<String, String>> {
        let known = self.read()?;
        let lookup = |reg: &Registry| -> BTreeMap<String, String> {
            let mut out = BTreeMap::new();
            for (id, k) in &reg.keys {
                for c in &k.credentials {
                    out.entry(c.clone()).or_insert_with(|| id.clone());
                }
            }
            out
        };
        let mut map = lookup(&known);
        if creds.iter().all(|(c, _)| map.contains_key(c)) {
            return Ok(map);
        }
        self.update(|reg: &mut Registry| {
            map = lookup(reg);
            for (cred, provider) in creds {
                if map.contains_key(cred) {
                    continue;
                }
                let id = new_id(provider.unwrap_or("key"), |id| reg.keys.contains_key(id));
                reg.keys.insert(
                    id.clone(),
                    KeyRecord {
                        name: None,
                        credentials: vec![cred.clone()],
                        aliases: Vec::new(),
                        since: jiff::Timestamp::now().to_string(),
                    },
                );
                map.insert(cred.clone(), id);
            }
        })?;
        Ok(map)
    }

    /// The key whose value changed from `old` to `new` (a rotation, a replace, a rollback): `new` becomes
    /// its current fingerprint and `old` stays one of its names. A key that only knew `new` (a scan met
    /// the new value first) is merged into it. Nothing happens when no key knows `old`.
    pub fn renamed(&self, old: &str, new: &str) -> std::io::Result<()> {
        if old == new {
            return Ok(());
        }
        self.update(|reg: &mut Registry| {
            let Some(id) = reg
                .keys
                .iter()
                .find(|(_, k)| k.credentials.iter().any(|c| c == old))
                .map(|(id, _)| id.clone())
            else {
                return;
            };
            // Another key that knows `new`: merge it (its id stays a name of this key).
            let others: Vec<String> = reg
                .keys
                .iter()
                .filter(|(o, k)| **o != id && k.credentials.iter().any(|c| c == new))
                .map(|(o, _)| o.clone())
                .collect();
            let mut merged_names = Vec::new();
            let mut merged_creds = Vec::new();
            for o in others {
                if let Some(k) = reg.keys.remove(&o) {
                    merged_names.push(o);
                    merged_names.extend(k.aliases);
                    merged_creds.extend(k.credentials.into_iter().filter(|c| c != new));
                }
            }
            let k = reg.keys.get_mut(&id).expect("found above");
            k.credentials.retain(|c| c != new);
            k.credentials.insert(0, new.to_string());
            for c in merged_creds {
                if !k.credentials.contains(&c) {
                    k.credentials.push(c);
                }
            }
            k.aliases.extend(merged_names);
        })
    }

    /// What `what` names: a key id (or a merged key's id), the fingerprint of a key's value now, or an
    /// older fingerprint of exactly one key. `None` when the registry does not know it.
    pub fn resolve(&self, what: &str) -> std::io::Result<Option<Resolved>> {
        let reg = self.read()?;
        let found = |id: &String, k: &KeyRecord| {
            k.current().map(|c| Resolved {
                key: id.clone(),
                credential: c.to_string(),
            })
        };
        if let Some(k) = reg.keys.get(what) {
            return Ok(found(&what.to_string(), k));
        }
        if let Some((id, k)) = reg
            .keys
            .iter()
            .find(|(_, k)| k.aliases.iter().any(|a| a == what))
        {
            return Ok(found(id, k));
        }
        if let Some((id, k)) = reg.keys.iter().find(|(_, k)| k.current() == Some(what)) {
            return Ok(found(id, k));
        }
        let older: Vec<_> = reg
            .keys
            .iter()
            .filter(|(_, k)| k.credentials.iter().skip(1).any(|c| c == what))
            .collect();
        Ok(match older.as_slice() {
            [(id, k)] => found(id, k),
            _ => None,
        })
    }

    /// Name a key (an empty name removes it). The name is the user's; it never holds a secret, but it is
    /// checked like any text shown in a list: one line, at most 80 characters.
    pub fn set_name(&self, key: &str, name: &str) -> crate::Result<()> {
        let name = name.trim();
        if name.chars().count() > 80 || name.chars().any(char::is_control) {
            return Err(crate::Error::InvalidInput(
                "a key's name is one line of at most 80 characters".into(),
            ));
        }
        let found = self
            .update(|reg: &mut Registry| match reg.keys.get_mut(key) {
                Some(k) => {
                    k.name = (!name.is_empty()).then(|| name.to_string());
                    true
                }
                None => false,
            })
            .map_err(|e| crate::Error::io(&self.path, e))?;
        if found {
            Ok(())
        } else {
            Err(crate::Error::UnknownCredential(key.into()))
        }
    }
}

/// `<readable>-<8 hex>`: the readable part cut to letters, digits and `-` (a lock file and a command-line
/// word), the hex random, never derived from the key.
fn new_id(readable: &str, taken: impl Fn(&str) -> bool) -> String {
    let base: String = readable
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .take(24)
        .collect();
    let base = base.trim_matches('-');
    let base = if base.is_empty() { "key" } else { base };
    loop {
        let mut b = [0u8; 4];
        if getrandom::fill(&mut b).is_err() {
            // No randomness: the time still makes an id unique in this registry.
            b = (jiff::Timestamp::now().as_nanosecond() as u32).to_le_bytes();
        }
        let id = format!(
            "{base}-{}",
            b.iter().map(|x| format!("{x:02x}")).collect::<String>()
        );
        if !taken(&id) {
            return id;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_keeps_its_id_through_renames_and_old_ids_still_name_it() {
        let d = tempfile::tempdir().unwrap();
        let keys = Keys::new(d.path());
        let m = keys
            .assign(&[("cred_a".into(), Some("bitscale")), ("cred_x".into(), None)])
            .unwrap();
        let id = m["cred_a"].clone();
        assert!(
            id.starts_with("bitscale-") && id.len() == "bitscale-".len() + 8,
            "{id}"
        );
        assert!(m["cred_x"].starts_with("key-"));
        // Assigning again gives the same ids and writes nothing new.
        assert_eq!(
            keys.assign(&[("cred_a".into(), None)]).unwrap()["cred_a"],
            id
        );
        keys.renamed("cred_a", "cred_b").unwrap();
        let now = Resolved {
            key: id.clone(),
            credential: "cred_b".into(),
        };
        assert_eq!(keys.resolve(&id).unwrap(), Some(now.clone()));
        assert_eq!(keys.resolve("cred_a").unwrap(), Some(now.clone()));
        assert_eq!(keys.resolve("cred_b").unwrap(), Some(now.clone()));
        assert_eq!(keys.resolve("cred_zz").unwrap(), None);
        // A scan met the next value first (it got an id of its own): the rename merges it.
        let stray = keys.assign(&[("cred_c".into(), Some("bitscale"))]).unwrap()["cred_c"].clone();
        assert_ne!(stray, id);
        keys.renamed("cred_b", "cred_c").unwrap();
        let all = keys.all().unwrap();
        assert!(!all.contains_key(&stray));
        assert_eq!(all[&id].credentials, ["cred_c", "cred_b", "cred_a"]);
        assert_eq!(keys.resolve(&stray).unwrap().unwrap().key, id);
        // A rollback puts the old value back in front.
        keys.renamed("cred_c", "cred_b").unwrap();
        assert_eq!(keys.all().unwrap()[&id].current(), Some("cred_b"));
        keys.set_name(&id, "Work BitScale").unwrap();
        assert_eq!(
            keys.all().unwrap()[&id].name.as_deref(),
            Some("Work BitScale")
        );
        assert_eq!(
            keys.set_name(&id, "a\nb").unwrap_err().code(),
            "invalid_input"
        );
        assert_eq!(
            keys.set_name("nope-00000000", "x").unwrap_err().code(),
            "unknown_credential"
        );
    }
}
