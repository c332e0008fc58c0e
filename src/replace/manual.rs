//! Manual replace ("I rotated it on the provider's website; here is the new key") as a change like the
//! others: a plan that names every usage with a masked diff, the new key checked before anything is
//! written (its form, its provider's documented shape, and the provider's own check when the key is
//! linked), the exact plan applied after an explicit confirmation under the key's lock, and the key's
//! link moved to its new id.
//!
//! The CLI (`rekey replace`) and the app ("Replace manually…") both go through [`plan_manual`] and
//! [`apply_manual`]; neither writes a config any other way.

use super::{plan_for, FileResult, ReplacePlan};
use crate::change::links::Links;
use crate::context::Context;
use crate::providers::{self, Http, Link};
use crate::{Error, Result, Secret};
use serde::Serialize;
use ts_rs::TS;

/// A pasted key shorter than this is refused outright: no API key is that short.
pub const MIN_LEN: usize = 8;
/// API keys are at least this long in practice; a shorter one needs "use it anyway".
pub const USUAL_LEN: usize = 16;

/// Which key to replace: the app names it by its id, the CLI by the old value (read from stdin).
#[derive(Debug, Clone, Copy)]
pub enum Target<'a> {
    Credential(&'a str),
    Old(&'a Secret),
}

/// Does the new key look like its provider's keys?
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum ShapeCheck {
    /// It has the documented shape of the provider's keys.
    Matches { provider: String },
    /// No documented shape to check it against (no provider known, or none documented).
    Unknown,
    /// Not what the provider's keys look like, or shorter than keys usually are: written only when the
    /// user says to use it anyway.
    Mismatch { reason: String },
}

/// What the provider said of the new key, before anything is written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum Verification {
    /// The key is not linked to a provider: nothing to check it with.
    NotLinked,
    /// Not checked with the provider: not sent (a manual replace's key without the provider's shape and no
    /// "use it anyway", or no config holds the old key), or sent without a usable answer (`rekey add`: no
    /// answer, a server error, a 404); the reason says which.
    NotChecked { reason: String },
    /// The provider accepts the new key.
    Verified { provider: String },
    /// The provider refused the new key (its message, scrubbed of both keys): written only when the
    /// user deliberately says to write it anyway.
    Failed {
        provider: String,
        code: String,
        message: String,
    },
}

/// A manual replace the user is asked to confirm: every usage with its masked diff, and what the checks
/// found. Serializes no secret; it holds the new key (never serialized) until it is applied or dropped.
#[derive(Debug, Serialize, TS)]
pub struct ManualPlan {
    /// The key's id now, and the id it will have (credential ids are fingerprints of the value).
    pub credential: String,
    pub new_credential: String,
    pub old_masked: String,
    pub new_masked: String,
    /// The linked provider, else the one the scan guessed.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider_name: Option<String>,
    pub linked: bool,
    pub shape: ShapeCheck,
    /// The plan was made with "use it anyway" (the shape check is overridden; the key was checked).
    pub anyway: bool,
    pub verification: Verification,
    #[serde(flatten)]
    #[ts(flatten)]
    pub plan: ReplacePlan,
    #[serde(skip)]
    old: Secret,
    #[serde(skip)]
    new: Secret,
}

/// The deliberate overrides, given at confirmation.
#[derive(Debug, Clone, Copy, Default)]
pub struct Overrides {
    /// Write a key that does not have its provider's shape (the plan must have been made with it, so
    /// the key was then checked with the provider).
    pub anyway: bool,
    /// Write a key the provider's check refused.
    pub write_anyway: bool,
}

/// How the new key was checked, in the outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum Checked {
    /// The provider accepted it before anything was written.
    Verified,
    /// The provider refused it and the user wrote it anyway.
    WrittenAnyway,
    /// Not linked: only its form (and shape) were checked.
    NotLinked,
}

/// What a manual replace did: for the user, and for the change pipeline's history. No secret.
#[derive(Debug, Serialize, TS)]
pub struct ManualOutcome {
    pub credential: String,
    pub new_credential: String,
    pub new_masked: String,
    pub files: Vec<FileResult>,
    pub check: Checked,
    /// The key did not have its provider's shape and the user used it anyway.
    pub shape_overridden: bool,
    /// The provider link moved from `credential` to `new_credential`.
    pub link_moved: bool,
}

/// The rules every pasted key must pass, whatever the user overrides: a key that breaks one is never a
/// key. Texts name the rule, never the value.
pub fn validate_pasted(old: &Secret, new: &Secret) -> Result<()> {
    super::validate_new_secret(old, new)?;
    let v = new.expose();
    if v.chars().any(char::is_whitespace) {
        return Err(Error::InvalidInput(
            "the new key contains whitespace (a space inside it); paste the key alone".into(),
        ));
    }
    // Invisible characters that web pages and chat apps add to copied text.
    if v.chars().any(|c| {
        matches!(
            c,
            '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}'
        )
    }) {
        return Err(Error::InvalidInput(
            "the new key contains an invisible character (a zero-width space or a soft hyphen); paste it again from the provider's page".into(),
        ));
    }
    let n = v.chars().count();
    if n < MIN_LEN {
        return Err(Error::InvalidInput(format!(
            "the new key is too short ({n} characters): an API key is much longer; paste the whole key"
        )));
    }
    Ok(())
}

/// Plan a manual replace of `target` by `new`: refuses a key that breaks [`validate_pasted`]; checks its
/// shape, and, when the key is linked (and has the shape, or `anyway`), verifies it with the provider.
/// Nothing is written; the provider's check is the only call made.
pub fn plan_manual(
    ctx: &Context,
    http: &Http,
    target: Target<'_>,
    new: Secret,
    anyway: bool,
) -> Result<ManualPlan> {
    let report = ctx.scan()?;
    let (credential, old) = match target {
        Target::Credential(id) => match report.secret_of(id) {
            Some(old) => (id.to_string(), old),
            None if report.credentials.iter().any(|c| c.id == id) => {
                return Err(Error::InvalidInput(
                    "no config holds this key itself (it is protected: the configs hold a rekey:// reference and the key is in the keychain); unprotect it first, or rotate it".into(),
                ))
            }
            None => return Err(Error::UnknownCredential(id.into())),
        },
        Target::Old(old) => (fingerprint(ctx, old)?, old.clone()),
    };
    validate_pasted(&old, &new)?;
    // A key whose own rotation is not finished (create-then-revoke left both keys live, …) is refused
    // like a rotation of it: replacing it would leave that rotation with nothing to roll back or revoke.
    if let Some(why) = crate::change::journal::unfinished_maker(&ctx.data_dir, &credential) {
        return Err(Error::Preflight(why));
    }
    // The pasted key is another linked key's (the wrong key copied): refused, it would take that key's
    // link and merge the two keys.
    let new_credential = fingerprint(ctx, &new)?;
    if let Some(other) = Links::new(&ctx.data_dir)
        .get(&new_credential)
        .map_err(|e| Error::io(&ctx.data_dir, e))?
    {
        return Err(Error::InvalidInput(format!(
            "the new key is already another key Rekey knows (linked to {}): check that you pasted the right key; nothing changed",
            other.provider
        )));
    }
    let mut plan = plan_for(&report, &old);
    for c in plan.files.iter_mut().flat_map(|f| f.changes.iter_mut()) {
        c.after = new.masked();
    }
    let link = Links::new(&ctx.data_dir)
        .get(&credential)
        .map_err(|e| Error::io(&ctx.data_dir, e))?;
    let provider = match &link {
        Some(l) => Some(
            providers::by_id(&l.provider)
                .ok_or_else(|| Error::UnknownProvider(l.provider.clone()))?,
        ),
        None => report
            .credentials
            .iter()
            .find(|c| c.id == credential)
            .and_then(|c| c.provider)
            .and_then(providers::by_id),
    };
    let shape = shape_of(provider, &new);
    let verification = match (&link, provider) {
        (None, _) | (_, None) => Verification::NotLinked,
        _ if plan.files.is_empty() => Verification::NotChecked {
            reason: "no config Rekey can rewrite holds the old key".into(),
        },
        _ if matches!(shape, ShapeCheck::Mismatch { .. }) && !anyway => Verification::NotChecked {
            reason: "it does not look like this provider's key, so it was not sent to the provider"
                .into(),
        },
        (Some(link), Some(p)) => verify(http, p, link, &old, &new),
    };
    Ok(ManualPlan {
        new_credential,
        credential,
        old_masked: old.masked(),
        new_masked: new.masked(),
        provider: provider.map(|p| p.id().to_string()),
        provider_name: provider.map(|p| p.name().to_string()),
        linked: link.is_some(),
        shape,
        anyway,
        verification,
        plan,
        old,
        new,
    })
}

/// The provider's own check of the new key; its text leaves through the scrubbing boundary.
fn verify(
    http: &Http,
    p: &dyn providers::Provider,
    link: &Link,
    old: &Secret,
    new: &Secret,
) -> Verification {
    match p.verify(http, link, new) {
        Ok(()) => Verification::Verified {
            provider: p.name().into(),
        },
        Err(e) => Verification::Failed {
            provider: p.name().into(),
            code: e.code().into(),
            message: crate::scrub::Scrubber::new()
                .with(old)
                .with(new)
                .clean(&e.to_string()),
        },
    }
}

/// The key's shape against its provider's documented ones, and the usual length of API keys.
fn shape_of(provider: Option<&dyn providers::Provider>, new: &Secret) -> ShapeCheck {
    let n = new.expose().chars().count();
    if n < USUAL_LEN {
        return ShapeCheck::Mismatch {
            reason: format!(
                "it is {n} characters long, shorter than API keys usually are (at least {USUAL_LEN})"
            ),
        };
    }
    let Some(p) = provider else {
        return ShapeCheck::Unknown;
    };
    let shapes = p.key_shapes();
    if shapes.is_empty() {
        return ShapeCheck::Unknown;
    }
    if shapes.iter().any(|s| s.matches(new.expose())) {
        return ShapeCheck::Matches {
            provider: p.name().into(),
        };
    }
    let expected: Vec<String> = shapes.iter().map(|s| s.describe()).collect();
    ShapeCheck::Mismatch {
        reason: format!("a {} key {}", p.name(), expected.join(" or ")),
    }
}

/// A key's credential id (the keyed fingerprint the scan gives it).
fn fingerprint(ctx: &Context, key: &Secret) -> Result<String> {
    Ok(
        crate::scan::fingerprint::Fingerprinter::load_or_create(&ctx.data_dir)
            .map_err(|e| Error::io(&ctx.data_dir, e))?
            .id(key.expose()),
    )
}

impl ManualPlan {
    /// Why applying this plan with `o` would be refused, if it would. The texts name no key.
    pub fn refusal(&self, o: Overrides) -> Option<Error> {
        if self.plan.files.is_empty() {
            return Some(Error::InvalidInput(
                "no config file Rekey can rewrite holds this key literally; nothing changed".into(),
            ));
        }
        if let ShapeCheck::Mismatch { reason } = &self.shape {
            if !o.anyway || !self.anyway {
                return Some(Error::InvalidInput(format!(
                    "the new key does not look like {}: {reason}. Check that you pasted the right key, or use it anyway (`--anyway`); nothing changed",
                    self.provider_name
                        .as_deref()
                        .map(|n| format!("a {n} key"))
                        .unwrap_or_else(|| "an API key".into())
                )));
            }
        }
        if let Verification::Failed {
            provider, message, ..
        } = &self.verification
        {
            if !o.write_anyway {
                return Some(Error::Reported {
                    code: "new_key_refused",
                    message: format!(
                        "{provider} refused the new key: {message}. Nothing was written. If you are sure it is right, write it anyway (`--write-anyway`)"
                    ),
                });
            }
        }
        None
    }
}

mod apply;
pub use apply::apply_manual;

#[cfg(test)]
mod tests {
    use super::*;

    fn home_with(text: &str) -> (tempfile::TempDir, Context, std::path::PathBuf) {
        let home = tempfile::tempdir().unwrap();
        let ctx = Context {
            env: crate::clients::Env::linux_at(home.path()),
            data_dir: home.path().join("data"),
            settings: Default::default(),
            scan_cache: Default::default(),
        };
        let cursor = home.path().join(".cursor/mcp.json");
        std::fs::create_dir_all(cursor.parent().unwrap()).unwrap();
        std::fs::write(&cursor, text).unwrap();
        (home, ctx, cursor)
    }

    #[test]
    fn a_pasted_key_is_checked_then_replaces_every_literal_use() {
        let text = "{\"mcpServers\": {\"a\": {\"env\": {\"BITSCALE_API_KEY\": \"sk-live-0123456789abcdef\"}}}}";
        let (_home, ctx, cursor) = home_with(text);
        let http = Http::from_env();
        let id = ctx.scan().unwrap().credentials[0].id.clone();
        let plan = |new: &str, anyway| {
            plan_manual(
                &ctx,
                &http,
                Target::Credential(&id),
                Secret::new(new.into()),
                anyway,
            )
        };
        for bad in [
            "",
            "abc",
            "two\nlines",
            "sk-live-0123456789abcdef",
            " sk-live-fedcba9876543210",
            "sk-live-fedcba9876543210 ",
            "sk-live-fedcba9876543210\t",
            "sk-live-fedcba 9876543210",
            "sk-live-fedcba\u{200B}9876543210",
        ] {
            for anyway in [false, true] {
                let e = plan(bad, anyway).unwrap_err();
                assert_eq!(e.code(), "invalid_input", "{bad:?}");
                assert!(!e.to_string().contains("fedcba"), "{e}");
            }
        }
        assert!(plan_manual(
            &ctx,
            &http,
            Target::Credential("cred_nope"),
            Secret::new("sk-live-fedcba9876543210".into()),
            false
        )
        .is_err());
        // Another vendor's key: not BitScale's shape; refused unless used anyway.
        let p = plan("glpat-fedcba9876543210", false).unwrap();
        assert!(matches!(p.shape, ShapeCheck::Mismatch { .. }), "{p:?}");
        assert_eq!(p.verification, Verification::NotLinked);
        let e = apply_manual(&ctx, &p, Overrides::default()).unwrap_err();
        assert!(e.to_string().contains("sk-live-"), "{e}");
        // `anyway` at confirmation is not enough: the plan must have been made with it.
        assert!(apply_manual(
            &ctx,
            &p,
            Overrides {
                anyway: true,
                write_anyway: false
            }
        )
        .is_err());
        assert_eq!(std::fs::read_to_string(&cursor).unwrap(), text);
        // The plan names the usage with its masked diff.
        let p = plan("sk-live-fedcba9876543210", false).unwrap();
        assert_eq!(
            p.shape,
            ShapeCheck::Matches {
                provider: "BitScale".into()
            }
        );
        let c = &p.plan.files[0].changes[0];
        assert_eq!(
            (c.before.as_str(), c.after.as_str()),
            ("sk-l…cdef", "sk-l…3210")
        );
        let out = apply_manual(&ctx, &p, Overrides::default()).unwrap();
        assert_eq!(out.check, Checked::NotLinked);
        assert!(out.files[0].ok && out.files[0].backup.is_some());
        assert_eq!(out.credential, id);
        assert_eq!(
            ctx.scan().unwrap().credentials[0].id,
            out.new_credential,
            "the outcome names the id the scan gives the new key"
        );
        assert_eq!(
            std::fs::read_to_string(&cursor).unwrap(),
            text.replace("sk-live-0123456789abcdef", "sk-live-fedcba9876543210")
        );
    }

    #[test]
    fn a_plan_whose_usages_changed_is_refused_under_the_lock() {
        let text = "{\"mcpServers\": {\"a\": {\"env\": {\"API_KEY\": \"zz-0123456789abcdefgh\"}}}}";
        let (home, ctx, cursor) = home_with(text);
        let old = Secret::new("zz-0123456789abcdefgh".into());
        let p = plan_manual(
            &ctx,
            &Http::from_env(),
            Target::Old(&old),
            Secret::new("zz-fedcba9876543210zz".into()),
            false,
        )
        .unwrap();
        assert_eq!(p.shape, ShapeCheck::Unknown);
        // A second config starts using the key after the plan was shown.
        let claude = home.path().join(".claude.json");
        std::fs::write(&claude, text).unwrap();
        let e = apply_manual(&ctx, &p, Overrides::default()).unwrap_err();
        assert_eq!(e.code(), "plan_changed", "{e}");
        assert_eq!(std::fs::read_to_string(&cursor).unwrap(), text);
        assert_eq!(std::fs::read_to_string(&claude).unwrap(), text);
    }

    #[test]
    fn shapes_say_what_they_expect() {
        use crate::providers::KeyShape;
        let ap = KeyShape {
            prefix: "",
            len: Some((21, 21)),
            alphanumeric: true,
        };
        assert!(ap.matches("abcdefghij0123456789Z"));
        assert!(!ap.matches("abcdefghij0123456789_"));
        assert!(!ap.matches("abcdefghij0123456789"));
        assert_eq!(ap.describe(), "21 letters and digits");
        assert_eq!(KeyShape::prefix("napi_").describe(), "starts with `napi_`");
        for p in crate::providers::all() {
            for s in p.key_shapes() {
                assert!(!s.describe().is_empty(), "{}", p.id());
            }
        }
    }
}
