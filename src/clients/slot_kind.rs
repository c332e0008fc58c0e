//! The kinds of place a secret sits in inside a server entry: the vocabulary the scan reports and each
//! provider declares (which places its keys go), below both.

use serde::Serialize;
use ts_rs::TS;

/// The shape of the place a secret sits in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum SlotKind {
    /// `env.NAME`
    Env,
    /// `headers.Name` (the scheme of `Authorization: Bearer …` is kept)
    Header,
    /// `--api-key=VALUE` inside one argument
    ArgFlag,
    /// `--access-token`, `VALUE` as two arguments
    ArgValue,
    /// mcp-remote `--header`, `"Name: value"`
    ArgHeader,
    /// a secret URL path segment (Activepieces `/api/v1/mcp/<token>/sse`, Zapier `/mcp/<key>/…`)
    UrlPath,
    /// a secret query parameter (`?apiKey=…`)
    UrlQuery,
    /// the password of a DSN (`postgresql://user:<pw>@host/db`)
    DsnPassword,
}
