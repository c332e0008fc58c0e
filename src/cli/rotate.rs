//! The rotation commands: providers, login, link, plan, rotate, verify, history, finish, recover.

use super::output::{note, parse_duration, show_once};
use super::*;

pub(super) fn execute(
    command: Command,
    out: &mut dyn Write,
    stdin: &mut dyn Read,
) -> Result<i32, CliError> {
    match command {
        Command::Providers { json } => {
            let list = crate::rotation::provider_list();
            if json {
                print_json(out, &list)?;
            } else {
                for p in crate::providers::all() {
                    let auth = match p.rotate_auth() {
                        crate::providers::RotateAuth::CurrentKey => "the current key".to_string(),
                        crate::providers::RotateAuth::AdminCredential => {
                            format!("an admin credential (rekey login {})", p.id())
                        }
                    };
                    let model = super::ctr::model_words(p.model(&Default::default()));
                    let ids = p.required_ids().join(", ");
                    writeln!(
                        out,
                        "{:<22} {:<34} {:<18} rotate authenticated by {}; link ids: {}",
                        p.id(),
                        p.name(),
                        model,
                        auth,
                        if ids.is_empty() { "none" } else { &ids }
                    )?;
                    if !p.help().is_empty() {
                        writeln!(out, "{:<22} {}", "", p.help())?;
                    }
                }
            }
            Ok(0)
        }
        Command::Login { provider, account } => {
            let p = crate::providers::by_id(&provider)
                .ok_or_else(|| crate::Error::UnknownProvider(provider.clone()))?;
            let secret = read_secrets(stdin, 1)
                .map_err(|_| {
                    CliError::Usage("expected the admin credential as one line on stdin".into())
                })?
                .remove(0);
            let acct = crate::rotation::admin_account(p.id(), account.as_deref());
            vault::Vault::default().store(&acct, &secret)?;
            writeln!(
                out,
                "stored the {} admin credential ({}) in the keychain as '{acct}'",
                p.name(),
                secret.masked()
            )?;
            Ok(0)
        }
        Command::Link {
            credential,
            provider,
            base_url,
            account,
            server_id,
            tenant,
            integration,
            account_id,
            token_id,
            client_id,
            app_url,
            agent_id,
            spec,
            key_id,
            org_id,
            project_id,
            service_account_id,
            site,
        } => {
            let p = crate::providers::by_id(&provider)
                .ok_or_else(|| crate::Error::UnknownProvider(provider.clone()))?;
            let ctx = Context::from_os()?;
            let mut link = crate::providers::Link {
                provider: p.id().into(),
                base_url,
                account,
                ids: Default::default(),
            };
            for (k, v) in [
                ("server_id", server_id),
                ("tenant", tenant),
                ("integration", integration),
                ("account_id", account_id),
                ("token_id", token_id),
                ("client_id", client_id),
                ("app_url", app_url),
                ("agent_id", agent_id),
                (
                    "spec",
                    spec.map(|p| std::path::absolute(&p).unwrap_or(p).display().to_string()),
                ),
                ("key_id", key_id),
                ("org_id", org_id),
                ("project_id", project_id),
                ("service_account_id", service_account_id),
                ("site", site),
            ] {
                if let Some(v) = v {
                    link.ids.insert(k.into(), v);
                }
            }
            crate::rotation::link(&ctx, &credential, link).map_err(|e| match e {
                crate::Error::InvalidInput(m) => CliError::Usage(flagify(&m)),
                other => other.into(),
            })?;
            writeln!(out, "linked {credential} to {}", p.name())?;
            Ok(0)
        }
        Command::Plan {
            credential,
            json,
            grace,
            literal_in_tracked,
        } => {
            let grace = grace.as_deref().map(parse_duration).transpose()?;
            let ctx = Context::from_os()?;
            let mut plan =
                crate::rotation::plan(&ctx, &vault::Vault::default(), &http(), &credential, grace)?;
            if literal_in_tracked {
                plan.write_literal_in_tracked();
            }
            if json {
                print_json(out, &plan)?;
            } else {
                print_plan(out, &plan)?;
            }
            Ok(if plan.ready() { 0 } else { EXIT_ERROR })
        }
        Command::Rotate {
            credential,
            yes,
            json,
            grace,
            show_secret,
            despite_unparsed,
            literal_in_tracked,
        } => {
            let grace = grace.as_deref().map(parse_duration).transpose()?;
            let ctx = Context::from_os()?;
            let vault = vault::Vault::default();
            let client = http();
            let mut plan = crate::rotation::plan(&ctx, &vault, &client, &credential, grace)?;
            if literal_in_tracked {
                plan.write_literal_in_tracked();
            }
            if !json {
                print_plan(out, &plan)?;
            }
            if plan.needs_go_ahead() {
                let go = despite_unparsed
                    || (!yes && confirm(
                        "A config that holds this key does not parse (see above). Go ahead anyway?",
                    )?);
                if !go {
                    note("a config that holds this key does not parse: fix it and plan again, or pass --despite-unparsed; nothing changed");
                    return Ok(EXIT_NOT_CONFIRMED);
                }
                plan.go_ahead_despite_unparsed();
            }
            plan.check_ready()?;
            let prompt = match plan.model {
                crate::providers::Model::CreateThenRevoke => format!(
                    "A new key will be created; the old one is revoked only once every config holds the new one and it works. Type the provider's name ({}) to go ahead: ",
                    plan.provider
                ),
                _ => format!(
                    "This is irreversible. Type the provider's name ({}) to rotate: ",
                    plan.provider
                ),
            };
            if !yes && !confirm_with(&prompt, |typed| plan.is_confirmed_by(typed))? {
                note("not confirmed; nothing changed");
                return Ok(EXIT_NOT_CONFIRMED);
            }
            let mut steps = Vec::new();
            let outcome =
                crate::rotation::execute(&ctx, &vault, &client, plan, show_secret, &mut |s| {
                    steps.push(s)
                })?;
            // The rotation happened: a failed write must not stop the shown-once secret below, so the
            // summary's error waits until the secret has been delivered somewhere.
            let printed = (|| -> Result<(), CliError> {
                if json {
                    print_json(out, &outcome)?;
                } else {
                    writeln!(out, "Rotation {}: {:?}", outcome.rotation, outcome.step)?;
                    if outcome.stored_in_keychain {
                        writeln!(
                            out,
                            "The new key ({}) is stored in the OS keychain.",
                            outcome.new_masked.as_deref().unwrap_or("")
                        )?;
                    }
                    for f in &outcome.files {
                        match &f.error {
                            None => writeln!(out, "  written  {}", f.path.display())?,
                            Some(e) => writeln!(out, "  FAILED   {}", crate::scrub::text(e))?,
                        }
                    }
                    if let Some(e) = &outcome.verify_error {
                        writeln!(out, "Verification FAILED: {}", crate::scrub::text(e))?;
                    }
                    writeln!(out, "Old key: {}", outcome.old_key)?;
                    if !outcome.left.is_empty() {
                        writeln!(
                            out,
                            "INCOMPLETE: some usages still hold the old {}:",
                            if outcome.model == crate::providers::Model::CreateThenRevoke {
                                "key (still active: it is revoked only after every usage holds the new one)"
                            } else {
                                "(dead) key"
                            }
                        )?;
                        for l in &outcome.left {
                            writeln!(out, "  {l}")?;
                        }
                        writeln!(out, "Fix them, then run: rekey finish {}", outcome.rotation)?;
                    }
                    for (client, hint) in &outcome.restart {
                        writeln!(out, "  {client}: {hint}")?;
                    }
                    if !outcome.also_update.is_empty() {
                        writeln!(out, "To do: also update it in these places, by hand (Rekey cannot write there):")?;
                        print_also_update(out, &outcome.also_update)?;
                    }
                }
                out.flush()?;
                Ok(())
            })();
            if let Some(secret) = &outcome.secret_to_show {
                match &printed {
                    Ok(()) if output::stdout_discards() => {
                        output::last_resort(&mut std::io::stderr(), "it goes to /dev/null", secret);
                        return Err(CliError::Output(std::io::Error::other(
                            "the new secret would go to /dev/null; it was printed on stderr instead",
                        )));
                    }
                    // (JSON mode printed it inside the outcome.)
                    Ok(()) if json => {}
                    Ok(()) => {
                        if !outcome.stored_in_keychain {
                            note("the keychain could not store the new key. Save it now; it is shown once and no config was changed:");
                        }
                        show_once(out, &mut std::io::stderr(), secret)?;
                    }
                    Err(e) => output::last_resort(&mut std::io::stderr(), &e.to_string(), secret),
                }
            }
            printed?;
            let all_ok = outcome.files.iter().all(|f| f.ok);
            Ok(match outcome.step {
                crate::rotation::journal::Step::Verified
                | crate::rotation::journal::Step::Revoked
                    if all_ok =>
                {
                    0
                }
                crate::rotation::journal::Step::Shown => EXIT_ERROR,
                _ => EXIT_PARTIAL,
            })
        }
        Command::Verify { credential } => {
            let ctx = Context::from_os()?;
            crate::rotation::verify(&ctx, &http(), &credential)?;
            writeln!(out, "{credential}: the provider accepts this key")?;
            Ok(0)
        }
        Command::Name { key, name } => {
            let ctx = Context::from_os()?;
            let id = ctx.key_id(&key)?;
            crate::change::keys::Keys::new(&ctx.data_dir).set_name(&id, &name)?;
            writeln!(
                out,
                "{id}: {}",
                if name.trim().is_empty() {
                    "name removed".to_string()
                } else {
                    format!("named {:?}", name.trim())
                }
            )?;
            Ok(0)
        }
        Command::History { json } => {
            let ctx = Context::from_os()?;
            let lines = crate::rotation::store::Audit::new(&ctx.data_dir)
                .read()
                .map_err(|e| crate::Error::io(&ctx.data_dir, e))?;
            if json {
                print_json(out, &lines)?;
            } else {
                for l in &lines {
                    // Lines from before other kinds of change were recorded are rotations.
                    let kind = l["kind"].as_str().unwrap_or("rotate");
                    let key = l["key"].as_str().or(l["credential"].as_str()).unwrap_or("");
                    writeln!(
                        out,
                        "{}  {:<10} {:<18} {:<14} {}{}",
                        l["time"].as_str().unwrap_or(""),
                        kind,
                        l["provider"].as_str().unwrap_or(""),
                        l["outcome"].as_str().unwrap_or(""),
                        key,
                        match l["new_key"].as_str() {
                            Some(m) => format!(" → {m}"),
                            None => String::new(),
                        }
                    )?;
                    if kind != "rotate" {
                        if let Some(m) = l["message"].as_str() {
                            writeln!(out, "    {m}")?;
                        }
                    }
                    // Create-then-revoke states that wait for the user.
                    let rot = l["rotation"].as_str().unwrap_or("");
                    match (l["outcome"].as_str(), l["model"].as_str()) {
                        (Some("revoke-failed"), _) => writeln!(out, "    old key still active: revoke it (rekey revoke-old {rot})")?,
                        (Some("kept-both"), _) => writeln!(out, "    both keys active: rekey revoke-old {rot}, or rekey rollback {rot}")?,
                        (Some("verify-failed"), Some("create-then-revoke")) => writeln!(out, "    old key not revoked: rekey rollback {rot}, or rekey keep-both {rot}")?,
                        _ => {}
                    }
                }
            }
            Ok(0)
        }
        Command::Finish { rotation, json } => {
            let ctx = Context::from_os()?;
            let r = crate::rotation::finish_rotation(
                &ctx,
                &vault::Vault::default(),
                &http(),
                &rotation,
            )?;
            if json {
                print_json(out, &r)?;
            } else {
                writeln!(
                    out,
                    "{} ({}): {:?}. {}",
                    r.rotation, r.provider, r.step, r.message
                )?;
            }
            Ok(match r.step {
                crate::rotation::journal::Step::Verified
                | crate::rotation::journal::Step::Revoked => 0,
                _ => EXIT_PARTIAL,
            })
        }
        Command::Recover { json } => {
            let ctx = Context::from_os()?;
            let done = crate::rotation::recover(&ctx, &vault::Vault::default(), &http())?;
            // A journal file that does not read back is not acted on, but never passed over in silence.
            let journal = crate::rotation::journal::Journal::new(&ctx.data_dir);
            for (path, why) in journal.unreadable().unwrap_or_default() {
                note(&format!(
                    "{} cannot be read ({why}): Rekey leaves that rotation alone; look at the file, then move it away",
                    path.display()
                ));
            }
            if json {
                print_json(out, &done)?;
            } else if done.is_empty() {
                writeln!(out, "No interrupted rotation.")?;
            } else {
                for r in &done {
                    writeln!(
                        out,
                        "{} ({}): {:?}. {}",
                        r.rotation, r.provider, r.step, r.message
                    )?;
                }
            }
            Ok(0)
        }
        other => Err(CliError::Usage(format!(
            "not a rotation command: {other:?}"
        ))),
    }
}

fn print_plan(out: &mut dyn Write, p: &crate::rotation::RotationPlan) -> std::io::Result<()> {
    writeln!(
        out,
        "Rotate {} ({}) at {}",
        p.credential, p.masked, p.provider_name
    )?;
    match (p.model, p.grace_seconds) {
        (crate::providers::Model::CreateThenRevoke, _) => writeln!(out, "{}", p.risk)?,
        (_, Some(g)) if g > 0 => writeln!(
            out,
            "The old key keeps working for {g} s after the rotation, then stops. {}",
            p.risk
        )?,
        _ => writeln!(
            out,
            "The old key STOPS WORKING AT ONCE when the provider rotates it. {}",
            p.risk
        )?,
    }
    for n in &p.notes {
        writeln!(out, "{n}")?;
    }
    writeln!(out, "Files that will change:")?;
    if p.replace.files.is_empty() {
        writeln!(out, "  (none)")?;
    }
    let (first, rest): (Vec<_>, Vec<_>) = p
        .replace
        .files
        .iter()
        .cloned()
        .partition(|f| p.protect_first.contains(&f.path));
    print_file_plans(out, &rest)?;
    if !first.is_empty() {
        writeln!(
            out,
            "Files git tracks, protected first (a rekey:// reference, not the new key):"
        )?;
        for f in &first {
            writeln!(out, "  {} [{:?}]", f.path.display(), f.client)?;
        }
    }
    if !p.restart.is_empty() {
        writeln!(out, "Afterwards, so the clients use the new key:")?;
        for (client, hint) in &p.restart {
            writeln!(out, "  {client}: {hint}")?;
        }
    }
    writeln!(out, "Preflight:")?;
    for c in &p.preflight {
        writeln!(
            out,
            "  [{}] {}",
            if c.ok { "ok" } else { "FAIL" },
            c.message
        )?;
    }
    for w in &p.warnings {
        writeln!(out, "  warning: {w}")?;
    }
    if !p.also_update.is_empty() {
        writeln!(
            out,
            "Also update it in these places, by hand after the rotation (Rekey cannot write there; they do not make the rotation incomplete):"
        )?;
        print_also_update(out, &p.also_update)?;
    }
    for u in &p.replace.unparsed {
        writeln!(
            out,
            "  warning: {} does not parse ({}); it holds this key at line {}: fix it before rotating, or go ahead anyway (--despite-unparsed) and `rekey finish` after fixing it (until then that client keeps the dead key)",
            u.path.display(),
            u.reason,
            u.line
        )?;
    }
    Ok(())
}

/// The places outside the configs that hold (or may hold) the key, each with how to update it.
fn print_also_update(
    out: &mut dyn Write,
    places: &[crate::rotation::AlsoUpdate],
) -> std::io::Result<()> {
    for a in places {
        let how_sure = match a.certainty {
            crate::rotation::Certainty::Holds => "holds this key",
            crate::rotation::Certainty::MayHold => {
                "may hold this key (its value is encrypted or in a keychain; same provider)"
            }
        };
        writeln!(out, "  - {}: {how_sure}", a.source)?;
        writeln!(out, "      lives in {}", a.lives_in)?;
        writeln!(out, "      to update: {}", a.update)?;
    }
    Ok(())
}

/// "X needs: server_id, tenant" as the CLI's flags: "X needs: --server-id --tenant".
fn flagify(message: &str) -> String {
    match message.split_once(" needs: ") {
        Some((who, ids)) => format!(
            "{who} needs: {}",
            ids.split(", ")
                .map(|m| format!("--{}", m.replace('_', "-")))
                .collect::<Vec<_>>()
                .join(" ")
        ),
        None => message.to_string(),
    }
}
