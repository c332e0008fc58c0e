//! Secrets in command-line arguments: `--flag=value`, `--flag value`, mcp-remote `--header "Name: value"`.

use super::{
    after_scheme, found, is_header_secret, is_secret_name, url_secrets, Encoding, Found, SlotKind,
};

const SECRET_FLAG_NAMES: &[&str] = &[
    "api-key",
    "apikey",
    "api_key",
    "key",
    "token",
    "access-token",
    "access_token",
    "auth-token",
    "secret",
    "password",
    "client-secret",
    "bearer-token",
    "auth",
];

pub(super) fn arg_secrets(value: &str, prev: Option<&str>, location: &str) -> Vec<Found> {
    // mcp-remote and friends: --header "Name: value"
    if matches!(prev, Some("--header" | "-H")) {
        if let Some(colon) = value.find(':') {
            let name = value[..colon].trim();
            if is_header_secret(name) {
                let after = colon + 1;
                let v = &value[after..];
                let lead = v.len() - v.trim_start().len();
                let start = after + lead + after_scheme(&v[lead..]);
                return vec![found(
                    SlotKind::ArgHeader,
                    format!("{location} (--header {name})"),
                    start..value.len(),
                    Encoding::Plain,
                    value,
                    name,
                )];
            }
        }
        return Vec::new();
    }
    // --flag=value
    if let Some(rest) = value.strip_prefix("--") {
        if let Some(eq) = rest.find('=') {
            let flag = &rest[..eq];
            if SECRET_FLAG_NAMES.contains(&flag.to_ascii_lowercase().as_str())
                || is_secret_name(flag)
            {
                let start = 2 + eq + 1;
                return vec![found(
                    SlotKind::ArgFlag,
                    format!("{location} (--{flag}=)"),
                    start..value.len(),
                    Encoding::Plain,
                    value,
                    flag,
                )];
            }
        }
        return Vec::new();
    }
    // --flag value
    if let Some(flag) = prev.and_then(|p| p.strip_prefix("--")) {
        if !flag.contains('=')
            && !value.starts_with('-')
            && (SECRET_FLAG_NAMES.contains(&flag.to_ascii_lowercase().as_str())
                || is_secret_name(flag))
        {
            return vec![found(
                SlotKind::ArgValue,
                format!("{location} (after --{flag})"),
                0..value.len(),
                Encoding::Plain,
                value,
                flag,
            )];
        }
    }
    if value.contains("://") {
        return url_secrets(value, location);
    }
    Vec::new()
}
