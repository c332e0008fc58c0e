//! The leak sweep: drive every flow that handles a secret (scan, plan, a refused rotation whose provider
//! echoes the keys back in its error text, a gateway failure, a successful rotation, verify, history,
//! recover, finish, doctor) through the CLI and the engine's IPC types, then grep every output, every
//! file Rekey wrote (journal, audit, links, locks, settings…; backups of configs are copies of configs and
//! hold keys by design) and every serialized IPC payload for the current, new and admin secrets, in every
//! encoding (built here, not with Rekey's own encoders, and checked against a table written by hand): raw,
//! JSON-escaped, percent-encoded in either case, base64 at any alignment, split by line breaks. It runs on
//! the fakes' plain keys, on keys that every encoding changes (`+ / = % " \ & ?`, 100+ characters) and,
//! through the flows that need no HTTP call, on keys with non-ASCII characters.
mod common;
use base64::Engine;
use common::fixture::*;
use common::*;
use rekey_fakes::{FakeProviders, Fault, Provider as P};
use std::path::Path;

/// `s` percent-encoded with `%HH` in the given case: every byte, or all but the unreserved ones.
fn percent(s: &str, all: bool, upper: bool) -> String {
    s.bytes()
        .map(|b| match b {
            b'0'..=b'9' | b'a'..=b'z' | b'A'..=b'Z' | b'-' | b'.' | b'_' | b'~' if !all => {
                (b as char).to_string()
            }
            _ if upper => format!("%{b:02X}"),
            _ => format!("%{b:02x}"),
        })
        .collect()
}

/// The encodings of `s` a text can hold it in, as strings.
fn forms(s: &str) -> Vec<String> {
    let json = serde_json::to_string(s).unwrap();
    let json = json[1..json.len() - 1].to_string();
    let json2 = serde_json::to_string(&json).unwrap();
    // JSON with every non-ASCII character as `\uXXXX` (surrogate pairs beyond U+FFFF), as an encoder
    // that escapes to ASCII writes it.
    let ascii: String = json
        .chars()
        .flat_map(|c| {
            if c.is_ascii() {
                vec![c.to_string()]
            } else {
                let mut units = [0u16; 2];
                c.encode_utf16(&mut units)
                    .iter()
                    .map(|u| format!("\\u{u:04x}"))
                    .collect()
            }
        })
        .collect();
    vec![
        s.to_string(),
        json2[1..json2.len() - 1].to_string(),
        ascii,
        json,
        percent(s, false, true),
        percent(s, false, false),
        percent(s, true, true),
        percent(s, true, false),
    ]
}

/// The encoders above are checked against forms written out by hand, so a sweep's expectations never rest
/// on code that could share a bug with what it checks.
#[test]
fn the_sweeps_encodings_match_a_table_written_by_hand() {
    assert_eq!(
        forms("a+/\"\\é%"),
        [
            r#"a+/"\é%"#,
            r#"a+/\\\"\\\\é%"#,
            r#"a+/\"\\\u00e9%"#,
            r#"a+/\"\\é%"#,
            "a%2B%2F%22%5C%C3%A9%25",
            "a%2b%2f%22%5c%c3%a9%25",
            "%61%2B%2F%22%5C%C3%A9%25",
            "%61%2b%2f%22%5c%c3%a9%25",
        ]
    );
    // "sk-live-é+/=" in base64 is "c2stbGl2ZS3DqSsvPQ==": found at every alignment of the text around it.
    assert!(base64_reveals("x c2stbGl2ZS3DqSsvPQ== y", "sk-live-é+/="));
    assert!(base64_reveals("Basic:c2stbGl2ZS3DqSsvPQ", "sk-live-é+/="));
    assert!(base64_reveals("c2stbGl2ZS0=", "sk-live-é+/=")); // "sk-live-": six bytes of it
    assert!(!base64_reveals("c2stbA==", "sk-live-é+/=")); // "sk-l" alone is too short to tell
    assert_eq!(unbroken("ab\\n   cd\n\tef"), "abcdef");
}

/// `text` without line breaks and the indentation after them, real or escaped (`\n`, `\\n`), so a
/// key split over lines reads whole again.
fn unbroken(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        let brk = ["\\\\r\\\\n", "\\\\n", "\\r\\n", "\\n", "\r\n", "\n"]
            .iter()
            .find(|b| rest.starts_with(**b));
        match brk {
            Some(b) => rest = rest[b.len()..].trim_start_matches([' ', '\t']),
            None => {
                let c = rest.chars().next().unwrap();
                out.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    out
}

/// Does any run of base64 characters in `text`, decoded at any of the 4 character offsets in either
/// alphabet, hold 6 consecutive bytes of `key`?
fn base64_reveals(text: &str, key: &str) -> bool {
    let windows: Vec<&[u8]> = key.as_bytes().windows(6).collect();
    let is_b64 = |c: char| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '-' | '_');
    text.split(|c: char| !is_b64(c)).any(|run| {
        let run: String = run
            .chars()
            .map(|c| match c {
                '-' => '+',
                '_' => '/',
                c => c,
            })
            .collect();
        (0..4.min(run.len())).any(|off| {
            let r = &run[off..];
            let bytes = base64::engine::general_purpose::STANDARD_NO_PAD
                .decode(&r[..r.len() / 4 * 4])
                .unwrap_or_default();
            windows.iter().any(|w| bytes.windows(6).any(|b| b == *w))
        })
    })
}

/// Panic if `text` (named `what`) holds `secret` in any encoding.
fn assert_clean(text: &str, secret: &str, what: &str) {
    let flat = unbroken(text);
    for form in forms(secret) {
        assert!(
            !text.contains(&form),
            "{what}: a secret ({form}) in:\n{text}"
        );
        assert!(
            !flat.contains(&form),
            "{what}: a secret split over lines in:\n{text}"
        );
    }
    assert!(
        !base64_reveals(text, secret),
        "{what}: a secret in base64 in:\n{text}"
    );
}

/// Every file under `dir` except config backups, with its text.
fn files_under(dir: &Path, out: &mut Vec<(std::path::PathBuf, String)>) {
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            if p.file_name().is_some_and(|n| n == "backups") {
                continue;
            }
            files_under(&p, out);
        } else if let Ok(b) = std::fs::read(&p) {
            out.push((p, String::from_utf8_lossy(&b).into_owned()));
        }
    }
}

#[test]
#[ignore = "needs ./dev test: the private Secret Service"]
fn no_secret_reaches_an_output_a_rekey_file_or_an_ipc_payload() {
    require_keyring();
    for p in [P::BitScale, P::Fruxon, P::CloudflareAccess] {
        let f = FakeProviders::start().unwrap();
        let home = TempHome::new();
        let (old, admin) = configs(&f, p, &home);
        sweep(p, &f, &home, &old, admin);
    }
}

/// The same sweep with keys that every encoding changes (`+ / = % " \ & ?`, 100+ characters): the old
/// key in a JSON, a JSONC and a TOML config (each escaped here, by hand), the provider issuing such keys.
/// The rotation must also write the new key into each config so that it reads back as itself.
#[test]
#[ignore = "needs ./dev test: the private Secret Service"]
fn keys_that_every_encoding_changes_leak_nowhere_and_land_intact() {
    require_keyring();
    let f = FakeProviders::start().unwrap();
    let home = TempHome::new();
    let old = rekey_fakes::mint_escaping("sk-live-", 96);
    f.state(|s| {
        s.bitscale_key = old.clone();
        s.bitscale_escaping_keys = true;
    });
    // JSON and TOML basic strings escape `"` and `\` alike; the other characters stay as they are.
    let esc = |k: &str| k.replace('\\', "\\\\").replace('"', "\\\"");
    assert!(esc(&old) != old && forms(&old).iter().skip(1).all(|f| *f != old));
    let files = [
        (
            "config/Claude/claude_desktop_config.json",
            format!("{{\"mcpServers\": {{\"bitscale\": {{\"command\": \"uvx\", \"env\": {{\"BITSCALE_API_KEY\": \"{}\"}}}}}}}}\n", esc(&old)),
        ),
        (
            "home/.cursor/mcp.json",
            format!("{{\n  // BitScale\n  \"mcpServers\": {{\"bitscale\": {{\"command\": \"uvx\", \"env\": {{\"BITSCALE_API_KEY\": \"{}\"}}}}}},\n}}\n", esc(&old)),
        ),
        (
            "home/.codex/config.toml",
            format!("# BitScale\n[mcp_servers.bitscale]\ncommand = \"uvx\"\nenv = {{ BITSCALE_API_KEY = \"{}\" }}\n", esc(&old)),
        ),
    ];
    for (rel, text) in &files {
        home.write(rel, text);
    }
    sweep(P::BitScale, &f, &home, &old, None);
    let new = f.current_key(P::BitScale);
    assert!(new != old && esc(&new) != new, "{new}");
    for (rel, text) in &files {
        let now = std::fs::read_to_string(home.dir.path().join(rel)).unwrap();
        assert_eq!(now, text.replace(&esc(&old), &esc(&new)), "{rel}");
    }
}

/// Keys with non-ASCII characters cannot travel in an HTTP header, so they go through the flows that need
/// no provider call: scan, a manual replace (unlinked key, `--anyway` past the shape check), protect,
/// unprotect, history, backups. Each key holds `é` and `€` besides `+ / = % " \\`, so every encoding of it
/// differs from the raw key, and the configs must read back the new key exactly.
#[test]
#[ignore = "needs ./dev test: the private Secret Service"]
fn non_ascii_keys_leak_nowhere_through_replace_protect_and_unprotect() {
    require_keyring();
    let home = TempHome::new();
    let service = format!("rekey-leak-{}-non-ascii", std::process::id());
    let envs = [("REKEY_KEYCHAIN_SERVICE", service.as_str())];
    let old = "sk-live-Qé7+vT/2=Kx%9\"Lm\\Rw€Zp4+Hc8/Ny3=Bd6%Fs0\"Jq5\\Gt1é".to_string();
    let new = "sk-live-Wé3/Pk8+Dx=5%Vn\"Cz\\Mb€Yr2/Ls7+Ea4=Ug9%Oi6\"Th1\\Kf0€".to_string();
    let esc = |k: &str| k.replace('\\', "\\\\").replace('"', "\\\"");
    assert!(forms(&old).iter().skip(1).all(|f| *f != old));
    let claude = "config/Claude/claude_desktop_config.json";
    let codex = "home/.codex/config.toml";
    let claude_text = |k: &str| {
        format!("{{\"mcpServers\": {{\"bitscale\": {{\"command\": \"uvx\", \"env\": {{\"BITSCALE_API_KEY\": \"{}\"}}}}}}}}\n", esc(k))
    };
    let codex_text = |k: &str| {
        format!(
            "[mcp_servers.bitscale]\ncommand = \"uvx\"\nenv = {{ BITSCALE_API_KEY = \"{}\" }}\n",
            esc(k)
        )
    };
    home.write(claude, &claude_text(&old));
    home.write(codex, &codex_text(&old));
    let mut outputs = String::new();
    let mut record = |o: &std::process::Output| {
        outputs.push_str(&String::from_utf8_lossy(&o.stdout));
        outputs.push_str(&String::from_utf8_lossy(&o.stderr));
        o.status.success()
    };
    let stdin = format!("{old}\n{new}\n");
    for a in [&["scan"][..], &["scan", "--json"]] {
        assert!(record(&run(&home, a, "", &envs)));
    }
    record(&run(
        &home,
        &["replace", "--dry-run", "--anyway"],
        &stdin,
        &envs,
    ));
    assert!(record(&run(
        &home,
        &["replace", "--yes", "--anyway", "--json"],
        &stdin,
        &envs
    )));
    let read = |rel: &str| std::fs::read_to_string(home.dir.path().join(rel)).unwrap();
    assert_eq!(read(claude), claude_text(&new));
    assert_eq!(read(codex), codex_text(&new));
    let cred = credential_of(&home, &new[..4]);
    assert!(record(&run(&home, &["protect", &cred, "--yes"], "", &envs)));
    for rel in [claude, codex] {
        let text = read(rel);
        assert!(
            text.contains("rekey://") && !text.contains(&esc(&new)),
            "{text}"
        );
    }
    for a in [
        &["scan", "--json"][..],
        &["unprotect", cred.as_str(), "--yes"],
        &["history"],
        &["history", "--json"],
        &["backups"],
        &["doctor"],
    ] {
        let o = run(&home, a, "", &envs);
        assert!(record(&o), "{a:?}: {}", String::from_utf8_lossy(&o.stderr));
    }
    // Unprotected again: the key is back in both files, exactly as it was written.
    assert_eq!(read(claude), claude_text(&new));
    assert_eq!(read(codex), codex_text(&new));
    let mut files = Vec::new();
    files_under(&home.dir.path().join("data"), &mut files);
    assert!(files.iter().any(|(p, _)| p.ends_with("audit.jsonl")));
    for secret in [&old, &new] {
        assert_clean(&outputs, secret, "the outputs");
        for (path, text) in &files {
            assert_clean(text, secret, &path.display().to_string());
        }
    }
}

/// Drive every flow over `old` (and `admin`) at provider `p` through the CLI and the IPC types, then check
/// every output and every file Rekey wrote for every secret, in every form.
fn sweep(p: P, f: &FakeProviders, home: &TempHome, old: &str, admin: Option<String>) {
    let service = format!("rekey-leak-{}-{p:?}", std::process::id());
    let envs = [("REKEY_KEYCHAIN_SERVICE", service.as_str())];
    let mut secrets = vec![old.to_string()];
    let mut outputs = String::new();
    let record = |outputs: &mut String, o: &std::process::Output| {
        outputs.push_str(&String::from_utf8_lossy(&o.stdout));
        outputs.push_str(&String::from_utf8_lossy(&o.stderr));
    };
    if let Some(a) = &admin {
        secrets.push(a.clone());
        let id = match p {
            P::Fruxon => "fruxon",
            _ => "cloudflare-access",
        };
        record(
            &mut outputs,
            &run(home, &["login", id], &format!("{a}\n"), &envs),
        );
    }
    let cred = credential_of(home, &old[..4]);
    let mut args: Vec<String> = vec!["link".into(), cred.clone(), "--provider".into()];
    args.push(provider_id(p).into());
    args.extend(link_args(f, p));
    record(
        &mut outputs,
        &run(
            home,
            &args.iter().map(String::as_str).collect::<Vec<_>>(),
            "",
            &envs,
        ),
    );
    for a in [
        &["scan"][..],
        &["scan", "--json"],
        &["plan", &cred],
        &["plan", &cred, "--json"],
    ] {
        record(&mut outputs, &run(home, a, "", &envs));
    }
    // A provider that echoes everything it was sent into its error text, URLs included.
    let echo = format!(
        "bad key {old} (admin {}) see https://id.example/login?apiKey={old}&token={}",
        admin.as_deref().unwrap_or("-"),
        admin.as_deref().unwrap_or("-")
    );
    for code in [400, 401, 502] {
        f.set_fault(p, Fault::StatusWithMessage(code, echo.clone()));
        for json in [false, true] {
            let mut a = vec!["rotate", cred.as_str(), "--yes"];
            if json {
                a.push("--json");
            }
            let o = run(home, &a, "", &envs);
            assert_ne!(o.status.code(), Some(0), "{p:?} {code}");
            record(&mut outputs, &o);
        }
    }
    // The same refusal as the app sees it: the error's IPC form.
    {
        let ctx = context_of(home);
        let vault = rekey::vault::Vault::with_service(&service);
        let http = rekey::providers::Http::new(std::time::Duration::from_secs(3));
        f.set_fault(p, Fault::StatusWithMessage(403, echo.clone()));
        let plan = rekey::rotation::plan(&ctx, &vault, &http, &cred, None).unwrap();
        let plan_json = serde_json::to_string(&plan).unwrap();
        outputs.push_str(&format!("{:?}", plan.replace));
        let err = rekey::rotation::execute(&ctx, &vault, &http, plan, false, &mut |_| {})
            .err()
            .expect("refused");
        outputs.push_str(&plan_json);
        // Debug output of what the engine holds (a future `{:?}` in a log line must not leak).
        outputs.push_str(&format!("{:?}", ctx.scan().unwrap()));
        outputs.push_str(&serde_json::to_string(&err).unwrap());
        outputs.push_str(&format!("{err} {err:?}"));
    }
    // Then a rotation that works, and everything after it.
    f.set_fault(p, Fault::None);
    let o = run(home, &["rotate", &cred, "--yes", "--json"], "", &envs);
    record(&mut outputs, &o);
    assert!(
        o.status.success(),
        "{p:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let outcome: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let new_id = outcome["new_credential"].as_str().unwrap().to_string();
    secrets.push(f.current_key(p));
    for a in [
        &["verify", new_id.as_str()][..],
        &["history"],
        &["history", "--json"],
        &["recover", "--json"],
        &["scan", "--json"],
        &["doctor"],
        &["finish", "20260101T000000.000000Z-1"],
    ] {
        record(&mut outputs, &run(home, a, "", &envs));
    }
    let mut files = Vec::new();
    files_under(&home.dir.path().join("data"), &mut files);
    assert!(files
        .iter()
        .any(|(p, _)| p.to_string_lossy().contains("journal")));
    assert!(files.iter().any(|(p, _)| p.ends_with("audit.jsonl")));
    for s in &secrets {
        assert_clean(&outputs, s, &format!("{p:?}: the outputs"));
        for (path, text) in &files {
            assert_clean(text, s, &format!("{p:?}: {}", path.display()));
        }
    }
    // The texts were kept, only the values removed: the user still learns what went wrong.
    assert!(outputs.contains("bad key <redacted>"), "{p:?}: {outputs}");
    let acct = format!("rotation:{}", outcome["rotation"].as_str().unwrap());
    let _ = rekey::vault::Vault::with_service(&service).delete(&acct);
}

/// A custom TOML provider whose error text echoes the key back encoded: in base64 (alone and inside a
/// `Basic` blob at each byte alignment), lower-case and every-byte percent-encoding, split over lines.
/// The key holds `/`, `+`, `"`, `\`, `=` and `&`, so each encoding differs from the raw key. None of
/// them reaches the CLI's output, `audit.jsonl` or the journal.
#[test]
#[ignore = "needs ./dev test: the private Secret Service"]
fn a_custom_provider_echoing_the_key_encoded_leaks_it_nowhere() {
    use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
    require_keyring();
    let f = FakeProviders::start().unwrap();
    let key = "ak_live_Ab/cD+eF\"gH\\iJ=kL&mN0123456789xyz";
    f.state(|s| s.a2a_key = key.to_string());
    let home = TempHome::new();
    let service = format!("rekey-leak-custom-{}", std::process::id());
    let envs = [("REKEY_KEYCHAIN_SERVICE", service.as_str())];
    home.write(
        "config/Claude/claude_desktop_config.json",
        &format!(
            r#"{{"mcpServers": {{"a2amarket": {{"command": "npx", "args": ["-y", "a2a-mcp"], "env": {{"A2AMARKET_API_KEY": {}}}}}}}}}"#,
            serde_json::to_string(key).unwrap()
        ),
    );
    let spec = home.write(
        "a2a.toml",
        r#"name = "A2A Market (custom spec)"
[rotate]
method = "POST"
url = "{{base}}/acap/v1/agents/agt_demo_0001/rotate-key"
headers = { "X-Agent-Key" = "{{current}}" }
body = "{}"
secret_pointer = "/payload/data/api_key"
"#,
    );
    let mut outputs = String::new();
    let record = |outputs: &mut String, o: &std::process::Output| {
        outputs.push_str(&String::from_utf8_lossy(&o.stdout));
        outputs.push_str(&String::from_utf8_lossy(&o.stderr));
    };
    let cred = credential_of(&home, &key[..4]);
    let spec = spec.display().to_string();
    let link = [
        "link",
        &cred,
        "--provider",
        "custom",
        "--spec",
        &spec,
        "--base-url",
        &f.url,
    ];
    let o = run(&home, &link, "", &envs);
    record(&mut outputs, &o);
    ok(&o);
    let mut echoes = vec![
        format!("bad key: {}", STANDARD.encode(key)),
        format!("bad key: {}", URL_SAFE_NO_PAD.encode(key)),
        format!("bad key: {}", percent(key, false, false)),
        format!("bad key: {}", percent(key, true, false)),
        format!("bad key: {}", percent(key, true, true)),
        format!("bad key:\n  {}\n    {}", &key[..13], &key[13..]),
        format!("bad key: {}\r\n{}", &key[..20], &key[20..]),
    ];
    // `Authorization: Basic base64(user:key)`: the key at each of the 3 byte alignments.
    for user in ["", "u", "us"] {
        echoes.push(format!(
            "bad credentials: Basic {}",
            STANDARD.encode(format!("{user}:{key}"))
        ));
    }
    for echo in &echoes {
        f.set_fault(P::A2aMarket, Fault::StatusWithMessage(400, echo.clone()));
        for json in [false, true] {
            let mut a = vec!["rotate", cred.as_str(), "--yes"];
            if json {
                a.push("--json");
            }
            let o = run(&home, &a, "", &envs);
            assert_ne!(o.status.code(), Some(0), "{echo}");
            record(&mut outputs, &o);
        }
    }
    f.set_fault(P::A2aMarket, Fault::None);
    let o = run(&home, &["rotate", &cred, "--yes", "--json"], "", &envs);
    record(&mut outputs, &o);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_ne!(f.current_key(P::A2aMarket), key, "the key was rotated");
    for a in [&["history"][..], &["history", "--json"], &["doctor"]] {
        record(&mut outputs, &run(&home, a, "", &envs));
    }
    let mut files = Vec::new();
    files_under(&home.dir.path().join("data"), &mut files);
    assert!(files
        .iter()
        .any(|(p, _)| p.to_string_lossy().contains("journal")));
    assert!(files.iter().any(|(p, _)| p.ends_with("audit.jsonl")));
    assert_clean(&outputs, key, "the outputs");
    for (path, text) in &files {
        assert_clean(text, key, &path.display().to_string());
    }
    // The texts were kept, only the values removed: the user still learns what went wrong.
    assert!(outputs.contains("bad key: <redacted>"), "{outputs}");
    let outcome: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let acct = format!("rotation:{}", outcome["rotation"].as_str().unwrap());
    let _ = rekey::vault::Vault::with_service(&service).delete(&acct);
}

/// A built-in provider's message goes through `providers::http::sanitize`, which makes it one line: a key
/// the provider split over lines must still be found by the scrubber afterwards (the line breaks are kept
/// as visible escapes, which the scrubber decodes, rather than turned into spaces it cannot see through).
#[test]
#[ignore = "needs ./dev test: the private Secret Service"]
fn a_built_in_provider_echoing_the_key_split_over_lines_leaks_it_nowhere() {
    require_keyring();
    let f = FakeProviders::start().unwrap();
    let home = TempHome::new();
    let (key, _) = configs(&f, P::A2aMarket, &home);
    let cred = credential_of(&home, &key[..4]);
    link(&f, &home, P::A2aMarket, &cred);
    let cut = key.len() / 2;
    let mut outputs = String::new();
    for echo in [
        format!("bad key:\n  {}\n    {}", &key[..cut], &key[cut..]),
        format!("bad key: {}\r\n{}", &key[..cut], &key[cut..]),
    ] {
        f.set_fault(P::A2aMarket, Fault::StatusWithMessage(400, echo.clone()));
        for json in [false, true] {
            let mut a = vec!["rotate", cred.as_str(), "--yes"];
            if json {
                a.push("--json");
            }
            let o = run(&home, &a, "", &[]);
            assert_ne!(o.status.code(), Some(0), "{echo}");
            outputs.push_str(&String::from_utf8_lossy(&o.stdout));
            outputs.push_str(&String::from_utf8_lossy(&o.stderr));
        }
    }
    assert!(
        outputs.contains("bad key"),
        "the provider's message is shown: {outputs}"
    );
    let mut files = Vec::new();
    files_under(&home.dir.path().join("data/rekey"), &mut files);
    for (what, text) in std::iter::once(("the CLI's output".to_string(), outputs.clone()))
        .chain(files.into_iter().map(|(p, t)| (p.display().to_string(), t)))
    {
        for half in [&key[..cut], &key[cut..]] {
            assert!(!text.contains(half), "half of the key in {what}: {text}");
        }
    }
}
