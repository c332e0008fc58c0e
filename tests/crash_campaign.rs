//! The crash campaign: `rekey rotate` is killed with SIGKILL at seeded random instants while the fake
//! BitScale waits before and after it commits the rotation, then `rekey recover` runs (sometimes twice),
//! and every round is judged only on what a user could observe: the config files' bytes, the directory
//! listings beside them, the keychain entries of the round's service, the provider's current key, the
//! journal's step names and recover's output.
//!
//! `REKEY_CRASH_KILLS` (default 200) sets the number of kills, `REKEY_CRASH_SEED` replays a run (the seed
//! is printed either way). `bench/run.sh crash` runs it with 1000 kills on a release build. Needs the
//! private Secret Service (`scripts/test-env.sh cargo test -p rekey --test crash_campaign`).
mod common;
use common::crash::*;
use common::*;
use rekey_fakes::{FakeProviders, Fault, Provider as P, State};
use serde_json::Value;
use std::time::Duration;

/// The key every round starts from (the configs and the fake agree on it; each round has its own
/// keychain service and a fresh fake state, so reusing it keeps rounds independent).
const OLD: &str = "sk-live-CrashCampaign0ldKey0001";
/// The provider's waits around its commit: a kill in `BEFORE` leaves the call running server-side (it
/// still commits, as a real provider would), a kill in `AFTER` loses the answer.
const BEFORE: Duration = Duration::from_millis(30);
const AFTER: Duration = Duration::from_millis(30);

/// Claude Desktop (strict JSON), Cursor (JSONC with a comment) and Claude Code's ~/.claude.json (the key
/// in a project, among fields Claude Code keeps rewriting).
fn original_configs(key: &str) -> Vec<(&'static str, String)> {
    vec![
        (
            "config/Claude/claude_desktop_config.json",
            format!(
                "{{\n  \"mcpServers\": {{\n    \"bitscale\": {{\n      \"command\": \"uvx\",\n      \"args\": [\"bitscale-mcp\"],\n      \"env\": {{ \"BITSCALE_API_KEY\": \"{key}\" }}\n    }}\n  }}\n}}\n"
            ),
        ),
        (
            "home/.cursor/mcp.json",
            format!(
                "{{\n  // BitScale, rotated by Rekey\n  \"mcpServers\": {{\"bitscale\": {{\"command\": \"uvx\", \"args\": [\"bitscale-mcp\"], \"env\": {{\"BITSCALE_API_KEY\": \"{key}\"}},}}}}\n}}\n"
            ),
        ),
        (
            "home/.claude.json",
            format!(
                "{{\"numStartups\": 7, \"tipsHistory\": {{\"memory\": 3}}, \"projects\": {{\"/home/u/app\": {{\"allowedTools\": [], \"mcpServers\": {{\"bitscale\": {{\"type\": \"stdio\", \"command\": \"uvx\", \"args\": [\"bitscale-mcp\"], \"env\": {{\"BITSCALE_API_KEY\": \"{key}\"}}}}}}}}}}, \"userID\": \"0f0f\"}}"
            ),
        ),
    ]
}

/// The directories beside the configs, whose listings must not change (Rekey's own data dir is apart).
const WATCHED: [&str; 3] = ["config/Claude", "home/.cursor", "home"];

/// Everything one round needs from the campaign.
struct Campaign {
    fake: FakeProviders,
    template_data: tempfile::TempDir,
    cred: String,
    seed: u64,
}

impl Campaign {
    fn new(seed: u64) -> Self {
        let fake = FakeProviders::start_with(State {
            bitscale_key: OLD.into(),
            ..State::default()
        })
        .unwrap();
        // One scan + link through the CLI, kept as a template data dir (fingerprint key and link) that
        // every round copies: the credential id then stays the same, and rounds skip two processes.
        let home = TempHome::new();
        for (rel, text) in original_configs(OLD) {
            home.write(rel, &text);
        }
        let svc = format!("rekey-crash-{seed:016x}-setup");
        let scan = run_timed(
            &home,
            &svc,
            &["scan", "--json"],
            "",
            Duration::from_secs(30),
        );
        let v: Value = serde_json::from_str(&scan.stdout)
            .unwrap_or_else(|e| panic!("scan --json: {e}: {}{}", scan.stdout, scan.stderr));
        let cred = v["credentials"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["masked"].as_str().unwrap_or("").starts_with(&OLD[..4]))
            .expect("the scan finds the key")["id"]
            .as_str()
            .unwrap()
            .to_string();
        let url = fake.base_url(P::BitScale);
        let link = run_timed(
            &home,
            &svc,
            &["link", &cred, "--provider", "bitscale", "--base-url", &url],
            "",
            Duration::from_secs(30),
        );
        assert_eq!(link.code, Some(0), "link: {}", link.stderr);
        let template_data = tempfile::tempdir().unwrap();
        copy_dir(&home.dir.path().join("data"), template_data.path());
        Campaign {
            fake,
            template_data,
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
        let home = TempHome::new();
        copy_dir(self.template_data.path(), &home.dir.path().join("data"));
        let originals = original_configs(OLD);
        for (rel, text) in &originals {
            home.write(rel, text);
        }
        let listings: Vec<Vec<String>> = WATCHED
            .iter()
            .map(|d| listing(&home.dir.path().join(d)))
            .collect();
        let svc = format!("rekey-crash-{:016x}-{index}", self.seed);
        self.fake.state(|s| {
            s.bitscale_key = OLD.into();
            s.faults = vec![(
                P::BitScale,
                Fault::DelayAround {
                    before: BEFORE,
                    after: AFTER,
                },
            )];
            s.rotations.clear();
            s.rotate_calls.clear();
            s.seen.clear();
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
        // A call the killed process left in flight still commits at the provider.
        if !self.fake.wait_idle(Duration::from_secs(10)) {
            r.violations
                .push(("harness", "the fake provider never went idle".into()));
        }
        let cur = self.fake.current_key(P::BitScale);
        let rotated = cur != OLD;

        let data = home.dir.path().join("data/rekey");
        let rec1 = run_timed(
            &home,
            &svc,
            &["recover", "--json"],
            "",
            Duration::from_secs(30),
        );
        if rec1.code != Some(0) {
            r.violations.push((
                "recover-failed",
                format!("recover exited {:?}: {}", rec1.code, rec1.stderr.trim()),
            ));
        }
        let files_after = |home: &TempHome| -> Vec<Vec<u8>> {
            originals
                .iter()
                .map(|(rel, _)| std::fs::read(home.dir.path().join(rel)).unwrap_or_default())
                .collect()
        };
        let after1 = files_after(&home);
        let keys1 = keychain_secrets(&svc);
        let mut recovers = vec![rec1];
        if recover_twice {
            let rec2 = run_timed(
                &home,
                &svc,
                &["recover", "--json"],
                "",
                Duration::from_secs(30),
            );
            let after2 = files_after(&home);
            if rec2.code != Some(0) || after2 != after1 || keychain_secrets(&svc) != keys1 {
                r.violations.push((
                    "recover-not-idempotent",
                    format!(
                        "second recover exited {:?}, files changed: {}, output {}",
                        rec2.code,
                        after2 != after1,
                        rec2.stdout.trim()
                    ),
                ));
            }
            recovers.push(rec2);
        }

        // Each config: its original bytes, or its original bytes with the old key replaced by the
        // provider's current key. Anything else is a corrupt (or wrongly keyed) file.
        let mut on_old = 0;
        let mut on_new = 0;
        for ((rel, orig), now) in originals.iter().zip(&after1) {
            let rekeyed = orig.replace(OLD, &cur);
            if now == orig.as_bytes() {
                on_old += 1;
            } else if rotated && now == rekeyed.as_bytes() {
                on_new += 1;
            } else {
                r.violations.push((
                    "corrupt-config",
                    format!(
                        "{rel} is neither its original nor the original on the current key: {:?}",
                        String::from_utf8_lossy(now).replace(&cur, "<CURRENT>")
                    ),
                ));
            }
        }
        let in_keychain = rotated && keys1.contains(&cur);
        if rotated && on_new > 0 && on_old > 0 {
            r.violations.push((
                "half-rotated",
                format!("{on_new} configs on the current key, {on_old} still on the old one"),
            ));
        }
        if in_keychain && on_new != originals.len() {
            r.violations.push((
                "keychain-key-not-applied",
                format!(
                    "the provider's current key is in the keychain, but {} of {} configs do not hold it",
                    originals.len() - on_new,
                    originals.len()
                ),
            ));
        }
        r.check_journal_readable(&data);
        let steps = journal_steps(&data);
        let rec_steps: Vec<String> = recovers.iter().flat_map(recover_steps).collect();
        if rotated && !in_keychain && on_new == 0 {
            // The new key is nowhere: that can happen (the answer was lost), but never silently.
            let verified = steps.iter().any(|(_, s)| s == "verified");
            let said = rec_steps.iter().any(|s| s == "unknown");
            if verified || !said {
                r.violations.push((
                    "silent-lost-key",
                    format!(
                        "the provider rotated, the new key is nowhere; journal {steps:?}, recover said {rec_steps:?}"
                    ),
                ));
            }
            r.outcome = "lost-explained";
        } else if rotated && on_new == originals.len() {
            r.outcome = "rotated";
        } else if !rotated {
            r.outcome = "untouched";
        } else {
            r.outcome = "violating";
        }
        if !rotated && on_old != originals.len() {
            r.violations.push((
                "changed-without-rotation",
                "a config changed although the provider never rotated".into(),
            ));
        }
        // Nothing beside the configs but the configs.
        for (d, before) in WATCHED.iter().zip(&listings) {
            let now = listing(&home.dir.path().join(d));
            if now != *before {
                let extra: Vec<&String> = now.iter().filter(|n| !before.contains(n)).collect();
                let gone: Vec<&String> = before.iter().filter(|n| !now.contains(n)).collect();
                r.violations.push((
                    "stray-files",
                    format!("{d}: new {extra:?}, missing {gone:?}"),
                ));
            }
        }
        // The provider is called once per rotation; recovery never calls it.
        let calls = self.fake.rotate_calls(P::BitScale);
        if calls > 1 {
            r.violations
                .push(("provider-called-again", format!("{calls} rotate calls")));
        }
        // No backup left sharing its inode with a config (a kill between the early backups and the
        // renames leaves them so; recovery makes them private copies).
        let linked = linked_backups(&data);
        if !linked.is_empty() {
            r.violations
                .push(("backup-linked-to-a-config", format!("{linked:?}")));
        }
        // No secret in Rekey's journal, audit, links or any other data file.
        let mut texts = Vec::new();
        data_texts(&data, &mut texts);
        for (p, t) in &texts {
            if t.contains(OLD) || (rotated && t.contains(&cur)) {
                r.violations
                    .push(("secret-in-data-dir", format!("{}", p.display())));
            }
        }
        r.notes.push(format!(
            "provider rotated: {rotated}; configs on new/old: {on_new}/{on_old}; current key in keychain: {in_keychain}; journal {steps:?}; recover {rec_steps:?}"
        ));
        clear_keychain(&svc);
        r
    }
}

#[test]
#[ignore = "needs ./dev test: the private Secret Service"]
fn sigkill_at_random_instants_never_loses_a_key_or_corrupts_a_config() {
    require_keyring();
    let kills = env_u64("REKEY_CRASH_KILLS").unwrap_or(200) as usize;
    let seed = seed();
    let campaign = Campaign::new(seed);
    run_campaign("bitscale", seed, kills, |i, at, twice| {
        campaign.round(i, at, twice)
    });
}
