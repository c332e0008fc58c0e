#!/usr/bin/env bash
# Inside bench/run.sh's private D-Bus session: unlock a throwaway keyring, start the fake providers, put
# one BitScale key in 5 config files, and time `rekey rotate --yes` against `rekey scan` of that home;
# then the exposure window per rotation model (bench/expo-session.sh).
set -euo pipefail
echo -n bench | gnome-keyring-daemon --unlock --components=secrets >/dev/null
"$FAKES" > "$HOME/fakes.out" &
fakes_pid=$!
trap 'kill $fakes_pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do grep -q '^BITSCALE ' "$HOME/fakes.out" 2>/dev/null && break; sleep 0.05; done
read -r _ url key < <(grep '^BITSCALE ' "$HOME/fakes.out")
cfg() { mkdir -p "$(dirname "$1")"; printf '{"mcpServers": {"bitscale": {"command": "uvx", "args": ["bitscale-mcp"], "env": {"BITSCALE_API_KEY": "%s"}}}}\n' "$key" > "$1"; }
cfg "$XDG_CONFIG_HOME/Claude/claude_desktop_config.json"
cfg "$HOME/.cursor/mcp.json"
cfg "$HOME/.claude.json"
cfg "$HOME/.codeium/windsurf/mcp_config.json"
cfg "$HOME/.lmstudio/mcp.json"
cred=$("$REKEY" scan --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["credentials"][0]["id"])')
"$REKEY" link "$cred" --provider bitscale --base-url "$url" >/dev/null
now() { date +%s.%N; }
rot=(); scn=()
for _ in $(seq "$RUNS"); do
  cred=$("$REKEY" scan --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["credentials"][0]["id"])')
  s=$(now); "$REKEY" scan --json >/dev/null; e=$(now); scn+=("$(echo "$e - $s" | bc -l)")
  s=$(now); "$REKEY" rotate "$cred" --yes >/dev/null; e=$(now); rot+=("$(echo "$e - $s" | bc -l)")
done
med() { printf '%s\n' "$@" | sort -n | sed -n "$(( ($# + 1) / 2 ))p"; }
r=$(med "${rot[@]}"); c=$(med "${scn[@]}")
files=$(grep -l "$("$REKEY" scan --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["credentials"][0]["masked"][:4])')" "$XDG_CONFIG_HOME/Claude/claude_desktop_config.json" "$HOME/.cursor/mcp.json" "$HOME/.claude.json" "$HOME/.codeium/windsurf/mcp_config.json" "$HOME/.lmstudio/mcp.json" | wc -l)
printf '\nrotate against the zero-latency fake BitScale, one key in 5 config files (median of %s runs)\n' "$RUNS"
printf '  rekey rotate --yes       %6.1f ms (target <= 50 ms)\n' "$(echo "$r * 1000" | bc -l)"
printf '  rekey scan --json        %6.1f ms   rotate/scan = %.1fx (target <= 3x)\n' "$(echo "$c * 1000" | bc -l)" "$(echo "$r / $c" | bc -l)"
printf '  config files holding the latest key after the runs: %s of 5\n' "$files"
# The exposure window per rotation model (BitScale, Rootly, Neon, each in the same 5 files).
source "$(dirname "$0")/expo-session.sh"
