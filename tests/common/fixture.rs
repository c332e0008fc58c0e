//! A rotation set-up shared by the rotation tests: fakes, configs in Claude Desktop and Cursor, links.
use super::*;
use rekey_fakes::{vendors::keystore::Keys, FakeProviders, Provider as P};
use serde_json::Value;
use std::process::Output;

pub fn run(home: &TempHome, args: &[&str], stdin: &str, envs: &[(&str, &str)]) -> Output {
    let mut cmd = rekey();
    home.apply(&mut cmd);
    cmd.env("REKEY_HTTP_TIMEOUT_MS", "3000");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    spawn_with_stdin(cmd.args(args), stdin)
        .wait_with_output()
        .unwrap()
}

pub fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Configs using the provider's key in its real shape, in Claude Desktop and Cursor.
pub fn configs(f: &FakeProviders, p: P, home: &TempHome) -> (String, Option<String>) {
    let (key, admin) = f.state(|s| match p {
        P::BitScale => (s.bitscale_key.clone(), None),
        P::A2aMarket => (s.a2a_key.clone(), None),
        P::CloudflareAccess => (s.cf.client_secret.clone(), Some(s.cf_api_token.clone())),
        P::Fruxon => (s.fruxon_key.clone(), Some(s.fruxon_jwt.clone())),
        P::Activepieces => (s.ap_token.clone(), Some(s.ap_platform_key.clone())),
        P::Neon => (s.neon.key.clone(), None),
        P::DatadogApiKey => (s.datadog.api_key.clone(), Some(datadog_admin(s))),
        P::DatadogAppKey => (s.datadog.app_key.clone(), Some(datadog_admin(s))),
        P::OpenAiAdminKey => (s.openai.admin_key.clone(), None),
        P::OpenAiServiceAccountKey => (
            s.openai.sa_key.clone(),
            Some(s.openai.admin_credential.clone()),
        ),
        P::GitLab => (s.gitlab.active().unwrap().token.clone(), None),
        P::CloudflareApi => (s.cf_api.user.value.clone(), Some(s.cf_api.admin.clone())),
        P::Paddle => (s.paddle.key.clone(), None),
        P::LaunchDarkly => (s.launchdarkly.token.clone(), None),
        P::ActivepiecesProject => (s.ap_project_token.clone(), Some(s.ap_platform_key.clone())),
        P::Rootly => (s.rootly.token.clone(), None),
        P::Vercel => (s.vercel.key.clone(), Some(s.vercel.admin_token.clone())),
    });
    let url = f.url.clone();
    let (claude, cursor) = match p {
        P::BitScale => (
            format!(r#"{{"mcpServers": {{"bitscale": {{"command": "uvx", "args": ["bitscale-mcp"], "env": {{"BITSCALE_API_KEY": "{key}"}}}}}}}}"#),
            format!("{{\n  // BitScale\n  \"mcpServers\": {{\"bitscale\": {{\"command\": \"uvx\", \"args\": [\"bitscale-mcp\"], \"env\": {{\"BITSCALE_API_KEY\": \"{key}\"}}}}}}\n}}\n"),
        ),
        P::A2aMarket => (
            format!(r#"{{"mcpServers": {{"a2amarket": {{"command": "npx", "args": ["-y", "@hz-abyssal-heart/a2amarket-mcp-server"], "env": {{"A2AMARKET_API_KEY": "{key}", "A2AMARKET_BASE_URL": "{url}"}}}}}}}}"#),
            format!(r#"{{"mcpServers": {{"a2amarket": {{"command": "npx", "env": {{"A2AMARKET_API_KEY": "{key}"}}}}}}}}"#),
        ),
        P::CloudflareAccess => (
            format!(r#"{{"mcpServers": {{"internal": {{"command": "npx", "args": ["mcp-remote", "https://mcp.internal.example.com/mcp", "--header", "CF-Access-Client-Id:${{CF_ID}}", "--header", "CF-Access-Client-Secret:${{CF_SECRET}}"], "env": {{"CF_ID": "x.access", "CF_SECRET": "{key}"}}}}}}}}"#),
            format!(r#"{{"mcpServers": {{"internal": {{"url": "{url}/cf-app/mcp", "headers": {{"CF-Access-Client-Id": "{cid}", "CF-Access-Client-Secret": "{key}"}}}}}}}}"#, cid = f.state(|s| s.cf.client_id.clone())),
        ),
        P::Fruxon => (
            format!(r#"{{"mcpServers": {{"fruxon": {{"command": "npx", "args": ["mcp-remote", "https://api.fruxon.com/v1/tenants/acme/integrations/int_0001/mcp:call", "--header", "X-API-KEY:{key}"]}}}}}}"#),
            format!(r#"{{"mcpServers": {{"fruxon": {{"url": "{url}/v1/tenants/acme/integrations/int_0001/mcp:call", "headers": {{"X-API-KEY": "{key}"}}}}}}}}"#),
        ),
        P::Activepieces => (
            format!(r#"{{"mcpServers": {{"activepieces": {{"command": "npx", "args": ["-y", "mcp-remote", "https://cloud.activepieces.com/api/v1/mcp/{key}/sse"]}}}}}}"#),
            format!(r#"{{"mcpServers": {{"activepieces": {{"url": "https://cloud.activepieces.com/api/v1/mcp/{key}/sse"}}}}}}"#),
        ),
        // @zereight/mcp-gitlab: env, with the instance in GITLAB_API_URL (the link reads the base URL from
        // it); and the `--token=` / `--api-url=` argument form.
        P::GitLab => (
            format!(r#"{{"mcpServers": {{"gitlab": {{"command": "npx", "args": ["-y", "@zereight/mcp-gitlab"], "env": {{"GITLAB_PERSONAL_ACCESS_TOKEN": "{key}", "GITLAB_API_URL": "{url}/api/v4"}}}}}}}}"#),
            format!(r#"{{"mcpServers": {{"gitlab": {{"command": "npx", "args": ["-y", "@zereight/mcp-gitlab", "--token={key}", "--api-url={url}/api/v4"]}}}}}}"#),
        ),
        // Cloudflare's remote MCP server through mcp-remote with a Bearer header; a community server's env.
        P::CloudflareApi => (
            format!(r#"{{"mcpServers": {{"cloudflare": {{"command": "npx", "args": ["mcp-remote", "https://mcp.cloudflare.com/mcp", "--header", "Authorization:Bearer {key}"]}}}}}}"#),
            format!(r#"{{"mcpServers": {{"cloudflare": {{"command": "npx", "args": ["-y", "cloudflare-mcp-server"], "env": {{"CLOUDFLARE_API_TOKEN": "{key}"}}}}}}}}"#),
        ),
        // @paddle/paddle-mcp: `--api-key=` in one argument; env PADDLE_API_KEY.
        P::Paddle => (
            format!(r#"{{"mcpServers": {{"paddle": {{"command": "npx", "args": ["-y", "@paddle/paddle-mcp", "--api-key={key}", "--environment=production"]}}}}}}"#),
            format!(r#"{{"mcpServers": {{"paddle": {{"command": "npx", "args": ["-y", "@paddle/paddle-mcp"], "env": {{"PADDLE_API_KEY": "{key}", "PADDLE_ENVIRONMENT": "production"}}}}}}}}"#),
        ),
        // @launchdarkly/mcp-server: the key as its own argument after --api-key.
        P::LaunchDarkly => (
            format!(r#"{{"mcpServers": {{"LaunchDarkly": {{"command": "npx", "args": ["-y", "--package", "@launchdarkly/mcp-server", "--", "mcp", "start", "--api-key", "{key}"]}}}}}}"#),
            format!(r#"{{"mcpServers": {{"LaunchDarkly": {{"command": "npx", "args": ["-y", "--package", "@launchdarkly/mcp-server", "--", "mcp", "start", "--api-key", "{key}"]}}}}}}"#),
        ),
        // The project-level MCP server: Bearer through mcp-remote, and `?token=` in Cursor's URL (the link
        // reads the project id and base URL from these URLs).
        P::ActivepiecesProject => (
            format!(r#"{{"mcpServers": {{"Activepieces": {{"command": "npx", "args": ["-y", "mcp-remote", "{url}/api/v1/projects/{prj}/mcp-server/http", "--header", "Authorization:Bearer {key}"]}}}}}}"#, prj = rekey_fakes::AP_PROJECT_ID),
            format!(r#"{{"mcpServers": {{"Activepieces": {{"url": "{url}/api/v1/projects/{prj}/mcp-server/http?token={key}"}}}}}}"#, prj = rekey_fakes::AP_PROJECT_ID),
        ),
        // Rootly's remote MCP server with a Bearer header (the fake's stands in for mcp.rootly.com).
        P::Rootly => (
            format!(r#"{{"mcpServers": {{"rootly": {{"command": "npx", "args": ["-y", "mcp-remote", "https://mcp.rootly.com/mcp", "--header", "Authorization:Bearer {key}"]}}}}}}"#),
            format!(r#"{{"mcpServers": {{"rootly": {{"url": "{url}/rootly-mcp/mcp", "headers": {{"Authorization": "Bearer {key}"}}}}}}}}"#),
        ),
        // Vercel: its MCP config slot was not checked (the reference), so a generic server with the token in
        // env names containing VERCEL (the adapter's only detection): VERCEL_TOKEN and VERCEL_API_TOKEN.
        P::Vercel => (
            format!(r#"{{"mcpServers": {{"vercel": {{"command": "npx", "args": ["-y", "svc-mcp"], "env": {{"VERCEL_TOKEN": "{key}"}}}}}}}}"#),
            format!("{{\n  // Vercel\n  \"mcpServers\": {{\"vercel\": {{\"command\": \"npx\", \"env\": {{\"VERCEL_API_TOKEN\": \"{key}\"}}}}}}\n}}\n"),
        ),
        // Create-then-revoke vendors: the key in an env var, as their MCP servers read it.
        _ => {
            let var = match p {
                P::Neon => "NEON_API_KEY",
                P::DatadogApiKey => "DD_API_KEY",
                P::DatadogAppKey => "DD_APP_KEY",
                P::OpenAiAdminKey => "OPENAI_ADMIN_KEY",
                _ => "OPENAI_API_KEY",
            };
            (
                format!(r#"{{"mcpServers": {{"svc": {{"command": "npx", "args": ["-y", "svc-mcp"], "env": {{"{var}": "{key}"}}}}}}}}"#),
                format!("{{\n  // {var}\n  \"mcpServers\": {{\"svc\": {{\"command\": \"npx\", \"env\": {{\"{var}\": \"{key}\"}}}}}}\n}}\n"),
            )
        }
    };
    home.write("config/Claude/claude_desktop_config.json", &claude);
    home.write("home/.cursor/mcp.json", &cursor);
    (key, admin)
}

pub fn link_args(f: &FakeProviders, p: P) -> Vec<String> {
    // GitLab and Activepieces' project server: the link reads the base URL from the configs.
    let mut a: Vec<String> = match p {
        P::GitLab | P::ActivepiecesProject => vec![],
        _ => vec!["--base-url".into(), f.base_url(p)],
    };
    let kv = f.state(|s| match p {
        P::BitScale => vec![],
        P::A2aMarket => vec![("--agent-id", s.a2a_agent_id.clone())],
        P::CloudflareAccess => vec![
            ("--account-id", s.cf.account_id.clone()),
            ("--token-id", s.cf.token_id.clone()),
            ("--client-id", s.cf.client_id.clone()),
            ("--app-url", format!("{}/cf-app/", f.url)),
        ],
        P::Fruxon => vec![
            ("--tenant", s.fruxon_tenant.clone()),
            ("--integration", s.fruxon_integration.clone()),
        ],
        P::Activepieces => vec![("--server-id", s.ap_server_id.clone())],
        P::Neon => vec![("--key-id", s.neon.key_id.clone())],
        // Datadog finds the API key's id itself (`GET /api/v2/validate`) and the app key's by its last 4.
        P::DatadogApiKey | P::DatadogAppKey => vec![],
        P::OpenAiAdminKey => vec![("--key-id", s.openai.admin_key_id.clone())],
        P::OpenAiServiceAccountKey => vec![
            ("--key-id", s.openai.sa_key_id.clone()),
            ("--project-id", s.openai.project_id.clone()),
            ("--service-account-id", s.openai.service_account_id.clone()),
        ],
        P::GitLab | P::CloudflareApi | P::Paddle | P::LaunchDarkly | P::ActivepiecesProject => {
            vec![]
        }
        P::Rootly => vec![
            ("--token-id", s.rootly.key_id.clone()),
            ("--app-url", format!("{}/rootly-mcp/mcp", f.url)),
        ],
        // Vercel finds the old token's id itself (`GET /v5/user/tokens/current`).
        P::Vercel => vec![],
    });
    for (k, v) in kv {
        a.push(k.into());
        a.push(v);
    }
    a
}

/// Fakes, a temp home whose Claude Desktop and Cursor configs hold BitScale's key, linked to the fake:
/// (fakes, home, the key, its credential id).
pub fn linked_bitscale() -> (FakeProviders, TempHome, String, String) {
    let f = FakeProviders::start().unwrap();
    let home = TempHome::new();
    let (old, _) = configs(&f, P::BitScale, &home);
    let cred = credential_of(&home, &old[..4]);
    link(&f, &home, P::BitScale, &cred);
    (f, home, old, cred)
}

/// `rekey link <cred> --provider … <ids>`; returns its output.
pub fn link(f: &FakeProviders, home: &TempHome, p: P, cred: &str) -> String {
    let mut args = vec![
        "link".to_string(),
        cred.to_string(),
        "--provider".into(),
        provider_id(p).into(),
    ];
    args.extend(link_args(f, p));
    ok(&run(
        home,
        &args.iter().map(String::as_str).collect::<Vec<_>>(),
        "",
        &[],
    ))
}

pub fn provider_id(p: P) -> &'static str {
    p.id()
}

/// The Datadog admin credential as `rekey login` takes it: `API_KEY:APPLICATION_KEY`.
pub fn datadog_admin(s: &rekey_fakes::State) -> String {
    format!("{}:{}", s.datadog.admin_api_key, s.datadog.admin_app_key)
}

pub fn credential_of(home: &TempHome, key_masked_prefix: &str) -> String {
    let v: Value = serde_json::from_str(&ok(&run(home, &["scan", "--json"], "", &[]))).unwrap();
    let creds = v["credentials"].as_array().unwrap();
    let c = creds
        .iter()
        .find(|c| c["masked"].as_str().unwrap().starts_with(key_masked_prefix))
        .unwrap_or_else(|| panic!("no credential {key_masked_prefix}…: {creds:?}"));
    c["id"].as_str().unwrap().to_string()
}

pub fn secret_tool(account: &str) -> Option<String> {
    let o = std::process::Command::new("secret-tool")
        .args(["lookup", "service", "rekey", "username", account])
        .output()
        .unwrap();
    o.status
        .success()
        .then(|| String::from_utf8(o.stdout).unwrap())
}

/// Every file under the data dir except the backups themselves (which are copies of configs).
pub fn data_files(home: &TempHome) -> Vec<(std::path::PathBuf, String)> {
    fn walk(d: &std::path::Path, out: &mut Vec<(std::path::PathBuf, String)>) {
        for e in std::fs::read_dir(d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if !p.parent().unwrap().ends_with("backups") || p.ends_with("index.json") {
                out.push((
                    p.clone(),
                    String::from_utf8_lossy(&std::fs::read(&p).unwrap()).into_owned(),
                ));
            }
        }
    }
    let mut v = Vec::new();
    walk(&home.dir.path().join("data/rekey"), &mut v);
    v
}

/// The engine's view of a temp home, for tests that call the engine in-process beside the CLI.
pub fn context_of(home: &TempHome) -> rekey::context::Context {
    let mut env = rekey::clients::Env::linux_at(&home.home());
    env.config_dir = home.config();
    rekey::context::Context {
        env,
        data_dir: home.dir.path().join("data/rekey"),
        settings: Default::default(),
        scan_cache: Default::default(),
    }
}

/// The keys of the kind a create-then-revoke provider rotates, live and revoked.
pub fn keys(f: &FakeProviders, p: P) -> Keys {
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

pub fn set_keys(f: &FakeProviders, p: P, change: impl FnOnce(&mut Keys)) {
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

/// The live keys of the kind a create-then-revoke provider rotates, minus the fixture's admin/ops keys.
pub fn live_rotated(f: &FakeProviders, p: P) -> Vec<String> {
    keys(f, p)
        .keys
        .iter()
        .filter(|k| !k.revoked && k.name != "admin" && k.name != "ops")
        .map(|k| k.key.clone())
        .collect()
}

/// Fakes, a home whose configs hold the provider's key, the admin credential logged in, the key linked:
/// (fakes, home, old key, credential id, admin, outputs so far).
pub fn linked(
    p: P,
) -> (
    FakeProviders,
    TempHome,
    String,
    String,
    Option<String>,
    String,
) {
    let f = FakeProviders::start().unwrap();
    let home = TempHome::new();
    let (old, admin) = configs(&f, p, &home);
    let cred = credential_of(&home, &old[..4]);
    // Tests run in parallel against one keychain: each logs in under its own account name.
    let account = format!(
        "t{}",
        home.dir.path().file_name().unwrap().to_string_lossy()
    );
    let mut outputs = String::new();
    if let Some(a) = &admin {
        outputs += &ok(&run(
            &home,
            &["login", provider_id(p), "--account", &account],
            &format!("{a}\n"),
            &[],
        ));
    }
    let mut args: Vec<String> = [
        "link",
        &cred,
        "--provider",
        provider_id(p),
        "--account",
        &account,
    ]
    .map(String::from)
    .to_vec();
    args.extend(link_args(&f, p));
    outputs += &ok(&run(
        &home,
        &args.iter().map(String::as_str).collect::<Vec<_>>(),
        "",
        &[],
    ));
    (f, home, old, cred, admin, outputs)
}
