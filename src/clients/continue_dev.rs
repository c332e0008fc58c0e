//! Continue (VS Code / JetBrains extension and `cn` CLI): `~/.continue/config.yaml` (Windows
//! `%USERPROFILE%\.continue`), plus one block file per server in `.continue/mcpServers/` of the user dir
//! and of each project. Those folders also accept Claude/Cursor-style JSON files, read as JSON with
//! root `mcpServers` (clients-more.md; continuedev/continue docs "MCP", PR #8021). `mcpServers` is a
//! list of `{name, command, args, env}`; remote servers carry `requestOptions.headers`.
//! `${{ secrets.X }}` / `${{ inputs.X }}` are references (`slots::classify`).

use super::*;

pub struct Continue;

/// The YAML and JSON files of one `.continue/mcpServers` folder that exist now, sorted.
fn block_files(id: ClientId, dir: &Path) -> Vec<Location> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    paths
        .into_iter()
        .filter_map(|p| {
            let format = match p.extension()?.to_str()? {
                "yaml" | "yml" => Format::Yaml,
                "json" => Format::Json,
                _ => return None,
            };
            Some(Location::new(id, p, format).variant("mcpServers block"))
        })
        .collect()
}

impl Client for Continue {
    /// Process names per OS (from each app's packaging: executable names and npm package paths).
    /// Only the `cn` CLI (npm `@continuedev/cli`); the extensions run inside VS Code or a JetBrains IDE.
    fn process_names(&self, p: super::Platform) -> &'static [&'static str] {
        match p {
            super::Platform::Windows => &["cn.exe", "node_modules/@continuedev/cli/"],
            super::Platform::Macos => &["cn", "node_modules/@continuedev/cli/"],
            super::Platform::Linux => &["cn", "node_modules/@continuedev/cli/"],
        }
    }
    fn id(&self) -> ClientId {
        ClientId::Continue
    }
    fn name(&self) -> &'static str {
        "Continue"
    }
    fn user_locations(&self, env: &Env) -> Vec<Location> {
        let dir = env.home.join(".continue");
        let mut v = vec![Location::new(
            self.id(),
            dir.join("config.yaml"),
            Format::Yaml,
        )];
        v.extend(block_files(self.id(), &dir.join("mcpServers")));
        v
    }
    fn project_locations(&self, project: &Path) -> Vec<Location> {
        block_files(self.id(), &project.join(".continue").join("mcpServers"))
            .into_iter()
            .map(Location::project)
            .collect()
    }
    fn server_name_field(&self) -> Option<&'static str> {
        Some("name")
    }
    fn slot_path<'a>(&self, rel: &[&'a str]) -> Option<Vec<&'a str>> {
        match rel {
            ["requestOptions", "headers", name] => Some(vec!["headers", name]),
            _ => None,
        }
    }
    fn restart_hint(&self) -> &'static str {
        "nothing: Continue reloads config.yaml by itself (reload the window if a server stays stale)"
    }
}
