//! Format-preserving edits: locate exact spans, replace only their bytes, write atomically, back up first.

pub mod add;
pub mod atomic;
pub mod backup;
pub mod batch;
pub mod json;
pub mod read;
pub mod temp;
pub mod toml;
pub mod toml_depth;
pub mod yaml;
