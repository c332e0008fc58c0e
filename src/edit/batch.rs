//! Several files replaced together, with the same promises as [`super::atomic::replace_file_rebasing`]
//! for each (locked, re-checked, backed up first, temp file synced, renamed, directory synced), in three
//! phases, so the renames come in one burst:
//!
//! - [`lock`]: lock every file (in path order, so two batches never wait on each other in a cycle) and
//!   back each up by a hard link to the file as it is, with one write of the backup index. This needs no
//!   new content: a rotation does it before the provider's call.
//! - [`Locked::stage`]: on one thread per file, compare the file with the plan, make its new content and
//!   write and sync its temp file. A file that changed since it was backed up (a client saved it in place)
//!   gets a fresh backup instead. Nothing visible has changed yet: [`Batch::abandon`] (or
//!   [`Locked::abandon`]) removes the temp files and the backups.
//! - [`Batch::commit`]: for each file, check it is still the file that was read (a client may have saved
//!   it meanwhile: that file is then written again on its own, from its new bytes) and rename its temp
//!   file over it; then sync each directory once.
//!
//! A rotation stages while the new key goes to the keychain and commits once it is there: from the
//! provider's answer to the last config holding the new key there is then the keychain's store and a
//! burst of renames, not a lock, temp file, fsync, backup and rename per file, one file after the other.

use super::atomic::{open_locked, replace_inner, stage, stamp, Attempt, Current, Expected};
use super::atomic::{resolve, Refusal, Splice, Staged, Stamp, WriteError, WriteOutcome};
use super::backup::{Backups, ToSave};
use std::fs::File;
use std::path::PathBuf;

/// A transform of [`super::atomic::replace_file_rebasing`], callable from the staging thread.
pub type Transform<'a> = Box<dyn FnMut(Current<'_>) -> Result<Splice, String> + Send + 'a>;

/// One file of a batch: where, and what the plan saw there.
pub struct Target {
    pub path: PathBuf,
    pub expected: Expected,
}

/// A hard link taken as the backup before the new content was known: its id, and the file's size and
/// modification time when it was linked.
type Pre = Option<(String, Stamp)>;

enum State {
    /// Locked (and backed up by a hard link, when that worked), waiting for its new content.
    Locked(File, Pre),
    /// Locked, temp file written and synced, backed up: waiting for its rename.
    Ready(Staged, String),
    /// Not prepared with the others (it moved while being locked, or another job has its file): written
    /// on its own at commit.
    Alone,
    Failed(WriteError),
}

struct Item {
    path: PathBuf,
    expected: Expected,
    target: PathBuf,
    shown: String,
    state: State,
}

/// Files locked and backed up, waiting for their new content (see the module's text). Dropped without
/// [`Locked::stage`], it removes its backups.
pub struct Locked {
    items: Vec<Item>,
    backups: Backups,
}

/// Files ready to be renamed into place (see the module's text). Dropped without [`Batch::commit`], it
/// removes its temp files and backups.
pub struct Batch<'a> {
    items: Vec<(Item, Option<Transform<'a>>)>,
    backups: Backups,
}

/// Lock and back up every target's file. Never fails as a whole: a file that cannot be locked carries
/// its error to [`Batch::commit`].
pub fn lock(targets: Vec<Target>, backups: &Backups) -> Locked {
    let mut items: Vec<Item> = targets
        .into_iter()
        .map(|t| Item {
            target: resolve(&t.path),
            shown: t.path.display().to_string(),
            path: t.path,
            expected: t.expected,
            state: State::Alone,
        })
        .collect();
    // Locks in path order, one after the other. Two jobs on one file (a config and a link to it) would
    // wait on each other's lock: the second is written on its own, after the burst.
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by(|&a, &b| items[a].target.cmp(&items[b].target));
    let mut seen = std::collections::HashSet::new();
    for i in order {
        let it = &mut items[i];
        if !seen.insert(it.target.clone()) {
            continue;
        }
        it.state = match open_locked(&it.target, &it.shown) {
            Ok(f) => State::Locked(f, None),
            Err(Attempt::Moved) => State::Alone,
            Err(Attempt::Failed(e)) => State::Failed(e),
        };
    }
    // A hard link to each locked file as it is now, with one write of the index. It is a backup of the
    // plan's bytes only if the file still holds them when it is staged (checked there, under the lock).
    let linked: Vec<(usize, Stamp)> = items
        .iter()
        .enumerate()
        .filter_map(|(i, it)| match &it.state {
            State::Locked(f, _) => stamp(f).ok().map(|s| (i, s)),
            _ => None,
        })
        .collect();
    let list: Vec<ToSave<'_>> = linked
        .iter()
        .map(|(i, (len, _))| ToSave {
            original: &items[*i].path,
            link_from: Some(&items[*i].target),
            bytes: &[],
            size: Some(*len),
            sha: &items[*i].expected.hash,
            parsed: true,
        })
        .collect();
    // (A failure here only means the backups are taken later, when the files are staged.)
    if let Ok(ids) = backups.save_many(&list) {
        for ((i, st), id) in linked.into_iter().zip(ids) {
            if let (State::Locked(_, pre), Some(id)) = (&mut items[i].state, id) {
                *pre = Some((id, st));
            }
        }
    }
    Locked {
        items,
        backups: backups.clone(),
    }
}

impl Locked {
    /// Make each file's new content with its transform (one per target, in order) and write it to a
    /// synced temp file, one thread per file.
    pub fn stage<'a>(mut self, transforms: Vec<Transform<'a>>) -> Batch<'a> {
        let items = std::mem::take(&mut self.items);
        let mut transforms = transforms.into_iter();
        let mut items: Vec<(Item, Option<Transform<'a>>)> = items
            .into_iter()
            .map(|it| (it, transforms.next()))
            .collect();
        let staged: Vec<Option<(Result<Staged, Attempt>, Pre)>> = std::thread::scope(|s| {
            let handles: Vec<_> = items
                .iter_mut()
                .map(|(it, transform)| {
                    let transform = transform.as_mut()?;
                    let State::Locked(lock, pre) = std::mem::replace(&mut it.state, State::Alone)
                    else {
                        return None;
                    };
                    let shown = it.shown.clone();
                    let (target, expected) = (&it.target, &it.expected);
                    let h = s.spawn(move || {
                        stage(lock, target, &shown, expected, &mut |c| {
                            transform(c).map_err(Refusal::Message)
                        })
                    });
                    Some((h, it.shown.clone(), pre))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.map(|(h, shown, pre)| {
                        let r = h.join().unwrap_or_else(|_| {
                            Err(Attempt::Failed(WriteError::Refused {
                                path: shown,
                                message: "Rekey failed while making its new content".into(),
                            }))
                        });
                        (r, pre)
                    })
                })
                .collect()
        });
        // The hard link is the backup when the file was read as planned and did not change since it was
        // linked; otherwise it goes, and the bytes read are backed up now.
        let mut stale = Vec::new();
        let mut fresh = Vec::new();
        for (i, st) in staged.into_iter().enumerate() {
            let Some((r, pre)) = st else { continue };
            match r {
                Ok(s) => match pre {
                    Some((id, at)) if s.planned && s.before == at => {
                        items[i].0.state = State::Ready(s, id)
                    }
                    other => {
                        stale.extend(other.map(|(id, _)| id));
                        fresh.push((i, s));
                    }
                },
                Err(e) => {
                    stale.extend(pre.map(|(id, _)| id));
                    items[i].0.state = match e {
                        Attempt::Moved => State::Alone,
                        Attempt::Failed(e) => State::Failed(e),
                    };
                }
            }
        }
        let _ = self.backups.forget(&stale);
        let saved = {
            let list: Vec<ToSave<'_>> = fresh
                .iter()
                .map(|(i, s)| ToSave {
                    original: &items[*i].0.path,
                    link_from: Some(&items[*i].0.target),
                    bytes: &s.current,
                    size: None,
                    sha: &s.hash,
                    parsed: true,
                })
                .collect();
            self.backups.save_many(&list)
        };
        match saved {
            Ok(ids) => {
                for ((i, s), id) in fresh.into_iter().zip(ids) {
                    items[i].0.state = match id {
                        Some(id) => State::Ready(s, id),
                        None => {
                            s.discard();
                            State::Alone
                        }
                    };
                }
            }
            Err(e) => {
                for (i, s) in fresh {
                    s.discard();
                    items[i].0.state = State::Failed(WriteError::Backup {
                        path: items[i].0.shown.clone(),
                        message: e.to_string(),
                    });
                }
            }
        }
        Batch {
            items,
            backups: self.backups.clone(),
        }
    }

    /// Write nothing: remove the backups and let go of the locks.
    pub fn abandon(self) {
        drop(self)
    }

    fn forget_backups(&mut self) {
        let ids: Vec<String> = std::mem::take(&mut self.items)
            .into_iter()
            .filter_map(|it| match it.state {
                State::Locked(_, Some((id, _))) => Some(id),
                _ => None,
            })
            .collect();
        let _ = self.backups.forget(&ids);
    }
}

impl Drop for Locked {
    fn drop(&mut self) {
        self.forget_backups();
    }
}

impl Batch<'_> {
    /// Rename every prepared file into place, one right after the other, then sync their directories;
    /// the files that could not be prepared with the others are written on their own. One result per
    /// file, in the targets' order.
    pub fn commit(mut self) -> Vec<(PathBuf, Result<WriteOutcome, WriteError>)> {
        let items = std::mem::take(&mut self.items);
        let backups = self.backups.clone();
        let mut results: Vec<Option<Result<WriteOutcome, WriteError>>> =
            (0..items.len()).map(|_| None).collect();
        let mut alone = Vec::new();
        let mut renamed: Vec<(usize, PathBuf, String)> = Vec::new();
        let mut jobs = Vec::with_capacity(items.len());
        for (i, (it, transform)) in items.into_iter().enumerate() {
            let Item {
                path,
                expected,
                shown,
                state,
                ..
            } = it;
            match state {
                State::Failed(e) => results[i] = Some(Err(e)),
                State::Alone => alone.push(i),
                State::Locked(lock, pre) => {
                    // (No new content was given for it: its early backup goes.)
                    drop(lock);
                    let ids: Vec<String> = pre.into_iter().map(|(id, _)| id).collect();
                    let _ = backups.forget(&ids);
                    alone.push(i)
                }
                State::Ready(staged, backup) => match staged.check() {
                    Ok(()) => match staged.rename(&backups, &backup) {
                        Ok(dir) => renamed.push((i, dir, backup)),
                        Err(Attempt::Failed(e)) => results[i] = Some(Err(e)),
                        Err(Attempt::Moved) => alone.push(i),
                    },
                    Err(e) => {
                        // Saved by someone else meanwhile: the backup keeps the bytes that were read
                        // (a private copy), and the file is written again from what it holds now.
                        let _ = backups.unlink_failed(&backup, &staged.current);
                        staged.discard();
                        match e {
                            Attempt::Moved => alone.push(i),
                            Attempt::Failed(e) => results[i] = Some(Err(e)),
                        }
                    }
                },
            }
            jobs.push((path, expected, shown, transform));
        }
        // One fsync per directory, after the burst, the directories at once.
        let mut dirs: Vec<&PathBuf> = renamed.iter().map(|(_, d, _)| d).collect();
        dirs.sort();
        dirs.dedup();
        let synced: Vec<(&PathBuf, Result<(), String>)> = std::thread::scope(|s| {
            let handles: Vec<_> = dirs
                .iter()
                .map(|d| s.spawn(move || super::temp::sync_dir(d).map_err(|e| e.to_string())))
                .collect();
            dirs.iter()
                .zip(handles)
                .map(|(d, h)| {
                    let r = h
                        .join()
                        .unwrap_or_else(|_| Err("the directory could not be synced".into()));
                    (*d, r)
                })
                .collect()
        });
        let synced: Vec<(PathBuf, Result<(), String>)> =
            synced.into_iter().map(|(d, r)| (d.clone(), r)).collect();
        for (i, dir, backup) in renamed {
            let done = synced
                .iter()
                .find(|(d, _)| *d == dir)
                .map(|(_, r)| r.clone())
                .unwrap_or(Ok(()));
            results[i] = Some(match done {
                Ok(()) => {
                    let _ = backups.seal(&backup);
                    Ok(WriteOutcome { backup_id: backup })
                }
                Err(message) => Err(WriteError::Io {
                    path: jobs[i].2.clone(),
                    message,
                }),
            });
        }
        for i in alone {
            let (path, expected, shown, transform) = &mut jobs[i];
            results[i] = Some(match transform {
                Some(t) => replace_inner(path, expected, &backups, &mut |c| {
                    t(c).map_err(Refusal::Message)
                }),
                None => Err(WriteError::Refused {
                    path: shown.clone(),
                    message: "no new content for it".into(),
                }),
            });
        }
        jobs.into_iter()
            .zip(results)
            .map(|((path, ..), r)| (path, r.expect("every file has a result")))
            .collect()
    }

    /// Write nothing: remove the temp files and the backups taken for them, and let go of the locks.
    pub fn abandon(self) {
        drop(self)
    }

    fn discard(&mut self) {
        let mut ids = Vec::new();
        for (it, _) in std::mem::take(&mut self.items) {
            match it.state {
                State::Ready(staged, backup) => {
                    staged.discard();
                    ids.push(backup);
                }
                State::Locked(_, Some((id, _))) => ids.push(id),
                _ => {}
            }
        }
        let _ = self.backups.forget(&ids);
    }
}

impl Drop for Batch<'_> {
    /// A batch dropped without [`Batch::commit`] writes nothing (see [`Batch::abandon`]).
    fn drop(&mut self) {
        self.discard();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn target(path: &Path) -> Target {
        let bytes = std::fs::read(path).unwrap();
        Target {
            path: path.to_path_buf(),
            expected: Expected {
                hash: super::super::atomic::content_hash(&bytes),
                bytes: Some(std::sync::Arc::new(bytes)),
            },
        }
    }

    /// Replace every `old` in the file with `new`.
    fn swap<'a>(old: &'a str, new: &'a str) -> Transform<'a> {
        Box::new(move |c: Current<'_>| {
            let bytes = match c {
                Current::AsPlanned(b) | Current::Changed(b) => b,
            };
            let text = String::from_utf8_lossy(bytes).replace(old, new);
            Ok(Splice::whole(bytes.len(), text.into_bytes()))
        })
    }

    /// `a/mcp.json` and `b/mcp.json` under `dir`, both `{"k": "old"}`.
    fn two_configs(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
        let (a, b) = (dir.join("a/mcp.json"), dir.join("b/mcp.json"));
        for p in [&a, &b] {
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "{\"k\": \"old\"}").unwrap();
        }
        (a, b)
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn nothing_is_renamed_before_commit_and_an_abandoned_batch_leaves_nothing() {
        let d = tempfile::tempdir().unwrap();
        let backups = Backups::new(d.path().join("backups"));
        let (a, b) = two_configs(d.path());
        let batch = lock(vec![target(&a), target(&b)], &backups)
            .stage(vec![swap("old", "new"), swap("old", "new")]);
        // Staged: temp files beside each file, the files untouched, both backed up.
        assert_eq!(names(a.parent().unwrap()).len(), 2);
        assert_eq!(std::fs::read_to_string(&a).unwrap(), "{\"k\": \"old\"}");
        assert_eq!(backups.list().unwrap().len(), 2);
        batch.abandon();
        assert_eq!(names(a.parent().unwrap()), ["mcp.json"]);
        assert_eq!(names(b.parent().unwrap()), ["mcp.json"]);
        assert!(backups.list().unwrap().is_empty());
        assert_eq!(names(backups.dir()), ["index.json"]);
        // Locked only, then dropped: the same.
        drop(lock(vec![target(&a)], &backups));
        assert!(backups.list().unwrap().is_empty());
        assert_eq!(names(backups.dir()), ["index.json"]);
    }

    #[test]
    fn two_files_of_one_name_and_content_get_two_backups_and_both_are_written() {
        let d = tempfile::tempdir().unwrap();
        let backups = Backups::new(d.path().join("backups"));
        let (a, b) = two_configs(d.path());
        let results = lock(vec![target(&a), target(&b)], &backups)
            .stage(vec![swap("old", "new"), swap("old", "new")])
            .commit();
        let ids: Vec<String> = results
            .into_iter()
            .map(|(_, r)| r.unwrap().backup_id)
            .collect();
        assert_ne!(ids[0], ids[1]);
        for (p, id) in [&a, &b].into_iter().zip(&ids) {
            assert_eq!(std::fs::read_to_string(p).unwrap(), "{\"k\": \"new\"}");
            assert_eq!(backups.get(id).unwrap().1, b"{\"k\": \"old\"}");
        }
        assert_eq!(names(a.parent().unwrap()), ["mcp.json"]);
    }

    #[test]
    fn a_file_saved_in_place_after_it_was_linked_is_backed_up_as_it_is_when_replaced() {
        let d = tempfile::tempdir().unwrap();
        let backups = Backups::new(d.path().join("backups"));
        let a = d.path().join("mcp.json");
        std::fs::write(&a, "{\"k\": \"old\"}").unwrap();
        let locked = lock(vec![target(&a)], &backups);
        // A client that does not lock saves in place (same inode) while the provider is called.
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(&a, "{\"k\": \"old\", \"x\": 1}").unwrap();
        let results = locked.stage(vec![swap("old", "new")]).commit();
        let id = results[0].1.as_ref().unwrap().backup_id.clone();
        assert_eq!(
            std::fs::read_to_string(&a).unwrap(),
            "{\"k\": \"new\", \"x\": 1}"
        );
        // The one backup holds the bytes that were replaced, with their hash; the early link is gone.
        let list = backups.list().unwrap();
        assert_eq!(list.len(), 1, "{list:?}");
        let (entry, bytes) = backups.get(&id).unwrap();
        assert_eq!(bytes, b"{\"k\": \"old\", \"x\": 1}");
        assert_eq!(entry.hash, super::super::atomic::content_hash(&bytes));
        assert_eq!(names(backups.dir()), [id, "index.json".to_string()]);
    }

    #[test]
    fn a_target_given_no_new_content_is_refused_unlocked_and_leaves_no_backup() {
        let d = tempfile::tempdir().unwrap();
        let backups = Backups::new(d.path().join("backups"));
        let (a, b) = two_configs(d.path());
        // Two targets, one transform: the second file gets a result of its own, not silence.
        let results = lock(vec![target(&a), target(&b)], &backups)
            .stage(vec![swap("old", "new")])
            .commit();
        assert_eq!(results.len(), 2);
        assert!(results[0].1.is_ok());
        assert!(
            matches!(&results[1].1, Err(WriteError::Refused { message, .. }) if message.contains("no new content")),
            "{:?}",
            results[1].1
        );
        assert_eq!(std::fs::read_to_string(&b).unwrap(), "{\"k\": \"old\"}");
        // Only the written file keeps a backup; the other's early link is gone and its lock let go.
        assert_eq!(backups.list().unwrap().len(), 1);
        let again = lock(vec![target(&b)], &backups)
            .stage(vec![swap("old", "new")])
            .commit();
        assert!(again[0].1.is_ok(), "{:?}", again[0].1);
        assert_eq!(std::fs::read_to_string(&b).unwrap(), "{\"k\": \"new\"}");
    }
}
