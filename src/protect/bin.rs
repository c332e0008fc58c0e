//! Where the `rekey` CLI lives, and config entries that start a `rekey` which no longer does.
//!
//! A protected entry starts `"command": "<abs path of rekey>", "args": ["exec", "--", …]`: the reference is only
//! as good as that path. Every package installs the CLI at a stable absolute path beside the app's own binary
//! (`/usr/bin/rekey` next to `/usr/bin/rekey-app` in the .deb and .rpm, `Rekey.app/Contents/MacOS/rekey` on
//! macOS, `rekey.exe` beside `rekey-app.exe` on Windows; docs/packaging.md), so the app and the CLI both find it
//! next to the running executable.

use super::wrap::{self, Shape};
use crate::clients::Format;
use crate::scan::{FileStatus, ScanReport};
use std::ffi::OsString;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// The CLI's file name on this OS.
pub const CLI_NAME: &str = if cfg!(windows) { "rekey.exe" } else { "rekey" };

/// The installed `rekey` CLI that protected entries start: `$REKEY_BIN` (packaging, tests), else the
/// `rekey` next to the running executable (the app's binary sits beside it in every package), else the
/// running executable when it is `rekey` itself.
pub fn rekey_bin() -> crate::Result<String> {
    let exe = std::env::current_exe()
        .map_err(|e| crate::Error::InvalidInput(format!("cannot find the rekey binary: {e}")))?;
    resolve(std::env::var_os("REKEY_BIN"), &exe).map(|p| p.to_string_lossy().into_owned())
}

/// [`rekey_bin`] for a given `$REKEY_BIN` and running executable.
pub fn resolve(env: Option<OsString>, exe: &Path) -> crate::Result<PathBuf> {
    if let Some(b) = env.filter(|b| !b.is_empty()) {
        return Ok(PathBuf::from(b));
    }
    if let Some(dir) = exe.parent() {
        let beside = dir.join(CLI_NAME);
        if beside.is_file() {
            return Ok(beside);
        }
    }
    if exe
        .file_name()
        .and_then(|n| n.to_str())
        .is_some_and(wrap::is_rekey)
    {
        return Ok(exe.to_path_buf());
    }
    Err(crate::Error::InvalidInput(format!(
        "cannot find the rekey command-line tool: it is not next to {} (reinstall Rekey, or set REKEY_BIN to its path)",
        exe.display()
    )))
}

/// Why a `rekey` path cannot be started, if it cannot.
pub fn broken(path: &Path) -> Option<&'static str> {
    match std::fs::metadata(path) {
        Err(_) => Some("missing"),
        Ok(m) if !m.is_file() => Some("not-executable"),
        Ok(m) => {
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                if m.permissions().mode() & 0o111 == 0 {
                    return Some("not-executable");
                }
            }
            let _ = m;
            None
        }
    }
}

pub use crate::scan::StaleRekey;

/// The warning for a server that starts `command`.
pub fn stale_warning(server: &str, command: &str, problem: &str) -> String {
    let what = match problem {
        "missing" => "which no longer exists",
        _ => "which cannot be run (not an executable file)",
    };
    format!("server {server} starts {command}, {what}: reinstall Rekey or run `rekey protect` again to rewrite the path")
}

/// The entries of the scanned files that start `rekey exec --` from a `rekey` that is gone. Only entries
/// that hold a slot are looked at: a protected entry holds its `rekey://` references.
pub fn stale_entries(report: &ScanReport) -> Vec<StaleRekey> {
    let mut out = Vec::new();
    for (i, file) in report.files.iter().enumerate() {
        if file.status != FileStatus::Ok || file.servers.is_empty() {
            continue;
        }
        let Some(bytes) = report.contents.get(i).and_then(|c| c.as_deref()) else {
            continue;
        };
        // Only an entry holding the string `exec` can be wrapped (the scan lists them): a big file whose
        // text mentions "exec" somewhere (a prompt in Claude Code's history) is not parsed again for it.
        if file.exec_entries.is_empty() {
            continue;
        }
        // (The scan checked the bytes are UTF-8 text.)
        let Ok(text) = simdutf8::basic::from_utf8(bytes) else {
            continue;
        };
        // Each entry once, by its location (two entries of one name in two roots are two).
        type Entry<'r> = (
            &'r str,
            &'r crate::scan::SlotReport,
            Option<&'r Range<usize>>,
        );
        let mut entries: Vec<Entry<'_>> = Vec::new();
        for slot in file.servers.iter().flat_map(|s| &s.slots) {
            let Some((_, span)) = file.exec_entries.iter().find(|(e, _)| *e == slot.entry) else {
                continue;
            };
            if !entries.iter().any(|(e, _, _)| *e == slot.entry) {
                entries.push((&slot.entry, slot, span.as_ref()));
            }
        }
        for (entry, s, span) in entries {
            // A JSON entry's shape from its own bytes (a 120 MB `~/.claude.json` is not parsed again for
            // it); otherwise from the whole file, found by its pointer.
            let own = span.and_then(|r| text.get(r.clone()));
            let shape = match (file.format, own) {
                (Format::Json | Format::Jsonc, Some(own)) => wrap::shape(file.format, own, &[]),
                _ => wrap::shape(file.format, text, &crate::scan::pointer_keys(entry)),
            };
            if !wrap::is_wrapped(&shape) {
                continue;
            }
            let command = match &shape {
                Shape::Split { command, .. } => command.value.clone(),
                Shape::Array(a) => a.elems[0].value.clone(),
                _ => continue,
            };
            // A bare `rekey` is looked up on PATH by the client: not ours to judge.
            if !Path::new(&command).is_absolute() {
                continue;
            }
            if let Some(problem) = broken(Path::new(&command)) {
                out.push(StaleRekey {
                    file: file.path.clone(),
                    client: file.client,
                    server: s.server.clone(),
                    project: s.project.clone(),
                    warning: stale_warning(&s.server, &command, problem),
                    command,
                    problem: problem.into(),
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(p: &Path, mode: u32) {
        std::fs::write(p, "#!/bin/sh\n").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
        }
        let _ = mode;
    }

    #[test]
    fn the_cli_is_found_from_env_beside_the_exe_or_as_the_exe() {
        let d = tempfile::tempdir().unwrap();
        let app = d.path().join(if cfg!(windows) {
            "rekey-app.exe"
        } else {
            "rekey-app"
        });
        touch(&app, 0o755);
        // The app alone, no CLI beside it: an error that says what to do.
        let e = resolve(None, &app).unwrap_err().to_string();
        assert!(
            e.contains("REKEY_BIN") && e.contains("reinstall Rekey"),
            "{e}"
        );
        // REKEY_BIN wins; an empty one does not count.
        assert_eq!(
            resolve(Some("/opt/x/rekey".into()), &app).unwrap(),
            PathBuf::from("/opt/x/rekey")
        );
        assert!(resolve(Some("".into()), &app).is_err());
        // The CLI beside the app (every package installs it there).
        let cli = d.path().join(CLI_NAME);
        touch(&cli, 0o755);
        assert_eq!(resolve(None, &app).unwrap(), cli);
        assert_eq!(resolve(Some("".into()), &app).unwrap(), cli);
        // The CLI itself, even where nothing else is.
        let e = tempfile::tempdir().unwrap();
        let lone = e.path().join("sub").join(CLI_NAME);
        assert_eq!(resolve(None, &lone).unwrap(), lone);
    }

    #[test]
    fn a_missing_or_unrunnable_path_is_broken() {
        let d = tempfile::tempdir().unwrap();
        assert_eq!(broken(&d.path().join("gone")), Some("missing"));
        assert_eq!(broken(d.path()), Some("not-executable"));
        let f = d.path().join("rekey");
        touch(&f, 0o755);
        assert_eq!(broken(&f), None);
        #[cfg(unix)]
        {
            touch(&f, 0o644);
            assert_eq!(broken(&f), Some("not-executable"));
        }
        let w = stale_warning("bitscale", "/usr/bin/rekey", "missing");
        assert_eq!(w, "server bitscale starts /usr/bin/rekey, which no longer exists: reinstall Rekey or run `rekey protect` again to rewrite the path");
    }
}
