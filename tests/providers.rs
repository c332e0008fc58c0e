//! Every provider adapter against the fake providers over real HTTP on 127.0.0.1: the documented
//! contract end to end, and every failure with its own error.

use rekey::providers::{self, Http, Link, ProviderError, RotateRequest};
use rekey::Secret;
use rekey_fakes::{FakeProviders, Fault, Provider as P};
use std::time::Duration;

fn http() -> Http {
    Http::new(Duration::from_secs(1))
}

/// The link, current key and admin credential for a provider at the fakes.
fn setup(
    f: &FakeProviders,
    p: P,
) -> (
    &'static dyn providers::Provider,
    Link,
    Secret,
    Option<Secret>,
) {
    let mut link = Link {
        provider: String::new(),
        base_url: Some(f.base_url(p)),
        ..Default::default()
    };
    let ids = |l: &mut Link, kv: &[(&str, String)]| {
        for (k, v) in kv {
            l.ids.insert(k.to_string(), v.clone());
        }
    };
    f.state(|s| match p {
        P::BitScale => (
            providers::by_id("bitscale").unwrap(),
            link.clone(),
            Secret::new(s.bitscale_key.clone()),
            None,
        ),
        P::A2aMarket => {
            ids(&mut link, &[("agent_id", s.a2a_agent_id.clone())]);
            (
                providers::by_id("a2a-market").unwrap(),
                link.clone(),
                Secret::new(s.a2a_key.clone()),
                None,
            )
        }
        P::CloudflareAccess => {
            ids(
                &mut link,
                &[
                    ("account_id", s.cf.account_id.clone()),
                    ("token_id", s.cf.token_id.clone()),
                    ("client_id", s.cf.client_id.clone()),
                    ("app_url", format!("{}/cf-app/", f.url)),
                ],
            );
            (
                providers::by_id("cloudflare-access").unwrap(),
                link.clone(),
                Secret::new(s.cf.client_secret.clone()),
                Some(Secret::new(s.cf_api_token.clone())),
            )
        }
        P::Fruxon => {
            ids(
                &mut link,
                &[
                    ("tenant", s.fruxon_tenant.clone()),
                    ("integration", s.fruxon_integration.clone()),
                ],
            );
            (
                providers::by_id("fruxon").unwrap(),
                link.clone(),
                Secret::new(s.fruxon_key.clone()),
                Some(Secret::new(s.fruxon_jwt.clone())),
            )
        }
        P::Activepieces => {
            ids(&mut link, &[("server_id", s.ap_server_id.clone())]);
            (
                providers::by_id("activepieces").unwrap(),
                link.clone(),
                Secret::new(s.ap_token.clone()),
                Some(Secret::new(s.ap_platform_key.clone())),
            )
        }
        // The new providers need no link ids: the token ids come from the key or the provider.
        P::GitLab => (
            providers::by_id("gitlab").unwrap(),
            link.clone(),
            Secret::new(s.gitlab.active().unwrap().token.clone()),
            None,
        ),
        P::CloudflareApi => (
            providers::by_id("cloudflare-api-token").unwrap(),
            link.clone(),
            Secret::new(s.cf_api.user.value.clone()),
            Some(Secret::new(s.cf_api.admin.clone())),
        ),
        P::Paddle => (
            providers::by_id("paddle").unwrap(),
            link.clone(),
            Secret::new(s.paddle.key.clone()),
            None,
        ),
        P::LaunchDarkly => (
            providers::by_id("launchdarkly").unwrap(),
            link.clone(),
            Secret::new(s.launchdarkly.token.clone()),
            None,
        ),
        P::ActivepiecesProject => {
            ids(
                &mut link,
                &[("project_id", rekey_fakes::AP_PROJECT_ID.into())],
            );
            (
                providers::by_id("activepieces-project").unwrap(),
                link.clone(),
                Secret::new(s.ap_project_token.clone()),
                Some(Secret::new(s.ap_platform_key.clone())),
            )
        }
        P::Rootly => {
            ids(
                &mut link,
                &[
                    ("token_id", s.rootly.key_id.clone()),
                    ("app_url", format!("{}/rootly-mcp/mcp", f.url)),
                ],
            );
            (
                providers::by_id("rootly").unwrap(),
                link.clone(),
                Secret::new(s.rootly.token.clone()),
                None,
            )
        }
        other => {
            unreachable!("{other:?} is create-then-revoke: see tests/create_revoke_providers.rs")
        }
    })
}

const ALL: [P; 11] = [
    P::BitScale,
    P::A2aMarket,
    P::CloudflareAccess,
    P::Fruxon,
    P::Activepieces,
    P::GitLab,
    P::CloudflareApi,
    P::Paddle,
    P::LaunchDarkly,
    P::ActivepiecesProject,
    P::Rootly,
];

#[test]
fn each_provider_rotates_the_old_key_dies_and_the_new_one_verifies() {
    for p in ALL {
        let f = FakeProviders::start().unwrap();
        let (prov, link, old, admin) = setup(&f, p);
        let http = http();
        prov.verify(&http, &link, &old)
            .unwrap_or_else(|e| panic!("{p:?}: old key should verify before rotation: {e}"));
        let rotated = prov
            .rotate(
                &http,
                &RotateRequest {
                    link: &link,
                    current: &old,
                    admin: admin.as_ref(),
                    grace: Duration::ZERO,
                },
            )
            .unwrap_or_else(|e| panic!("{p:?}: {e}"));
        assert_eq!(
            rotated.new.expose(),
            f.current_key(p),
            "{p:?}: the secret the provider minted"
        );
        assert_ne!(rotated.new, old);
        assert_eq!(f.rotations(p), 1, "{p:?}: exactly one rotate call");
        prov.verify(&http, &link, &rotated.new)
            .unwrap_or_else(|e| panic!("{p:?}: new key should verify: {e}"));
        let err = prov
            .verify(&http, &link, &old)
            .expect_err("the old key must be dead");
        assert!(
            matches!(err.code(), "unauthorized" | "forbidden" | "not_found"),
            "{p:?}: {err}"
        );
    }
}

#[test]
fn cloudflare_keeps_the_old_secret_during_the_grace_period_and_always_sends_it() {
    let f = FakeProviders::start().unwrap();
    let (prov, link, old, admin) = setup(&f, P::CloudflareAccess);
    let http = http();
    let r = prov
        .rotate(
            &http,
            &RotateRequest {
                link: &link,
                current: &old,
                admin: admin.as_ref(),
                grace: Duration::from_secs(600),
            },
        )
        .unwrap();
    assert!(r.old_valid_until.unwrap() > 0);
    prov.verify(&http, &link, &old)
        .expect("the old secret works during the grace period");
    prov.verify(&http, &link, &r.new).unwrap();
    // With no grace, the previous secret dies at once.
    let r2 = prov
        .rotate(
            &http,
            &RotateRequest {
                link: &link,
                current: &r.new,
                admin: admin.as_ref(),
                grace: Duration::ZERO,
            },
        )
        .unwrap();
    assert!(prov.verify(&http, &link, &r.new).is_err());
    prov.verify(&http, &link, &r2.new).unwrap();
    // The global API key form (email:key) works too.
    let global = f.state(|s| Secret::new(format!("{}:{}", s.cf_email, s.cf_global_key)));
    prov.rotate(
        &http,
        &RotateRequest {
            link: &link,
            current: &r2.new,
            admin: Some(&global),
            grace: Duration::ZERO,
        },
    )
    .unwrap();
}

#[test]
fn bitscale_falls_back_to_the_older_rotate_path_on_404() {
    let f = FakeProviders::start().unwrap();
    f.state(|s| s.bitscale_legacy_only = true);
    let (prov, link, old, _) = setup(&f, P::BitScale);
    let r = prov
        .rotate(
            &http(),
            &RotateRequest {
                link: &link,
                current: &old,
                admin: None,
                grace: Duration::ZERO,
            },
        )
        .unwrap();
    assert_eq!(r.new.expose(), f.current_key(P::BitScale));
    let paths: Vec<String> = f.state(|s| s.seen.iter().map(|x| x.path.clone()).collect());
    assert_eq!(paths, ["/api/v1/api-key/rotate", "/api/v1/rotate-api-key"]);
}

#[test]
fn a2a_market_finds_the_key_in_every_known_shape() {
    for shape in [
        "payload.data.api_key",
        "data.api_key",
        "api_key",
        "apiKey",
        "key",
    ] {
        let f = FakeProviders::start().unwrap();
        f.state(|s| s.a2a_shape = shape.into());
        let (prov, link, old, _) = setup(&f, P::A2aMarket);
        let r = prov
            .rotate(
                &http(),
                &RotateRequest {
                    link: &link,
                    current: &old,
                    admin: None,
                    grace: Duration::ZERO,
                },
            )
            .unwrap();
        assert_eq!(r.new.expose(), f.current_key(P::A2aMarket), "{shape}");
    }
}

#[test]
fn every_failure_has_its_own_error_and_says_whether_the_key_may_have_rotated() {
    let cases: Vec<(Fault, &str, bool)> = vec![
        (Fault::Status(401), "unauthorized", false),
        (Fault::Status(403), "forbidden", false),
        (Fault::Status(404), "not_found", false),
        (Fault::RateLimited(7), "rate_limited", false),
        (Fault::Status(500), "server_error", false),
        (Fault::Status(501), "server_error", false),
        // A gateway may have forwarded the call before failing: the rotation may have happened.
        (Fault::Status(502), "gateway_error", true),
        (Fault::Status(503), "gateway_error", true),
        (Fault::Status(504), "gateway_error", true),
        (Fault::Status(418), "unexpected_status", false),
        (Fault::Malformed, "malformed_response", true),
        (Fault::MissingField, "missing_field", true),
        (Fault::DropAfterCommit, "outcome_unknown", true),
        (
            Fault::Delay(Duration::from_millis(1500)),
            "outcome_unknown",
            true,
        ),
    ];
    for p in ALL {
        for (fault, code, rotated) in &cases {
            let f = FakeProviders::start().unwrap();
            let (prov, link, old, admin) = setup(&f, p);
            f.set_fault(p, fault.clone());
            let err = prov
                .rotate(
                    &http(),
                    &RotateRequest {
                        link: &link,
                        current: &old,
                        admin: admin.as_ref(),
                        grace: Duration::ZERO,
                    },
                )
                .expect_err("the fault must surface");
            assert_eq!(err.code(), *code, "{p:?} {fault:?}: {err}");
            assert_eq!(err.may_have_rotated(), *rotated, "{p:?} {fault:?}");
            if let (Fault::RateLimited(secs), ProviderError::RateLimited { retry_after }) =
                (fault, &err)
            {
                assert_eq!(
                    *retry_after,
                    Some(*secs as u64),
                    "{p:?}: Retry-After honoured"
                );
            }
            // No secret in the message: neither the old key, the admin credential nor the new key.
            let text = err.to_string();
            assert!(
                !text.contains(old.expose()),
                "{p:?} {fault:?}: old key in '{text}'"
            );
            if let Some(a) = &admin {
                assert!(
                    !text.contains(a.expose()),
                    "{p:?} {fault:?}: admin credential in '{text}'"
                );
            }
            // (A delayed rotation completes after the client gave up: wait for it before reading the new key.)
            std::thread::sleep(if matches!(fault, Fault::Delay(_)) {
                Duration::from_millis(800)
            } else {
                Duration::ZERO
            });
            let new = f.current_key(p);
            assert!(!text.contains(&new), "{p:?} {fault:?}: new key in '{text}'");
            // A rotate call is never retried. (BitScale's 404 means "no such endpoint": it then tries the
            // older path once; a 404 cannot have rotated anything.) Read-only look-ups before the call
            // (GitLab's lifetime, a token's id) are not rotate calls.
            let calls = f.rotate_calls(p);
            let expected = if p == P::BitScale && *fault == Fault::Status(404) {
                2
            } else {
                1
            };
            assert_eq!(calls, expected, "{p:?} {fault:?}: rotate calls sent");
        }
    }
}

#[test]
fn nothing_is_sent_to_an_unreachable_or_disallowed_base_url() {
    let f = FakeProviders::start().unwrap();
    let (prov, mut link, old, _) = setup(&f, P::BitScale);
    // A port nobody listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    link.base_url = Some(format!("http://127.0.0.1:{closed}"));
    let err = prov
        .rotate(
            &http(),
            &RotateRequest {
                link: &link,
                current: &old,
                admin: None,
                grace: Duration::ZERO,
            },
        )
        .unwrap_err();
    assert_eq!(err.code(), "connection_failed", "{err}");
    assert!(!err.may_have_rotated());
    for bad in [
        "http://example.com",
        "ftp://127.0.0.1",
        "not a url",
        "http://10.0.0.1",
    ] {
        link.base_url = Some(bad.into());
        let err = prov
            .rotate(
                &http(),
                &RotateRequest {
                    link: &link,
                    current: &old,
                    admin: None,
                    grace: Duration::ZERO,
                },
            )
            .unwrap_err();
        assert_eq!(err.code(), "invalid_base_url", "{bad}: {err}");
    }
    assert_eq!(f.rotations(P::BitScale), 0);
}

#[test]
fn admin_providers_without_an_admin_credential_or_ids_fail_before_sending() {
    let f = FakeProviders::start().unwrap();
    for p in [
        P::CloudflareAccess,
        P::Fruxon,
        P::Activepieces,
        P::ActivepiecesProject,
    ] {
        let (prov, link, old, _) = setup(&f, p);
        let err = prov
            .rotate(
                &http(),
                &RotateRequest {
                    link: &link,
                    current: &old,
                    admin: None,
                    grace: Duration::ZERO,
                },
            )
            .unwrap_err();
        assert_eq!(err.code(), "missing_admin_credential", "{p:?}");
        let (_, mut link, _, admin) = setup(&f, p);
        link.ids.clear();
        let err = prov
            .rotate(
                &http(),
                &RotateRequest {
                    link: &link,
                    current: &old,
                    admin: admin.as_ref(),
                    grace: Duration::ZERO,
                },
            )
            .unwrap_err();
        assert_eq!(err.code(), "missing_id", "{p:?}");
    }
    assert!(f.state(|s| s.seen.is_empty()), "nothing was sent");
}

#[test]
fn a_custom_toml_provider_rotates_like_the_built_in_one() {
    let f = FakeProviders::start().unwrap();
    let spec =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/providers/bitscale.toml");
    let mut link = Link {
        provider: "custom".into(),
        base_url: Some(f.url.clone()),
        ..Default::default()
    };
    link.ids.insert("spec".into(), spec.display().to_string());
    let prov = providers::by_id("custom").unwrap();
    assert!(!prov.needs_admin(&link));
    let old = Secret::new(f.current_key(P::BitScale));
    let r = prov
        .rotate(
            &http(),
            &RotateRequest {
                link: &link,
                current: &old,
                admin: None,
                grace: Duration::ZERO,
            },
        )
        .unwrap();
    assert_eq!(r.new.expose(), f.current_key(P::BitScale));
    prov.verify(&http(), &link, &r.new).unwrap();
    assert_eq!(
        prov.verify(&http(), &link, &old).unwrap_err().code(),
        "unauthorized"
    );
    // Every shipped example parses.
    for e in std::fs::read_dir(spec.parent().unwrap()).unwrap().flatten() {
        let mut l = Link::default();
        l.ids.insert("spec".into(), e.path().display().to_string());
        rekey::providers::custom::Spec::load(&l)
            .unwrap_or_else(|err| panic!("{}: {err}", e.path().display()));
    }
    // A broken spec is a specific error, and nothing is sent.
    let bad = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(bad.path(), "name = \"x\"\n[rotate]\nurl = \"{{base}}/r\"\n").unwrap();
    link.ids
        .insert("spec".into(), bad.path().display().to_string());
    let err = prov
        .rotate(
            &http(),
            &RotateRequest {
                link: &link,
                current: &old,
                admin: None,
                grace: Duration::ZERO,
            },
        )
        .unwrap_err();
    assert_eq!(err.code(), "invalid_spec", "{err}");
}

#[test]
fn the_mcp_handshake_lists_tools_with_a_good_key_and_is_refused_with_a_bad_one() {
    let f = FakeProviders::start().unwrap();
    let key = f.current_key(P::Fruxon);
    let url = format!("{}/v1/tenants/acme/integrations/int_0001/mcp:call", f.url);
    let tools = rekey::mcp::handshake(&http(), &url, &[("X-API-KEY".into(), key)]).unwrap();
    assert_eq!(tools, ["echo"]);
    let err =
        rekey::mcp::handshake(&http(), &url, &[("X-API-KEY".into(), "wrong".into())]).unwrap_err();
    assert_eq!(err.code(), "unauthorized");
    let methods: Vec<String> = f.state(|s| s.seen.iter().map(|x| x.path.clone()).collect());
    assert_eq!(
        methods.len(),
        4,
        "initialize, initialized, tools/list, then the refused initialize"
    );
}
