//! Where a change got to: the steps the rotation journal, the history and the outcome share.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Where a change (a rotation, or any other kind: see [`super::Kind`]) got to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum Step {
    /// Planned and confirmed; the provider is about to be called.
    #[default]
    Intent,
    /// The provider's answer is not known (timeout, connection lost, crash during the call).
    Unknown,
    /// The provider refused; nothing changed.
    Failed,
    /// The new secret is in the keychain. (A running rotation goes from `intent` or `created` straight
    /// to `written`: its intent already names the key's account. Recovery journals `held` when it finds
    /// the key of such a rotation.)
    Held,
    /// The keychain could not take it: the secret was shown to the user once.
    Shown,
    /// Every config file holds the new secret (some may have failed: see `files`).
    Written,
    Verified,
    VerifyFailed,
    /// The provider rotated and the new key is in the keychain, but some usage still holds the old key (a
    /// file that did not parse, changed under Rekey, or was written back by a running client). Not final:
    /// the user fixes what is listed and runs Finish, which writes the key from the keychain into the rest.
    Incomplete,
    /// Create-then-revoke: the provider created the new key (its id is journaled; the old key still
    /// works); the new secret is about to go to the keychain.
    Created,
    /// Create-then-revoke: every config holds the new key, it is verified, and the old key is revoked.
    Revoked,
    /// Create-then-revoke: every config holds the new, verified key, but revoking the old key failed:
    /// "old key still active: revoke it" (`rekey revoke-old <rotation>`).
    RevokeFailed,
    /// Create-then-revoke: the old key is back in every config and the new key was deleted (or the user
    /// was told to delete it: see the message).
    RolledBack,
    /// Create-then-revoke: the new key failed verification and the user chose to keep both keys for now.
    KeptBoth,
}

impl Step {
    /// Nothing more for recovery to do. (`Unknown` needs the user, who was told how to check; the
    /// history keeps showing it.) `Incomplete` is not final: it waits for the user's Finish.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Step::Unknown
                | Step::Failed
                | Step::Shown
                | Step::Verified
                | Step::VerifyFailed
                | Step::Revoked
                | Step::RevokeFailed
                | Step::RolledBack
                | Step::KeptBoth
        )
    }

    /// Stopped mid-way by a crash or a kill: recovery's job (as opposed to `Incomplete`, the user's).
    pub fn interrupted(self) -> bool {
        matches!(
            self,
            Step::Intent | Step::Created | Step::Held | Step::Written
        )
    }
}
