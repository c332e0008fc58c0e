//! `rekey add` end to end through the CLI, with the real Secret Service: servers of several providers
//! (a local command, remote servers with headers through mcp-remote, a new vendor, Codex's TOML) are added
//! to Claude Desktop, Cursor, Claude Code and Codex, protected by default; each written entry is started
//! exactly as its client starts it (stand-in `uvx`/`npx` on PATH record the sha256 of what the server
//! receives, expanding mcp-remote's `${VAR}` headers as mcp-remote does) and receives the real key; the
//! key is linked, so `rekey rotate` works against the fakes without touching a config; refusals change
//! nothing, not even the keychain; no output and no Rekey file holds a key.
mod common;
use common::fixture::*;
use common::servers::*;
use common::*;
use rekey_fakes::{FakeProviders, Fault, Provider as P};
use serde_json::Value;

#[test]
#[ignore = "needs ./dev test: the private Secret Service"]
fn a_protected_bitscale_server_gets_the_real_key_and_rotates_without_touching_a_config() {
    require_keyring();
    let f = FakeProviders::start().unwrap();
    let home = TempHome::new();
    let key = f.state(|s| s.bitscale_key.clone());
    let claude = home.write(CLAUDE, "{\n  \"mcpServers\": {\n    \"other\": { \"command\": \"x\" }\n  },\n  \"globalShortcut\": \"\"\n}\n");
    let cursor = home.write(
        CURSOR,
        "{\r\n  // my servers\r\n  \"mcpServers\": {}\r\n}\r\n",
    );

    let o = add(
        &home,
        &[
            "bitscale",
            "--client",
            "claude-desktop",
            "--client",
            "cursor",
            "--yes",
            "--base-url",
            &f.base_url(P::BitScale),
        ],
        &key,
    );
    let out = ok(&o);
    assert!(
        out.contains("protected (the configs hold rekey://bitscale-"),
        "{out}"
    );
    assert!(
        out.contains("    + ") && out.contains("\"BITSCALE_API_KEY\": \"rekey://bitscale-"),
        "the diff: {out}"
    );
    let bin = env!("CARGO_BIN_EXE_rekey");
    for file in [&claude, &cursor] {
        let text = read(file);
        assert!(!text.contains(&key), "{text}");
        assert!(text.contains(&format!("\"command\": \"{bin}\"")), "{text}");
    }
    // The rest of each file kept: the other server, the comment, CRLF.
    assert!(
        read(&claude).contains("\"other\": { \"command\": \"x\" }")
            && read(&claude).contains("\"globalShortcut\": \"\"")
    );
    assert!(
        read(&cursor).contains("// my servers")
            && !read(&cursor).replace("\r\n", "").contains('\n')
    );
    let (_, args, env) = entry_of(&claude, "bitscale");
    assert_eq!(args, ["exec", "--", "uvx", "bitscale-mcp"]);
    let reference = env[0].1.clone();
    let id = reference.strip_prefix("rekey://").unwrap();
    assert_eq!(
        secret_tool(&format!("ref:{id}")).as_deref(),
        Some(key.as_str())
    );
    assert_eq!(
        holding(&key),
        [format!("ref:{id}")],
        "one keychain entry: the reference"
    );

    // Started as the clients start them, the servers receive the real key.
    let want = format!("env BITSCALE_API_KEY {}", sha256(&key));
    assert_eq!(start(&home, &claude, "bitscale"), vec![want.clone()]);
    assert_eq!(start(&home, &cursor, "bitscale"), [want]);

    // Scan: two protected usages of one linked credential; nothing in plaintext; backed up first.
    let scan: Value = serde_json::from_str(&ok(&run(&home, &["scan", "--json"], "", &[]))).unwrap();
    assert_eq!(scan["summary"]["plaintext_keys"], 0, "{scan}");
    assert_eq!(scan["summary"]["protected_usages"], 2, "{scan}");
    let cred = scan["credentials"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(scan["credentials"][0]["provider"], "bitscale");
    let backups: Value =
        serde_json::from_str(&ok(&run(&home, &["backups", "--json"], "", &[]))).unwrap();
    assert_eq!(
        backups.as_array().unwrap().len(),
        2,
        "each file backed up before it was written: {backups}"
    );
    // The history records the add as a change of this key, with both files (issue 18).
    let h: Value = serde_json::from_str(&ok(&run(&home, &["history", "--json"], "", &[]))).unwrap();
    let added = &h.as_array().unwrap()[0];
    assert_eq!(added["kind"], "add", "{h}");
    assert_eq!(added["outcome"], "written", "{h}");
    assert_eq!(added["files"].as_array().unwrap().len(), 2, "{h}");
    assert_eq!(added["key"], scan["credentials"][0]["key"], "{h}");

    // Linked in the same step: the rotation changes no file; the servers then get the new key.
    let (c0, u0) = (read(&claude), read(&cursor));
    let r = run(&home, &["rotate", &cred, "--yes"], "", &[]);
    ok(&r);
    let new = f.state(|s| s.bitscale_key.clone());
    assert_ne!(new, key);
    assert_eq!(
        (read(&claude), read(&cursor)),
        (c0, u0),
        "no config changed"
    );
    let want = format!("env BITSCALE_API_KEY {}", sha256(&new));
    assert_eq!(start(&home, &claude, "bitscale"), vec![want.clone()]);
    assert_eq!(start(&home, &cursor, "bitscale"), [want]);
    no_key_anywhere(&home, &[&o, &r], &key);
    no_key_anywhere(&home, &[&o, &r], &new);
}

#[test]
#[ignore = "needs ./dev test: the private Secret Service"]
fn remote_servers_get_their_headers_through_mcp_remote_and_literal_cursor_uses_its_own_fields() {
    require_keyring();
    let home = TempHome::new();
    let claude = home.dir.path().join(CLAUDE);
    let cursor = home.dir.path().join(CURSOR);
    let both = ["--client", "claude-desktop", "--client", "cursor", "--yes"];
    let mut outputs = Vec::new();

    // Fruxon: the call URL with the key in X-API-KEY.
    let fx = "fx_live_0123456789abcdefABCDEF";
    let url = "https://api.fruxon.com/v1/tenants/acme/integrations/int_0001/mcp:call";
    let call = format!("call_url={url}");
    let mut a = vec![
        "fruxon",
        "--id",
        &call,
        "--id",
        "tenant=acme",
        "--id",
        "integration=int_0001",
    ];
    a.extend_from_slice(&both);
    outputs.push(add(&home, &a, fx));
    ok(outputs.last().unwrap());
    let want = vec![
        format!("url {}", sha256(url)),
        format!("header X-API-KEY {}", sha256(fx)),
    ];
    assert_eq!(start(&home, &claude, "fruxon"), want);
    assert_eq!(start(&home, &cursor, "fruxon"), want);
    let (_, args, env) = entry_of(&claude, "fruxon");
    assert!(
        args.contains(&"X-API-KEY:${FRUXON_API_KEY}".to_string()),
        "{args:?}"
    );
    assert!(env[0].1.starts_with("rekey://fruxon-"), "{env:?}");

    // Cloudflare Access through mcp-remote: the client id inline, the secret from the env.
    let cf = "bdd31cbc4dec990953e39163fbbb194c93313ca9f0a6e420346af9d326b1d2a5";
    let mut a = vec![
        "cloudflare-access",
        "--name",
        "internal",
        "--id",
        "url=https://mcp.internal.example.com/mcp",
        "--id",
        "client_id=88bf3b6d.access",
        "--id",
        "account_id=acc1",
        "--id",
        "token_id=tok1",
    ];
    a.extend_from_slice(&both);
    outputs.push(add(&home, &a, cf));
    ok(outputs.last().unwrap());
    let want = vec![
        format!("url {}", sha256("https://mcp.internal.example.com/mcp")),
        format!("header CF-Access-Client-Id {}", sha256("88bf3b6d.access")),
        format!("header CF-Access-Client-Secret {}", sha256(cf)),
    ];
    assert_eq!(start(&home, &claude, "internal"), want);
    assert_eq!(start(&home, &cursor, "internal"), want);

    // A new vendor: Neon's remote server, the key as a Bearer header.
    let neon = "napi_0123456789abcdefghijklmnopqrstuvwxyz";
    let mut a = vec!["neon", "--id", "key_id=key-1"];
    a.extend_from_slice(&both);
    outputs.push(add(&home, &a, neon));
    ok(outputs.last().unwrap());
    let want = vec![
        format!("url {}", sha256("https://mcp.neon.tech/mcp")),
        format!("header Authorization {}", sha256(&format!("Bearer {neon}"))),
    ];
    assert_eq!(start(&home, &claude, "neon"), want);
    assert_eq!(start(&home, &cursor, "neon"), want);

    // Claude Code expands `${VAR}` in args itself, so its protected entry names the reference inline
    // (`Authorization:Bearer rekey://…`); `rekey exec` still keeps the key off mcp-remote's command line.
    let code = home.write(CLAUDE_CODE, "{\"numStartups\": 3}");
    let nk = "napi_claudecode0123456789abcdefghijklmnop";
    outputs.push(add(
        &home,
        &[
            "neon",
            "--name",
            "neon-code",
            "--id",
            "key_id=key-2",
            "--client",
            "claude-code",
            "--yes",
        ],
        nk,
    ));
    ok(outputs.last().unwrap());
    assert_eq!(
        start(&home, &code, "neon-code"),
        [
            format!("url {}", sha256("https://mcp.neon.tech/mcp")),
            format!("header Authorization {}", sha256(&format!("Bearer {nk}"))),
        ]
    );
    let argv = argv_log(&home);
    assert!(
        argv.lines().filter(|l| l.contains("mcp-remote")).count() >= 7,
        "every start above went through mcp-remote and was logged: {argv}"
    );
    for k in [fx, cf, neon, nk] {
        assert!(
            !argv.contains(k),
            "a key on a server's command line: {argv}"
        );
    }

    // Literal, on request: Cursor connects to the URL itself with its headers; Claude Desktop, which has
    // no headers field, goes through mcp-remote with the key in its env.
    let rt = "rootly_0123456789abcdef0123456789abcdef";
    outputs.push(add(
        &home,
        &[
            "rootly",
            "--id",
            "token_id=k1",
            "--literal",
            "--client",
            "claude-desktop",
            "--client",
            "cursor",
            "--yes",
        ],
        rt,
    ));
    ok(outputs.last().unwrap());
    let v: Value = serde_json::from_str(&read(&cursor)).unwrap();
    assert_eq!(
        v["mcpServers"]["rootly"],
        serde_json::json!({"url": "https://mcp.rootly.com/mcp", "headers": {"Authorization": format!("Bearer {rt}")}})
    );
    assert_eq!(
        start(&home, &claude, "rootly"),
        [
            format!("url {}", sha256("https://mcp.rootly.com/mcp")),
            format!("header Authorization {}", sha256(&format!("Bearer {rt}")))
        ]
    );

    // Every key is one linked credential; the literal one in plaintext, the others protected.
    let scan: Value = serde_json::from_str(&ok(&run(&home, &["scan", "--json"], "", &[]))).unwrap();
    assert_eq!(scan["summary"]["protected_usages"], 7, "{scan}");
    assert_eq!(scan["summary"]["plaintext_keys"], 1, "{scan}");
    let links: Value =
        serde_json::from_str(&read(&home.dir.path().join("data/rekey/links.json"))).unwrap();
    let providers: Vec<&str> = links
        .as_object()
        .unwrap()
        .values()
        .map(|l| l["provider"].as_str().unwrap())
        .collect();
    for p in ["fruxon", "cloudflare-access", "neon", "rootly"] {
        assert!(providers.contains(&p), "{links}");
    }
    let fruxon = links
        .as_object()
        .unwrap()
        .values()
        .find(|l| l["provider"] == "fruxon")
        .unwrap();
    assert_eq!(
        fruxon["ids"],
        serde_json::json!({"tenant": "acme", "integration": "int_0001"})
    );
    for c in scan["credentials"].as_array().unwrap() {
        assert!(
            links.get(c["id"].as_str().unwrap()).is_some(),
            "{c} is linked"
        );
    }
    assert_eq!(outputs.len(), 5);
    let refs: Vec<&std::process::Output> = outputs.iter().collect();
    for k in [fx, cf, neon, nk, rt] {
        no_key_anywhere(&home, &refs, k);
    }
    for k in [fx, cf, neon, nk] {
        assert!(
            !read(&claude).contains(k) && !read(&cursor).contains(k) && !read(&code).contains(k)
        );
    }
}

#[test]
#[ignore = "needs ./dev test: the private Secret Service"]
fn gitlab_goes_into_codex_and_claude_code_and_rotates_against_the_fake() {
    require_keyring();
    let f = FakeProviders::start().unwrap();
    let home = TempHome::new();
    let key = f.state(|s| s.gitlab.active().unwrap().token.clone());
    let codex = home.write(CODEX, "model = \"o3\" # mine\n");
    let code = home.write(CLAUDE_CODE, "{\"numStartups\": 3, \"projects\": {}}");
    let api = format!("api_url={}/api/v4", f.url);
    let o = add(
        &home,
        &[
            "gitlab",
            "--id",
            &api,
            "--client",
            "codex",
            "--client",
            "claude-code",
            "--yes",
        ],
        &key,
    );
    ok(&o);
    assert!(
        read(&codex).starts_with("model = \"o3\" # mine\n\n[mcp_servers.gitlab]\n"),
        "{}",
        read(&codex)
    );
    let want = format!("env GITLAB_PERSONAL_ACCESS_TOKEN {}", sha256(&key));
    assert_eq!(start(&home, &codex, "gitlab"), vec![want.clone()]);
    assert_eq!(start(&home, &code, "gitlab"), [want]);
    let v: Value = serde_json::from_str(&read(&code)).unwrap();
    assert_eq!(v["numStartups"], 3);

    let scan: Value = serde_json::from_str(&ok(&run(&home, &["scan", "--json"], "", &[]))).unwrap();
    let cred = scan["credentials"][0]["id"].as_str().unwrap().to_string();
    let r = run(&home, &["rotate", &cred, "--yes"], "", &[]);
    ok(&r);
    let new = f.state(|s| s.gitlab.active().unwrap().token.clone());
    assert_ne!(new, key);
    assert_eq!(
        start(&home, &codex, "gitlab"),
        [format!("env GITLAB_PERSONAL_ACCESS_TOKEN {}", sha256(&new))]
    );
    no_key_anywhere(&home, &[&o, &r], &key);
    no_key_anywhere(&home, &[&o, &r], &new);
}

/// The plan's diff shows whole lines of the file: another server's key on such a line is masked too, and a
/// Codex file that does not parse is refused without quoting its line (which may hold a key).
#[test]
#[ignore = "needs ./dev test: the private Secret Service"]
fn the_plan_shows_no_key_of_the_file_and_a_broken_toml_line_is_not_quoted() {
    require_keyring();
    let home = TempHome::new();
    let other = "ghp_0123456789abcdefghijABCDEFGHIJ012345";
    home.write(
        CURSOR,
        &format!("{{\"mcpServers\":{{\"github\":{{\"command\":\"npx\",\"env\":{{\"GITHUB_TOKEN\":\"{other}\"}}}}}}}}"),
    );
    let key = "bs_live_0123456789abcdefplan";
    for extra in [&[][..], &["--literal"][..]] {
        let mut a = vec!["bitscale", "--client", "cursor", "--json"];
        a.extend_from_slice(extra);
        let o = add(&home, &a, key);
        let out = ok(&o);
        let plan: Value = serde_json::from_str(&out).unwrap();
        let diff = plan["files"][0]["diff"].to_string();
        assert!(
            diff.contains("GITHUB_TOKEN"),
            "the changed line is shown: {diff}"
        );
        if extra.is_empty() {
            assert!(diff.contains("rekey://bitscale-"), "{diff}");
        } else {
            // Literal: the new key's line shows its masked form.
            let masked = rekey::Secret::new(key.to_string()).masked();
            assert!(diff.contains(&masked), "{masked} in {diff}");
        }
        assert!(
            !out.contains(other) && !out.contains(key),
            "{extra:?}: {out}"
        );
    }
    let codex = home.write(
        CODEX,
        &format!("[mcp_servers.x]\nenv = {{ OPENAI_API_KEY = \"{other}\n"),
    );
    let before = read(&codex);
    let o = add(&home, &["bitscale", "--client", "codex", "--yes"], key);
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(
        err.contains("does not parse") && err.contains("line 2"),
        "{err}"
    );
    assert!(!err.contains(other) && !err.contains(key), "{err}");
    assert_eq!(read(&codex), before);
    // LaunchDarkly's server documents only `--api-key <key>`: the plan says the key will be on its
    // command line; BitScale's (an environment variable) says nothing of the kind.
    let notes = |provider: &str, k: &str| {
        let o = add(
            &home,
            &[provider, "--name", "n", "--client", "cursor", "--json"],
            k,
        );
        let plan: Value = serde_json::from_str(&ok(&o)).unwrap();
        plan["notes"].to_string()
    };
    let ld = notes("launchdarkly", "api-0123abcd-4567-89ab-cdef-0123456789ab");
    assert!(ld.contains("command-line argument"), "{ld}");
    assert!(!notes("bitscale", key).contains("command-line argument"));
}

/// The plan is what gets written: a file that changed between the plan and the confirmation is refused
/// (the other file is still written, and the key linked), and the key stays in the keychain.
#[test]
#[ignore = "needs ./dev test: the private Secret Service"]
fn a_file_changed_since_the_plan_is_not_written() {
    require_keyring();
    let home = TempHome::new();
    let claude = home.write(CLAUDE, "{}");
    let cursor = home.write(CURSOR, "{}");
    let ctx = context_of(&home);
    let vault = rekey::vault::Vault::default();
    let key = "sk-live-changedsince0123456789";
    let req = rekey::add::AddRequest {
        provider: "bitscale".into(),
        clients: vec![
            rekey::clients::ClientId::ClaudeDesktop,
            rekey::clients::ClientId::Cursor,
        ],
        literal: true,
        // Nobody listens there: the provider's check gets no answer (never the real BitScale) and the
        // plan goes on, "not checked".
        base_url: Some("http://127.0.0.1:9".into()),
        ..Default::default()
    };
    let http = rekey::providers::Http::from_env();
    let plan = rekey::add::plan_add(&ctx, &http, &req, rekey::Secret::new(key.into())).unwrap();
    assert!(rekey::add::keep_key(&vault, &plan).unwrap());
    assert!(
        !rekey::add::keep_key(&vault, &plan).unwrap(),
        "kept once; the second time it is already there"
    );
    std::fs::write(&cursor, "{\"theirs\": 1}").unwrap();
    let done = rekey::add::apply_add(&ctx, &vault, &plan, false).unwrap();
    assert!(done.files[0].ok, "{:?}", done.files[0]);
    let e = done.files[1].error.as_deref().unwrap();
    assert!(e.contains("changed since the plan"), "{e}");
    assert_eq!(read(&cursor), "{\"theirs\": 1}");
    assert!(read(&claude).contains(key), "literal, on request");
    assert!(done.linked);
    assert_eq!(holding(key), [format!("credential:{}", plan.credential)]);
}

/// The pasted key is checked with the provider before anything is written (issue 22): a key the provider
/// refuses is neither written nor kept unless the user says `--write-anyway`; an accepted one says so.
#[test]
#[ignore = "needs ./dev test: the private Secret Service"]
fn a_key_the_provider_refuses_is_not_added_unless_written_anyway() {
    require_keyring();
    let f = FakeProviders::start().unwrap();
    let home = TempHome::new();
    let cursor = home.write(CURSOR, "{}\n");
    let url = f.base_url(P::BitScale);
    let wrong = "sk-live-notthekey0123456789abcdef";
    let args = [
        "bitscale",
        "--client",
        "cursor",
        "--yes",
        "--base-url",
        &url,
    ];
    let refused = add(&home, &args, wrong);
    let err = String::from_utf8_lossy(&refused.stderr).into_owned();
    assert_ne!(refused.status.code(), Some(0), "{err}");
    assert!(
        err.contains("BitScale refused this key") && err.contains("Nothing was written"),
        "{err}"
    );
    assert_eq!(read(&cursor), "{}\n", "nothing written");
    assert!(holding(wrong).is_empty(), "the key was not kept either");
    assert!(
        f.state(|s| s.seen.iter().any(|r| r.path == "/api/v1/workspace")),
        "the fake's verify endpoint was asked"
    );

    let mut anyway = args.to_vec();
    anyway.push("--write-anyway");
    let written = add(&home, &anyway, wrong);
    let out = ok(&written);
    assert!(
        out.contains("Provider check: BitScale REFUSED this key"),
        "{out}"
    );
    assert!(
        read(&cursor).contains("rekey://bitscale-"),
        "{}",
        read(&cursor)
    );

    let good = f.state(|s| s.bitscale_key.clone());
    let claude = home.write(CLAUDE, "{}");
    let accepted = add(
        &home,
        &[
            "bitscale",
            "--client",
            "claude-desktop",
            "--name",
            "bitscale-2",
            "--yes",
            "--base-url",
            &url,
        ],
        &good,
    );
    let out = ok(&accepted);
    assert!(
        out.contains("Provider check: BitScale accepts this key"),
        "{out}"
    );
    assert!(read(&claude).contains("rekey://bitscale-"));
    // A refusal that echoes the key: the message is shown scrubbed.
    f.set_fault(
        P::BitScale,
        Fault::StatusWithMessage(401, format!("no such key: {wrong}")),
    );
    let mut echo_args = args.to_vec();
    echo_args.extend(["--name", "bitscale-echo"]);
    let echoed = add(&home, &echo_args, wrong);
    let err = String::from_utf8_lossy(&echoed.stderr).into_owned();
    assert!(err.contains("BitScale refused this key"), "{err}");
    f.set_fault(P::BitScale, Fault::None);
    // A plan refused by a local check (the server name is taken in that file) never sent the key.
    f.state(|s| s.seen.clear());
    let taken = add(
        &home,
        &[
            "bitscale",
            "--client",
            "claude-desktop",
            "--name",
            "bitscale-2",
            "--yes",
            "--base-url",
            &url,
        ],
        &good,
    );
    assert_eq!(
        taken.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&taken.stderr)
    );
    assert!(
        f.state(|s| s.seen.is_empty()),
        "the key went to the provider before the local checks"
    );
    // A provider left at its https default is never reached from a test (the dead proxy): not checked,
    // and said so, and added.
    let neon = "napi_0123456789abcdefghijklmnopqrstuvwxyz0123";
    let n = add(
        &home,
        &[
            "neon",
            "--id",
            "key_id=key-1",
            "--client",
            "claude-desktop",
            "--yes",
        ],
        neon,
    );
    let out = ok(&n);
    assert!(
        out.contains("Provider check: not checked: Neon could not check it"),
        "{out}"
    );
    no_key_anywhere(&home, &[&refused, &written, &accepted, &echoed, &n], wrong);
}
