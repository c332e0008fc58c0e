//! What `rekey add` checks before it plans: the server name, the key, the template's fields, and the
//! link the key will get (completed from what the entry says, as `rekey link` does).

use super::entry;
use super::templates::{self, Run, Template};
use crate::providers::{self, Http, Link, ProviderError};
use crate::replace::Verification;
use crate::{Error, Result, Secret};
use std::collections::BTreeMap;

pub(super) fn bad(m: impl Into<String>) -> Error {
    Error::InvalidInput(m.into())
}

/// A server name every supported client accepts (Claude Code: letters, digits, `-`, `_`).
pub(super) fn check_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    ok.then_some(()).ok_or_else(|| {
        bad(format!(
            "'{name}' is not a server name Rekey writes: use letters, digits, - and _ (at most 64)"
        ))
    })
}

pub(super) fn check_key(key: &Secret) -> Result<()> {
    let k = key.expose();
    if k.is_empty() {
        return Err(bad("no key on stdin"));
    }
    if k.len() > 4096 || k.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad(
            "the key must be one line without spaces (read from stdin; only the line ending is removed)",
        ));
    }
    if k.contains(crate::protect::SCHEME) {
        return Err(bad("that is a rekey:// reference, not a key"));
    }
    match crate::scan::slots::classify(k) {
        crate::scan::slots::ValueState::Secret => Ok(()),
        crate::scan::slots::ValueState::Placeholder => {
            Err(bad("that looks like a placeholder, not a key"))
        }
        crate::scan::slots::ValueState::Reference { lives_in } => {
            Err(bad(format!("that is a reference ({lives_in}), not a key")))
        }
    }
}

/// The fields' values: given, else the default; checked by kind. Unknown names are refused.
pub(super) fn field_values(
    t: &Template,
    given: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>> {
    let names = || {
        let v: Vec<&str> = t.fields.iter().map(|f| f.id).collect();
        if v.is_empty() {
            "none".to_string()
        } else {
            v.join(", ")
        }
    };
    if let Some(k) = given
        .keys()
        .find(|k| !t.fields.iter().any(|f| f.id == k.as_str()))
    {
        return Err(bad(format!(
            "{} takes no id '{k}' (it takes: {})",
            t.provider,
            names()
        )));
    }
    let mut out = BTreeMap::new();
    for f in t.fields {
        let v = given
            .get(f.id)
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
            .or(f.default);
        let Some(v) = v else {
            if f.required {
                return Err(bad(format!(
                    "{} needs {} ({}): --id {}=…",
                    t.provider, f.id, f.help, f.id
                )));
            }
            continue;
        };
        let v = match f.kind {
            templates::FieldKind::Id => {
                let ok = v.len() <= 256
                    && v.chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | ':'));
                if !ok {
                    return Err(bad(format!(
                        "{} '{}' is not an id (letters, digits, . _ - : only)",
                        f.id,
                        crate::providers::http::sanitize(v)
                    )));
                }
                v.to_string()
            }
            templates::FieldKind::Url => {
                providers::http::check_base_url(v).map_err(|e| bad(format!("{}: {e}", f.id)))?;
                if v.chars()
                    .any(|c| c.is_whitespace() || matches!(c, '"' | '\'' | '{' | '}' | '$' | '\\'))
                {
                    return Err(bad(format!(
                        "{}: the URL holds a character Rekey does not write into a config",
                        f.id
                    )));
                }
                v.trim_end_matches('/').to_string()
            }
        };
        out.insert(f.id.to_string(), v);
    }
    Ok(out)
}

/// The link the key gets, completed from what the entry says (as `rekey link` does) and checked.
pub(super) fn make_link(
    t: &Template,
    values: &BTreeMap<String, String>,
    base_url: Option<&str>,
    key: &Secret,
) -> Result<Link> {
    let p =
        providers::by_id(t.provider).ok_or_else(|| Error::UnknownProvider(t.provider.into()))?;
    let ids = t
        .fields
        .iter()
        .filter(|f| f.link)
        .filter_map(|f| values.get(f.id).map(|v| (f.id.to_string(), v.clone())))
        .collect();
    let from_fields = t
        .link_base
        .map(|b| entry::fill(b, values, ""))
        .filter(|b| b.trim_end_matches('/') != p.default_base_url().trim_end_matches('/'));
    let mut link = Link {
        provider: p.id().into(),
        base_url: base_url
            .map(str::trim)
            .filter(|b| !b.is_empty())
            .map(str::to_string)
            .or(from_fields),
        account: None,
        ids,
    };
    let (urls, env) = match &t.run {
        Run::Remote { url, .. } => (vec![entry::fill(url, values, key.expose())], vec![]),
        Run::Stdio { env, .. } => (
            vec![],
            env.iter()
                .filter(|(n, _)| Some(*n) == p.base_url_env())
                .map(|(n, v)| (n.to_string(), entry::fill(v, values, key.expose())))
                .collect(),
        ),
    };
    p.complete_link(
        &mut link,
        &providers::Usage {
            key,
            urls: &urls,
            env: &env,
        },
    )
    .map_err(bad)?;
    p.base_url(&link).map_err(Error::Provider)?;
    Ok(link)
}

/// The provider's own check of the pasted key, before anything is written. A refusal (401, or 403, or an
/// answer saying the key is not valid: the key is wrong, or may not do what Rekey needs) is
/// [`Verification::Failed`]: written only when the user says so. A check that could not be made (no
/// answer, an admin credential it needs, a server error, or a 404: no such endpoint or id, which says more
/// about the ids and URL than about the key) is [`Verification::NotChecked`] with the reason: the key may
/// be fine, so the plan says so and goes on. Texts leave through the scrubber.
pub(super) fn verify_key(
    http: &Http,
    p: &dyn providers::Provider,
    link: &Link,
    key: &Secret,
) -> Verification {
    let clean = |e: &ProviderError| {
        crate::scrub::Scrubber::new()
            .with(key)
            .clean(&e.to_string())
    };
    match p.verify(http, link, key) {
        Ok(()) => Verification::Verified {
            provider: p.name().into(),
        },
        Err(e @ (ProviderError::Unauthorized(_) | ProviderError::Forbidden(_))) => {
            Verification::Failed {
                provider: p.name().into(),
                code: e.code().into(),
                message: clean(&e),
            }
        }
        Err(e @ ProviderError::NotFound(_)) => Verification::NotChecked {
            reason: format!(
                "{} found nothing at the address or id Rekey asked ({}): check the ids and URL",
                p.name(),
                clean(&e)
            ),
        },
        Err(e) => Verification::NotChecked {
            reason: format!("{} could not check it: {}", p.name(), clean(&e)),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_ids_and_keys_are_checked() {
        assert!(check_name("bit-scale_2").is_ok());
        for n in ["", "a b", "a.b", "ü"] {
            assert!(check_name(n).is_err(), "{n}");
        }
        let t = templates::by_provider("fruxon").unwrap();
        let mut ids = BTreeMap::new();
        ids.insert("tenant".to_string(), "acme".to_string());
        let e = field_values(t, &ids).unwrap_err().to_string();
        assert!(e.contains("call_url"), "{e}");
        ids.insert("call_url".into(), "http://example.com/x".into());
        ids.insert("integration".into(), "int_1".into());
        let e = field_values(t, &ids).unwrap_err().to_string();
        assert!(e.contains("https"), "{e}");
        ids.insert(
            "call_url".into(),
            "https://api.fruxon.com/v1/tenants/acme/integrations/int_1/mcp:call/".into(),
        );
        let v = field_values(t, &ids).unwrap();
        assert_eq!(
            v["call_url"],
            "https://api.fruxon.com/v1/tenants/acme/integrations/int_1/mcp:call"
        );
        ids.insert("tenant".into(), "a/../b".into());
        assert!(field_values(t, &ids).is_err());
        ids.insert("bogus".into(), "1".into());
        let e = field_values(t, &ids).unwrap_err().to_string();
        assert!(
            e.contains("takes no id 'bogus'") && e.contains("tenant, integration"),
            "{e}"
        );
        for k in [
            "",
            "two words",
            "your_api_key_here",
            "${env:X}",
            "rekey://x-1",
        ] {
            assert!(check_key(&Secret::new(k.into())).is_err(), "{k}");
        }
        assert!(check_key(&Secret::new("sk-live-0123456789abcdef".into())).is_ok());
    }
}
