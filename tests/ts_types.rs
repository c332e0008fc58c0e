//! The window's TypeScript types are generated from the engine's Rust types (ts-rs): this test renders
//! every type that crosses the app's IPC, with everything it refers to, into `ui/src/generated/types.ts`
//! and fails when the committed file differs. `REKEY_BLESS=1 cargo test -p rekey --test ts_types`
//! rewrites it.

use rekey::rotation::{self, journal::Step, store::AuditEntry};
use std::any::TypeId;
use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use ts_rs::{Config, TypeVisitor, TS};

const HEADER: &str = "\
// Generated from the engine's Rust types by tests/ts_types.rs (ts-rs): do not edit by hand.
// Regenerate: REKEY_BLESS=1 cargo test -p rekey --test ts_types
";

/// Collects a type's declaration and, recursively, those of the types it refers to.
struct Collect<'a> {
    cfg: &'a Config,
    seen: HashSet<TypeId>,
    decls: BTreeMap<String, String>,
}

impl TypeVisitor for Collect<'_> {
    fn visit<T: TS + 'static + ?Sized>(&mut self) {
        // Only declarable types have an output path (not primitives, Vec, Option, …).
        if T::output_path().is_none() || !self.seen.insert(TypeId::of::<T>()) {
            return;
        }
        let name = T::ident(self.cfg);
        let mut decl = T::docs().unwrap_or_default();
        decl.push_str("export ");
        decl.push_str(&T::decl(self.cfg));
        decl.push('\n');
        if let Some(other) = self.decls.insert(name.clone(), decl) {
            panic!("two Rust types are called {name} in TypeScript:\n{other}");
        }
        T::visit_dependencies(self);
    }
}

/// Every type a command returns (or takes, for `Settings` and `ClientId`), with its dependencies.
fn generate() -> String {
    // u64/i64 are plain numbers in the JSON the commands send (sizes, seconds, days).
    let cfg = Config::new().with_large_int("number");
    let mut c = Collect {
        cfg: &cfg,
        seen: HashSet::new(),
        decls: BTreeMap::new(),
    };
    c.visit::<rekey::EngineInfo>();
    c.visit::<rekey::guard::GuardStatus>();
    c.visit::<rekey::ipc::AppMode>();
    c.visit::<rekey::ipc::PlanDraft>();
    c.visit::<rekey::ipc::ProtectDraft>();
    c.visit::<rekey::ipc::UnprotectDraft>();
    c.visit::<rekey::protect::Applied>();
    c.visit::<rekey::vault::VaultStatus>();
    c.visit::<rekey::scan::ScanReport>();
    c.visit::<rekey::live::Lost>();
    c.visit::<rekey::edit::backup::BackupEntry>();
    c.visit::<rekey::restore::RestorePlan>();
    c.visit::<rekey::replace::FileResult>();
    c.visit::<rekey::ipc::ReplaceDraft>();
    c.visit::<rekey::replace::ManualOutcome>();
    c.visit::<rekey::clients::ClientId>();
    c.visit::<rekey::context::Settings>();
    c.visit::<Step>();
    c.visit::<rotation::Outcome>();
    c.visit::<rotation::Recovered>();
    c.visit::<AuditEntry>();
    c.visit::<rotation::ProviderInfo>();
    c.visit::<rotation::KeyAge>();
    c.visit::<rotation::AdminCredential>();
    c.visit::<rotation::RemoteServerChoice>();
    c.visit::<rotation::Added>();
    c.visit::<rekey::ipc::AddDraft>();
    c.visit::<rekey::add::AddRequest>();
    c.visit::<rekey::add::AddApplied>();
    c.visit::<rekey::add::Catalog>();
    let mut out = String::from(HEADER);
    for decl in c.decls.values() {
        out.push('\n');
        out.push_str(decl);
    }
    out
}

#[test]
fn generated_types_are_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("ui/src/generated/types.ts");
    let generated = generate();
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed == generated {
        return;
    }
    if std::env::var_os("REKEY_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, generated).unwrap();
        return;
    }
    panic!(
        "ui/src/generated/types.ts is stale: run `REKEY_BLESS=1 cargo test -p rekey --test ts_types`\n\
         --- generated\n{generated}"
    );
}

/// A field serde leaves out (`skip_serializing_if`) must be optional in TypeScript (`#[ts(optional)]`),
/// or the generated type would promise a value (or `null`) that the JSON does not hold. ts-rs cannot see
/// this by itself, so every such field of a type deriving `TS` says so.
#[test]
fn omitted_fields_are_optional_in_typescript() {
    let mut missing = Vec::new();
    let mut stack = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                missing.extend(
                    unmarked(&text)
                        .into_iter()
                        .map(|line| format!("{}:{line}", path.display())),
                );
            }
        }
    }
    assert!(
        missing.is_empty(),
        "fields with skip_serializing_if but no #[ts(optional…)]:\n{}",
        missing.join("\n")
    );
}

/// Lines of `skip_serializing_if` inside a `TS`-deriving struct whose attributes lack `ts(optional`.
fn unmarked(text: &str) -> Vec<usize> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut in_ts = false;
    let mut derive_ts = false;
    for (i, l) in lines.iter().enumerate() {
        let t = l.trim();
        if t.starts_with("#[derive(") {
            derive_ts = t.contains("TS");
        }
        if t.starts_with("pub struct ") || t.starts_with("struct ") || t.starts_with("pub enum ") {
            in_ts = derive_ts;
            derive_ts = false;
        }
        if t == "}" {
            in_ts = false;
        }
        if in_ts && t.contains("skip_serializing_if") {
            // The field's attributes: the contiguous `#[…]` and `///` lines around this one.
            let mut a = i;
            while a > 0 && is_attr(lines[a - 1]) {
                a -= 1;
            }
            let mut b = i;
            while b + 1 < lines.len() && is_attr(lines[b + 1]) {
                b += 1;
            }
            if !lines[a..=b].iter().any(|l| l.contains("ts(optional")) {
                out.push(i + 1);
            }
        }
    }
    out
}

fn is_attr(l: &str) -> bool {
    let t = l.trim();
    t.starts_with("#[") || t.starts_with("///")
}
