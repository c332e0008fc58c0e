//! Scanning MCP client configs for secrets.

pub mod slots;
