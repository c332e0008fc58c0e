//! One git repository, read in-process with gix: whether a file is in the index or ignored, and which
//! MCP-config blobs its history holds (where, since when, and whether a remote-tracking ref reaches them).
//!
//! Never `git log -S<key>`: that would put the key in a command line other local users can read. The history
//! is read once per repository into a [`History`] of candidate blobs (ids, commits, paths: no secrets), and
//! each key is then looked for in those few blobs' bytes.

use gix::bstr::{BStr, BString, ByteSlice};
use gix::diff::tree::{visit, Visit};
use gix::objs::FindExt as _;
use gix::ObjectId;
use std::cell::RefCell;
use std::collections::{HashMap, HashSet, VecDeque};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::Instant;

/// A blob larger than this is no MCP config: it is not read.
const MAX_BLOB: u64 = 1 << 20;

pub(super) struct Repo {
    repo: gix::Repository,
    /// The work tree, canonical.
    pub(super) workdir: PathBuf,
}

/// Where a file of the work tree stands with git.
pub(super) struct FileState {
    /// The path inside the repository, `/`-separated.
    pub(super) rela: String,
    pub(super) tracked: bool,
    /// Ignored by a rule (and not tracked: a tracked file is committed whatever the rules say).
    pub(super) ignored: bool,
}

/// One commit that brought a candidate blob in (compared with its first parent).
#[derive(Clone)]
pub(super) struct Occurrence {
    pub(super) commit: ObjectId,
    /// The path the blob had in that commit.
    pub(super) path: BString,
    /// The remote whose tracking refs reach the commit (`None`: local branches only).
    pub(super) remote: Option<String>,
}

/// The tips a history is read from, by remote (`None`: local branches last). Equal tips, equal history.
#[derive(Clone, PartialEq, Eq, Hash)]
pub(super) struct Tips(Vec<(Option<String>, Vec<ObjectId>)>);

/// The candidate blobs of a repository's history: every version of a file with an MCP config's name that
/// any local branch or remote-tracking ref reaches.
#[derive(Default, Clone)]
pub(super) struct History {
    pub(super) blobs: HashMap<ObjectId, Vec<Occurrence>>,
    /// False when the walk stopped at its deadline (or on a broken object): a key not found may be there.
    pub(super) complete: bool,
    pub(super) commits: usize,
}

/// The work tree holding `dir`, if any (a bare repository has no files of a user's).
pub(super) fn open(dir: &Path) -> Option<Repo> {
    let mut repo = gix::discover(dir).ok()?;
    repo.object_cache_size_if_unset(8 << 20);
    let workdir = std::fs::canonicalize(repo.workdir()?).ok()?;
    Some(Repo { repo, workdir })
}

impl Repo {
    /// The repository's identity: its common git dir (linked work trees share it, and their history).
    pub(super) fn id(&self) -> PathBuf {
        std::fs::canonicalize(self.repo.common_dir())
            .unwrap_or_else(|_| self.repo.common_dir().to_path_buf())
    }

    /// Tracked and ignored, for a file of this work tree (`None`: it is not inside it).
    pub(super) fn file_state(&self, file: &Path) -> Option<FileState> {
        let canon = std::fs::canonicalize(file).ok()?;
        let rel = canon.strip_prefix(&self.workdir).ok()?;
        let rela: String = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        if rela.is_empty() {
            return None;
        }
        let index = self.repo.index_or_empty().ok()?;
        let tracked = index.entry_by_path(BStr::new(rela.as_bytes())).is_some();
        let ignored = !tracked && {
            let mut excludes = self
                .repo
                .excludes(
                    &index,
                    None,
                    gix::worktree::stack::state::ignore::Source::WorktreeThenIdMappingIfNotSkipped,
                )
                .ok()?;
            excludes
                .at_entry(BStr::new(rela.as_bytes()), Some(gix::index::entry::Mode::FILE))
                .ok()?
                .is_excluded()
        };
        Some(FileState {
            rela,
            tracked,
            ignored,
        })
    }

    /// The tips of the history: each remote's tracking refs (by remote name), then the local branches
    /// (`None`). `None` when the refs cannot be read.
    pub(super) fn tips(&self) -> Option<Tips> {
        let refs = self.repo.references().ok()?;
        let tip = |mut r: gix::Reference<'_>| r.peel_to_id().ok().map(|id| id.detach());
        let local: Vec<ObjectId> = refs
            .local_branches()
            .ok()?
            .filter_map(Result::ok)
            .filter_map(tip)
            .collect();
        let remote_names: Vec<String> = self
            .repo
            .remote_names()
            .iter()
            .map(|n| n.to_string())
            .collect();
        let mut by_remote: Vec<(Option<String>, Vec<ObjectId>)> = Vec::new();
        for r in refs.remote_branches().ok()?.filter_map(Result::ok) {
            let short = r.name().shorten().to_string();
            // The remote of `refs/remotes/<remote>/<branch>`: the longest configured name that
            // prefixes it (names may hold '/'), else its first component.
            let remote = remote_names
                .iter()
                .filter(|n| short.starts_with(&format!("{n}/")))
                .max_by_key(|n| n.len())
                .cloned()
                .or_else(|| short.split('/').next().map(str::to_string));
            let Some(id) = tip(r) else { continue };
            match by_remote.iter_mut().find(|(n, _)| *n == remote) {
                Some((_, tips)) => tips.push(id),
                None => by_remote.push((remote, vec![id])),
            }
        }
        by_remote.sort_by(|a, b| a.0.cmp(&b.0));
        for (_, tips) in by_remote.iter_mut() {
            tips.sort();
        }
        let mut local = local;
        local.sort();
        by_remote.push((None, local));
        Some(Tips(by_remote))
    }

    /// Read the history from `tips`: one walk over every commit the remote-tracking refs reach (remote by
    /// remote), then those only local branches reach, each compared with its first parent; every added
    /// or modified blob whose file name is in `names` (or whose path is in `paths`) is a candidate.
    pub(super) fn history(
        &self,
        tips: &Tips,
        names: &[&[u8]],
        paths: &[String],
        deadline: Instant,
    ) -> History {
        let mut history = History {
            complete: true,
            ..History::default()
        };
        let seen: Rc<RefCell<HashSet<ObjectId>>> = Rc::default();
        let mut state = gix::diff::tree::State::default();
        let (mut b1, mut b2, mut b3) = (Vec::new(), Vec::new(), Vec::new());
        let mut pick = Pick {
            names,
            paths,
            path: BString::default(),
            queue: VecDeque::new(),
            hits: Vec::new(),
        };
        for (remote, tips) in &tips.0 {
            if tips.is_empty() {
                continue;
            }
            let s = seen.clone();
            let walk = match self
                .repo
                .rev_walk(tips.iter().copied())
                .selected(move |id| s.borrow_mut().insert(id.to_owned()))
            {
                Ok(w) => w,
                Err(_) => {
                    history.complete = false;
                    continue;
                }
            };
            for info in walk {
                let Ok(info) = info else {
                    history.complete = false;
                    break;
                };
                history.commits += 1;
                let parent = info.parent_ids.first().copied();
                if self
                    .diff_commit(info.id, parent, &mut state, [&mut b1, &mut b2, &mut b3], &mut pick)
                    .is_err()
                {
                    history.complete = false;
                }
                for (path, blob) in pick.hits.drain(..) {
                    history.blobs.entry(blob).or_default().push(Occurrence {
                        commit: info.id,
                        path,
                        remote: remote.clone(),
                    });
                }
                if history.commits % 64 == 0 && Instant::now() > deadline {
                    history.complete = false;
                    return history;
                }
            }
        }
        history
    }

    fn diff_commit(
        &self,
        commit: ObjectId,
        parent: Option<ObjectId>,
        state: &mut gix::diff::tree::State,
        [b1, b2, b3]: [&mut Vec<u8>; 3],
        pick: &mut Pick<'_>,
    ) -> Result<(), String> {
        let e = |e: &dyn std::fmt::Display| e.to_string();
        let objects = &self.repo.objects;
        let tree = objects
            .find_commit_iter(&commit, b1)
            .map_err(|x| e(&x))?
            .tree_id()
            .map_err(|x| e(&x))?;
        let parent_tree = match parent {
            Some(p) => Some(
                objects
                    .find_commit_iter(&p, b2)
                    .map_err(|x| e(&x))?
                    .tree_id()
                    .map_err(|x| e(&x))?,
            ),
            None => None,
        };
        if parent_tree == Some(tree) {
            return Ok(());
        }
        let lhs = match parent_tree {
            Some(t) => objects.find_tree_iter(&t, b2).map_err(|x| e(&x))?,
            None => gix::objs::TreeRefIter::from_bytes(&[], self.repo.object_hash()),
        };
        let rhs = objects.find_tree_iter(&tree, b3).map_err(|x| e(&x))?;
        pick.path.clear();
        pick.queue.clear();
        gix::diff::tree(lhs, rhs, &mut *state, objects, pick).map_err(|x| e(&x))
    }

    /// The bytes of a candidate blob (`None`: missing, as in a partial clone, or too large).
    pub(super) fn blob(&self, id: ObjectId) -> Option<Vec<u8>> {
        let header = self.repo.find_header(id).ok()?;
        if header.size() > MAX_BLOB {
            return None;
        }
        Some(self.repo.find_blob(id).ok()?.data.clone())
    }

    /// When `commit` was made (seconds since the epoch).
    pub(super) fn commit_time(&self, commit: ObjectId) -> Option<i64> {
        Some(self.repo.find_commit(commit).ok()?.time().ok()?.seconds)
    }

    /// The host of `remote`'s fetch URL (never the URL: it may hold a token).
    pub(super) fn remote_host(&self, remote: &str) -> Option<String> {
        let r = self.repo.find_remote(remote).ok()?;
        r.url(gix::remote::Direction::Fetch)?
            .host()
            .map(str::to_string)
    }
}

/// The tree-diff visitor: tracks the path (as gix's own `Recorder` does) and keeps the candidates.
struct Pick<'a> {
    names: &'a [&'a [u8]],
    paths: &'a [String],
    path: BString,
    queue: VecDeque<BString>,
    hits: Vec<(BString, ObjectId)>,
}

impl Pick<'_> {
    fn push(&mut self, name: &BStr) {
        if name.is_empty() {
            return;
        }
        if !self.path.is_empty() {
            self.path.push(b'/');
        }
        self.path.extend_from_slice(name);
    }
}

impl Visit for Pick<'_> {
    fn pop_front_tracked_path_and_set_current(&mut self) {
        self.path = self.queue.pop_front().unwrap_or_default();
    }
    fn push_back_tracked_path_component(&mut self, component: &BStr) {
        self.push(component);
        self.queue.push_back(self.path.clone());
    }
    fn push_path_component(&mut self, component: &BStr) {
        self.push(component);
    }
    fn pop_path_component(&mut self) {
        match self.path.rfind_byte(b'/') {
            Some(at) => self.path.truncate(at),
            None => self.path.clear(),
        }
    }
    fn visit(&mut self, change: visit::Change) -> visit::Action {
        let (mode, oid) = match change {
            visit::Change::Addition {
                entry_mode, oid, ..
            }
            | visit::Change::Modification {
                entry_mode, oid, ..
            } => (entry_mode, oid),
            visit::Change::Deletion { .. } => return ControlFlow::Continue(()),
        };
        if !mode.is_blob() {
            return ControlFlow::Continue(());
        }
        let path: &[u8] = self.path.as_ref();
        let name = path
            .rfind_byte(b'/')
            .map_or(path, |at| &path[at + 1..]);
        if self.names.contains(&name) || self.paths.iter().any(|p| p.as_bytes() == path) {
            self.hits.push((self.path.clone(), oid));
        }
        ControlFlow::Continue(())
    }
}
