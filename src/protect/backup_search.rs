//! (Here, beside Protect's use of it, not in `edit/`: it needs the scrubber's list of a key's forms.)
//!
//! Backups that hold a key: found by searching each backup's bytes for every form the key takes in a
//! config (raw, JSON- and TOML-escaped, percent-encoded in upper and lower case), and removed through
//! [`Backups::forget`] (under the index lock, index first), so the index stays consistent. What Protect
//! uses to leave no plaintext copy of its own, and `rekey backups --purge` / the app's Backups screen.

use crate::edit::backup::{BackupEntry, Backups};
use crate::Secret;

/// Every form `value` takes in a config file's bytes.
fn forms(value: &Secret) -> Vec<Vec<u8>> {
    let raw = value.expose();
    let mut v: Vec<String> = crate::scrub::forms(raw);
    v.push(lower_escapes(&crate::percent::percent_encode(raw)));
    let mut out: Vec<Vec<u8>> = Vec::new();
    for f in v {
        if !f.is_empty() && !out.iter().any(|o| o == f.as_bytes()) {
            out.push(f.into_bytes());
        }
    }
    out
}

/// `%2F` → `%2f`, every other byte as it is (`s` is ASCII: percent-encoded).
fn lower_escapes(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('%') {
        out.push_str(&rest[..i]);
        let esc = rest.get(i..i + 3).unwrap_or(&rest[i..]);
        out.push_str(&esc.to_ascii_lowercase());
        rest = &rest[i + esc.len()..];
    }
    out.push_str(rest);
    out
}

/// Do `bytes` hold any of `forms`? (memchr's SIMD substring search: a backup may be 100 MB.)
fn holds(bytes: &[u8], forms: &[Vec<u8>]) -> bool {
    forms
        .iter()
        .any(|f| memchr::memmem::find(bytes, f).is_some())
}

impl Backups {
    /// The backups (of those `only` names, or all) whose bytes hold `value` in any form, oldest first.
    pub fn holding(
        &self,
        value: &Secret,
        only: Option<&[String]>,
    ) -> std::io::Result<Vec<BackupEntry>> {
        let forms = forms(value);
        let mut out = Vec::new();
        for e in self.list()? {
            if only.is_some_and(|ids| !ids.contains(&e.id)) {
                continue;
            }
            let bytes = match crate::edit::read::read(&self.dir().join(&e.id)) {
                Ok(b) => zeroize::Zeroizing::new(b),
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => continue,
                Err(err) => return Err(err),
            };
            if holds(&bytes, &forms) {
                out.push(e);
            }
        }
        Ok(out)
    }

    /// Delete the backups (of those `only` names, or all) whose bytes hold `value` in any form: their
    /// files and their index entries. Returns what was deleted.
    pub fn purge(
        &self,
        value: &Secret,
        only: Option<&[String]>,
    ) -> std::io::Result<Vec<BackupEntry>> {
        let found = self.holding(value, only)?;
        let ids: Vec<String> = found.iter().map(|e| e.id.clone()).collect();
        self.forget(&ids)?;
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_of_the_key_is_found_and_only_those_backups_go() {
        let dir = tempfile::tempdir().unwrap();
        let b = Backups::new(dir.path().join("backups"));
        let key = "sk-live/ab+cd\"ef";
        let secret = Secret::new(key.into());
        let a = dir.path().join("a.json");
        let mut ids = Vec::new();
        for content in [
            format!("{{\"k\": \"{}\"}}", key.replace('"', "\\\"")), // JSON-escaped
            "https://h/?k=sk-live%2Fab%2Bcd%22ef".to_string(),      // percent, upper
            "https://h/?k=sk-live%2fab%2bcd%22ef".to_string(),      // percent, lower
            format!("raw {key}"),
            "{\"k\": \"sk-live/ab+cd\"}".to_string(), // a prefix only: kept
            "{}".to_string(),
        ] {
            ids.push(b.save(&a, content.as_bytes(), true).unwrap());
        }
        let gone = b.purge(&secret, None).unwrap();
        assert_eq!(
            gone.iter().map(|e| e.id.clone()).collect::<Vec<_>>(),
            ids[..4]
        );
        let left: Vec<String> = b.list().unwrap().into_iter().map(|e| e.id).collect();
        assert_eq!(left, ids[4..]);
        for id in &ids[..4] {
            assert!(!b.dir().join(id).exists());
        }
        for id in &ids[4..] {
            assert!(b.dir().join(id).exists());
        }
        // Limited to some ids: the others stay.
        let c = b.save(&a, key.as_bytes(), true).unwrap();
        let d = b.save(&a, key.as_bytes(), true).unwrap();
        assert_eq!(
            b.purge(&secret, Some(std::slice::from_ref(&c)))
                .unwrap()
                .len(),
            1
        );
        assert!(!b.dir().join(&c).exists() && b.dir().join(&d).exists());
    }
}
