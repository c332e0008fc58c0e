//! Run the fake providers by hand: prints the base URL and the current keys, then serves until Ctrl-C.
fn main() {
    let fakes = rekey_fakes::FakeProviders::start().expect("start the fake providers");
    println!("fake providers listening on {}", fakes.url);
    fakes.state(|s| {
        println!("  bitscale      base {}  key {}", fakes.url, s.bitscale_key);
        println!(
            "  a2a-market    base {}  agent {}  key {}",
            fakes.url, s.a2a_agent_id, s.a2a_key
        );
        println!(
            "  cloudflare    base {}  account {}  token {}  api token {}",
            fakes.url, s.cf.account_id, s.cf.token_id, s.cf_api_token
        );
        println!(
            "  fruxon        base {}  tenant {}  integration {}  jwt {}  key {}",
            fakes.url, s.fruxon_tenant, s.fruxon_integration, s.fruxon_jwt, s.fruxon_key
        );
        println!(
            "  activepieces  base {}/api  server {}  platform key {}  token {}",
            fakes.url, s.ap_server_id, s.ap_platform_key, s.ap_token
        );
        println!(
            "  activepieces-project  base {}/api  project {}  token {}",
            fakes.url,
            rekey_fakes::AP_PROJECT_ID,
            s.ap_project_token
        );
        if let Some(t) = s.gitlab.active() {
            println!("  gitlab        base {}  token {}", fakes.url, t.token);
        }
        println!(
            "  cloudflare-api-token  base {}  admin {}  user token {}  account {} token {}",
            fakes.url,
            s.cf_api.admin,
            s.cf_api.user.value,
            s.cf_api.account_id,
            s.cf_api.account.value
        );
        println!("  paddle        base {}  key {}", fakes.url, s.paddle.key);
        println!(
            "  launchdarkly  base {}  token {}",
            fakes.url, s.launchdarkly.token
        );
        println!(
            "  rootly        base {}  key id {}  token {}  mcp {}/rootly-mcp/mcp",
            fakes.url, s.rootly.key_id, s.rootly.token, fakes.url
        );
        println!(
            "  vercel        base {}/vercel  admin {}  token id {}  token {}",
            fakes.url, s.vercel.admin_token, s.vercel.key_id, s.vercel.key
        );
    });
    println!("(these are fake, throwaway keys)");
    // Machine-readable lines for scripts (bench/rotate-session.sh): `VENDOR <base url> <ids…> <key>`.
    fakes.state(|s| {
        println!("BITSCALE {} {}", fakes.url, s.bitscale_key);
        println!("NEON {}/neon {} {}", fakes.url, s.neon.key_id, s.neon.key);
        println!(
            "ROOTLY {} {} {}",
            fakes.url, s.rootly.key_id, s.rootly.token
        );
        // When each key stopped being accepted (GET: JSON `deaths[]` of {provider, key, died_at_us}).
        println!("DEATHS {}/_fake/deaths", fakes.url);
    });
    use std::io::Write;
    let _ = std::io::stdout().flush();
    loop {
        std::thread::park();
    }
}
