#!/usr/bin/env bash
# Rekey's benchmarks. Each figure is a ratio against a baseline measured in the same run, on the same
# machine, because these machines are noisy. Run: bench/run.sh [config|rotate|exec|guard|git|app|crash|mix|mutants|fuzz|all]
#
# exec: a server (/bin/true) started through `rekey exec` with one rekey:// reference in its env, against
#   the same server started directly; target: <= 20 ms overhead. Private D-Bus session + throwaway keyring.
#
# rotate: whole-process `rekey rotate --yes` against the zero-latency fake BitScale (rekey-fakes), one
#   key used in 5 config files, against `rekey scan` of the same home; targets <= 50 ms and <= 3x scan.
#   Runs inside a private D-Bus session with a throwaway gnome-keyring (the new key goes to the keychain).
#   Then the exposure window per rotation model (bench/expo-session.sh): the time any config file holds a
#   key the provider no longer accepts, from the fake's own record of each key's death (GET /_fake/deaths)
#   and inotify stamps of the files renamed into place (examples/expo_watch.rs), one wall clock; BitScale
#   (in place; target <= 20 ms), Rootly with its 10 min grace (target 0), Neon (create-then-revoke;
#   target 0), and Rootly with --grace 0 (in place again; reported). Median and max of RUNS.
# config: whole-process `rekey replace --yes` on a generated 120 MB ~/.claude.json in the shape Claude Code
#   writes (2-space indent, long project histories, the key near the top and in a project), against
#   - a durable copy of the same file (dd ... conv=fsync: reading, writing and syncing the bytes is the
#     physical floor of a safe rewrite), target <= 2x;
#   - a jq edit of the same key (jq ... > tmp && mv), target: Rekey >= 10x faster;
#   and checks that the output differs from the input only in the secret; also `rekey scan` and
#   `replace --dry-run` of it (reported) and the peak RSS of a scan and a replace (target: below the file's
#   size). A figure over its target prints FAIL.
#   Also `rekey scan` of a typical home (10 config files), target <= 20 ms, and of a home with every
#   supported client installed (one file each, examples/bench_home.rs), target <= 20 ms.
# crash: the crash campaigns on a release build: `rekey rotate` SIGKILLed at seeded random instants while
#   the fake vendor waits 30 ms before and after it commits, then `rekey recover`; counts violations per
#   kind (corrupt or half-rotated configs, a key in the keychain but not in the configs, a lost key not
#   reported, stray files...); target: 0. tests/crash_campaign.rs: BitScale (in place), KILLS (default
#   1000) kills; tests/crash_campaign_ctr.rs: each create-then-revoke vendor (Neon, Datadog API and app
#   keys, OpenAI admin and service-account keys, Vercel), CTR_KILLS (default 200) kills each (also: a
#   config on a revoked key, a live key Rekey does not name, the new key not in the keychain). SEED
#   replays. Runs inside a private D-Bus session with a throwaway gnome-keyring. Not part of `all` (it takes
#   minutes).
# mix: the mixed crash campaign (tests/crash_campaign_mix.rs) on a release build: in each of ROUNDS (default
#   500) interleavings, 2-4 `rekey` processes run at once a random mix of rotate, protect, unprotect,
#   replace, add and restore on the same two keys (BitScale in place, Neon create-then-revoke), some
#   SIGKILLed at random instants; then `rekey recover`; counts violations of the invariants (a config on a
#   dead key not reported incomplete/unknown, a referenced keychain entry deleted, a live key findable
#   nowhere, a change missing from history, a config changed outside its servers); target: 0. Also counts
#   the kills that landed inside a change (it fails if fewer than one in five interleavings had one). SEED
#   replays. Private D-Bus session with a throwaway gnome-keyring. Not part of `all`.
# mutants: cargo-mutants (installed if missing) over the security boundaries, against the lib unit tests
#   (`cargo test --lib`): the scrubber (src/scrub.rs, src/scrub/views.rs), Secret (src/secret.rs), JSON
#   strings (src/edit/json_string.rs), TOML and YAML escaping (`escape`, `escape_double`), what an error
#   carries to the UI (src/error.rs: codes, scrubbing, the IPC serialization) and the journal and audit
#   writers' scrubbing (`Journal::save`, `audit_as`). Prints per file the mutants tested,
#   caught, missed, unviable, timeouts and the mutants excluded as equivalent (each with its reason in
#   .cargo/mutants.toml), and FAIL for a file with a missed mutant (the bench then exits 1); target: none
#   missed. A timeout (a
#   mutant that loops forever) counts as detected. MUTANTS_OUT keeps mutants.out (default: a temp dir).
#   Not part of `all` (about an hour on 2 cores).
# fuzz: the three fuzz targets (scripts/fuzz.sh: the instrumented stable build, seeded from the reference
#   configs) for FUZZ_SECS seconds each (default 120); `./dev test` runs them for 10000 inputs each. Not
#   part of `all`.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
SIZE_MB=${SIZE_MB:-120}
RUNS=${RUNS:-9}

need() { command -v "$1" >/dev/null || { command -v apt-get >/dev/null && { [ "$(id -u)" -eq 0 ] && apt-get install -y -qq "$2" || sudo apt-get install -y -qq "$2"; }; }; command -v "$1" >/dev/null || { echo "bench: install $2" >&2; exit 1; }; }
need jq jq
need python3 python3
need /usr/bin/time time

# "   FAIL" after a figure whose target is not met (an arithmetic condition for bc), so the next
# regression is seen at once; nothing after one that is.
verdict() { [ "$(echo "$1" | bc -l)" = 1 ] || printf '   FAIL'; }

# The security boundaries: whole files, and the escaping and redaction functions of others. A mutant's
# name is "<file>:<line>:<col>: <change> in <function>" (or "replace <function> ..." for a whole body).
# (Not `change::record`: cargo-mutants 27 does not filter its struct-field deletions by --re, so the
# whole of src/change/mod.rs would come in; its one scrubbing call, like audit_as's, is no mutant.)
MUTANT_FILES=(src/scrub.rs src/scrub/views.rs src/secret.rs src/edit/json_string.rs src/edit/toml.rs
  src/edit/yaml_edit.rs src/error.rs src/change/journal.rs src/rotation/mod.rs)
MUTANT_RE=('^src/scrub\.rs:' '^src/scrub/views\.rs:' '^src/secret\.rs:' '^src/edit/json_string\.rs:'
  '^src/error\.rs:' '^src/edit/toml\.rs:.*(: replace escape | in escape$)'
  '^src/edit/yaml_edit\.rs:.*(: replace escape_double | in escape_double$)'
  '^src/change/journal\.rs:.*(: replace Journal::save | in Journal::save$)'
  '^src/rotation/mod\.rs:.*(: replace audit_as | in audit_as$)')

bench_mutants() {
  command -v cargo-mutants >/dev/null || cargo install --locked cargo-mutants
  local out=${MUTANTS_OUT:-$W/mutants} scope=() rc=0 s e f
  mkdir -p "$out"
  for f in "${MUTANT_FILES[@]}"; do scope+=(--file "$f"); done
  for f in "${MUTANT_RE[@]}"; do scope+=(--re "$f"); done
  # Mutants excluded as equivalent (.cargo/mutants.toml), per file: listed without the config, not with it.
  cargo mutants --list --no-config "${scope[@]}" | sort >"$W/all.txt"
  cargo mutants --list "${scope[@]}" | sort >"$W/kept.txt"
  comm -23 "$W/all.txt" "$W/kept.txt" | cut -d: -f1 | sort | uniq -c >"$W/excluded.txt"
  printf '\nmutation testing (cargo-mutants %s, lib unit tests) of the security boundaries: %s mutants, %s excluded as equivalent\n' \
    "$(cargo mutants --version | cut -d' ' -f2)" "$(wc -l <"$W/all.txt")" "$(comm -23 "$W/all.txt" "$W/kept.txt" | wc -l)"
  s=$(date +%s.%N)
  # Exit status 2: a mutant was missed; 3: one timed out (both reported below); anything else is an error.
  cargo mutants -C --lib --output "$out" "${scope[@]}" >"$out/run.log" 2>&1 || rc=$?
  e=$(date +%s.%N)
  if [ ! -f "$out/mutants.out/outcomes.json" ] || { [ "$rc" -ne 0 ] && [ "$rc" -ne 2 ] && [ "$rc" -ne 3 ]; }; then
    tail -20 "$out/run.log"; echo "bench: cargo mutants failed (exit $rc); log: $out/run.log" >&2; return 1
  fi
  printf '  %-26s %7s %7s %7s %9s %9s %9s\n' file mutants caught missed unviable timeouts excluded
  jq -r '[.outcomes[] | select(.scenario != "Baseline") | {f: .scenario.Mutant.file, s: .summary}]
      | group_by(.f)[] | [.[0].f, length] + ([("CaughtMutant", "MissedMutant", "Unviable", "Timeout") as $k
      | map(select(.s == $k)) | length]) | @tsv' "$out/mutants.out/outcomes.json" |
    while IFS=$'\t' read -r f n caught missed unviable timeouts; do
      printf '  %-26s %7s %7s %7s %9s %9s %9s' "$f" "$n" "$caught" "$missed" "$unviable" "$timeouts" \
        "$(awk -v f="$f" '$2 == f { print $1 }' "$W/excluded.txt" | grep . || echo 0)"
      [ "$missed" -eq 0 ] && echo || echo '   FAIL'
    done
  local missed=0
  [ ! -s "$out/mutants.out/missed.txt" ] || { missed=1; echo '  missed:'; sed 's/^/    /' "$out/mutants.out/missed.txt"; }
  printf '  wall time %.0f s; %s\n' "$(echo "$e - $s" | bc -l)" \
    "$([ -n "${MUTANTS_OUT:-}" ] && echo "logs: $out/mutants.out" || echo 'set MUTANTS_OUT=<dir> to keep the logs')"
  # A missed mutant fails the bench (exit 1), so a gate can stop on it.
  return $missed
}

# fuzz: each fuzz target for FUZZ_SECS seconds (default 120), the same build and seeds as `./dev test`'s
# short run (scripts/fuzz.sh); a crash fails it and keeps its input under target/fuzz-artifacts/.
bench_fuzz() {
  printf '\nfuzzing, %s s per target\n' "${FUZZ_SECS:-120}"
  bash "$ROOT/scripts/fuzz.sh" secs "${FUZZ_SECS:-120}"
}

W=$(mktemp -d -t rekey-bench.XXXXXX)
trap 'rm -rf "$W"' EXIT
need bc bc
# Mutation testing and fuzzing need no release build.
if [ "${1:-}" = mutants ]; then bench_mutants; exit; fi
if [ "${1:-}" = fuzz ]; then bench_fuzz; exit; fi
cargo build --release -q -p rekey --bins --example bench_home
REKEY="$ROOT/target/release/rekey"

export -f median 2>/dev/null || true
# Median of the wall times (seconds) of running "$@" RUNS times, each after `prep`.
median() {
  local prep=$1; shift
  local times=()
  for _ in $(seq "$RUNS"); do
    eval "$prep"
    local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N)
    times+=("$(echo "$e - $s" | bc -l)")
  done
  printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p"
}

bench_config() {
  local OLD=sk-live-0123456789abcdef0123 NEW=sk-live-new9876543210fedcba0
  mkdir -p "$W/home" "$W/cfg" "$W/data"
  echo "generating a ${SIZE_MB} MB ~/.claude.json in Claude Code's shape (2-space indent, the key near the top and in a project) ..."
  python3 bench/gen_claude_json.py "$W/orig.json" "$SIZE_MB" "$OLD"
  local bytes; bytes=$(stat -c %s "$W/orig.json")
  printf '%s\n%s\n' "$OLD" "$NEW" > "$W/stdin"
  export HOME="$W/home" XDG_CONFIG_HOME="$W/cfg" XDG_DATA_HOME="$W/data"
  local fresh="cp $W/orig.json $W/home/.claude.json; rm -rf $W/data/rekey/backups; sync"
  local t_rekey t_dd t_jq t_scan t_dry
  t_rekey=$(median "$fresh" sh -c "'$REKEY' replace --yes < '$W/stdin'")
  # The copy runs after the same preparation as the replace (a fresh file written, backups removed,
  # synced), from and to the same folder: on a VM the cost of the first touch of freed memory differs a
  # lot with what ran just before, and both must meet the same state.
  t_dd=$(median "$fresh; rm -f $W/home/copy" dd if="$W/home/.claude.json" of="$W/home/copy" bs=4M conv=fsync)
  t_jq=$(median "$fresh" sh -c "jq --arg k '$NEW' '.mcpServers.bitscale.env.BITSCALE_API_KEY = \$k | .projects |= map_values(if .mcpServers.bitscale then .mcpServers.bitscale.env.BITSCALE_API_KEY = \$k else . end)' '$W/home/.claude.json' > '$W/jq.json' && mv '$W/jq.json' '$W/home/.claude.json'")
  eval "$fresh"
  t_scan=$(median ":" "$REKEY" scan --json)
  t_dry=$(median ":" sh -c "'$REKEY' replace --dry-run < '$W/stdin'")
  # Peak resident memory (KiB) of a whole process, from the kernel's own count (GNU time's %M).
  local rss_scan rss_replace
  rss_scan=$(/usr/bin/time -f %M "$REKEY" scan --json 2>&1 >/dev/null | tail -1)
  eval "$fresh"
  rss_replace=$(/usr/bin/time -f %M sh -c "exec '$REKEY' replace --yes < '$W/stdin'" 2>&1 >/dev/null | tail -1)
  # Correctness of the measured run: only the secret changed, in both places.
  eval "$fresh"; "$REKEY" replace --yes < "$W/stdin" >/dev/null
  if cmp -s <(sed "s/$NEW/$OLD/g" "$W/home/.claude.json") "$W/orig.json" && [ "$(grep -c "$NEW" "$W/home/.claude.json")" = 2 ]; then ok=yes; else ok=NO; fi
  local kib=$((bytes / 1024))
  printf '\nreplace on a %s MB ~/.claude.json, Claude Code'"'"'s shape (median of %s runs)\n' "$((bytes / 1048576))" "$RUNS"
  printf '  rekey replace --yes      %6.3f s\n' "$t_rekey"
  printf '  durable copy (dd fsync)  %6.3f s   rekey/dd = %.2fx (target <= 2x)%s\n' "$t_dd" "$(echo "$t_rekey / $t_dd" | bc -l)" "$(verdict "$t_rekey <= 2 * $t_dd")"
  printf '  jq edit                  %6.3f s   jq/rekey = %.1fx (target >= 10x)%s\n' "$t_jq" "$(echo "$t_jq / $t_rekey" | bc -l)" "$(verdict "$t_jq >= 10 * $t_rekey")"
  printf '  rekey scan --json        %6.3f s   scan/dd = %.2fx (reported)\n' "$t_scan" "$(echo "$t_scan / $t_dd" | bc -l)"
  printf '  rekey replace --dry-run  %6.3f s   (reported)\n' "$t_dry"
  printf '  peak RSS, scan           %6d MiB  of a %d MiB file (target < the file)%s\n' "$((rss_scan / 1024))" "$((kib / 1024))" "$(verdict "$rss_scan < $kib")"
  printf '  peak RSS, replace        %6d MiB  of a %d MiB file (target < the file)%s\n' "$((rss_replace / 1024))" "$((kib / 1024))" "$(verdict "$rss_replace < $kib")"
  printf '  output differs from input only in the secret: %s%s\n' "$ok" "$(verdict "$( [ $ok = yes ] && echo 1 || echo 0) == 1")"

  # The same file with the project's server protected (`rekey exec` from a rekey that is gone): each scan
  # also checks that entry's program.
  WRAPPED=/opt/rekey-gone/rekey python3 bench/gen_claude_json.py "$W/home/.claude.json" "$SIZE_MB" "$OLD"
  local t_scan_w rss_scan_w stale
  t_scan_w=$(median ":" "$REKEY" scan --json)
  rss_scan_w=$(/usr/bin/time -f %M "$REKEY" scan --json 2>&1 >/dev/null | tail -1)
  stale=$("$REKEY" scan --json | jq '.stale_rekey | length')
  printf '  with a protected server: rekey scan --json %6.3f s   scan/dd = %.2fx (reported; %s stale entry found)\n' "$t_scan_w" "$(echo "$t_scan_w / $t_dd" | bc -l)" "$stale"
  printf '  peak RSS, that scan      %6d MiB  of a %d MiB file (target < the file)%s\n' "$((rss_scan_w / 1024))" "$((kib / 1024))" "$(verdict "$rss_scan_w < $kib")"

  # A typical home: 10 config files of a few servers each.
  local H="$W/typical"; mkdir -p "$H/home" "$H/cfg" "$H/data"
  export HOME="$H/home" XDG_CONFIG_HOME="$H/cfg" XDG_DATA_HOME="$H/data"
  local key=sk-live-typical-0123456789abcdef
  local cfg="{\"mcpServers\":{\"a\":{\"command\":\"npx\",\"args\":[\"-y\",\"x\",\"--api-key=$key\"],\"env\":{\"BITSCALE_API_KEY\":\"$key\"}},\"b\":{\"url\":\"https://h/mcp\",\"headers\":{\"Authorization\":\"Bearer $key\"}}}}"
  for f in cfg/Claude/claude_desktop_config.json home/.cursor/mcp.json home/.claude.json home/.codeium/windsurf/mcp_config.json \
           home/.gemini/settings.json home/.lmstudio/mcp.json cfg/zed/settings.json cfg/Code/User/mcp.json \
           "cfg/Code/User/globalStorage/saoudrizwan.claude-dev/settings/cline_mcp_settings.json"; do
    mkdir -p "$(dirname "$H/$f")"; echo "$cfg" > "$H/$f"
  done
  sed -i 's/"mcpServers"/"servers"/' "$H/cfg/Code/User/mcp.json"; sed -i 's/"mcpServers"/"context_servers"/' "$H/cfg/zed/settings.json"
  mkdir -p "$H/home/.codex"; printf '[mcp_servers.a]\ncommand = "npx"\nenv = { "API_KEY" = "%s" }\n' "$key" > "$H/home/.codex/config.toml"
  "$REKEY" scan >/dev/null  # creates the fingerprint key once
  local t_scan t_true
  t_scan=$(median ":" "$REKEY" scan --json)
  t_true=$(median ":" "$REKEY" --version)
  printf '\nscan of a typical home (10 config files, median of %s runs)\n' "$RUNS"
  printf '  rekey scan --json        %6.1f ms (target <= 20 ms)\n' "$(echo "$t_scan * 1000" | bc -l)"
  printf '  rekey --version          %6.1f ms (process start-up, for scale)\n' "$(echo "$t_true * 1000" | bc -l)"

  # Every supported client installed: one config file each (examples/bench_home.rs writes them).
  local A="$W/every"; mkdir -p "$A/home" "$A/cfg" "$A/data"
  export HOME="$A/home" XDG_CONFIG_HOME="$A/cfg" XDG_DATA_HOME="$A/data"
  local n; n=$("$ROOT/target/release/examples/bench_home" "$key")
  "$REKEY" scan >/dev/null
  local t_every; t_every=$(median ":" "$REKEY" scan --json)
  local found; found=$("$REKEY" scan --json | jq '[.files[] | select(.status == "ok")] | length')
  printf '\nscan of a home with every supported client installed (%s clients, %s files parsed, median of %s runs)\n' "$n" "$found" "$RUNS"
  printf '  rekey scan --json        %6.1f ms (target <= 20 ms)\n' "$(echo "$t_every * 1000" | bc -l)"
}

bench_rotate() {
  cargo build --release -q -p rekey-fakes
  cargo build --release -q -p rekey --example expo_watch
  local R="$W/rotate"; mkdir -p "$R/home" "$R/cfg" "$R/data" "$R/cache" "$R/runtime"; chmod 700 "$R/runtime"
  HOME="$R/home" XDG_CONFIG_HOME="$R/cfg" XDG_DATA_HOME="$R/data" XDG_CACHE_HOME="$R/cache" XDG_RUNTIME_DIR="$R/runtime" \
  REKEY="$REKEY" FAKES="$ROOT/target/release/rekey-fakes" EXPO="$ROOT/target/release/examples/expo_watch" RUNS="$RUNS" \
    dbus-run-session --config-file="$ROOT/scripts/test-dbus-session.conf" -- bash "$ROOT/bench/rotate-session.sh" 2>&1 | grep -v "fd limit"
}

bench_exec() {
  local X="$W/exec"; mkdir -p "$X/home" "$X/cfg" "$X/data" "$X/cache" "$X/runtime"; chmod 700 "$X/runtime"
  HOME="$X/home" XDG_CONFIG_HOME="$X/cfg" XDG_DATA_HOME="$X/data" XDG_CACHE_HOME="$X/cache" XDG_RUNTIME_DIR="$X/runtime" \
  REKEY="$REKEY" RUNS="$RUNS" \
    dbus-run-session --config-file="$ROOT/scripts/test-dbus-session.conf" -- bash "$ROOT/bench/exec-session.sh" 2>&1 | grep -v "fd limit"
}

# guard: `rekey guard check` (what the pre-commit hook runs) on a normal commit (12 files, ~300 added lines,
# 5 known keys), against `git diff --cached` alone, the part of it that is git's (target: well under 100 ms).
bench_guard() {
  local G="$W/guard"; mkdir -p "$G/home/.cursor" "$G/cfg" "$G/data" "$G/repo"
  export HOME="$G/home" XDG_CONFIG_HOME="$G/cfg" XDG_DATA_HOME="$G/data"
  python3 - "$G" <<'PY'
import json, sys
g = sys.argv[1]
servers = {f"s{i}": {"command": "uvx", "env": {"API_KEY": f"sk-live-guardbench{i:02d}0123456789abcdef"}} for i in range(5)}
json.dump({"mcpServers": servers}, open(f"{g}/home/.cursor/mcp.json", "w"))
for i in range(12):
    with open(f"{g}/repo/file{i}.py", "w") as f:
        f.write("".join(f"def f{i}_{j}(x):\n    return x * {j}  # a line of ordinary code\n" for j in range(13)))
PY
  "$REKEY" scan >/dev/null
  git -C "$G/repo" init -q && git -C "$G/repo" add -A
  local t_guard t_git
  t_guard=$(median : "$REKEY" guard check --repo "$G/repo")
  t_git=$(median : git -C "$G/repo" diff --cached -U0 --no-color --no-ext-diff --no-renames --diff-filter=AMCR)
  printf '\nthe pre-commit guard on a normal commit (12 files, 312 added lines, 5 known keys; median of %s runs)\n' "$RUNS"
  printf '  rekey guard check           %6.1f ms (target: well under 100 ms)\n' "$(echo "$t_guard * 1000" | bc -l)"
  printf '  git diff --cached (inside)  %6.1f ms   ratio %.1fx\n' "$(echo "$t_git * 1000" | bc -l)" "$(echo "$t_guard / $t_git" | bc -l)"
}

# git: the exposure check (issue 21) of a home whose ~/.claude.json lists 50 projects, each a git repository
# of 3000 commits (bench/gen_repos.py: 120 source files, 1-3 changed per commit, the project's .mcp.json
# edited every 150 commits, its key committed once and pushed), against git itself walking the same
# histories limited to the same kind of paths (`git log --branches --remotes --raw -- <config paths>`, one
# process per repository). Whole-process `rekey scan --json`, which reads every history once (no cache
# across processes); the app runs it after the plain scan, in the background.
bench_git() {
  local R="$W/git" repos=${GIT_REPOS:-50} commits=${GIT_COMMITS:-3000}
  mkdir -p "$R/cfg" "$R/data"
  echo "generating $repos git repositories of $commits commits each ..."
  python3 bench/gen_repos.py "$R" "$repos" "$commits"
  export HOME="$R/home" XDG_CONFIG_HOME="$R/cfg" XDG_DATA_HOME="$R/data"
  local runs=$RUNS; RUNS=${GIT_RUNS:-3}
  local t_rekey t_git found
  t_rekey=$(median : "$REKEY" scan --json)
  found=$("$REKEY" scan --json | python3 -c 'import json,sys; r=json.load(sys.stdin); print(sum(1 for c in r["credentials"] if (c.get("exposure") or {}).get("state")=="pushed"))')
  t_git=$(median : bash -c 'for d in "$0"/home/work/*/; do git -C "$d" log --branches --remotes --raw --no-abbrev --format=%H -- .mcp.json .cursor/mcp.json .vscode/mcp.json .gemini/settings.json .roo/mcp.json .codex/config.toml .kiro/settings/mcp.json >/dev/null; done' "$R")
  RUNS=$runs
  printf '\nexposure of keys in git: %s repositories x %s commits (median of %s runs)\n' "$repos" "$commits" "${GIT_RUNS:-3}"
  printf '  rekey scan --json (with exposure)   %6.2f s   keys found pushed: %s of %s\n' "$t_rekey" "$found" "$repos"
  printf '  git log of the same paths           %6.2f s   rekey/git = %.1fx (reported)\n' "$t_git" "$(echo "$t_rekey / $t_git" | bc -l)"
}

bench_app() {
  need xdotool xdotool
  need xvfb-run xvfb
  # The release app and its packages (scripts/package.sh), and the empty baseline built the same way.
  "$ROOT/scripts/package.sh" deb >/dev/null
  cargo build --release -q -p empty-app
  local deb; deb=$(ls -t "$ROOT"/target/release/bundle/deb/*.deb | head -1)
  local A="$W/app"; mkdir -p "$A/runtime"; chmod 700 "$A/runtime"
  XDG_RUNTIME_DIR="$A/runtime" REKEY_APP="$ROOT/target/release/rekey-app" EMPTY="$ROOT/target/release/empty-app" RUNS="$RUNS" \
    NO_AT_BRIDGE=1 xvfb-run -a -s '-screen 0 1280x800x24' \
    dbus-run-session --config-file="$ROOT/scripts/test-dbus-session.conf" -- bash "$ROOT/bench/app-session.sh" 2>&1 | grep -v "fd limit"
  printf '  .deb size   %.1f MB (target <= 10 MB): %s\n' "$(echo "$(stat -c %s "$deb") / 1048576" | bc -l)" "$(basename "$deb")"
  # The .deb installs the CLI beside the app: protected MCP entries start /usr/bin/rekey (docs/packaging.md).
  local bins; bins=$(dpkg-deb -c "$deb" | awk '{print $NF}' | sed 's|^\./|/|; s|^\([^/]\)|/\1|' | { grep -E '^/usr/bin/rekey(-app)?$' || true; } | sort | tr '\n' ' ')
  if [ "$bins" = "/usr/bin/rekey /usr/bin/rekey-app " ]; then
    echo "  .deb ships  /usr/bin/rekey-app and /usr/bin/rekey: ok"
  else
    echo "  .deb ships  FAIL: expected /usr/bin/rekey-app and /usr/bin/rekey, found: ${bins:-nothing}"
  fi
  # The UI bundle the window loads (built into the binary by scripts/package.sh): JS and CSS, gzipped.
  local js css
  js=$(cat "$ROOT"/ui/dist/assets/*.js | gzip -9 | wc -c)
  css=$(cat "$ROOT"/ui/dist/assets/*.css | gzip -9 | wc -c)
  printf '  UI bundle   JS %.1f kB + CSS %.1f kB gzipped = %.1f kB\n' "$(echo "$js / 1000" | bc -l)" "$(echo "$css / 1000" | bc -l)" "$(echo "($js + $css) / 1000" | bc -l)"
  # Edit-to-screen and "Rotate now" to the first running step: the e2e harness (debug build, real WebView
  # through tauri-driver) stamps both ends (src-tauri/tests/e2e_bench.rs).
  # scripts/test-env.sh: a throwaway HOME/XDG and a private D-Bus with an unlocked throwaway keyring (the
  # rotation keeps its new key there), as ./dev test runs the e2e tests.
  REKEY_E2E=1 NO_AT_BRIDGE=1 GTK_USE_PORTAL=0 "$ROOT/scripts/test-env.sh" xvfb-run -a -s '-screen 0 1280x800x24' \
    cargo test -q -p rekey-app --test e2e_bench -- --ignored --nocapture --test-threads=1 2>&1 \
    | grep '^BENCH' | sed 's/^BENCH edit-to-screen /  external edit to screen (target <= 300 ms): /; s/^BENCH rotate-now-to-first-step /  "Rotate now" to the first step shown running (target <= 100 ms): /'
}

bench_crash() {
  local C="$W/crash"; mkdir -p "$C"/{home,config,data,cache,state,runtime}; chmod 700 "$C/runtime"
  local kills=${KILLS:-1000} ctr_kills=${CTR_KILLS:-200} out rc=0
  cargo test --release -q -p rekey --test crash_campaign --test crash_campaign_ctr --no-run 2>/dev/null
  local s e; s=$(date +%s.%N)
  # A throwaway HOME hides the toolchain from rustup unless CARGO_HOME/RUSTUP_HOME say where it is.
  out=$(env CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}" RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}" HOME="$C/home" XDG_CONFIG_HOME="$C/config" XDG_DATA_HOME="$C/data" XDG_CACHE_HOME="$C/cache" \
    XDG_STATE_HOME="$C/state" XDG_RUNTIME_DIR="$C/runtime" REKEY_TEST_KEYRING=1 \
    REKEY_CRASH_KILLS="$kills" REKEY_CRASH_CTR_KILLS="$ctr_kills" ${SEED:+REKEY_CRASH_SEED="$SEED"} \
    dbus-run-session --config-file="$ROOT/scripts/test-dbus-session.conf" -- bash -c \
    'echo -n bench | gnome-keyring-daemon --unlock --components=secrets >/dev/null; cargo test --release -q --no-fail-fast -p rekey --test crash_campaign --test crash_campaign_ctr -- --include-ignored --nocapture --test-threads=1 2>&1') || rc=$?
  e=$(date +%s.%N)
  printf '\ncrash campaign: SIGKILL of `rekey rotate` (release) at seeded random instants, then `rekey recover`:\n'
  printf '  %s kills with BitScale (in place), %s with each of 6 create-then-revoke vendors\n' "$kills" "$ctr_kills"
  printf '%s\n' "$out" | grep -E '^crash campaign [^:]*: an uninterrupted|^CRASH ' | sed 's/^/  /'
  printf '  wall time %.0f s; verdict: %s\n' "$(echo "$e - $s" | bc -l)" "$([ $rc -eq 0 ] && echo 'no violation (target: 0)' || echo 'VIOLATIONS (details: rerun with the seed above)')"
}

bench_mix() {
  local C="$W/mix"; mkdir -p "$C"/{home,config,data,cache,state,runtime}; chmod 700 "$C/runtime"
  local rounds=${ROUNDS:-500} out rc=0
  cargo test --release -q -p rekey --test crash_campaign_mix --no-run 2>/dev/null
  local s e; s=$(date +%s.%N)
  out=$(env CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}" RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}" HOME="$C/home" XDG_CONFIG_HOME="$C/config" XDG_DATA_HOME="$C/data" XDG_CACHE_HOME="$C/cache" \
    XDG_STATE_HOME="$C/state" XDG_RUNTIME_DIR="$C/runtime" REKEY_TEST_KEYRING=1 \
    REKEY_CRASH_MIX_ROUNDS="$rounds" ${SEED:+REKEY_CRASH_SEED="$SEED"} \
    dbus-run-session --config-file="$ROOT/scripts/test-dbus-session.conf" -- bash -c \
    'echo -n bench | gnome-keyring-daemon --unlock --components=secrets >/dev/null; cargo test --release -q -p rekey --test crash_campaign_mix -- --include-ignored --nocapture 2>&1') || rc=$?
  e=$(date +%s.%N)
  printf '\nmixed crash campaign: %s interleavings of 2-4 concurrent rotate/protect/unprotect/replace/add/restore (release), random SIGKILLs, then `rekey recover`:\n' "$rounds"
  printf '%s\n' "$out" | grep -E '^CRASH mix|^PENDING' | sed 's/^/  /'
  printf '  wall time %.0f s; verdict: %s\n' "$(echo "$e - $s" | bc -l)" "$([ $rc -eq 0 ] && echo 'no violation (target: 0)' || echo 'VIOLATIONS (details: rerun with the seed above)')"
  [ $rc -eq 0 ] || printf '%s\n' "$out" | grep -E '^interleaving|^  ' | head -40
}

case "${1:-all}" in
  config) bench_config ;;
  rotate) bench_rotate ;;
  exec) bench_exec ;;
  guard) bench_guard ;;
  git) bench_git ;;
  app) bench_app ;;
  crash) bench_crash ;;
  mix) bench_mix ;;
  all) bench_config; bench_rotate; bench_exec; bench_guard; bench_git; bench_app ;;
  *) echo "usage: bench/run.sh [config|rotate|exec|guard|git|app|crash|mix|mutants|fuzz|all]" >&2; exit 2 ;;
esac
