#!/usr/bin/env bash
# Run one command the way `./dev test` runs the suite, for a quick focused run while developing:
# a throwaway HOME/XDG, a private D-Bus session with an unlocked throwaway gnome-keyring. Example:
#   scripts/test-env.sh cargo test -p rekey --test rotation -- --include-ignored
# (Needs the packages `./dev test` installs. No virtual display: use ./dev test for the GUI tests.)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}" RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
tmp=$(mktemp -d -t rekey-test-env.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp"/{home,config,data,cache,state,runtime}
chmod 700 "$tmp/runtime"
export HOME="$tmp/home" XDG_CONFIG_HOME="$tmp/config" XDG_DATA_HOME="$tmp/data" XDG_CACHE_HOME="$tmp/cache" \
       XDG_STATE_HOME="$tmp/state" XDG_RUNTIME_DIR="$tmp/runtime" REKEY_TEST_KEYRING=1 REKEY_TEST_RUN="$tmp"
unset DBUS_SESSION_BUS_ADDRESS CLAUDE_CONFIG_DIR CODEX_HOME
exec dbus-run-session --config-file="$ROOT/scripts/test-dbus-session.conf" -- bash -c \
  '. "$0/scripts/test-keyring.sh" && start_test_keyring $$ && exec "$@"' "$ROOT" "$@"
