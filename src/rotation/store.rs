//! Rekey's small JSON files in the data dir, as the rotation code names them: links (no secrets, see
//! `change::links`), the audit log (`change::history`).

pub use crate::change::history::{Audit, AuditEntry};
pub use crate::change::links::Links;
pub(crate) use crate::datafile::write_json;
