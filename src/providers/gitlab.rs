//! GitLab personal access tokens (providers-more.md §1), rotate-in-place:
//! `POST {base}/api/v4/personal_access_tokens/self/rotate` authenticated by the PAT itself
//! (`PRIVATE-TOKEN`), body `{"expires_at": "YYYY-MM-DD"}`; the new secret is `token` (with a new id).
//! The old token dies at once.
//!
//! **Never retried.** GitLab's reuse detection (§1.3) revokes the whole token family (the new token
//! too) when a revoked token is used to rotate again, so a retry after a lost answer would destroy the
//! key we are trying to deliver. Like every rotate here, the call is made once; a lost answer is
//! `Ambiguous` and the user gets a fresh token from GitLab instead.
//!
//! `expires_at` is always sent (its default differs between GitLab versions, §1.1): the new token gets
//! the **same lifetime the old one was created with** (old `expires_at` − `created_at`, read with
//! `GET …/personal_access_tokens/self`), counted from today, so rotating keeps the user's chosen
//! policy instead of silently shortening (GitLab's one-week default) or lengthening it. Capped at 365
//! days, GitLab's default maximum PAT lifetime; when the lifetime is unknown (no expiry, or a token with
//! only `self_rotate` that may not read itself, UNVERIFIED in §1.1) 365 days. An instance with a
//! lower maximum answers 400 and nothing is rotated.
//!
//! Base URL: `https://gitlab.com`, or the server entry's `GITLAB_API_URL` (`…/api/v4`, maybe a
//! comma-separated list: the first is the default one, as in `@zereight/mcp-gitlab`), filled in at link
//! time; a trailing `/api/v4` is accepted. Verify: `GET …/personal_access_tokens/self` with
//! `active: true` and `revoked: false`. The official GitLab MCP server (`…/api/v4/mcp`) uses OAuth
//! only: there is no key to rotate (§1.6).

use super::*;

pub struct GitLab;

/// GitLab's default maximum lifetime of a personal access token, in days.
const MAX_LIFETIME_DAYS: i64 = 365;

fn message(v: &serde_json::Value) -> Option<String> {
    v.get("message")
        .or_else(|| v.get("error_description"))
        .or_else(|| v.get("error"))
        .and_then(|m| m.as_str())
        .map(str::to_string)
}

/// The lifetime in days the token was created with, from `GET …/self`.
fn lifetime_days(info: &serde_json::Value) -> Option<i64> {
    let expires: jiff::civil::Date = info.get("expires_at")?.as_str()?.parse().ok()?;
    let created: jiff::Timestamp = info.get("created_at")?.as_str()?.parse().ok()?;
    let created = created.to_zoned(jiff::tz::TimeZone::UTC).date();
    let days = created.until(expires).ok()?.get_days() as i64;
    (days > 0).then_some(days)
}

/// The `expires_at` to send: today (UTC) + `days`, within 1..=365.
fn expires_at(days: Option<i64>) -> Result<String, ProviderError> {
    let days = days
        .unwrap_or(MAX_LIFETIME_DAYS)
        .clamp(1, MAX_LIFETIME_DAYS);
    let today = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date();
    today
        .checked_add(jiff::Span::new().days(days))
        .map(|d| d.to_string())
        .map_err(|e| ProviderError::InvalidSpec(format!("cannot compute the expiry date: {e}")))
}

impl GitLab {
    fn api(&self, link: &Link) -> Result<String, ProviderError> {
        Ok(format!("{}/api/v4", self.base_url(link)?))
    }
}

/// The instance URL from a `GITLAB_API_URL` value: the first of a comma-separated list, without `/api/v4`.
fn instance_url(api_url: &str) -> Option<String> {
    let first = api_url.split(',').next()?.trim().trim_end_matches('/');
    let root = first.strip_suffix("/api/v4").unwrap_or(first);
    (!root.is_empty()).then(|| root.to_string())
}

impl Provider for GitLab {
    fn detects(&self, h: &KeyHint) -> bool {
        // `glpat-` also appears after an instance prefix (`<prefix>-glpat-…`, §0).
        h.key.starts_with("glpat-")
            || h.key.contains("-glpat-")
            || matches!(
                h.upper_name().as_str(),
                "GITLAB_PERSONAL_ACCESS_TOKEN" | "GITLAB_TOKEN" | "PRIVATE_TOKEN"
            )
    }
    fn id(&self) -> &'static str {
        "gitlab"
    }
    fn name(&self) -> &'static str {
        "GitLab personal access token"
    }
    fn rotate_auth(&self) -> RotateAuth {
        RotateAuth::CurrentKey
    }
    fn slot_kinds(&self) -> &'static [SlotKind] {
        &[
            SlotKind::Env,
            SlotKind::ArgFlag,
            SlotKind::Header,
            SlotKind::ArgHeader,
        ]
    }
    fn required_ids(&self) -> &'static [&'static str] {
        &[]
    }
    fn default_base_url(&self) -> &'static str {
        "https://gitlab.com"
    }
    fn help(&self) -> &'static str {
        "the token rotates itself (scope api or self_rotate); self-managed: --base-url https://<host> (taken from the server's GITLAB_API_URL when linked)"
    }
    fn base_url_env(&self) -> Option<&'static str> {
        Some("GITLAB_API_URL")
    }
    fn base_url(&self, link: &Link) -> Result<String, ProviderError> {
        let url = link.base_url.as_deref().unwrap_or(self.default_base_url());
        http::check_base_url(url)?;
        let url = url.trim_end_matches('/');
        Ok(url.strip_suffix("/api/v4").unwrap_or(url).to_string())
    }
    fn complete_link(&self, link: &mut Link, usage: &Usage) -> Result<(), String> {
        if usage
            .urls
            .iter()
            .any(|u| u.trim_end_matches('/').ends_with("/api/v4/mcp"))
        {
            return Err("the official GitLab MCP server (…/api/v4/mcp) signs in with OAuth: there is no static key to rotate".into());
        }
        if link.base_url.is_none() {
            link.base_url = usage
                .env
                .iter()
                .find(|(n, _)| n == "GITLAB_API_URL")
                .and_then(|(_, v)| instance_url(v));
        }
        Ok(())
    }
    fn rotate(&self, http: &Http, req: &RotateRequest) -> Result<Rotated, ProviderError> {
        let api = self.api(req.link)?;
        // Read-only and safe to repeat: the token's lifetime, for the new token's expiry.
        let days = match http
            .send(
                http.get(&format!("{api}/personal_access_tokens/self"))
                    .header("PRIVATE-TOKEN", req.current.expose()),
            )?
            .json_ok(message)
        {
            Ok(info) => lifetime_days(&info),
            // A token with only `self_rotate` may not read itself: rotate with the default lifetime.
            Err(ProviderError::Forbidden(_)) => None,
            Err(e) => return Err(e),
        };
        let body = serde_json::json!({ "expires_at": expires_at(days)? });
        // Sent once, never retried (reuse detection would revoke the whole family).
        let answer = http
            .send(
                http.post(&format!("{api}/personal_access_tokens/self/rotate"))
                    .header("PRIVATE-TOKEN", req.current.expose())
                    .json(&body),
            )?
            .json_ok(message)?;
        Ok(Rotated {
            new: take_secret(&answer, &["/token"], "token")?,
            old_valid_until: None,
        })
    }
    fn verify(&self, http: &Http, link: &Link, key: &Secret) -> Result<(), ProviderError> {
        let api = self.api(link)?;
        let info = http
            .send(
                http.get(&format!("{api}/personal_access_tokens/self"))
                    .header("PRIVATE-TOKEN", key.expose()),
            )?
            .json_ok(message)?;
        let active = info.get("active").and_then(|a| a.as_bool()) == Some(true);
        let revoked = info.get("revoked").and_then(|a| a.as_bool()) == Some(true);
        if active && !revoked {
            Ok(())
        } else {
            Err(ProviderError::Unauthorized(
                "GitLab says the token is revoked or inactive".into(),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_new_token_keeps_the_old_lifetime_within_limits() {
        let info = serde_json::json!({ "created_at": "2026-12-01T10:00:00.000Z", "expires_at": "2027-03-01" });
        assert_eq!(lifetime_days(&info), Some(90));
        assert_eq!(
            lifetime_days(&serde_json::json!({ "expires_at": null })),
            None
        );
        let today = jiff::Timestamp::now()
            .to_zoned(jiff::tz::TimeZone::UTC)
            .date();
        let d: jiff::civil::Date = expires_at(Some(90)).unwrap().parse().unwrap();
        assert_eq!(today.until(d).unwrap().get_days(), 90);
        let d: jiff::civil::Date = expires_at(Some(5000)).unwrap().parse().unwrap();
        assert_eq!(today.until(d).unwrap().get_days(), 365);
        let d: jiff::civil::Date = expires_at(None).unwrap().parse().unwrap();
        assert_eq!(today.until(d).unwrap().get_days(), 365);
    }

    #[test]
    fn gitlab_api_url_gives_the_instance() {
        assert_eq!(
            instance_url("https://gitlab.example.com/api/v4").as_deref(),
            Some("https://gitlab.example.com")
        );
        assert_eq!(
            instance_url("https://a.example/api/v4/,https://b.example/api/v4").as_deref(),
            Some("https://a.example")
        );
        assert_eq!(
            instance_url("https://gitlab.com").as_deref(),
            Some("https://gitlab.com")
        );
        assert_eq!(instance_url(""), None);
    }
}
