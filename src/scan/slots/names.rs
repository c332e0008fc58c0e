//! Which names hold secrets, and whether a value is a secret, a reference or a placeholder.

use super::ValueState;

const SECRET_WORDS: &[&str] = &[
    "KEY",
    "TOKEN",
    "SECRET",
    "PASSWORD",
    "PASSWD",
    "PWD",
    "PAT",
    "AUTH",
    "CREDENTIAL",
    "CREDENTIALS",
    "APIKEY",
    "PRIVATE",
    "BEARER",
    "AUTHORIZATION",
];
const NOT_SECRET_SUFFIXES: &[&str] = &[
    "URL", "URI", "PATH", "FILE", "DIR", "ID", "HOST", "PORT", "NAME", "TYPE", "ENDPOINT",
    "REGION", "EMAIL", "USER", "USERNAME",
];
const KNOWN_SECRET_NAMES: &[&str] = &[
    "BITSCALE_API_KEY",
    "A2AMARKET_API_KEY",
    "A2AMARKET_HMAC_SECRET",
    "FRUXON_KEY",
    "CF_ACCESS_CLIENT_SECRET",
];

/// Split a name like `apiKey`, `X-API-KEY`, `GITHUB_PERSONAL_ACCESS_TOKEN` into upper-case words.
fn words(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if !c.is_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if c.is_uppercase() && prev_lower && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        cur.extend(c.to_uppercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Does this env var / header / flag / parameter name hold a secret?
pub fn is_secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase().replace('-', "_");
    if KNOWN_SECRET_NAMES.contains(&upper.as_str()) {
        return true;
    }
    let w = words(name);
    let Some(last) = w.last() else { return false };
    if NOT_SECRET_SUFFIXES.contains(&last.as_str()) {
        return false;
    }
    w.iter().any(|x| SECRET_WORDS.contains(&x.as_str()))
}

/// Classify a literal value: reference, placeholder or secret.
pub fn classify(value: &str) -> ValueState {
    let v = value.trim();
    if let Some(inner) = v.strip_prefix("${{").and_then(|r| r.strip_suffix("}}")) {
        let inner = inner.trim();
        let (what, name) = match inner.split_once('.') {
            Some(("inputs", n)) => ("input", n),
            Some(("secrets", n)) => ("secret", n),
            _ => ("secret", inner),
        };
        return ValueState::Reference {
            lives_in: format!(
                "Continue {what} '{name}' (Continue secrets: .continue/.env, the workspace .env or the Continue Hub)"
            ),
        };
    }
    // LibreChat's per-user values (`customUserVars`, `{{LIBRECHAT_USER_ID}}`).
    if let Some(inner) = v.strip_prefix("{{").and_then(|r| r.strip_suffix("}}")) {
        if !inner.trim().is_empty() && !inner.contains(['{', '}']) {
            return ValueState::Reference {
                lives_in: format!(
                    "LibreChat per-user value {}, set in LibreChat",
                    inner.trim()
                ),
            };
        }
    }
    if let Some(inner) = v.strip_prefix("${").and_then(|r| r.strip_suffix('}')) {
        if let Some(id) = inner.strip_prefix("input:") {
            return ValueState::Reference {
                lives_in: format!("VS Code secret storage (input '{id}')"),
            };
        }
        if let Some(file) = inner.strip_prefix("file:") {
            return ValueState::Reference {
                lives_in: format!("file {file}"),
            };
        }
        let var = inner.strip_prefix("env:").unwrap_or(inner);
        let var = var.split(":-").next().unwrap_or(var);
        return ValueState::Reference {
            lives_in: format!("environment variable {var}"),
        };
    }
    // OpenCode and Kilo: `{env:NAME}`, `{file:path}`.
    if let Some(inner) = v.strip_prefix('{').and_then(|r| r.strip_suffix('}')) {
        if let Some(var) = inner.strip_prefix("env:") {
            return ValueState::Reference {
                lives_in: format!("environment variable {var}"),
            };
        }
        if let Some(file) = inner.strip_prefix("file:") {
            return ValueState::Reference {
                lives_in: format!("file {file}"),
            };
        }
    }
    // Crush: `$(cmd)` is replaced by the output of a command (the command is not shown: it may name a vault).
    if v.starts_with("$(") && v.ends_with(')') {
        return ValueState::Reference {
            lives_in: "the output of a shell command the client runs ($(…))".to_string(),
        };
    }
    if let Some(var) = v.strip_prefix('$') {
        if !var.is_empty() && var.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return ValueState::Reference {
                lives_in: format!("environment variable {var}"),
            };
        }
    }
    if is_placeholder(v) {
        return ValueState::Placeholder;
    }
    ValueState::Secret
}

/// `YOUR_API_KEY`, `your_api_key_here`, `<token>`, `sk_test_YOUR_KEY_HERE`, `xxxx`, `...`
pub fn is_placeholder(v: &str) -> bool {
    let lower = v.to_ascii_lowercase();
    if v.is_empty()
        || (v.starts_with('<') && v.ends_with('>'))
        || (v.starts_with('[') && v.ends_with(']'))
    {
        return true;
    }
    let markers = [
        "your_",
        "your-",
        "yourkey",
        "_here",
        "-here",
        "replace_me",
        "replace-me",
        "changeme",
        "change_me",
        "placeholder",
        "example",
        "<",
        "xxxx",
        "****",
        "...",
        "insert_",
        "todo",
    ];
    if markers.iter().any(|m| lower.contains(m)) {
        return true;
    }
    // The name of a variable where the value should be: `--api-key=STRIPE_SECRET_KEY`.
    if v.contains('_')
        && v.chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        && is_secret_name(v)
    {
        return true;
    }
    // A value with a secret-looking name but only one repeated character ("aaaa", "0000").
    let mut chars = v.chars();
    let first = chars.next();
    chars.all(|c| Some(c) == first)
}

/// A value that looks like an API key even under an unremarkable name (`sk-…`, `ghp_…`, `ak_…`).
pub(super) fn looks_like_key(v: &str) -> bool {
    const PREFIXES: &[&str] = &[
        "sk-",
        "sk_",
        "ghp_",
        "github_pat_",
        "xoxb-",
        "xoxp-",
        "ak_",
        "pk_",
        "rk_",
        "glpat-",
    ];
    v.len() >= 16 && !v.contains(' ') && PREFIXES.iter().any(|p| v.starts_with(p))
}
