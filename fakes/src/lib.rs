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
//! - Activepieces: `POST /api/v1/mcp-servers/{id}/rotate`, `GET /api/v1/mcp/{token}/sse`

use serde_json::{json, Value};
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
}

/// Which provider a fault applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Provider {
    BitScale,
    A2aMarket,
    CloudflareAccess,
    Fruxon,
    Activepieces,
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
    pub faults: Vec<(Provider, Fault)>,
    pub seen: Vec<Seen>,
    /// How many rotations each provider performed.
    pub rotations: Vec<Provider>,
    /// Every rotate call received, refused or not, in arrival order (single-flight tests count these).
    pub rotate_calls: Vec<Provider>,
    /// Requests being handled now: a client killed mid-call leaves its request running here, and the
    /// provider's final key is only known once this is back to 0 (see [`FakeProviders::wait_idle`]).
    pub in_flight: usize,
    /// The `X-Idempotency-Key` of every A2A Market call, in order (not a secret).
    pub a2a_idempotency_keys: Vec<String>,
}

impl State {
    fn fault(&self, p: Provider) -> Fault {
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

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

impl Default for State {
    fn default() -> Self {
        State {
            bitscale_key: mint("sk-live-", 24),
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
            faults: Vec::new(),
            seen: Vec::new(),
            rotations: Vec::new(),
            rotate_calls: Vec::new(),
            in_flight: 0,
            a2a_idempotency_keys: Vec::new(),
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
                std::thread::spawn(move || handle(req, &st));
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
            Provider::Activepieces => format!("{}/api", self.url),
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

struct Reply {
    status: u16,
    body: Value,
    headers: Vec<(&'static str, String)>,
    content_type: &'static str,
}

fn reply(status: u16, body: Value) -> Reply {
    Reply {
        status,
        body,
        headers: Vec::new(),
        content_type: "application/json",
    }
}

fn header<'a>(req: &'a tiny_http::Request, name: &str) -> Option<&'a str> {
    req.headers()
        .iter()
        .find(|h| h.field.as_str().as_str().eq_ignore_ascii_case(name))
        .map(|h| h.value.as_str())
}

enum Outcome {
    Answer(Reply),
    /// Answer after this wait (taken with the state unlocked).
    Delayed(Duration, Reply),
    /// Close the connection without answering.
    Drop,
}

/// Counts a request in [`State::in_flight`] until it is answered (or its handler panics).
struct InFlight<'a>(&'a Mutex<State>);

impl<'a> InFlight<'a> {
    fn enter(state: &'a Mutex<State>) -> Self {
        state.lock().unwrap().in_flight += 1;
        InFlight(state)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        if let Ok(mut s) = self.0.lock() {
            s.in_flight -= 1;
        }
    }
}

fn handle(mut req: tiny_http::Request, state: &Arc<Mutex<State>>) {
    let _in_flight = InFlight::enter(state);
    let method = req.method().as_str().to_string();
    let path = req.url().split('?').next().unwrap_or("").to_string();
    let mut body = String::new();
    let _ = std::io::Read::read_to_string(req.as_reader(), &mut body);
    state.lock().unwrap().seen.push(Seen {
        method: method.clone(),
        path: path.clone(),
        header_names: req
            .headers()
            .iter()
            .map(|h| h.field.as_str().as_str().to_ascii_lowercase())
            .collect(),
    });
    let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let outcome = route(&method, &segs, &req, &body, state);
    if let Outcome::Delayed(d, _) = &outcome {
        std::thread::sleep(*d);
    }
    match outcome {
        Outcome::Answer(r) | Outcome::Delayed(_, r) => {
            // Non-JSON bodies (HTML, SSE, plain text) are sent as the raw text of the string.
            let text = match (&r.body, r.content_type) {
                (Value::String(raw), ct) if ct != "application/json" => raw.clone(),
                (v, _) => v.to_string(),
            };
            let mut resp = tiny_http::Response::from_string(text).with_status_code(r.status);
            resp.add_header(tiny_http::Header::from_bytes("Content-Type", r.content_type).unwrap());
            for (k, v) in r.headers {
                resp.add_header(tiny_http::Header::from_bytes(k, v.as_bytes()).unwrap());
            }
            let _ = req.respond(resp);
        }
        Outcome::Drop => {
            // Take over the socket and close it: the client sees the connection end with no response.
            let writer = req.into_writer();
            drop(writer);
        }
    }
}

/// Apply the provider's fault to a rotate call. `errors` renders an error body in the provider's shape.
/// Returns Some(outcome) when the fault answers instead of the normal path.
fn pre_fault(fault: &Fault, errors: &dyn Fn(u16, &str) -> Reply) -> Option<Outcome> {
    match fault {
        Fault::Status(code) => Some(Outcome::Answer(errors(*code, "injected failure"))),
        Fault::StatusWithMessage(code, msg) => Some(Outcome::Answer(errors(*code, msg))),
        Fault::RateLimited(secs) => {
            let mut r = errors(429, "rate limited");
            r.headers.push(("Retry-After", secs.to_string()));
            Some(Outcome::Answer(r))
        }
        Fault::Delay(d) | Fault::DelayAround { before: d, .. } => {
            std::thread::sleep(*d);
            None
        }
        Fault::Redirect(location) => {
            let mut r = errors(307, "moved");
            r.headers.push(("Location", location.clone()));
            Some(Outcome::Answer(r))
        }
        _ => None,
    }
}

/// After the rotation committed: the faults that mangle or drop the answer.
fn post_fault(fault: &Fault, ok: Reply, missing: Value) -> Outcome {
    match fault {
        Fault::Malformed => Outcome::Answer(Reply {
            status: 200,
            body: json!("<html>this is not json"),
            headers: vec![],
            content_type: "text/html",
        }),
        Fault::MissingField => Outcome::Answer(reply(200, missing)),
        Fault::DropAfterCommit => Outcome::Drop,
        Fault::DelayAround { after, .. } => Outcome::Delayed(*after, ok),
        _ => Outcome::Answer(ok),
    }
}

fn route(
    method: &str,
    segs: &[&str],
    req: &tiny_http::Request,
    body: &str,
    state: &Arc<Mutex<State>>,
) -> Outcome {
    match (method, segs) {
        // ---- BitScale
        ("POST", ["api", "v1", "api-key", "rotate"])
        | ("POST", ["api", "v1", "rotate-api-key"]) => {
            let legacy = segs[2] == "rotate-api-key";
            let errors = |code: u16, msg: &str| reply(code, json!({ "detail": msg }));
            if !legacy && state.lock().unwrap().bitscale_legacy_only {
                return Outcome::Answer(errors(404, "Not Found"));
            }
            let fault = rotate_call(state, Provider::BitScale);
            if let Some(o) = pre_fault(&fault, &errors) {
                return o;
            }
            let mut s = state.lock().unwrap();
            if header(req, "X-API-KEY") != Some(s.bitscale_key.as_str()) {
                return Outcome::Answer(errors(401, "Invalid API key"));
            }
            s.bitscale_key = mint("sk-live-", 24);
            s.rotations.push(Provider::BitScale);
            let ok = reply(200, json!({ "api_key": s.bitscale_key }));
            post_fault(&fault, ok, json!({ "status": "ok" }))
        }
        ("GET", ["api", "v1", "workspace"]) => {
            let s = state.lock().unwrap();
            if header(req, "X-API-KEY") == Some(s.bitscale_key.as_str()) {
                Outcome::Answer(reply(
                    200,
                    json!({ "id": "ws_demo", "name": "Demo workspace" }),
                ))
            } else {
                Outcome::Answer(reply(401, json!({ "detail": "Invalid API key" })))
            }
        }
        // ---- A2A Market
        ("POST", ["acap", "v1", "agents", agent, "rotate-key"]) => {
            let errors = |code: u16, msg: &str| {
                let c = match code {
                    401 => "UNAUTHORIZED",
                    404 => "AGENT_NOT_FOUND",
                    429 => "RATE_LIMITED",
                    _ => "INTERNAL_ERROR",
                };
                reply(
                    code,
                    json!({ "error": { "code": c, "message": msg, "http_status": code, "retry_after": if code == 429 { json!(30) } else { Value::Null } } }),
                )
            };
            if let Some(k) = header(req, "X-Idempotency-Key") {
                state
                    .lock()
                    .unwrap()
                    .a2a_idempotency_keys
                    .push(k.to_string());
            }
            let fault = rotate_call(state, Provider::A2aMarket);
            if let Some(o) = pre_fault(&fault, &errors) {
                return o;
            }
            let mut s = state.lock().unwrap();
            if header(req, "X-Agent-Key") != Some(s.a2a_key.as_str()) {
                return Outcome::Answer(errors(401, "Invalid agent key"));
            }
            if *agent != s.a2a_agent_id {
                return Outcome::Answer(errors(404, "Agent not found"));
            }
            s.a2a_key = mint("ak_live_", 24);
            s.rotations.push(Provider::A2aMarket);
            let key = s.a2a_key.clone();
            let body = match s.a2a_shape.as_str() {
                "data.api_key" => json!({ "data": { "api_key": key } }),
                "api_key" => json!({ "api_key": key }),
                "apiKey" => json!({ "apiKey": key }),
                "key" => json!({ "key": key }),
                _ => {
                    json!({ "acap_version": "1.0", "message_id": mint("msg_", 12), "sub_protocol": "account", "payload": { "data": { "agent_id": s.a2a_agent_id, "api_key": key } } })
                }
            };
            post_fault(
                &fault,
                reply(200, body),
                json!({ "acap_version": "1.0", "payload": { "data": { "agent_id": s.a2a_agent_id } } }),
            )
        }
        ("GET", ["acap", "v1", "compute", "balance"]) => {
            let s = state.lock().unwrap();
            if header(req, "X-Agent-Key") == Some(s.a2a_key.as_str()) {
                Outcome::Answer(reply(
                    200,
                    json!({ "payload": { "data": { "balance": 42.5 } } }),
                ))
            } else {
                Outcome::Answer(reply(
                    401,
                    json!({ "error": { "code": "UNAUTHORIZED", "message": "Invalid agent key", "http_status": 401 } }),
                ))
            }
        }
        // ---- Cloudflare Access
        ("POST", ["client", "v4", "accounts", acc, "access", "service_tokens", id, "rotate"]) => {
            let errors = |code: u16, msg: &str| {
                let c = match code {
                    401 | 403 => 10000,
                    404 => 7003,
                    429 => 10429,
                    _ => 10001,
                };
                reply(
                    code,
                    json!({ "success": false, "errors": [{ "code": c, "message": msg }], "messages": [], "result": null }),
                )
            };
            let fault = rotate_call(state, Provider::CloudflareAccess);
            if let Some(o) = pre_fault(&fault, &errors) {
                return o;
            }
            let mut s = state.lock().unwrap();
            let bearer_ok =
                header(req, "Authorization") == Some(format!("Bearer {}", s.cf_api_token).as_str());
            let global_ok = header(req, "X-Auth-Email") == Some(s.cf_email.as_str())
                && header(req, "X-Auth-Key") == Some(s.cf_global_key.as_str());
            if !bearer_ok && !global_ok {
                return Outcome::Answer(errors(403, "Authentication error"));
            }
            if *acc != s.cf.account_id || *id != s.cf.token_id {
                return Outcome::Answer(errors(404, "service token not found"));
            }
            // previous_client_secret_expires_at: RFC 3339 in UTC (…Z); absent means "now".
            let expires = serde_json::from_str::<Value>(body)
                .ok()
                .and_then(|v| {
                    v.get("previous_client_secret_expires_at")
                        .and_then(|x| x.as_str())
                        .map(str::to_string)
                })
                .map(|t| parse_rfc3339_utc(&t));
            let until = match expires {
                Some(Some(t)) => t,
                Some(None) => {
                    return Outcome::Answer(errors(
                        400,
                        "previous_client_secret_expires_at is not a valid date-time",
                    ))
                }
                None => now_secs(),
            };
            let old = std::mem::replace(&mut s.cf.client_secret, mint("", 64));
            s.cf.previous = Some((old, until));
            s.rotations.push(Provider::CloudflareAccess);
            let result = json!({ "id": s.cf.token_id, "client_id": s.cf.client_id, "client_secret": s.cf.client_secret, "name": "rekey demo", "duration": "8760h" });
            let ok = reply(
                200,
                json!({ "success": true, "errors": [], "messages": [], "result": result }),
            );
            post_fault(
                &fault,
                ok,
                json!({ "success": true, "errors": [], "messages": [], "result": { "id": s.cf.token_id, "client_id": s.cf.client_id } }),
            )
        }
        ("POST", ["cf-app", ..]) => {
            // A remote MCP server behind Cloudflare Access.
            let s = state.lock().unwrap();
            let id_ok = header(req, "CF-Access-Client-Id") == Some(s.cf.client_id.as_str());
            let secret = header(req, "CF-Access-Client-Secret").unwrap_or("");
            let in_grace =
                s.cf.previous
                    .as_ref()
                    .is_some_and(|(p, until)| p == secret && now_secs() < *until);
            if id_ok && (secret == s.cf.client_secret || in_grace) {
                Outcome::Answer(mcp_answer(body, "access-protected-fake"))
            } else {
                Outcome::Answer(Reply {
                    status: 403,
                    body: json!("Forbidden"),
                    headers: vec![],
                    content_type: "text/plain",
                })
            }
        }
        ("GET", ["cf-app", ..]) => {
            let s = state.lock().unwrap();
            let id_ok = header(req, "CF-Access-Client-Id") == Some(s.cf.client_id.as_str());
            let secret = header(req, "CF-Access-Client-Secret").unwrap_or("");
            let current = secret == s.cf.client_secret;
            let in_grace =
                s.cf.previous
                    .as_ref()
                    .is_some_and(|(p, until)| p == secret && now_secs() < *until);
            if id_ok && (current || in_grace) {
                Outcome::Answer(reply(200, json!({ "ok": true })))
            } else {
                Outcome::Answer(Reply {
                    status: 403,
                    body: json!("Forbidden"),
                    headers: vec![],
                    content_type: "text/plain",
                })
            }
        }
        // ---- Fruxon
        ("POST", ["v1", "tenants", t, "integrations", action_path @ ..])
            if action_path.len() == 2 =>
        {
            let (integration, action) = match action_path[1].split_once(':') {
                Some(("mcp", a)) => (action_path[0], a),
                _ => {
                    return Outcome::Answer(reply(
                        404,
                        json!({ "title": "Not Found", "status": 404 }),
                    ))
                }
            };
            let problem = |code: u16, msg: &str| Reply {
                status: code,
                body: json!({ "type": "about:blank", "title": msg, "status": code, "detail": msg }),
                headers: vec![],
                content_type: "application/problem+json",
            };
            match action {
                "rotateKey" => {
                    let fault = rotate_call(state, Provider::Fruxon);
                    if let Some(o) = pre_fault(&fault, &problem) {
                        return o;
                    }
                    let mut s = state.lock().unwrap();
                    if header(req, "Authorization")
                        != Some(format!("Bearer {}", s.fruxon_jwt).as_str())
                    {
                        return Outcome::Answer(problem(401, "Unauthorized"));
                    }
                    if *t != s.fruxon_tenant || integration != s.fruxon_integration {
                        return Outcome::Answer(problem(404, "Integration not found"));
                    }
                    s.fruxon_key = mint("frx_", 32);
                    s.rotations.push(Provider::Fruxon);
                    let obj = |with_key: bool| {
                        let mut v = json!({
                            "integrationId": s.fruxon_integration, "enabled": true, "configId": "00000000-0000-0000-0000-000000000000",
                            "exposedToolIds": [], "description": "demo", "apiKeyId": "5d1c2b3a-0000-4000-8000-000000000001",
                            "callUrl": format!("/v1/tenants/{}/integrations/{}/mcp:call", s.fruxon_tenant, s.fruxon_integration),
                            "testUrl": format!("/v1/tenants/{}/integrations/{}/mcp:test", s.fruxon_tenant, s.fruxon_integration),
                            "createdAt": 1_700_000_000, "modifiedAt": now_secs(), "keyPrefix": &s.fruxon_key[..8],
                        });
                        if with_key {
                            v["apiKey"] = json!(s.fruxon_key);
                        }
                        v
                    };
                    post_fault(&fault, reply(200, obj(true)), obj(false))
                }
                "test" | "call" => {
                    let s = state.lock().unwrap();
                    if header(req, "X-API-KEY") != Some(s.fruxon_key.as_str()) {
                        return Outcome::Answer(problem(401, "Unauthorized"));
                    }
                    Outcome::Answer(mcp_answer(body, "fruxon-fake"))
                }
                _ => Outcome::Answer(problem(404, "Not Found")),
            }
        }
        // ---- Activepieces
        ("POST", ["api", "v1", "mcp-servers", id, "rotate"]) => {
            let errors = |code: u16, msg: &str| {
                let c = match code {
                    401 | 403 => "AUTHENTICATION",
                    404 => "ENTITY_NOT_FOUND",
                    _ => "INTERNAL",
                };
                reply(code, json!({ "code": c, "params": { "message": msg } }))
            };
            let fault = rotate_call(state, Provider::Activepieces);
            if let Some(o) = pre_fault(&fault, &errors) {
                return o;
            }
            let mut s = state.lock().unwrap();
            if header(req, "Authorization")
                != Some(format!("Bearer {}", s.ap_platform_key).as_str())
            {
                return Outcome::Answer(errors(401, "invalid api key"));
            }
            if *id != s.ap_server_id {
                return Outcome::Answer(errors(404, "mcp server not found"));
            }
            s.ap_token = mint("", 21);
            s.rotations.push(Provider::Activepieces);
            let obj = |with_token: bool| {
                let mut v = json!({ "id": s.ap_server_id, "created": "2026-01-01T00:00:00.000Z", "updated": "2026-11-21T00:00:00.000Z",
                    "name": "Demo MCP", "projectId": AP_PROJECT_ID, "externalId": "ext00000000000000000001", "tools": [] });
                if with_token {
                    v["token"] = json!(s.ap_token);
                }
                v
            };
            post_fault(&fault, reply(200, obj(true)), obj(false))
        }
        ("GET", ["api", "v1", "mcp-servers"]) => {
            // The wizard's list: a SeekPage of the project's MCP servers (platform key, projectId required).
            let s = state.lock().unwrap();
            if header(req, "Authorization")
                != Some(format!("Bearer {}", s.ap_platform_key).as_str())
            {
                return Outcome::Answer(reply(
                    401,
                    json!({ "code": "AUTHENTICATION", "params": { "message": "invalid api key" } }),
                ));
            }
            let query = req.url().split_once('?').map(|(_, q)| q).unwrap_or("");
            let project = query
                .split('&')
                .find_map(|kv| kv.strip_prefix("projectId="))
                .unwrap_or("");
            if project.is_empty() {
                return Outcome::Answer(reply(
                    400,
                    json!({ "code": "VALIDATION", "params": { "message": "projectId is required" } }),
                ));
            }
            let data = if project == AP_PROJECT_ID {
                vec![
                    json!({ "id": s.ap_server_id, "created": "2026-01-01T00:00:00.000Z", "updated": "2026-11-21T00:00:00.000Z",
                    "name": "Demo MCP", "projectId": AP_PROJECT_ID, "token": s.ap_token, "externalId": "ext00000000000000000001", "tools": [] }),
                ]
            } else {
                Vec::new()
            };
            Outcome::Answer(reply(
                200,
                json!({ "data": data, "next": null, "previous": null }),
            ))
        }
        ("GET", ["api", "v1", "mcp", token, "sse"]) => {
            let s = state.lock().unwrap();
            if *token == s.ap_token {
                Outcome::Answer(Reply {
                    status: 200,
                    body: json!("event: endpoint"),
                    headers: vec![],
                    content_type: "text/event-stream",
                })
            } else {
                Outcome::Answer(reply(
                    404,
                    json!({ "code": "ENTITY_NOT_FOUND", "params": { "message": "mcp not found" } }),
                ))
            }
        }
        _ => Outcome::Answer(reply(
            404,
            json!({ "error": "no such route in the fake providers" }),
        )),
    }
}

/// A JSON-RPC answer of a tiny MCP server (Streamable HTTP): initialize, tools/list, notifications.
fn mcp_answer(body: &str, name: &str) -> Reply {
    let rpc: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    let Some(id) = rpc.get("id").cloned() else {
        // A notification: accepted, no body.
        return Reply {
            status: 202,
            body: json!(""),
            headers: vec![],
            content_type: "text/plain",
        };
    };
    let result = match rpc.get("method").and_then(|m| m.as_str()) {
        Some("initialize") => {
            json!({ "protocolVersion": "2025-06-18", "capabilities": { "tools": {} }, "serverInfo": { "name": name, "version": "1" } })
        }
        Some("tools/list") => {
            json!({ "tools": [{ "name": "echo", "inputSchema": { "type": "object" } }] })
        }
        _ => json!({}),
    };
    let mut r = reply(200, json!({ "jsonrpc": "2.0", "id": id, "result": result }));
    r.headers.push(("Mcp-Session-Id", "fake-session-1".into()));
    r
}

/// Seconds since the epoch of an RFC 3339 UTC time like `2026-11-21T10:00:00Z` (fractions allowed).
fn parse_rfc3339_utc(t: &str) -> Option<u64> {
    let t = t.strip_suffix('Z')?;
    let (date, time) = t.split_once('T')?;
    let mut d = date.split('-').map(|x| x.parse::<i64>().ok());
    let (y, m, day) = (d.next()??, d.next()??, d.next()??);
    let time = time.split('.').next()?;
    let mut h = time.split(':').map(|x| x.parse::<i64>().ok());
    let (hh, mm, ss) = (h.next()??, h.next()??, h.next()??);
    // Days from civil (Howard Hinnant's algorithm).
    let y2 = if m <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146097 + doe - 719468;
    u64::try_from(days * 86400 + hh * 3600 + mm * 60 + ss).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339() {
        assert_eq!(parse_rfc3339_utc("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_rfc3339_utc("2026-11-21T10:00:00.5Z"),
            Some(1_795_255_200)
        );
        assert_eq!(parse_rfc3339_utc("2026-11-21T10:00:00+01:00"), None);
    }
}
