#!/usr/bin/env bash
# Inside bench/run.sh's private D-Bus session: a throwaway keyring holds one protected key; time a server
# started through `rekey exec` (its env names the key as rekey://…) against the same server started directly.
# The "server" is /bin/true, so the difference is Rekey's own start-up: parse, one keychain read, exec.
set -euo pipefail
echo -n bench | gnome-keyring-daemon --unlock --components=secrets >/dev/null
for _ in $(seq 100); do "$REKEY" doctor >/dev/null 2>&1 && break; sleep 0.05; done
printf 'sk-live-bench-exec-0123456789abcdef' | secret-tool store --label=bench service rekey username ref:bench-0a0b0c
now() { date +%s.%N; }
ex=(); di=()
for _ in $(seq "$RUNS"); do
  s=$(now); /bin/true; e=$(now); di+=("$(echo "$e - $s" | bc -l)")
  s=$(now); BENCH_KEY=rekey://bench-0a0b0c "$REKEY" exec -- /bin/true; e=$(now); ex+=("$(echo "$e - $s" | bc -l)")
done
med() { printf '%s\n' "$@" | sort -n | sed -n "$(( ($# + 1) / 2 ))p"; }
x=$(med "${ex[@]}"); d=$(med "${di[@]}")
printf '\nstart a server through `rekey exec` (one rekey:// reference) vs directly (median of %s runs)\n' "$RUNS"
printf '  rekey exec -- /bin/true  %6.1f ms\n' "$(echo "$x * 1000" | bc -l)"
printf '  /bin/true                %6.1f ms\n' "$(echo "$d * 1000" | bc -l)"
printf '  overhead                 %6.1f ms (target <= 20 ms)\n' "$(echo "($x - $d) * 1000" | bc -l)"
