//! Hostile input and leaks: redirects that carry the key, provider messages that echo it, gateway
//! failures, panics, configs that used to crash the scan, and a CLI whose output cannot be written.

mod common;

use common::{rekey, TempHome};
use rekey::providers::{self, Http, Link, ProviderError, RotateRequest};
use rekey::Secret;
use rekey_fakes::{FakeProviders, Fault, Provider as P};
use std::io::{Read, Write};
use std::process::Stdio;
use std::time::Duration;

fn http() -> Http {
    Http::new(Duration::from_secs(2))
}

/// A loopback HTTP server that answers every request with `head` (status line and headers, without the
/// final blank line) and `body`. Returns its base URL; the thread lives as long as the test process.
fn serve(head: String, body: &'static str) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { continue };
            // Read the request head (and whatever body came with it) before answering.
            let mut buf = [0u8; 16384];
            let mut got = Vec::new();
            conn.set_read_timeout(Some(Duration::from_millis(300))).ok();
            while let Ok(n) = conn.read(&mut buf) {
                if n == 0 {
                    break;
                }
                got.extend_from_slice(&buf[..n]);
                if let Some(end) = got.windows(4).position(|w| w == b"\r\n\r\n") {
                    let head = String::from_utf8_lossy(&got[..end]).to_ascii_lowercase();
                    let len: usize = head
                        .lines()
                        .find_map(|l| l.strip_prefix("content-length:"))
                        .and_then(|v| v.trim().parse().ok())
                        .unwrap_or(0);
                    if got.len() >= end + 4 + len {
                        break;
                    }
                }
            }
            let _ = write!(
                conn,
                "{head}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    url
}

fn a2a(f: &FakeProviders) -> (Link, Secret) {
    f.state(|s| {
        let mut link = Link {
            provider: "a2a-market".into(),
            base_url: Some(f.base_url(P::A2aMarket)),
            ..Default::default()
        };
        link.ids.insert("agent_id".into(), s.a2a_agent_id.clone());
        (link, Secret::new(s.a2a_key.clone()))
    })
}

fn rotate_a2a(link: &Link, key: &Secret) -> Result<providers::Rotated, ProviderError> {
    providers::by_id("a2a-market").unwrap().rotate(
        &http(),
        &RotateRequest {
            link,
            current: key,
            admin: None,
            grace: Duration::ZERO,
        },
    )
}

/// The texts an error reaches people through: Display (journal, audit) and the public message (IPC, CLI).
fn texts(e: ProviderError) -> String {
    let display = e.to_string();
    format!("{display} | {}", rekey::Error::Provider(e).public_message())
}

#[test]
fn a_redirect_that_keeps_the_key_in_its_query_is_reported_without_it() {
    let f = FakeProviders::start().unwrap();
    let (link, key) = a2a(&f);
    for location in [
        format!("/mcp/?apiKey={}", key.expose()),
        format!("{}/mcp/?apiKey={}#frag", f.url, key.expose()),
        format!(
            "http://agent:{}@127.0.0.1:1/mcp/?k={}",
            key.expose(),
            key.expose()
        ),
    ] {
        f.set_fault(P::A2aMarket, Fault::Redirect(location.clone()));
        let err = rotate_a2a(&link, &key).unwrap_err();
        assert_eq!(err.code(), "redirected", "{err}");
        assert!(!err.may_have_rotated());
        let text = texts(err);
        assert!(!text.contains(key.expose()), "{location}: key in '{text}'");
        assert!(text.contains("/mcp/"), "the path is kept: {text}");
    }
    assert_eq!(f.rotations(P::A2aMarket), 0);
}

#[test]
fn the_mcp_handshake_reports_a_redirect_without_the_key() {
    let key = "sk-live-RedirectedKey0123456789";
    let base = serve(
        format!("HTTP/1.1 307 Temporary Redirect\r\nLocation: /mcp/?apiKey={key}"),
        "",
    );
    let url = format!("{base}/mcp?apiKey={key}");
    let err = rekey::mcp::handshake(&http(), &url, &[]).unwrap_err();
    assert_eq!(err.code(), "redirected", "{err}");
    let text = texts(err);
    assert!(!text.contains(key), "key in '{text}'");
    assert!(text.contains("/mcp/"), "{text}");
}

#[test]
fn provider_messages_lose_url_queries_and_userinfo() {
    let key = "sk-live-EchoedByTheProvider0123";
    let body: &'static str = Box::leak(
        format!(
            "{{\"detail\": \"bad request to https://api.example.com/v1?apiKey={key} from https://u:{key}@h/x\"}}"
        )
        .into_boxed_str(),
    );
    let base = serve(
        "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json".into(),
        body,
    );
    let link = Link {
        provider: "bitscale".into(),
        base_url: Some(base),
        ..Default::default()
    };
    let err = providers::by_id("bitscale")
        .unwrap()
        .rotate(
            &http(),
            &RotateRequest {
                link: &link,
                current: &Secret::new("sk-live-current0000000000".into()),
                admin: None,
                grace: Duration::ZERO,
            },
        )
        .unwrap_err();
    assert_eq!(err.code(), "unexpected_status", "{err}");
    let text = err.to_string();
    assert!(!text.contains(key), "key in '{text}'");
    assert!(text.contains("https://api.example.com/v1"), "{text}");
}

#[test]
fn a_failed_gateway_means_the_key_may_have_rotated() {
    for status in [502u16, 503, 504] {
        let f = FakeProviders::start().unwrap();
        let (link, key) = a2a(&f);
        f.set_fault(P::A2aMarket, Fault::Status(status));
        let err = rotate_a2a(&link, &key).unwrap_err();
        assert_eq!(err.code(), "gateway_error", "{status}: {err}");
        assert!(err.may_have_rotated(), "{status}");
        let text = err.to_string();
        assert!(text.contains(&status.to_string()), "{text}");
        assert!(text.contains("may or may not have been rotated"), "{text}");
    }
    // A plain 500 is the provider's own failure: most likely nothing rotated.
    let f = FakeProviders::start().unwrap();
    let (link, key) = a2a(&f);
    f.set_fault(P::A2aMarket, Fault::Status(500));
    let err = rotate_a2a(&link, &key).unwrap_err();
    assert_eq!(err.code(), "server_error");
    assert!(!err.may_have_rotated());
}

#[test]
fn every_a2a_call_has_its_own_idempotency_key() {
    let f = FakeProviders::start().unwrap();
    let (link, key) = a2a(&f);
    let first = rotate_a2a(&link, &key).unwrap();
    rotate_a2a(&link, &first.new).unwrap();
    let keys = f.state(|s| s.a2a_idempotency_keys.clone());
    assert_eq!(keys.len(), 2, "{keys:?}");
    assert_ne!(keys[0], keys[1], "one process sent the same key twice");
    assert!(keys.iter().all(|k| k.len() > 16), "{keys:?}");
}

#[test]
fn a_percent_before_a_multibyte_character_does_not_crash_the_scan() {
    let home = TempHome::new();
    home.write(
        "home/.cursor/mcp.json",
        r#"{"mcpServers":{"x":{"url":"https://x.example/mcp?apiKey=tok%aé"}}}"#,
    );
    let mut cmd = rekey();
    home.apply(&mut cmd);
    let out = cmd.args(["scan", "--json"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("panic"), "{stderr}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let file = &report["files"][0];
    assert!(file["error"].is_null(), "{file}");
}

#[test]
fn a_panic_prints_its_location_and_never_its_payload() {
    let home = TempHome::new();
    let mut cmd = rekey();
    home.apply(&mut cmd);
    let out = cmd
        .env("REKEY_TEST_PANIC", "1")
        .env("RUST_BACKTRACE", "1")
        .arg("providers")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(
        !stderr.contains("sk-live-PanicPayload"),
        "payload on stderr: {stderr}"
    );
    assert!(
        stderr.contains("details withheld: they may contain secret material"),
        "{stderr}"
    );
    assert!(
        stderr.contains("testhook.rs"),
        "the location is shown: {stderr}"
    );
}

fn providers_cmd(home: &TempHome) -> std::process::Command {
    let mut cmd = rekey();
    home.apply(&mut cmd);
    cmd.arg("providers")
        .stdin(Stdio::null())
        .stderr(Stdio::piped());
    cmd
}

#[test]
fn output_that_cannot_be_written_is_an_error_exit() {
    let home = TempHome::new();
    // A full disk.
    let out = providers_cmd(&home)
        .stdout(std::fs::File::create("/dev/full").unwrap())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("cannot write output"),
        "{out:?}"
    );

    // A reader that went away (`rekey … | head -c0`): the read end is closed before the child starts.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = providers_cmd(&home).stdout(writer).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("Broken pipe"),
        "{out:?}"
    );
}

#[test]
fn a_grace_period_that_overflows_is_a_clear_usage_error() {
    let home = TempHome::new();
    for grace in ["18446744073709551615m", "5124095576030432h"] {
        let mut cmd = rekey();
        home.apply(&mut cmd);
        let out = cmd
            .args(["plan", "some-credential", "--grace", grace])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains("too long"), "{stderr}");
        assert!(!stderr.contains("panic"), "{stderr}");
    }
}

#[test]
fn a_cloudflare_grace_past_the_year_9999_fails_before_sending() {
    let f = FakeProviders::start().unwrap();
    let (link, old, admin) = f.state(|s| {
        let mut link = Link {
            provider: "cloudflare-access".into(),
            base_url: Some(f.base_url(P::CloudflareAccess)),
            ..Default::default()
        };
        for (k, v) in [
            ("account_id", s.cf.account_id.clone()),
            ("token_id", s.cf.token_id.clone()),
            ("client_id", s.cf.client_id.clone()),
        ] {
            link.ids.insert(k.into(), v);
        }
        (
            link,
            Secret::new(s.cf.client_secret.clone()),
            Secret::new(s.cf_api_token.clone()),
        )
    });
    let err = providers::by_id("cloudflare-access")
        .unwrap()
        .rotate(
            &http(),
            &RotateRequest {
                link: &link,
                current: &old,
                admin: Some(&admin),
                grace: Duration::from_secs(u64::MAX / 2),
            },
        )
        .unwrap_err();
    assert!(
        err.to_string().contains("grace period is too long"),
        "{err}"
    );
    assert_eq!(f.state(|s| s.seen.len()), 0, "nothing was sent");
}

#[test]
fn cli_error_lines_lose_url_queries() {
    let home = TempHome::new();
    let mut cmd = rekey();
    home.apply(&mut cmd);
    let secret = "sk-live-InTheArgument0123456789";
    let out = cmd
        .args(["verify", &format!("https://x.example/mcp?apiKey={secret}")])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(stderr.starts_with("rekey: "), "{stderr}");
    assert!(!stderr.contains(secret), "{stderr}");
}
