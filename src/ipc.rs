//! Shapes that only the desktop app's IPC sends (the rest are the engine's own types). Every type the
//! window receives derives `ts_rs::TS`: `tests/ts_types.rs` writes them to `ui/src/generated/types.ts`.

use crate::rotation::RotationPlan;
use serde::Serialize;
use std::marker::PhantomData;
use std::path::PathBuf;
use ts_rs::TS;

/// Whether the app runs as the demo (`rekey-app --demo`), and its throwaway home.
#[derive(Debug, Clone, Serialize, TS)]
pub struct AppMode {
    pub demo: bool,
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub home: Option<PathBuf>,
}

/// A rotation plan the window shows, and the draft id that confirms or cancels exactly that plan.
#[derive(Debug, Serialize, TS)]
pub struct PlanDraft {
    pub draft: String,
    #[ts(as = "RotationPlan")]
    pub plan: Json<RotationPlan>,
}

/// A protect plan the window shows, and the draft id that confirms or cancels exactly that plan.
#[derive(Debug, Serialize, TS)]
pub struct ProtectDraft {
    pub draft: String,
    #[ts(as = "crate::protect::ProtectPlan")]
    pub plan: Json<crate::protect::ProtectPlan>,
}

/// An unprotect plan the window shows, and the draft id that confirms or cancels exactly that plan.
#[derive(Debug, Serialize, TS)]
pub struct UnprotectDraft {
    pub draft: String,
    #[ts(as = "crate::protect::UnprotectPlan")]
    pub plan: Json<crate::protect::UnprotectPlan>,
}

/// A manual-replace plan the window shows, and the draft id that confirms or cancels exactly that plan.
#[derive(Debug, Serialize, TS)]
pub struct ReplaceDraft {
    pub draft: String,
    #[ts(as = "crate::replace::ManualPlan")]
    pub plan: Json<crate::replace::ManualPlan>,
}

/// An add-a-server plan the window shows, and the draft id that confirms or cancels exactly that plan.
#[derive(Debug, Serialize, TS)]
pub struct AddDraft {
    pub draft: String,
    #[ts(as = "crate::add::AddPlan")]
    pub plan: Json<crate::add::AddPlan>,
}

/// A value already serialized, remembering its type: for a command that keeps the value itself (the app
/// holds on to a plan or a scan that is not `Clone`) and sends its JSON.
pub struct Json<T> {
    value: serde_json::Value,
    of: PhantomData<fn() -> T>,
}

impl<T: Serialize> Json<T> {
    pub fn of(value: &T) -> crate::Result<Self> {
        Ok(Json {
            value: serde_json::to_value(value)
                .map_err(|e| crate::Error::InvalidInput(e.to_string()))?,
            of: PhantomData,
        })
    }
}

impl<T> Serialize for Json<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.value.serialize(s)
    }
}

impl<T> std::fmt::Debug for Json<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Json(..)")
    }
}
