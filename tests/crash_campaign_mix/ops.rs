//! The mixed campaign's processes: drawing an op, starting several at once, killing some (at a random
//! instant or at a test-hook point), and what each left (exit code, output, whether the kill landed).
use super::common::crash::{command, Rng};
use super::common::TempHome;
use super::{Campaign, Spans};
use rekey_fakes::Provider as P;
use std::path::PathBuf;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum OpKind {
    Rotate,
    Protect,
    Unprotect,
    Replace,
    Add,
    Restore,
}

impl OpKind {
    pub fn word(self) -> &'static str {
        match self {
            OpKind::Rotate => "rotate",
            OpKind::Protect => "protect",
            OpKind::Unprotect => "unprotect",
            OpKind::Replace => "replace",
            OpKind::Add => "add",
            OpKind::Restore => "restore",
        }
    }
}

#[derive(Debug, Clone)]
pub enum Kill {
    None,
    At(Duration),
    /// At a named `REKEY_TEST_PAUSE_AFTER` point (debug builds).
    Hook(&'static str),
}

pub struct Op {
    pub kind: OpKind,
    /// 0: BitScale, 1: Neon.
    pub key: usize,
    pub args: Vec<String>,
    pub kill: Kill,
    /// Replace: the key the "dashboard" rotated away and the one it gave.
    pub replace: Option<(String, String)>,
    /// Add: the server's name.
    pub added: Option<String>,
    /// Restore: the config file the backup is a copy of.
    pub restored: Option<PathBuf>,
}

/// What one process did.
pub struct Ran {
    pub kind: OpKind,
    pub key: usize,
    pub args: Vec<String>,
    pub kill: Kill,
    pub pid: u32,
    pub code: Option<i32>,
    /// SIGKILLed while it ran.
    pub killed: bool,
    /// A kill was planned but the process had exited by then.
    pub kill_missed: bool,
    /// Killed after it began its change (its intent or rotation journal was on disk).
    pub begun: bool,
    pub took: Duration,
    pub stdout: String,
    pub stderr: String,
    pub replace: Option<(String, String)>,
    pub added: Option<String>,
    pub restored: Option<PathBuf>,
    /// The key given on stdin (add, replace's NEW).
    pub given: Option<String>,
}

impl Ran {
    pub fn exit_word(&self) -> String {
        match (self.killed, self.code) {
            (true, _) if self.begun => "killed-in-change".into(),
            (true, _) => "killed-before-change".into(),
            (false, Some(c)) => c.to_string(),
            (false, None) => "signal".into(),
        }
    }
    pub fn describe(&self) -> String {
        format!(
            "pid {} `rekey {}` kill {:?} → {} after {:.0} ms{}{}",
            self.pid,
            self.args.join(" "),
            self.kill,
            self.exit_word(),
            self.took.as_secs_f64() * 1000.0,
            match (self.stderr.trim(), self.code) {
                ("", Some(c)) if c != 0 => format!(
                    "; stdout: {}",
                    self.stdout.trim().lines().last().unwrap_or("")
                ),
                ("", _) => String::new(),
                (e, _) => format!("; stderr: {}", e.lines().last().unwrap_or("")),
            },
            match &self.replace {
                Some((o, n)) => format!("; replace {}… → {}…", &o[..12], &n[..12]),
                None => String::new(),
            }
        )
    }
}

/// A change id (`<time>-<pid>` for a rotation, `<time>-<pid>-<kind>` for the others) made by `pid`.
pub fn id_has_pid(id: &str, pid: u32) -> bool {
    let p = pid.to_string();
    id.split('-').nth(1) == Some(p.as_str())
}

/// A fresh key of BitScale's shape.
fn mint(rng: &mut Rng) -> String {
    const A: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let tail: String = (0..24)
        .map(|_| A[rng.below(A.len() as u64) as usize] as char)
        .collect();
    format!("sk-live-{tail}")
}

pub fn draw(
    c: &Campaign,
    rng: &mut Rng,
    j: usize,
    backups: &[(String, String)],
    spans: &Spans,
) -> Op {
    let kinds = [
        OpKind::Rotate,
        OpKind::Protect,
        OpKind::Unprotect,
        OpKind::Replace,
        OpKind::Add,
        OpKind::Restore,
    ];
    let mut kind = kinds[rng.below(6) as usize];
    if kind == OpKind::Restore && backups.is_empty() {
        kind = OpKind::Rotate;
    }
    let key = match kind {
        OpKind::Replace | OpKind::Add => 0,
        _ => rng.below(2) as usize,
    };
    let id = c.keys[key].clone();
    let mut op = Op {
        kind,
        key,
        args: Vec::new(),
        kill: Kill::None,
        replace: None,
        added: None,
        restored: None,
    };
    op.args = match kind {
        OpKind::Rotate | OpKind::Protect | OpKind::Unprotect => {
            vec![kind.word().into(), id, "--yes".into()]
        }
        OpKind::Replace => {
            op.replace = Some((String::new(), mint(rng)));
            vec!["replace".into(), "--yes".into()]
        }
        OpKind::Add => {
            let name = format!("bs-add-{j}");
            op.added = Some(name.clone());
            [
                "add",
                "bitscale",
                "--client",
                "cursor",
                "--name",
                &name,
                "--yes",
                "--base-url",
                &c.fake.url,
            ]
            .map(String::from)
            .to_vec()
        }
        OpKind::Restore => {
            let (id, original) = &backups[rng.below(backups.len() as u64) as usize];
            op.restored = Some(PathBuf::from(original));
            vec!["restore".into(), id.clone(), "--yes".into()]
        }
    };
    // A third run to their end, a third are killed at a hook point (debug builds; inside the change two
    // times in three, just before it otherwise), the rest at a random instant.
    op.kill = match rng.below(6) {
        0..=1 => Kill::None,
        2..=3 if cfg!(debug_assertions) => Kill::Hook(match (kind, rng.below(3)) {
            (OpKind::Rotate, 0..=1) => "journaled",
            (OpKind::Rotate, _) => "confirmed",
            (_, 0..=1) => "change-begun",
            _ => "confirmed",
        }),
        _ => {
            let span = spans
                .get(&kind)
                .filter(|v| !v.is_empty())
                .map(|v| {
                    let mut v = v.clone();
                    v.sort();
                    v[v.len() / 2]
                })
                .unwrap_or(Duration::from_millis(300));
            // From a quarter of the median run (before that, most ops are still planning) to 1.2×.
            let us = span.as_micros() as u64;
            Kill::At(Duration::from_micros(us / 4 + rng.below(us * 19 / 20)))
        }
    };
    op
}

struct Running {
    given: Option<String>,
    op: Op,
    child: Child,
    started: Instant,
    dir: tempfile::TempDir,
}

/// Start every op at once; kill the ones that must be killed when their time (or hook) comes.
pub fn run_all(
    c: &Campaign,
    home: &TempHome,
    svc: &str,
    plan: Vec<Op>,
    spans: &mut Spans,
) -> Vec<Ran> {
    let mut plan = plan;
    // A replace: the user rotated the key on the provider's dashboard first, then tells Rekey (OLD, NEW).
    for op in &mut plan {
        if let Some((old, new)) = &mut op.replace {
            *old = c.fake.current_key(P::BitScale);
            c.fake.state(|s| s.bitscale_key = new.clone());
        }
    }
    let mut running: Vec<Running> = plan
        .into_iter()
        .map(|op| {
            let dir = tempfile::tempdir().unwrap();
            let stdin = match (&op.replace, &op.added) {
                (Some((old, new)), _) => format!("{old}\n{new}\n"),
                // An add: the key as the provider gives it now.
                (None, Some(_)) => format!("{}\n", c.fake.current_key(P::BitScale)),
                _ => String::new(),
            };
            std::fs::write(dir.path().join("in"), stdin).unwrap();
            let mut cmd = command(home, svc);
            cmd.args(&op.args)
                .stdin(std::fs::File::open(dir.path().join("in")).unwrap())
                .stdout(std::fs::File::create(dir.path().join("out")).unwrap())
                .stderr(std::fs::File::create(dir.path().join("err")).unwrap());
            if matches!(op.kind, OpKind::Protect | OpKind::Add) {
                cmd.env("PATH", "/usr/bin:/bin");
            }
            if let Kill::Hook(point) = op.kill {
                cmd.env("REKEY_TEST_PAUSE_AFTER", point)
                    .env("REKEY_TEST_PAUSE_DIR", dir.path());
            }
            let child = cmd.spawn().unwrap();
            let given = std::fs::read_to_string(dir.path().join("in"))
                .ok()
                .and_then(|t| t.lines().last().map(str::to_string));
            Running {
                given,
                op,
                child,
                started: Instant::now(),
                dir,
            }
        })
        .collect();
    let mut done: Vec<Option<Ran>> = running.iter().map(|_| None).collect();
    let deadline = Instant::now() + Duration::from_secs(60);
    while done.iter().any(Option::is_none) {
        for (i, r) in running.iter_mut().enumerate() {
            if done[i].is_some() {
                continue;
            }
            let exited = r.child.try_wait().unwrap();
            let due = match r.op.kill {
                Kill::None => Instant::now() > deadline,
                Kill::At(at) => r.started.elapsed() >= at,
                Kill::Hook(_) => r.dir.path().join("paused").exists() || Instant::now() > deadline,
            };
            let (code, killed) = match exited {
                Some(st) => (st.code(), false),
                None if due => {
                    let _ = r.child.kill(); // SIGKILL
                    let _ = r.child.wait();
                    (None, true)
                }
                None => continue,
            };
            let took = r.started.elapsed();
            if code == Some(0) && !matches!(r.op.kill, Kill::Hook(_)) {
                spans.entry(r.op.kind).or_default().push(took);
            }
            let read = |f: &str| std::fs::read_to_string(r.dir.path().join(f)).unwrap_or_default();
            done[i] = Some(Ran {
                kind: r.op.kind,
                key: r.op.key,
                args: r.op.args.clone(),
                kill: r.op.kill.clone(),
                pid: r.child.id(),
                code,
                killed,
                kill_missed: !killed && !matches!(r.op.kill, Kill::None),
                begun: false,
                took,
                stdout: read("out"),
                stderr: read("err"),
                replace: r.op.replace.clone(),
                added: r.op.added.clone(),
                restored: r.op.restored.clone(),
                given: r.given.clone(),
            });
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    done.into_iter().map(Option::unwrap).collect()
}

/// `rekey args` with extra environment, to its end.
pub fn run_env(
    home: &TempHome,
    svc: &str,
    args: &[&str],
    stdin: &str,
    envs: &[(&str, &str)],
    timeout: Duration,
) -> super::common::crash::Ran {
    let _ = timeout;
    let mut cmd = command(home, svc);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let o = super::common::spawn_with_stdin(cmd.args(args), stdin)
        .wait_with_output()
        .unwrap();
    let _ = Stdio::null();
    super::common::crash::Ran {
        code: o.status.code(),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}
