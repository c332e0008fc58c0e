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
use common::*;
use rekey_fakes::{FakeProviders, Fault, Provider as P, State};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

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

/// splitmix64: a tiny deterministic generator, so a seed replays the same kill instants.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

fn env_u64(name: &str) -> Option<u64> {
    let v = std::env::var(name).ok()?;
    let v = v.trim();
    match v.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => v.parse().ok(),
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let (src, dst) = (e.path(), to.join(e.file_name()));
        if src.is_dir() {
            copy_dir(&src, &dst);
        } else {
            std::fs::copy(&src, &dst).unwrap();
        }
    }
}

fn listing(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// What a finished command left: exit code (None: killed after `timeout`), stdout, stderr.
struct Ran {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Run `rekey args` in `home` with the round's keychain service; output goes through files so a hung
/// process can be killed without a reader thread.
fn run(home: &TempHome, svc: &str, args: &[&str], timeout: Duration) -> Ran {
    let out = home.dir.path().join("cmd.out");
    let err = home.dir.path().join("cmd.err");
    let mut child = command(home, svc)
        .args(args)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(std::fs::File::create(&err).unwrap())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + timeout;
    let code = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s.code();
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    Ran {
        code,
        stdout: std::fs::read_to_string(&out).unwrap_or_default(),
        stderr: std::fs::read_to_string(&err).unwrap_or_default(),
    }
}

fn command(home: &TempHome, svc: &str) -> Command {
    let mut cmd = rekey();
    home.apply(&mut cmd);
    cmd.env("REKEY_KEYCHAIN_SERVICE", svc)
        .env("REKEY_HTTP_TIMEOUT_MS", "5000");
    cmd
}

/// Every secret stored under the service (any account): `secret-tool search --all` prints them.
fn keychain_secrets(svc: &str) -> Vec<String> {
    let o = Command::new("secret-tool")
        .args(["search", "--all", "service", svc])
        .stderr(Stdio::null())
        .output()
        .expect("secret-tool (libsecret-tools) is installed");
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .filter_map(|l| l.strip_prefix("secret = ").map(str::to_string))
        .collect()
}

fn clear_keychain(svc: &str) {
    let _ = Command::new("secret-tool")
        .args(["clear", "service", svc])
        .stderr(Stdio::null())
        .status();
}

/// The journal's entries (id, step), and Rekey's data files' text (not the backups, which are copies of
/// configs and rightly hold keys).
fn journal_steps(data: &Path) -> Vec<(String, String)> {
    let mut v = Vec::new();
    for e in std::fs::read_dir(data.join("journal"))
        .into_iter()
        .flatten()
        .flatten()
    {
        if e.path().extension().is_some_and(|x| x == "json") {
            let j: Value = std::fs::read(e.path())
                .ok()
                .and_then(|b| serde_json::from_slice(&b).ok())
                .unwrap_or(Value::Null);
            v.push((
                j["id"].as_str().unwrap_or("?").to_string(),
                j["step"].as_str().unwrap_or("<unreadable>").to_string(),
            ));
        }
    }
    v.sort();
    v
}

fn data_texts(dir: &Path, out: &mut Vec<(PathBuf, String)>) {
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            if !p.ends_with("backups") {
                data_texts(&p, out);
            }
        } else {
            let text = String::from_utf8_lossy(&std::fs::read(&p).unwrap_or_default()).into_owned();
            out.push((p, text));
        }
    }
}

/// Steps named in `rekey recover --json`'s output.
fn recover_steps(r: &Ran) -> Vec<String> {
    serde_json::from_str::<Value>(&r.stdout)
        .ok()
        .and_then(|v| v.as_array().cloned())
        .unwrap_or_default()
        .iter()
        .map(|e| e["step"].as_str().unwrap_or("?").to_string())
        .collect()
}

#[derive(Default)]
struct Round {
    index: usize,
    kill_at: Duration,
    /// The rotation had already exited when the kill came.
    completed: bool,
    violations: Vec<(&'static str, String)>,
    outcome: &'static str,
    notes: Vec<String>,
    /// How long the rotate process ran (uninterrupted rounds only).
    rotate_time: Duration,
}

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
        let scan = run(&home, &svc, &["scan", "--json"], Duration::from_secs(30));
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
        let link = run(
            &home,
            &svc,
            &["link", &cred, "--provider", "bitscale", "--base-url", &url],
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
    fn round(&self, index: usize, kill_at: Option<Duration>, recover_twice: bool) -> Round {
        let mut r = Round {
            index,
            kill_at: kill_at.unwrap_or_default(),
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

        let mut child = command(&home, &svc)
            .args(["rotate", &self.cred, "--yes"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let started = Instant::now();
        match kill_at {
            Some(at) => {
                std::thread::sleep(at.saturating_sub(started.elapsed()));
                r.completed = child.try_wait().unwrap().is_some();
                let _ = child.kill(); // SIGKILL
                child.wait().unwrap();
            }
            None => {
                let st = child.wait().unwrap();
                r.rotate_time = started.elapsed();
                r.completed = true;
                if !st.success() {
                    r.violations
                        .push(("rotate-failed", format!("uninterrupted rotate exited {st}")));
                }
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
        let rec1 = run(&home, &svc, &["recover", "--json"], Duration::from_secs(30));
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
            let rec2 = run(&home, &svc, &["recover", "--json"], Duration::from_secs(30));
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
fn sigkill_at_random_instants_never_loses_a_key_or_corrupts_a_config() {
    if !keyring_tests_enabled("sigkill_at_random_instants_never_loses_a_key_or_corrupts_a_config") {
        return;
    }
    let kills = env_u64("REKEY_CRASH_KILLS").unwrap_or(200) as usize;
    let seed = env_u64("REKEY_CRASH_SEED").unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64
    });
    eprintln!(
        "crash campaign: seed {seed:#x} (replay with REKEY_CRASH_SEED={seed:#x}), {kills} kills"
    );
    let t0 = Instant::now();
    let campaign = Campaign::new(seed);

    // Calibrate: an uninterrupted rotation must pass every check, and its duration bounds the instants.
    // (The first one also warms caches; the faster of two is the norm.)
    let mut rounds: Vec<Round> = (0..2)
        .map(|i| campaign.round(usize::MAX - i, None, true))
        .collect();
    let rotate_time = rounds.iter().map(|r| r.rotate_time).min().unwrap();
    // Kill anywhere from the start to a little past the usual end (a slow run must be covered too).
    let span_us = (rotate_time.as_micros() as u64) * 11 / 10;
    eprintln!(
        "crash campaign: an uninterrupted rotation takes {:.1} ms; killing within 0..{:.1} ms",
        rotate_time.as_secs_f64() * 1000.0,
        span_us as f64 / 1000.0
    );

    let mut rng = Rng(seed);
    for i in 0..kills {
        let at = Duration::from_micros(rng.below(span_us));
        let twice = rng.below(2) == 0;
        rounds.push(campaign.round(i, Some(at), twice));
    }

    let mut per_kind: BTreeMap<&str, usize> = BTreeMap::new();
    let mut outcomes: BTreeMap<&str, usize> = BTreeMap::new();
    let mut bad = Vec::new();
    for r in &rounds {
        *outcomes.entry(r.outcome).or_default() += 1;
        for (k, _) in &r.violations {
            *per_kind.entry(k).or_default() += 1;
        }
        if !r.violations.is_empty() {
            bad.push(r);
        }
    }
    let completed = rounds.iter().filter(|r| r.completed).count();
    let elapsed = t0.elapsed();
    // One line each for bench/run.sh to quote.
    println!(
        "CRASH kills={kills} seed={seed:#x} time={:.1}s rotate={:.1}ms completed-before-kill={completed}",
        elapsed.as_secs_f64(),
        rotate_time.as_secs_f64() * 1000.0
    );
    println!("CRASH outcomes {outcomes:?}");
    println!(
        "CRASH violations total={} rounds={} {per_kind:?}",
        per_kind.values().sum::<usize>(),
        bad.len()
    );
    if !bad.is_empty() {
        let mut report = String::new();
        for r in bad.iter().take(40) {
            let which = if r.index >= usize::MAX - 1 {
                "uninterrupted".to_string()
            } else {
                format!(
                    "round {} (kill at {:.2} ms)",
                    r.index,
                    r.kill_at.as_secs_f64() * 1000.0
                )
            };
            report += &format!("\n{which}, rotation had exited: {}\n", r.completed);
            for (k, d) in &r.violations {
                report += &format!("  {k}: {d}\n");
            }
            for n in &r.notes {
                report += &format!("  ({n})\n");
            }
        }
        panic!(
            "crash campaign (seed {seed:#x}, replay with REKEY_CRASH_SEED={seed:#x}): {} of {} rounds violate; per kind {per_kind:?}{report}",
            bad.len(),
            rounds.len()
        );
    }
}
