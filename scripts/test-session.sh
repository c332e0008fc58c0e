#!/usr/bin/env bash
# Runs inside the private D-Bus session that `./dev test` creates: unlock a throwaway gnome-keyring
# (its files live in the temp XDG_DATA_HOME), then run the whole cargo test suite on a virtual display.
set -euo pipefail
echo -n "rekey-test-keyring" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
# Fail early, with a clear message, if the Secret Service is not usable.
"$CARGO_TARGET_DIR/debug/rekey" doctor || { echo "the private Secret Service is not usable" >&2; exit 1; }
exec xvfb-run -a -s '-screen 0 1280x800x24' cargo test --workspace --locked --no-fail-fast
