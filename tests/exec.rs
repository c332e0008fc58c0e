//! `rekey exec`: a server started through it gets the keys its `rekey://` references name, from the real
//! Secret Service; it runs in Rekey's place (same pid, stdin EOF and SIGTERM reach it as if started
//! directly); a locked keychain, a missing entry or a missing command each give one line on stderr and an
//! exit code of their own; no value is ever printed by Rekey.

mod common;
use common::*;
use rekey::protect::exec::{EXIT_KEYCHAIN_LOCKED, EXIT_NOT_FOUND, EXIT_NO_ENTRY, EXIT_USAGE};
use rekey::Secret;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

/// A keychain service of this test's own, so parallel tests never see each other's entries.
fn service(test: &str) -> String {
    format!("rekey-test-exec-{test}-{}", std::process::id())
}

fn store(service: &str, id: &str, value: &str) {
    rekey::vault::Vault::with_service(service)
        .store(
            &rekey::protect::account_of(id),
            &Secret::new(value.to_string()),
        )
        .unwrap();
}

fn exec(service: &str, home: &TempHome) -> Command {
    let mut cmd = rekey();
    home.apply(&mut cmd);
    cmd.env("REKEY_KEYCHAIN_SERVICE", service)
        .arg("exec")
        .arg("--");
    cmd
}

fn sha256(s: &str) -> String {
    let out = Command::new("sha256sum")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin.take().unwrap().write_all(s.as_bytes())?;
            c.wait_with_output()
        })
        .unwrap();
    String::from_utf8(out.stdout).unwrap()
}

#[test]
#[ignore = "needs ./dev test: the private Secret Service"]
fn references_in_env_and_args_are_resolved_and_the_server_sees_the_key() {
    require_keyring();
    let home = TempHome::new();
    let svc = service("resolve");
    let key = "bs_live_exec_0123456789abcdef";
    let id = rekey::protect::new_id("bitscale");
    store(&svc, &id, key);
    // What the server received, as a hash (the test server prints no key either).
    let o = exec(&svc, &home)
        .args([
            "sh",
            "-c",
            r#"printf '%s|%s|%s' "$BITSCALE_API_KEY" "$1" "$2" | sha256sum"#,
            "sh",
        ])
        .arg(format!("--api-key=rekey://{id}"))
        .arg(format!("Authorization: Bearer rekey://{id}"))
        .env("BITSCALE_API_KEY", format!("rekey://{id}"))
        .env("UNRELATED", "stays")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stdout}\n{stderr}");
    assert_eq!(
        stdout,
        sha256(&format!(
            "{key}|--api-key={key}|Authorization: Bearer {key}"
        ))
    );
    assert!(!stderr.contains(key) && !stdout.contains(key));
    // A string without a reference is passed as it is; `rekey://` without a valid id too.
    let o = exec(&svc, &home)
        .args(["sh", "-c", r#"printf '%s' "$1""#, "sh", "plain rekey://X"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&o.stdout), "plain rekey://X");
}

#[test]
#[ignore = "needs ./dev test: the private Secret Service"]
fn an_mcp_remote_header_reference_reaches_the_server_through_its_environment_not_its_command_line()
{
    require_keyring();
    let home = TempHome::new();
    let svc = service("header");
    let key = "bs_live_exec_header_0123456789abcdef";
    let id = rekey::protect::new_id("bitscale");
    store(&svc, &id, key);
    // `sh -c SCRIPT mcp-remote URL --header VALUE`: $0 is `mcp-remote`, as in `npx -y mcp-remote …`. The
    // script prints its own command line as the OS shows it to every user, and the header with its
    // `${VAR}` expanded from the environment, as mcp-remote does.
    let script = r#"tr '\0' ' ' < /proc/$$/cmdline; echo; h=$3; var=${h#*\$\{}; var=${var%\}}; eval "v=\${$var}"; printf '%s|%s' "${h%%:*}" "$v" | sha256sum"#;
    let o = exec(&svc, &home)
        .args([
            "sh",
            "-c",
            script,
            "mcp-remote",
            "https://mcp.example.com/mcp",
            "--header",
        ])
        .arg(format!("Authorization: Bearer rekey://{id}"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stdout}\n{stderr}");
    let (cmdline, hash) = stdout.split_once('\n').unwrap();
    assert!(
        cmdline.contains("--header Authorization:${REKEY_EXEC_HEADER_1}"),
        "{cmdline}"
    );
    assert!(
        !cmdline.contains(key) && !cmdline.contains("rekey://"),
        "{cmdline}"
    );
    assert_eq!(hash, sha256(&format!("Authorization|Bearer {key}")));
    assert!(!stderr.contains(key));
    // Without mcp-remote on the command line, a `--header` argument is resolved in place as any other.
    let o = exec(&svc, &home)
        .args([
            "sh",
            "-c",
            r#"printf '%s' "$2" | sha256sum"#,
            "other",
            "--header",
        ])
        .arg(format!("Authorization: Bearer rekey://{id}"))
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        sha256(&format!("Authorization: Bearer {key}"))
    );
}

#[test]
#[ignore = "needs ./dev test: the private Secret Service"]
fn a_missing_entry_or_command_is_one_line_and_its_own_exit_code() {
    require_keyring();
    let home = TempHome::new();
    let svc = service("missing");
    let o = exec(&svc, &home)
        .args([
            "sh",
            "-c",
            "echo STARTED",
            "sh",
            "--key=rekey://nobody-123456",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(EXIT_NO_ENTRY));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("rekey exec: rekey://nobody-123456 names no key in the OS keychain"),
        "{stderr}"
    );
    assert!(o.stdout.is_empty(), "the server must not start");

    let id = rekey::protect::new_id("k");
    store(&svc, &id, "sk-live-never-printed-0123456789");
    let o = exec(&svc, &home)
        .arg("/nonexistent/server")
        .arg(format!("--key=rekey://{id}"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(EXIT_NOT_FOUND));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.starts_with("rekey exec: cannot start /nonexistent/server"),
        "{stderr}"
    );
    assert!(!stderr.contains("never-printed"), "{stderr}");

    // No command at all: a usage error from the argument parser.
    let o = exec(&svc, &home).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
}

#[test]
#[ignore = "needs ./dev test: the private Secret Service"]
fn the_server_runs_in_rekeys_place_and_gets_eof_and_sigterm() {
    require_keyring();
    let home = TempHome::new();
    let svc = service("signals");
    let id = rekey::protect::new_id("k");
    store(&svc, &id, "sk-live-signals-0123456789");
    // Same pid: the shell's $$ is the process the test started.
    let mut child = exec(&svc, &home)
        .args([
            "sh",
            "-c",
            r#"trap 'echo got-term; exit 7' TERM; echo "$$"; while :; do sleep 0.05; done"#,
        ])
        .env("K", format!("rekey://{id}"))
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    assert_eq!(line.trim(), child.id().to_string(), "not exec'd in place");
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut out, &mut rest).unwrap();
    assert!(rest.contains("got-term"), "{rest}");
    assert_eq!(status.code(), Some(7));

    // stdin is the server's: EOF reaches it.
    let o = exec(&svc, &home)
        .args(["sh", "-c", "cat >/dev/null; echo eof-seen"])
        .env("K", format!("rekey://{id}"))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&o.stdout), "eof-seen\n");
}

#[test]
#[ignore = "needs ./dev test: the private Secret Service"]
fn a_locked_keychain_stops_the_start_with_its_own_exit_code() {
    require_keyring();
    // A Secret Service of its own, so locking it cannot disturb the other tests.
    let home = TempHome::new();
    let conf = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/test-dbus-session.conf");
    let mut cmd = Command::new("dbus-run-session");
    home.apply(&mut cmd);
    let o = cmd
        .arg(format!("--config-file={}", conf.display()))
        .args(["--", "bash", "-c"])
        .arg(
            r#"set -u; echo -n pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null
            for i in $(seq 100); do "$REKEY" doctor >/dev/null 2>&1 && break; sleep 0.1; done
            printf 'sk-live-locked-0123456789' | secret-tool store --label=test service "$REKEY_KEYCHAIN_SERVICE" username ref:locked-123456
            K=rekey://locked-123456 "$REKEY" exec -- sh -c 'echo UNLOCKED-STARTED'
            gdbus call --session --dest org.freedesktop.secrets --object-path /org/freedesktop/secrets \
              --method org.freedesktop.Secret.Service.Lock "[objectpath '/org/freedesktop/secrets/collection/login']" >/dev/null
            K=rekey://locked-123456 timeout 60 "$REKEY" exec -- sh -c 'echo WHILE-LOCKED'; echo "exit $?""#,
        )
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env("REKEY", env!("CARGO_BIN_EXE_rekey"))
        .env("REKEY_KEYCHAIN_SERVICE", service("locked"))
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    let err = String::from_utf8_lossy(&o.stderr);
    // Unlocked, the entry resolves (so the failure below is the lock, not a missing entry).
    assert!(out.contains("UNLOCKED-STARTED"), "{out}\n{err}");
    assert!(!out.contains("WHILE-LOCKED"), "{out}\n{err}");
    assert!(
        out.contains(&format!("exit {EXIT_KEYCHAIN_LOCKED}")),
        "{out}\n{err}"
    );
    assert!(
        err.contains("rekey exec: the OS keychain is locked"),
        "{err}"
    );
}

#[test]
#[ignore = "needs ./dev test: the private Secret Service"]
fn a_reference_in_the_program_position_is_refused_by_its_id_and_never_resolved() {
    require_keyring();
    let home = TempHome::new();
    let svc = service("program");
    let key = "sk-live-program-never-printed-0123456789";
    let id = rekey::protect::new_id("k");
    store(&svc, &id, key);
    for program in [
        format!("/opt/servers/rekey://{id}"),
        format!("rekey://{id}"),
        format!("/usr/bin/env-rekey://{id}/x"),
    ] {
        let o = exec(&svc, &home)
            .arg(&program)
            .arg(format!("--key=rekey://{id}"))
            .env("K", format!("rekey://{id}"))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&o.stderr);
        let stdout = String::from_utf8_lossy(&o.stdout);
        assert!(
            !stderr.contains(key) && !stdout.contains(key),
            "{program}: {stderr}"
        );
        assert_eq!(o.status.code(), Some(EXIT_USAGE), "{program}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(
            stderr.starts_with("rekey exec: ") && stderr.contains(&format!("rekey://{id}")),
            "the line names the reference: {stderr}"
        );
    }
}

#[test]
#[ignore = "needs ./dev test: the private Secret Service"]
fn a_reference_inside_a_url_gets_the_percent_encoded_key() {
    require_keyring();
    let home = TempHome::new();
    let svc = service("url");
    let key = "sk+live/ab&c=dé0123456789";
    // Written out by hand: every byte but the unreserved ones as %HH.
    let encoded = "sk%2Blive%2Fab%26c%3Dd%C3%A90123456789";
    let id = rekey::protect::new_id("k");
    store(&svc, &id, key);
    let o = exec(&svc, &home)
        .args([
            "sh",
            "-c",
            r#"printf '%s|%s|%s|%s' "$1" "$2" "$MCP_URL" "$PLAIN" | sha256sum"#,
            "sh",
        ])
        .arg(format!("https://h.example/mcp?apiKey=rekey://{id}&x=1"))
        .arg(format!("--api-key=rekey://{id}"))
        .env("MCP_URL", format!("https://u:rekey://{id}@h.example/sse"))
        .env("PLAIN", format!("rekey://{id}"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stdout}\n{stderr}");
    assert_eq!(
        stdout,
        sha256(&format!(
            "https://h.example/mcp?apiKey={encoded}&x=1|--api-key={key}|https://u:{encoded}@h.example/sse|{key}"
        )),
        "a URL gets the encoded key, anything else the key as it is"
    );
}
