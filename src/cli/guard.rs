//! `rekey guard install|uninstall|check`: the pre-commit guard (see `crate::guard`).

use super::output::note;
use super::*;
use crate::guard;

pub(super) fn execute(action: GuardAction, out: &mut dyn Write) -> Result<i32, CliError> {
    match action {
        GuardAction::Install { repo } => {
            let rekey = crate::protect::rekey_bin()?;
            let done = guard::install(&repo, &rekey)?;
            writeln!(
                out,
                "{} {}",
                if done.already { "Updated" } else { "Installed" },
                done.hook.display()
            )?;
            if let Some(c) = &done.chained {
                writeln!(out, "Your own pre-commit hook runs first: {}", c.display())?;
            }
            writeln!(
                out,
                "A commit that adds a key Rekey knows is refused; `rekey guard uninstall {}` removes the guard.",
                repo.display()
            )?;
            Ok(0)
        }
        GuardAction::Uninstall { repo } => {
            match guard::uninstall(&repo)? {
                Some(back) => writeln!(
                    out,
                    "Removed the guard; your hook is back: {}",
                    back.display()
                )?,
                None => writeln!(out, "Removed the guard.")?,
            }
            Ok(0)
        }
        GuardAction::Check { repo } => {
            let repo = repo.unwrap_or_else(|| std::path::PathBuf::from("."));
            // Only the data dir: a settings file the user broke must not stop every commit.
            let data_dir = crate::paths::data_dir()?;
            let found = guard::check(&repo, &data_dir).map_err(|e| {
                CliError::Usage(format!(
                    "the Rekey guard could not check this commit, so it was stopped: {e} (skip the hook once \
                     with `git commit --no-verify`, or remove it with `rekey guard uninstall .`)"
                ))
            })?;
            if found.is_empty() {
                return Ok(0);
            }
            note("this commit adds an API key that Rekey manages; it was not committed:");
            for (file, hits) in guard::by_file(&found) {
                for h in hits {
                    note(&format!("  {file}, line {}: the key {}", h.line, h.key));
                }
            }
            let key = &found[0].key;
            note(&format!(
                "Put a reference there instead: `rekey protect {key}` keeps the key in the OS keychain and writes \
                 rekey://{key} (the server starts through `rekey exec`), or use the client's own variable \
                 (${{env:NAME}} in VS Code, ${{NAME}} in Claude Code's .mcp.json). Unstage the file with \
                 `git restore --staged <file>`. A key already pushed must be rotated: `rekey rotate {key}`."
            ));
            Ok(EXIT_ERROR)
        }
    }
}
