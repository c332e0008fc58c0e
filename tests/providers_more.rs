//! The issue-11 providers against the fakes over real HTTP: GitLab's reuse detection (and that Rekey
//! never retries), Cloudflare user vs account tokens, Paddle's and LaunchDarkly's grace periods,
//! Activepieces' project-level generation, and what linking refuses. (The shared fault matrix for every
//! provider is in tests/providers.rs.)

use rekey::providers::{self, Http, Link, RotateRequest, Usage};
use rekey::Secret;
use rekey_fakes::{FakeProviders, Fault, Provider as P};
use std::time::Duration;

fn http() -> Http {
    Http::new(Duration::from_secs(1))
}

fn link(f: &FakeProviders, p: P, ids: &[(&str, &str)]) -> Link {
    Link {
        provider: String::new(),
        base_url: Some(f.base_url(p)),
        account: None,
        ids: ids
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    }
}

fn rotate(
    id: &str,
    link: &Link,
    current: &Secret,
    admin: Option<&Secret>,
    grace: Duration,
) -> Result<providers::Rotated, providers::ProviderError> {
    providers::by_id(id).unwrap().rotate(
        &http(),
        &RotateRequest {
            link,
            current,
            admin,
            grace,
        },
    )
}

fn today_plus(days: i64) -> String {
    jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
        .checked_add(jiff::Span::new().days(days))
        .unwrap()
        .to_string()
}

#[test]
fn gitlab_reuse_of_the_old_token_revokes_the_whole_family() {
    let f = FakeProviders::start().unwrap();
    let gl = providers::by_id("gitlab").unwrap();
    let l = link(&f, P::GitLab, &[]);
    let old = Secret::new(f.current_key(P::GitLab));
    let r = rotate("gitlab", &l, &old, None, Duration::ZERO).unwrap();
    gl.verify(&http(), &l, &r.new).unwrap();
    assert_eq!(
        gl.verify(&http(), &l, &old).unwrap_err().code(),
        "unauthorized"
    );
    // The new token keeps the lifetime the old one was created with (90 days), from today.
    assert_eq!(
        f.state(|s| s.gitlab.sent_expires_at.clone()),
        [Some(today_plus(90))]
    );
    // Rotating again with the old token: the adapter's read-only look-up fails first, and the rotate
    // call is not sent.
    let err = rotate("gitlab", &l, &old, None, Duration::ZERO).unwrap_err();
    assert_eq!(err.code(), "unauthorized");
    assert_eq!(f.rotate_calls(P::GitLab), 1);
    gl.verify(&http(), &l, &r.new).unwrap();
    // What a retried rotate call with the old token does at GitLab: refused, and the new token revoked too.
    let h = http();
    let a = h
        .send(
            h.post(&format!(
                "{}/api/v4/personal_access_tokens/self/rotate",
                f.url
            ))
            .header("PRIVATE-TOKEN", old.expose())
            .json(&serde_json::json!({ "expires_at": today_plus(30) })),
        )
        .unwrap();
    assert_eq!(a.status, 401);
    assert_eq!(
        gl.verify(&http(), &l, &r.new).unwrap_err().code(),
        "unauthorized",
        "reuse detection revoked the family"
    );
    assert!(f.state(|s| s.gitlab.active().is_none()));
}

#[test]
fn gitlab_a_lost_answer_is_never_retried_so_the_family_survives() {
    for fault in [
        Fault::DropAfterCommit,
        Fault::Status(502),
        Fault::Malformed,
        Fault::Delay(Duration::from_millis(1500)),
    ] {
        let f = FakeProviders::start().unwrap();
        let l = link(&f, P::GitLab, &[]);
        let old = Secret::new(f.current_key(P::GitLab));
        f.set_fault(P::GitLab, fault.clone());
        let err = rotate("gitlab", &l, &old, None, Duration::ZERO).unwrap_err();
        assert!(err.may_have_rotated(), "{fault:?}: {err}");
        assert!(f.wait_idle(Duration::from_secs(5)));
        // Exactly one rotate call reached GitLab: a second one with the old token would have
        // triggered reuse detection and revoked the token GitLab just minted.
        assert_eq!(f.rotate_calls(P::GitLab), 1, "{fault:?}");
        if fault != Fault::Status(502) {
            let alive = f.state(|s| s.gitlab.active().map(|t| t.id));
            assert_eq!(alive, Some(43), "{fault:?}: the new token is still alive");
        }
    }
}

#[test]
fn gitlab_without_read_access_to_itself_rotates_for_365_days_and_the_base_url_may_hold_api_v4() {
    let f = FakeProviders::start().unwrap();
    f.state(|s| s.gitlab.self_forbidden = true);
    let l = Link {
        base_url: Some(format!("{}/api/v4/", f.url)),
        ..link(&f, P::GitLab, &[])
    };
    let old = Secret::new(f.current_key(P::GitLab));
    rotate("gitlab", &l, &old, None, Duration::ZERO).unwrap();
    assert_eq!(
        f.state(|s| s.gitlab.sent_expires_at.clone()),
        [Some(today_plus(365))]
    );
}

#[test]
fn gitlab_reads_the_instance_from_gitlab_api_url_and_refuses_the_oauth_server() {
    let gl = providers::by_id("gitlab").unwrap();
    let key = Secret::new("glpat-abcdefghijklmnopqrst".into());
    let mut l = Link::default();
    let env = vec![(
        "GITLAB_API_URL".to_string(),
        "https://gitlab.example.com/api/v4,https://other.example/api/v4".to_string(),
    )];
    gl.complete_link(
        &mut l,
        &Usage {
            key: &key,
            urls: &[],
            env: &env,
        },
    )
    .unwrap();
    assert_eq!(l.base_url.as_deref(), Some("https://gitlab.example.com"));
    let err = gl
        .complete_link(
            &mut Link::default(),
            &Usage {
                key: &key,
                urls: &["https://gitlab.example.com/api/v4/mcp".to_string()],
                env: &[],
            },
        )
        .unwrap_err();
    assert!(err.contains("OAuth"), "{err}");
}

#[test]
fn cloudflare_user_and_account_tokens_roll_and_verify_at_their_own_endpoints() {
    let f = FakeProviders::start().unwrap();
    let cf = providers::by_id("cloudflare-api-token").unwrap();
    let (admin, acct, user, account) = f.state(|s| {
        (
            Secret::new(s.cf_api.admin.clone()),
            s.cf_api.account_id.clone(),
            Secret::new(s.cf_api.user.value.clone()),
            Secret::new(s.cf_api.account.value.clone()),
        )
    });
    let plain = link(&f, P::CloudflareApi, &[]);
    let with_acct = link(&f, P::CloudflareApi, &[("account_id", &acct)]);
    // A user token verifies at /user/tokens/verify.
    cf.verify(&http(), &plain, &user).unwrap();
    // An account token needs its account, and verifies at /accounts/{acct}/tokens/verify.
    assert_eq!(
        cf.verify(&http(), &plain, &account).unwrap_err().code(),
        "missing_id"
    );
    cf.verify(&http(), &with_acct, &account).unwrap();
    let paths: Vec<String> = f.state(|s| s.seen.iter().map(|x| x.path.clone()).collect());
    assert_eq!(
        paths,
        [
            "/client/v4/user/tokens/verify".to_string(),
            format!("/client/v4/accounts/{acct}/tokens/verify")
        ]
    );
    // Roll the account token (its id found with the verify call).
    let r = rotate(
        "cloudflare-api-token",
        &with_acct,
        &account,
        Some(&admin),
        Duration::ZERO,
    )
    .unwrap();
    assert!(r.new.expose().starts_with("cfat_"));
    assert_eq!(r.new.expose(), f.state(|s| s.cf_api.account.value.clone()));
    cf.verify(&http(), &with_acct, &r.new).unwrap();
    assert_eq!(
        cf.verify(&http(), &with_acct, &account).unwrap_err().code(),
        "unauthorized"
    );
    // The user token, with its id given in the link: no look-up, one PUT.
    let uid = f.state(|s| s.cf_api.user.id.clone());
    let before = f.state(|s| s.seen.len());
    let l = link(&f, P::CloudflareApi, &[("token_id", &uid)]);
    let r = rotate(
        "cloudflare-api-token",
        &l,
        &user,
        Some(&admin),
        Duration::ZERO,
    )
    .unwrap();
    assert!(r.new.expose().starts_with("cfut_"));
    let after: Vec<String> =
        f.state(|s| s.seen[before..].iter().map(|x| x.method.clone()).collect());
    assert_eq!(after, ["PUT"]);
    // A token without "API Tokens Write" (the MCP token itself) cannot roll: 403, nothing rolled.
    let err = rotate(
        "cloudflare-api-token",
        &l,
        &r.new,
        Some(&r.new),
        Duration::ZERO,
    )
    .unwrap_err();
    assert_eq!(err.code(), "forbidden", "{err}");
    assert_eq!(f.rotations(P::CloudflareApi), 2);
}

#[test]
fn cloudflare_global_api_keys_and_account_tokens_without_account_are_refused_at_link_time() {
    let cf = providers::by_id("cloudflare-api-token").unwrap();
    let usage = |k: &str| Secret::new(k.into());
    let global = usage("cfk_0123456789abcdef0123456789abcdef01234567");
    let err = cf
        .complete_link(
            &mut Link::default(),
            &Usage {
                key: &global,
                urls: &[],
                env: &[],
            },
        )
        .unwrap_err();
    assert!(
        err.contains("Global API Key") && err.contains("cannot be rolled"),
        "{err}"
    );
    let acct = usage("cfat_0123456789abcdef0123456789abcdef01234567");
    let err = cf
        .complete_link(
            &mut Link::default(),
            &Usage {
                key: &acct,
                urls: &[],
                env: &[],
            },
        )
        .unwrap_err();
    assert!(err.contains("--account-id"), "{err}");
}

#[test]
fn paddle_grace_starts_at_the_new_keys_first_use() {
    let f = FakeProviders::start().unwrap();
    let pd = providers::by_id("paddle").unwrap();
    let l = link(&f, P::Paddle, &[]);
    let old = Secret::new(f.current_key(P::Paddle));
    let r = rotate("paddle", &l, &old, None, Duration::from_secs(600)).unwrap();
    // The answer has no end time (the countdown has not started): None, and the plan explains.
    assert_eq!(r.old_valid_until, None);
    assert!(pd
        .grace_note(Duration::from_secs(600))
        .unwrap()
        .contains("first used + 600 s"));
    pd.verify(&http(), &l, &old)
        .expect("pending: the old key works");
    pd.verify(&http(), &l, &r.new).unwrap(); // first use: the 600 s start now
    pd.verify(&http(), &l, &old)
        .expect("within the grace period");
    // With no grace, the old key stops once the new one is used.
    let r2 = rotate("paddle", &l, &r.new, None, Duration::ZERO).unwrap();
    pd.verify(&http(), &l, &r.new)
        .expect("pending: still works");
    pd.verify(&http(), &l, &r2.new).unwrap();
    assert_eq!(
        pd.verify(&http(), &l, &r.new).unwrap_err().code(),
        "unauthorized"
    );
    // More than Paddle's 24 hours is refused before anything is sent.
    let err = rotate("paddle", &l, &r2.new, None, Duration::from_secs(86_401)).unwrap_err();
    assert_eq!(err.code(), "invalid_spec", "{err}");
    assert_eq!(f.rotate_calls(P::Paddle), 2);
    // Another key's id: a key can only rotate itself.
    let other = link(
        &f,
        P::Paddle,
        &[("token_id", "apikey_01aaaaaaaaaaaaaaaaaaaaaaaa")],
    );
    let err = rotate("paddle", &other, &r2.new, None, Duration::ZERO).unwrap_err();
    assert_eq!(err.code(), "forbidden", "{err}");
}

#[test]
fn launchdarkly_grace_is_the_expiry_sent_and_surfaces_in_old_valid_until() {
    let f = FakeProviders::start().unwrap();
    let ld = providers::by_id("launchdarkly").unwrap();
    let l = link(&f, P::LaunchDarkly, &[]);
    let old = Secret::new(f.current_key(P::LaunchDarkly));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let r = rotate("launchdarkly", &l, &old, None, Duration::from_secs(600)).unwrap();
    let until = r
        .old_valid_until
        .expect("LaunchDarkly's expiry is a stated time");
    assert!((now + 600..=now + 602).contains(&until), "{until} vs {now}");
    let sent = f.state(|s| s.launchdarkly.sent_expiry.clone());
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].unwrap() / 1000, until);
    ld.verify(&http(), &l, &old)
        .expect("the old token works until expiry");
    ld.verify(&http(), &l, &r.new).unwrap();
    // The token id was asked from caller-identity (not in the link).
    assert!(f.state(|s| s.seen.iter().any(|x| x.path == "/api/v2/caller-identity")));
    // No grace: no expiry parameter, the old value dies at once.
    let r2 = rotate("launchdarkly", &l, &r.new, None, Duration::ZERO).unwrap();
    assert_eq!(r2.old_valid_until, None);
    assert_eq!(f.state(|s| s.launchdarkly.sent_expiry[1]), None);
    assert_eq!(
        ld.verify(&http(), &l, &r.new).unwrap_err().code(),
        "unauthorized"
    );
    ld.verify(&http(), &l, &r2.new).unwrap();
}

#[test]
fn rootly_grace_is_what_rootly_says_and_only_when_the_organization_enables_it() {
    let f = FakeProviders::start().unwrap();
    let rt = providers::by_id("rootly").unwrap();
    let (id, mcp) = f.state(|s| (s.rootly.key_id.clone(), format!("{}/rootly-mcp/mcp", f.url)));
    let l = link(&f, P::Rootly, &[("token_id", &id), ("app_url", &mcp)]);
    let old = Secret::new(f.current_key(P::Rootly));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    // 10 minutes of grace asked: Rootly answers grace_period_ends_at, surfaced as old_valid_until.
    let r = rotate("rootly", &l, &old, None, Duration::from_secs(600)).unwrap();
    let until = r.old_valid_until.expect("grace_period_ends_at");
    assert!((now + 600..=now + 602).contains(&until), "{until} vs {now}");
    rt.verify(&http(), &l, &old)
        .expect("the old token works during the grace");
    rt.verify(&http(), &l, &r.new).unwrap();
    // The organization has no grace period: no end time in the answer, the old token dies at once.
    f.state(|s| s.rootly.grace_enabled = false);
    let r2 = rotate("rootly", &l, &r.new, None, Duration::from_secs(600)).unwrap();
    assert_eq!(r2.old_valid_until, None);
    assert_eq!(
        rt.verify(&http(), &l, &r.new).unwrap_err().code(),
        "unauthorized"
    );
    // Over Rootly's 24 hours: refused before sending; another key's id: 403 (self only).
    let err = rotate("rootly", &l, &r2.new, None, Duration::from_secs(86_460)).unwrap_err();
    assert_eq!(err.code(), "invalid_spec", "{err}");
    let other = link(&f, P::Rootly, &[("token_id", "someone-else")]);
    let err = rotate("rootly", &other, &r2.new, None, Duration::ZERO).unwrap_err();
    assert_eq!(err.code(), "forbidden", "{err}");
    assert_eq!(f.rotations(P::Rootly), 2);
}

#[test]
fn activepieces_project_generation_rotates_and_is_told_from_the_url() {
    let f = FakeProviders::start().unwrap();
    let ap = providers::by_id("activepieces-project").unwrap();
    let admin = Secret::new(f.state(|s| s.ap_platform_key.clone()));
    let old = Secret::new(f.current_key(P::ActivepiecesProject));
    let url = format!(
        "{}/api/v1/projects/{}/mcp-server/http?token={}",
        f.url,
        rekey_fakes::AP_PROJECT_ID,
        old.expose()
    );
    // The link takes the project id and base URL from the config's URL.
    let mut l = Link::default();
    let urls = vec![url.clone()];
    let usage = Usage {
        key: &old,
        urls: &urls,
        env: &[],
    };
    ap.complete_link(&mut l, &usage).unwrap();
    assert_eq!(l.base_url, Some(format!("{}/api", f.url)));
    assert_eq!(l.id("project_id").unwrap(), rekey_fakes::AP_PROJECT_ID);
    // The generation-2 adapter sends the user here instead of failing later.
    let err = providers::by_id("activepieces")
        .unwrap()
        .complete_link(&mut Link::default(), &usage)
        .unwrap_err();
    assert!(err.contains("activepieces-project"), "{err}");
    // The scan's guess tells the generations apart by the URL.
    assert_eq!(
        rekey::scan::guess_provider("url", &url, old.expose()),
        Some("activepieces-project")
    );
    assert_eq!(
        rekey::scan::guess_provider(
            "url",
            "https://cloud.activepieces.com/api/v1/mcp/abc/sse",
            "abc"
        ),
        Some("activepieces")
    );
    ap.verify(&http(), &l, &old).unwrap();
    let r = rotate(
        "activepieces-project",
        &l,
        &old,
        Some(&admin),
        Duration::ZERO,
    )
    .unwrap();
    assert_eq!(r.new.expose().len(), 72);
    assert_eq!(r.new.expose(), f.current_key(P::ActivepiecesProject));
    ap.verify(&http(), &l, &r.new).unwrap();
    assert_eq!(
        ap.verify(&http(), &l, &old).unwrap_err().code(),
        "unauthorized"
    );
    // The newest, OAuth-only generation: no static key, said at link time (nothing sent).
    let before = f.state(|s| s.seen.len());
    for id in ["activepieces", "activepieces-project"] {
        let err = providers::by_id(id)
            .unwrap()
            .complete_link(
                &mut Link::default(),
                &Usage {
                    key: &old,
                    urls: &["https://cloud.activepieces.com/mcp".to_string()],
                    env: &[],
                },
            )
            .unwrap_err();
        assert!(err.contains("no static key to rotate"), "{id}: {err}");
    }
    assert_eq!(f.state(|s| s.seen.len()), before);
}

#[test]
fn the_scan_guesses_each_new_provider_from_the_key_name_or_host() {
    let g = rekey::scan::guess_provider;
    assert_eq!(g("GITLAB_PERSONAL_ACCESS_TOKEN", "x", "x"), Some("gitlab"));
    assert_eq!(
        g("--token", "--token=glpat-abc", "glpat-abc"),
        Some("gitlab")
    );
    assert_eq!(
        g("Authorization", "Bearer cfut_abc", "cfut_abc"),
        Some("cloudflare-api-token")
    );
    assert_eq!(
        g("CLOUDFLARE_API_TOKEN", "t0k", "t0k"),
        Some("cloudflare-api-token")
    );
    assert_eq!(g("X", "cfk_abc", "cfk_abc"), Some("cloudflare-api-token"));
    assert_eq!(
        g(
            "--api-key",
            "--api-key=pdl_live_apikey_x",
            "pdl_live_apikey_x"
        ),
        Some("paddle")
    );
    assert_eq!(g("PADDLE_API_KEY", "k", "k"), Some("paddle"));
    let ld = "api-0123abcd-0123-4567-89ab-0123456789ab";
    assert_eq!(g("--api-key", ld, ld), Some("launchdarkly"));
    assert_eq!(g("ROOTLY_API_TOKEN", "k", "k"), Some("rootly"));
    // CF_ACCESS_* stays Cloudflare Access.
    assert_eq!(
        g("CF_ACCESS_CLIENT_SECRET", "s", "s"),
        Some("cloudflare-access")
    );
}
