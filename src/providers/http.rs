//! HTTP for providers: rustls, timeouts, no redirects (a redirect could carry credentials elsewhere),
//! no retries, and errors classified by whether the request may have reached the provider.

use super::ProviderError;
use reqwest::blocking::{Client, RequestBuilder, Response};
use std::time::Duration;

/// Two clients, each built on first use: one for `https://` (verifies with the OS's roots, whose loading
/// costs a few milliseconds) and one for plain `http://`, which `check_base_url` only allows to loopback
/// addresses (self-hosted servers on this machine, the fake providers) and which needs no roots.
#[derive(Clone)]
pub struct Http {
    timeout: Duration,
    tls: std::sync::Arc<std::sync::OnceLock<Client>>,
    plain: std::sync::Arc<std::sync::OnceLock<Client>>,
}

impl std::fmt::Debug for Http {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Http")
    }
}

impl Http {
    /// The timeout from `REKEY_HTTP_TIMEOUT_MS` (tests shorten it), else 30 s.
    pub fn from_env() -> Self {
        let ms = std::env::var("REKEY_HTTP_TIMEOUT_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(30_000);
        Http::new(Duration::from_millis(ms))
    }

    pub fn new(timeout: Duration) -> Self {
        Http {
            timeout,
            tls: Default::default(),
            plain: Default::default(),
        }
    }

    fn client(&self, url: &str) -> &Client {
        let builder = || {
            Client::builder()
                .timeout(self.timeout)
                .connect_timeout(self.timeout.min(Duration::from_secs(10)))
                .redirect(reqwest::redirect::Policy::none())
                .user_agent(concat!("rekey/", env!("CARGO_PKG_VERSION")))
        };
        if url.starts_with("http://") {
            self.plain.get_or_init(|| {
                builder()
                    .tls_certs_only([])
                    .build()
                    .expect("a plain HTTP client")
            })
        } else {
            self.tls
                .get_or_init(|| builder().build().expect("an HTTP client with rustls"))
        }
    }

    /// Build the client `url` will use now, so the first request does not wait for it.
    pub fn warm(&self, url: &str) {
        self.client(url);
    }

    pub fn get(&self, url: &str) -> RequestBuilder {
        self.client(url).get(url)
    }

    pub fn post(&self, url: &str) -> RequestBuilder {
        self.client(url).post(url)
    }

    pub fn request(&self, method: reqwest::Method, url: &str) -> RequestBuilder {
        self.client(url).request(method, url)
    }

    /// Send, and classify transport failures. Reads the whole body.
    pub fn send(&self, req: RequestBuilder) -> Result<Answer, ProviderError> {
        let resp: Response = req.send().map_err(|e| transport_error(&e))?;
        let status = resp.status().as_u16();
        let retry_after = resp
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        let location = resp
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let session_id = resp
            .headers()
            .get("mcp-session-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let content_type = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        let body = resp.text().map_err(|e| {
            ProviderError::Ambiguous(format!("the answer was cut off: {}", describe(&e)))
        })?;
        if (300..400).contains(&status) {
            // Only scheme, host and path: servers keep the request's query in the target
            // (Starlette's `307 /mcp -> /mcp/?apiKey=…`), and this text reaches the journal and the UI.
            return Err(ProviderError::Redirected(
                location
                    .map(|l| sanitize(&crate::scrub::location(&l)))
                    .unwrap_or_else(|| status.to_string()),
            ));
        }
        Ok(Answer {
            status,
            body,
            retry_after,
            session_id,
            content_type,
        })
    }
}

/// A provider's answer.
pub struct Answer {
    pub status: u16,
    pub body: String,
    pub retry_after: Option<u64>,
    /// `Mcp-Session-Id`, for MCP's Streamable HTTP.
    pub session_id: Option<String>,
    pub content_type: String,
}

impl Answer {
    /// The JSON body of a 2xx answer; otherwise the error for its status, with `message` from the
    /// provider's error shape.
    pub fn json_ok(
        self,
        message: impl Fn(&serde_json::Value) -> Option<String>,
    ) -> Result<serde_json::Value, ProviderError> {
        let json: Option<serde_json::Value> = serde_json::from_str(&self.body).ok();
        if (200..300).contains(&self.status) {
            return json.ok_or(ProviderError::Malformed {
                status: self.status,
            });
        }
        let msg = json
            .as_ref()
            .and_then(&message)
            .map(|m| sanitize(&m))
            .unwrap_or_else(|| "no details".into());
        Err(match self.status {
            401 => ProviderError::Unauthorized(msg),
            403 => ProviderError::Forbidden(msg),
            404 => ProviderError::NotFound(msg),
            429 => ProviderError::RateLimited {
                retry_after: self.retry_after.or_else(|| {
                    json.as_ref()
                        .and_then(|j| j.pointer("/error/retry_after"))
                        .and_then(|v| v.as_u64())
                }),
            },
            // A gateway or proxy failed: it may have forwarded the call before failing, so a rotation
            // may have happened behind it.
            s @ (502..=504) => ProviderError::GatewayError {
                status: s,
                message: msg,
            },
            s @ 500..=599 => ProviderError::ServerError {
                status: s,
                message: msg,
            },
            s => ProviderError::UnexpectedStatus {
                status: s,
                message: msg,
            },
        })
    }
}

/// Provider messages go into our error texts: keep them short and single-line, and without URL queries
/// or userinfo (a provider may echo the request URL, key and all).
pub(crate) fn sanitize(m: &str) -> String {
    // Control characters become visible escapes (`\n`, `\t`, `\u001b`), not spaces: a key the provider
    // echoed split over lines stays findable by the scrubber, which decodes escapes and line breaks (a
    // space would hide the two halves from it).
    let mut one_line = String::with_capacity(m.len());
    for c in m.chars() {
        match c {
            '\n' => one_line.push_str("\\n"),
            '\r' => one_line.push_str("\\r"),
            '\t' => one_line.push_str("\\t"),
            c if c.is_control() => one_line.push_str(&format!("\\u{:04x}", c as u32)),
            c => one_line.push(c),
        }
    }
    // Scrub the whole text before shortening it, so a cut never leaves part of a query behind.
    crate::scrub::text(&one_line).chars().take(200).collect()
}

fn transport_error(e: &reqwest::Error) -> ProviderError {
    let text = describe(e);
    if e.is_connect() {
        ProviderError::ConnectionFailed(text)
    } else if e.is_builder() {
        ProviderError::InvalidBaseUrl(text)
    } else {
        // Timeouts and connections lost after the request was written: it may have been processed.
        ProviderError::Ambiguous(text)
    }
}

/// A description of a transport error without the URL (which may hold a secret).
fn describe(e: &reqwest::Error) -> String {
    let mut kind = if e.is_timeout() {
        "timed out".to_string()
    } else if e.is_connect() {
        "connection failed".to_string()
    } else {
        "connection lost".to_string()
    };
    let mut src = std::error::Error::source(e);
    while let Some(inner) = src {
        let t = inner.to_string();
        if !t.contains("://") {
            kind = format!("{kind}: {t}");
        }
        src = inner.source();
    }
    sanitize(&kind)
}

/// Only `https://`, or `http://` to a loopback address.
pub fn check_base_url(url: &str) -> Result<(), ProviderError> {
    let parsed =
        reqwest::Url::parse(url).map_err(|e| ProviderError::InvalidBaseUrl(format!("{e}")))?;
    match parsed.scheme() {
        "https" => Ok(()),
        "http" => {
            let loopback = match parsed.host() {
                Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
                Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
                Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
                None => false,
            };
            if loopback {
                Ok(())
            } else {
                Err(ProviderError::InvalidBaseUrl(
                    "plain http:// is only allowed to loopback addresses; use https://".into(),
                ))
            }
        }
        other => Err(ProviderError::InvalidBaseUrl(format!(
            "unsupported scheme '{other}'"
        ))),
    }
}
