//! LibreChat (self-hosted): `librechat.yaml` in the deployment folder, a project folder the user adds.
//! `mcpServers.<id>`: `url`, `headers`, `env`; `${ENV}` reads the server's environment and `{{VAR}}`
//! is a per-user value set in LibreChat (`customUserVars`), both references (librechat.ai docs,
//! configuration/librechat_yaml/object_structure/mcp_servers).

use super::*;

pub struct LibreChat;

impl Client for LibreChat {
    fn id(&self) -> ClientId {
        ClientId::LibreChat
    }
    fn name(&self) -> &'static str {
        "LibreChat"
    }
    fn user_locations(&self, _env: &Env) -> Vec<Location> {
        Vec::new()
    }
    fn project_locations(&self, project: &Path) -> Vec<Location> {
        vec![Location::new(self.id(), project.join("librechat.yaml"), Format::Yaml).project()]
    }
    fn restart_hint(&self) -> &'static str {
        "restart the LibreChat server (docker compose restart api)"
    }
}
