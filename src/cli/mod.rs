//! The `rekey` command line. Secrets are read from stdin, never from arguments.
//!
//! Exit codes: 0 success; 1 error; 2 bad usage or input; 3 keychain unavailable; 4 nothing found;
//! 5 partial failure (some files written, some not); 6 not confirmed (nothing changed).

use crate::context::Context;
use crate::{clients, replace, vault, Secret};
use clap::{Parser, Subcommand};
use std::io::{BufRead, Read, Write};

mod add;
mod config;
mod ctr;
mod guard;
mod manual;
mod output;
mod protect;
mod rotate;
use output::{error_text, note};

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

// `Link` carries every provider's ids as flags: the enum is parsed once per run, so its size is moot.
#[allow(clippy::large_enum_variant)]
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
    /// Replace a key by hand everywhere it is used (you rotated it on the provider's website). Reads two
    /// lines from stdin: the OLD key, then the NEW one. Checks the new key first (not the old one, no
    /// whitespace, not too short, the provider's known shape; when the key is linked, the provider's own
    /// check), shows the plan with a masked diff, and asks.
    Replace {
        /// Show the plan (and the checks) and change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
        #[arg(long)]
        json: bool,
        /// Use a key that does not look like its provider's keys (or is shorter than keys usually are).
        #[arg(long)]
        anyway: bool,
        /// Write the key although the provider's check refused it.
        #[arg(long)]
        write_anyway: bool,
    },
    /// List the backups Rekey made before writing config files.
    Backups {
        #[arg(long)]
        json: bool,
        /// Delete every backup that holds this key (raw, JSON-escaped or percent-encoded), and print
        /// what was deleted. The key: its id for life or a credential id as `rekey scan` prints them, or
        /// a `rekey://` reference. Lists the backups and asks first, unless --yes.
        #[arg(long, value_name = "KEY")]
        purge: Option<String>,
        /// With --purge: do not ask.
        #[arg(long, requires = "purge")]
        yes: bool,
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
        /// Cloudflare API tokens: account id (account-owned cfat_ tokens) and token id (optional).
        /// Paddle, LaunchDarkly: token id (optional: read from the key or asked from the provider).
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
        /// Create-then-revoke providers (Neon, OpenAI, Datadog): the provider's id of this key, so the old
        /// key can be revoked after the rotation (Datadog finds it itself when this is left out).
        #[arg(long)]
        key_id: Option<String>,
        /// Neon: the organization of an org API key (org keys are managed with an org admin's personal key).
        #[arg(long)]
        org_id: Option<String>,
        /// Neon (project-scoped org key) and OpenAI service accounts: the project id. Activepieces
        /// project-level MCP server: the project id (read from the server's URL when absent).
        #[arg(long)]
        project_id: Option<String>,
        /// OpenAI: the service account whose key this is.
        #[arg(long)]
        service_account_id: Option<String>,
        /// Datadog: the site (DD_SITE), e.g. datadoghq.eu or us5.datadoghq.com.
        #[arg(long)]
        site: Option<String>,
    },
    /// Show what rotating a credential would do (changes nothing).
    Plan {
        credential: String,
        #[arg(long)]
        json: bool,
        /// Grace period for the old key, where the provider supports one (e.g. 10m, 600s, 1h).
        #[arg(long)]
        grace: Option<String>,
        /// Write the new key itself into config files git tracks (by default they get a rekey://
        /// reference first, so the new key never goes into git).
        #[arg(long)]
        literal_in_tracked: bool,
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
        /// Write the new key itself into config files git tracks (by default they get a rekey://
        /// reference first, so the new key never goes into git).
        #[arg(long)]
        literal_in_tracked: bool,
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
    /// Give a key a name of your own (shown in the app and in `rekey scan`); an empty name removes it.
    Name {
        /// The key: its id for life (`key` in `rekey scan --json`) or a credential id.
        key: String,
        name: String,
    },
    /// The history of every change: rotations, manual replaces, protect and unprotect, added servers,
    /// restores. Never a secret.
    History {
        #[arg(long)]
        json: bool,
    },
    /// Finish or explain rotations that were interrupted.
    Recover {
        #[arg(long)]
        json: bool,
    },
    /// Start an MCP server with the keys its `rekey://` references name, read from the OS keychain
    /// (what a protected config's `command` runs). Never prints a key.
    Exec {
        /// The server's command and its arguments, after `--`.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true, required = true, num_args = 1..)]
        command: Vec<std::ffi::OsString>,
    },
    /// Keep a key out of the config files: store it in the OS keychain and rewrite every usage to a
    /// `rekey://<id>` reference, with the server started through `rekey exec`. Shows the plan and asks.
    Protect {
        /// The credential id (from `rekey scan`).
        credential: String,
        /// Also protect its usages in remote servers (the client connects to a URL) by running them
        /// through `rekey exec -- npx -y mcp-remote <url>` (needs Node.js).
        #[arg(long)]
        via_mcp_remote: bool,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
        #[arg(long)]
        json: bool,
    },
    /// Put a protected key back in every config that uses its reference (and stop going through
    /// `rekey exec`). Shows the plan and asks.
    Unprotect {
        /// The reference id (`bitscale-1a2b3c` or `rekey://bitscale-1a2b3c`) or the credential id.
        reference: String,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
        #[arg(long)]
        json: bool,
    },
    /// Set up a provider's MCP server in the clients you pick, protected from the start: reads the key
    /// from stdin, keeps it in the OS keychain first, shows the plan and asks, then writes each client's
    /// entry (holding a `rekey://` reference, or the key itself with --literal) and links the key for
    /// rotation. `rekey add --list` shows the providers and the ids each needs.
    Add {
        /// The provider id (`bitscale`, `neon`, …; see --list).
        #[arg(required_unless_present = "list")]
        provider: Option<String>,
        /// A client to add the server to (repeat): claude-desktop, cursor, claude-code, windsurf,
        /// gemini-cli, cline, roo-code, lm-studio, junie, codex.
        #[arg(long = "client", value_name = "CLIENT")]
        clients: Vec<String>,
        /// The server's name in the configs (default: the provider's usual name).
        #[arg(long)]
        name: Option<String>,
        /// One of the provider's ids, `field=value` (repeat), e.g. --id agent_id=ag_123.
        #[arg(long = "id", value_name = "FIELD=VALUE")]
        ids: Vec<String>,
        /// Write the key itself into the configs instead of a rekey:// reference.
        #[arg(long)]
        literal: bool,
        /// The provider's API URL for the link (self-hosted servers). https://, or http:// to loopback only.
        #[arg(long)]
        base_url: Option<String>,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
        #[arg(long)]
        json: bool,
        /// List the providers `rekey add` can set up, their ids and the clients it writes to.
        #[arg(long)]
        list: bool,
        /// Add the server although the provider refused the key (it is checked before anything is written).
        #[arg(long)]
        write_anyway: bool,
    },
    /// A git pre-commit hook that refuses a commit adding a key Rekey knows (opt-in per repository).
    Guard {
        #[command(subcommand)]
        action: GuardAction,
    },
    /// Create-then-revoke: put the old key back in every config and delete the new key at the provider
    /// (after a failed verification; run again to retry a deletion that failed).
    Rollback {
        rotation: String,
        #[arg(long)]
        json: bool,
    },
    /// Create-then-revoke: after a failed verification, keep both keys active (the configs keep the new
    /// one) to look into it; then `revoke-old` or `rollback`.
    KeepBoth {
        rotation: String,
        #[arg(long)]
        json: bool,
    },
    /// Create-then-revoke: revoke the old key of a rotation whose revoke failed ("old key still
    /// active") or whose keys were both kept.
    RevokeOld {
        rotation: String,
        #[arg(long)]
        json: bool,
    },
}

/// `rekey guard`'s actions.
#[derive(Debug, Subcommand)]
pub enum GuardAction {
    /// Install the pre-commit guard in a git repository (where `core.hooksPath` says hooks are); an existing
    /// pre-commit hook is kept and run first.
    Install { repo: std::path::PathBuf },
    /// Remove the guard and put back the hook it chained.
    Uninstall { repo: std::path::PathBuf },
    /// What the hook runs: refuse (exit 1) when the staged changes add a key Rekey knows.
    Check {
        /// The repository (default: the current directory, where git runs its hooks).
        #[arg(long)]
        repo: Option<std::path::PathBuf>,
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
    // `exec` starts a server in this process's place: nothing else of the CLI runs (and it writes nothing
    // to stdout, which belongs to the server's MCP stream).
    if let Command::Exec { command } = &cli.command {
        return crate::protect::exec::run(command, &vault::Vault::default());
    }
    let result = execute(cli, out, &mut std::io::stdin().lock())
        .and_then(|code| out.flush().map(|()| code).map_err(CliError::Output));
    match result {
        Ok(code) => code,
        Err(e) => {
            note(&error_text(&e));
            match e {
                CliError::Engine(ref e) if e.code() == "invalid_input" => EXIT_USAGE,
                CliError::Usage(_) => EXIT_USAGE,
                CliError::Keychain => EXIT_KEYCHAIN,
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
    /// The OS keychain refused (the message was already printed).
    #[error("the OS keychain is not usable")]
    Keychain,
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
    confirm_with(prompt, |line| line == word)
}

/// Ask on the terminal; `accepts` judges the answer (trimmed).
fn confirm_with(prompt: &str, accepts: impl Fn(&str) -> bool) -> Result<bool, CliError> {
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
    Ok(accepts(line.trim()))
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

fn execute(cli: Cli, out: &mut dyn Write, stdin: &mut dyn Read) -> Result<i32, CliError> {
    match cli.command {
        c @ (Command::Providers { .. }
        | Command::Login { .. }
        | Command::Link { .. }
        | Command::Plan { .. }
        | Command::Rotate { .. }
        | Command::Verify { .. }
        | Command::Name { .. }
        | Command::History { .. }
        | Command::Finish { .. }
        | Command::Recover { .. }) => rotate::execute(c, out, stdin),
        c @ (Command::Protect { .. } | Command::Unprotect { .. }) => protect::execute(c, out),
        c @ Command::Add { .. } => add::execute(c, out, stdin),
        c @ Command::Replace { .. } => manual::execute(c, out, stdin),
        c @ (Command::Rollback { .. } | Command::KeepBoth { .. } | Command::RevokeOld { .. }) => {
            ctr::execute(c, out)
        }
        Command::Guard { action } => guard::execute(action, out),
        c => config::execute(c, out),
    }
}
