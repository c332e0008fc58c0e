#!/usr/bin/env bash
# Inside bench/run.sh's private D-Bus session and virtual display: cold start to window and idle memory
# (PSS of the app and its WebKit processes) of rekey-app against the empty Tauri app, both release builds.
set -euo pipefail
echo -n bench | gnome-keyring-daemon --unlock --components=secrets >/dev/null
RUNS=${RUNS:-5}

# Sum of PSS (kB) of a process and all its descendants.
pss_tree() {
  local pids=("$1") all=() p
  while [ ${#pids[@]} -gt 0 ]; do
    p=${pids[0]}; pids=("${pids[@]:1}"); all+=("$p")
    for c in $(pgrep -P "$p" || true); do pids+=("$c"); done
  done
  local sum=0 v
  for p in "${all[@]}"; do
    v=$(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0)
    sum=$((sum + ${v:-0}))
  done
  echo "$sum"
}

# start BIN TITLE -> prints "seconds-to-window pss-kB" for one launch in a fresh home.
launch() {
  local bin=$1 title=$2 home
  home=$(mktemp -d); mkdir -p "$home"/{home,config,data,cache}
  mkdir -p "$home/data/rekey" && echo '{}' > "$home/data/rekey/settings.json"
  local s e pid
  s=$(date +%s.%N)
  HOME="$home/home" XDG_CONFIG_HOME="$home/config" XDG_DATA_HOME="$home/data" XDG_CACHE_HOME="$home/cache" \
    REKEY_DATA_DIR="$home/data/rekey" setsid "$bin" >/dev/null 2>&1 &
  pid=$!
  # Poll every 10 ms: `xdotool search --sync` sleeps 0.5 s between tries, which would round every start-up
  # to the same half second; and a window that goes away between its listing and its query makes xdotool fail
  # (BadWindow), so a failed try is just a try.
  local deadline=$(( $(date +%s) + 20 ))
  until xdotool search --onlyvisible --name "^${title}\$" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$deadline" ] || { echo "bench: no '$title' window within 20 s" >&2; break; }
    sleep 0.01
  done
  e=$(date +%s.%N)
  sleep "${IDLE:-4}"
  local pss; pss=$(pss_tree "$pid")
  kill -KILL -- -"$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -rf "$home"
  echo "$(echo "$e - $s" | bc -l) $pss"
}

med() { printf '%s\n' "$@" | sort -n | sed -n "$(( ($# + 1) / 2 ))p"; }
declare -a rs rm es em
for _ in $(seq "$RUNS"); do
  read -r t m < <(launch "$EMPTY" Empty); es+=("$t"); em+=("$m")
  read -r t m < <(launch "$REKEY_APP" Rekey); rs+=("$t"); rm+=("$m")
done
r=$(med "${rs[@]}"); e=$(med "${es[@]}"); rmem=$(med "${rm[@]}"); emem=$(med "${em[@]}")
printf '\nthe app against an empty Tauri app built the same way (release; median of %s launches each)\n' "$RUNS"
printf '  start to window   rekey-app %5.2f s   empty %5.2f s   ratio %.2fx (target <= 1.5x)\n' "$r" "$e" "$(echo "$r / $e" | bc -l)"
printf '  idle PSS (app + WebKit processes)   rekey-app %4d MB   empty %4d MB   ratio %.2fx (target <= 1.25x)\n' \
  "$((rmem / 1024))" "$((emem / 1024))" "$(echo "$rmem / $emem" | bc -l)"
