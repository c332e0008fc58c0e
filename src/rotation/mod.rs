//! The rotate transaction: plan → confirm (the caller's job) → lock → re-check → journal → call the
//! provider once → keep the new secret in the keychain first → rewrite every config → verify → re-read →
//! audit. And recovery, Finish of an incomplete rotation, the one-time reveal, the tray's view.
//!
//! - `plan`: what the user confirms, and its re-check right before the call
//! - `execute`: the transaction up to "the new key is kept"; `finish`: the rest (also for recovery)
//! - `lock`: one rotation per key across processes; `journal`, `store`: the files in the data dir
//! - `recover`, `reveal`, `tray`, `setup` (links, admin credentials), `activepieces` (the wizard)

pub mod activepieces;
mod execute;
mod exposed;
mod finish;
pub use crate::change::journal;
pub use crate::change::lock;
mod notices;
mod plan;
mod recover;
mod revalidate;
mod reveal;
mod revoke;
mod rollback;
pub mod setup;
pub mod store;
pub mod tray;

pub use activepieces::{activepieces_servers, add_activepieces_server, Added, RemoteServerChoice};
pub use execute::execute;
pub use finish::finish_rotation;
pub use notices::{due_notices, exposure_notices, outcome_notice, Notice};
pub use plan::{
    also_update, plan, running_clients, AlsoUpdate, Certainty, Check, RotationPlan, MAX_GRACE,
};
pub use recover::recover;
pub use reveal::reveal;
pub use revoke::revoke_old_rotation;

/// A step's name as the journal and history spell it (`revoke-failed`).
pub fn step_word(s: Step) -> String {
    revoke::step_name(s)
}
pub use rollback::{keep_both, rollback};
pub use setup::{
    admin_credentials, link, provider_list, store_admin_credential, verify, AdminCredential,
    ProviderInfo,
};
pub use tray::{key_ages, tray_entries, tray_status, tray_status_of, KeyAge, TrayStatus};

use crate::context::Context;
use crate::replace::FileResult;
use crate::Secret;
use journal::{Entry, Step};
use serde::Serialize;
use ts_rs::TS;

pub use crate::vault::{admin_account, credential_account, old_account, rotation_account};

/// The keychain account that holds a journaled rotation's new key.
pub fn account_of(e: &Entry) -> String {
    match (&e.account, &e.new_credential) {
        (Some(a), _) => a.clone(),
        (None, Some(c)) if e.step != Step::Intent => credential_account(c),
        _ => rotation_account(&e.id),
    }
}

/// What a rotation did.
#[derive(Serialize, TS)]
pub struct Outcome {
    pub rotation: String,
    pub step: Step,
    pub new_credential: Option<String>,
    pub new_masked: Option<String>,
    pub stored_in_keychain: bool,
    pub files: Vec<FileResult>,
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verify_error: Option<String>,
    /// Usages still on the old key (`incomplete`): what the user must fix before Finish.
    #[ts(optional = nullable)] // may be absent (never null)
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub left: Vec<String>,
    pub restart: Vec<(String, String)>,
    /// The plan's places outside the configs that hold (or may hold) the old key: a to-do for the user,
    /// never counted as `incomplete` (Rekey cannot write there).
    pub also_update: Vec<AlsoUpdate>,
    /// The one-time token the app exchanges for the new key (`reveal`), once. Only the window that ran
    /// the rotation gets it; the journal keeps its hash.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reveal_token: Option<String>,
    /// The new secret, only when it must be shown because the keychain refused it (then this is the one
    /// place it exists). Serialized for the app's one-time display in that case only.
    ///
    /// (Before it: how the key was replaced, and what became of the old key, in plain words.)
    #[ts(optional, type = "string")]
    #[serde(serialize_with = "ser_secret", skip_serializing_if = "Option::is_none")]
    pub secret_to_show: Option<Secret>,
    pub model: crate::providers::Model,
    /// What became of the old key: "old key revoked", "old key still valid until …", "old key still
    /// active: revoke it (…)", "old key stopped working at once".
    pub old_key: String,
}

/// What became of the old key, in plain words (the outcome, Finish, recovery, history).
pub fn old_key_status(
    e: &Entry,
    model: crate::providers::Model,
    valid_until: Option<u64>,
) -> String {
    use crate::providers::Model;
    let id = &e.id;
    match model {
        Model::RotateInPlace => "old key stopped working at once".into(),
        Model::RotateWithGrace => match valid_until.and_then(|t| jiff::Timestamp::from_second(t as i64).ok()) {
            Some(t) => format!("old key still valid until {t}"),
            None => "old key still valid for the grace period".into(),
        },
        Model::CreateThenRevoke => match e.step {
            Step::Revoked => "old key revoked".into(),
            Step::RevokeFailed => format!("old key still active: revoke it (`rekey revoke-old {id}`)"),
            Step::VerifyFailed => format!("old key still active and NOT revoked, because the new key failed verification: put the old key back in every config and delete the new one (`rekey rollback {id}`), or keep both and look (`rekey keep-both {id}`)"),
            Step::Incomplete => format!("old key still active: it is revoked only once every config holds the new key (`rekey finish {id}`)"),
            Step::KeptBoth => format!("old key still active (both kept): revoke it when ready (`rekey revoke-old {id}`) or go back to it (`rekey rollback {id}`)"),
            Step::RolledBack if e.new_key_deleted => "old key back in every config; the new key was deleted".into(),
            Step::RolledBack => format!("old key back in every config; the new key is still active: delete it (`rekey rollback {id}` again, or in the provider's console)"),
            _ => "old key still works (nothing was revoked)".into(),
        },
    }
}

/// What the user risks with each model, in plain words (the plan and the confirm step).
pub fn risk_text(model: crate::providers::Model, grace: std::time::Duration) -> String {
    match model {
        crate::providers::Model::RotateInPlace => {
            "Rotate in place: the old key stops working at once when the provider rotates it; a client that still holds it fails until its config holds the new key.".into()
        }
        crate::providers::Model::RotateWithGrace if grace.is_zero() => {
            "Rotate (no grace period asked): the old key stops working at once.".into()
        }
        crate::providers::Model::RotateWithGrace => {
            let until = jiff::Timestamp::now()
                .checked_add(jiff::SignedDuration::from_secs(grace.as_secs() as i64))
                .map(|t| t.to_string())
                .unwrap_or_default();
            format!("Rotate with grace: the old key keeps working for {} s after the rotation (until about {until}), then stops.", grace.as_secs())
        }
        crate::providers::Model::CreateThenRevoke => {
            "Create then revoke: a new key is created while the old one keeps working, so no client holds a dead key; the old key is revoked only after every config holds the new one and it works. If the new key fails verification nothing is revoked, and you choose: put the old key back and delete the new one (`rekey rollback`), or keep both and look (`rekey keep-both`).".into()
        }
    }
}

fn ser_secret<S: serde::Serializer>(
    s: &Option<Secret>,
    ser: S,
) -> std::result::Result<S::Ok, S::Error> {
    match s {
        Some(v) => ser.serialize_str(v.expose()),
        None => ser.serialize_none(),
    }
}

fn now() -> String {
    jiff::Timestamp::now().to_string()
}

fn audit(ctx: &Context, e: &Entry) {
    audit_as(ctx, e, crate::change::Kind::Rotate)
}

/// The history line of a rotation's journal entry, written by a follow-up of the rotation (`kind`:
/// rollback, keep-both).
fn audit_as(ctx: &Context, e: &Entry, kind: crate::change::Kind) {
    let line = store::AuditEntry {
        time: now(),
        kind,
        rotation: e.id.clone(),
        key: crate::change::key_of(ctx, &e.credential),
        provider: e.provider.clone(),
        credential: e.credential.clone(),
        new_credential: e.new_credential.clone(),
        new_key: e.new_masked.clone(),
        outcome: e.step,
        model: e.model,
        old_key_id: e.old_key_id.clone(),
        new_key_id: e.new_key_id.clone(),
        message: match (&e.message, &e.exposed) {
            (Some(m), Some(x)) => Some(format!("{m}; the old key was {x}")),
            (Some(m), None) => Some(m.clone()),
            (None, Some(x)) => Some(format!("the old key was {x}")),
            (None, None) => None,
        }
        .as_deref()
        .map(crate::scrub::text),
        left: e.left.clone(),
        files: e
            .files
            .iter()
            .filter(|f| f.written)
            .map(|f| f.path.display().to_string())
            .collect(),
    };
    crate::change::history::append(&ctx.data_dir, &line);
}

/// What recovery (or Finish) did with one rotation.
#[derive(Debug, Clone, Serialize, TS)]
pub struct Recovered {
    pub rotation: String,
    pub provider: String,
    pub step: Step,
    pub message: String,
    #[ts(optional = nullable)] // may be absent (never null)
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub left: Vec<String>,
}

impl From<&Entry> for Recovered {
    fn from(e: &Entry) -> Self {
        Recovered {
            rotation: e.id.clone(),
            provider: e.provider.clone(),
            step: e.step,
            message: e.message.clone().unwrap_or_default(),
            left: e.left.clone(),
        }
    }
}

#[cfg(test)]
mod audit_tests {
    use super::*;

    #[test]
    fn an_audit_line_names_the_rotation_and_its_message_loses_url_queries_and_userinfo() {
        let home = tempfile::tempdir().unwrap();
        let ctx = Context {
            env: crate::clients::Env::linux_at(home.path()),
            data_dir: home.path().join("data"),
            settings: Default::default(),
            scan_cache: Default::default(),
        };
        let e = Entry {
            id: "20261203T000000Z-1".into(),
            provider: "bitscale".into(),
            credential: "BITSCALE_API_KEY".into(),
            message: Some(
                "verify: GET https://u:pw@api.example/v1?api_key=sk-live-1 -> 401".into(),
            ),
            ..Default::default()
        };
        audit_as(&ctx, &e, crate::change::Kind::Rollback);
        let lines = crate::change::history::Audit::new(&ctx.data_dir)
            .entries()
            .unwrap();
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].rotation, "20261203T000000Z-1");
        assert_eq!(
            lines[0].message.as_deref(),
            Some("verify: GET https://api.example/v1?… -> 401")
        );
        let raw = std::fs::read_to_string(ctx.data_dir.join("audit.jsonl")).unwrap();
        assert!(!raw.contains("sk-live-1") && !raw.contains("pw@"), "{raw}");
    }
}
