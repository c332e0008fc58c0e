//! The create-then-revoke commands: rollback, keep-both, revoke-old.

use super::*;

/// The model in a few words (`rekey providers`).
pub(super) fn model_words(m: crate::providers::Model) -> &'static str {
    match m {
        crate::providers::Model::RotateInPlace => "rotate-in-place",
        crate::providers::Model::RotateWithGrace => "rotate-with-grace",
        crate::providers::Model::CreateThenRevoke => "create-then-revoke",
    }
}

pub(super) fn execute(command: Command, out: &mut dyn Write) -> Result<i32, CliError> {
    let ctx = Context::from_os()?;
    let vault = vault::Vault::default();
    let (r, json) = match command {
        Command::Rollback { rotation, json } => (
            crate::rotation::rollback(&ctx, &vault, &http(), &rotation)?,
            json,
        ),
        Command::KeepBoth { rotation, json } => {
            (crate::rotation::keep_both(&ctx, &rotation)?, json)
        }
        Command::RevokeOld { rotation, json } => (
            crate::rotation::revoke_old_rotation(&ctx, &vault, &http(), &rotation)?,
            json,
        ),
        other => {
            return Err(CliError::Usage(format!(
                "not a create-then-revoke command: {other:?}"
            )))
        }
    };
    if json {
        print_json(out, &r)?;
    } else {
        writeln!(
            out,
            "{} ({}): {}. {}",
            r.rotation,
            r.provider,
            crate::rotation::step_word(r.step),
            r.message
        )?;
    }
    use crate::rotation::journal::Step;
    Ok(match r.step {
        Step::Revoked | Step::KeptBoth => 0,
        Step::RolledBack if !r.message.contains("still active") => 0,
        _ => EXIT_PARTIAL,
    })
}
