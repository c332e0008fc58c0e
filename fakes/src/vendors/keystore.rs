//! The state of a create-then-revoke vendor's keys: every key ever created, live until revoked (a revoked
//! key is kept, marked, so a test can tell "revoked" from "never existed"), and two fault knobs.

/// One key at the fake vendor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeKey {
    pub id: String,
    pub name: String,
    pub key: String,
    pub revoked: bool,
}

/// A vendor's keys and its create-then-revoke fault knobs (the create call's faults are the shared
/// [`crate::Fault`]s, set with `set_fault`).
#[derive(Debug, Clone, Default)]
pub struct Keys {
    pub keys: Vec<FakeKey>,
    /// Answer every delete with this status (in the vendor's error shape); nothing is revoked.
    pub revoke_fault: Option<u16>,
    /// With `revoke_fault`: the error text echoes the credential the delete was sent with (a vendor that
    /// quotes what it received, tokens included).
    pub revoke_fault_echoes: bool,
    /// Answer every verify call with this status: the new key "does not work" (a failed verification).
    pub verify_fault: Option<u16>,
    /// Delete calls received (refused or not).
    pub revoke_calls: usize,
}

impl Keys {
    /// The refused delete's error text (see `revoke_fault_echoes`).
    pub fn revoke_fault_text(&self, sent: Option<&str>) -> String {
        match (self.revoke_fault_echoes, sent) {
            (true, Some(s)) => format!("injected failure for credential {s}"),
            _ => "injected failure".into(),
        }
    }

    pub fn with(id: &str, name: &str, key: &str) -> Keys {
        let mut k = Keys::default();
        k.add(id, name, key);
        k
    }
    pub fn add(&mut self, id: &str, name: &str, key: &str) {
        self.keys.push(FakeKey {
            id: id.into(),
            name: name.into(),
            key: key.into(),
            revoked: false,
        });
    }
    /// The live key with this secret.
    pub fn live(&self, key: &str) -> Option<&FakeKey> {
        self.keys.iter().find(|k| !k.revoked && k.key == key)
    }
    pub fn is_live(&self, key: &str) -> bool {
        self.live(key).is_some()
    }
    /// The key with this id, live or revoked.
    pub fn by_id(&self, id: &str) -> Option<&FakeKey> {
        self.keys.iter().find(|k| k.id == id)
    }
    /// Revoke by id: false when no live key has it.
    pub fn revoke(&mut self, id: &str) -> bool {
        match self.keys.iter_mut().find(|k| k.id == id && !k.revoked) {
            Some(k) => {
                k.revoked = true;
                true
            }
            None => false,
        }
    }
    /// The secrets of the live keys, oldest first.
    pub fn live_keys(&self) -> Vec<String> {
        self.keys
            .iter()
            .filter(|k| !k.revoked)
            .map(|k| k.key.clone())
            .collect()
    }
    /// The newest live key (the one a config should hold after a rotation).
    pub fn newest(&self) -> String {
        self.keys
            .iter()
            .rev()
            .find(|k| !k.revoked)
            .map(|k| k.key.clone())
            .unwrap_or_default()
    }
}
