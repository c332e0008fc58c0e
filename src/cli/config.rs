//! The config commands: clients, scan, backups, restore, doctor (replace: `manual.rs`).

use super::output::note;
use super::*;

pub(super) fn execute(command: Command, out: &mut dyn Write) -> Result<i32, CliError> {
    match command {
        Command::Clients { json } => {
            let env = clients::Env::from_os()?;
            let files = clients::user_config_files(&env);
            if json {
                print_json(out, &files)?;
            } else {
                for f in &files {
                    let variant = f
                        .location
                        .variant
                        .as_deref()
                        .map(|v| format!(" ({v})"))
                        .unwrap_or_default();
                    let state = if f.exists { "found" } else { "-" };
                    writeln!(
                        out,
                        "{:<6} {:<15} {}{}",
                        state,
                        f.client_name,
                        f.location.path.display(),
                        variant
                    )?;
                }
                for (name, why) in clients::not_scannable() {
                    writeln!(out, "{:<6} {:<15} not scannable: {why}", "n/a", name)?;
                }
            }
            Ok(0)
        }
        Command::Scan { json } => {
            let ctx = Context::from_os()?;
            let mut report = ctx.scan()?;
            let started = std::time::Instant::now();
            let read = ctx.assess_exposure(&mut report, started + EXPOSURE_BUDGET);
            if !json && started.elapsed() > std::time::Duration::from_secs(1) {
                note(&format!(
                    "(read the git history of {} repositories, {} commits, in {:.1} s)",
                    read.repos,
                    read.commits,
                    started.elapsed().as_secs_f64()
                ));
            }
            if json {
                print_json(out, &report)?;
                return Ok(0);
            }
            print_exposed(out, &report)?;
            for f in &report.files {
                let status = match &f.error {
                    Some(e) => format!("  ERROR: {}", crate::scrub::text(e)),
                    None => String::new(),
                };
                writeln!(out, "{} [{:?}]{}", f.path.display(), f.client, status)?;
                for s in &f.servers {
                    let project = s
                        .project
                        .as_deref()
                        .map(|p| format!(" (project {p})"))
                        .unwrap_or_default();
                    writeln!(out, "  server {}{}", s.name, project)?;
                    for slot in &s.slots {
                        let what = match &slot.state {
                            crate::scan::slots::ValueState::Secret => {
                                slot.credential.clone().unwrap_or_default()
                            }
                            crate::scan::slots::ValueState::Placeholder => {
                                "placeholder, not a credential".into()
                            }
                            crate::scan::slots::ValueState::Reference { lives_in }
                                if lives_in.starts_with("protected:") =>
                            {
                                match &slot.credential {
                                    Some(c) => format!("{lives_in}; {c}"),
                                    None => lives_in.clone(),
                                }
                            }
                            crate::scan::slots::ValueState::Reference { lives_in } => {
                                format!("reference: the value lives in {lives_in}; Rekey cannot rewrite it in this file")
                            }
                        };
                        let provider = slot.provider.map(|p| format!(" [{p}]")).unwrap_or_default();
                        writeln!(
                            out,
                            "    {:<40} {:<12} {}{}",
                            slot.location, slot.masked, what, provider
                        )?;
                    }
                }
            }
            writeln!(
                out,
                "\n{} key(s) in plaintext ({} usage(s)); {} usage(s) protected (rekey://, in the keychain)",
                report.summary.plaintext_keys,
                report.summary.plaintext_usages,
                report.summary.protected_usages
            )?;
            for s in &report.stale_rekey {
                writeln!(out, "WARNING: {} ({})", s.warning, s.file.display())?;
            }
            writeln!(out, "\n{} credential(s):", report.credentials.len())?;
            for c in &report.credentials {
                let provider = c.provider.map(|p| format!(" [{p}]")).unwrap_or_default();
                writeln!(
                    out,
                    "  {} {} used {} time(s){}",
                    c.id, c.masked, c.usages, provider
                )?;
            }
            if !report.held_elsewhere.is_empty() {
                writeln!(
                    out,
                    "\n{} held elsewhere (outside the configs; Rekey does not rewrite these):",
                    report.held_elsewhere.len()
                )?;
                for h in &report.held_elsewhere {
                    let value = match (&h.credential, &h.masked) {
                        (Some(c), Some(m)) => format!("{c} {m}"),
                        (Some(c), None) => c.clone(),
                        _ => "value not readable by Rekey".into(),
                    };
                    let provider = h.provider.map(|p| format!(" [{p}]")).unwrap_or_default();
                    writeln!(out, "  {}: {value}{provider}", h.source)?;
                    writeln!(out, "    lives in {}", h.lives_in)?;
                    writeln!(out, "    to update: {}", h.update)?;
                }
            }
            Ok(0)
        }
        Command::Backups {
            json,
            purge: Some(key),
            yes,
        } => {
            let ctx = Context::from_os()?;
            let plan = crate::protect::purge::plan_purge(&ctx, &vault::Vault::default(), &key)?;
            if plan.backups.is_empty() {
                if json {
                    print_json(out, &plan.backups)?;
                } else {
                    writeln!(out, "No backup holds this key; nothing deleted.")?;
                }
                return Ok(0);
            }
            if !yes {
                if json {
                    print_json(out, &plan.backups)?;
                    return Ok(0);
                }
                writeln!(out, "These backups hold the key in plaintext:")?;
                for b in &plan.backups {
                    writeln!(out, "  {}  {}  {}", b.id, b.original.display(), b.created)?;
                }
                if !confirm("Delete them? They cannot be restored afterwards.")? {
                    note("not confirmed; nothing deleted");
                    return Ok(EXIT_NOT_CONFIRMED);
                }
            }
            let gone = crate::protect::purge::apply_purge(&ctx, &plan)?;
            if json {
                print_json(out, &gone)?;
            } else if gone.is_empty() {
                writeln!(out, "No backup holds this key; nothing deleted.")?;
            } else {
                for b in &gone {
                    writeln!(
                        out,
                        "deleted  {}  {}  {}",
                        b.id,
                        b.original.display(),
                        b.created
                    )?;
                }
                writeln!(out, "deleted {} backup(s) that held the key.", gone.len())?;
            }
            Ok(0)
        }
        Command::Backups {
            json, purge: None, ..
        } => {
            let ctx = Context::from_os()?;
            let list = ctx
                .backups()
                .list()
                .map_err(|e| crate::Error::io(ctx.backups().dir(), e))?;
            if json {
                print_json(out, &list)?;
            } else if list.is_empty() {
                writeln!(out, "No backups yet.")?;
            } else {
                for b in &list {
                    writeln!(
                        out,
                        "{}  {}  {} bytes{}",
                        b.id,
                        b.original.display(),
                        b.size,
                        if b.parsed { "" } else { "  (did not parse)" }
                    )?;
                }
            }
            Ok(0)
        }
        Command::Restore { id, yes } => {
            let ctx = Context::from_os()?;
            let plan = crate::restore::plan_restore(&ctx, &id)?;
            let entry = &plan.backup;
            for w in &plan.warnings {
                writeln!(out, "Warning: {w}")?;
            }
            if !yes
                && !confirm(&format!(
                    "Replace {} with the backup from {}{}?",
                    entry.original.display(),
                    entry.created,
                    if plan.warnings.is_empty() {
                        ""
                    } else {
                        " (see the warning above)"
                    }
                ))?
            {
                note("not confirmed; nothing changed");
                return Ok(EXIT_NOT_CONFIRMED);
            }
            let entry = crate::restore::apply_restore(&ctx, &plan)?;
            writeln!(
                out,
                "restored {} from backup {}",
                entry.original.display(),
                entry.id
            )?;
            Ok(0)
        }
        Command::Doctor { json } => {
            let status = vault::Vault::default().status();
            // Where protected entries point, and those that point to a `rekey` that is gone. Neither
            // changes the exit code: `doctor` answers "is the keychain usable" (scripts wait on it).
            let bin = crate::protect::rekey_bin();
            let stale = Context::from_os()
                .map(|c| c.stale_rekey())
                .unwrap_or_default();
            if json {
                let mut v = serde_json::to_value(&status)?;
                v["rekey_bin"] = match &bin {
                    Ok(b) => b.as_str().into(),
                    Err(_) => serde_json::Value::Null,
                };
                v["stale_rekey"] = serde_json::to_value(&stale)?;
                print_json(out, &v)?;
            } else {
                if status.available {
                    writeln!(out, "keychain: available ({})", status.backend)?;
                } else {
                    writeln!(
                        out,
                        "keychain: NOT available ({}): {}",
                        status.backend,
                        status.message.as_deref().unwrap_or("")
                    )?;
                }
                match &bin {
                    Ok(b) => writeln!(out, "rekey CLI: {b} (protected servers start this path)")?,
                    Err(e) => writeln!(out, "rekey CLI: NOT found: {e}")?,
                }
                for s in &stale {
                    writeln!(out, "WARNING: {} ({})", s.warning, s.file.display())?;
                }
            }
            Ok(if status.available { 0 } else { EXIT_KEYCHAIN })
        }
        other => Err(CliError::Usage(format!("not a config command: {other:?}"))),
    }
}

/// How long `rekey scan` reads git histories before it reports what it found (marked incomplete).
const EXPOSURE_BUDGET: std::time::Duration = std::time::Duration::from_secs(20);

/// Keys in git first: exposed ones (tracked, committed, pushed) with what to do, then those one
/// `git add .` away.
fn print_exposed(out: &mut dyn Write, report: &crate::scan::ScanReport) -> std::io::Result<()> {
    use crate::exposure::ExposureState;
    let listed: Vec<_> = report
        .credentials
        .iter()
        .filter_map(|c| Some((c, c.exposure.as_ref()?)))
        .filter(|(_, e)| e.state >= ExposureState::Untracked)
        .collect();
    if listed.is_empty() {
        return Ok(());
    }
    let exposed = listed.iter().filter(|(_, e)| e.state.is_exposed()).count();
    if exposed > 0 {
        writeln!(out, "EXPOSED: {exposed} key(s) in git; rotate them first:")?;
    }
    for (c, e) in &listed {
        let id = c.key.as_deref().unwrap_or(&c.id);
        let mark = if e.state.is_exposed() { "!!" } else { " !" };
        writeln!(
            out,
            "{mark} {id} {}: {}",
            c.masked,
            crate::scrub::text(&e.summary())
        )?;
        match e.state {
            ExposureState::Pushed => writeln!(
                out,
                "     every copy in the history stays valid until the key is rotated: rekey rotate {id}"
            )?,
            ExposureState::Committed => writeln!(
                out,
                "     it is in the history even if removed from the file: rekey rotate {id}"
            )?,
            ExposureState::Tracked => writeln!(
                out,
                "     the next commit takes it: `rekey protect {id}` puts a rekey:// reference there instead"
            )?,
            _ => writeln!(
                out,
                "     add the file to .gitignore, or `rekey protect {id}`"
            )?,
        }
    }
    writeln!(out)
}
