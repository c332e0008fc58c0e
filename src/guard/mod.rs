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
    /// What is wrong, in a sentence: git's answer when it is not a repository (or git is missing, or
    /// refuses the folder), or a guard whose `rekey` is gone (every commit stops until it is installed
    /// again).
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

/// The `rekey` a guard hook starts (as [`hook_text`] writes it).
fn hook_rekey(text: &str) -> Option<String> {
    let line = text.lines().find(|l| l.starts_with("exec '"))?;
    let quoted = line.strip_prefix("exec ")?.strip_suffix(" guard check")?;
    Some(
        quoted
            .strip_prefix('\'')?
            .strip_suffix('\'')?
            .replace(r"'\''", "'"),
    )
}

/// Where `folder` stands: a git repository or not, guarded or not.
pub fn status(folder: &Path) -> GuardStatus {
    let dir = hooks_dir(folder);
    let hook = dir.as_ref().ok().map(|d| d.join("pre-commit"));
    let guarded = hook.as_deref().is_some_and(is_ours);
    let gone = hook
        .as_deref()
        .filter(|_| guarded)
        .and_then(|h| std::fs::read_to_string(h).ok())
        .and_then(|t| hook_rekey(&t))
        .filter(|r| !Path::new(r).is_file());
    GuardStatus {
        path: folder.to_path_buf(),
        repo: dir.is_ok(),
        guarded,
        chained: dir.as_ref().is_ok_and(|d| d.join(CHAINED).exists()),
        problem: match (&dir, gone) {
            (Err(e), _) => Some(e.to_string()),
            (Ok(_), Some(r)) => Some(format!(
                "the guard starts {r}, which is gone: every commit stops until it is installed again"
            )),
            _ => None,
        },
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

/// A path git printed, made absolute against `top`.
fn git_path(top: &Path, printed: &str) -> PathBuf {
    let p = PathBuf::from(printed.trim_end_matches(['\n', '\r']));
    if p.is_absolute() {
        p
    } else {
        top.join(p)
    }
}

/// The repository's work tree (its top level) and its hooks directory as git resolves it
/// (`core.hooksPath`, worktrees, `$GIT_DIR`).
fn locate(repo: &Path) -> Result<(PathBuf, PathBuf)> {
    let top = git(repo, &["rev-parse", "--show-toplevel"])?;
    let top = PathBuf::from(top.trim_end_matches(['\n', '\r']));
    let hooks = git_path(&top, &git(&top, &["rev-parse", "--git-path", "hooks"])?);
    Ok((top, hooks))
}

/// The repository's hooks directory as git resolves it (`core.hooksPath`, worktrees, `$GIT_DIR`).
pub fn hooks_dir(repo: &Path) -> Result<PathBuf> {
    locate(repo).map(|(_, hooks)| hooks)
}

/// Why Rekey must not write this repository's pre-commit hook itself, if it must not; the user is told
/// to add the check to their own hook instead.
fn refusal(top: &Path, dir: &Path, rekey: &str) -> Result<Option<String>> {
    let line = format!("{} guard check", sh_quote(rekey));
    let common = git_path(top, &git(top, &["rev-parse", "--git-common-dir"])?);
    // A hooks directory in the work tree (core.hooksPath = .githooks, .husky/_): its files are the
    // project's, often committed; Rekey's hook (with this machine's path to rekey) would be committed too,
    // and teammates would lose theirs.
    let canon = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let (dir_c, top_c, common_c) = (canon(dir), canon(top), canon(&common));
    if dir_c.starts_with(&top_c) && !dir_c.starts_with(&common_c) {
        return Ok(Some(format!(
            "this repository's hooks live in {}, inside its work tree (core.hooksPath): they are the project's \
             files, often committed, and Rekey's hook (with this computer's path to rekey) would be committed \
             with them. Add this line to the project's pre-commit hook instead (it exits 1 when a commit adds \
             a known key): {line}",
            dir.display()
        )));
    }
    // core.hooksPath set for every repository (global or system config): the hook would guard them all,
    // and removing it from one would remove it from all.
    if let Ok(scope) = git(top, &["config", "--show-scope", "--get", "core.hooksPath"]) {
        let scope = scope.split_whitespace().next().unwrap_or("");
        if !scope.is_empty() && scope != "local" && scope != "worktree" {
            return Ok(Some(format!(
                "core.hooksPath is set in your {scope} git config ({}): a hook there runs for every repository, \
                 so Rekey does not install one for this repository alone. Add this line to that pre-commit hook \
                 if you want every repository guarded: {line}",
                dir.display()
            )));
        }
    }
    // A hook that finds its work by its own name (husky 4's `basename "$0"`) would do nothing once moved
    // aside to be chained.
    let hook = dir.join("pre-commit");
    if let Ok(text) = std::fs::read_to_string(&hook) {
        if !text.contains(MARK) && text.contains("basename") && text.contains("$0") {
            return Ok(Some(format!(
                "{} finds what to run by its own name (a hook manager such as husky): chained under another \
                 name it would silently do nothing. Add this line to it instead: {line}",
                hook.display()
            )));
        }
    }
    Ok(None)
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
         if [ ! -x {q} ]; then\n  \
           echo \"rekey guard: {p} is gone (Rekey moved or uninstalled): install the guard again \
         (rekey guard install .) or remove this hook; the commit was stopped\" >&2\n  exit 1\nfi\n\
         exec {q} guard check\n",
        q = sh_quote(rekey),
        p = rekey.replace(['"', '\\', '$', '`'], "_"),
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
    let (top, dir) = locate(repo)?;
    if let Some(why) = refusal(&top, &dir, rekey)? {
        return Err(Error::InvalidInput(why));
    }
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    let hook = dir.join("pre-commit");
    let chained_path = dir.join(CHAINED);
    let already = is_ours(&hook);
    let mut chained = chained_path.exists().then(|| chained_path.clone());
    if hook.exists() && !already && chained_path.exists() {
        return Err(Error::InvalidInput(format!(
            "{} and {} both exist: Rekey would overwrite one of them; move one away, then install again",
            hook.display(),
            chained_path.display()
        )));
    }
    // Rekey's hook is written in full first: a failure leaves the project's hook where it was.
    let tmp = dir.join("pre-commit.rekey-tmp");
    let written = std::fs::write(&tmp, hook_text(rekey))
        .map_err(|e| Error::io(&tmp, e))
        .and_then(|()| make_executable(&tmp));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    if hook.exists() && !already {
        std::fs::rename(&hook, &chained_path).map_err(|e| Error::io(&hook, e))?;
        chained = Some(chained_path.clone());
    }
    if let Err(e) = std::fs::rename(&tmp, &hook) {
        // Put the project's hook back where it was.
        if chained.is_some() && !already {
            let _ = std::fs::rename(&chained_path, &hook);
        }
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::io(&hook, e));
    }
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

/// The words of a line that could be a key, as the scan would have read the value:
/// - runs of the characters keys are made of, each also without a `NAME=` in front (`.env` lines, query
///   strings) and cut at `/` (a key as a URL's path segment);
/// - the tokens between quotes, spaces and JSON punctuation (keys with `:`, `!`, `#`, `$` or `@`), with JSON's
///   `\/` unescaped;
/// - each of those percent-decoded when it holds a `%` (a key in a URL's query).
///
/// Not matched: keys shorter than 12 characters, and keys written with other escapes (`\u….`).
fn words(line: &str) -> Vec<String> {
    let line = line.replace("\\/", "/");
    fn push(out: &mut Vec<String>, w: &str) {
        let w = w.trim_matches(|c: char| c == '.' || c == ',' || c == ';');
        if w.len() >= MIN_KEY_LEN && !out.iter().any(|o| o == w) {
            out.push(w.to_string());
        }
    }
    let mut out: Vec<String> = Vec::new();
    for run in line.split(|c: char| !(c.is_ascii_alphanumeric() || "-_.~+/=%".contains(c))) {
        push(&mut out, run);
        if let Some((_, v)) = run.split_once('=') {
            push(&mut out, v);
        }
        for seg in run.split('/') {
            push(&mut out, seg);
            if let Some((_, v)) = seg.split_once('=') {
                push(&mut out, v);
            }
        }
    }
    for token in line.split(|c: char| c.is_whitespace() || "\"'`,{}[]()<>".contains(c)) {
        push(&mut out, token);
        if let Some((_, v)) = token.split_once('=') {
            push(&mut out, v);
        }
    }
    let decoded: Vec<String> = out
        .iter()
        .filter(|w| w.contains('%'))
        .map(|w| crate::percent::percent_decode(w))
        .collect();
    for d in decoded {
        push(&mut out, &d);
    }
    out
}

/// A file name as `git diff` prints it after `+++ b/`: without the tab git adds after a name with a space,
/// and unquoted when git quoted it (C-style: `"b/a\"b.json"`).
fn diff_path(printed: &str) -> Option<String> {
    let printed = printed.strip_suffix('\t').unwrap_or(printed);
    if let Some(q) = printed.strip_prefix('"').and_then(|p| p.strip_suffix('"')) {
        let mut bytes = Vec::new();
        let mut it = q.bytes().peekable();
        while let Some(b) = it.next() {
            if b != b'\\' {
                bytes.push(b);
                continue;
            }
            match it.next()? {
                b'n' => bytes.push(b'\n'),
                b't' => bytes.push(b'\t'),
                d @ b'0'..=b'7' => {
                    let mut v = u32::from(d - b'0');
                    for _ in 0..2 {
                        let n = it.next_if(|c| (b'0'..=b'7').contains(c))?;
                        v = v * 8 + u32::from(n - b'0');
                    }
                    bytes.push(u8::try_from(v).ok()?);
                }
                other => bytes.push(other),
            }
        }
        let s = String::from_utf8_lossy(&bytes).into_owned();
        return s.strip_prefix("b/").map(str::to_string);
    }
    printed.strip_prefix("b/").map(str::to_string)
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
    // Between a file's `diff --git` line and its first `@@` (its header): a line starting `+++ ` there names
    // the file; after it, it is an added line whose text starts with `++ `.
    let mut in_header = false;
    for l in diff.lines() {
        if l.starts_with("diff --git ") {
            in_header = true;
            file = None;
            continue;
        }
        if in_header {
            if let Some(path) = l.strip_prefix("+++ ") {
                // `/dev/null` (a deleted file) adds nothing; a name Rekey cannot read is still checked.
                file = diff_path(path).or_else(|| Some(path.to_string()));
            }
            if !l.starts_with("@@ ") {
                continue;
            }
            in_header = false;
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
                if let Some(key) = known.get(&fingerprints.id(&w)) {
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
            // Whatever the user's config says: file names unquoted where possible and prefixed a/ and b/,
            // no colour, every file as text (one git calls binary, or over core.bigFileThreshold), no
            // textconv or external diff filtering what is committed, no context lines between hunks
            // (line numbers), renames and type changes as whole new files.
            "-c",
            "core.quotePath=false",
            "-c",
            "diff.noprefix=false",
            "-c",
            "diff.mnemonicPrefix=false",
            "diff",
            "--cached",
            "-U0",
            "--inter-hunk-context=0",
            "--no-color",
            "--no-ext-diff",
            "--no-textconv",
            "--text",
            "--no-renames",
            "--src-prefix=a/",
            "--dst-prefix=b/",
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
    fn words_reach_keys_in_url_paths_queries_json_escapes_and_odd_characters() {
        let w = |l: &str| words(l);
        let has = |l: &str, k: &str| assert!(w(l).iter().any(|x| x == k), "{k} not in {:?}", w(l));
        has(
            "\"url\": \"https://actions.zapier.com/mcp/sk-ak-0123456789abcdef/sse\"",
            "sk-ak-0123456789abcdef",
        );
        has(
            "https://x.example/mcp?api_key=ab%2Bcd%2Fef0123456789&x=1",
            "ab+cd/ef0123456789",
        );
        has(
            "\"KEY\": \"abc\\/def0123456789xyz\"",
            "abc/def0123456789xyz",
        );
        has(
            "\"token\": \"AC0123456789abcdef:dead0123beef\"",
            "AC0123456789abcdef:dead0123beef",
        );
        has("\"p\": \"Xy7!kP9#mQ2$wR5@\"", "Xy7!kP9#mQ2$wR5@");
        has(
            "Authorization: Bearer sk-live-0123456789abcdef.",
            "sk-live-0123456789abcdef",
        );
        assert!(w("short = abc123").is_empty());
    }

    #[test]
    fn file_names_come_unquoted_and_without_git_s_tab() {
        assert_eq!(diff_path("b/a b.json\t").as_deref(), Some("a b.json"));
        assert_eq!(
            diff_path("\"b/caf\\303\\251.json\"").as_deref(),
            Some("café.json")
        );
        assert_eq!(diff_path("\"b/a\\\"q.json\"").as_deref(), Some("a\"q.json"));
        assert_eq!(diff_path("/dev/null"), None);
    }

    #[test]
    fn an_added_line_starting_with_two_pluses_is_a_line_not_a_header() {
        let dir = tempfile::tempdir().unwrap();
        let fp = Fingerprinter::load_or_create(dir.path()).unwrap();
        let key = "sk-live-0123456789abcdefABCD";
        let known = HashMap::from([(fp.id(key), "k".to_string())]);
        let diff = format!("diff --git a/n.md b/n.md\n--- a/n.md\n+++ b/n.md\n@@ -0,0 +1,2 @@\n+++ {key}\n+{key}\n");
        let found = find(&diff, &fp, &known);
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!((found[0].file.as_str(), found[0].line), ("n.md", 1));
    }

    #[test]
    fn the_hook_quotes_the_rekey_path_and_chains_the_old_hook() {
        let t = hook_text("/opt/it's here/rekey");
        assert_eq!(hook_rekey(&t).as_deref(), Some("/opt/it's here/rekey"));
        assert!(t.starts_with("#!/bin/sh\n"));
        assert!(t.contains(MARK));
        assert!(
            t.contains(r#"exec '/opt/it'\''s here/rekey' guard check"#),
            "{t}"
        );
        assert!(t.contains(CHAINED));
    }
}
