//! The leak sweep: drive every flow that handles a secret (scan, plan, a refused rotation whose provider
//! echoes the keys back in its error text, a gateway failure, a successful rotation, verify, history,
//! recover, finish, doctor) through the CLI and the engine's IPC types, then grep every output, every
//! file Rekey wrote (journal, audit, links, locks, settings…; backups of configs are copies of configs and
//! hold keys by design) and every serialized IPC payload for the current, new and admin secrets, raw and
//! percent-encoded.
mod common;
use common::fixture::*;
use common::*;
use rekey_fakes::{FakeProviders, Fault, Provider as P};
use std::path::Path;

fn forms(s: &str) -> Vec<String> {
    vec![
        s.to_string(),
        rekey::scan::slots::percent_encode(s),
        serde_json::to_string(s)
            .unwrap()
            .trim_matches('"')
            .to_string(),
    ]
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
fn no_secret_reaches_an_output_a_rekey_file_or_an_ipc_payload() {
    if !keyring_tests_enabled("no_secret_reaches_an_output_a_rekey_file_or_an_ipc_payload") {
        return;
    }
    for p in [P::BitScale, P::Fruxon, P::CloudflareAccess] {
        let f = FakeProviders::start().unwrap();
        let home = TempHome::new();
        let service = format!("rekey-leak-{}-{p:?}", std::process::id());
        let envs = [("REKEY_KEYCHAIN_SERVICE", service.as_str())];
        let (old, admin) = configs(&f, p, &home);
        let mut secrets = vec![old.clone()];
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
                &run(&home, &["login", id], &format!("{a}\n"), &envs),
            );
        }
        let cred = credential_of(&home, &old[..4]);
        let mut args: Vec<String> = vec!["link".into(), cred.clone(), "--provider".into()];
        args.push(provider_id(p).into());
        args.extend(link_args(&f, p));
        record(
            &mut outputs,
            &run(
                &home,
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
            record(&mut outputs, &run(&home, a, "", &envs));
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
                let o = run(&home, &a, "", &envs);
                assert_ne!(o.status.code(), Some(0), "{p:?} {code}");
                record(&mut outputs, &o);
            }
        }
        // The same refusal as the app sees it: the error's IPC form.
        {
            let ctx = context_of(&home);
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
        let o = run(&home, &["rotate", &cred, "--yes", "--json"], "", &envs);
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
            record(&mut outputs, &run(&home, a, "", &envs));
        }
        let mut files = Vec::new();
        files_under(&home.dir.path().join("data"), &mut files);
        assert!(files
            .iter()
            .any(|(p, _)| p.to_string_lossy().contains("journal")));
        assert!(files.iter().any(|(p, _)| p.ends_with("audit.jsonl")));
        for s in &secrets {
            for form in forms(s) {
                assert!(
                    !outputs.contains(&form),
                    "{p:?}: a secret in the outputs:\n{outputs}"
                );
                for (path, text) in &files {
                    assert!(
                        !text.contains(&form),
                        "{p:?}: a secret in {}",
                        path.display()
                    );
                }
            }
        }
        // The texts were kept, only the values removed: the user still learns what went wrong.
        assert!(outputs.contains("bad key <redacted>"), "{p:?}: {outputs}");
        let acct = format!("rotation:{}", outcome["rotation"].as_str().unwrap());
        let _ = rekey::vault::Vault::with_service(&service).delete(&acct);
    }
}
