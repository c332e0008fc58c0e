//! The server entries Rekey can set up: one template per provider it rotates whose vendor documents an
//! MCP server entry (`../shared/reference/providers.md`, `providers-more.md`). A template says how the
//! server starts (a local command, or a remote URL with headers), where the key goes (`{key}`), which ids
//! the user gives (`{field}`), and which of them link the key to its provider for rotation.
//!
//! Providers left out, and why, are in [`LEFT_OUT`]: nothing here is guessed.

use serde::Serialize;
use ts_rs::TS;

/// What kind of value a field takes (and how it is checked).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum FieldKind {
    /// An id: letters, digits and `. _ - :` only.
    Id,
    /// An https:// URL (http:// to loopback only).
    Url,
}

/// One value the user gives.
#[derive(Debug, Clone, Serialize, TS)]
pub struct Field {
    /// The name (`agent_id`): `--id agent_id=…`, `{agent_id}` in the template, the link id.
    pub id: &'static str,
    pub label: &'static str,
    pub kind: FieldKind,
    pub required: bool,
    /// Used when the user leaves it empty.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<&'static str>,
    /// The value is one of the provider link's ids.
    pub link: bool,
    pub help: &'static str,
}

/// How the server starts.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Run {
    /// A local server the client starts: `command`, `args`, `env` (`{key}` in one of them).
    Stdio {
        command: &'static str,
        args: &'static [&'static str],
        env: &'static [(&'static str, &'static str)],
    },
    /// A remote server at `url` with `headers` (`{key}` in the URL or one header). Clients that cannot
    /// send headers, and every protected entry, run it through `npx -y mcp-remote <url> --header …`; the
    /// secret header then comes from the entry's env var `header_env` (mcp-remote's `${VAR}`).
    Remote {
        url: &'static str,
        headers: &'static [(&'static str, &'static str)],
        header_env: &'static str,
    },
}

/// One server entry Rekey can add.
#[derive(Debug, Clone, Serialize, TS)]
pub struct Template {
    /// The provider id (`rekey providers`).
    pub provider: &'static str,
    /// The server's default name in the configs.
    pub server: &'static str,
    pub summary: &'static str,
    /// Where the entry's shape is documented.
    pub source: &'static str,
    pub fields: &'static [Field],
    pub run: Run,
    /// The link's base URL, made from fields (`{instance}/api`); `None`: the provider's default (or
    /// `--base-url`).
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link_base: Option<&'static str>,
}

const fn id(id: &'static str, label: &'static str, required: bool, help: &'static str) -> Field {
    Field {
        id,
        label,
        kind: FieldKind::Id,
        required,
        default: None,
        link: true,
        help,
    }
}

const AP_INSTANCE: Field = Field {
    id: "instance",
    label: "Activepieces URL",
    kind: FieldKind::Url,
    required: true,
    default: Some("https://cloud.activepieces.com"),
    link: false,
    help: "your instance's address (self-hosted), without /api",
};

const BEARER: &[(&str, &str)] = &[("Authorization", "Bearer {key}")];

/// Every template, in the order `rekey add --list` and the wizard show them.
pub const TEMPLATES: &[Template] = &[
    Template {
        provider: "bitscale",
        server: "bitscale",
        summary: "BitScale's MCP server: uvx bitscale-mcp, the key in env BITSCALE_API_KEY",
        source: "featherflow/bitscale-mcp README (providers.md §3)",
        fields: &[],
        run: Run::Stdio {
            command: "uvx",
            args: &["bitscale-mcp"],
            env: &[("BITSCALE_API_KEY", "{key}")],
        },
        link_base: None,
    },
    Template {
        provider: "a2a-market",
        server: "a2amarket",
        summary: "A2A Market's MCP server: npx -y @hz-abyssal-heart/a2amarket-mcp-server, the key in env A2AMARKET_API_KEY",
        source: "ggqshuai-hub/a2amarket-mcp-server README (providers.md §5)",
        fields: &[id("agent_id", "Agent id", true, "the agent the key belongs to (GET /acap/v1/agents/mine)")],
        run: Run::Stdio {
            command: "npx",
            args: &["-y", "@hz-abyssal-heart/a2amarket-mcp-server"],
            env: &[("A2AMARKET_API_KEY", "{key}")],
        },
        link_base: None,
    },
    Template {
        provider: "fruxon",
        server: "fruxon",
        summary: "A Fruxon integration's MCP call URL, the key in the X-API-KEY header",
        source: "docs.fruxon.com integrations-mcp-call: the X-API-KEY header (providers.md §2); the call URL is copied from the integration's MCP settings",
        fields: &[
            Field {
                id: "call_url",
                label: "Call URL",
                kind: FieldKind::Url,
                required: true,
                default: None,
                link: false,
                help: "the integration's MCP callUrl, as Fruxon shows it (…/mcp:call)",
            },
            id("tenant", "Tenant", true, "the tenant id (for the rotate call)"),
            id("integration", "Integration", true, "the integration id (for the rotate call)"),
        ],
        run: Run::Remote {
            url: "{call_url}",
            headers: &[("X-API-KEY", "{key}")],
            header_env: "FRUXON_API_KEY",
        },
        link_base: None,
    },
    Template {
        provider: "cloudflare-access",
        server: "cloudflare-access",
        summary: "An MCP server behind Cloudflare Access, with a service token's CF-Access-Client-Id and CF-Access-Client-Secret headers",
        source: "developers.cloudflare.com service tokens; geelen/mcp-remote README (providers.md §4.6)",
        fields: &[
            Field {
                id: "url",
                label: "MCP server URL",
                kind: FieldKind::Url,
                required: true,
                default: None,
                link: false,
                help: "the server's address behind Access",
            },
            id("client_id", "Client id", true, "the service token's Client ID (…access)"),
            id("account_id", "Account id", true, "the Cloudflare account (for the rotate call)"),
            id("token_id", "Service token id", true, "the service token's id (for the rotate call)"),
            Field {
                id: "app_url",
                label: "Check URL",
                kind: FieldKind::Url,
                required: false,
                default: None,
                link: true,
                help: "optional: an address behind Access that answers GET, to check a new secret",
            },
        ],
        run: Run::Remote {
            url: "{url}",
            headers: &[
                ("CF-Access-Client-Id", "{client_id}"),
                ("CF-Access-Client-Secret", "{key}"),
            ],
            header_env: "CF_ACCESS_CLIENT_SECRET",
        },
        link_base: None,
    },
    Template {
        provider: "activepieces",
        server: "activepieces",
        summary: "An Activepieces MCP server (mcp-servers generation): the token in the URL …/api/v1/mcp/<token>/sse; added only literally (--literal), to clients that connect to URLs themselves",
        source: "activepieces mcp-connect-utils.tsx (providers.md §1.4)",
        fields: &[
            id("server_id", "MCP server id", true, "the MCP server's id (for the rotate call)"),
            AP_INSTANCE,
        ],
        run: Run::Remote {
            url: "{instance}/api/v1/mcp/{key}/sse",
            headers: &[],
            header_env: "",
        },
        link_base: Some("{instance}/api"),
    },
    Template {
        provider: "activepieces-project",
        server: "activepieces",
        summary: "An Activepieces project's MCP server: …/api/v1/projects/<id>/mcp-server/http, the token as a Bearer header",
        source: "activepieces mcp-server-controller.ts and docs/mcp/overview (providers.md §1, generation 3)",
        fields: &[id("project_id", "Project id", true, "the project whose MCP server this is"), AP_INSTANCE],
        run: Run::Remote {
            url: "{instance}/api/v1/projects/{project_id}/mcp-server/http",
            headers: BEARER,
            header_env: "ACTIVEPIECES_AUTH_HEADER",
        },
        link_base: Some("{instance}/api"),
    },
    Template {
        provider: "gitlab",
        server: "gitlab",
        summary: "GitLab through @zereight/mcp-gitlab: the token in env GITLAB_PERSONAL_ACCESS_TOKEN (GitLab's own MCP server signs in with OAuth and holds no key)",
        source: "zereight/gitlab-mcp README (providers-more.md §1.6)",
        fields: &[Field {
            id: "api_url",
            label: "GitLab API URL",
            kind: FieldKind::Url,
            required: true,
            default: Some("https://gitlab.com/api/v4"),
            link: false,
            help: "self-managed: https://<host>/api/v4",
        }],
        run: Run::Stdio {
            command: "npx",
            args: &["-y", "@zereight/mcp-gitlab"],
            env: &[
                ("GITLAB_PERSONAL_ACCESS_TOKEN", "{key}"),
                ("GITLAB_API_URL", "{api_url}"),
            ],
        },
        link_base: None,
    },
    Template {
        provider: "cloudflare-api-token",
        server: "cloudflare",
        summary: "Cloudflare's MCP server https://mcp.cloudflare.com/mcp with the API token as a Bearer header",
        source: "cloudflare/mcp README (providers-more.md §2.6)",
        fields: &[
            id("account_id", "Account id", false, "account-owned tokens (cfat_) only"),
            id("token_id", "Token id", false, "optional: found with the verify call"),
        ],
        run: Run::Remote {
            url: "https://mcp.cloudflare.com/mcp",
            headers: BEARER,
            header_env: "CLOUDFLARE_AUTH_HEADER",
        },
        link_base: None,
    },
    Template {
        provider: "neon",
        server: "neon",
        summary: "Neon's MCP server https://mcp.neon.tech/mcp with the API key as a Bearer header",
        source: "neondatabase/mcp-server-neon README (providers-more.md §3.4)",
        fields: &[
            id("key_id", "Key id", true, "the API key's id (Neon console > API keys), to revoke it after a rotation"),
            id("org_id", "Organization id", false, "an organization's API key only"),
        ],
        run: Run::Remote {
            url: "https://mcp.neon.tech/mcp",
            headers: BEARER,
            header_env: "NEON_AUTH_HEADER",
        },
        link_base: None,
    },
    Template {
        provider: "openai-service-account",
        server: "openai",
        summary: "@mzxrai/mcp-openai with a service account's key in env OPENAI_API_KEY",
        source: "mzxrai/mcp-openai README (providers-more.md §6.4)",
        fields: &[
            id("project_id", "Project id", true, "the project of the service account"),
            id("service_account_id", "Service account id", true, "the service account whose key this is"),
            id("key_id", "Key id", true, "the key's id, to revoke it after a rotation"),
        ],
        run: Run::Stdio {
            command: "npx",
            args: &["-y", "@mzxrai/mcp-openai@latest"],
            env: &[("OPENAI_API_KEY", "{key}")],
        },
        link_base: None,
    },
    Template {
        provider: "paddle",
        server: "paddle",
        summary: "Paddle's remote MCP server https://mcp.paddle.com/mcp with the API key as a Bearer header",
        source: "developer.paddle.com changelog: remote Paddle MCP server (providers-more.md §8)",
        fields: &[id("token_id", "API key id", false, "optional: read from the key or asked from Paddle")],
        run: Run::Remote {
            url: "https://mcp.paddle.com/mcp",
            headers: BEARER,
            header_env: "PADDLE_AUTH_HEADER",
        },
        link_base: None,
    },
    Template {
        provider: "launchdarkly",
        server: "LaunchDarkly",
        summary: "LaunchDarkly's MCP server: npx -y --package @launchdarkly/mcp-server -- mcp start --api-key <key>",
        source: "launchdarkly/mcp-server README (providers-more.md §8)",
        fields: &[id("token_id", "Token id", false, "optional: found with caller-identity")],
        run: Run::Stdio {
            command: "npx",
            args: &["-y", "--package", "@launchdarkly/mcp-server", "--", "mcp", "start", "--api-key", "{key}"],
            env: &[],
        },
        link_base: None,
    },
    Template {
        provider: "rootly",
        server: "rootly",
        summary: "Rootly's MCP server https://mcp.rootly.com/mcp with the API key as a Bearer header",
        source: "rootly-mcp-server on PyPI (providers-more.md §8)",
        fields: &[id("token_id", "API key id", true, "the key's id (Organization Settings > API Keys)")],
        run: Run::Remote {
            url: "https://mcp.rootly.com/mcp",
            headers: BEARER,
            header_env: "ROOTLY_AUTH_HEADER",
        },
        link_base: None,
    },
];

/// Providers Rekey rotates but cannot set a server up for, and why.
pub const LEFT_OUT: &[(&str, &str)] = &[
    ("datadog-api-key", "Datadog's MCP server takes the API key and an application key together (DD_API_KEY and DD_APPLICATION_KEY headers); `rekey add` takes one key: add the entry by hand, then `rekey link` each key"),
    ("datadog-app-key", "Datadog's MCP server takes the API key and an application key together (DD_API_KEY and DD_APPLICATION_KEY headers); `rekey add` takes one key: add the entry by hand, then `rekey link` each key"),
    ("openai-admin-key", "OpenAI admin keys are not what MCP servers use (they take a project or service-account key: openai-service-account)"),
    ("vercel", "Vercel's MCP server entry is not documented in Rekey's references, so Rekey does not guess it"),
    ("custom", "a custom provider has no known server entry"),
];

pub fn by_provider(provider: &str) -> Option<&'static Template> {
    TEMPLATES.iter().find(|t| t.provider == provider)
}

/// Why `provider` has no template, if Rekey knows.
pub fn left_out(provider: &str) -> Option<&'static str> {
    LEFT_OUT
        .iter()
        .find(|(p, _)| *p == provider)
        .map(|(_, why)| *why)
}

/// A template and its provider's name, as the wizard lists it.
#[derive(Debug, Clone, Serialize, TS)]
pub struct Offered {
    /// The provider's name (`BitScale`).
    pub name: &'static str,
    #[serde(flatten)]
    #[ts(flatten)]
    pub template: Template,
}

/// Everything the wizard and `rekey add --list` show.
#[derive(Debug, Clone, Serialize, TS)]
pub struct Catalog {
    pub templates: Vec<Offered>,
    /// (provider id, why it cannot be added)
    pub left_out: Vec<(String, String)>,
    /// The clients a server can be added to: (id, name).
    pub clients: Vec<(crate::clients::ClientId, String)>,
}

pub fn catalog() -> Catalog {
    Catalog {
        templates: TEMPLATES
            .iter()
            .map(|t| Offered {
                name: crate::providers::by_id(t.provider).map_or(t.provider, |p| p.name()),
                template: t.clone(),
            })
            .collect(),
        left_out: LEFT_OUT
            .iter()
            .map(|(p, w)| (p.to_string(), w.to_string()))
            .collect(),
        clients: super::supported_clients()
            .into_iter()
            .map(|c| (c, crate::clients::by_id(c).name().to_string()))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_provider_has_a_template_or_a_reason_and_templates_are_well_formed() {
        for p in crate::providers::all() {
            assert!(
                by_provider(p.id()).is_some() != left_out(p.id()).is_some(),
                "{}: exactly one of a template or a reason",
                p.id()
            );
        }
        for t in TEMPLATES {
            let p = crate::providers::by_id(t.provider).expect("a real provider");
            let mut texts: Vec<&str> = match &t.run {
                Run::Stdio { command, args, env } => std::iter::once(*command)
                    .chain(args.iter().copied())
                    .chain(env.iter().map(|(_, v)| *v))
                    .collect(),
                Run::Remote { url, headers, .. } => std::iter::once(*url)
                    .chain(headers.iter().map(|(_, v)| *v))
                    .collect(),
            };
            texts.extend(t.link_base);
            assert_eq!(
                texts
                    .iter()
                    .map(|s| s.matches("{key}").count())
                    .sum::<usize>(),
                1,
                "{}: the key goes in exactly one place",
                t.provider
            );
            // Every placeholder is a field, and every required link id is a required field.
            for s in &texts {
                for (i, _) in s.match_indices('{') {
                    let name = &s[i + 1..i + s[i..].find('}').unwrap()];
                    assert!(
                        name == "key" || t.fields.iter().any(|f| f.id == name),
                        "{}: {{{name}}}",
                        t.provider
                    );
                }
            }
            for req in p.required_ids() {
                assert!(
                    t.fields
                        .iter()
                        .any(|f| f.id == *req && f.link && f.required),
                    "{}: {req}",
                    t.provider
                );
            }
            if let Run::Remote {
                headers,
                header_env,
                ..
            } = &t.run
            {
                if headers.iter().any(|(_, v)| v.contains("{key}")) {
                    assert!(
                        crate::scan::slots::is_secret_name(header_env),
                        "{header_env}"
                    );
                }
            }
        }
    }
}
