//! The exposure window of one rotation: how long any config file held a key the provider no longer
//! accepted. Two facts in one clock (the wall clock, CLOCK_REALTIME, shared by every process here):
//! - when each key died, from the fake providers themselves (`GET /_fake/deaths`: the instant the fake
//!   invalidated it, or the end of its grace period);
//! - when each config file stopped holding it: an inotify watch on the files' directories stamps every
//!   file renamed into place (MOVED_TO) or closed after writing (CLOSE_WRITE) and reads it right away.
//!
//! exposure = max over the files that held the key of (the file no longer holds it − the key died),
//! clamped at 0 (a file rewritten before the key died was never exposed). The stamp is taken when the
//! watcher reads the event, after the rename: an upper bound, late by the watcher's wake-up time.
//!
//! Usage (bench/rotate-session.sh): expo_watch DEATHS_URL FILE... -- COMMAND ARGS...
//! Runs COMMAND while watching, then prints `EXPO <exposure ms> <last rewrite − death ms> <files>
//! <first rewrite − death ms>` (`none` for both differences when no key held by a file has died). Exits 1 when
//! a file still holds a dead key, or COMMAND failed. Linux only.

#[cfg(target_os = "linux")]
pub use linux::*;

#[cfg(target_os = "linux")]
mod linux {
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
    use std::path::{Path, PathBuf};
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    use std::time::{Duration, SystemTime, UNIX_EPOCH};

    /// A watched file's content right after an event, and when the event was read.
    pub struct Change {
        pub file: usize,
        pub at: SystemTime,
        pub content: Vec<u8>,
    }

    /// Watches files (by their directories) until [`Watcher::stop`].
    pub struct Watcher {
        pub initial: Vec<Vec<u8>>,
        stop: Arc<AtomicBool>,
        thread: std::thread::JoinHandle<std::io::Result<Vec<Change>>>,
    }

    impl Watcher {
        pub fn start(files: &[PathBuf]) -> std::io::Result<Watcher> {
            // SAFETY: plain syscalls; the descriptor is owned by `fd` from here on.
            let raw = unsafe { libc::inotify_init1(libc::IN_CLOEXEC | libc::IN_NONBLOCK) };
            if raw < 0 {
                return Err(std::io::Error::last_os_error());
            }
            let fd = unsafe { OwnedFd::from_raw_fd(raw) };
            let mut watches: Vec<(i32, &Path)> = Vec::new();
            for f in files {
                let dir = f.parent().unwrap_or(Path::new("."));
                if watches.iter().any(|(_, d)| *d == dir) {
                    continue;
                }
                let c = std::ffi::CString::new(dir.as_os_str().as_encoded_bytes())?;
                let wd = unsafe {
                    libc::inotify_add_watch(
                        fd.as_raw_fd(),
                        c.as_ptr(),
                        libc::IN_MOVED_TO | libc::IN_CLOSE_WRITE,
                    )
                };
                if wd < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                watches.push((wd, dir));
            }
            let targets: Vec<(i32, Vec<u8>, PathBuf)> = files
                .iter()
                .map(|f| {
                    let dir = f.parent().unwrap_or(Path::new("."));
                    let wd = watches.iter().find(|(_, d)| *d == dir).unwrap().0;
                    let name = f.file_name().unwrap_or_default();
                    (wd, name.as_encoded_bytes().to_vec(), f.clone())
                })
                .collect();
            // Read after the watches are in place: a rewrite from now on is seen as an event.
            let initial = files
                .iter()
                .map(|f| std::fs::read(f).unwrap_or_default())
                .collect();
            let stop = Arc::new(AtomicBool::new(false));
            let st = stop.clone();
            let thread = std::thread::spawn(move || read_events(fd, &targets, &st));
            Ok(Watcher {
                initial,
                stop,
                thread,
            })
        }

        /// Stop watching (after reading every event already queued) and return what was seen.
        pub fn stop(self) -> std::io::Result<(Vec<Vec<u8>>, Vec<Change>)> {
            self.stop.store(true, Ordering::SeqCst);
            let changes = self.thread.join().expect("watcher thread")?;
            Ok((self.initial, changes))
        }
    }

    fn read_events(
        fd: OwnedFd,
        targets: &[(i32, Vec<u8>, PathBuf)],
        stop: &AtomicBool,
    ) -> std::io::Result<Vec<Change>> {
        let mut changes = Vec::new();
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            // Decide before polling, so the last pass drains what was queued before `stop`.
            let last = stop.load(Ordering::SeqCst);
            let mut p = libc::pollfd {
                fd: fd.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            };
            unsafe { libc::poll(&mut p, 1, if last { 0 } else { 5 }) };
            loop {
                let n = unsafe { libc::read(fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len()) };
                if n <= 0 {
                    break;
                }
                let at = SystemTime::now();
                let mut off = 0;
                while off < n as usize {
                    // SAFETY: the kernel wrote whole `inotify_event`s followed by their names.
                    let ev: libc::inotify_event =
                        unsafe { std::ptr::read_unaligned(buf[off..].as_ptr().cast()) };
                    let start = off + std::mem::size_of::<libc::inotify_event>();
                    let name = &buf[start..start + ev.len as usize];
                    let name = &name[..name.iter().position(|b| *b == 0).unwrap_or(name.len())];
                    for (i, (wd, target, path)) in targets.iter().enumerate() {
                        if *wd == ev.wd && target == name {
                            let content = std::fs::read(path).unwrap_or_default();
                            changes.push(Change {
                                file: i,
                                at,
                                content,
                            });
                        }
                    }
                    off = start + ev.len as usize;
                }
            }
            if last {
                return Ok(changes);
            }
        }
    }

    /// The outcome for one rotation.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Report {
        /// The exposure window (0 when every file was rewritten before the key died).
        pub exposure: Duration,
        /// The last file's rewrite minus the key's death, in µs (negative: before it died); None when
        /// no key held by a file has died (yet).
        pub margin_us: Option<i64>,
        /// The first file's rewrite minus the key's death, in µs (what went before the files: keeping the
        /// new key, the journal).
        pub first_us: Option<i64>,
        /// Files that held a key that died.
        pub files: usize,
    }

    fn signed_us(a: SystemTime, b: SystemTime) -> i64 {
        match a.duration_since(b) {
            Ok(d) => d.as_micros() as i64,
            Err(e) => -(e.duration().as_micros() as i64),
        }
    }

    /// The exposure of the keys in `deaths` (key, instant it died) held by the files at the start.
    /// Err when a file still holds a dead key at the end (an open-ended exposure).
    pub fn exposure(
        initial: &[Vec<u8>],
        changes: &[Change],
        deaths: &[(String, SystemTime)],
    ) -> Result<Report, String> {
        let mut report = Report {
            exposure: Duration::ZERO,
            margin_us: None,
            first_us: None,
            files: 0,
        };
        let holds = |content: &[u8], key: &str| {
            !key.is_empty() && content.windows(key.len()).any(|w| w == key.as_bytes())
        };
        for (key, died) in deaths {
            for (i, start) in initial.iter().enumerate() {
                if !holds(start, key) {
                    continue;
                }
                report.files += 1;
                let Some(cleared) = changes
                    .iter()
                    .find(|c| c.file == i && !holds(&c.content, key))
                else {
                    return Err(format!("file {} still holds a key that died", i + 1));
                };
                let m = signed_us(cleared.at, *died);
                report.margin_us = Some(report.margin_us.map_or(m, |x| x.max(m)));
                report.first_us = Some(report.first_us.map_or(m, |x| x.min(m)));
                report.exposure = report.exposure.max(Duration::from_micros(m.max(0) as u64));
            }
        }
        Ok(report)
    }

    /// The deaths the fake providers recorded: (key, instant).
    pub fn deaths(url: &str) -> Result<Vec<(String, SystemTime)>, String> {
        let v: serde_json::Value = reqwest::blocking::get(url)
            .and_then(|r| r.json())
            .map_err(|e| format!("GET {url}: {e}"))?;
        Ok(v["deaths"]
            .as_array()
            .ok_or("no deaths[] in the answer")?
            .iter()
            .map(|d| {
                let us = d["died_at_us"].as_u64().unwrap_or(0);
                let key = d["key"].as_str().unwrap_or("").to_string();
                (key, UNIX_EPOCH + Duration::from_micros(us))
            })
            .collect())
    }
}

#[cfg(target_os = "linux")]
#[allow(dead_code)]
fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(sep) = args.iter().position(|a| a == "--") else {
        eprintln!("usage: expo_watch DEATHS_URL FILE... -- COMMAND ARGS...");
        std::process::exit(2);
    };
    let (url, files) = (&args[0], &args[1..sep]);
    let cmd = &args[sep + 1..];
    let files: Vec<std::path::PathBuf> = files.iter().map(Into::into).collect();
    let watcher = Watcher::start(&files).expect("watch the config files");
    let out = std::process::Command::new(&cmd[0])
        .args(&cmd[1..])
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run the command");
    let (initial, changes) = watcher.stop().expect("read the events");
    if !out.status.success() {
        eprintln!(
            "expo_watch: {} failed: {}{}",
            cmd[0],
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        std::process::exit(1);
    }
    let report = deaths(url).and_then(|d| exposure(&initial, &changes, &d));
    match report {
        Ok(r) => {
            let ms = |us: Option<i64>| {
                us.map_or("none".to_string(), |m| format!("{:.3}", m as f64 / 1000.0))
            };
            println!(
                "EXPO {:.3} {} {} {}",
                r.exposure.as_secs_f64() * 1000.0,
                ms(r.margin_us),
                r.files,
                ms(r.first_us)
            );
        }
        Err(e) => {
            eprintln!("expo_watch: {e}");
            std::process::exit(1);
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn main() {
    eprintln!("expo_watch: Linux only (inotify)");
    std::process::exit(2);
}
