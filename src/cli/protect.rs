//! `rekey protect` and `rekey unprotect`: plan, confirm (like `rekey rotate`: on the terminal, or
//! `--yes`), apply.

use super::output::note;
use super::*;
use crate::protect::{Applied, Choice, FileChange, Refused, RemoteOption};

pub(super) fn execute(command: Command, out: &mut dyn Write) -> Result<i32, CliError> {
    let ctx = Context::from_os()?;
    let vault = vault::Vault::default();
    let (applied, json) = match command {
        Command::Protect {
            credential,
            via_mcp_remote,
            yes,
            json,
        } => {
            let choice = match via_mcp_remote {
                true => Choice::All,
                false => Choice::None,
            };
            let plan = crate::protect::plan_protect_with(&ctx, &credential, choice)?;
            if json && !yes {
                print_json(out, &plan)?;
                return Ok(if plan.files.is_empty() {
                    EXIT_NOTHING_FOUND
                } else {
                    0
                });
            }
            if !json {
                writeln!(
                    out,
                    "Protect {} ({}): the key goes into the OS keychain as rekey://{}, and these usages will hold that reference:",
                    plan.credential, plan.masked, plan.reference
                )?;
                print_changes(out, &plan.files, false)?;
                if !plan.files.iter().all(|f| f.commands.is_empty()) {
                    writeln!(
                        out,
                        "Wrapped servers start as: {} exec -- <their command>",
                        plan.rekey_bin
                    )?;
                }
                print_refused(out, &plan.cannot)?;
                print_offered(out, &plan.remote, plan.npx.as_deref())?;
                for n in &plan.notes {
                    writeln!(out, "  note: {n}")?;
                }
            }
            if plan.files.is_empty() {
                note("no usage of this key can be protected; nothing changed");
                return Ok(EXIT_NOTHING_FOUND);
            }
            if !yes && !confirm("Protect this key?")? {
                note("not confirmed; nothing changed");
                return Ok(EXIT_NOT_CONFIRMED);
            }
            (crate::protect::apply_protect(&ctx, &vault, &plan)?, json)
        }
        Command::Unprotect {
            reference,
            yes,
            json,
        } => {
            let plan = crate::protect::plan_unprotect(&ctx, &vault, &reference)?;
            if json && !yes {
                print_json(out, &plan)?;
                return Ok(0);
            }
            if !json {
                writeln!(
                    out,
                    "Unprotect {}: the key ({}) goes back into these usages:",
                    plan.references
                        .iter()
                        .map(|r| format!("rekey://{r}"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    plan.masked
                )?;
                print_changes(out, &plan.files, true)?;
            }
            if !yes && !confirm("Put the key back in these configs?")? {
                note("not confirmed; nothing changed");
                return Ok(EXIT_NOT_CONFIRMED);
            }
            (crate::protect::apply_unprotect(&ctx, &vault, &plan)?, json)
        }
        other => return Err(CliError::Usage(format!("not a protect command: {other:?}"))),
    };
    print_applied(out, &applied, json)
}

/// The files of a plan; `undo`: Unprotect's (commands and remote servers go back).
fn print_changes(out: &mut dyn Write, files: &[FileChange], undo: bool) -> std::io::Result<()> {
    for f in files {
        writeln!(out, "  {} [{:?}]", f.path.display(), f.client)?;
        for u in &f.usages {
            writeln!(
                out,
                "    server {:<20} {:<40} {} → {}",
                u.server_label(),
                u.location,
                u.before,
                u.after
            )?;
        }
        for c in &f.commands {
            writeln!(out, "    server {c:<20} command (rekey exec --)")?;
        }
        for c in &f.mcp_remote {
            match undo {
                false => writeln!(out, "    server {c:<20} runs through mcp-remote (rekey exec -- npx -y mcp-remote <its url>)")?,
                true => writeln!(out, "    server {c:<20} connects to its URL again (no mcp-remote)")?,
            }
        }
    }
    Ok(())
}

fn print_refused(out: &mut dyn Write, refused: &[Refused]) -> std::io::Result<()> {
    if refused.is_empty() {
        return Ok(());
    }
    writeln!(out, "These usages keep the key in the config:")?;
    for r in refused {
        writeln!(
            out,
            "  {} [{:?}] server {} {}: {}",
            r.file.display(),
            r.client,
            r.server,
            r.location,
            r.reason
        )?;
    }
    Ok(())
}

fn print_offered(
    out: &mut dyn Write,
    remote: &[RemoteOption],
    npx: Option<&str>,
) -> std::io::Result<()> {
    let offered: Vec<&RemoteOption> = remote.iter().filter(|r| !r.chosen).collect();
    if offered.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        "These remote servers keep the key in the config unless run through mcp-remote (add --via-mcp-remote; uses {}):",
        npx.unwrap_or("npx")
    )?;
    for r in offered {
        writeln!(
            out,
            "  {} [{:?}] server {} ({})",
            r.file.display(),
            r.client,
            r.server,
            r.host
        )?;
    }
    Ok(())
}

fn print_applied(out: &mut dyn Write, applied: &Applied, json: bool) -> Result<i32, CliError> {
    if json {
        print_json(out, applied)?;
    } else {
        for f in &applied.files {
            match &f.error {
                None => writeln!(out, "  written  {}", f.path.display())?,
                Some(e) => writeln!(out, "  FAILED   {}: {e}", f.path.display())?,
            }
        }
        for n in &applied.notes {
            writeln!(out, "Note: {n}")?;
        }
        if !applied.older_backups.is_empty() {
            writeln!(
                out,
                "Older backups still hold this key in plaintext (delete them with `rekey backups --purge {}`):",
                applied.reference
            )?;
            for b in &applied.older_backups {
                writeln!(out, "  {}  {}", b.original.display(), b.created)?;
            }
        }
        if !applied.restart.is_empty() {
            writeln!(out, "Restart the clients so they start the servers again:")?;
            for (client, hint) in &applied.restart {
                writeln!(out, "  {client}: {hint}")?;
            }
        }
    }
    Ok(if applied.files.iter().all(|f| f.ok) {
        0
    } else {
        EXIT_PARTIAL
    })
}
