//! The tables of supported clients (docs/clients.md) and providers (README.md), generated from the adapters themselves so they
//! cannot drift: `tests/readme.rs` fails when those tables differ from these (and rewrites them with
//! `REKEY_BLESS=1`).

use crate::clients::{self, Env, Format, Location, Platform};
use std::path::{Path, PathBuf};

/// An example environment of `platform` whose home is shown as `~` (or `%USERPROFILE%`).
fn example_env(platform: Platform) -> Env {
    let mut env = Env::linux_at(Path::new("/HOME"));
    env.platform = platform;
    match platform {
        Platform::Linux => {}
        Platform::Macos => env.config_dir = PathBuf::from("/HOME/Library/Application Support"),
        Platform::Windows => {
            env.config_dir = PathBuf::from("/APPDATA");
            env.local_data_dir = Some(PathBuf::from("/LOCALAPPDATA"));
        }
    }
    env
}

/// A path of the example env as a user reads it on that OS.
fn shown(path: &Path, platform: Platform) -> String {
    let p = path.to_string_lossy();
    match platform {
        Platform::Windows => p
            .replace("/LOCALAPPDATA", "%LOCALAPPDATA%")
            .replace("/APPDATA", "%APPDATA%")
            .replace("/HOME", "%USERPROFILE%")
            .replace('/', "\\"),
        _ => p.replace("/HOME", "~"),
    }
}

fn format_name(f: Format) -> String {
    serde_json::to_value(f)
        .ok()
        .and_then(|v| v.as_str().map(|s| s.to_uppercase()))
        .unwrap_or_default()
}

fn cell(locations: &[Location], platform: Platform) -> String {
    // (shown path, variant, editors): a client that lives inside several VS Code-family editors (Cline,
    // Roo) is one line with `<editor>` in its path and the editors listed, not five near-identical lines.
    let mut rows: Vec<(String, Option<String>, Vec<String>)> = Vec::new();
    for l in locations {
        let mut path = shown(&l.path, platform);
        let mut variant = l.variant.clone();
        let mut editor = None;
        if let Some(app) = l.variant.as_deref().and_then(|v| v.strip_prefix("in ")) {
            let sep = if platform == Platform::Windows {
                '\\'
            } else {
                '/'
            };
            let seg = format!("{sep}{app}{sep}");
            if path.contains(&seg) {
                path = path.replacen(&seg, &format!("{sep}<editor>{sep}"), 1);
                variant = None;
                editor = Some(app.to_string());
            }
        }
        match rows
            .iter_mut()
            .find(|(p, v, _)| *p == path && *v == variant)
        {
            Some((_, _, editors)) => editors.extend(editor),
            None => rows.push((path, variant, editor.into_iter().collect())),
        }
    }
    if rows.is_empty() {
        return "none".into();
    }
    rows.into_iter()
        .map(|(path, variant, editors)| {
            let mut s = format!("`{path}`");
            if let Some(v) = variant {
                s.push_str(&format!(" ({v})"));
            }
            if !editors.is_empty() {
                s.push_str(&format!(" (`<editor>`: {})", editors.join(", ")));
            }
            s
        })
        .collect::<Vec<_>>()
        .join("<br>")
}

/// The supported-clients table (Markdown).
pub fn clients_markdown() -> String {
    let mut out = String::from(
        "| Client | Linux | macOS | Windows | In a project folder | Format |\n|---|---|---|---|---|---|\n",
    );
    for c in clients::all() {
        let per_os: Vec<String> = [Platform::Linux, Platform::Macos, Platform::Windows]
            .into_iter()
            .map(|p| cell(&c.user_locations(&example_env(p)), p))
            .collect();
        let project = c.project_locations(Path::new("/PROJECT"));
        let project_cell = {
            let mut v: Vec<String> = Vec::new();
            for l in &project {
                let s = format!(
                    "`{}`",
                    l.path
                        .strip_prefix("/PROJECT")
                        .unwrap_or(&l.path)
                        .to_string_lossy()
                );
                if !v.contains(&s) {
                    v.push(s);
                }
            }
            if v.is_empty() {
                "none".to_string()
            } else {
                v.join("<br>")
            }
        };
        let mut formats: Vec<String> = Vec::new();
        for l in [Platform::Linux, Platform::Macos, Platform::Windows]
            .into_iter()
            .flat_map(|p| c.user_locations(&example_env(p)))
            .chain(project)
        {
            let f = format_name(l.format);
            if !formats.contains(&f) {
                formats.push(f);
            }
        }
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} |\n",
            c.name(),
            per_os[0],
            per_os[1],
            per_os[2],
            project_cell,
            formats.join(", ")
        ));
    }
    for (name, why) in clients::not_scannable() {
        out.push_str(&format!(
            "| {name} | not scannable: configure in the app ({why}) | | | | |\n"
        ));
    }
    out
}

/// The supported-providers table (Markdown).
pub fn providers_markdown() -> String {
    let mut out = String::from(
        "| Provider | id | How the key is replaced | Link ids | Rotate call authenticated by |\n|---|---|---|---|---|\n",
    );
    for p in crate::providers::all() {
        let link = crate::providers::Link {
            provider: p.id().to_string(),
            ..Default::default()
        };
        let model = match p.model(&link) {
            crate::providers::Model::RotateInPlace => "rotate in place: the old key dies at once",
            crate::providers::Model::RotateWithGrace => {
                "rotate with grace: the old key works until a stated time"
            }
            crate::providers::Model::CreateThenRevoke => {
                "create, then revoke the old key once every config holds the new one"
            }
        };
        let ids = p.required_ids();
        let ids = if ids.is_empty() {
            "none".to_string()
        } else {
            ids.iter()
                .map(|i| format!("`{i}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let auth = match p.rotate_auth() {
            crate::providers::RotateAuth::CurrentKey => "the key itself",
            crate::providers::RotateAuth::AdminCredential => "an admin credential (`rekey login`)",
        };
        // A custom provider's model and credential are whatever its TOML spec says.
        let (model, auth) = if p.id() == "custom" {
            (
                "as its spec says: rotate in place, or create then revoke when it has a `[create]` request",
                "as its spec says (the key itself, or an admin credential)",
            )
        } else {
            (model, auth)
        };
        out.push_str(&format!(
            "| {} | `{}` | {} | {} | {} |\n",
            p.name(),
            p.id(),
            model,
            ids,
            auth
        ));
    }
    out
}
