//! One git repository, read in-process with gix: whether a file is in the index or ignored, and which
//! blobs its history holds at the paths where clients read a project's config (where, since when, and
//! whether a remote-tracking ref reaches them).
//!
//! Never `git log -S<key>`: that would put the key in a command line other local users can read. The history
//! is read once per repository into a [`History`] of candidate blobs (ids, commits, paths: no secrets), and
//! each key is then looked for in those few blobs' bytes.

use gix::bstr::{BStr, BString, ByteSlice};
use gix::objs::FindExt as _;
use gix::ObjectId;
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
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

/// The candidate blobs of a repository's history: every version of a file at a candidate path that any
/// local branch or remote-tracking ref reaches.
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
    // A delta-base cache by memory rather than gix's default 64-slot list, which a history walk searched
    // linearly on every object (a quarter of the time in a profile).
    repo.objects.set_pack_cache(|| {
        Box::new(gix::odb::pack::cache::lru::MemoryCappedHashmap::new(
            32 << 20,
        ))
    });
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
                .at_entry(
                    BStr::new(rela.as_bytes()),
                    Some(gix::index::entry::Mode::FILE),
                )
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
        // HEAD too: a detached HEAD (a rebase in progress, a tag checked out) has commits no branch has.
        if let Ok(head) = self.repo.head_id() {
            local.push(head.detach());
        }
        local.sort();
        local.dedup();
        by_remote.push((None, local));
        Some(Tips(by_remote))
    }

    /// Read the history from `tips`: one walk over every commit the remote-tracking refs reach (remote by
    /// remote), then those only local branches reach; in each, the blob at every candidate path (where a
    /// client reads a project's config) is compared with its first parent's, and an added or changed one is
    /// recorded. Only the trees on the way to those paths are read (a subtree is looked into once per id),
    /// not every changed file of every commit.
    pub(super) fn history(&self, tips: &Tips, candidates: &[String], deadline: Instant) -> History {
        let mut history = History {
            complete: true,
            ..History::default()
        };
        let paths: Vec<Vec<&[u8]>> = candidates
            .iter()
            .map(|c| c.as_bytes().split(|b| *b == b'/').collect())
            .collect();
        let mut look = Look::default();
        let seen: Rc<RefCell<HashSet<ObjectId>>> = Rc::default();
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
                // Every commit: a walk whose commits cannot be read must stop at its deadline too.
                if Instant::now() > deadline {
                    history.complete = false;
                    return history;
                }
                let Ok(info) = info else {
                    history.complete = false;
                    break;
                };
                history.commits += 1;
                let Some(mine) = look.at_commit(self, info.id, &paths) else {
                    history.complete = false;
                    continue;
                };
                // A parent that cannot be read (the edge of a shallow clone, a missing object) is taken as
                // none: what this commit holds counts as brought in by it, and the history is incomplete.
                let before = match info.parent_ids.first() {
                    Some(p) => {
                        let read = look.at_commit(self, *p, &paths);
                        if read.is_none() {
                            history.complete = false;
                        }
                        read
                    }
                    None => None,
                };
                for (i, blob) in mine.iter().enumerate() {
                    let Some(blob) = blob else { continue };
                    if before.as_ref().is_some_and(|b| b[i] == Some(*blob)) {
                        continue;
                    }
                    history.blobs.entry(*blob).or_default().push(Occurrence {
                        commit: info.id,
                        path: BString::from(candidates[i].as_str()),
                        remote: remote.clone(),
                    });
                }
            }
        }
        history
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

/// What a history walk has looked up: each commit's tree, each root tree's blobs at the candidate paths,
/// and each subtree's (by id: a subtree that did not change is read once). Bounded: cleared when large.
#[derive(Default)]
struct Look {
    trees: HashMap<ObjectId, ObjectId>,
    roots: HashMap<ObjectId, Rc<Vec<Option<ObjectId>>>>,
    subtrees: HashMap<(ObjectId, usize, usize), Option<ObjectId>>,
    buf: Vec<u8>,
}

const LOOK_MAX: usize = 1 << 16;

impl Look {
    /// The blob at each candidate path in `commit` (`None`: the commit or a tree could not be read).
    fn at_commit(
        &mut self,
        r: &Repo,
        commit: ObjectId,
        paths: &[Vec<&[u8]>],
    ) -> Option<Rc<Vec<Option<ObjectId>>>> {
        let tree = match self.trees.get(&commit) {
            Some(t) => *t,
            None => {
                let t = r
                    .repo
                    .objects
                    .find_commit_iter(&commit, &mut self.buf)
                    .ok()?
                    .tree_id()
                    .ok()?;
                if self.trees.len() > LOOK_MAX {
                    self.trees.clear();
                }
                self.trees.insert(commit, t);
                t
            }
        };
        if let Some(found) = self.roots.get(&tree) {
            return Some(found.clone());
        }
        // The root tree's entries on the way to each path (one read of the root).
        let mut first: Vec<Option<(ObjectId, bool)>> = vec![None; paths.len()];
        for entry in r.repo.objects.find_tree_iter(&tree, &mut self.buf).ok()? {
            let entry = entry.ok()?;
            for (i, p) in paths.iter().enumerate() {
                if p[0] == entry.filename.as_bytes() {
                    first[i] = Some((entry.oid.to_owned(), entry.mode.is_tree()));
                }
            }
        }
        let mut found = Vec::with_capacity(paths.len());
        for (i, p) in paths.iter().enumerate() {
            found.push(match first[i] {
                Some((id, false)) if p.len() == 1 => Some(id),
                Some((id, true)) if p.len() > 1 => self.below(r, id, p, i, 1)?,
                _ => None,
            });
        }
        let found = Rc::new(found);
        if self.roots.len() > LOOK_MAX {
            self.roots.clear();
        }
        self.roots.insert(tree, found.clone());
        Some(found)
    }

    /// The blob at `path[depth..]` inside the subtree `tree` (`Some(None)`: not there).
    fn below(
        &mut self,
        r: &Repo,
        tree: ObjectId,
        path: &[&[u8]],
        index: usize,
        depth: usize,
    ) -> Option<Option<ObjectId>> {
        if let Some(found) = self.subtrees.get(&(tree, index, depth)) {
            return Some(*found);
        }
        let mut next = None;
        for entry in r.repo.objects.find_tree_iter(&tree, &mut self.buf).ok()? {
            let entry = entry.ok()?;
            if entry.filename.as_bytes() == path[depth] {
                next = Some((entry.oid.to_owned(), entry.mode.is_tree()));
                break;
            }
        }
        let found = match next {
            Some((id, false)) if depth + 1 == path.len() => Some(id),
            Some((id, true)) if depth + 1 < path.len() => {
                self.below(r, id, path, index, depth + 1)?
            }
            _ => None,
        };
        if self.subtrees.len() > LOOK_MAX {
            self.subtrees.clear();
        }
        self.subtrees.insert((tree, index, depth), found);
        Some(found)
    }
}
