//! Create-then-revoke end to end through the `rekey` CLI (real Secret Service, fakes over HTTP, configs
//! in Claude Desktop and Cursor): the old key is revoked only after every config holds the new one and
//! it verifies; a failed verify offers rollback or keep-both; a failed revoke is "old key still
//! active" until `rekey revoke-old`; SIGKILL at each step and `rekey recover` finish or roll back, never
//! leaving two live keys forgotten or a config on a revoked key.
mod common;
use common::fixture::*;
use common::*;
use rekey_fakes::{FakeProviders, Provider as P};
use serde_json::Value;
use std::process::Stdio;

const ALL: [P; 6] = [
    P::Neon,
    P::DatadogApiKey,
    P::DatadogAppKey,
    P::OpenAiAdminKey,
    P::OpenAiServiceAccountKey,
    P::Vercel,
];
const FILES: [&str; 2] = [
    "config/Claude/claude_desktop_config.json",
    "home/.cursor/mcp.json",
];

fn read(home: &TempHome, file: &str) -> String {
    std::fs::read_to_string(home.dir.path().join(file)).unwrap()
}

fn no_secret_anywhere(home: &TempHome, outputs: &str, secrets: &[&str]) {
    for s in secrets {
        assert!(!outputs.contains(s), "a secret in the CLI output");
        for (path, text) in data_files(home) {
            assert!(!text.contains(s), "a secret in {}", path.display());
        }
    }
}

#[test]
#[ignore = "needs ./dev test: the private Secret Service"]
fn each_create_then_revoke_provider_rotates_end_to_end_through_the_cli() {
    require_keyring();
    for p in ALL {
        let (f, home, old, cred, admin, mut outputs) = linked(p);
        let old_id = keys(&f, p).live(&old).unwrap().id.clone();
        let plan = ok(&run(&home, &["plan", &cred], "", &[]));
        assert!(
            plan.contains("no client holds a dead key")
                && plan.contains("revoked only after every config holds the new one and it works"),
            "{p:?}: the plan says the model and the risk: {plan}"
        );
        outputs += &plan;
        let out = ok(&run(&home, &["rotate", &cred, "--yes", "--json"], "", &[]));
        outputs += &out;
        let o: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(o["step"], "revoked", "{p:?}: {o}");
        assert_eq!(o["model"], "create-then-revoke");
        assert_eq!(o["old_key"], "old key revoked");
        let new = f.current_key(p);
        assert_ne!(new, old);
        assert_eq!(f.rotations(p), 1, "{p:?}: one create call");
        for file in FILES {
            let text = read(&home, file);
            assert!(text.contains(&new) && !text.contains(&old), "{p:?} {file}");
        }
        // The old key is revoked at the provider, only the new one is live.
        assert!(keys(&f, p).by_id(&old_id).unwrap().revoked, "{p:?}");
        assert_eq!(live_rotated(&f, p), vec![new.clone()], "{p:?}");
        // The new key in the keychain; the old key's copy gone with it.
        let rot = o["rotation"].as_str().unwrap();
        assert_eq!(
            secret_tool(&format!("rotation:{rot}")).as_deref(),
            Some(new.as_str())
        );
        assert_eq!(secret_tool(&format!("rotation:{rot}:old")), None, "{p:?}");
        // The audit line.
        let hist = ok(&run(&home, &["history", "--json"], "", &[]));
        let h: Value = serde_json::from_str(&hist).unwrap();
        assert_eq!(h[0]["outcome"], "revoked", "{p:?}: {h}");
        assert_eq!(h[0]["model"], "create-then-revoke");
        assert_eq!(h[0]["old_key_id"], old_id.as_str());
        outputs += &hist;
        // The text outcome says it too.
        outputs += &ok(&run(&home, &["providers"], "", &[]));
        let mut secrets = vec![old.as_str(), new.as_str()];
        if let Some(a) = &admin {
            secrets.push(a);
        }
        no_secret_anywhere(&home, &outputs, &secrets);
    }
}

#[test]
#[ignore = "needs ./dev test: the private Secret Service"]
fn the_text_outcome_and_providers_list_say_the_model() {
    require_keyring();
    let (_f, home, _old, cred, _, _) = linked(P::Neon);
    let out = ok(&run(&home, &["rotate", &cred, "--yes"], "", &[]));
    assert!(out.contains("Old key: old key revoked"), "{out}");
    let list = ok(&run(&home, &["providers"], "", &[]));
    let neon = list.lines().find(|l| l.starts_with("neon ")).unwrap();
    assert!(neon.contains("create-then-revoke"), "{neon}");
    let bits = list.lines().find(|l| l.starts_with("bitscale ")).unwrap();
    assert!(bits.contains("rotate-in-place"), "{bits}");
}

#[test]
#[ignore = "needs ./dev test: the private Secret Service"]
fn a_failed_verify_revokes_nothing_and_rollback_restores_every_config_byte_for_byte() {
    require_keyring();
    for p in [
        P::Neon,
        P::DatadogAppKey,
        P::OpenAiServiceAccountKey,
        P::Vercel,
    ] {
        let (f, home, old, cred, _, _) = linked(p);
        let before: Vec<String> = FILES.iter().map(|x| read(&home, x)).collect();
        set_keys(&f, p, |k| k.verify_fault = Some(401));
        let o = run(&home, &["rotate", &cred, "--yes", "--json"], "", &[]);
        assert_eq!(o.status.code(), Some(5), "{p:?}: partial");
        let o: Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(o["step"], "verify-failed", "{p:?}: {o}");
        let rot = o["rotation"].as_str().unwrap().to_string();
        let words = o["old_key"].as_str().unwrap();
        assert!(
            words.contains(&format!("rekey rollback {rot}"))
                && words.contains(&format!("rekey keep-both {rot}")),
            "{words}"
        );
        let new = f.current_key(p);
        // Nothing revoked: both keys live, the configs on the new one.
        assert_eq!(live_rotated(&f, p), vec![old.clone(), new.clone()], "{p:?}");
        assert!(read(&home, FILES[0]).contains(&new));
        // Revoking the old key is not offered while verification failed (only after keep-both).
        let r = run(&home, &["revoke-old", &rot], "", &[]);
        assert_eq!(r.status.code(), Some(2), "{p:?}");
        assert!(
            String::from_utf8_lossy(&r.stderr).contains("verif"),
            "{p:?}: {}",
            String::from_utf8_lossy(&r.stderr)
        );
        let out = ok(&run(&home, &["rollback", &rot, "--json"], "", &[]));
        let r: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(r["step"], "rolled-back", "{p:?}: {r}");
        let after: Vec<String> = FILES.iter().map(|x| read(&home, x)).collect();
        assert_eq!(after, before, "{p:?}: byte-for-byte");
        // The new key is deleted at the provider; the old one lives on.
        assert_eq!(live_rotated(&f, p), vec![old.clone()], "{p:?}");
        assert_eq!(secret_tool(&format!("rotation:{rot}")), None);
        assert_eq!(secret_tool(&format!("rotation:{rot}:old")), None);
        // The old credential is linked again: a later rotation works.
        set_keys(&f, p, |k| k.verify_fault = None);
        let again: Value = serde_json::from_str(&ok(&run(
            &home,
            &["rotate", &cred, "--yes", "--json"],
            "",
            &[],
        )))
        .unwrap();
        assert_eq!(again["step"], "revoked", "{p:?}: {again}");
        // A revoked rotation cannot be rolled back.
        let r = run(
            &home,
            &["rollback", again["rotation"].as_str().unwrap()],
            "",
            &[],
        );
        assert_eq!(r.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&r.stderr).contains("already revoked"));
        no_secret_anywhere(&home, &out, &[&old, &new]);
    }
}

#[test]
#[ignore = "needs ./dev test: the private Secret Service"]
fn keep_both_then_revoke_old() {
    require_keyring();
    let p = P::DatadogApiKey;
    let (f, home, old, cred, _, _) = linked(p);
    set_keys(&f, p, |k| k.verify_fault = Some(403));
    let o = run(&home, &["rotate", &cred, "--yes", "--json"], "", &[]);
    let o: Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&o.stderr)));
    let rot = o["rotation"].as_str().unwrap().to_string();
    let kept = ok(&run(&home, &["keep-both", &rot], "", &[]));
    assert!(
        kept.contains("kept-both") && kept.contains("both keys are active"),
        "{kept}"
    );
    let new = f.current_key(p);
    assert_eq!(live_rotated(&f, p), vec![old.clone(), new.clone()]);
    // Nothing to recover: the choice is the user's.
    let rec: Value =
        serde_json::from_str(&ok(&run(&home, &["recover", "--json"], "", &[]))).unwrap();
    assert!(rec.as_array().unwrap().is_empty(), "{rec}");
    let out = ok(&run(&home, &["revoke-old", &rot], "", &[]));
    assert!(out.contains("revoked"), "{out}");
    assert_eq!(live_rotated(&f, p), vec![new]);
}

#[test]
#[ignore = "needs ./dev test: the private Secret Service"]
fn a_failed_revoke_is_old_key_still_active_until_revoke_old_works() {
    require_keyring();
    let p = P::OpenAiAdminKey;
    let (f, home, old, cred, _, _) = linked(p);
    set_keys(&f, p, |k| k.revoke_fault = Some(500));
    let o = run(&home, &["rotate", &cred, "--yes"], "", &[]);
    assert_eq!(o.status.code(), Some(5));
    let text = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(text.contains("old key still active: revoke it"), "{text}");
    let new = f.current_key(p);
    // Every config holds the new key; the old one is still live at the provider.
    for file in FILES {
        assert!(read(&home, file).contains(&new));
    }
    assert_eq!(live_rotated(&f, p), vec![old.clone(), new.clone()]);
    let h: Value = serde_json::from_str(&ok(&run(&home, &["history", "--json"], "", &[]))).unwrap();
    assert_eq!(h[0]["outcome"], "revoke-failed", "{h}");
    let rot = h[0]["rotation"].as_str().unwrap().to_string();
    assert!(h[0]["message"]
        .as_str()
        .unwrap()
        .contains(&format!("rekey revoke-old {rot}")));
    let hist = ok(&run(&home, &["history"], "", &[]));
    assert!(
        hist.contains(&format!(
            "old key still active: revoke it (rekey revoke-old {rot})"
        )),
        "{hist}"
    );
    // Still failing: stays visible, exit 5.
    let again = run(&home, &["revoke-old", &rot], "", &[]);
    assert_eq!(again.status.code(), Some(5));
    assert!(!String::from_utf8_lossy(&again.stdout).contains("rotated"));
    set_keys(&f, p, |k| k.revoke_fault = None);
    let done = ok(&run(&home, &["revoke-old", &rot, "--json"], "", &[]));
    let d: Value = serde_json::from_str(&done).unwrap();
    assert_eq!(d["step"], "revoked", "{d}");
    assert_eq!(live_rotated(&f, p), vec![new.clone()]);
    no_secret_anywhere(&home, &(text + &done), &[&old, &new]);
}

/// A vendor whose refused delete quotes the credential it was sent: the admin credential that authorised
/// the revoke appears in no output, journal, audit line or history message.
#[test]
#[ignore = "needs ./dev test: the private Secret Service"]
fn a_revoke_error_that_echoes_the_admin_credential_shows_none_of_it() {
    require_keyring();
    let p = P::OpenAiServiceAccountKey;
    let (f, home, old, cred, admin, _) = linked(p);
    let admin = admin.expect("service-account keys are rotated with an admin key");
    set_keys(&f, p, |k| {
        k.revoke_fault = Some(500);
        k.revoke_fault_echoes = true;
    });
    let o = run(&home, &["rotate", &cred, "--yes"], "", &[]);
    assert_eq!(o.status.code(), Some(5));
    let mut text =
        String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr);
    assert!(text.contains("old key still active: revoke it"), "{text}");
    let rot = {
        let h: Value =
            serde_json::from_str(&ok(&run(&home, &["history", "--json"], "", &[]))).unwrap();
        assert_eq!(h[0]["outcome"], "revoke-failed", "{h}");
        h[0]["rotation"].as_str().unwrap().to_string()
    };
    // Its retry too.
    let again = run(&home, &["revoke-old", &rot], "", &[]);
    assert_eq!(again.status.code(), Some(5));
    text += &String::from_utf8_lossy(&again.stdout);
    text += &String::from_utf8_lossy(&again.stderr);
    let history = ok(&run(&home, &["history", "--json"], "", &[]));
    // The vendor's text is kept, the credential it quoted is not.
    assert!(
        history.contains("injected failure for credential"),
        "{history}"
    );
    text += &history;
    let new = f.current_key(p);
    no_secret_anywhere(&home, &text, &[&admin, &old, &new]);

    // A rollback's delete of the new key, refused the same way.
    let (f, home, old, cred, admin, _) = linked(p);
    let admin = admin.unwrap();
    set_keys(&f, p, |k| {
        k.verify_fault = Some(401);
        k.revoke_fault = Some(500);
        k.revoke_fault_echoes = true;
    });
    let o = run(&home, &["rotate", &cred, "--yes", "--json"], "", &[]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["step"], "verify-failed", "{v}");
    let rot = v["rotation"].as_str().unwrap().to_string();
    let r = run(&home, &["rollback", &rot, "--json"], "", &[]);
    let mut text = String::from_utf8_lossy(&o.stdout).into_owned()
        + &String::from_utf8_lossy(&r.stdout)
        + &String::from_utf8_lossy(&r.stderr);
    assert!(text.contains("could not be deleted"), "{text}");
    let history = ok(&run(&home, &["history", "--json"], "", &[]));
    assert!(
        history.contains("injected failure for credential"),
        "{history}"
    );
    text += &history;
    let new = f.current_key(p);
    no_secret_anywhere(&home, &text, &[&admin, &old, &new]);
}

#[test]
#[ignore = "needs ./dev test: the private Secret Service"]
fn a_config_back_on_the_old_key_is_never_left_on_a_revoked_key() {
    require_keyring();
    let p = P::Neon;
    let (f, home, old, cred, _, _) = linked(p);
    set_keys(&f, p, |k| k.revoke_fault = Some(503));
    let o: Value =
        serde_json::from_slice(&run(&home, &["rotate", &cred, "--yes", "--json"], "", &[]).stdout)
            .unwrap();
    assert_eq!(o["step"], "revoke-failed", "{o}");
    let rot = o["rotation"].as_str().unwrap().to_string();
    set_keys(&f, p, |k| k.revoke_fault = None);
    // A client writes its old config back: the old key is in use again, so it must not be revoked.
    let new = f.current_key(p);
    let cursor = home.dir.path().join(FILES[1]);
    std::fs::write(&cursor, read(&home, FILES[1]).replace(&new, &old)).unwrap();
    let r = run(&home, &["revoke-old", &rot], "", &[]);
    assert_eq!(r.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&r.stderr).contains("still holds the old key"));
    assert!(keys(&f, p).is_live(&old), "not revoked");
}

#[test]
#[ignore = "needs ./dev test: the private Secret Service"]
fn a_rotation_killed_at_any_step_is_finished_or_rolled_back_by_recover() {
    require_keyring();
    let steps = [
        "journaled",
        "created",
        "stored",
        "held",
        "written",
        "verified",
    ];
    for (p, step) in ALL.into_iter().flat_map(|p| steps.map(|s| (p, s))) {
        let (f, home, old, cred, _, _) = linked(p);
        let before: Vec<String> = FILES.iter().map(|x| read(&home, x)).collect();
        let pause = tempfile::tempdir().unwrap();
        let mut cmd = rekey();
        home.apply(&mut cmd);
        cmd.env("REKEY_TEST_PAUSE_AFTER", step)
            .env("REKEY_TEST_PAUSE_DIR", pause.path());
        let mut child = cmd
            .args(["rotate", &cred, "--yes"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while !pause.path().join("paused").exists() {
            assert!(
                std::time::Instant::now() < deadline && child.try_wait().unwrap().is_none(),
                "{p:?} {step}: never paused"
            );
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        // (The positive control for the checks below that its copy is gone: while the rotation is
        // unfinished, the old key's copy is in the keychain under the rotation's account.)
        let journaled: Vec<String> = std::fs::read_dir(home.dir.path().join("data/rekey/journal"))
            .unwrap()
            .flatten()
            .filter_map(|e| {
                e.path()
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
            })
            .collect();
        assert_eq!(journaled.len(), 1, "{p:?} {step}: {journaled:?}");
        assert_eq!(
            secret_tool(&format!("rotation:{}:old", journaled[0])).as_deref(),
            Some(old.as_str()),
            "{p:?} {step}: the old key's copy"
        );

        let rec = ok(&run(&home, &["recover", "--json"], "", &[]));
        let r: Value = serde_json::from_str(&rec).unwrap();
        let rot = r[0]["rotation"].as_str().unwrap().to_string();
        let after: Vec<String> = FILES.iter().map(|x| read(&home, x)).collect();
        let live = live_rotated(&f, p);
        match step {
            "journaled" => {
                // Killed before the create call: nothing created, nothing retried.
                assert_eq!(f.rotations(p), 0);
                assert_eq!(r[0]["step"], "unknown", "{rec}");
                assert!(r[0]["message"]
                    .as_str()
                    .unwrap()
                    .contains(&format!("rekey-{rot}")));
                assert_eq!(after, before);
                assert_eq!(live, vec![old.clone()]);
            }
            "created" => {
                // Created at the provider but never kept: deleted again; configs untouched.
                assert_eq!(r[0]["step"], "rolled-back", "{rec}");
                assert_eq!(after, before, "{p:?} {step}");
                assert_eq!(
                    live,
                    vec![old.clone()],
                    "{p:?} {step}: the unkept new key is deleted"
                );
            }
            _ => {
                let new = f.current_key(p);
                assert_eq!(f.rotations(p), 1, "{p:?} {step}: never created again");
                assert_eq!(r[0]["step"], "revoked", "{p:?} {step}: {rec}");
                assert!(
                    r[0]["message"]
                        .as_str()
                        .unwrap()
                        .contains("old key revoked"),
                    "{rec}"
                );
                for a in &after {
                    assert!(a.contains(&new) && !a.contains(&old), "{p:?} {step}");
                }
                assert_eq!(
                    live,
                    vec![new.clone()],
                    "{p:?} {step}: only the new key is live"
                );
            }
        }
        // Every config holds a live key; the old key's copy in the keychain is gone.
        for a in &after {
            assert!(
                keys(&f, p)
                    .keys
                    .iter()
                    .any(|k| !k.revoked && a.contains(&k.key)),
                "{p:?} {step}: a config on a dead key"
            );
        }
        assert_eq!(
            secret_tool(&format!("rotation:{rot}:old")),
            None,
            "{p:?} {step}"
        );
        let again: Value =
            serde_json::from_str(&ok(&run(&home, &["recover", "--json"], "", &[]))).unwrap();
        assert!(
            again.as_array().unwrap().is_empty(),
            "{p:?} {step}: {again}"
        );
    }
}

#[test]
fn a_datadog_key_sent_to_a_regional_mcp_server_is_linked_to_that_site() {
    // No keychain involved: scan and link only.
    let home = TempHome::new();
    let key = "0123456789abcdef0123456789abcdef";
    home.write(
        "home/.cursor/mcp.json",
        &format!(
            r#"{{"mcpServers": {{"datadog": {{"type": "http", "url": "https://mcp.datadoghq.eu/api/unstable/mcp-server/mcp", "headers": {{"DD_API_KEY": "{key}", "DD_APPLICATION_KEY": "<YOUR_APPLICATION_KEY>"}}}}}}}}"#
        ),
    );
    let cred = credential_of(&home, &key[..4]);
    ok(&run(
        &home,
        &["link", &cred, "--provider", "datadog-api-key"],
        "",
        &[],
    ));
    let links: Value = serde_json::from_str(
        &std::fs::read_to_string(home.dir.path().join("data/rekey/links.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(links[&cred]["ids"]["site"], "datadoghq.eu", "{links}");
    let plan = run(&home, &["plan", &cred], "", &[]);
    let text = String::from_utf8_lossy(&plan.stdout);
    assert!(text.contains("https://api.datadoghq.eu"), "{text}");
}

#[test]
#[ignore = "needs ./dev test: the private Secret Service"]
fn a_revoke_whose_answer_was_lost_is_found_done_on_retry() {
    require_keyring();
    let p = P::Neon;
    let (f, home, old, cred, _, _) = linked(p);
    set_keys(&f, p, |k| k.revoke_fault = Some(504));
    let o: Value =
        serde_json::from_slice(&run(&home, &["rotate", &cred, "--yes", "--json"], "", &[]).stdout)
            .unwrap();
    assert_eq!(o["step"], "revoke-failed", "{o}");
    let rot = o["rotation"].as_str().unwrap().to_string();
    // The provider did revoke it after all (a gateway failed after forwarding): the retry's 404 is
    // "already gone" only because the old key is now refused.
    let old_id = f.state(|s| s.neon.key_id.clone());
    set_keys(&f, p, |k| {
        k.revoke_fault = None;
        assert!(k.revoke(&old_id));
    });
    let d: Value =
        serde_json::from_str(&ok(&run(&home, &["revoke-old", &rot, "--json"], "", &[]))).unwrap();
    assert_eq!(d["step"], "revoked", "{d}");
    assert!(!keys(&f, p).is_live(&old));
}

#[test]
#[ignore = "needs ./dev test: the private Secret Service"]
fn an_incomplete_create_then_revoke_rotation_revokes_only_after_finish() {
    require_keyring();
    let p = P::Neon;
    let (f, home, old, cred, _, _) = linked(p);
    let cursor = home.dir.path().join(FILES[1]);
    let good = read(&home, FILES[1]);
    let broken = format!(
        "{{\n  \"mcpServers\": {{\"svc\": {{\n    \"env\": {{\"NEON_API_KEY\": \"{old}\"\n"
    );
    std::fs::write(&cursor, &broken).unwrap();
    let o = run(
        &home,
        &["rotate", &cred, "--yes", "--despite-unparsed"],
        "",
        &[],
    );
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert_eq!(o.status.code(), Some(5), "{out}");
    assert!(
        out.contains("INCOMPLETE") && out.contains("still active"),
        "{out}"
    );
    let new = f.current_key(p);
    // Not revoked while the broken file still holds the old key.
    assert!(keys(&f, p).is_live(&old));
    let h: Value = serde_json::from_str(&ok(&run(&home, &["history", "--json"], "", &[]))).unwrap();
    let rot = h[0]["rotation"].as_str().unwrap().to_string();
    assert_eq!(h[0]["outcome"], "incomplete");
    std::fs::write(&cursor, &good).unwrap();
    let fin: Value =
        serde_json::from_str(&ok(&run(&home, &["finish", &rot, "--json"], "", &[]))).unwrap();
    assert_eq!(fin["step"], "revoked", "{fin}");
    assert_eq!(read(&home, FILES[1]), good.replace(&old, &new));
    assert_eq!(live_rotated(&f, p), vec![new]);
}

#[test]
#[ignore = "needs ./dev test: the private Secret Service"]
fn the_custom_create_then_revoke_example_rotates_through_the_cli() {
    require_keyring();
    let p = P::Neon;
    let f = FakeProviders::start().unwrap();
    let home = TempHome::new();
    let (old, _) = configs(&f, p, &home);
    let cred = credential_of(&home, &old[..4]);
    let spec = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/providers/neon-create-revoke.toml");
    let old_id = f.state(|s| s.neon.key_id.clone());
    ok(&run(
        &home,
        &[
            "link",
            &cred,
            "--provider",
            "custom",
            "--spec",
            &spec.display().to_string(),
            "--base-url",
            &f.base_url(p),
            "--key-id",
            &old_id,
        ],
        "",
        &[],
    ));
    let plan = ok(&run(&home, &["plan", &cred], "", &[]));
    assert!(plan.contains("no client holds a dead key"), "{plan}");
    let o: Value = serde_json::from_str(&ok(&run(
        &home,
        &["rotate", &cred, "--yes", "--json"],
        "",
        &[],
    )))
    .unwrap();
    assert_eq!(o["step"], "revoked", "{o}");
    let new = f.current_key(p);
    for file in FILES {
        assert!(read(&home, file).contains(&new));
    }
    assert_eq!(live_rotated(&f, p), vec![new]);
}
