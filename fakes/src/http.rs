//! The fakes' shared HTTP core: the request loop that hands each request to the vendor modules
//! (`vendors/`), replies, the fault knobs applied around rotate and revoke calls, and small helpers
//! (clock, RFC 3339, a tiny MCP server) the vendors share.

use crate::*;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

/// One request as the vendor modules see it.
pub(crate) struct Req<'a> {
    pub(crate) method: &'a str,
    /// The path's segments (`/a/b` is `["a", "b"]`).
    pub(crate) segs: &'a [&'a str],
    /// The raw query string (without `?`), maybe empty.
    pub(crate) query: &'a str,
    pub(crate) req: &'a tiny_http::Request,
    pub(crate) body: &'a str,
    pub(crate) state: &'a Arc<Mutex<State>>,
}

impl Req<'_> {
    /// The raw (undecoded) value of a query parameter.
    pub(crate) fn query_param(&self, name: &str) -> Option<&str> {
        self.query.split('&').find_map(|kv| {
            kv.strip_prefix(name)
                .and_then(|rest| rest.strip_prefix('='))
        })
    }

    /// A request header's value.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        header(self.req, name)
    }
}

/// Ask each vendor in turn; the first that knows the route answers. `GET /_fake/deaths` is the fake's
/// own: when each key stopped being accepted ([`Death`]), for a benchmark in another process.
fn route(r: &Req) -> Outcome {
    if (r.method, r.segs) == ("GET", &["_fake", "deaths"][..]) {
        let s = r.state.lock().unwrap();
        let deaths: Vec<Value> = s
            .deaths
            .iter()
            .map(|d| {
                let us =
                    d.at.duration_since(UNIX_EPOCH)
                        .unwrap_or_default()
                        .as_micros() as u64;
                json!({ "provider": format!("{:?}", d.provider), "key": d.key, "died_at_us": us })
            })
            .collect();
        return Outcome::Answer(reply(200, json!({ "deaths": deaths })));
    }
    crate::vendors::VENDORS
        .iter()
        .find_map(|vendor| vendor(r))
        .unwrap_or_else(|| {
            Outcome::Answer(reply(
                404,
                json!({ "error": "no such route in the fake providers" }),
            ))
        })
}

pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) body: Value,
    pub(crate) headers: Vec<(&'static str, String)>,
    pub(crate) content_type: &'static str,
}

pub(crate) fn reply(status: u16, body: Value) -> Reply {
    Reply {
        status,
        body,
        headers: Vec::new(),
        content_type: "application/json",
    }
}

pub(crate) fn header<'a>(req: &'a tiny_http::Request, name: &str) -> Option<&'a str> {
    req.headers()
        .iter()
        .find(|h| h.field.as_str().as_str().eq_ignore_ascii_case(name))
        .map(|h| h.value.as_str())
}

pub(crate) enum Outcome {
    Answer(Reply),
    /// Answer after this wait (taken with the state unlocked).
    Delayed(Duration, Reply),
    /// Close the connection without answering.
    Drop,
}

/// Counts a request in [`State::in_flight`] until it is answered (or its handler panics).
pub(crate) struct InFlight<'a>(&'a Mutex<State>);

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

pub(crate) fn handle(mut req: tiny_http::Request, state: &Arc<Mutex<State>>) {
    let _in_flight = InFlight::enter(state);
    let method = req.method().as_str().to_string();
    let path = req.url().split('?').next().unwrap_or("").to_string();
    let query = req
        .url()
        .split_once('?')
        .map(|(_, q)| q.to_string())
        .unwrap_or_default();
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
    let outcome = route(&Req {
        method: &method,
        segs: &segs,
        query: &query,
        req: &req,
        body: &body,
        state,
    });
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
pub(crate) fn pre_fault(fault: &Fault, errors: &dyn Fn(u16, &str) -> Reply) -> Option<Outcome> {
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
        // Applies to revoke calls only (see [`revoke_fault`]).
        Fault::RevokeFails(_) => None,
        Fault::Redirect(location) => {
            let mut r = errors(307, "moved");
            r.headers.push(("Location", location.clone()));
            Some(Outcome::Answer(r))
        }
        _ => None,
    }
}

/// After the rotation committed: the faults that mangle or drop the answer.
pub(crate) fn post_fault(fault: &Fault, ok: Reply, missing: Value) -> Outcome {
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

/// Record a revoke call (create-then-revoke vendors' DELETE) and apply [`Fault::RevokeFails`]: Some(the
/// error answer in the vendor's shape) when the revoke must fail; the key then stays alive.
#[allow(dead_code)] // for the create-then-revoke vendors' DELETE routes (Neon, Datadog, OpenAI)
pub(crate) fn revoke_fault(
    state: &Mutex<State>,
    p: Provider,
    errors: &dyn Fn(u16, &str) -> Reply,
) -> Option<Outcome> {
    let fault = {
        let mut s = state.lock().unwrap();
        s.revoke_calls.push(p);
        s.fault(p)
    };
    match fault {
        Fault::RevokeFails(code) => Some(Outcome::Answer(errors(code, "injected revoke failure"))),
        _ => None,
    }
}

/// Seconds since the epoch, now.
pub(crate) fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Milliseconds since the epoch, now.
pub(crate) fn now_millis() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

/// A JSON-RPC answer of a tiny MCP server (Streamable HTTP): initialize, tools/list, notifications.
pub(crate) fn mcp_answer(body: &str, name: &str) -> Reply {
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
pub(crate) fn parse_rfc3339_utc(t: &str) -> Option<u64> {
    let t = t.strip_suffix('Z')?;
    let (date, time) = t.split_once('T')?;
    let days = days_from_civil(date)?;
    let time = time.split('.').next()?;
    let mut h = time.split(':').map(|x| x.parse::<i64>().ok());
    let (hh, mm, ss) = (h.next()??, h.next()??, h.next()??);
    u64::try_from(days * 86400 + hh * 3600 + mm * 60 + ss).ok()
}

/// Days since the epoch of a date `YYYY-MM-DD` (Howard Hinnant's algorithm).
pub(crate) fn days_from_civil(date: &str) -> Option<i64> {
    let mut d = date.split('-').map(|x| x.parse::<i64>().ok());
    let (y, m, day) = (d.next()??, d.next()??, d.next()??);
    if d.next().is_some() || !(1..=12).contains(&m) || !(1..=31).contains(&day) {
        return None;
    }
    let y2 = if m <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146097 + doe - 719468)
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
        assert_eq!(days_from_civil("1970-01-02"), Some(1));
        assert_eq!(days_from_civil("2026-13-01"), None);
    }
}
