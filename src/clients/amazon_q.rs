//! Amazon Q Developer (CLI and IDE plugins). `mcpServers` with `env`, `disabled`.
//!
//! Source: docs.aws.amazon.com/amazonq/latest/qdeveloper-ug/qdev-mcp (per clients-more.md): legacy global
//! `~/.aws/amazonq/mcp.json`; CLI agent files `~/.aws/amazonq/cli-agents/*.json` (field `mcpServers`); the
//! IDE's `~/.aws/amazonq/agents/default.json`; workspace `.amazonq/mcp.json` and `.amazonq/cli-agents/*.json`.
//! `~` on every OS. Agent files are listed as they exist when the scan runs. Checked with the search tool
//! 2026-12: aws/amazon-q-developer-cli docs/agent-file-locations.md (global `~/.aws/amazonq/cli-agents/`,
//! workspace `.amazonq/cli-agents/`; agent files carry `mcpServers` and `useLegacyMcpJson`), and AWS's
//! "Configuring MCP with Amazon Q CLI" post (`~/.aws/amazonq/mcp.json`). `agents/default.json` is not re-checked.
use super::*;

pub struct AmazonQ;

impl Client for AmazonQ {
    /// Process names per OS (from each app's packaging: executable names and npm package paths).
    fn process_names(&self, p: super::Platform) -> &'static [&'static str] {
        match p {
            super::Platform::Windows => &["q.exe", "qchat.exe"],
            super::Platform::Macos => &["q", "qchat", "/Amazon Q.app/Contents/MacOS/"],
            super::Platform::Linux => &["q", "qchat"],
        }
    }
    fn id(&self) -> ClientId {
        ClientId::AmazonQ
    }
    fn name(&self) -> &'static str {
        "Amazon Q Developer"
    }
    fn user_locations(&self, env: &Env) -> Vec<Location> {
        let dir = env.home.join(".aws").join("amazonq");
        let mut v = vec![
            Location::new(self.id(), dir.join("mcp.json"), Format::Json).variant("legacy mcp.json"),
            Location::new(
                self.id(),
                dir.join("agents").join("default.json"),
                Format::Json,
            )
            .variant("IDE agent"),
        ];
        for p in json_files_in(&dir.join("cli-agents")) {
            v.push(Location::new(self.id(), p, Format::Json).variant("CLI agent"));
        }
        v
    }
    fn project_locations(&self, project: &Path) -> Vec<Location> {
        let dir = project.join(".amazonq");
        let mut v = vec![Location::new(self.id(), dir.join("mcp.json"), Format::Json).project()];
        for p in json_files_in(&dir.join("cli-agents")) {
            v.push(
                Location::new(self.id(), p, Format::Json)
                    .project()
                    .variant("CLI agent"),
            );
        }
        v
    }
    fn config_dirs(&self, env: &Env) -> Vec<PathBuf> {
        vec![env.home.join(".aws").join("amazonq")]
    }
    fn restart_hint(&self) -> &'static str {
        "start a new q chat session (the IDE plugin reloads its agent file by itself)"
    }
}
