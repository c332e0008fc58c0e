//! The OS keychain, through the `keyring` crate's real backends (Keychain on macOS, Credential Manager on
//! Windows, Secret Service on Linux). There is deliberately no fallback store: a locked or missing
//! keychain is a clear error, never a silent write to a plaintext file.

use crate::{Error, Result, Secret};
#[cfg(all(
    unix,
    not(any(target_os = "macos", target_os = "ios", target_os = "android"))
))]
mod secret_service;
use serde::Serialize;
use ts_rs::TS;

/// The keychain service name under which every Rekey entry is stored.
pub const SERVICE: &str = "rekey";

/// A handle on Rekey's entries in the OS keychain.
#[derive(Debug, Clone)]
pub struct Vault {
    service: String,
}

impl Default for Vault {
    /// Service `rekey`, or `$REKEY_KEYCHAIN_SERVICE` when set (the app's demo mode keeps its entries apart).
    fn default() -> Self {
        Vault {
            service: std::env::var("REKEY_KEYCHAIN_SERVICE")
                .ok()
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| SERVICE.to_string()),
        }
    }
}

/// Whether the keychain can be used right now, for the UI and `rekey doctor`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, TS)]
pub struct VaultStatus {
    pub available: bool,
    /// The backend in use on this OS.
    pub backend: &'static str,
    /// Why it is unavailable (a stable error code and a message), when it is.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<&'static str>,
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

pub fn backend_name() -> &'static str {
    if cfg!(target_os = "macos") {
        "macOS Keychain"
    } else if cfg!(windows) {
        "Windows Credential Manager"
    } else {
        "Secret Service (D-Bus)"
    }
}

impl Vault {
    /// A vault under another service name (tests use this to keep their entries apart).
    pub fn with_service(service: impl Into<String>) -> Self {
        Vault {
            service: service.into(),
        }
    }

    pub fn service(&self) -> &str {
        &self.service
    }

    fn entry(&self, account: &str) -> keyring_core::Result<keyring_core::Entry> {
        #[cfg(all(
            unix,
            not(any(target_os = "macos", target_os = "ios", target_os = "android"))
        ))]
        {
            secret_service::ensure_open()?;
            keyring_core::Entry::new(&self.service, account)
        }
        #[cfg(not(all(
            unix,
            not(any(target_os = "macos", target_os = "ios", target_os = "android"))
        )))]
        {
            keyring::Entry::new(&self.service, account).map(|e| e.inner)
        }
    }

    /// Run `op` on the account's entry. On Linux, when the Secret Service session turns out to be gone (its
    /// daemon restarted), open a new one and run `op` again, waiting a moment for a daemon that is still
    /// restarting: nothing was done the first time.
    fn with_entry<T>(
        &self,
        account: &str,
        op: impl Fn(&keyring_core::Entry) -> keyring_core::Result<T>,
    ) -> Result<T> {
        if account.is_empty() {
            return Err(Error::InvalidInput(
                "a keychain account name must not be empty".into(),
            ));
        }
        let first = self.entry(account).and_then(|e| op(&e));
        #[cfg(all(
            unix,
            not(any(target_os = "macos", target_os = "ios", target_os = "android"))
        ))]
        let first = secret_service::retry_lost(first, || self.entry(account).and_then(|e| op(&e)));
        first.map_err(|e| map_err(e, account))
    }

    /// Store (create or replace) a secret.
    pub fn store(&self, account: &str, secret: &Secret) -> Result<()> {
        self.with_entry(account, |e| e.set_password(secret.expose()))
    }

    /// Read a secret back.
    pub fn get(&self, account: &str) -> Result<Secret> {
        self.with_entry(account, |e| e.get_password())
            .map(Secret::new)
    }

    /// Delete a secret. Deleting an entry that does not exist is an error (`keychain_entry_missing`).
    pub fn delete(&self, account: &str) -> Result<()> {
        self.with_entry(account, |e| e.delete_credential())
    }

    /// Prove the keychain can store *now*: write a probe entry and delete it. A running
    /// Secret Service whose collection is locked answers reads of missing entries happily, so only a write
    /// tells; on a desktop this write is also what raises the unlock prompt, before anything irreversible.
    pub fn probe(&self) -> Result<()> {
        self.probe_deferred().map(drop)
    }

    /// [`Vault::probe`], with the probe entry deleted on another thread: the proof is the write, and the
    /// caller need not wait for the delete (each one a write of the keyring file on Linux). The delete is
    /// waited for when the returned [`ProbeCleanup`] is dropped.
    pub fn probe_deferred(&self) -> Result<ProbeCleanup> {
        let mut value = [0u8; 16];
        let _ = getrandom::fill(&mut value);
        let value = Secret::new(value.iter().map(|b| format!("{b:02x}")).collect());
        // An account of its own per probe: two processes probing at once must not delete each other's.
        let account = &format!(
            "rekey-probe-{}-{}",
            std::process::id(),
            &value.expose()[..8]
        );
        self.store(account, &value)?;
        let delete = {
            let (vault, account) = (self.clone(), account.clone());
            std::thread::Builder::new()
                .name("rekey-probe-delete".into())
                .spawn(move || {
                    let _ = vault.delete(&account);
                })
                .ok()
        };
        if delete.is_none() {
            // No thread to be had: delete it now.
            let _ = self.delete(account);
        }
        Ok(ProbeCleanup(delete))
    }

    /// Whether the keychain can store right now (see [`Vault::probe`]).
    pub fn status(&self) -> VaultStatus {
        self.status_deferred().0
    }

    /// [`Vault::status`] with the probe's delete left running (see [`Vault::probe_deferred`]).
    pub fn status_deferred(&self) -> (VaultStatus, Option<ProbeCleanup>) {
        match self.probe_deferred() {
            Ok(cleanup) => (
                VaultStatus {
                    available: true,
                    backend: backend_name(),
                    error_code: None,
                    message: None,
                },
                Some(cleanup),
            ),
            Err(e) => (
                VaultStatus {
                    available: false,
                    backend: backend_name(),
                    error_code: Some(e.code()),
                    message: Some(e.to_string()),
                },
                None,
            ),
        }
    }
}

/// The delete of a probe entry, running on its own thread; dropping this waits for it.
#[derive(Debug)]
pub struct ProbeCleanup(Option<std::thread::JoinHandle<()>>);

impl Drop for ProbeCleanup {
    fn drop(&mut self) {
        if let Some(t) = self.0.take() {
            let _ = t.join();
        }
    }
}

impl VaultStatus {
    /// An unavailable keychain, for when the probe itself could not run.
    pub fn failed(message: &str) -> Self {
        VaultStatus {
            available: false,
            backend: backend_name(),
            error_code: Some("keychain_error"),
            message: Some(message.to_string()),
        }
    }
}

/// Turn a keyring error into an engine error. Never includes secret material: `BadEncoding` carries the
/// stored bytes, so its payload is dropped.
fn map_err(err: keyring_core::Error, account: &str) -> Error {
    use keyring_core::Error as K;
    match err {
        K::NoEntry => Error::KeychainEntryMissing(format!("'{account}'")),
        K::NoDefaultStore => Error::KeychainUnavailable(
            "no credential store could be opened (on Linux: is a Secret Service such as gnome-keyring running on the session D-Bus?)".into(),
        ),
        K::PlatformFailure(e) => Error::KeychainUnavailable(describe_platform_failure(&e.to_string())),
        K::NoStorageAccess(_) => Error::KeychainLocked,
        K::BadEncoding(_) => Error::Keychain(format!("the entry '{account}' is not valid UTF-8 text")),
        K::TooLong(field, max) => Error::Keychain(format!("{field} is longer than the keychain allows ({max})")),
        K::Invalid(field, why) => Error::Keychain(format!("invalid {field}: {why}")),
        K::Ambiguous(_) => Error::Keychain(format!("several keychain entries match '{account}'")),
        other => Error::Keychain(format!("{other}")),
    }
}

fn describe_platform_failure(detail: &str) -> String {
    if detail.contains("ServiceUnknown") || detail.contains("NameHasNoOwner") {
        "no Secret Service is running on the session D-Bus (start gnome-keyring, KWallet or KeePassXC's \
         Secret Service, or log in to a desktop session)"
            .to_string()
    } else if ["Connection", "connect to address", "Address", "DBUS"]
        .iter()
        .any(|m| detail.contains(m))
    {
        "cannot reach the session D-Bus to talk to the Secret Service (no desktop session?)"
            .to_string()
    } else {
        format!("platform keychain failure: {detail}")
    }
}

/// Keychain account names.
pub fn admin_account(provider: &str, account: Option<&str>) -> String {
    format!("admin:{provider}:{}", account.unwrap_or("default"))
}
/// The account of a key Rekey knows by credential id (rotations before the `rotation:` accounts).
pub fn credential_account(credential: &str) -> String {
    format!("credential:{credential}")
}
/// Where a rotation keeps its new key: named by the rotation, so it is known before the provider answers.
pub fn rotation_account(rotation: &str) -> String {
    format!("rotation:{rotation}")
}
/// Where a create-then-revoke rotation keeps the old key until it is revoked (for a rollback).
pub fn old_account(rotation: &str) -> String {
    format!("rotation:{rotation}:old")
}
