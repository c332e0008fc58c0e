//! Secrets MCP clients keep outside their config files (clients-more.md, "Secrets that MCP clients keep
//! outside their config files"): places Rekey reads, or only knows of, but never writes.
//!
//! - Claude Desktop extensions (.mcpb / .dxt): `Claude Extensions Settings/<id>.json`. Plain values under
//!   a secret-like name are ordinary slots (the scan walks the file like a config, server = the extension
//!   id, see [`extension_slots`]); `"__encrypted__:…"` values (fields the manifest marks `sensitive`,
//!   encrypted with Electron safeStorage) are references, never decrypted, and listed here too.
//! - Claude Code plugins: `sensitive` plugin options are kept in `.credentials.json` under `pluginSecrets`
//!   where no keychain is available (Linux, Windows; docs: "Sensitive values go to the macOS Keychain, or
//!   to `~/.claude/.credentials.json` on platforms where no supported keychain is available";
//!   melodic-software/claude-code-plugins#447 saw the `pluginSecrets` key there on Windows). That file also
//!   holds Claude's own login tokens: only `pluginSecrets` is taken from it, the bytes are wiped at once,
//!   and nothing from it is masked or shown, only fingerprinted.
//! - Gemini CLI extensions: `~/.gemini/extensions/<name>/gemini-extension.json` lists `settings`
//!   (`{name, description, envVar, sensitive}`); values go to a `.env` in the extension's folder, except
//!   `sensitive` ones, which go to the OS keychain under "Gemini CLI Extensions <name> <id>"
//!   (google-gemini/gemini-cli PR #11953, `extensionSettings.ts`); `gemini extensions config <name>
//!   [setting]` changes them.

use super::fingerprint::Fingerprinter;
use super::slots::{self, Encoding, Found, SlotKind, ValueState};
use super::ScanReport;
use crate::clients::{ClientId, Env};
use crate::Secret;
use serde::Serialize;
use std::path::{Path, PathBuf};
use ts_rs::TS;
use zeroize::Zeroizing;

/// A place outside the configs Rekey rewrites that holds (or may hold) a key. `rekey scan --json`'s
/// `held_elsewhere[]`; the field names are stable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct HeldElsewhere {
    pub client: ClientId,
    /// What holds it, in the client's words: "Claude Code plugin linear@official, option api_key".
    pub source: String,
    /// The file it was found in (Rekey never writes it).
    pub file: PathBuf,
    /// Where the value lives.
    pub lives_in: String,
    /// How the user updates it there.
    pub update: String,
    /// The credential id, when Rekey could read the value (not for encrypted or keychain values).
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credential: Option<String>,
    /// The masked value: plain `.env` values only (never anything from `.credentials.json`).
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub masked: Option<String>,
    /// The provider guessed from the names around it (and the value, when known).
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<&'static str>,
}

/// The prefix Claude Desktop gives a `sensitive` extension setting it encrypted.
pub const ENCRYPTED_PREFIX: &str = "__encrypted__:";

/// An extension settings file is one server entry (the extension) whose values sit under `userConfig`.
pub(crate) const EXTENSION_ROOTS: &[&[&str]] = &[&["userConfig"]];

fn extension_lives_in(id: &str) -> String {
    format!("Claude Desktop's encrypted extension settings (Settings > Extensions > {id})")
}

/// The slots of one string of a Claude Desktop extension settings file; `rel` is its path below
/// `userConfig` (`["api_key"]`, or `["dirs", "0"]` for a list). An encrypted value is a reference whatever
/// its name (only `sensitive` fields are encrypted); a plain one is a secret under a secret-like name,
/// by the same rules as Zed's extension `settings`.
pub(crate) fn extension_slots(id: &str, rel: &[&str], value: &str) -> Vec<Found> {
    let (name, location) = match rel {
        [name] => (*name, format!("userConfig.{name}")),
        [name, i] if i.parse::<usize>().is_ok() => (*name, format!("userConfig.{name}[{i}]")),
        _ => return Vec::new(),
    };
    if value.starts_with(ENCRYPTED_PREFIX) {
        return vec![Found {
            kind: SlotKind::Env,
            location,
            range: 0..value.len(),
            encoding: Encoding::Plain,
            state: ValueState::Reference {
                lives_in: extension_lives_in(id),
            },
            name: name.to_string(),
        }];
    }
    slots::find(&["settings", name], value, None)
        .into_iter()
        .map(|mut f| {
            f.location = location.clone();
            f
        })
        .collect()
}

/// Everything outside the rewritable configs: encrypted extension values (from the scan's slots), Claude
/// Code's plugin secrets and Gemini CLI's extension settings. Values read are fingerprinted with `fp`.
pub(crate) fn held_elsewhere(
    env: &Env,
    fp: &Fingerprinter,
    report: &ScanReport,
) -> Vec<HeldElsewhere> {
    let mut out = Vec::new();
    for s in &report.internal {
        let ValueState::Reference { lives_in } = &s.report.state else {
            continue;
        };
        if !lives_in.starts_with("Claude Desktop's encrypted extension settings") {
            continue;
        }
        out.push(HeldElsewhere {
            client: ClientId::ClaudeDesktop,
            source: format!(
                "Claude Desktop extension {}, setting {}",
                s.report.server, s.report.location
            ),
            file: s.report.file.clone(),
            lives_in: lives_in.clone(),
            update: format!(
                "in Claude Desktop, open Settings > Extensions > {}, enter the new key in its settings, and save",
                s.report.server
            ),
            credential: None,
            masked: None,
            provider: s.report.provider,
        });
    }
    out.extend(claude_code_plugin_secrets(&credentials_path(env), fp));
    out.extend(gemini_extensions(
        &env.home.join(".gemini").join("extensions"),
        fp,
    ));
    out
}

/// Claude Code's `.credentials.json`: `$CLAUDE_CONFIG_DIR/.credentials.json`, else `~/.claude/.credentials.json`.
pub fn credentials_path(env: &Env) -> PathBuf {
    env.claude_config_dir
        .clone()
        .unwrap_or_else(|| env.home.join(".claude"))
        .join(".credentials.json")
}

/// Only the `pluginSecrets` member of `.credentials.json`; every other member (Claude's login tokens) is
/// skipped by the parser without being kept.
#[derive(serde::Deserialize)]
struct OnlyPluginSecrets {
    #[serde(rename = "pluginSecrets", default)]
    plugin_secrets: Option<serde_json::Value>,
}

/// The plugin secrets in `path` (a `.credentials.json`), each fingerprinted, none masked. A file that is
/// missing, unreadable or does not parse yields nothing (its parse error could quote a token, so it is
/// not reported).
pub(crate) fn claude_code_plugin_secrets(path: &Path, fp: &Fingerprinter) -> Vec<HeldElsewhere> {
    let Ok(bytes) = crate::edit::read::read(path).map(Zeroizing::new) else {
        return Vec::new();
    };
    let parsed: Option<OnlyPluginSecrets> = serde_json::from_slice(&bytes).ok();
    drop(bytes);
    let Some(tree) = parsed.and_then(|p| p.plugin_secrets) else {
        return Vec::new();
    };
    let mut leaves = Vec::new();
    collect_strings(tree, &mut Vec::new(), &mut leaves);
    leaves
        .into_iter()
        .filter(|(_, v)| !slots::is_placeholder(v.expose().trim()))
        .map(|(keys, value)| {
            let (plugin, option) = match keys.split_first() {
                Some((p, rest)) if !rest.is_empty() => (p.clone(), rest.join(".")),
                _ => (String::new(), keys.join(".")),
            };
            let source = if plugin.is_empty() {
                format!("Claude Code plugin secret {option}")
            } else {
                format!("Claude Code plugin {plugin}, option {option}")
            };
            let hint = format!("{plugin} {option}");
            HeldElsewhere {
                client: ClientId::ClaudeCode,
                source,
                file: path.to_path_buf(),
                lives_in: format!(
                    "Claude Code's plugin secrets ({}, pluginSecrets)",
                    path.display()
                ),
                update: format!(
                    "in Claude Code, run /plugin, open Installed > {} > Configure options, and enter the new key for {option}",
                    if plugin.is_empty() { "the plugin" } else { &plugin }
                ),
                credential: Some(fp.id(value.expose())),
                masked: None,
                provider: super::guess_provider(option_name(&option), &hint, value.expose()),
            }
        })
        .collect()
}

/// The last part of a dotted option path (`auth.api_key` → `api_key`).
fn option_name(option: &str) -> &str {
    option.rsplit('.').next().unwrap_or(option)
}

/// Every string leaf of `v` with its key path; each value goes straight into a [`Secret`].
fn collect_strings(
    v: serde_json::Value,
    path: &mut Vec<String>,
    out: &mut Vec<(Vec<String>, Secret)>,
) {
    match v {
        serde_json::Value::String(s) => out.push((path.clone(), Secret::new(s))),
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                path.push(k);
                collect_strings(v, path, out);
                path.pop();
            }
        }
        serde_json::Value::Array(items) => {
            for (i, v) in items.into_iter().enumerate() {
                path.push(i.to_string());
                collect_strings(v, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

/// One declared setting of a Gemini CLI extension.
#[derive(serde::Deserialize)]
struct GeminiSetting {
    #[serde(default)]
    name: String,
    #[serde(rename = "envVar", default)]
    env_var: String,
    #[serde(default)]
    sensitive: bool,
}

#[derive(serde::Deserialize)]
struct GeminiExtension {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    settings: Vec<GeminiSetting>,
}

/// Gemini CLI's installed extensions under `dir` (`~/.gemini/extensions`): each `sensitive` setting as a
/// keychain reference (value unknown), each secret-like plain value of the extension's `.env` with its
/// credential id. Folders without a readable, parseable `gemini-extension.json` are skipped.
pub(crate) fn gemini_extensions(dir: &Path, fp: &Fingerprinter) -> Vec<HeldElsewhere> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut dirs: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    let mut out = Vec::new();
    for ext_dir in dirs {
        let manifest = ext_dir.join("gemini-extension.json");
        let Some(ext) = crate::edit::read::read(&manifest)
            .ok()
            .and_then(|b| serde_json::from_slice::<GeminiExtension>(&b).ok())
        else {
            continue;
        };
        let name = ext.name.clone().unwrap_or_else(|| {
            ext_dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        });
        for s in ext.settings.iter().filter(|s| s.sensitive) {
            out.push(HeldElsewhere {
                client: ClientId::GeminiCli,
                source: format!("Gemini CLI extension {name}, setting {} ({})", s.name, s.env_var),
                file: manifest.clone(),
                lives_in: format!(
                    "Gemini CLI's keychain entry for the extension (gemini extensions settings, \"Gemini CLI Extensions {name} …\")"
                ),
                update: format!("run `gemini extensions config {name} \"{}\"` and enter the new key", s.name),
                credential: None,
                masked: None,
                provider: super::guess_provider(&s.env_var, &name, ""),
            });
        }
        let env_file = ext_dir.join(".env");
        let Ok(text) = crate::edit::read::read_to_string(&env_file).map(Zeroizing::new) else {
            continue;
        };
        for (var, value) in dotenv_pairs(&text) {
            if !slots::is_secret_name(var)
                || ext.settings.iter().any(|s| s.sensitive && s.env_var == var)
            {
                continue;
            }
            if slots::classify(value.expose()) != ValueState::Secret {
                continue;
            }
            let setting = ext
                .settings
                .iter()
                .find(|s| s.env_var == var)
                .map(|s| format!(" \"{}\"", s.name))
                .unwrap_or_default();
            out.push(HeldElsewhere {
                client: ClientId::GeminiCli,
                source: format!("Gemini CLI extension {name}, {var}"),
                file: env_file.clone(),
                lives_in: format!("{} ({var})", env_file.display()),
                update: format!(
                    "run `gemini extensions config {name}{setting}` and enter the new key (or edit {var} in {})",
                    env_file.display()
                ),
                credential: Some(fp.id(value.expose())),
                masked: Some(value.masked()),
                provider: super::guess_provider(var, &name, value.expose()),
            });
        }
    }
    out
}

/// `NAME=value` lines of a `.env` (comments, blank lines and `export ` skipped; one level of matching
/// quotes removed).
fn dotenv_pairs(text: &str) -> Vec<(&str, Secret)> {
    text.lines()
        .filter_map(|line| {
            let line = line.trim();
            let line = line.strip_prefix("export ").unwrap_or(line);
            if line.starts_with('#') {
                return None;
            }
            let (k, v) = line.split_once('=')?;
            let v = v.trim();
            let v = [('"', '"'), ('\'', '\'')]
                .iter()
                .find_map(|(a, b)| v.strip_prefix(*a).and_then(|r| r.strip_suffix(*b)))
                .unwrap_or(v);
            Some((k.trim(), Secret::new(v.to_string())))
        })
        .filter(|(k, v)| !k.is_empty() && !v.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fp() -> Fingerprinter {
        Fingerprinter::with_key([7; 32])
    }

    #[test]
    fn plugin_secrets_are_taken_and_nothing_else() {
        let d = tempfile::tempdir().unwrap();
        let path = d.path().join(".credentials.json");
        std::fs::write(
            &path,
            r#"{"claudeAiOauth":{"accessToken":"sk-ant-oat01-SECRETACCESS","refreshToken":"sk-ant-ort01-SECRETREFRESH","expiresAt":1,"scopes":["user:inference"]},
               "pluginSecrets":{"bitscale@market":{"api_key":"bs_live_0123456789abcdef","empty":""}}}"#,
        )
        .unwrap();
        let found = claude_code_plugin_secrets(&path, &fp());
        assert_eq!(found.len(), 1, "{found:?}");
        let h = &found[0];
        assert_eq!(
            h.source,
            "Claude Code plugin bitscale@market, option api_key"
        );
        assert_eq!(
            h.credential.as_deref(),
            Some(fp().id("bs_live_0123456789abcdef").as_str())
        );
        assert_eq!(h.masked, None);
        assert_eq!(h.provider, Some("bitscale"));
        let json = serde_json::to_string(&found).unwrap() + &format!("{found:?}");
        for bad in [
            "SECRETACCESS",
            "SECRETREFRESH",
            "bs_live",
            "0123456789abcdef",
        ] {
            assert!(!json.contains(bad), "{json}");
        }
    }

    #[test]
    fn a_credentials_file_without_plugin_secrets_or_broken_yields_nothing() {
        let d = tempfile::tempdir().unwrap();
        let path = d.path().join(".credentials.json");
        for text in [
            r#"{"claudeAiOauth":{"accessToken":"sk-ant-oat01-X"}}"#,
            r#"{"claudeAiOauth":{"accessToken":"sk-ant-oat01-X"#,
            r#"{"pluginSecrets": 5}"#,
            "",
        ] {
            std::fs::write(&path, text).unwrap();
            assert!(
                claude_code_plugin_secrets(&path, &fp()).is_empty(),
                "{text}"
            );
        }
        assert!(claude_code_plugin_secrets(&d.path().join("none"), &fp()).is_empty());
    }

    #[test]
    fn extension_values_encrypted_are_references_plain_secret_names_are_slots() {
        let f = extension_slots("io.bitscale.mcp", &["api_key"], "__encrypted__:djEwAAAA");
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].location, "userConfig.api_key");
        assert!(
            matches!(&f[0].state, ValueState::Reference { lives_in } if lives_in.contains("Settings > Extensions > io.bitscale.mcp"))
        );
        // Encrypted under any name.
        assert_eq!(
            extension_slots("x", &["workspace"], "__encrypted__:abc").len(),
            1
        );
        let f = extension_slots("x", &["api_key"], "bs_live_0123456789abcdef");
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].state, ValueState::Secret);
        assert_eq!(f[0].location, "userConfig.api_key");
        assert!(extension_slots("x", &["allowed_directories", "0"], "/home/u").is_empty());
        assert!(extension_slots("x", &["workspace"], "acme").is_empty());
    }

    #[test]
    fn an_extension_file_is_found_again_from_its_path_alone() {
        // A write re-reads a changed file with a Location that has no variant: the path says it all.
        let loc = crate::clients::Location {
            client: ClientId::ClaudeDesktop,
            path: "/h/.config/Claude/Claude Extensions Settings/io.bitscale.mcp.json".into(),
            format: crate::clients::Format::Json,
            scope: crate::clients::Scope::User,
            variant: None,
        };
        let text = br#"{"isEnabled":true,"userConfig":{"api_key":"bs_live_0123456789abcdef","x":"__encrypted__:AAAA"}}"#;
        let found = super::super::slots_of(&loc, text).unwrap();
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].report.server, "io.bitscale.mcp");
        assert_eq!(found[0].report.location, "userConfig.api_key");
        assert_eq!(found[0].report.provider, Some("bitscale"));
        assert!(matches!(
            found[1].report.state,
            ValueState::Reference { .. }
        ));
        // The same bytes in claude_desktop_config.json hold no server entry.
        let mut config = loc.clone();
        config.path = "/h/.config/Claude/claude_desktop_config.json".into();
        assert!(super::super::slots_of(&config, text).unwrap().is_empty());
    }

    #[test]
    fn gemini_sensitive_settings_are_keychain_references_and_plain_env_secrets_are_known() {
        let d = tempfile::tempdir().unwrap();
        let ext = d.path().join("bitscale");
        std::fs::create_dir_all(&ext).unwrap();
        std::fs::write(
            ext.join("gemini-extension.json"),
            r#"{"name":"bitscale","version":"1.0.0","settings":[
                {"name":"API Key","description":"k","envVar":"BITSCALE_API_KEY","sensitive":true},
                {"name":"Other token","description":"t","envVar":"OTHER_TOKEN"},
                {"name":"Region","description":"r","envVar":"BITSCALE_REGION"}]}"#,
        )
        .unwrap();
        std::fs::write(
            ext.join(".env"),
            "OTHER_TOKEN=\"tok_0123456789abcdef\"\nBITSCALE_REGION=eu\n# c\n",
        )
        .unwrap();
        let found = gemini_extensions(d.path(), &fp());
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].credential, None);
        assert!(found[0].lives_in.contains("keychain"), "{:?}", found[0]);
        assert_eq!(found[0].provider, Some("bitscale"));
        assert!(found[0]
            .update
            .contains("gemini extensions config bitscale \"API Key\""));
        assert_eq!(
            found[1].credential.as_deref(),
            Some(fp().id("tok_0123456789abcdef").as_str())
        );
        assert_eq!(found[1].masked.as_deref(), Some("tok_…cdef"));
    }
}
