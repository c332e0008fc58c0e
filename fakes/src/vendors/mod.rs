//! One module per vendor (create-then-revoke vendors: Neon, Datadog, OpenAI), each hooked into the
//! route table by one line and keeping its state in one field of [`crate::State`].

pub mod datadog;
pub mod keystore;
pub mod neon;
pub mod openai;

/// The create-then-revoke vendors' routes (`/neon`, `/datadog`, `/openai`): the route table's one hook.
pub(crate) fn create_revoke_route(
    method: &str,
    segs: &[&str],
    req: &tiny_http::Request,
    body: &str,
    state: &std::sync::Arc<std::sync::Mutex<crate::State>>,
) -> Option<crate::http::Outcome> {
    neon::route(method, segs, req, body, state)
        .or_else(|| datadog::route(method, segs, req, body, state))
        .or_else(|| openai::route(method, segs, req, body, state))
}
