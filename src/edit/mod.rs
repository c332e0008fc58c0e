//! Format-preserving edits: locate exact spans, replace only their bytes, write atomically, back up first.

pub mod json;
