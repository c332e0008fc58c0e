//! Fake providers: one HTTP server on 127.0.0.1 that speaks the documented contract of every provider
//! Rekey rotates (see `shared/reference/providers.md`), keeps state (an old key stops working once
//! rotated; Cloudflare honours the grace period), serves each provider's verify endpoint, and has fault
//! knobs for the rotate calls. Used by the tests and by the app's demo mode.
//!
//! Paths (all on one server, so each provider's base URL is the server's URL, Activepieces' with `/api`):
//! - BitScale: `POST /api/v1/api-key/rotate` (and the older `/api/v1/rotate-api-key`), `GET /api/v1/workspace`
//! - A2A Market: `POST /acap/v1/agents/{id}/rotate-key`, `GET /acap/v1/compute/balance`
//! - Cloudflare Access: `POST /client/v4/accounts/{acc}/access/service_tokens/{id}/rotate`, and an
//!   application behind Access at `GET /cf-app/` that checks `CF-Access-Client-Id`/`-Secret`
//! - Fruxon: `POST /v1/tenants/{t}/integrations/{i}/mcp:rotateKey`, `POST …/mcp:test` (X-API-KEY)
//! - Activepieces: `POST /api/v1/mcp-servers/{id}/rotate`, `GET /api/v1/mcp/{token}/sse`; project level:
//!   `POST /api/v1/projects/{p}/mcp-server/rotate`, `POST /api/v1/projects/{p}/mcp-server/http`
//! - GitLab: `POST /api/v4/personal_access_tokens/self/rotate` (reuse detection), `GET …/self`
//! - Cloudflare API tokens: `PUT /client/v4/{user|accounts/{a}}/tokens/{id}/value`, `GET …/tokens/verify`
//! - Paddle: `POST /api-keys/{id}/rotations` (grace from the new key's first use), `GET /api-keys/{id}`
//! - LaunchDarkly: `POST /api/v2/tokens/{id}/reset?expiry=`, `GET /api/v2/caller-identity`
//! - Rootly: `POST /v1/api_keys/{id}/rotate` (grace), its remote MCP server at `POST /rootly-mcp/mcp`
//! - Vercel (under `/vercel`): `POST /v3/user/tokens`, `DELETE /v3/user/tokens/{id|current}`,
//!   `GET /v5/user/tokens/{id|current}`, `GET /v2/user`

//!
//! Layout: this file holds the public surface (fault knobs, state, the server handle); `http.rs` the
//! shared request loop, reply shapes, how faults wrap rotate and revoke calls, and shared helpers;
//! `vendors/` one module per vendor with its routes and state helpers, and the dispatcher's list.

mod http;
pub mod vendors;

pub use vendors::cloudflare_api::{CfApiToken, CloudflareApi};
pub use vendors::gitlab::{GitLab, GitLabToken};
pub use vendors::launchdarkly::LaunchDarkly;
pub use vendors::paddle::Paddle;
pub use vendors::rootly::Rootly;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// What goes wrong with the next rotate calls (until changed).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Fault {
    #[default]
    None,
    /// Answer with this status and the provider's error shape; nothing rotates.
    Status(u16),
    /// 429 with `Retry-After: secs`; nothing rotates.
    RateLimited(u32),
    /// Wait this long before answering (the rotation happens after the wait).
    Delay(Duration),
    /// Wait `before`, rotate, wait `after`, then answer: a client that dies during either wait leaves
    /// the provider unrotated or rotated with the answer lost (the crash campaign's two windows).
    DelayAround { before: Duration, after: Duration },
    /// Rotate, then answer 200 with a body that is not JSON.
    Malformed,
    /// Rotate, then answer 200 without the field that holds the new secret.
    MissingField,
    /// Rotate, then close the connection without answering (the ambiguous case).
    DropAfterCommit,
    /// Answer with this status and this message in the provider's error shape (a provider that echoes
    /// what it was sent, keys included, into its error texts); nothing rotates.
    StatusWithMessage(u16, String),
    /// Answer `307 Temporary Redirect` with this `Location` (Starlette's `/mcp -> /mcp/?apiKey=…`);
    /// nothing rotates.
    Redirect(String),
    /// Revoke calls (a create-then-revoke vendor's DELETE of the old key) answer this status in the
    /// vendor's error shape and revoke nothing; rotate/create calls are unaffected.
    RevokeFails(u16),
}

/// Which provider a fault applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Provider {
    BitScale,
    A2aMarket,
    CloudflareAccess,
    Fruxon,
    Activepieces,
    Neon,
    DatadogApiKey,
    DatadogAppKey,
    OpenAiAdminKey,
    OpenAiServiceAccountKey,
    GitLab,
    /// Cloudflare API tokens (user and account-owned), not Access service tokens.
    CloudflareApi,
    Paddle,
    LaunchDarkly,
    /// Activepieces' project-level MCP server (`/v1/projects/{id}/mcp-server`).
    ActivepiecesProject,
    Rootly,
    /// Vercel access tokens (create-then-revoke, under `/vercel`).
    Vercel,
}

impl Provider {
    pub const ALL: [Provider; 17] = [
        Provider::BitScale,
        Provider::A2aMarket,
        Provider::CloudflareAccess,
        Provider::Fruxon,
        Provider::Activepieces,
        Provider::Neon,
        Provider::DatadogApiKey,
        Provider::DatadogAppKey,
        Provider::OpenAiAdminKey,
        Provider::OpenAiServiceAccountKey,
        Provider::GitLab,
        Provider::CloudflareApi,
        Provider::Paddle,
        Provider::LaunchDarkly,
        Provider::ActivepiecesProject,
        Provider::Rootly,
        Provider::Vercel,
    ];

    /// The engine's id of the provider this fake plays.
    pub fn id(self) -> &'static str {
        match self {
            Provider::BitScale => "bitscale",
            Provider::A2aMarket => "a2a-market",
            Provider::CloudflareAccess => "cloudflare-access",
            Provider::Fruxon => "fruxon",
            Provider::Activepieces => "activepieces",
            Provider::Neon => "neon",
            Provider::DatadogApiKey => "datadog-api-key",
            Provider::DatadogAppKey => "datadog-app-key",
            Provider::OpenAiAdminKey => "openai-admin-key",
            Provider::OpenAiServiceAccountKey => "openai-service-account",
            Provider::GitLab => "gitlab",
            Provider::CloudflareApi => "cloudflare-api-token",
            Provider::Paddle => "paddle",
            Provider::LaunchDarkly => "launchdarkly",
            Provider::ActivepiecesProject => "activepieces-project",
            Provider::Rootly => "rootly",
            Provider::Vercel => "vercel",
        }
    }

    /// The fake of the engine's provider `id`, if there is one.
    pub fn from_id(id: &str) -> Option<Provider> {
        Provider::ALL.into_iter().find(|p| p.id() == id)
    }
}

/// The Activepieces project the fake's MCP server belongs to.
pub const AP_PROJECT_ID: &str = "prj00000000000000000001";

/// One request the fakes saw. Header *names* only: values may be secrets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub header_names: Vec<String>,
}

/// The instant a key stopped being accepted, in the fake's own clock. A wall clock (`SystemTime`, i.e.
/// CLOCK_REALTIME), so another process on the machine (the benchmark's file watcher) can compare it with
/// its own instants. Recorded where the vendor module invalidates the key: a rotation in place or a
/// revoke (the instant of the call), a rotation with grace (the grace period's end, maybe in the future),
/// a replaced key still in grace (the instant it was replaced). The keys are the fake's throwaway keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Death {
    pub provider: Provider,
    pub key: String,
    pub at: SystemTime,
}

#[derive(Debug, Clone)]
pub struct CloudflareToken {
    pub account_id: String,
    pub token_id: String,
    pub client_id: String,
    pub client_secret: String,
    /// The previous secret and until when (unix seconds) it is still accepted.
    pub previous: Option<(String, u64)>,
}

/// The providers' state. Tests read and set it through [`FakeProviders::state`].
#[derive(Debug, Clone)]
pub struct State {
    pub bitscale_key: String,
    /// New BitScale keys hold characters every encoding changes (see [`mint_escaping`]).
    pub bitscale_escaping_keys: bool,
    /// Only the older `/api/v1/rotate-api-key` path exists (the newer one answers 404).
    pub bitscale_legacy_only: bool,
    pub a2a_agent_id: String,
    pub a2a_key: String,
    /// Where the A2A rotate response puts the key: "payload.data.api_key" (default), "data.api_key", "api_key", "apiKey", "key".
    pub a2a_shape: String,
    pub cf_api_token: String,
    pub cf_email: String,
    pub cf_global_key: String,
    pub cf: CloudflareToken,
    pub fruxon_tenant: String,
    pub fruxon_integration: String,
    pub fruxon_jwt: String,
    pub fruxon_key: String,
    pub ap_server_id: String,
    pub ap_platform_key: String,
    pub ap_token: String,
    /// The project-level MCP server's token (72 characters).
    pub ap_project_token: String,
    pub gitlab: GitLab,
    pub cf_api: CloudflareApi,
    pub paddle: Paddle,
    pub launchdarkly: LaunchDarkly,
    pub rootly: Rootly,
    pub faults: Vec<(Provider, Fault)>,
    pub seen: Vec<Seen>,
    /// How many rotations each provider performed.
    pub rotations: Vec<Provider>,
    /// Every rotate call received, refused or not, in arrival order (single-flight tests count these).
    pub rotate_calls: Vec<Provider>,
    /// Every revoke call received (create-then-revoke vendors), refused or not, in arrival order.
    pub revoke_calls: Vec<Provider>,
    /// Requests being handled now: a client killed mid-call leaves its request running here, and the
    /// provider's final key is only known once this is back to 0 (see [`FakeProviders::wait_idle`]).
    pub in_flight: usize,
    /// The `X-Idempotency-Key` of every A2A Market call, in order (not a secret).
    pub a2a_idempotency_keys: Vec<String>,
    pub neon: vendors::neon::NeonState,
    pub datadog: vendors::datadog::DatadogState,
    pub openai: vendors::openai::OpenAiState,
    pub vercel: vendors::vercel::VercelState,
    /// When each key stopped being accepted (see [`Death`]); served at `GET /_fake/deaths`.
    pub deaths: Vec<Death>,
}

impl State {
    /// Record that `key` stops being accepted at `at`. A key already recorded keeps the earlier instant
    /// (a key in grace that is replaced again dies at the replacement, not at its grace's end).
    pub(crate) fn died(&mut self, provider: Provider, key: &str, at: SystemTime) {
        match self.deaths.iter_mut().find(|d| d.key == key) {
            Some(d) => d.at = d.at.min(at),
            None => self.deaths.push(Death {
                provider,
                key: key.to_string(),
                at,
            }),
        }
    }

    /// Record that `key` stops being accepted now.
    pub(crate) fn died_now(&mut self, provider: Provider, key: &str) {
        self.died(provider, key, SystemTime::now());
    }

    pub(crate) fn fault(&self, p: Provider) -> Fault {
        self.faults
            .iter()
            .rev()
            .find(|(q, _)| *q == p)
            .map(|(_, f)| f.clone())
            .unwrap_or_default()
    }
}

/// Record a rotate call and return the fault that applies to it.
fn rotate_call(state: &Mutex<State>, p: Provider) -> Fault {
    let mut s = state.lock().unwrap();
    s.rotate_calls.push(p);
    s.fault(p)
}

static COUNTER: AtomicU64 = AtomicU64::new(1);

/// A fresh, unique, realistic-looking secret.
pub fn mint(prefix: &str, len: usize) -> String {
    const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    let mut x = nanos
        ^ COUNTER
            .fetch_add(1, Ordering::Relaxed)
            .wrapping_mul(0x9e37_79b9_7f4a_7c15);
    let mut s = String::from(prefix);
    for _ in 0..len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        s.push(ALPHABET[(x % ALPHABET.len() as u64) as usize] as char);
    }
    // A random key that happens to read like a placeholder ("…todo…", "…xxxx…") is not reported as a
    // key by the scan, which would make a test fail by chance: mint another.
    let lower = s.to_ascii_lowercase();
    if [
        "todo",
        "xxxx",
        "example",
        "changeme",
        "yourkey",
        "placeholder",
    ]
    .iter()
    .any(|m| lower[prefix.len()..].contains(m))
    {
        return mint(prefix, len);
    }
    s
}

/// A fresh secret of `len` random characters after `prefix`, long enough to be split over lines, with the
/// printable ASCII characters that JSON, TOML, YAML, percent- and base64-encoding each change
/// (`+ / = % " \ & ?`) spread through it: a leak test built on such keys checks forms that differ from the
/// raw key. (Header-borne keys cannot hold non-ASCII characters, so `é` is left to the tests that need
/// no HTTP call.)
pub fn mint_escaping(prefix: &str, len: usize) -> String {
    const SPECIAL: [&str; 8] = ["+", "/", "=", "%", "\"", "\\", "&", "?"];
    let base = mint("", len);
    let mut s = String::from(prefix);
    for (i, c) in base.chars().enumerate() {
        s.push(c);
        if i % 9 == 4 {
            s.push_str(SPECIAL[(i / 9) % SPECIAL.len()]);
        }
    }
    s
}

impl Default for State {
    fn default() -> Self {
        State {
            bitscale_key: mint("sk-live-", 24),
            bitscale_escaping_keys: false,
            bitscale_legacy_only: false,
            a2a_agent_id: "agt_demo_0001".into(),
            a2a_key: mint("ak_live_", 24),
            a2a_shape: "payload.data.api_key".into(),
            cf_api_token: mint("cfat_", 40),
            cf_email: "admin@example.com".into(),
            cf_global_key: mint("", 37),
            cf: CloudflareToken {
                account_id: "0123456789abcdef0123456789abcdef".into(),
                token_id: "6f2b1c9e-1d2a-4f3b-9c8d-0a1b2c3d4e5f".into(),
                client_id: "88bf3b6d86161464f6509f7219099e57.access.example.com".into(),
                client_secret: mint("", 64),
                previous: None,
            },
            fruxon_tenant: "acme".into(),
            fruxon_integration: "int_0001".into(),
            fruxon_jwt: mint("eyJ", 60),
            fruxon_key: mint("frx_", 32),
            ap_server_id: "mcpSrv0000000000000001".into(),
            ap_platform_key: mint("sk-", 40),
            ap_token: mint("", 21),
            ap_project_token: mint("", 72),
            gitlab: GitLab::default(),
            cf_api: CloudflareApi::default(),
            paddle: Paddle::default(),
            launchdarkly: LaunchDarkly::default(),
            rootly: Rootly::default(),
            faults: Vec::new(),
            seen: Vec::new(),
            rotations: Vec::new(),
            rotate_calls: Vec::new(),
            revoke_calls: Vec::new(),
            in_flight: 0,
            a2a_idempotency_keys: Vec::new(),
            neon: Default::default(),
            datadog: Default::default(),
            openai: Default::default(),
            vercel: Default::default(),
            deaths: Vec::new(),
        }
    }
}

/// The running fake server. Dropping it stops the server.
pub struct FakeProviders {
    server: Arc<tiny_http::Server>,
    state: Arc<Mutex<State>>,
    thread: Option<std::thread::JoinHandle<()>>,
    pub url: String,
}

impl FakeProviders {
    pub fn start() -> std::io::Result<Self> {
        Self::start_with(State::default())
    }

    pub fn start_with(state: State) -> std::io::Result<Self> {
        let server =
            Arc::new(tiny_http::Server::http("127.0.0.1:0").map_err(std::io::Error::other)?);
        let port = server.server_addr().to_ip().map(|a| a.port()).unwrap_or(0);
        let state = Arc::new(Mutex::new(state));
        let (s, st) = (server.clone(), state.clone());
        let thread = std::thread::spawn(move || {
            for req in s.incoming_requests() {
                let st = st.clone();
                // One thread per request, so a delayed answer does not hold up the others.
                std::thread::spawn(move || http::handle(req, &st));
            }
        });
        Ok(FakeProviders {
            server,
            state,
            thread: Some(thread),
            url: format!("http://127.0.0.1:{port}"),
        })
    }

    /// Read or change the state.
    pub fn state<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        f(&mut self.state.lock().unwrap())
    }

    pub fn set_fault(&self, p: Provider, fault: Fault) {
        self.state(|s| s.faults.push((p, fault)));
    }

    /// The base URL to configure for a provider.
    pub fn base_url(&self, p: Provider) -> String {
        match p {
            Provider::Activepieces | Provider::ActivepiecesProject => format!("{}/api", self.url),
            Provider::Neon => format!("{}/neon", self.url),
            Provider::DatadogApiKey | Provider::DatadogAppKey => format!("{}/datadog", self.url),
            Provider::OpenAiAdminKey | Provider::OpenAiServiceAccountKey => {
                format!("{}/openai", self.url)
            }
            Provider::Vercel => format!("{}/vercel", self.url),
            _ => self.url.clone(),
        }
    }

    /// The key the provider accepts now (the one a client config should hold).
    pub fn current_key(&self, p: Provider) -> String {
        self.state(|s| match p {
            Provider::BitScale => s.bitscale_key.clone(),
            Provider::A2aMarket => s.a2a_key.clone(),
            Provider::CloudflareAccess => s.cf.client_secret.clone(),
            Provider::Fruxon => s.fruxon_key.clone(),
            Provider::Activepieces => s.ap_token.clone(),
            // Create-then-revoke vendors: the newest live key of the rotated kind.
            Provider::Neon => s.neon.keys.newest(),
            Provider::DatadogApiKey => s.datadog.api.newest(),
            Provider::DatadogAppKey => s.datadog.app.newest(),
            Provider::OpenAiAdminKey => s.openai.admin.newest(),
            Provider::OpenAiServiceAccountKey => s.openai.sa.newest(),
            Provider::GitLab => s
                .gitlab
                .active()
                .map(|t| t.token.clone())
                .unwrap_or_default(),
            Provider::CloudflareApi => s.cf_api.user.value.clone(),
            Provider::Paddle => s.paddle.key.clone(),
            Provider::LaunchDarkly => s.launchdarkly.token.clone(),
            Provider::ActivepiecesProject => s.ap_project_token.clone(),
            Provider::Rootly => s.rootly.token.clone(),
            Provider::Vercel => s.vercel.keys.newest(),
        })
    }

    /// When each key of this provider stopped (or will stop) being accepted (see [`Death`]).
    pub fn deaths(&self, p: Provider) -> Vec<Death> {
        self.state(|s| {
            s.deaths
                .iter()
                .filter(|d| d.provider == p)
                .cloned()
                .collect()
        })
    }

    pub fn rotations(&self, p: Provider) -> usize {
        self.state(|s| s.rotations.iter().filter(|q| **q == p).count())
    }

    /// How many rotate calls reached the provider (including refused ones).
    pub fn rotate_calls(&self, p: Provider) -> usize {
        self.state(|s| s.rotate_calls.iter().filter(|q| **q == p).count())
    }

    /// Wait until no request is being handled (a killed client's call still runs to its end here).
    /// False if `timeout` passed first.
    pub fn wait_idle(&self, timeout: Duration) -> bool {
        let deadline = std::time::Instant::now() + timeout;
        while self.state(|s| s.in_flight) > 0 {
            if std::time::Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        true
    }
}

impl Drop for FakeProviders {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
