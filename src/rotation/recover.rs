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
    let mut out = Vec::new();
    for listed in journal.interrupted().map_err(jio)? {
        // A rotation still running in another process holds its lock: leave it alone.
        let Ok(_lock) = RotationLock::try_acquire(&ctx.data_dir, &listed.credential)? else {
            continue;
        };
        // Read it again under the lock: it may have moved on just before its process let go.
        let Some(mut entry) = journal.get(&listed.id).map_err(jio)? else {
            continue;
        };
        if !entry.step.interrupted() {
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
                // One rotation that cannot be finished must not keep recovery from the others.
                if let Err(e) = resume(ctx, http, &mut entry, &new) {
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
                    entry.message = Some(match &entry.verify_error {
                        Some(v) => format!("finished from the keychain after an interruption; {v}"),
                        None => "finished from the keychain after an interruption".into(),
                    });
                    journal.save(&entry).map_err(jio)?;
                }
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
    Ok(out)
}
