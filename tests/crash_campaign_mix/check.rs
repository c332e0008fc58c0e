//! The mixed campaign's invariants, judged after `rekey recover` on what a user could observe.
use super::common::crash::{data_texts, journal, keychain_secrets, recovered, Ran as Output};
use super::common::fixture::keys;
use super::common::TempHome;
use super::ops::{id_has_pid, OpKind};
use super::{Campaign, Round, CLAUDE_CODE, CURSOR, FILES};
use rekey_fakes::Provider as P;
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Stdio};

/// Kinds of change that do not go through the change pipeline yet (no lock, no re-check, no history
/// line): an op of these kinds that exited 0 without one, and a config left on a dead key that such an op
/// was given (add's key, replace's OLD or NEW), are counted apart and printed, not failed. Empty once they
/// all go through it (issue 18).
pub const PENDING_HISTORY: &[&str] = &[];

const VARS: [&str; 2] = ["BITSCALE_API_KEY", "NEON_API_KEY"];
const PROVIDERS: [&str; 2] = ["bitscale", "neon"];
/// History outcomes that tell the user a change of the key did not end cleanly.
const REPORTED: [&str; 6] = [
    "incomplete",
    "unknown",
    "verify-failed",
    "kept-both",
    "revoke-failed",
    "failed",
];

/// The keychain entry `account` of the interleaving's service.
fn lookup(svc: &str, account: &str) -> Option<String> {
    let o = Command::new("secret-tool")
        .args(["lookup", "service", svc, "username", account])
        .stderr(Stdio::null())
        .output()
        .unwrap();
    o.status
        .success()
        .then(|| String::from_utf8_lossy(&o.stdout).into_owned())
}

/// JSON or JSONC (whole-line `//` comments, the only kind the campaign's files have).
fn parse(text: &str) -> Option<Value> {
    let t: String = text
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    serde_json::from_str(&t).ok()
}

/// (scope, name, entry) of every server: `""` for the top level, else the project's path.
fn servers(v: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    let mut of = |scope: &str, m: &Value| {
        for (n, e) in m.as_object().into_iter().flatten() {
            out.push((scope.to_string(), n.clone(), e.clone()));
        }
    };
    of("", &v["mcpServers"]);
    for (p, proj) in v["projects"].as_object().into_iter().flatten() {
        of(p, &proj["mcpServers"]);
    }
    out
}

/// The file without its servers (what must never change).
fn outside_servers(v: &Value) -> Value {
    let mut v = v.clone();
    if let Some(o) = v.as_object_mut() {
        o.remove("mcpServers");
        for (_, p) in o
            .get_mut("projects")
            .and_then(Value::as_object_mut)
            .into_iter()
            .flatten()
        {
            p.as_object_mut().map(|p| p.remove("mcpServers"));
        }
    }
    v
}

fn masked(s: &str) -> String {
    format!(
        "{}…{}",
        &s[..s.len().min(10)],
        &s[s.len().saturating_sub(4)..]
    )
}

pub fn judge(c: &Campaign, r: &mut Round, home: &TempHome, svc: &str, data: &Path, rec: &Output) {
    let bin = env!("CARGO_BIN_EXE_rekey");
    let hist: Vec<Value> = serde_json::from_str::<Value>(
        &super::common::crash::run_timed(
            home,
            svc,
            &["history", "--json"],
            "",
            std::time::Duration::from_secs(30),
        )
        .stdout,
    )
    .ok()
    .and_then(|v| v.as_array().cloned())
    .unwrap_or_default();
    let jour = journal(data);
    let b_live = c.fake.current_key(P::BitScale);
    let neon_all = keys(&c.fake, P::Neon).keys;
    let neon_live: Vec<&rekey_fakes::vendors::keystore::FakeKey> = neon_all
        .iter()
        .filter(|k| !k.revoked && k.name != "admin" && k.name != "ops")
        .collect();
    let live = |i: usize, v: &str| {
        if i == 0 {
            v == b_live
        } else {
            neon_live.iter().any(|k| k.key == v)
        }
    };
    // A change of the key that did not end cleanly, in history or the rotation journal.
    let reported = |i: usize| {
        hist.iter().any(|l| {
            (l["key"] == c.keys[i].as_str() || l["provider"] == PROVIDERS[i])
                && REPORTED.iter().any(|o| l["outcome"] == *o)
        }) || jour
            .iter()
            .any(|j| j["provider"] == PROVIDERS[i] && REPORTED.iter().any(|o| j["step"] == *o))
    };
    let restored = |f: &Path| {
        r.ops
            .iter()
            .any(|o| o.restored.as_deref() == Some(f) && (o.code == Some(0) || o.killed))
    };
    // A key the "dashboard" rotated away whose replace did not run to its end.
    let replace_pending = |v: &str| {
        r.ops
            .iter()
            .any(|o| o.replace.as_ref().is_some_and(|(old, _)| old == v) && o.code != Some(0))
    };
    let added: Vec<String> = r.ops.iter().filter_map(|o| o.added.clone()).collect();
    let in_keychain = keychain_secrets(svc);
    let mut literals: Vec<String> = Vec::new();
    let mut v1 = Vec::new();
    let mut pending: Vec<String> = Vec::new();
    for rel in FILES {
        let path = home.dir.path().join(rel);
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let Some(now) = parse(&text) else {
            v1.push(("config-does-not-parse", format!("{rel}: {text}")));
            continue;
        };
        let orig = parse(c.original(rel)).unwrap();
        // 5. Nothing outside the servers changed; the servers are the original ones (and the added).
        if outside_servers(&now) != outside_servers(&orig) {
            v1.push(("outside-servers-changed", format!("{rel}: {text}")));
        }
        if rel == CURSOR && !text.contains("// my servers") {
            v1.push(("comment-lost", format!("{rel}: {text}")));
        }
        let names = |v: &Value| -> Vec<(String, String)> {
            servers(v).into_iter().map(|(s, n, _)| (s, n)).collect()
        };
        let (mut want, mut have) = (names(&orig), names(&now));
        have.retain(|(s, n)| !(rel == CURSOR && s.is_empty() && added.contains(n)));
        want.sort();
        have.sort();
        if want != have {
            v1.push((
                "servers-changed",
                format!("{rel}: {want:?} became {have:?}"),
            ));
        }
        for (scope, name, e) in servers(&now) {
            let at = format!(
                "{rel} {}{name}",
                if scope.is_empty() {
                    String::new()
                } else {
                    format!("{scope}: ")
                }
            );
            for (i, var) in VARS.iter().enumerate() {
                let Some(v) = e["env"][var].as_str() else {
                    continue;
                };
                let wrapped = e["command"] == bin && e["args"][0] == "exec" && e["args"][1] == "--";
                let value = if let Some(id) = v.strip_prefix("rekey://") {
                    if !wrapped {
                        v1.push((
                            "reference-not-wrapped",
                            format!("{at} holds rekey://{id} but starts {}", e["command"]),
                        ));
                    }
                    match lookup(svc, &format!("ref:{id}")) {
                        Some(k) => k,
                        None => {
                            // 2. A reference whose keychain entry is gone: the server cannot start.
                            let kind = if restored(&path) {
                                "restored-reference-missing"
                            } else {
                                "reference-missing"
                            };
                            v1.push((
                                kind,
                                format!("{at} holds rekey://{id}; no keychain entry ref:{id}"),
                            ));
                            continue;
                        }
                    }
                } else {
                    if wrapped
                        && !e["args"].as_array().is_some_and(|a| {
                            a.iter()
                                .any(|x| x.as_str().is_some_and(|s| s.contains("rekey://")))
                        })
                    {
                        v1.push((
                            "unwrapped-key-still-through-exec",
                            format!("{at}: a literal key, started through rekey exec"),
                        ));
                    }
                    literals.push(v.to_string());
                    v.to_string()
                };
                // 1. The live key, unless Rekey reported the key's change unfinished.
                let dead = !live(i, &value)
                    && !reported(i)
                    && !restored(&path)
                    && !replace_pending(&value);
                // (A key an op of a kind not yet in the pipeline was given: counted apart, see PENDING.)
                let by_pending = r.ops.iter().any(|o| {
                    PENDING_HISTORY.contains(&o.kind.word())
                        && (o.given.as_deref() == Some(value.as_str())
                            || o.replace
                                .as_ref()
                                .is_some_and(|(a, b)| *a == value || *b == value))
                });
                if dead && by_pending {
                    pending.push(format!(
                        "config-on-dead-key: {at} holds {}, not the live key {}",
                        masked(&value),
                        masked(&b_live)
                    ));
                } else if dead {
                    let which = if v.starts_with("rekey://") {
                        format!("{v} (keychain: {})", masked(&value))
                    } else {
                        masked(&value)
                    };
                    v1.push((
                        "config-on-dead-key",
                        format!(
                            "{at} holds {which}, not the live key {}",
                            if i == 0 {
                                masked(&b_live)
                            } else {
                                format!(
                                    "{:?}",
                                    neon_live.iter().map(|k| &k.name).collect::<Vec<_>>()
                                )
                            }
                        ),
                    ));
                }
            }
        }
    }
    r.violations.extend(v1);
    r.pending_violations.extend(pending);
    // 3. Every live key is findable: a config, the keychain (or, after a restore, the copy it made first).
    let mut findable: Vec<String> = literals.iter().chain(&in_keychain).cloned().collect();
    if r.ops.iter().any(|o| o.kind == OpKind::Restore) {
        for e in std::fs::read_dir(data.join("backups"))
            .into_iter()
            .flatten()
            .flatten()
        {
            findable.push(std::fs::read_to_string(e.path()).unwrap_or_default());
        }
    }
    let found = |k: &str| findable.iter().any(|f| f.contains(k));
    let replaced_new = |v: &str| {
        r.ops
            .iter()
            .any(|o| o.replace.as_ref().is_some_and(|(_, n)| n == v) && o.code != Some(0))
    };
    // (A rotation killed while the provider answered loses the new key: never silently.)
    let answer_lost = hist
        .iter()
        .any(|l| l["kind"] == "rotate" && l["provider"] == "bitscale" && l["outcome"] == "unknown");
    if !found(&b_live) && !replaced_new(&b_live) && !answer_lost {
        r.violations.push((
            "live-key-lost",
            format!(
                "BitScale's live key {} is in no config and not in the keychain",
                masked(&b_live)
            ),
        ));
    }
    let messages: Vec<&str> = hist
        .iter()
        .chain(&jour)
        .filter_map(|l| l["message"].as_str())
        .collect();
    let old_active = jour.iter().chain(&hist).any(|j| {
        [
            "revoke-failed",
            "kept-both",
            "verify-failed",
            "incomplete",
            "unknown",
        ]
        .iter()
        .any(|s| j["step"] == *s || j["outcome"] == *s)
    });
    for k in &neon_live {
        let original = k.key == c.fake.state(|s| s.neon.key.clone())
            || neon_all.first().is_some_and(|f| f.key == k.key);
        let named = messages.iter().any(|m| m.contains(&k.name)) || (original && old_active);
        if !found(&k.key) && !named {
            r.violations.push((
                "live-key-forgotten",
                format!(
                    "Neon key {} is live, findable nowhere, and Rekey says nothing of it",
                    k.name
                ),
            ));
        }
    }
    if neon_live.is_empty() {
        r.violations
            .push(("no-live-key", "every Neon key is revoked".into()));
    }
    // 4. Every change is in history.
    for o in &r.ops {
        let line = hist.iter().find(|l| {
            l["rotation"]
                .as_str()
                .is_some_and(|id| id_has_pid(id, o.pid))
        });
        if o.code == Some(0) && !o.killed {
            match line {
                Some(l) if l["kind"] == o.kind.word() => {}
                Some(l) => r.violations.push((
                    "history-wrong-kind",
                    format!("`rekey {}` is recorded as {}", o.args.join(" "), l["kind"]),
                )),
                None if PENDING_HISTORY.contains(&o.kind.word()) => {
                    r.pending.push(o.kind.word().into())
                }
                None => r.violations.push((
                    "exited-0-not-in-history",
                    format!(
                        "`rekey {}` (pid {}): {}",
                        o.args.join(" "),
                        o.pid,
                        o.stdout.trim().lines().last().unwrap_or("")
                    ),
                )),
            }
        }
        if o.killed && o.begun && line.is_none() {
            r.violations.push((
                "interrupted-not-in-history",
                format!(
                    "`rekey {}` (pid {}) was killed inside its change",
                    o.args.join(" "),
                    o.pid
                ),
            ));
        }
    }
    // Recovery leaves nothing interrupted behind.
    // (A kill inside the intent's atomic write leaves only its temp file: the change had not begun.)
    let left: Vec<String> = super::common::crash::listing(&data.join("changes"))
        .into_iter()
        .filter(|f| f.ends_with(".json") && !f.starts_with('.'))
        .collect();
    if !left.is_empty() {
        r.violations
            .push(("change-left-interrupted", format!("{left:?} after recover")));
    }
    let steps: Vec<&str> = jour.iter().filter_map(|j| j["step"].as_str()).collect();
    if steps
        .iter()
        .any(|s| matches!(*s, "intent" | "created" | "held" | "written"))
    {
        r.violations.push((
            "rotation-left-interrupted",
            format!("journal {steps:?} after recover"),
        ));
    }
    if jour.iter().any(|j| j["step"].as_str().is_none()) {
        r.violations
            .push(("journal-unreadable", format!("{jour:?}")));
    }
    // No secret in Rekey's own files (the backups are copies of configs and rightly hold keys).
    let mut texts = Vec::new();
    data_texts(data, &mut texts);
    let secrets: Vec<String> = neon_all
        .iter()
        .map(|k| k.key.clone())
        .chain([b_live.clone(), c.fake.state(|s| s.bitscale_key.clone())])
        .chain(
            r.ops
                .iter()
                .filter_map(|o| o.replace.clone())
                .flat_map(|(a, b)| [a, b]),
        )
        .filter(|s| !s.is_empty())
        .collect();
    for (p, t) in &texts {
        if secrets.iter().any(|s| t.contains(s.as_str())) {
            r.violations
                .push(("secret-in-data-dir", p.display().to_string()));
        }
    }
    let _ = CLAUDE_CODE;
    r.notes.push(format!(
        "recover: {:?}; history: {:?}; neon keys {:?}",
        recovered(rec)
            .iter()
            .map(|e| format!(
                "{} {}",
                e["rotation"].as_str().unwrap_or("?"),
                e["step"].as_str().or(e["message"].as_str()).unwrap_or("?")
            ))
            .collect::<Vec<_>>(),
        hist.iter()
            .map(|l| format!(
                "{} {} {} {}",
                l["rotation"].as_str().unwrap_or(""),
                l["kind"].as_str().unwrap_or(""),
                l["provider"].as_str().unwrap_or(""),
                l["outcome"].as_str().unwrap_or("")
            ))
            .collect::<Vec<_>>(),
        neon_all
            .iter()
            .map(|k| format!("{}{}", k.name, if k.revoked { " (revoked)" } else { "" }))
            .collect::<Vec<_>>()
    ));
}
