//! The `rekey` command line. Secrets are read from stdin, never from arguments.
//!
//! Exit codes: 0 success; 1 error; 2 bad usage or input; 3 keychain unavailable; 4 nothing found;
//! 5 partial failure (some files written, some not); 6 not confirmed (nothing changed).

use crate::context::Context;
use crate::{clients, replace, vault, Secret};
use clap::{Parser, Subcommand};
use std::io::{BufRead, Read, Write};

mod output;
use output::{error_text, note, parse_duration, show_once};

#[derive(Debug, Parser)]
#[command(
    name = "rekey",
    version = crate::VERSION,
    about = "Rotate the API keys of your MCP servers and update every client config, safely.",
    long_about = "Rekey finds every MCP client config (Claude Desktop, Cursor, Claude Code, VS Code, ...) that uses a key, \
rotates it at the provider, keeps the new secret in the OS keychain first, and rewrites each config in place, \
changing only the secret's bytes."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the MCP client config files Rekey looks at on this machine, and which exist.
    Clients {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Find every secret in every MCP client config, grouped into credentials (values are masked).
    Scan {
        #[arg(long)]
        json: bool,
    },
    /// Replace a secret everywhere it is used. Reads two lines from stdin: the OLD secret, then the NEW one.
    Replace {
        /// Show the plan and change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
        #[arg(long)]
        json: bool,
    },
    /// List the backups Rekey made before writing config files.
    Backups {
        #[arg(long)]
        json: bool,
    },
    /// Put a backup back in place (the current file is backed up first).
    Restore {
        /// The backup id, as listed by `rekey backups`.
        id: String,
        #[arg(long)]
        yes: bool,
    },
    /// Check that the OS keychain is reachable and unlocked.
    Doctor {
        #[arg(long)]
        json: bool,
    },
    /// List the providers Rekey can rotate keys with.
    Providers {
        #[arg(long)]
        json: bool,
    },
    /// Store a provider's admin credential in the OS keychain (read from stdin, one line).
    Login {
        provider: String,
        #[arg(long)]
        account: Option<String>,
    },
    /// Link a credential (from `rekey scan`) to a provider account.
    Link {
        credential: String,
        #[arg(long)]
        provider: String,
        /// Override the provider's URL (self-hosted servers). https://, or http:// to loopback only.
        #[arg(long)]
        base_url: Option<String>,
        /// Which stored admin credential to use.
        #[arg(long)]
        account: Option<String>,
        /// Activepieces: the MCP server id.
        #[arg(long)]
        server_id: Option<String>,
        /// Fruxon: tenant and integration.
        #[arg(long)]
        tenant: Option<String>,
        #[arg(long)]
        integration: Option<String>,
        /// Cloudflare Access: account id, service token id, client id, and an application URL behind Access to verify against.
        #[arg(long)]
        account_id: Option<String>,
        #[arg(long)]
        token_id: Option<String>,
        #[arg(long)]
        client_id: Option<String>,
        #[arg(long)]
        app_url: Option<String>,
        /// A2A Market: the agent id.
        #[arg(long)]
        agent_id: Option<String>,
        /// custom: the provider's TOML spec file (see examples/providers/).
        #[arg(long)]
        spec: Option<std::path::PathBuf>,
    },
    /// Show what rotating a credential would do (changes nothing).
    Plan {
        credential: String,
        #[arg(long)]
        json: bool,
        /// Grace period for the old key, where the provider supports one (e.g. 10m, 600s, 1h).
        #[arg(long)]
        grace: Option<String>,
    },
    /// Rotate a credential at its provider and update every config that uses it.
    Rotate {
        credential: String,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
        #[arg(long)]
        json: bool,
        #[arg(long)]
        grace: Option<String>,
        /// Also print the new secret (once, to stdout).
        #[arg(long)]
        show_secret: bool,
        /// Go ahead although a config that holds the key does not parse (the rotation then stays
        /// incomplete until that file is fixed and `rekey finish` runs).
        #[arg(long)]
        despite_unparsed: bool,
    },
    /// Finish an incomplete rotation: write the new key (from the keychain) into every usage still on the
    /// old key, after fixing what the rotation listed.
    Finish {
        /// The rotation id (see `rekey history`).
        rotation: String,
        #[arg(long)]
        json: bool,
    },
    /// Check a credential's key with its provider.
    Verify { credential: String },
    /// The audit log of rotations.
    History {
        #[arg(long)]
        json: bool,
    },
    /// Finish or explain rotations that were interrupted.
    Recover {
        #[arg(long)]
        json: bool,
    },
}

pub const EXIT_ERROR: i32 = 1;
pub const EXIT_USAGE: i32 = 2;
pub const EXIT_KEYCHAIN: i32 = 3;
pub const EXIT_NOTHING_FOUND: i32 = 4;
pub const EXIT_PARTIAL: i32 = 5;
pub const EXIT_NOT_CONFIRMED: i32 = 6;

/// Run the CLI; returns the process exit code. Output that cannot be written (a closed pipe, a full
/// disk) fails the command: a script must not take a silent exit 0 for a delivered result.
pub fn run(cli: Cli, out: &mut dyn Write) -> i32 {
    crate::testhook::panic_point();
    let result = execute(cli, out, &mut std::io::stdin().lock())
        .and_then(|code| out.flush().map(|()| code).map_err(CliError::Output));
    match result {
        Ok(code) => code,
        Err(e) => {
            note(&error_text(&e));
            match e {
                CliError::Engine(ref e) if e.code() == "invalid_input" => EXIT_USAGE,
                CliError::Usage(_) => EXIT_USAGE,
                _ => EXIT_ERROR,
            }
        }
    }
}

#[derive(Debug, thiserror::Error)]
enum CliError {
    #[error(transparent)]
    Engine(#[from] crate::Error),
    #[error("{0}")]
    Usage(String),
    #[error("cannot write output: {0}")]
    Output(#[from] std::io::Error),
    #[error("cannot encode JSON: {0}")]
    Json(#[from] serde_json::Error),
}

/// Each file a plan changes, with its servers' masked before → after.
fn print_file_plans(
    out: &mut dyn Write,
    files: &[crate::replace::FilePlan],
) -> std::io::Result<()> {
    for f in files {
        writeln!(out, "  {} [{:?}]", f.path.display(), f.client)?;
        for c in &f.changes {
            writeln!(
                out,
                "    server {:<20} {:<40} {} → {}",
                c.server_label(),
                c.location,
                c.before,
                c.after
            )?;
        }
    }
    Ok(())
}

fn print_json(out: &mut dyn Write, v: &impl serde::Serialize) -> Result<(), CliError> {
    serde_json::to_writer_pretty(&mut *out, v)?;
    writeln!(out)?;
    Ok(())
}

/// Ask on the terminal (not stdin, which may carry secrets) and require `word` typed back. Without a
/// terminal, refuse.
fn confirm_word(prompt: &str, word: &str) -> Result<bool, CliError> {
    let tty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty");
    let Ok(mut tty) = tty else {
        return Err(CliError::Usage(
            "no terminal to ask for confirmation on; re-run with --yes to proceed without asking"
                .into(),
        ));
    };
    write!(tty, "{prompt}")?;
    tty.flush()?;
    let mut line = String::new();
    std::io::BufReader::new(&mut tty).read_line(&mut line)?;
    Ok(line.trim() == word)
}

fn confirm(question: &str) -> Result<bool, CliError> {
    confirm_word(&format!("{question} Type 'yes' to continue: "), "yes")
}

/// Read `n` secrets, one per line, from stdin. Only the line ending is removed.
fn read_secrets(input: &mut dyn Read, n: usize) -> Result<Vec<Secret>, CliError> {
    let mut buf = zeroize::Zeroizing::new(String::new());
    input
        .read_to_string(&mut buf)
        .map_err(|e| CliError::Usage(format!("cannot read stdin: {e}")))?;
    let lines: Vec<Secret> = buf
        .split('\n')
        .map(|l| Secret::new(l.strip_suffix('\r').unwrap_or(l).to_string()))
        .filter(|s| !s.is_empty())
        .collect();
    if lines.len() != n {
        return Err(CliError::Usage(format!(
            "expected {n} non-empty lines on stdin (the old secret, then the new one), got {}",
            lines.len()
        )));
    }
    Ok(lines)
}

fn http() -> crate::providers::Http {
    crate::providers::Http::from_env()
}

fn print_plan(out: &mut dyn Write, p: &crate::rotation::RotationPlan) -> std::io::Result<()> {
    writeln!(
        out,
        "Rotate {} ({}) at {}",
        p.credential, p.masked, p.provider_name
    )?;
    match p.grace_seconds {
        Some(g) if g > 0 => writeln!(
            out,
            "The old key keeps working for {g} s after the rotation, then stops."
        )?,
        _ => writeln!(
            out,
            "The old key STOPS WORKING AT ONCE when the provider rotates it."
        )?,
    }
    writeln!(out, "Files that will change:")?;
    print_file_plans(out, &p.replace.files)?;
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
    Ok(())
}

fn execute(cli: Cli, out: &mut dyn Write, stdin: &mut dyn Read) -> Result<i32, CliError> {
    match cli.command {
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
                    writeln!(
                        out,
                        "{:<18} {:<18} rotate authenticated by {}; link ids: {}",
                        p.id(),
                        p.name(),
                        auth,
                        p.required_ids().join(", ")
                    )?;
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
        } => {
            let grace = grace.as_deref().map(parse_duration).transpose()?;
            let ctx = Context::from_os()?;
            let plan =
                crate::rotation::plan(&ctx, &vault::Vault::default(), &http(), &credential, grace)?;
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
        } => {
            let grace = grace.as_deref().map(parse_duration).transpose()?;
            let ctx = Context::from_os()?;
            let vault = vault::Vault::default();
            let client = http();
            let mut plan = crate::rotation::plan(&ctx, &vault, &client, &credential, grace)?;
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
            if !plan.ready() {
                let failed: Vec<&str> = plan
                    .preflight
                    .iter()
                    .filter(|c| !c.ok)
                    .map(|c| c.message.as_str())
                    .collect();
                return Err(crate::Error::Preflight(failed.join("; ")).into());
            }
            if !yes
                && !confirm_word(
                    &format!(
                        "This is irreversible. Type the provider's name ({}) to rotate: ",
                        plan.provider
                    ),
                    plan.provider,
                )?
            {
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
                    if !outcome.left.is_empty() {
                        writeln!(
                            out,
                            "INCOMPLETE: some usages still hold the old (dead) key:"
                        )?;
                        for l in &outcome.left {
                            writeln!(out, "  {l}")?;
                        }
                        writeln!(out, "Fix them, then run: rekey finish {}", outcome.rotation)?;
                    }
                    for (client, hint) in &outcome.restart {
                        writeln!(out, "  {client}: {hint}")?;
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
                crate::rotation::journal::Step::Verified if all_ok => 0,
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
        Command::History { json } => {
            let ctx = Context::from_os()?;
            let lines = crate::rotation::store::Audit::new(&ctx.data_dir)
                .read()
                .map_err(|e| crate::Error::io(&ctx.data_dir, e))?;
            if json {
                print_json(out, &lines)?;
            } else {
                for l in &lines {
                    writeln!(
                        out,
                        "{}  {:<18} {:<14} {} → {}",
                        l["time"].as_str().unwrap_or(""),
                        l["provider"].as_str().unwrap_or(""),
                        l["outcome"].as_str().unwrap_or(""),
                        l["credential"].as_str().unwrap_or(""),
                        l["new_credential"].as_str().unwrap_or("-")
                    )?;
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
                crate::rotation::journal::Step::Verified => 0,
                _ => EXIT_PARTIAL,
            })
        }
        Command::Recover { json } => {
            let ctx = Context::from_os()?;
            let done = crate::rotation::recover(&ctx, &vault::Vault::default(), &http())?;
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
            }
            Ok(0)
        }
        Command::Scan { json } => {
            let report = Context::from_os()?.scan()?;
            if json {
                print_json(out, &report)?;
                return Ok(0);
            }
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
            writeln!(out, "\n{} credential(s):", report.credentials.len())?;
            for c in &report.credentials {
                let provider = c.provider.map(|p| format!(" [{p}]")).unwrap_or_default();
                writeln!(
                    out,
                    "  {} {} used {} time(s){}",
                    c.id, c.masked, c.usages, provider
                )?;
            }
            Ok(0)
        }
        Command::Replace { dry_run, yes, json } => {
            let secrets = read_secrets(stdin, 2)?;
            let (old, new) = (&secrets[0], &secrets[1]);
            let ctx = Context::from_os()?;
            let report = ctx.scan()?;
            let plan = replace::plan(&report, old, new)?;
            // Configs that hold the key but do not parse stay on the old key: say so, and never exit 0.
            let print_unparsed = |out: &mut dyn Write| -> std::io::Result<()> {
                for u in &plan.unparsed {
                    writeln!(
                        out,
                        "  {} does not parse ({}); it holds this key at line {}: fix it, then run replace again",
                        u.path.display(),
                        u.reason,
                        u.line
                    )?;
                }
                Ok(())
            };
            let left = !plan.unparsed.is_empty();
            if plan.files.is_empty() {
                if json {
                    print_json(out, &serde_json::json!({ "plan": plan, "results": [] }))?;
                }
                if left {
                    if !json {
                        writeln!(out, "No config Rekey can rewrite holds that secret:")?;
                        print_unparsed(out)?;
                    }
                    note("nothing changed");
                    return Ok(EXIT_PARTIAL);
                }
                let invalid: Vec<_> = report.files.iter().filter(|f| f.error.is_some()).collect();
                note("no MCP client config holds that secret; nothing changed");
                for f in invalid {
                    note(&format!(
                        "note: {} was not searched: {}",
                        f.path.display(),
                        crate::scrub::text(f.error.as_deref().unwrap_or(""))
                    ));
                }
                return Ok(EXIT_NOTHING_FOUND);
            }
            if !json {
                writeln!(
                    out,
                    "Plan: replace {} with {} in {} file(s):",
                    old.masked(),
                    new.masked(),
                    plan.files.len()
                )?;
                print_file_plans(out, &plan.files)?;
                if left {
                    writeln!(out, "Left on the old key:")?;
                    print_unparsed(out)?;
                }
            }
            if dry_run {
                if json {
                    print_json(out, &serde_json::json!({ "plan": plan, "results": [] }))?;
                } else {
                    writeln!(out, "Dry run: nothing changed.")?;
                }
                return Ok(if left { EXIT_PARTIAL } else { 0 });
            }
            if !yes && !confirm(&format!("Rewrite {} file(s)?", plan.files.len()))? {
                note("not confirmed; nothing changed");
                return Ok(EXIT_NOT_CONFIRMED);
            }
            crate::testhook::point("confirmed").map_err(CliError::Output)?;
            let results = replace::apply(&plan, new, &ctx.backups());
            if json {
                print_json(
                    out,
                    &serde_json::json!({ "plan": plan, "results": results }),
                )?;
            } else {
                for r in &results {
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
                    print_unparsed(out)?;
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
        Command::Backups { json } => {
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
            let backups = ctx.backups();
            let (entry, _) = backups
                .get(&id)
                .map_err(|e| CliError::Usage(e.to_string()))?;
            if !yes
                && !confirm(&format!(
                    "Replace {} with the backup from {}?",
                    entry.original.display(),
                    entry.created
                ))?
            {
                note("not confirmed; nothing changed");
                return Ok(EXIT_NOT_CONFIRMED);
            }
            crate::live::restore(&backups, &entry.id)
                .map_err(|e| CliError::Usage(e.to_string()))?;
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
            if json {
                print_json(out, &status)?;
            } else if status.available {
                writeln!(out, "keychain: available ({})", status.backend)?;
            } else {
                writeln!(
                    out,
                    "keychain: NOT available ({}): {}",
                    status.backend,
                    status.message.as_deref().unwrap_or("")
                )?;
            }
            Ok(if status.available { 0 } else { EXIT_KEYCHAIN })
        }
    }
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
