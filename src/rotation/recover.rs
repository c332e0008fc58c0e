//! Recovery: finish or explain every rotation a crash or a kill stopped mid-way. Never calls a
//! provider's rotate endpoint. Skips rotations still running in another process (their lock is held).

use super::finish::resume;
use super::journal::{Journal, Step};
use super::lock::RotationLock;
use super::{account_of, audit, Recovered};
use crate::context::Context;
use crate::providers::{self, Http};
use crate::vault::Vault;
use crate::{Error, Result};

/// Finish or explain every interrupted rotation.
pub fn recover(ctx: &Context, vault: &Vault, http: &Http) -> Result<Vec<Recovered>> {
    let journal = Journal::new(&ctx.data_dir);
    let jio = |e: std::io::Error| Error::io(ctx.data_dir.join("journal"), e);
    let fp = crate::scan::fingerprint::Fingerprinter::load_or_create(&ctx.data_dir)
        .map_err(|e| Error::io(&ctx.data_dir, e))?;
    // Rekey's own temp files beside the configs (a write killed before its rename) hold a new key.
    if let Ok(report) = ctx.scan() {
        let paths: Vec<_> = report.files.iter().map(|f| f.path.clone()).collect();
        crate::edit::atomic::remove_stray_temps(&paths);
    }
    // A rotation killed during the provider's call leaves its early backups as hard links to the configs.
    let _ = ctx.backups().repair_links();
    let mut out = Vec::new();
    // Every other kind of change a kill stopped (protect, unprotect, replace, add, restore, …): its history
    // line says so, with the files it may have written (their writes are atomic: each file holds either
    // the old or the new content, and a keychain entry a config references is never deleted before the
    // configs stopped referencing it).
    for i in crate::change::recover(ctx)? {
        out.push(Recovered {
            rotation: i.id.clone(),
            provider: i.provider.clone(),
            step: Step::Unknown,
            message: format!(
                "an interrupted {} was found and recorded in the history; look at {}",
                i.kind.noun(),
                i.files_to_look_at()
            ),
            left: Vec::new(),
        });
    }
    for listed in journal.interrupted().map_err(jio)? {
        // A rotation still running in another process holds its lock: leave it alone.
        let Ok(_lock) = RotationLock::try_acquire(&ctx.data_dir, &listed.credential)? else {
            continue;
        };
        // Read it again under the lock: it may have moved on just before its process let go.
        let Some(mut entry) = journal.get(&listed.id).map_err(jio)? else {
            continue;
        };
        if !entry.interrupted() {
            continue;
        }
        let Some(provider) = providers::by_id(&entry.provider) else {
            out.push(Recovered {
                message: Error::UnknownProvider(entry.provider.clone()).to_string(),
                ..Recovered::from(&entry)
            });
            continue;
        };
        // The new key, if the provider's answer got as far as the keychain. The intent names the account
        // before the call, so this also finds a key stored just before a stop.
        let new = match vault.get(&account_of(&entry)) {
            Ok(new) => Some(new),
            Err(e) if e.code() == "keychain_entry_missing" => None,
            Err(e) => {
                // Locked or unreachable: not an answer either way. Keep the rotation interrupted.
                out.push(Recovered {
                    message: format!("the keychain could not be read ({e}); this rotation stays interrupted: unlock the keychain and run recovery again"),
                    ..Recovered::from(&entry)
                });
                continue;
            }
        };
        match (entry.step, new) {
            (_, Some(new)) => {
                if entry.new_credential.is_none() {
                    entry.new_credential = Some(fp.id(new.expose()));
                    entry.new_masked = Some(new.masked());
                }
                if entry.step == Step::Intent {
                    entry.step = Step::Held;
                    journal.save(&entry).map_err(jio)?;
                }
                // One rotation that cannot be finished must not keep recovery from the others. (A
                // create-then-revoke rotation stopped after it was verified only has its revoke left.)
                let verified = entry.create_then_revoke() && entry.step == Step::Verified;
                let done = if verified {
                    Ok(())
                } else {
                    resume(ctx, vault, http, &mut entry, &new)
                }
                .and_then(|()| super::revoke::then_revoke(ctx, vault, http, &mut entry, &new));
                if let Err(e) = done {
                    out.push(Recovered {
                        message: format!(
                            "could not be finished ({}); run recovery again after fixing that",
                            e.public_message()
                        ),
                        ..Recovered::from(&entry)
                    });
                    continue;
                }
                if entry.step != Step::Incomplete {
                    let mut m = match &entry.verify_error {
                        Some(v) => format!("finished from the keychain after an interruption; {v}"),
                        None => "finished from the keychain after an interruption".into(),
                    };
                    if let Some(model) = entry.model {
                        m = format!("{m}; {}", super::old_key_status(&entry, model, None));
                    }
                    entry.message = Some(m);
                    journal.save(&entry).map_err(jio)?;
                }
            }
            (Step::Created, None) if entry.create_then_revoke() => {
                // The provider made the new key but it never reached the keychain: it is of no use to
                // anyone. No config changed; the old key still works. Delete the new key.
                entry.step = Step::RolledBack;
                entry.message = Some(format!(
                    "Rekey stopped after {} created the new key and before it was kept: no config changed and the old key still works",
                    provider.name()
                ));
                match entry.old_account.as_deref().map(|a| vault.get(a)) {
                    Some(Ok(old)) => match super::revoke::link_of(ctx, &entry) {
                        Ok(link) => super::rollback::delete_new(
                            vault, http, provider, &link, &mut entry, &old,
                        ),
                        Err(e) => {
                            entry.message = Some(format!("{}; the new key could not be deleted ({}): delete the key named 'rekey-{}' in the provider's console", entry.message.clone().unwrap_or_default(), e.public_message(), entry.id));
                        }
                    },
                    _ => {
                        entry.message = Some(format!("{}; the old key is not in the keychain, so Rekey cannot delete the new one: delete the key named 'rekey-{}' in the provider's console", entry.message.clone().unwrap_or_default(), entry.id));
                    }
                }
                if entry.new_key_deleted {
                    if let Some(a) = entry.old_account.take() {
                        let _ = vault.delete(&a);
                    }
                }
                journal.save(&entry).map_err(jio)?;
                audit(ctx, &entry);
            }
            (Step::Intent, None) if entry.create_then_revoke() => {
                entry.step = Step::Unknown;
                entry.message = Some(format!(
                    "Rekey stopped while asking {} to create the new key: a key named 'rekey-{}' may or may not exist there. The old key still works and no config changed; nothing was retried. Delete that key in the provider's console if it exists",
                    provider.name(),
                    entry.id
                ));
                if let Some(a) = entry.old_account.take() {
                    let _ = vault.delete(&a);
                }
                journal.save(&entry).map_err(jio)?;
                audit(ctx, &entry);
            }
            (Step::Intent, None) => {
                entry.step = Step::Unknown;
                entry.message = Some(format!(
                    "Rekey stopped while calling {}: the key may or may not have been rotated. Nothing was retried. Check with `rekey verify {}` (if the old key still works, nothing happened) or in the provider's console; if it was rotated, put the new key in with `rekey replace`.",
                    provider.name(),
                    entry.credential
                ));
                journal.save(&entry).map_err(jio)?;
                audit(ctx, &entry);
            }
            (_, None) => {
                out.push(Recovered {
                    message: format!("the new key is not in the keychain under '{}' any more; this rotation cannot be finished by Rekey: get the key from the provider's console and use `rekey replace`", account_of(&entry)),
                    ..Recovered::from(&entry)
                });
                continue;
            }
        }
        out.push(Recovered::from(&entry));
    }
    missing_history(ctx, &journal);
    Ok(out)
}

/// A rotation journals its last step, then appends its history line: a kill between the two leaves a
/// finished rotation with no line in the history. Each journal entry that ended (or waits for the user,
/// `incomplete`) without its line gets it now. One still running (its lock held) is left alone.
fn missing_history(ctx: &Context, journal: &Journal) {
    let Ok(entries) = journal.all() else { return };
    // A history that cannot be read is not an empty one: then nothing is written back.
    let Ok(lines) = crate::change::history::Audit::new(&ctx.data_dir).entries() else {
        return;
    };
    let audited: std::collections::HashSet<(String, Step)> =
        lines.into_iter().map(|l| (l.rotation, l.outcome)).collect();
    for e in entries {
        if !(e.step.is_final() || e.step == Step::Incomplete)
            || e.interrupted()
            || audited.contains(&(e.id.clone(), e.step))
        {
            continue;
        }
        let Ok(Ok(_lock)) = RotationLock::try_acquire(&ctx.data_dir, &e.credential) else {
            continue;
        };
        // Read again under the lock: its own process may have written the line meanwhile.
        let again = crate::change::history::Audit::new(&ctx.data_dir)
            .entries()
            .map(|ls| ls.iter().any(|l| l.rotation == e.id && l.outcome == e.step));
        if matches!(again, Ok(false)) {
            // The kind that wrote the step: a rollback's and a keep-both's own lines are theirs.
            let kind = match e.step {
                Step::RolledBack => crate::change::Kind::Rollback,
                Step::KeptBoth => crate::change::Kind::KeepBoth,
                _ => crate::change::Kind::Rotate,
            };
            super::audit_as(ctx, &e, kind);
        }
    }
}
