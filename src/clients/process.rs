//! Which MCP clients are running: a pure matcher over a process list (unit-tested with macOS, Windows and
//! Linux lists), and the one function that builds that list from the OS (the `sysinfo` crate, which
//! reads /proc on Linux, `proc_pidinfo` on macOS and the Toolhelp/NT APIs on Windows).
//!
//! Each client names its processes per OS with [`Client::process_names`](super::Client::process_names).
//! An entry is either
//! - a process name (`Cursor.exe`, `Cursor`, `cursor`), equal to the process's name (ASCII
//!   case-insensitively on Windows, exactly elsewhere, so macOS's `Claude` is not Claude Code's `claude`);
//!   for an interpreter process (`node`, `bun`, `deno`, `electron`) also equal to the file name of the
//!   script it runs (`node /usr/local/bin/gemini`);
//! - or a path fragment (it contains a `/`), found in the executable's path or in an interpreter's script
//!   path, with `\` read as `/` (`Visual Studio Code.app/Contents/MacOS/`, whose main executable is named
//!   `Electron`, as Cursor's and Windsurf's are on some builds: a bare `Electron` is never matched).
//!
//! A process a client claims by a path fragment belongs to that client only: on Windows Claude Desktop's
//! `claude.exe` and Claude Code's `claude.exe` have the same name, and only their paths tell them apart.

use super::{ClientId, Platform};
use std::path::PathBuf;

/// One running process, as much of it as the OS lets this user see.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProcessInfo {
    /// The process name (`comm` on Linux, the executable's file name on macOS and Windows).
    pub name: String,
    /// The executable's full path, when readable.
    pub exe: Option<PathBuf>,
    /// The command line (argv), when readable. Only the interpreter's script argument is looked at;
    /// the rest is never kept or shown (it may hold a key passed as an argument).
    pub cmd: Vec<String>,
}

impl ProcessInfo {
    /// A process known by its name only.
    pub fn named(name: &str) -> Self {
        ProcessInfo {
            name: name.to_string(),
            ..Default::default()
        }
    }
}

const INTERPRETERS: &[&str] = &["node", "bun", "deno", "electron"];

/// The clients that have at least one process in `processes`, in [`super::all`]'s order, each once.
pub fn running_in(processes: &[ProcessInfo], platform: Platform) -> Vec<ClientId> {
    let fold = |s: &str| {
        let s = s.replace('\\', "/");
        if platform == Platform::Windows {
            s.to_ascii_lowercase()
        } else {
            s
        }
    };
    let mut found = vec![false; super::all().len()];
    for p in processes {
        let name = fold(&p.name);
        let stem = name.strip_suffix(".exe").unwrap_or(&name);
        let script = INTERPRETERS
            .contains(&stem.to_ascii_lowercase().as_str())
            .then(|| p.cmd.iter().skip(1).find(|a| !a.starts_with('-')))
            .flatten()
            .map(|a| fold(a));
        let paths: Vec<String> = p
            .exe
            .iter()
            .map(|e| fold(&e.to_string_lossy()))
            .chain(script.clone())
            .collect();
        let script_file = script
            .as_deref()
            .map(|s| s.rsplit('/').next().unwrap_or(s).to_string());
        let (mut by_path, mut by_name) = (Vec::new(), Vec::new());
        for (i, c) in super::all().iter().enumerate() {
            for entry in c.process_names(platform) {
                let want = fold(entry);
                if want.contains('/') {
                    if paths.iter().any(|p| p.contains(&want)) {
                        by_path.push(i);
                    }
                } else if name == want || script_file.as_deref() == Some(want.as_str()) {
                    by_name.push(i);
                }
            }
        }
        for i in if by_path.is_empty() { by_name } else { by_path } {
            found[i] = true;
        }
    }
    super::all()
        .iter()
        .zip(found)
        .filter(|(_, f)| *f)
        .map(|(c, _)| c.id())
        .collect()
}

/// This machine's processes (of every user the OS lets this one see). Names, executable paths and
/// command lines only; nothing is refreshed but the process list, and threads are not listed (on Linux
/// each thread would cost as much as a process: a desktop with Electron clients runs thousands).
pub fn list() -> Vec<ProcessInfo> {
    use sysinfo::{ProcessRefreshKind, ProcessesToUpdate, System, UpdateKind};
    let mut sys = System::new();
    sys.refresh_processes_specifics(
        ProcessesToUpdate::All,
        true,
        ProcessRefreshKind::nothing()
            .without_tasks()
            .with_exe(UpdateKind::OnlyIfNotSet)
            .with_cmd(UpdateKind::OnlyIfNotSet),
    );
    sys.processes()
        .values()
        // Threads are listed as processes on Linux; their parent is listed too.
        .filter(|p| p.thread_kind().is_none())
        .map(|p| {
            let name = p.name().to_string_lossy().into_owned();
            // Only an interpreter's arguments are kept, and only up to its script.
            let cmd = if INTERPRETERS.contains(
                &name
                    .to_ascii_lowercase()
                    .trim_end_matches(".exe")
                    .rsplit(['/', '\\'])
                    .next()
                    .unwrap_or(""),
            ) {
                p.cmd()
                    .iter()
                    .take(4)
                    .map(|a| a.to_string_lossy().into_owned())
                    .collect()
            } else {
                Vec::new()
            };
            ProcessInfo {
                name,
                exe: p.exe().map(|e| e.to_path_buf()),
                cmd,
            }
        })
        .collect()
}

/// The clients running now on this machine.
pub fn running_now() -> Vec<ClientId> {
    running_in(&list(), Platform::current())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(name: &str, exe: &str) -> ProcessInfo {
        ProcessInfo {
            name: name.into(),
            exe: (!exe.is_empty()).then(|| exe.into()),
            cmd: Vec::new(),
        }
    }
    fn script(interp: &str, script: &str) -> ProcessInfo {
        ProcessInfo {
            name: interp.into(),
            exe: None,
            cmd: vec![interp.into(), script.into(), "--flag".into()],
        }
    }

    #[test]
    fn macos_process_list() {
        let list = [
            p("launchd", "/sbin/launchd"),
            p("Claude", "/Applications/Claude.app/Contents/MacOS/Claude"),
            p(
                "Claude Helper (Renderer)",
                "/Applications/Claude.app/Contents/Frameworks/Claude Helper (Renderer).app/Contents/MacOS/Claude Helper (Renderer)",
            ),
            p("Electron", "/Applications/Visual Studio Code.app/Contents/MacOS/Electron"),
            p("zed", "/Applications/Zed.app/Contents/MacOS/zed"),
            p("claude", "/Users/u/.local/bin/claude"),
        ];
        assert_eq!(
            running_in(&list, Platform::Macos),
            [
                ClientId::ClaudeDesktop,
                ClientId::ClaudeCode,
                ClientId::Vscode,
                ClientId::Zed
            ]
        );
        // Cursor's and Windsurf's Electron executables are not VS Code; a bare Electron is nobody.
        let electrons = [
            p(
                "Electron",
                "/Applications/Cursor.app/Contents/MacOS/Electron",
            ),
            p(
                "Electron",
                "/Applications/Windsurf.app/Contents/MacOS/Electron",
            ),
            p("Electron", ""),
            p("Cursor", "/Applications/Cursor.app/Contents/MacOS/Cursor"),
        ];
        assert_eq!(running_in(&electrons, Platform::Macos), [ClientId::Cursor]);
        // Case matters on macOS: Claude Code alone.
        assert_eq!(
            running_in(&[p("claude", "")], Platform::Macos),
            [ClientId::ClaudeCode]
        );
    }

    #[test]
    fn windows_process_list() {
        let list = [
            p("System", ""),
            p("explorer.exe", "C:\\Windows\\explorer.exe"),
            p(
                "claude.exe",
                "C:\\Users\\u\\AppData\\Local\\AnthropicClaude\\app-0.14.10\\claude.exe",
            ),
            p(
                "Cursor.exe",
                "C:\\Users\\u\\AppData\\Local\\Programs\\cursor\\Cursor.exe",
            ),
            p("Windsurf.exe", ""),
            p("codex.exe", ""),
        ];
        assert_eq!(
            running_in(&list, Platform::Windows),
            [
                ClientId::ClaudeDesktop,
                ClientId::Cursor,
                ClientId::Windsurf,
                ClientId::Codex
            ]
        );
        // Claude Code's native claude.exe has Claude Desktop's name: its path says which it is.
        let code = p("claude.exe", "C:\\Users\\u\\.local\\bin\\claude.exe");
        assert_eq!(
            running_in(&[code], Platform::Windows),
            [ClientId::ClaudeCode]
        );
        // The Store build of Claude Desktop, and VS Code (names are case-insensitive on Windows).
        let list = [
            p(
                "claude.exe",
                "C:\\Program Files\\WindowsApps\\Claude_0.14.10.0_x64__pzs8sxrjxfjjc\\app\\claude.exe",
            ),
            p("code.EXE", ""),
            p("Zed.exe", ""),
        ];
        assert_eq!(
            running_in(&list, Platform::Windows),
            [ClientId::ClaudeDesktop, ClientId::Vscode, ClientId::Zed]
        );
        // Gemini CLI runs under node.exe from npm's global folder.
        let gemini = script(
            "node.exe",
            "C:\\Users\\u\\AppData\\Roaming\\npm\\node_modules\\@google\\gemini-cli\\dist\\index.js",
        );
        assert_eq!(
            running_in(&[gemini], Platform::Windows),
            [ClientId::GeminiCli]
        );
    }

    #[test]
    fn linux_process_list() {
        let list = [
            p("systemd", "/usr/lib/systemd/systemd"),
            p("bash", "/usr/bin/bash"),
            p("claude-desktop", ""),
            p("cursor", "/tmp/.mount_cursorXYZ/cursor"),
            p("code", "/usr/share/code/code"),
            p("zed-editor", "/home/u/.local/zed.app/libexec/zed-editor"),
            p("codex", "/home/u/.npm/lib/codex"),
            script("node", "/usr/local/bin/gemini"),
            p("claude", "/home/u/.local/share/claude/versions/1.0.0"),
        ];
        assert_eq!(
            running_in(&list, Platform::Linux),
            [
                ClientId::ClaudeDesktop,
                ClientId::ClaudeCode,
                ClientId::Cursor,
                ClientId::Vscode,
                ClientId::GeminiCli,
                ClientId::Zed,
                ClientId::Codex
            ]
        );
        // The Debian community build of Claude Desktop runs under electron with its app.asar.
        let desktop = script("electron", "/usr/lib/claude-desktop/app.asar");
        assert_eq!(
            running_in(&[desktop], Platform::Linux),
            [ClientId::ClaudeDesktop]
        );
        // The newer clients: a Go binary, an npm CLI found by its package path, a YAML client.
        let more = [
            p("crush", "/home/u/go/bin/crush"),
            script(
                "node",
                "/home/u/.npm-global/lib/node_modules/@qwen-code/qwen-code/cli.js",
            ),
            p("goose", "/usr/local/bin/goose"),
            p("warp-terminal", "/opt/warpdotdev/warp-terminal/warp"),
        ];
        assert_eq!(
            running_in(&more, Platform::Linux),
            [
                ClientId::Warp,
                ClientId::QwenCode,
                ClientId::Crush,
                ClientId::Goose
            ]
        );
        // Plain node, a shell, a process named like a client in another case: nobody.
        let none = [
            script("node", "/srv/app/server.js"),
            p("node", ""),
            p("Cursor", ""),
            p("windsurf-helper", ""),
        ];
        assert!(running_in(&none, Platform::Linux).is_empty());
    }

    #[test]
    fn every_client_names_its_processes_or_says_why_not() {
        for c in super::super::all() {
            let empty = [Platform::Linux, Platform::Macos, Platform::Windows]
                .iter()
                .all(|p| c.process_names(*p).is_empty());
            // Cline and Roo Code run inside their host editor; they have no process of their own.
            // LibreChat is a server deployment, restarted where it is deployed.
            let hosted = matches!(
                c.id(),
                ClientId::Cline | ClientId::RooCode | ClientId::LibreChat
            );
            assert_eq!(empty, hosted, "{}", c.name());
        }
    }

    #[test]
    fn the_real_process_list_is_read() {
        let list = list();
        assert!(!list.is_empty());
        // This test's own process is in it.
        let me = std::env::current_exe().unwrap();
        assert!(
            list.iter().any(|p| p.exe.as_deref() == Some(me.as_path())),
            "{me:?}"
        );
    }
}
