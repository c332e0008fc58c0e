//! One module per vendor: its routes (rotate, verify, revoke, its MCP app) and its state helpers.
//!
//! The dispatcher is a plain list: each vendor's `route` says whether a request is its own (`Some`) or
//! not (`None`), and the first that answers wins. A new vendor is one `mod` line and one list entry.
//! The create-then-revoke vendors (Neon, Datadog, OpenAI, Vercel) keep their keys in [`keystore`].

use crate::http::{Outcome, Req};

pub(crate) mod a2a_market;
pub(crate) mod activepieces;
pub(crate) mod bitscale;
pub(crate) mod cloudflare_access;
pub(crate) mod cloudflare_api;
pub mod datadog;
pub(crate) mod fruxon;
pub(crate) mod gitlab;
pub mod keystore;
pub(crate) mod launchdarkly;
pub mod neon;
pub mod openai;
pub(crate) mod paddle;
pub(crate) mod rootly;
pub mod vercel;

/// Every vendor's route function, tried in order.
pub(crate) const VENDORS: &[fn(&Req) -> Option<Outcome>] = &[
    bitscale::route,
    a2a_market::route,
    cloudflare_access::route,
    fruxon::route,
    activepieces::route,
    gitlab::route,
    cloudflare_api::route,
    paddle::route,
    launchdarkly::route,
    rootly::route,
    create_revoke_route,
];

/// The create-then-revoke vendors' routes (`/neon`, `/datadog`, `/openai`, `/vercel`).
fn create_revoke_route(r: &Req) -> Option<Outcome> {
    let (method, segs, req, body, state) = (r.method, r.segs, r.req, r.body, r.state);
    neon::route(method, segs, req, body, state)
        .or_else(|| datadog::route(method, segs, req, body, state))
        .or_else(|| openai::route(method, segs, req, body, state))
        .or_else(|| vercel::route(method, segs, req, body, state))
}
