//! The crash campaign of the create-then-revoke vendors (Neon, Datadog API and application keys, OpenAI
//! admin and service-account keys, Vercel): `rekey rotate` is SIGKILLed at seeded random instants while
//! the vendor's fake waits 30 ms before and 30 ms after it creates the new key (a kill in the first wait
//! leaves the create running server-side: it still commits; in the second, the answer is lost), then
//! `rekey recover` runs (in half the rounds twice, which must change nothing). The key is in Claude Desktop
//! and Cursor. Each round has a fresh home, keychain service and vendor state, and is judged only on what a
//! user could observe: the configs' bytes, the vendor's keys (live or revoked, by name), the keychain
//! entries of the round's service, the journal and recover's output. A round violates if:
//! - a config is neither its original bytes nor the original on a key the vendor created
//!   (`corrupt-config`), the configs disagree (`configs-disagree`), or a config holds a revoked key
//!   (`config-on-revoked-key`);
//! - a live key that no config holds is not named by Rekey (`live-key-forgotten`): a created key must be the
//!   one an `unknown` rotation names ("a key named 'rekey-<id>' may exist"), the old key must be in an "old
//!   key still active" state (`revoke-failed`, `kept-both`, `verify-failed`, `incomplete`);
//! - the new secret a config holds is not in the keychain (`new-key-not-recoverable`), or a created key in
//!   the keychain is not in every config (`keychain-key-not-applied`);
//! - the copy of the old key outlives its rotation in the keychain (`old-key-copy-left`), a rotation is
//!   still interrupted after recovery (`left-interrupted`), the vendor was asked to create twice
//!   (`create-called-again`), recovery failed or was not idempotent, a file appeared beside a config, a
//!   backup still shares a config's inode, or a secret reached Rekey's data files.
//!
//! `REKEY_CRASH_CTR_KILLS` (default 25) kills per vendor, `REKEY_CRASH_SEED` replays (the seed is printed;
//! every vendor uses it). `bench/run.sh crash` runs it on a release build. Needs the private Secret
//! Service (`scripts/test-env.sh cargo test -p rekey --test crash_campaign_ctr`).
mod common;
use common::crash::*;
use common::fixture::{configs, keys, link_args, provider_id};
use common::*;
use rekey_fakes::vendors::keystore::FakeKey;
use rekey_fakes::{FakeProviders, Fault, Provider as P, State};
use serde_json::Value;
use std::time::Duration;

const WAIT: Duration = Duration::from_millis(30);
const FILES: [&str; 2] = [
    "config/Claude/claude_desktop_config.json",
    "home/.cursor/mcp.json",
];
/// The directories beside the configs, whose listings must not change.
const WATCHED: [&str; 2] = ["config/Claude", "home/.cursor"];
/// The account name of the admin credential (`rekey login --account`, `rekey link --account`).
const ACCOUNT: &str = "crash";

/// Put the vendor's keys back as they were when the campaign started.
fn reset(s: &mut State, p: P, start: &State) {
    match p {
        P::Neon => s.neon = start.neon.clone(),
        P::DatadogApiKey | P::DatadogAppKey => s.datadog = start.datadog.clone(),
        P::OpenAiAdminKey | P::OpenAiServiceAccountKey => s.openai = start.openai.clone(),
        P::Vercel => s.vercel = start.vercel.clone(),
        other => unreachable!("{other:?} is not create-then-revoke"),
    }
}

struct Campaign {
    p: P,
    fake: FakeProviders,
    start: State,
    template_data: tempfile::TempDir,
    originals: Vec<String>,
    old: String,
    admin: Option<String>,
    cred: String,
    seed: u64,
}

impl Campaign {
    fn new(p: P, seed: u64) -> Self {
        let fake = FakeProviders::start().unwrap();
        let home = TempHome::new();
        let (old, admin) = configs(&fake, p, &home);
        let start = fake.state(|s| {
            let mut start = State::default();
            reset(&mut start, p, s);
            start
        });
        let originals: Vec<String> = FILES
            .iter()
            .map(|f| std::fs::read_to_string(home.dir.path().join(f)).unwrap())
            .collect();
        // One scan, login and link through the CLI, kept as a template data dir (fingerprint key and link)
        // that every round copies: the credential id stays the same, and rounds skip those processes.
        let svc = format!("rekey-crash-{}-{seed:016x}-setup", provider_id(p));
        let secs = Duration::from_secs(30);
        let scan = run_timed(&home, &svc, &["scan", "--json"], "", secs);
        let v: Value = serde_json::from_str(&scan.stdout)
            .unwrap_or_else(|e| panic!("scan --json: {e}: {}{}", scan.stdout, scan.stderr));
        let cred = v["credentials"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["masked"].as_str().unwrap_or("").starts_with(&old[..4]))
            .expect("the scan finds the key")["id"]
            .as_str()
            .unwrap()
            .to_string();
        if let Some(a) = &admin {
            let login = ["login", provider_id(p), "--account", ACCOUNT];
            let r = run_timed(&home, &svc, &login, &format!("{a}\n"), secs);
            assert_eq!(r.code, Some(0), "login: {}", r.stderr);
        }
        let mut link: Vec<String> = [
            "link",
            &cred,
            "--provider",
            provider_id(p),
            "--account",
            ACCOUNT,
        ]
        .map(String::from)
        .to_vec();
        link.extend(link_args(&fake, p));
        let args: Vec<&str> = link.iter().map(String::as_str).collect();
        let r = run_timed(&home, &svc, &args, "", secs);
        assert_eq!(r.code, Some(0), "link: {}", r.stderr);
        clear_keychain(&svc);
        let template_data = tempfile::tempdir().unwrap();
        copy_dir(&home.dir.path().join("data"), template_data.path());
        Campaign {
            p,
            fake,
            start,
            template_data,
            originals,
            old,
            admin,
            cred,
            seed,
        }
    }

    /// One round: rotate, SIGKILL after `kill_at` (None: let it finish), recover, judge.
    fn round(&self, index: usize, kill_at: Option<KillAt>, recover_twice: bool) -> Round {
        let mut r = Round {
            index,
            kill_at: kill_at.map(KillAt::delay).unwrap_or_default(),
            ..Round::default()
        };
        let p = self.p;
        let home = TempHome::new();
        copy_dir(self.template_data.path(), &home.dir.path().join("data"));
        for (rel, text) in FILES.iter().zip(&self.originals) {
            home.write(rel, text);
        }
        let listings: Vec<Vec<String>> = WATCHED
            .iter()
            .map(|d| listing(&home.dir.path().join(d)))
            .collect();
        let svc = format!("rekey-crash-{}-{:016x}-{index}", provider_id(p), self.seed);
        let secs = Duration::from_secs(30);
        if let Some(a) = &self.admin {
            let login = ["login", provider_id(p), "--account", ACCOUNT];
            let l = run_timed(&home, &svc, &login, &format!("{a}\n"), secs);
            assert_eq!(l.code, Some(0), "login: {}", l.stderr);
        }
        self.fake.state(|s| {
            reset(s, p, &self.start);
            s.faults = vec![(
                p,
                Fault::DelayAround {
                    before: WAIT,
                    after: WAIT,
                },
            )];
            s.rotations.clear();
            s.rotate_calls.clear();
            s.revoke_calls.clear();
            s.seen.clear();
            s.deaths.clear();
        });

        let run = rotate_killed(&home, &svc, &self.cred, kill_at);
        r.completed = run.completed;
        r.began = run.began;
        r.began_at = run.began_at;
        if let (Some(t), Some(st)) = (run.time, run.status) {
            r.rotate_time = t;
            if !st.success() {
                r.violations
                    .push(("rotate-failed", format!("uninterrupted rotate exited {st}")));
            }
        }
        // A create the killed process left in flight still commits at the vendor.
        if !self.fake.wait_idle(Duration::from_secs(10)) {
            r.violations
                .push(("harness", "the fake vendor never went idle".into()));
        }
        let data = home.dir.path().join("data/rekey");
        let files_now = || -> Vec<String> {
            FILES
                .iter()
                .map(|f| std::fs::read_to_string(home.dir.path().join(f)).unwrap_or_default())
                .collect()
        };
        let rec1 = run_timed(&home, &svc, &["recover", "--json"], "", secs);
        if rec1.code != Some(0) {
            r.violations.push((
                "recover-failed",
                format!("recover exited {:?}: {}", rec1.code, rec1.stderr.trim()),
            ));
        }
        let after = files_now();
        let in_keychain = keychain_secrets(&svc);
        if recover_twice {
            let rec2 = run_timed(&home, &svc, &["recover", "--json"], "", secs);
            if rec2.code != Some(0) || files_now() != after || keychain_secrets(&svc) != in_keychain
            {
                r.violations.push((
                    "recover-not-idempotent",
                    format!(
                        "second recover exited {:?}: {}",
                        rec2.code,
                        rec2.stdout.trim()
                    ),
                ));
            }
        }
        self.judge(&mut r, &home, &data, &after, &in_keychain, &listings);
        r.notes.push(format!(
            "recover said {:?}; keys {:?}",
            recover_steps(&rec1),
            keys(&self.fake, p)
                .keys
                .iter()
                .map(|k| format!("{}{}", k.name, if k.revoked { " (revoked)" } else { "" }))
                .collect::<Vec<_>>()
        ));
        clear_keychain(&svc);
        r
    }

    fn judge(
        &self,
        r: &mut Round,
        home: &TempHome,
        data: &std::path::Path,
        after: &[String],
        in_keychain: &[String],
        listings: &[Vec<String>],
    ) {
        let all = keys(&self.fake, self.p).keys;
        let created: Vec<&FakeKey> = all
            .iter()
            .filter(|k| k.name.starts_with("rekey-"))
            .collect();
        let old = all.iter().find(|k| k.key == self.old).expect("the old key");
        // What each config holds: the old key, or a created one, in otherwise identical bytes.
        let mut held: Vec<&FakeKey> = Vec::new();
        for (i, (now, orig)) in after.iter().zip(&self.originals).enumerate() {
            let on = if now == orig {
                Some(old)
            } else {
                created
                    .iter()
                    .copied()
                    .find(|k| *now == orig.replace(&self.old, &k.key))
            };
            match on {
                Some(k) => {
                    if !held.iter().any(|h| h.id == k.id) {
                        held.push(k);
                    }
                    if k.revoked {
                        r.violations.push((
                            "config-on-revoked-key",
                            format!("{} holds {}", FILES[i], k.name),
                        ));
                    }
                }
                None => r.violations.push((
                    "corrupt-config",
                    format!(
                        "{} is neither its original nor the original on a created key",
                        FILES[i]
                    ),
                )),
            }
        }
        if held.len() > 1 {
            let names: Vec<&str> = held.iter().map(|k| k.name.as_str()).collect();
            r.violations
                .push(("configs-disagree", format!("configs hold {names:?}")));
        }
        r.check_journal_readable(data);
        let journal = journal(data);
        let steps: Vec<&str> = journal.iter().filter_map(|j| j["step"].as_str()).collect();
        let messages: Vec<&str> = journal
            .iter()
            .filter_map(|j| j["message"].as_str())
            .collect();
        // Every live key no config holds is one Rekey names.
        for k in all.iter().filter(|k| {
            !k.revoked && k.name != "admin" && k.name != "ops" && !held.iter().any(|h| h.id == k.id)
        }) {
            let named = if k.id == old.id {
                steps.iter().any(|s| {
                    matches!(
                        *s,
                        "revoke-failed" | "kept-both" | "verify-failed" | "incomplete"
                    )
                })
            } else {
                journal.iter().any(|j| {
                    j["step"] == "unknown"
                        && j["message"].as_str().is_some_and(|m| m.contains(&k.name))
                })
            };
            if !named {
                r.violations.push((
                    "live-key-forgotten",
                    format!(
                        "{} is live, in no config, and Rekey says nothing of it: journal {steps:?}",
                        k.name
                    ),
                ));
            }
        }
        for k in &created {
            let kept = in_keychain.contains(&k.key);
            let in_configs = held.len() == 1 && held[0].id == k.id;
            if in_configs && !kept {
                r.violations.push((
                    "new-key-not-recoverable",
                    format!("{} is in the configs only", k.name),
                ));
            }
            if kept && !in_configs {
                r.violations.push((
                    "keychain-key-not-applied",
                    format!("{} is in the keychain, not in the configs", k.name),
                ));
            }
        }
        let done_with_old = old.revoked
            || steps.iter().any(|s| matches!(*s, "unknown" | "failed"))
            || (steps.contains(&"rolled-back") && created.iter().all(|k| k.revoked));
        if done_with_old && in_keychain.contains(&self.old) {
            r.violations.push((
                "old-key-copy-left",
                format!("the old key is still in the keychain; journal {steps:?}"),
            ));
        }
        let left: Vec<&&str> = steps
            .iter()
            .filter(|s| matches!(**s, "intent" | "created" | "held" | "written" | "verified"))
            .collect();
        if !left.is_empty() {
            r.violations.push((
                "left-interrupted",
                format!("journal {steps:?} after recovery"),
            ));
        }
        let calls = self.fake.rotate_calls(self.p);
        if calls > 1 {
            r.violations
                .push(("create-called-again", format!("{calls} create calls")));
        }
        for (d, before) in WATCHED.iter().zip(listings) {
            let now = listing(&home.dir.path().join(d));
            if now != *before {
                r.violations
                    .push(("stray-files", format!("{d}: {before:?} became {now:?}")));
            }
        }
        let linked = linked_backups(data);
        if !linked.is_empty() {
            r.violations
                .push(("backup-linked-to-a-config", format!("{linked:?}")));
        }
        let mut texts = Vec::new();
        data_texts(data, &mut texts);
        let secrets: Vec<&str> = std::iter::once(self.old.as_str())
            .chain(created.iter().map(|k| k.key.as_str()))
            .chain(self.admin.as_deref())
            .collect();
        for (path, t) in &texts {
            if secrets.iter().any(|s| t.contains(s)) {
                r.violations
                    .push(("secret-in-data-dir", path.display().to_string()));
            }
        }
        let live_created = created.iter().filter(|k| !k.revoked).count();
        r.outcome = if created.is_empty() {
            "untouched"
        } else if held.len() == 1 && held[0].id != old.id && old.revoked && live_created == 1 {
            "rotated"
        } else if held.len() == 1 && held[0].id == old.id && live_created == 0 {
            "rolled-back"
        } else if held.len() == 1
            && held[0].id == old.id
            && messages.iter().any(|m| m.contains("may or may not exist"))
        {
            "lost-explained"
        } else if r.violations.is_empty() {
            "other"
        } else {
            "violating"
        };
        if r.index >= usize::MAX - 1 && r.outcome != "rotated" {
            r.violations.push((
                "uninterrupted-not-rotated",
                format!("outcome {}; journal {steps:?}", r.outcome),
            ));
        }
    }
}

fn campaign(p: P) {
    let label = provider_id(p);
    require_keyring();
    let kills = env_u64("REKEY_CRASH_CTR_KILLS").unwrap_or(25) as usize;
    let seed = seed();
    let c = Campaign::new(p, seed);
    run_campaign(label, seed, kills, |i, at, twice| c.round(i, at, twice));
}

#[test]
#[ignore = "needs ./dev test: the private Secret Service"]
fn neon_killed_at_random_instants() {
    campaign(P::Neon);
}

#[test]
#[ignore = "needs ./dev test: the private Secret Service"]
fn datadog_api_key_killed_at_random_instants() {
    campaign(P::DatadogApiKey);
}

#[test]
#[ignore = "needs ./dev test: the private Secret Service"]
fn datadog_application_key_killed_at_random_instants() {
    campaign(P::DatadogAppKey);
}

#[test]
#[ignore = "needs ./dev test: the private Secret Service"]
fn openai_admin_key_killed_at_random_instants() {
    campaign(P::OpenAiAdminKey);
}

#[test]
#[ignore = "needs ./dev test: the private Secret Service"]
fn openai_service_account_key_killed_at_random_instants() {
    campaign(P::OpenAiServiceAccountKey);
}

#[test]
#[ignore = "needs ./dev test: the private Secret Service"]
fn vercel_token_killed_at_random_instants() {
    campaign(P::Vercel);
}
