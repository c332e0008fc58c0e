#!/usr/bin/env bash
# Sourced by bench/rotate-session.sh (private D-Bus session, throwaway keyring, fakes running and their
# output in $HOME/fakes.out): the exposure window per rotation model. For one provider per model, one key
# in the same 5 config files, RUNS times `rekey rotate --yes` under examples/expo_watch.rs, which takes when
# the key died from the fake itself (GET /_fake/deaths) and when each file stopped holding it from inotify
# (each in the wall clock), and prints `EXPO <exposure ms> <last rewrite - death ms> <files> <first ...>`.
deaths_url=$(awk '/^DEATHS /{print $2}' "$HOME/fakes.out")
read -r _ neon_url neon_id neon_key < <(grep '^NEON ' "$HOME/fakes.out")
read -r _ rootly_url rootly_id rootly_key < <(grep '^ROOTLY ' "$HOME/fakes.out")

# A home of its own per provider, with the key in the five config files of the rotate figure above.
expo_home() {
  local d="$HOME/expo-$1"
  mkdir -p "$d/home" "$d/cfg" "$d/data"
  echo "$d"
}
expo_files() {
  local d=$1
  printf '%s\n' "$d/cfg/Claude/claude_desktop_config.json" "$d/home/.cursor/mcp.json" "$d/home/.claude.json" \
    "$d/home/.codeium/windsurf/mcp_config.json" "$d/home/.lmstudio/mcp.json"
}
in_home() { local d=$1; shift; HOME="$d/home" XDG_CONFIG_HOME="$d/cfg" XDG_DATA_HOME="$d/data" "$@"; }
first_cred() { in_home "$1" "$REKEY" scan --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["credentials"][0]["id"])'; }

# expo NAME CONFIG_JSON LINK_ARGS... -- ROTATE_ARGS...: set up, then RUNS measured rotations into $d/expo.
expo() {
  local name=$1 json=$2; shift 2
  local link=() rot=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do link+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  rot=("$@")
  local d; d=$(expo_home "$name")
  local f; while read -r f; do mkdir -p "$(dirname "$f")"; printf '%s\n' "$json" > "$f"; done < <(expo_files "$d")
  in_home "$d" "$REKEY" link "$(first_cred "$d")" "${link[@]}" >/dev/null
  : > "$d/expo"
  for _ in $(seq "$RUNS"); do
    local cred; cred=$(first_cred "$d")
    mapfile -t files < <(expo_files "$d")
    in_home "$d" "$EXPO" "$deaths_url" "${files[@]}" -- "$REKEY" rotate "$cred" --yes ${rot[@]+"${rot[@]}"} >> "$d/expo" || echo "EXPO FAIL" >> "$d/expo"
  done
}

bs='{"mcpServers": {"bitscale": {"command": "uvx", "args": ["bitscale-mcp"], "env": {"BITSCALE_API_KEY": "%s"}}}}'
read -r _ bs_url bs_key < <(grep '^BITSCALE ' "$HOME/fakes.out")
# The BitScale key has rotated in the runs above: start from the one the fake accepts now (the configs hold it).
bs_key=$(grep -o 'sk-live-[A-Za-z0-9]*' "$HOME/.cursor/mcp.json")
expo bitscale "$(printf "$bs" "$bs_key")" --provider bitscale --base-url "$bs_url"
expo neon "$(printf '{"mcpServers": {"neon": {"command": "npx", "args": ["-y", "@neondatabase/mcp-server-neon", "start"], "env": {"NEON_API_KEY": "%s"}}}}' "$neon_key")" \
  --provider neon --base-url "$neon_url" --key-id "$neon_id"
rootly_json=$(printf '{"mcpServers": {"rootly": {"url": "%s/rootly-mcp/mcp", "headers": {"Authorization": "Bearer %s"}}}}' "$rootly_url" "$rootly_key")
expo rootly "$rootly_json" --provider rootly --base-url "$rootly_url" --token-id "$rootly_id" --app-url "$rootly_url/rootly-mcp/mcp"
# The same Rootly key asked for no grace period: the old token dies with the call, as in place.
expo rootly-nograce "$(grep -h . "$HOME/expo-rootly/home/.cursor/mcp.json")" \
  --provider rootly --base-url "$rootly_url" --token-id "$rootly_id" --app-url "$rootly_url/rootly-mcp/mcp" -- --grace 0

printf '\nexposure window per rotation model: time any config file held a key the provider no longer accepted\n'
printf '(death instant from the fake, file rewrites stamped by inotify; one key in 5 config files, median of %s runs)\n' "$RUNS"
python3 - "$HOME" <<'EOF'
import sys, statistics
home = sys.argv[1]
rows = [("rotate-in-place", "bitscale", "bitscale", "<= 20 ms"),
        ("rotate-with-grace", "rootly (10 min)", "rootly", "0"),
        ("create-then-revoke", "neon", "neon", "0"),
        ("with grace, --grace 0", "rootly", "rootly-nograce", "<= 20 ms")]
print(f"  {'model':<22} {'provider':<16} {'median':>9} {'max':>9}   {'first / last rewrite - death':>30}   target")
for model, label, name, target in rows:
    lines = [l.split() for l in open(f"{home}/expo-{name}/expo") if l.startswith("EXPO")]
    ok = [l for l in lines if l[1] != "FAIL" and l[3] == "5"]
    bad = len(lines) - len(ok)
    if not ok:
        print(f"  {model:<22} {label:<16} {'FAILED':>9}   ({bad} runs failed or did not track 5 files)")
        continue
    exp = [float(l[1]) for l in ok]
    def med(col):
        v = [float(l[col]) for l in ok if len(l) > col and l[col] != "none"]
        m = statistics.median(v) if v else None
        return "none" if m is None else (f"{m / 60000:+.1f} min" if abs(m) >= 60000 else f"{m:+.1f} ms")
    ms = f"{med(4)} / {med(2)}"
    extra = f"   ({bad} runs failed)" if bad else ""
    print(f"  {model:<22} {label:<16} {statistics.median(exp):6.1f} ms {max(exp):6.1f} ms   {ms:>30}   {target}{extra}")
EOF
