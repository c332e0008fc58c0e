//! The issue-11 providers end to end through the `rekey` CLI: fake providers over HTTP, the key in
//! Claude Desktop and Cursor configs in each vendor's real shape, the new key in the real Secret
//! Service, verify, the audit line, and no secret in any output or Rekey file. Run under
//! scripts/test-env.sh (a private Secret Service).
mod common;
use common::fixture::*;
use common::*;
use rekey_fakes::{FakeProviders, Provider as P};
use serde_json::Value;

#[test]
#[ignore = "needs ./dev test: the private Secret Service"]
fn each_new_provider_rotates_end_to_end_through_the_cli() {
    require_keyring();
    for p in [
        P::GitLab,
        P::CloudflareApi,
        P::Paddle,
        P::LaunchDarkly,
        P::ActivepiecesProject,
        P::Rootly,
    ] {
        let f = FakeProviders::start().unwrap();
        let home = TempHome::new();
        let (old, admin) = configs(&f, p, &home);
        let cred = credential_of(&home, &old[..4]);
        let pid = provider_id(p);
        // The scan already guesses the provider.
        let scan: Value =
            serde_json::from_str(&ok(&run(&home, &["scan", "--json"], "", &[]))).unwrap();
        let c = scan["credentials"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == cred.as_str())
            .unwrap();
        // (Rootly's keys have no documented prefix and these entries hold it in headers, which do not
        // show the host: no guess, the user links it.)
        let guess = if p == P::Rootly {
            Value::Null
        } else {
            pid.into()
        };
        assert_eq!(c["provider"], guess, "{p:?}: {c}");
        assert_eq!(c["usages"], 2, "{p:?}: one usage per client");
        let mut outputs = String::new();
        if let Some(a) = &admin {
            outputs += &ok(&run(&home, &["login", pid], &format!("{a}\n"), &[]));
        }
        outputs += &link(&f, &home, p, &cred);
        let plan = ok(&run(&home, &["plan", &cred, "--json"], "", &[]));
        outputs += &plan;
        let plan: Value = serde_json::from_str(&plan).unwrap();
        // GitLab and the Activepieces project server: the base URL came from the configs (the others
        // were given --base-url).
        assert!(
            plan["link"]["base_url"]
                .as_str()
                .is_some_and(|u| u.starts_with(&f.url)),
            "{p:?}: {plan}"
        );
        if p == P::Paddle {
            let w = plan["warnings"].to_string();
            assert!(w.contains("first used +"), "{w}");
        }
        let out = ok(&run(&home, &["rotate", &cred, "--yes", "--json"], "", &[]));
        outputs += &out;
        let o: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(o["step"], "verified", "{p:?}: {o}");
        let new = f.current_key(p);
        assert_ne!(new, old);
        assert_eq!(f.rotations(p), 1, "{p:?}");
        assert_eq!(
            f.rotate_calls(p),
            1,
            "{p:?}: one rotate call, never retried"
        );
        for file in [
            "config/Claude/claude_desktop_config.json",
            "home/.cursor/mcp.json",
        ] {
            let text = std::fs::read_to_string(home.dir.path().join(file)).unwrap();
            assert!(
                text.contains(&new) && !text.contains(&old),
                "{p:?} {file}: {text}"
            );
        }
        let new_id = o["new_credential"].as_str().unwrap();
        assert_eq!(
            secret_tool(&format!("rotation:{}", o["rotation"].as_str().unwrap())).as_deref(),
            Some(new.as_str()),
            "{p:?}"
        );
        outputs += &ok(&run(&home, &["verify", new_id], "", &[]));
        let hist = ok(&run(&home, &["history", "--json"], "", &[]));
        let h: Value = serde_json::from_str(&hist).unwrap();
        assert_eq!(h.as_array().unwrap().len(), 1, "{p:?}");
        assert_eq!(h[0]["outcome"], "verified", "{p:?}");
        assert_eq!(h[0]["provider"], pid, "{p:?}: {h}");
        outputs += &hist;
        for s in [Some(old.as_str()), Some(new.as_str()), admin.as_deref()]
            .into_iter()
            .flatten()
        {
            assert!(!outputs.contains(s), "{p:?}: a secret in the CLI output");
            for (path, text) in data_files(&home) {
                assert!(!text.contains(s), "{p:?}: a secret in {}", path.display());
            }
        }
    }
}

#[test]
fn linking_a_key_that_cannot_be_rotated_is_refused_with_a_clear_message() {
    let f = FakeProviders::start().unwrap();
    let home = TempHome::new();
    let global = "cfk_0123456789abcdef0123456789abcdef0123456789";
    home.write(
        "home/.cursor/mcp.json",
        &format!(r#"{{"mcpServers": {{"cf": {{"command": "npx", "env": {{"CLOUDFLARE_API_TOKEN": "{global}"}}}}}}}}"#),
    );
    let cred = credential_of(&home, "cfk_");
    let o = run(
        &home,
        &[
            "link",
            &cred,
            "--provider",
            "cloudflare-api-token",
            "--base-url",
            &f.url,
        ],
        "",
        &[],
    );
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("Global API Key"), "{err}");
    assert!(!err.contains(global));
    assert!(f.state(|s| s.seen.is_empty()), "nothing was sent");
}
