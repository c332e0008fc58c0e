//! Exposure of keys in git work trees: for every usage in a file inside a work tree, whether git will
//! commit it (*tracked*), already holds the key in its history (*committed*, with the commit, its date and the
//! path it had), has sent that history to a remote (*pushed*, with the remote's name and host), or the file is
//! ignored (safe) or not (one `git add .` away). A key takes the most serious state of its usages and of the
//! histories it was found in.
//!
//! Read from the repositories themselves with gix ([`repo`]), in this process: no program is started and no
//! key is ever put on a command line. What this module holds or returns names commits, paths and hosts only.
//!
//! Limits (documented in docs/scan-json.md): the history is searched at the paths where clients read a
//! project's config (under the repository's root and each project folder inside it) and at the usages' own
//! paths, in files up to 1 MiB; a key that was only ever committed elsewhere (a README, a `.env`) is not
//! found there (the pre-commit guard looks at every file of a new commit); remote-tracking
//! refs are as of the last fetch or push from this clone; a walk that reaches its deadline says so
//! (`history_complete: false`) rather than calling a key "not committed".

mod repo;

use crate::Secret;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Instant;
use ts_rs::TS;
use zeroize::Zeroizing;

/// How exposed a usage (or a key) is, least serious first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "kebab-case")]
pub enum ExposureState {
    /// In a work tree and ignored (`.gitignore`, `info/exclude`, the user's global excludes): safe.
    Ignored,
    /// In a work tree, neither tracked nor ignored: one `git add .` away from being committed.
    Untracked,
    /// In the index: the next commit takes it.
    Tracked,
    /// The key's bytes are in the history of a local branch.
    Committed,
    /// A commit holding the key is reachable from a remote-tracking ref: it left this machine.
    Pushed,
}

impl ExposureState {
    /// Tracked, committed or pushed: the key is (or will be) in git's hands.
    pub fn is_exposed(self) -> bool {
        self >= ExposureState::Tracked
    }

    /// The state in a few words, for the CLI and notifications.
    pub fn words(self) -> &'static str {
        match self {
            ExposureState::Ignored => "ignored by git (safe)",
            ExposureState::Untracked => "not ignored by git (one `git add .` away from committed)",
            ExposureState::Tracked => "tracked by git (the next commit takes it)",
            ExposureState::Committed => "committed to git",
            ExposureState::Pushed => "pushed",
        }
    }
}

/// The first commit found holding the key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct CommitRef {
    /// The commit's id (hex).
    pub id: String,
    /// When it was made (RFC 3339, UTC).
    pub date: String,
    /// The path the file had in that commit.
    pub path: String,
}

/// Where a pushed key went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Pushed {
    /// The remote whose tracking refs reach the commit (`origin`).
    pub remote: String,
    /// Its fetch URL's host (`github.com`); never the URL, which may hold a token. None for a local path.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
}

impl Pushed {
    /// "origin (github.com)", or the remote's name alone for a local path.
    pub fn label(&self) -> String {
        match &self.host {
            Some(h) => format!("{} ({h})", self.remote),
            None => self.remote.clone(),
        }
    }
}

/// The exposure of one usage (or of a key: its most serious).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Exposure {
    pub state: ExposureState,
    /// The work tree.
    pub repo: PathBuf,
    /// The file's path in the repository (`/`-separated); for a key found only in a history, the path
    /// it had there.
    pub path: String,
    pub tracked: bool,
    pub ignored: bool,
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<CommitRef>,
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pushed: Option<Pushed>,
    /// False when the history could not be read to its end (deadline, missing objects): a key reported
    /// as not committed may be.
    pub history_complete: bool,
}

impl Exposure {
    /// One line: "pushed to origin (github.com) in 1a2b3c4 of 2026-12-01 (.mcp.json), in /home/me/app".
    pub fn summary(&self) -> String {
        let mut s = match (&self.pushed, self.state) {
            (Some(p), ExposureState::Pushed) => format!("pushed to {}", p.label()),
            _ => self.state.words().to_string(),
        };
        if let Some(c) = &self.commit {
            let short: String = c.id.chars().take(10).collect();
            let day: String = c.date.chars().take(10).collect();
            s.push_str(&format!(" in commit {short} of {day} ({})", c.path));
        }
        s.push_str(&format!(": {}", self.repo.join(&self.path).display()));
        if !self.history_complete {
            s.push_str(" (history not read to its end)");
        }
        s
    }

    fn rank(&self) -> (ExposureState, bool) {
        (self.state, self.commit.is_some())
    }
}

/// The more serious of two exposures (the first on a tie).
pub fn worse(a: Option<Exposure>, b: Option<Exposure>) -> Option<Exposure> {
    match (a, b) {
        (Some(a), Some(b)) => Some(if b.rank() > a.rank() { b } else { a }),
        (a, b) => a.or(b),
    }
}

/// What to assess.
pub struct Request<'a> {
    /// Each usage: its file and the index of its key in `keys`.
    pub usages: Vec<(&'a Path, usize)>,
    pub keys: Vec<&'a Secret>,
    /// More folders whose repositories' histories are searched (projects a client lists, Settings).
    pub folders: Vec<PathBuf>,
    /// Where clients read a project's config, relative to the project (`.mcp.json`, `.cursor/mcp.json`,
    /// …): a history is searched at these paths under the repository's root and under each folder of
    /// `folders` inside it, and at the usages' own paths.
    pub locations: Vec<String>,
    /// When to stop reading histories (the file states are always found).
    pub deadline: Instant,
}

/// The exposure of each usage and each key (aligned with the request's), and what was read.
#[derive(Debug, Default)]
pub struct Assessment {
    pub usages: Vec<Option<Exposure>>,
    pub keys: Vec<Option<Exposure>>,
    /// Repositories looked at, and commits read in their histories.
    pub repos: usize,
    pub commits: usize,
}

/// A key shorter than this is not searched for in histories (too likely to match by chance).
const MIN_NEEDLE: usize = 8;

/// The ways a key's bytes can sit in a config file: as they are, and escaped as a JSON string.
fn views(key: &Secret) -> Vec<Zeroizing<Vec<u8>>> {
    let plain = key.expose();
    if plain.len() < MIN_NEEDLE {
        return Vec::new();
    }
    let mut views = vec![Zeroizing::new(plain.as_bytes().to_vec())];
    let mut escaped = Zeroizing::new(String::new());
    crate::edit::json::escape(plain, &mut escaped);
    if escaped.as_str() != plain {
        views.push(Zeroizing::new(escaped.as_bytes().to_vec()));
    }
    views
}

/// One key's best hit in one repository's history.
struct Hit {
    commit: CommitRef,
    pushed: Option<Pushed>,
}

/// Assess every usage and key of `req` (see the module's doc).
pub fn assess(req: &Request<'_>) -> Assessment {
    let mut out = Assessment {
        usages: vec![None; req.usages.len()],
        keys: vec![None; req.keys.len()],
        ..Assessment::default()
    };
    // Each directory's repository, opened once; repositories by work tree (linked work trees have their own
    // index and paths, and share their history through the cache, by common git dir).
    let mut by_dir: HashMap<PathBuf, Option<PathBuf>> = HashMap::new();
    let mut repos: BTreeMap<PathBuf, repo::Repo> = BTreeMap::new();
    let mut locate = |dir: &Path, repos: &mut BTreeMap<PathBuf, repo::Repo>| -> Option<PathBuf> {
        by_dir
            .entry(dir.to_path_buf())
            .or_insert_with(|| {
                let r = repo::open(dir)?;
                let id = r.workdir.clone();
                repos.entry(id.clone()).or_insert(r);
                Some(id)
            })
            .clone()
    };
    let usage_repo: Vec<Option<PathBuf>> = req
        .usages
        .iter()
        // Through links (a config linked into a dotfiles repository is that repository's file).
        .map(|(file, _)| {
            let real = std::fs::canonicalize(file).unwrap_or_else(|_| file.to_path_buf());
            locate(real.parent()?, &mut repos)
        })
        .collect();
    for folder in &req.folders {
        if folder.is_dir() {
            locate(folder, &mut repos);
        }
    }
    out.repos = repos.len();
    let needles: Vec<Vec<Zeroizing<Vec<u8>>>> = req.keys.iter().map(|k| views(k)).collect();
    // Repositories are read on every core (one thread per core, each its share of them; gix reads one
    // repository in one thread), then merged in their order, so the result does not depend on timing.
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 4)
        .min(repos.len().max(1));
    let mut shares: Vec<Vec<(usize, PathBuf, repo::Repo)>> =
        (0..workers).map(|_| Vec::new()).collect();
    for (n, (id, r)) in repos.into_iter().enumerate() {
        shares[n % workers].push((n, id, r));
    }
    let mut found: Vec<(usize, Findings)> = std::thread::scope(|s| {
        let handles: Vec<_> = shares
            .into_iter()
            .map(|share| {
                let (usage_repo, needles) = (&usage_repo, &needles);
                s.spawn(move || {
                    share
                        .into_iter()
                        .map(|(n, id, r)| (n, look_into(&id, &r, req, usage_repo, needles)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    });
    found.sort_by_key(|(n, _)| *n);
    for (_, f) in found {
        out.commits += f.commits;
        for (i, e) in f.usages {
            out.usages[i] = Some(e);
        }
        for (key, e) in f.keys {
            out.keys[key] = worse(out.keys[key].take(), Some(e));
        }
    }
    out
}

/// What one repository says: its usages' exposures, then the keys' (the usages' first, so that on a tie a
/// key's exposure names a file that holds it now; then a key found in the history where it has no usage).
#[derive(Default)]
struct Findings {
    usages: Vec<(usize, Exposure)>,
    keys: Vec<(usize, Exposure)>,
    commits: usize,
}

fn look_into(
    id: &Path,
    r: &repo::Repo,
    req: &Request<'_>,
    usage_repo: &[Option<PathBuf>],
    needles: &[Vec<Zeroizing<Vec<u8>>>],
) -> Findings {
    let mut f = Findings::default();
    let states: Vec<(usize, repo::FileState)> = req
        .usages
        .iter()
        .enumerate()
        .filter(|(i, _)| usage_repo[*i].as_deref() == Some(id))
        .filter_map(|(i, (file, _))| Some((i, r.file_state(file)?)))
        .collect();
    let candidates = candidates(r, &req.folders, &req.locations, &states);
    let history = read_history(&r.id(), r, &candidates, req.deadline);
    f.commits = history.commits;
    let (hits, searched) = search(r, &history, needles, req.deadline);
    let complete = history.complete && searched;
    for (i, st) in states {
        let key = req.usages[i].1;
        let hit = hits.get(&key);
        let state = match hit {
            Some(h) if h.pushed.is_some() => ExposureState::Pushed,
            Some(_) => ExposureState::Committed,
            None if st.tracked => ExposureState::Tracked,
            None if st.ignored => ExposureState::Ignored,
            None => ExposureState::Untracked,
        };
        let e = Exposure {
            state,
            repo: r.workdir.clone(),
            path: st.rela,
            tracked: st.tracked,
            ignored: st.ignored,
            commit: hit.map(|h| h.commit.clone()),
            pushed: hit.and_then(|h| h.pushed.clone()),
            history_complete: complete,
        };
        f.keys.push((key, e.clone()));
        f.usages.push((i, e));
    }
    let mut hits: Vec<(usize, Hit)> = hits.into_iter().collect();
    hits.sort_by_key(|(k, _)| *k);
    for (key, hit) in hits {
        f.keys.push((
            key,
            Exposure {
                state: if hit.pushed.is_some() {
                    ExposureState::Pushed
                } else {
                    ExposureState::Committed
                },
                repo: r.workdir.clone(),
                path: hit.commit.path.clone(),
                tracked: false,
                ignored: false,
                commit: Some(hit.commit),
                pushed: hit.pushed,
                history_complete: complete,
            },
        ));
    }
    f
}

/// The paths searched in `r`'s history: each location under the root and under each folder inside the
/// work tree, and the usages' own paths (sorted, without repeats).
fn candidates(
    r: &repo::Repo,
    folders: &[PathBuf],
    locations: &[String],
    states: &[(usize, repo::FileState)],
) -> Vec<String> {
    let mut prefixes = vec![String::new()];
    for f in folders {
        if let Some(rel) = std::fs::canonicalize(f)
            .ok()
            .and_then(|c| c.strip_prefix(&r.workdir).ok().map(Path::to_path_buf))
        {
            let rel: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if !rel.is_empty() {
                prefixes.push(format!("{}/", rel.join("/")));
            }
        }
    }
    let mut out: Vec<String> = prefixes
        .iter()
        .flat_map(|p| locations.iter().map(move |l| format!("{p}{l}")))
        .chain(states.iter().map(|(_, s)| s.rela.clone()))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Histories read in this process (the app checks again after every scan), by repository (its common git
/// dir: linked work trees share one), with what they were read for: the same tips and paths give the same
/// history. No secrets.
type Cached = (repo::Tips, Vec<String>, Arc<repo::History>);
static HISTORIES: LazyLock<Mutex<HashMap<PathBuf, Cached>>> = LazyLock::new(Mutex::default);

/// The history of `r` (identity `id`) at `candidates`, from this process's cache when its tips have not
/// moved.
fn read_history(
    id: &Path,
    r: &repo::Repo,
    candidates: &[String],
    deadline: Instant,
) -> Arc<repo::History> {
    let Some(tips) = r.tips() else {
        return Arc::new(repo::History::default());
    };
    let cache = || HISTORIES.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((t, c, h)) = cache().get(id) {
        if *t == tips && c == candidates {
            return h.clone();
        }
    }
    // Kept even when incomplete: a history that did not fit one check's budget does not fit the next
    // (the app checks after every scan).
    let history = Arc::new(r.history(&tips, candidates, deadline));
    cache().insert(
        id.to_path_buf(),
        (tips, candidates.to_vec(), history.clone()),
    );
    history
}

/// Each key's best hit in `history`'s blobs: a pushed commit when there is one (a remote with a host
/// before one on a local path), else the earliest. `false` when a blob could not be read (a partial clone)
/// or the deadline passed: a key not found may be there.
fn search(
    r: &repo::Repo,
    history: &repo::History,
    needles: &[Vec<Zeroizing<Vec<u8>>>],
    deadline: Instant,
) -> (HashMap<usize, Hit>, bool) {
    let mut complete = true;
    let mut found: HashMap<usize, Vec<&repo::Occurrence>> = HashMap::new();
    for (blob, occurrences) in &history.blobs {
        if Instant::now() > deadline {
            complete = false;
            break;
        }
        let Some(data) = r.blob(*blob).map(Zeroizing::new) else {
            complete = false;
            continue;
        };
        for (key, views) in needles.iter().enumerate() {
            if views
                .iter()
                .any(|v| memchr::memmem::find(&data, v).is_some())
            {
                found.entry(key).or_default().extend(occurrences.iter());
            }
        }
    }
    let hits = found
        .into_iter()
        .filter_map(|(key, occurrences)| {
            let mut remotes: Vec<(String, Option<String>)> = Vec::new();
            for o in &occurrences {
                if let Some(name) = &o.remote {
                    if !remotes.iter().any(|(n, _)| n == name) {
                        remotes.push((name.clone(), r.remote_host(name)));
                    }
                }
            }
            // A remote with a host (github.com) says more than a local path.
            remotes.sort_by_key(|(_, host)| host.is_none());
            let pushed = remotes.into_iter().next();
            let first = occurrences
                .iter()
                .filter(|o| {
                    pushed
                        .as_ref()
                        .is_none_or(|(name, _)| o.remote.as_ref() == Some(name))
                })
                .filter_map(|o| Some((r.commit_time(o.commit)?, *o)))
                .min_by_key(|(t, o)| (*t, o.commit))?;
            let date = jiff::Timestamp::from_second(first.0)
                .map(|t| t.to_string())
                .unwrap_or_default();
            Some((
                key,
                Hit {
                    commit: CommitRef {
                        id: first.1.commit.to_string(),
                        date,
                        path: first.1.path.to_string(),
                    },
                    pushed: pushed.map(|(remote, host)| Pushed { remote, host }),
                },
            ))
        })
        .collect();
    (hits, complete)
}
