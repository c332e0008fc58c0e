//! The fakes' shared HTTP core: replies in each vendor's shape, the fault knobs applied around a rotate
//! call, and the request loop that hands each request to the route table (`routes.rs`).

use crate::routes::route;
use crate::*;
use serde_json::Value;
use std::sync::{Arc, Mutex};

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
