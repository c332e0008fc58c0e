//! The create-then-revoke providers (Neon, Datadog API and application keys, OpenAI admin and
//! service-account keys, Vercel access tokens, and a custom TOML spec) against the fakes over real HTTP on 127.0.0.1: create
//! while the old key still works, revoke by id, and every failure with its own error.

use rekey::providers::{
    self, CreateRequest, Created, Http, Link, Model, ProviderError, RevokeRequest,
};
use rekey::Secret;
use rekey_fakes::{vendors::keystore::Keys, FakeProviders, Fault, Provider as P, State};
use std::time::Duration;

fn http() -> Http {
    Http::new(Duration::from_secs(1))
}

const ALL: [P; 6] = [
    P::Neon,
    P::DatadogApiKey,
    P::DatadogAppKey,
    P::OpenAiAdminKey,
    P::OpenAiServiceAccountKey,
    P::Vercel,
];

struct Setup {
    prov: &'static dyn providers::Provider,
    link: Link,
    old: Secret,
    admin: Option<Secret>,
    old_id: String,
}

fn setup(f: &FakeProviders, p: P) -> Setup {
    let mut link = Link {
        provider: String::new(),
        base_url: Some(f.base_url(p)),
        ..Default::default()
    };
    let dd_admin = |s: &State| {
        Some(Secret::new(format!(
            "{}:{}",
            s.datadog.admin_api_key, s.datadog.admin_app_key
        )))
    };
    let (id, old, admin, old_id) = f.state(|s| match p {
        P::Neon => ("neon", s.neon.key.clone(), None, s.neon.key_id.clone()),
        P::DatadogApiKey => (
            "datadog-api-key",
            s.datadog.api_key.clone(),
            dd_admin(s),
            s.datadog.api_key_id.clone(),
        ),
        P::DatadogAppKey => (
            "datadog-app-key",
            s.datadog.app_key.clone(),
            dd_admin(s),
            s.datadog.app_key_id.clone(),
        ),
        P::OpenAiAdminKey => (
            "openai-admin-key",
            s.openai.admin_key.clone(),
            None,
            s.openai.admin_key_id.clone(),
        ),
        P::OpenAiServiceAccountKey => {
            link.ids
                .insert("project_id".into(), s.openai.project_id.clone());
            link.ids.insert(
                "service_account_id".into(),
                s.openai.service_account_id.clone(),
            );
            (
                "openai-service-account",
                s.openai.sa_key.clone(),
                Some(Secret::new(s.openai.admin_credential.clone())),
                s.openai.sa_key_id.clone(),
            )
        }
        P::Vercel => (
            "vercel",
            s.vercel.key.clone(),
            Some(Secret::new(s.vercel.admin_token.clone())),
            s.vercel.key_id.clone(),
        ),
        other => unreachable!("{other:?}"),
    });
    // Datadog and Vercel find the old key's id themselves.
    if !matches!(p, P::DatadogApiKey | P::DatadogAppKey | P::Vercel) {
        link.ids.insert("key_id".into(), old_id.clone());
    }
    link.provider = id.into();
    Setup {
        prov: providers::by_id(id).unwrap(),
        link,
        old: Secret::new(old),
        admin,
        old_id,
    }
}

/// The fake's key store of a provider.
fn keys(f: &FakeProviders, p: P) -> Keys {
    f.state(|s| match p {
        P::Neon => s.neon.keys.clone(),
        P::DatadogApiKey => s.datadog.api.clone(),
        P::DatadogAppKey => s.datadog.app.clone(),
        P::OpenAiAdminKey => s.openai.admin.clone(),
        P::OpenAiServiceAccountKey => s.openai.sa.clone(),
        P::Vercel => s.vercel.keys.clone(),
        other => unreachable!("{other:?}"),
    })
}

fn set_keys(f: &FakeProviders, p: P, change: impl FnOnce(&mut Keys)) {
    f.state(|s| {
        change(match p {
            P::Neon => &mut s.neon.keys,
            P::DatadogApiKey => &mut s.datadog.api,
            P::DatadogAppKey => &mut s.datadog.app,
            P::OpenAiAdminKey => &mut s.openai.admin,
            P::OpenAiServiceAccountKey => &mut s.openai.sa,
            P::Vercel => &mut s.vercel.keys,
            other => unreachable!("{other:?}"),
        })
    })
}

fn create(x: &Setup) -> Result<Created, ProviderError> {
    x.prov.create(
        &http(),
        &CreateRequest {
            link: &x.link,
            current: &x.old,
            admin: x.admin.as_ref(),
            name: "rekey-test",
        },
    )
}

fn revoke(x: &Setup, id: &str, live: &Secret) -> Result<(), ProviderError> {
    x.prov.revoke(
        &http(),
        &RevokeRequest {
            link: &x.link,
            key_id: id,
            live,
            admin: x.admin.as_ref(),
        },
    )
}

#[test]
fn each_provider_creates_beside_the_old_key_and_revokes_it_by_id() {
    for p in ALL {
        let f = FakeProviders::start().unwrap();
        let x = setup(&f, p);
        let http = http();
        assert_eq!(x.prov.model(&x.link), Model::CreateThenRevoke, "{p:?}");
        let verify = |k: &Secret| x.prov.verify_with(&http, &x.link, k, x.admin.as_ref());
        verify(&x.old).unwrap_or_else(|e| panic!("{p:?}: the old key verifies before: {e}"));
        // The old key's id: from the link, or found by the provider (Datadog, Vercel).
        let id = x
            .prov
            .old_key_id(&http, &x.link, &x.old, x.admin.as_ref())
            .unwrap_or_else(|e| panic!("{p:?}: {e}"));
        assert_eq!(id, x.old_id, "{p:?}");
        let c = create(&x).unwrap_or_else(|e| panic!("{p:?}: {e}"));
        assert_eq!(c.new.expose(), f.current_key(p), "{p:?}: the minted key");
        let new_id = c.new_key_id.clone().expect("the new key's id");
        assert_eq!(keys(&f, p).by_id(&new_id).unwrap().name, "rekey-test");
        assert_eq!(f.rotations(p), 1, "{p:?}: one create call");
        // Both keys work until the revoke.
        verify(&x.old).unwrap();
        verify(&c.new).unwrap();
        revoke(&x, &id, &c.new).unwrap_or_else(|e| panic!("{p:?}: {e}"));
        let err = verify(&x.old).expect_err("the old key is revoked");
        assert!(
            matches!(err.code(), "unauthorized" | "forbidden"),
            "{p:?}: {err}"
        );
        verify(&c.new).unwrap();
        assert!(keys(&f, p).by_id(&id).unwrap().revoked, "{p:?}");
        // The in-place rotate is refused, without a call.
        let before = f.state(|s| s.seen.len());
        assert_eq!(
            x.prov
                .rotate(
                    &http,
                    &providers::RotateRequest {
                        link: &x.link,
                        current: &c.new,
                        admin: x.admin.as_ref(),
                        grace: Duration::ZERO
                    }
                )
                .unwrap_err()
                .code(),
            "invalid_spec"
        );
        assert_eq!(f.state(|s| s.seen.len()), before);
    }
}

#[test]
fn every_create_failure_has_its_own_error_and_says_whether_a_key_may_exist() {
    let cases: Vec<(Fault, &str, bool)> = vec![
        (Fault::Status(401), "unauthorized", false),
        (Fault::Status(403), "forbidden", false),
        (Fault::Status(404), "not_found", false),
        (Fault::RateLimited(7), "rate_limited", false),
        (Fault::Status(500), "server_error", false),
        (Fault::Status(502), "gateway_error", true),
        (Fault::Status(503), "gateway_error", true),
        (Fault::Status(418), "unexpected_status", false),
        (Fault::Malformed, "malformed_response", true),
        (Fault::MissingField, "missing_field", true),
        (Fault::DropAfterCommit, "outcome_unknown", true),
        (
            Fault::Delay(Duration::from_millis(1500)),
            "outcome_unknown",
            true,
        ),
        (
            Fault::Redirect("https://elsewhere.example/x?k=1".into()),
            "redirected",
            false,
        ),
    ];
    for p in ALL {
        for (fault, code, created) in &cases {
            let f = FakeProviders::start().unwrap();
            let x = setup(&f, p);
            f.set_fault(p, fault.clone());
            let err = create(&x).expect_err("the fault must surface");
            assert_eq!(err.code(), *code, "{p:?} {fault:?}: {err}");
            assert_eq!(err.may_have_rotated(), *created, "{p:?} {fault:?}");
            if let (Fault::RateLimited(s), ProviderError::RateLimited { retry_after }) =
                (fault, &err)
            {
                assert_eq!(*retry_after, Some(*s as u64), "{p:?}");
            }
            if matches!(fault, Fault::Delay(_)) {
                assert!(f.wait_idle(Duration::from_secs(5)));
            }
            let text = err.to_string();
            for s in [
                Some(x.old.expose().to_string()),
                x.admin.as_ref().map(|a| a.expose().to_string()),
            ]
            .into_iter()
            .flatten()
            .chain(keys(&f, p).keys.iter().map(|k| k.key.clone()))
            {
                assert!(!text.contains(&s), "{p:?} {fault:?}: a secret in '{text}'");
            }
            // Never retried; the old key always still works.
            let posts = f.state(|s| s.seen.iter().filter(|x| x.method == "POST").count());
            assert_eq!(posts, 1, "{p:?} {fault:?}");
            assert!(keys(&f, p).is_live(x.old.expose()), "{p:?} {fault:?}");
            assert_eq!(
                f.rotations(p),
                usize::from(*created && !matches!(fault, Fault::Status(_))),
                "{p:?} {fault:?}: a key was created exactly when the error says it may have been"
            );
        }
    }
}

#[test]
fn a_failed_revoke_leaves_the_old_key_live_and_says_why() {
    for p in ALL {
        let f = FakeProviders::start().unwrap();
        let x = setup(&f, p);
        let c = create(&x).unwrap();
        for (status, code) in [
            (500, "server_error"),
            (403, "forbidden"),
            (429, "rate_limited"),
        ] {
            set_keys(&f, p, |k| k.revoke_fault = Some(status));
            let err = revoke(&x, &x.old_id, &c.new).unwrap_err();
            assert_eq!(err.code(), code, "{p:?} {status}");
            assert!(keys(&f, p).is_live(x.old.expose()), "{p:?}: still live");
            assert!(!err.to_string().contains(c.new.expose()));
        }
        set_keys(&f, p, |k| k.revoke_fault = None);
        // An unknown id is a 404, nothing revoked; an id that could reach another path is refused unsent.
        assert_eq!(
            revoke(&x, "999999999", &c.new).unwrap_err().code(),
            "not_found",
            "{p:?}"
        );
        let sent = f.state(|s| s.seen.len());
        assert_eq!(
            revoke(&x, "../../organization", &c.new).unwrap_err().code(),
            "invalid_spec"
        );
        assert_eq!(f.state(|s| s.seen.len()), sent, "{p:?}: nothing sent");
        revoke(&x, &x.old_id, &c.new).unwrap();
        assert!(!keys(&f, p)
            .live_keys()
            .contains(&x.old.expose().to_string()));
    }
}

#[test]
fn admin_providers_without_an_admin_credential_fail_before_sending() {
    let f = FakeProviders::start().unwrap();
    for p in [
        P::DatadogApiKey,
        P::DatadogAppKey,
        P::OpenAiServiceAccountKey,
        P::Vercel,
    ] {
        let mut x = setup(&f, p);
        x.admin = None;
        assert_eq!(
            create(&x).unwrap_err().code(),
            "missing_admin_credential",
            "{p:?}"
        );
        assert_eq!(
            revoke(&x, &x.old_id, &x.old).unwrap_err().code(),
            "missing_admin_credential"
        );
    }
    assert!(f.state(|s| s.seen.is_empty()), "nothing was sent");
    // A Datadog admin credential of the wrong shape, or one that uses the very key being replaced.
    let mut x = setup(&f, P::DatadogApiKey);
    x.admin = Some(Secret::new("just-one-part".into()));
    assert_eq!(create(&x).unwrap_err().code(), "invalid_spec");
    let (api, app) = f.state(|s| (s.datadog.api_key.clone(), s.datadog.admin_app_key.clone()));
    x.admin = Some(Secret::new(format!("{api}:{app}")));
    let err = x
        .prov
        .old_key_id(&http(), &x.link, &x.old, x.admin.as_ref())
        .unwrap_err();
    assert!(err.to_string().contains("uses this very key"), "{err}");
    assert!(!err.to_string().contains(&api));
    // OpenAI service accounts need their ids.
    let mut x = setup(&f, P::OpenAiServiceAccountKey);
    x.link.ids.remove("service_account_id");
    assert_eq!(create(&x).unwrap_err().code(), "missing_id");
}

#[test]
fn neon_org_keys_are_made_with_an_org_admins_personal_key() {
    let f = FakeProviders::start().unwrap();
    let mut x = setup(&f, P::Neon);
    let (org, admin) = f.state(|s| (s.neon.org_id.clone(), s.neon.admin_key.clone()));
    x.link.ids.insert("org_id".into(), org);
    assert!(x.prov.needs_admin(&x.link));
    assert_eq!(create(&x).unwrap_err().code(), "missing_admin_credential");
    x.admin = Some(Secret::new(admin));
    let c = create(&x).unwrap();
    // An org key cannot make org keys (orgs-api.md): the fake refuses as Neon does.
    let mut y = setup(&f, P::Neon);
    y.link = x.link.clone();
    y.admin = Some(c.new.clone());
    assert_eq!(create(&y).unwrap_err().code(), "forbidden");
    revoke(&x, c.new_key_id.as_deref().unwrap(), &c.new).unwrap();
}

#[test]
fn datadog_sites_map_to_their_api_hosts() {
    use rekey::providers::datadog::{api_base_for_site, site_from_url};
    for (site, base) in [
        ("datadoghq.com", "https://api.datadoghq.com"),
        ("us3.datadoghq.com", "https://api.us3.datadoghq.com"),
        ("us5.datadoghq.com", "https://api.us5.datadoghq.com"),
        ("datadoghq.eu", "https://api.datadoghq.eu"),
        ("ap1.datadoghq.com", "https://api.ap1.datadoghq.com"),
        ("ddog-gov.com", "https://api.ddog-gov.com"),
        ("app.datadoghq.eu", "https://api.datadoghq.eu"),
    ] {
        assert_eq!(api_base_for_site(site).unwrap(), base);
    }
    for bad in [
        "evil.com",
        "datadoghq.com.evil.com",
        "a/b.datadoghq.com",
        "",
    ] {
        assert_eq!(
            api_base_for_site(bad).unwrap_err().code(),
            "invalid_base_url",
            "{bad}"
        );
    }
    assert_eq!(
        site_from_url("https://mcp.us5.datadoghq.com/api/unstable/mcp-server/mcp").as_deref(),
        Some("us5.datadoghq.com")
    );
    assert_eq!(
        site_from_url("https://mcp.datadoghq.com/api/unstable/mcp-server/mcp").as_deref(),
        Some("datadoghq.com")
    );
    assert_eq!(site_from_url("https://example.com/mcp"), None);
    // The link's site picks the host.
    let p = providers::by_id("datadog-api-key").unwrap();
    let mut link = Link::default();
    link.ids.insert("site".into(), "datadoghq.eu".into());
    assert_eq!(p.base_url(&link).unwrap(), "https://api.datadoghq.eu");
}

#[test]
fn each_provider_detects_its_keys() {
    let d = |id: &str, name: &str, key: &str| {
        providers::by_id(id).unwrap().detects(&providers::KeyHint {
            name,
            value: key,
            key,
        })
    };
    assert!(d("neon", "X", "napi_abc"));
    assert!(d("neon", "NEON_API_KEY", "0123"));
    assert!(d("datadog-api-key", "DD_API_KEY", "0123"));
    assert!(d("datadog-api-key", "DATADOG_API_KEY", "0123"));
    assert!(d("datadog-app-key", "DD_APPLICATION_KEY", "0123"));
    assert!(d("datadog-app-key", "DATADOG_APP_KEY", "0123"));
    assert!(!d("datadog-api-key", "DD_APP_KEY", "0123"));
    assert!(d("openai-admin-key", "OPENAI_API_KEY", "sk-admin-abc"));
    assert!(d(
        "openai-service-account",
        "OPENAI_API_KEY",
        "sk-svcacct-abc"
    ));
    assert!(!d(
        "openai-service-account",
        "OPENAI_API_KEY",
        "sk-proj-abc"
    ));
    // Vercel: no key prefix is documented, so only a VERCEL name or a vercel.com host.
    assert!(d("vercel", "VERCEL_TOKEN", "0123abcd"));
    assert!(d("vercel", "vercel-api-token", "0123abcd"));
    assert!(!d("vercel", "API_TOKEN", "vcp_0123abcd"));
    let h = |value: &str| {
        providers::by_id("vercel")
            .unwrap()
            .detects(&providers::KeyHint {
                name: "Authorization",
                value,
                key: "0123abcd",
            })
    };
    assert!(h("https://mcp.vercel.com/?token=0123abcd"));
    assert!(h("https://api.vercel.com"));
    for not in [
        "https://my-app.vercel.app/mcp",
        "https://notvercel.com/x",
        "https://vercel.com.evil.example/x",
        "Bearer 0123abcd",
    ] {
        assert!(!h(not), "{not}");
    }
}

#[test]
fn vercel_creates_with_the_full_account_token_and_deletes_the_old_one_by_id() {
    let f = FakeProviders::start().unwrap();
    let x = setup(&f, P::Vercel);
    let http = http();
    assert!(x.prov.needs_admin(&x.link));
    assert!(x.prov.required_ids().is_empty(), "the link asks for no id");
    // The old token's id comes from `GET /v5/user/tokens/current`, authenticated by the old token.
    assert_eq!(
        x.prov
            .old_key_id(&http, &x.link, &x.old, x.admin.as_ref())
            .unwrap(),
        x.old_id
    );
    // A scoped token (the MCP one) cannot create tokens: Vercel needs full account access.
    let mut scoped = setup(&f, P::Vercel);
    scoped.admin = Some(x.old.clone());
    assert_eq!(create(&scoped).unwrap_err().code(), "forbidden");
    // Logged in with the very token being replaced: refused before anything is created.
    let err = x
        .prov
        .old_key_id(&http, &x.link, &x.old, Some(&x.old))
        .unwrap_err();
    assert!(err.to_string().contains("this very token"), "{err}");
    assert!(!err.to_string().contains(x.old.expose()));
    assert_eq!(f.rotations(P::Vercel), 0);
    let c = create(&x).unwrap();
    // `current` is never an id Rekey deletes (with the admin token as bearer it would delete that one),
    // neither from the link nor at revoke: refused unsent.
    let sent = f.state(|s| s.seen.len());
    assert_eq!(
        revoke(&x, "current", &c.new).unwrap_err().code(),
        "invalid_spec"
    );
    let mut l = x.link.clone();
    l.ids.insert("key_id".into(), "Current".into());
    assert_eq!(
        x.prov
            .old_key_id(&http, &l, &x.old, x.admin.as_ref())
            .unwrap_err()
            .code(),
        "invalid_spec"
    );
    assert_eq!(f.state(|s| s.seen.len()), sent, "nothing sent");
    // A `--key-id` in the link is used as given.
    l.ids.insert("key_id".into(), x.old_id.clone());
    assert_eq!(
        x.prov
            .old_key_id(&http, &l, &x.old, x.admin.as_ref())
            .unwrap(),
        x.old_id
    );
    revoke(&x, &x.old_id, &c.new).unwrap();
    // The old token is gone; the new one and the admin token still work.
    let ks = keys(&f, P::Vercel);
    assert!(!ks.is_live(x.old.expose()));
    assert!(ks.is_live(c.new.expose()));
    assert!(ks.is_live(x.admin.as_ref().unwrap().expose()));
    assert_eq!(
        x.prov.verify(&http, &x.link, &x.old).unwrap_err().code(),
        "forbidden"
    );
    // A rollback deletes the new token by its id the same way.
    revoke(&x, c.new_key_id.as_deref().unwrap(), &x.old).unwrap();
    assert!(!keys(&f, P::Vercel).is_live(c.new.expose()));
}

#[test]
fn a_custom_spec_creates_and_revokes_against_the_fake_neon() {
    let f = FakeProviders::start().unwrap();
    let spec = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/providers/neon-create-revoke.toml");
    let (old, old_id) = f.state(|s| (s.neon.key.clone(), s.neon.key_id.clone()));
    let mut link = Link {
        provider: "custom".into(),
        base_url: Some(f.base_url(P::Neon)),
        ..Default::default()
    };
    link.ids.insert("spec".into(), spec.display().to_string());
    link.ids.insert("key_id".into(), old_id.clone());
    let prov = providers::by_id("custom").unwrap();
    assert_eq!(prov.model(&link), Model::CreateThenRevoke);
    let old = Secret::new(old);
    let http = http();
    let c = prov
        .create(
            &http,
            &CreateRequest {
                link: &link,
                current: &old,
                admin: None,
                name: "rekey-custom",
            },
        )
        .unwrap();
    assert_eq!(c.new.expose(), f.current_key(P::Neon));
    let new_id = c.new_key_id.clone().unwrap();
    prov.verify(&http, &link, &old).unwrap();
    prov.verify(&http, &link, &c.new).unwrap();
    assert_eq!(prov.old_key_id(&http, &link, &old, None).unwrap(), old_id);
    prov.revoke(
        &http,
        &RevokeRequest {
            link: &link,
            key_id: &old_id,
            live: &c.new,
            admin: None,
        },
    )
    .unwrap();
    assert_eq!(
        prov.verify(&http, &link, &old).unwrap_err().code(),
        "unauthorized"
    );
    assert!(f.state(|s| s
        .neon
        .keys
        .by_id(&new_id)
        .is_some_and(|k| !k.revoked && k.name == "rekey-custom")));
    // A spec with [create] but no [revoke], or both models, is refused before anything is sent.
    for (text, why) in [
        ("name = \"x\"\n[create]\nurl = \"{{base}}/k\"\nsecret_pointer = \"/key\"\n", "[revoke]"),
        ("name = \"x\"\n[rotate]\nurl = \"{{base}}/r\"\nsecret_pointer = \"/k\"\n[create]\nurl = \"{{base}}/k\"\nsecret_pointer = \"/key\"\n", "both"),
        ("name = \"x\"\n[create]\nurl = \"{{base}}/k\"\nsecret_pointer = \"/key\"\n[revoke]\nmethod = \"DELETE\"\nurl = \"{{base}}/k\"\n", "{{key_id}}"),
    ] {
        let bad = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(bad.path(), text).unwrap();
        let mut l = link.clone();
        l.ids.insert("spec".into(), bad.path().display().to_string());
        let err = rekey::providers::custom::Spec::load(&l).unwrap_err();
        assert!(err.to_string().contains(why), "{why}: {err}");
    }
}
