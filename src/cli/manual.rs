//! `rekey replace`: the manual replace. OLD then NEW from stdin; the new key checked, the plan shown with
//! a masked diff and the checks' results, a confirmation, then the engine's `apply_manual`.

use super::output::note;
use super::*;
use crate::replace::{ManualPlan, Overrides, ShapeCheck, Target, Verification};

pub(super) fn execute(
    command: Command,
    out: &mut dyn Write,
    stdin: &mut dyn Read,
) -> Result<i32, CliError> {
    let Command::Replace {
        dry_run,
        yes,
        json,
        anyway,
        write_anyway,
    } = command
    else {
        return Err(CliError::Usage(format!("not replace: {command:?}")));
    };
    let secrets = read_secrets(stdin, 2)?;
    let (old, new) = (&secrets[0], &secrets[1]);
    let ctx = Context::from_os()?;
    let overrides = Overrides {
        anyway,
        write_anyway,
    };
    let plan = replace::plan_manual(&ctx, &http(), Target::Old(old), new.clone(), anyway)?;
    let left = !plan.plan.unparsed.is_empty();
    if plan.plan.files.is_empty() {
        if json {
            print_json(out, &serde_json::json!({ "plan": plan, "results": [] }))?;
        }
        if left {
            if !json {
                writeln!(out, "No config Rekey can rewrite holds that secret:")?;
                print_unparsed(out, &plan)?;
            }
            note("nothing changed");
            return Ok(EXIT_PARTIAL);
        }
        note("no MCP client config holds that secret; nothing changed");
        for f in ctx.scan()?.files.iter().filter(|f| f.error.is_some()) {
            note(&format!(
                "note: {} was not searched: {}",
                f.path.display(),
                crate::scrub::text(f.error.as_deref().unwrap_or(""))
            ));
        }
        return Ok(EXIT_NOTHING_FOUND);
    }
    if !json {
        print_plan(out, &plan)?;
    }
    let refusal = plan.refusal(overrides);
    if dry_run {
        if json {
            print_json(out, &serde_json::json!({ "plan": plan, "results": [] }))?;
        } else {
            if let Some(e) = &refusal {
                writeln!(out, "Would be refused: {}", e.public_message())?;
            }
            writeln!(out, "Dry run: nothing changed.")?;
        }
        return Ok(if left { EXIT_PARTIAL } else { 0 });
    }
    if let Some(e) = refusal {
        if json {
            print_json(out, &serde_json::json!({ "plan": plan, "results": [] }))?;
        }
        return Err(e.into());
    }
    if !yes && !confirm(&format!("Rewrite {} file(s)?", plan.plan.files.len()))? {
        note("not confirmed; nothing changed");
        return Ok(EXIT_NOT_CONFIRMED);
    }
    crate::testhook::point("confirmed").map_err(CliError::Output)?;
    let outcome = replace::apply_manual(&ctx, &plan, overrides)?;
    let results = &outcome.files;
    if json {
        print_json(
            out,
            &serde_json::json!({ "plan": plan, "results": results, "outcome": outcome }),
        )?;
    } else {
        for r in results {
            match &r.error {
                None => writeln!(
                    out,
                    "  written  {} (backup {})",
                    r.path.display(),
                    r.backup.as_deref().unwrap_or("")
                )?,
                Some(e) => writeln!(out, "  FAILED   {}", crate::scrub::text(e))?,
            }
        }
        if left {
            writeln!(out, "Not rewritten (the old key is still in them):")?;
            print_unparsed(out, &plan)?;
        }
        if outcome.check == replace::Checked::WrittenAnyway {
            writeln!(
                out,
                "Written although the new key failed the provider's check (--write-anyway)."
            )?;
        }
        if outcome.link_moved {
            writeln!(
                out,
                "The key is now {} (its link to {} moved along).",
                outcome.new_credential,
                plan.provider_name.as_deref().unwrap_or("its provider")
            )?;
        } else {
            writeln!(out, "The key is now {}.", outcome.new_credential)?;
            if plan.linked && results.iter().any(|r| r.ok) {
                note(&format!(
                    "warning: the link to {} could not be moved to the new id: link it again (`rekey link {} --provider {}`)",
                    plan.provider_name.as_deref().unwrap_or("its provider"),
                    outcome.new_credential,
                    plan.provider.as_deref().unwrap_or("…")
                ));
            }
        }
    }
    let ok = results.iter().filter(|r| r.ok).count();
    Ok(if ok == 0 {
        EXIT_ERROR
    } else if ok < results.len() || left {
        EXIT_PARTIAL
    } else {
        0
    })
}

/// The plan: every usage with its masked diff, what stays on the old key, and the checks' results.
fn print_plan(out: &mut dyn Write, plan: &ManualPlan) -> std::io::Result<()> {
    writeln!(
        out,
        "Plan: replace {} with {} in {} file(s):",
        plan.old_masked,
        plan.new_masked,
        plan.plan.files.len()
    )?;
    print_file_plans(out, &plan.plan.files)?;
    if !plan.plan.unparsed.is_empty() {
        writeln!(out, "Left on the old key:")?;
        print_unparsed(out, plan)?;
    }
    writeln!(out, "Key id: {} → {}", plan.credential, plan.new_credential)?;
    let shape = match &plan.shape {
        ShapeCheck::Matches { provider } => format!("looks like a {provider} key"),
        ShapeCheck::Unknown => "no documented key shape to check it against".into(),
        ShapeCheck::Mismatch { reason } if plan.anyway => {
            format!("does not look like it should ({reason}); used anyway (--anyway)")
        }
        ShapeCheck::Mismatch { reason } => format!("does not look like it should: {reason}"),
    };
    writeln!(out, "New key: {shape}")?;
    let check = match &plan.verification {
        Verification::NotLinked => {
            "not linked to a provider, so only the key's form was checked".to_string()
        }
        Verification::NotChecked { reason } => format!("not checked: {reason}"),
        Verification::Verified { provider } => format!("{provider} accepts the new key"),
        Verification::Failed {
            provider, message, ..
        } => format!("{provider} REFUSED the new key: {message}"),
    };
    writeln!(out, "Provider check: {check}")
}

/// Configs that hold the key but do not parse stay on the old key.
fn print_unparsed(out: &mut dyn Write, plan: &ManualPlan) -> std::io::Result<()> {
    for u in &plan.plan.unparsed {
        writeln!(
            out,
            "  {} does not parse ({}); it holds this key at line {}: fix it, then run replace again",
            u.path.display(),
            u.reason,
            u.line
        )?;
    }
    Ok(())
}
