//! The pre-commit guard (issue 21): an opt-in git hook that refuses a commit adding the bytes of a key Rekey
//! knows to any file, names the file and the key's id, and points at the reference form.
//!
//! - [`install`] writes `pre-commit` into the repository's hooks directory as git itself resolves it
//!   (`git rev-parse --git-path hooks`: `core.hooksPath` included). An existing hook that is not Rekey's is
//!   never overwritten: it is moved aside to `pre-commit.rekey-chained` and run first by Rekey's hook, which
//!   fails the commit when it fails. [`uninstall`] puts it back.
//! - [`check`] runs in the hook (`rekey guard check`): it reads the staged changes (`git diff --cached`), and
//!   fingerprints every word of every added line that could be a key with the same keyed fingerprint the
//!   scan gives keys (`fingerprint.key` in the data dir). A word whose fingerprint is one of the values a key
//!   in `keys.json` has had (now or before a rotation) is a known key. The hook holds no secret, and no
//!   secret is written anywhere: only fingerprints are compared.
//!
//! Why the `git` binary and not a git library: a hook runs inside `git commit`, so git is there by
//! definition; `git rev-parse --git-path hooks` and `git diff --cached` are the interfaces git documents for
//! hooks (githooks(5)), and they honour every config (hooksPath, worktrees, index location) exactly as the
//! commit itself does.

use crate::scan::fingerprint::Fingerprinter;
use crate::{Error, Result};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The line that marks a hook as Rekey's own.
pub const MARK: &str = "# rekey-guard:";
/// Where a hook that was there before Rekey's goes (run first by Rekey's).
pub const CHAINED: &str = "pre-commit.rekey-chained";
/// Words shorter than this are not fingerprinted: no provider's key is this short.
const MIN_KEY_LEN: usize = 12;

/// What [`install`] did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Installed {
    /// The hook written.
    pub hook: PathBuf,
    /// An existing hook moved aside and chained (run first), if there was one.
    pub chained: Option<PathBuf>,
    /// The hook was Rekey's already (rewritten with the current `rekey` path).
    pub already: bool,
}

/// A project folder and its guard, for the app's Settings.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
pub struct GuardStatus {
    pub path: PathBuf,
    /// It is inside a git work tree (else there is nothing to guard).
    pub repo: bool,
    /// Rekey's hook is installed where git looks for this repository's hooks.
    pub guarded: bool,
    /// A hook of the project's own runs first.
    pub chained: bool,
}

/// Where `folder` stands: a git repository or not, guarded or not.
pub fn status(folder: &Path) -> GuardStatus {
    let dir = hooks_dir(folder).ok();
    GuardStatus {
        path: folder.to_path_buf(),
        repo: dir.is_some(),
        guarded: dir.as_ref().is_some_and(|d| is_ours(&d.join("pre-commit"))),
        chained: dir.as_ref().is_some_and(|d| d.join(CHAINED).exists()),
    }
}

/// A known key in a staged change.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Finding {
    /// The file as git names it (relative to the work tree).
    pub file: String,
    /// The line in the new file.
    pub line: usize,
    /// The key's id for life (`keys.json`), or its fingerprint when it has none.
    pub key: String,
}

/// `git -C <dir> <args>`: its stdout, or a clear error.
fn git(dir: &Path, args: &[&str]) -> Result<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .map_err(|e| Error::InvalidInput(format!("cannot run git: {e} (is git installed?)")))?;
    if !out.status.success() {
        return Err(Error::InvalidInput(format!(
            "{} is not a git repository, or git refused: {}",
            dir.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The repository's hooks directory as git resolves it (`core.hooksPath`, worktrees, `$GIT_DIR`).
pub fn hooks_dir(repo: &Path) -> Result<PathBuf> {
    let top = git(repo, &["rev-parse", "--show-toplevel"])?;
    let top = PathBuf::from(top.trim_end_matches(['\n', '\r']));
    let hooks = git(&top, &["rev-parse", "--git-path", "hooks"])?;
    let hooks = PathBuf::from(hooks.trim_end_matches(['\n', '\r']));
    Ok(if hooks.is_absolute() {
        hooks
    } else {
        top.join(hooks)
    })
}

/// A `sh` single-quoted word.
fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// The hook's text: run the chained hook first (if any), then `rekey guard check`.
fn hook_text(rekey: &str) -> String {
    format!(
        "#!/bin/sh\n\
         {MARK} refuses a commit that adds a key Rekey knows (`rekey guard uninstall .` removes this hook)\n\
         hooks=$(dirname \"$0\")\n\
         if [ -x \"$hooks/{CHAINED}\" ]; then\n  \"$hooks/{CHAINED}\" \"$@\" || exit $?\n\
         fi\n\
         exec {} guard check\n",
        sh_quote(rekey)
    )
}

fn is_ours(path: &Path) -> bool {
    std::fs::read_to_string(path).is_ok_and(|t| t.contains(MARK))
}

#[cfg(unix)]
fn make_executable(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
        .map_err(|e| Error::io(path, e))
}
#[cfg(not(unix))]
fn make_executable(_: &Path) -> Result<()> {
    Ok(()) // Git for Windows runs hooks through its own sh, whatever the file's mode.
}

/// Install the guard in the repository at (or above) `repo`, starting `rekey` (an absolute path).
pub fn install(repo: &Path, rekey: &str) -> Result<Installed> {
    let dir = hooks_dir(repo)?;
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    let hook = dir.join("pre-commit");
    let chained_path = dir.join(CHAINED);
    let already = is_ours(&hook);
    let mut chained = chained_path.exists().then(|| chained_path.clone());
    if hook.exists() && !already {
        if chained_path.exists() {
            return Err(Error::InvalidInput(format!(
                "{} and {} both exist: Rekey would overwrite one of them; move one away, then install again",
                hook.display(),
                chained_path.display()
            )));
        }
        std::fs::rename(&hook, &chained_path).map_err(|e| Error::io(&hook, e))?;
        chained = Some(chained_path);
    }
    let tmp = dir.join("pre-commit.rekey-tmp");
    std::fs::write(&tmp, hook_text(rekey)).map_err(|e| Error::io(&tmp, e))?;
    make_executable(&tmp)?;
    std::fs::rename(&tmp, &hook).map_err(|e| Error::io(&hook, e))?;
    Ok(Installed {
        hook,
        chained,
        already,
    })
}

/// Remove Rekey's hook and put back the one it chained. A hook that is not Rekey's is left alone.
pub fn uninstall(repo: &Path) -> Result<Option<PathBuf>> {
    let dir = hooks_dir(repo)?;
    let hook = dir.join("pre-commit");
    if !is_ours(&hook) {
        return Err(Error::InvalidInput(format!(
            "{} is not Rekey's guard: nothing removed",
            hook.display()
        )));
    }
    std::fs::remove_file(&hook).map_err(|e| Error::io(&hook, e))?;
    let chained = dir.join(CHAINED);
    if chained.exists() {
        std::fs::rename(&chained, &hook).map_err(|e| Error::io(&chained, e))?;
        return Ok(Some(hook));
    }
    Ok(None)
}

/// Every fingerprint a key in `keys.json` has had, with the key's id.
fn known(data_dir: &Path) -> Result<HashMap<String, String>> {
    let keys = crate::change::keys::Keys::new(data_dir)
        .all()
        .map_err(|e| Error::io(data_dir.join("keys.json"), e))?;
    let mut out = HashMap::new();
    for (id, record) in keys {
        for c in &record.credentials {
            out.insert(c.clone(), id.clone());
        }
    }
    Ok(out)
}

/// The words of a line that could be a key: runs of the characters keys are made of, each also without a
/// `NAME=` in front (`.env` lines, URLs' query strings).
fn words(line: &str) -> impl Iterator<Item = &str> {
    line.split(|c: char| !(c.is_ascii_alphanumeric() || "-_.~+/=".contains(c)))
        .flat_map(|w| {
            let after = w.split_once('=').map(|(_, v)| v);
            std::iter::once(w).chain(after)
        })
        .map(|w| w.trim_matches('.'))
        .filter(|w| w.len() >= MIN_KEY_LEN)
}

/// The known keys among the lines a staged diff (`git diff --cached -U0`) adds.
pub fn find(
    diff: &str,
    fingerprints: &Fingerprinter,
    known: &HashMap<String, String>,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut file: Option<String> = None;
    let mut line = 0usize;
    for l in diff.lines() {
        if let Some(path) = l.strip_prefix("+++ ") {
            file = path.strip_prefix("b/").map(str::to_string);
            continue;
        }
        if let Some(hunk) = l.strip_prefix("@@ ") {
            // "@@ -a,b +c,d @@": the added lines start at c.
            line = hunk
                .split_whitespace()
                .find_map(|p| p.strip_prefix('+'))
                .and_then(|c| c.split(',').next())
                .and_then(|c| c.parse().ok())
                .unwrap_or(0);
            continue;
        }
        let Some(added) = l.strip_prefix('+') else {
            continue;
        };
        if let Some(f) = &file {
            for w in words(added) {
                if let Some(key) = known.get(&fingerprints.id(w)) {
                    let hit = Finding {
                        file: f.clone(),
                        line,
                        key: key.clone(),
                    };
                    if !out.contains(&hit) {
                        out.push(hit);
                    }
                }
            }
        }
        line += 1;
    }
    out
}

/// The guard's check of what is staged in the repository at `repo`. Nothing known (no data dir, no key
/// yet): nothing found.
pub fn check(repo: &Path, data_dir: &Path) -> Result<Vec<Finding>> {
    if !data_dir.join("fingerprint.key").exists() {
        return Ok(Vec::new());
    }
    let known = known(data_dir)?;
    if known.is_empty() {
        return Ok(Vec::new());
    }
    let fingerprints =
        Fingerprinter::load_or_create(data_dir).map_err(|e| Error::io(data_dir, e))?;
    let diff = git(
        repo,
        &[
            "diff",
            "--cached",
            "-U0",
            "--no-color",
            "--no-ext-diff",
            "--no-renames",
            "--diff-filter=AMCR",
        ],
    )?;
    Ok(find(&diff, &fingerprints, &known))
}

/// The findings by file, for the hook's message.
pub fn by_file(findings: &[Finding]) -> BTreeMap<&str, Vec<&Finding>> {
    let mut out: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for f in findings {
        out.entry(f.file.as_str()).or_default().push(f);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_known_key_in_added_lines_only_with_its_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let fp = Fingerprinter::load_or_create(dir.path()).unwrap();
        let key = "sk-live-0123456789abcdefABCD";
        let mut known = HashMap::new();
        known.insert(fp.id(key), "bitscale-1a2b3c4d".to_string());
        let diff = format!(
            "diff --git a/.mcp.json b/.mcp.json\n--- a/.mcp.json\n+++ b/.mcp.json\n@@ -3,0 +4,2 @@\n+  \"x\": 1,\n+  \"env\": {{\"BITSCALE_API_KEY\": \"{key}\"}}\n\
             diff --git a/.env b/.env\n--- /dev/null\n+++ b/.env\n@@ -0,0 +1 @@\n+BITSCALE_API_KEY={key}\n\
             diff --git a/old b/old\n--- a/old\n+++ b/old\n@@ -1 +1 @@\n-gone {key}\n+kept rekey://bitscale-1a2b3c4d\n"
        );
        let found = find(&diff, &fp, &known);
        assert_eq!(
            found,
            [
                Finding {
                    file: ".mcp.json".into(),
                    line: 5,
                    key: "bitscale-1a2b3c4d".into()
                },
                Finding {
                    file: ".env".into(),
                    line: 1,
                    key: "bitscale-1a2b3c4d".into()
                }
            ]
        );
    }

    #[test]
    fn the_hook_quotes_the_rekey_path_and_chains_the_old_hook() {
        let t = hook_text("/opt/it's here/rekey");
        assert!(t.starts_with("#!/bin/sh\n"));
        assert!(t.contains(MARK));
        assert!(
            t.contains(r#"exec '/opt/it'\''s here/rekey' guard check"#),
            "{t}"
        );
        assert!(t.contains(CHAINED));
    }
}
