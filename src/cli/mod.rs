//! The `rekey` command line. Secrets are read from stdin, never from arguments.

use crate::{clients, vault};
use clap::{Parser, Subcommand};
use std::io::Write;

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
    /// Check that the OS keychain is reachable and unlocked.
    Doctor {
        #[arg(long)]
        json: bool,
    },
}

/// Run the CLI; returns the process exit code.
pub fn run(cli: Cli, out: &mut dyn Write) -> i32 {
    match execute(cli, out) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("rekey: {e}");
            match e {
                CliError::Engine(ref e) if e.code() == "invalid_input" => 2,
                _ => 1,
            }
        }
    }
}

#[derive(Debug, thiserror::Error)]
enum CliError {
    #[error(transparent)]
    Engine(#[from] crate::Error),
    #[error("cannot write output: {0}")]
    Output(#[from] std::io::Error),
    #[error("cannot encode JSON: {0}")]
    Json(#[from] serde_json::Error),
}

fn execute(cli: Cli, out: &mut dyn Write) -> Result<i32, CliError> {
    match cli.command {
        Command::Clients { json } => {
            let env = clients::Env::from_os()?;
            let files = clients::user_config_files(&env);
            if json {
                serde_json::to_writer_pretty(&mut *out, &files)?;
                writeln!(out)?;
            } else {
                for f in &files {
                    let variant = f.location.variant.as_deref().map(|v| format!(" ({v})")).unwrap_or_default();
                    let state = if f.exists { "found" } else { "-" };
                    writeln!(out, "{:<6} {:<15} {}{}", state, f.client_name, f.location.path.display(), variant)?;
                }
            }
            Ok(0)
        }
        Command::Doctor { json } => {
            let status = vault::Vault::default().status();
            if json {
                serde_json::to_writer_pretty(&mut *out, &status)?;
                writeln!(out)?;
            } else if status.available {
                writeln!(out, "keychain: available ({})", status.backend)?;
            } else {
                writeln!(out, "keychain: NOT available ({}): {}", status.backend, status.message.as_deref().unwrap_or(""))?;
            }
            Ok(if status.available { 0 } else { 3 })
        }
    }
}
