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
    });
    println!("(these are fake, throwaway keys)");
    // Machine-readable line for scripts.
    fakes.state(|s| println!("BITSCALE {} {}", fakes.url, s.bitscale_key));
    use std::io::Write;
    let _ = std::io::stdout().flush();
    loop {
        std::thread::park();
    }
}
