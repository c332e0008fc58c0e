//! `rekey exec -- <command> <args…>`: start an MCP server with the keys its references name.
//!
//! Every `rekey://<id>` in this process's environment and in the arguments is replaced by the key from the
//! OS keychain; then the server is started. On Unix Rekey `exec`s it: the server replaces Rekey (same pid,
//! stdio and signals untouched, as if the client had started it directly). On Windows Rekey starts it with
//! the same stdio, ignores Ctrl-C itself (the server, in the same console, gets it) and exits with its code.
//! A reference in mcp-remote's `--header` argument is the exception: its value goes into a variable of the
//! server's environment that the argument names (see [`prepare`]), so no key is on a command line.
//! A reference inside a URL (`https://h/mcp?apiKey=rekey://<id>`) gets the key percent-encoded, the rule
//! unprotect uses to put a key back (see [`super::resolve`]): a `+` in the key must not reach the server as
//! a space. A reference in the program position (`/opt/servers/rekey://<id>`) is refused, never resolved:
//! the program's name is shown in process lists and in the error when it cannot be started.
//! A value is never printed: a problem is one line on stderr (MCP clients show a server's stderr in their
//! logs) and an exit code of its own, and every such line goes through a scrubber that knows the values
//! resolved so far.

use super::account_of;
use crate::scrub::Scrubber;
use crate::vault::Vault;
use crate::{Error, Secret};
use std::collections::HashMap;
use std::ffi::{OsStr, OsString};

/// No command was given, the command itself holds a reference, or an argument or variable that holds a
/// reference is not text.
pub const EXIT_USAGE: i32 = 64;
/// The OS keychain cannot be reached.
pub const EXIT_KEYCHAIN_UNAVAILABLE: i32 = 69;
/// The keychain is locked: unlock it and restart the server.
pub const EXIT_KEYCHAIN_LOCKED: i32 = 75;
/// A reference names no keychain entry (deleted, or a config copied from another machine).
pub const EXIT_NO_ENTRY: i32 = 78;
/// The command exists but cannot be run.
pub const EXIT_CANNOT_RUN: i32 = 126;
/// The command was not found.
pub const EXIT_NOT_FOUND: i32 = 127;

/// Why a reference could not be resolved, as the line and code `rekey exec` gives.
fn failure(id: &str, e: &Error) -> (String, i32) {
    match e {
        Error::KeychainLocked => (
            format!("the OS keychain is locked, so rekey://{id} cannot be read: unlock it (log in to your desktop session) and restart this server"),
            EXIT_KEYCHAIN_LOCKED,
        ),
        Error::KeychainEntryMissing(_) => (
            format!("rekey://{id} names no key in the OS keychain on this machine: run `rekey protect` for this server again, or `rekey unprotect` to put the key back in the config"),
            EXIT_NO_ENTRY,
        ),
        Error::KeychainUnavailable(_) => (
            format!("the OS keychain is not available, so rekey://{id} cannot be read ({})", e.code()),
            EXIT_KEYCHAIN_UNAVAILABLE,
        ),
        _ => (
            format!("cannot read rekey://{id} from the OS keychain ({})", e.code()),
            EXIT_KEYCHAIN_UNAVAILABLE,
        ),
    }
}

/// The command line and the environment changes, with every reference resolved.
pub struct Resolved {
    pub program: OsString,
    pub args: Vec<OsString>,
    /// Only the variables that held a reference, now holding the key.
    pub env: Vec<(OsString, OsString)>,
    /// Removes every resolved value from a line Rekey prints.
    pub scrub: Scrubber,
}

/// Resolve the references in `command` and `vars` with `vault`. Each id is read once. A failure's line
/// holds no value resolved before it.
pub fn prepare(
    command: &[OsString],
    vars: impl IntoIterator<Item = (OsString, OsString)>,
    vault: &Vault,
) -> Result<Resolved, (String, i32)> {
    let mut keys: HashMap<String, Secret> = HashMap::new();
    let r = resolve_all(command, vars, vault, &mut keys);
    let scrub = keys.values().fold(Scrubber::new(), |s, k| s.with(k));
    match r {
        Ok(r) => Ok(Resolved { scrub, ..r }),
        Err((line, code)) => Err((scrub.clean(&line), code)),
    }
}

/// The reference in the program position, if any: Rekey never resolves it (see the module's doc).
fn program_reference(program: &OsStr) -> Option<String> {
    let text = program.to_string_lossy();
    super::find(&text)
        .first()
        .map(|f| format!("{}{}", super::SCHEME, f.id))
}

fn resolve_all(
    command: &[OsString],
    vars: impl IntoIterator<Item = (OsString, OsString)>,
    vault: &Vault,
    keys: &mut HashMap<String, Secret>,
) -> Result<Resolved, (String, i32)> {
    let Some((program, args)) = command.split_first() else {
        return Err((
            "usage: rekey exec -- <command> <args…>".to_string(),
            EXIT_USAGE,
        ));
    };
    if let Some(reference) = program_reference(program) {
        return Err((
            format!("the command itself holds {reference}: Rekey puts keys only into a server's arguments and environment, never into the program it starts (its name shows in process lists); fix the server's `command` in the config"),
            EXIT_USAGE,
        ));
    }
    let mut one = |s: &OsStr, what: &dyn Fn() -> String| -> Result<OsString, (String, i32)> {
        let Some(text) = s.to_str() else {
            if s.to_string_lossy().contains(super::SCHEME) {
                return Err((
                    format!("{} holds a reference but is not UTF-8 text", what()),
                    EXIT_USAGE,
                ));
            }
            return Ok(s.to_os_string());
        };
        if !text.contains(super::SCHEME) {
            return Ok(s.to_os_string());
        }
        super::resolve(text, |id| {
            if !keys.contains_key(id) {
                let key = vault.get(&account_of(id)).map_err(|e| failure(id, &e))?;
                keys.insert(id.to_string(), key);
            }
            Ok(keys[id].expose().to_string())
        })
        .map(OsString::from)
    };
    let program = program.clone();
    let mut resolved_args = Vec::with_capacity(args.len());
    let mut env = Vec::new();
    // mcp-remote's `--header "Name: … rekey://<id>"`: the resolved value goes into a variable of the
    // server's environment and the argument names it (`Name:${REKEY_EXEC_HEADER_1}`), which mcp-remote
    // expands (its README's form). So the key is on no command line (`ps`, /proc/<pid>/cmdline) and not
    // in mcp-remote's log of its arguments, whatever the client did with the entry's own `${…}` forms.
    let mut remote = is_mcp_remote(&program);
    for (i, a) in args.iter().enumerate() {
        let header = remote && i > 0 && args[i - 1] == "--header";
        remote = remote || is_mcp_remote(a);
        if header {
            if let Some((name, value)) = a
                .to_str()
                .filter(|t| t.contains(super::SCHEME))
                .and_then(|t| t.split_once(':'))
            {
                let var = format!("REKEY_EXEC_HEADER_{}", env.len() + 1);
                let value = one(OsStr::new(value.trim_start()), &|| {
                    format!("argument {}", i + 1)
                })?;
                env.push((OsString::from(&var), value));
                resolved_args.push(OsString::from(format!("{name}:${{{var}}}")));
                continue;
            }
        }
        resolved_args.push(one(a, &|| format!("argument {}", i + 1))?);
    }
    for (k, v) in vars {
        let has_ref = v.to_string_lossy().contains(super::SCHEME);
        if has_ref {
            let value = one(&v, &|| format!("the variable {}", k.to_string_lossy()))?;
            env.push((k, value));
        }
    }
    Ok(Resolved {
        program,
        args: resolved_args,
        env,
        scrub: Scrubber::new(),
    })
}

/// `mcp-remote`, `mcp-remote@<version>`, or a path to it (what `npx -y mcp-remote` and its variants name).
fn is_mcp_remote(arg: &OsStr) -> bool {
    let s = arg.to_string_lossy();
    let base = s.rsplit(['/', '\\']).next().unwrap_or("");
    let base = base.strip_suffix(".cmd").unwrap_or(base);
    base == "mcp-remote" || base.starts_with("mcp-remote@")
}

/// Run `rekey exec`: returns only when the server could not be started (Unix) or has ended (Windows).
pub fn run(command: &[OsString], vault: &Vault) -> i32 {
    let resolved = match prepare(command, std::env::vars_os(), vault) {
        Ok(r) => r,
        Err((line, code)) => {
            eprintln!("rekey exec: {line}");
            return code;
        }
    };
    let mut cmd = std::process::Command::new(&resolved.program);
    cmd.args(&resolved.args)
        .envs(resolved.env.iter().map(|(k, v)| (k, v)));
    let name = resolved.program.to_string_lossy().into_owned();
    start(cmd, &name, &resolved.scrub)
}

/// Print a problem: one line, without any resolved value.
fn say(scrub: &Scrubber, line: &str) {
    eprintln!("rekey exec: {}", scrub.clean(line));
}

fn start_failed(name: &str, e: &std::io::Error, scrub: &Scrubber) -> i32 {
    let code = match e.kind() {
        std::io::ErrorKind::NotFound => EXIT_NOT_FOUND,
        _ => EXIT_CANNOT_RUN,
    };
    // The program name holds no reference (refused above), and the line is scrubbed anyway.
    say(scrub, &format!("cannot start {name}: {e}"));
    code
}

#[cfg(unix)]
fn start(mut cmd: std::process::Command, name: &str, scrub: &Scrubber) -> i32 {
    use std::os::unix::process::CommandExt;
    // Only returns on failure.
    let e = cmd.exec();
    start_failed(name, &e, scrub)
}

#[cfg(windows)]
fn start(mut cmd: std::process::Command, name: &str, scrub: &Scrubber) -> i32 {
    // Ctrl-C reaches every process of the console: Rekey ignores it and waits, the server decides.
    #[link(name = "kernel32")]
    extern "system" {
        fn SetConsoleCtrlHandler(handler: usize, add: i32) -> i32;
    }
    // SAFETY: a null handler with add = TRUE only makes this process ignore Ctrl-C.
    unsafe {
        SetConsoleCtrlHandler(0, 1);
    }
    match cmd.spawn() {
        Ok(mut child) => match child.wait() {
            Ok(status) => status.code().unwrap_or(1),
            Err(e) => {
                say(scrub, &format!("lost {name}: {e}"));
                1
            }
        },
        Err(e) => start_failed(name, &e, scrub),
    }
}
