//! Tests of `slots`.
use super::*;

fn one(rel: &[&str], value: &str, prev: Option<&str>) -> Found {
    let mut v = find(rel, value, prev);
    assert_eq!(v.len(), 1, "{rel:?} {value:?}: {v:?}");
    v.remove(0)
}

#[test]
fn secret_names() {
    for n in [
        "BITSCALE_API_KEY",
        "GITHUB_PERSONAL_ACCESS_TOKEN",
        "apiKey",
        "X-API-KEY",
        "CF-Access-Client-Secret",
        "DB_PASSWORD",
        "GITLAB_PAT",
        "AUTH_HEADER",
        "A2AMARKET_API_KEY",
    ] {
        assert!(is_secret_name(n), "{n}");
    }
    for n in [
        "API_URL",
        "KEY_FILE",
        "CF-Access-Client-Id",
        "HOME",
        "A2AMARKET_BASE_URL",
        "PATH",
        "TOKEN_PATH",
        "A2AMARKET_AGENT_ID",
    ] {
        assert!(!is_secret_name(n), "{n}");
    }
}

#[test]
fn env_and_headers_keep_the_scheme() {
    let f = one(&["env", "BITSCALE_API_KEY"], "sk-live-abc123xyz", None);
    assert_eq!(
        (f.kind, f.range.clone(), &f.state),
        (SlotKind::Env, 0..17, &ValueState::Secret)
    );
    let v = "Bearer ghp_abcdefghijklmnop1234";
    let f = one(&["headers", "Authorization"], v, None);
    assert_eq!(&v[f.range], "ghp_abcdefghijklmnop1234");
    let f = one(&["env", "AUTH_HEADER"], "Bearer tok_123456789", None);
    assert_eq!(f.range.start, 7);
}

#[test]
fn args_in_all_shapes() {
    let v = "--api-key=sk_live_51abcdefgh";
    let f = one(&["args", "2"], v, Some("--tools=all"));
    assert_eq!(
        (f.kind, &v[f.range]),
        (SlotKind::ArgFlag, "sk_live_51abcdefgh")
    );
    let f = one(
        &["args", "3"],
        "sbp_0123456789abcdef",
        Some("--access-token"),
    );
    assert_eq!((f.kind, f.range), (SlotKind::ArgValue, 0..20));
    let v = "Authorization: Bearer abc.def.ghi";
    let f = one(&["args", "3"], v, Some("--header"));
    assert_eq!((f.kind, &v[f.range]), (SlotKind::ArgHeader, "abc.def.ghi"));
    let v = "X-API-KEY:${FRUXON_KEY}";
    let f = one(&["args", "3"], v, Some("--header"));
    assert_eq!(
        f.state,
        ValueState::Reference {
            lives_in: "environment variable FRUXON_KEY".into()
        }
    );
    assert!(find(&["args", "1"], "-e", Some("run")).is_empty());
    assert!(find(&["args", "2"], "GITHUB_PERSONAL_ACCESS_TOKEN", Some("-e")).is_empty());
}

#[test]
fn urls() {
    let u = "https://cloud.activepieces.com/api/v1/mcp/apt_9f8e7d6c5b4a/sse";
    let f = one(&["url"], u, None);
    assert_eq!(
        (f.kind, &u[f.range]),
        (SlotKind::UrlPath, "apt_9f8e7d6c5b4a")
    );
    let u = "https://mcp.exa.ai/mcp?exaApiKey=abc%2Fdef123&x=1";
    let f = one(&["url"], u, None);
    assert_eq!(
        (f.kind, &u[f.range], f.encoding),
        (SlotKind::UrlQuery, "abc%2Fdef123", Encoding::Url)
    );
    let u = "postgresql://postgres:s3cr%40t@db.example.com:5432/app";
    let f = one(&["args", "2"], u, Some("-y"));
    assert_eq!((f.kind, &u[f.range]), (SlotKind::DsnPassword, "s3cr%40t"));
    let u = "postgresql://postgres.bmdz:YOUR_PASSWORD_HERE@aws.pooler.supabase.com:6543/postgres";
    assert_eq!(one(&["args", "2"], u, None).state, ValueState::Placeholder);
    assert!(find(&["url"], "https://api.githubcopilot.com/mcp/", None).is_empty());
}

#[test]
fn references_and_placeholders() {
    assert_eq!(
        classify("${env:GITHUB_TOKEN}"),
        ValueState::Reference {
            lives_in: "environment variable GITHUB_TOKEN".into()
        }
    );
    assert_eq!(
        classify("${input:github_mcp_pat}"),
        ValueState::Reference {
            lives_in: "VS Code secret storage (input 'github_mcp_pat')".into()
        }
    );
    assert_eq!(
        classify("${{ secrets.SUPABASE_TOKEN }}"),
        ValueState::Reference {
            lives_in: "Continue secret 'SUPABASE_TOKEN' (Continue secrets: .continue/.env, the workspace .env or the Continue Hub)".into()
        }
    );
    assert_eq!(
        classify("${{ inputs.API }}"),
        ValueState::Reference {
            lives_in: "Continue input 'API' (Continue secrets: .continue/.env, the workspace .env or the Continue Hub)".into()
        }
    );
    assert_eq!(
        classify("{{MY_SERVICE_API_KEY}}"),
        ValueState::Reference {
            lives_in: "LibreChat per-user value MY_SERVICE_API_KEY, set in LibreChat".into()
        }
    );
    assert_eq!(
        classify("$API_KEY"),
        ValueState::Reference {
            lives_in: "environment variable API_KEY".into()
        }
    );
    assert_eq!(
        classify("${TOKEN:-x}"),
        ValueState::Reference {
            lives_in: "environment variable TOKEN".into()
        }
    );
    for p in [
        "STRIPE_SECRET_KEY",
        "YOUR_API_KEY",
        "your_api_key_here",
        "<token>",
        "sk_test_YOUR_KEY_HERE",
        "ak_your_key_here",
        "xxxxxxxx",
        "YOUR_GITHUB_PAT",
    ] {
        assert_eq!(classify(p), ValueState::Placeholder, "{p}");
    }
    assert_eq!(classify("sk-live-abc123xyz"), ValueState::Secret);
}

#[test]
fn percent_coding_round_trips() {
    let s = "a/b+c d%é";
    assert_eq!(percent_decode(&percent_encode(s)), s);
    assert_eq!(percent_encode("abc-_.~"), "abc-_.~");
}

#[test]
fn percent_decode_takes_any_text_without_panicking() {
    // A '%' before a multi-byte character used to slice inside it and panic.
    assert_eq!(percent_decode("tok%aé"), "tok%aé");
    assert_eq!(percent_decode("%é"), "%é");
    assert_eq!(percent_decode("é%"), "é%");
    assert_eq!(percent_decode("%4"), "%4");
    // Only two hex digits make an escape (from_str_radix took "+1" as a number).
    assert_eq!(percent_decode("%+1x"), "%+1x");
    assert_eq!(percent_decode("%41%4a%4A"), "AJJ");
}

#[test]
fn opencode_and_crush_references() {
    assert_eq!(
        classify("{env:CONTEXT7_API_KEY}"),
        ValueState::Reference {
            lives_in: "environment variable CONTEXT7_API_KEY".into()
        }
    );
    assert_eq!(
        classify("{file:~/.secrets/key}"),
        ValueState::Reference {
            lives_in: "file ~/.secrets/key".into()
        }
    );
    let f = one(&["headers", "Authorization"], "Bearer {env:TOKEN}", None);
    assert!(matches!(f.state, ValueState::Reference { .. }), "{f:?}");
    let f = one(&["headers", "API-Key"], "$(echo $API_KEY)", None);
    match f.state {
        ValueState::Reference { lives_in } => {
            assert!(lives_in.contains("shell command"), "{lives_in}");
            assert!(!lives_in.contains("API_KEY"), "{lives_in}");
        }
        s => panic!("{s:?}"),
    }
    // A brace that is not a substitution stays a literal.
    assert_eq!(classify("{abc123def456}"), ValueState::Secret);
}

#[test]
fn rekey_references_are_protected_usages_wherever_they_sit() {
    let protected = |f: &Found, id: &str| {
        assert_eq!(
            f.state,
            ValueState::Reference {
                lives_in: format!("protected: in the keychain (rekey://{id})")
            },
            "{f:?}"
        );
    };
    let f = one(
        &["env", "BITSCALE_API_KEY"],
        "rekey://bitscale-1a2b3c",
        None,
    );
    protected(&f, "bitscale-1a2b3c");
    assert_eq!(
        (f.location.as_str(), f.range.clone()),
        ("env.BITSCALE_API_KEY", 0..23)
    );
    let v = "--api-key=rekey://k1";
    let f = one(&["args", "2"], v, None);
    protected(&f, "k1");
    assert_eq!(&v[f.range.clone()], "rekey://k1");
    assert_eq!(f.kind, SlotKind::ArgFlag);
    let v = "Authorization: Bearer rekey://k2";
    let f = one(&["args", "4"], v, Some("--header"));
    protected(&f, "k2");
    assert_eq!(&v[f.range.clone()], "rekey://k2");
    let v = "https://cloud.activepieces.com/api/v1/mcp/rekey://ap-01/sse";
    let f = one(&["args", "2"], v, None);
    protected(&f, "ap-01");
    assert_eq!(&v[f.range.clone()], "rekey://ap-01");
    // Under a name that says nothing about a secret, too.
    let f = one(&["env", "SOMETHING"], "rekey://k3", None);
    protected(&f, "k3");
    // A literal key is still a secret.
    assert_eq!(
        one(&["env", "API_KEY"], "sk-live-0123456789", None).state,
        ValueState::Secret
    );
}
