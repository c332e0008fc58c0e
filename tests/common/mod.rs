//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod changes;
pub mod crash;
pub mod fixture;
pub mod servers;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// A throwaway home: HOME and every XDG dir point inside one temp folder, so nothing a test does can
/// touch the user's real configs.
pub struct TempHome {
    pub dir: tempfile::TempDir,
}

impl TempHome {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        for sub in ["home", "config", "data", "cache", "state"] {
            std::fs::create_dir_all(dir.path().join(sub)).unwrap();
        }
        TempHome { dir }
    }
    pub fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }
    pub fn config(&self) -> PathBuf {
        self.dir.path().join("config")
    }
    /// Apply the temp dirs to a command's environment (never to this test process's own).
    pub fn apply(&self, cmd: &mut Command) {
        let p = self.dir.path();
        cmd.env("HOME", p.join("home"))
            .env("XDG_CONFIG_HOME", p.join("config"))
            .env("XDG_DATA_HOME", p.join("data"))
            .env("XDG_CACHE_HOME", p.join("cache"))
            .env("XDG_STATE_HOME", p.join("state"))
            .env_remove("CLAUDE_CONFIG_DIR")
            .env_remove("CODEX_HOME")
            .env_remove("CLINE_MCP_SETTINGS_PATH")
            .env_remove("COPILOT_HOME")
            // A command under test never reaches a real vendor: an https URL left at a provider's default
            // (an `add` checks the pasted key) goes to a proxy nobody listens on. The fakes are plain http
            // on loopback, untouched.
            .env("HTTPS_PROXY", "http://127.0.0.1:9")
            .env("https_proxy", "http://127.0.0.1:9")
            .env("NO_PROXY", "127.0.0.1,localhost,::1")
            .env("no_proxy", "127.0.0.1,localhost,::1");
        // Outside `./dev test`'s private Secret Service a command under test never reaches the user's own
        // keychain (`doctor`, or a plan's probe, writes to it): its session bus is one that does not exist.
        if std::env::var_os("REKEY_TEST_KEYRING").is_none_or(|v| v != "1") {
            cmd.env(
                "DBUS_SESSION_BUS_ADDRESS",
                "unix:path=/nonexistent/rekey-tests-use-no-keychain",
            );
        }
    }
    pub fn write(&self, rel: impl AsRef<Path>, content: &str) -> PathBuf {
        let path = self.dir.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, content).unwrap();
        path
    }
}

/// The `rekey` binary built for these tests.
pub fn rekey() -> Command {
    Command::new(env!("CARGO_BIN_EXE_rekey"))
}

/// Keychain tests run only inside the test harness's private D-Bus session with a throwaway
/// gnome-keyring (`./dev test` sets REKEY_TEST_KEYRING=1), never against a developer's real keychain.
pub fn require_keyring() {
    assert!(
        std::env::var_os("REKEY_TEST_KEYRING").is_some_and(|v| v == "1"),
        "this test needs the private Secret Service of `./dev test` (REKEY_TEST_KEYRING=1): it is marked \
         #[ignore] for a plain `cargo test`, and never runs against the user's own keychain"
    );
}

/// Start `cmd` with its output captured and `stdin` written to it (then closed): secrets go in this way,
/// never as arguments.
pub fn spawn_with_stdin(cmd: &mut Command, stdin: &str) -> Child {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child
}

/// libsecret's own CLI reading an entry back: an independent proof of what is in the keychain.
#[allow(dead_code)]
pub fn secret_tool_lookup(service: &str, account: &str) -> Option<String> {
    let out = Command::new("secret-tool")
        .args(["lookup", "service", service, "username", account])
        .output()
        .expect("secret-tool (libsecret-tools) is installed by ./dev test");
    out.status
        .success()
        .then(|| String::from_utf8(out.stdout).unwrap())
}
