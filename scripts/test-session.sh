#!/usr/bin/env bash
# Runs inside the private D-Bus session that `./dev test` creates: start a throwaway gnome-keyring (its files
# live in the temp XDG_DATA_HOME, see test-keyring.sh), then run the whole cargo test suite on a virtual
# display.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/test-keyring.sh"
start_test_keyring $$
# Fail early, with a clear message, if the Secret Service is not usable.
"$CARGO_TARGET_DIR/debug/rekey" doctor || { echo "the private Secret Service is not usable" >&2; exit 1; }
# Tests that need the keychain or a display are #[ignore]d for a plain `cargo test` (never a silent pass):
# here they all run. The benchmarks among them (src-tauri/tests/e2e_bench.rs) are left to bench/run.sh app
# (--exact: those names only).
log="$(mktemp)"
rc=0
xvfb-run -a -s '-screen 0 1280x800x24' cargo test --workspace --locked --no-fail-fast \
  -- --include-ignored --exact --skip bench_edit_to_screen_latency --skip bench_rotate_now_to_first_step 2>&1 | tee "$log" || rc=$?
report_test_keyring
# How many tests ran, per suite; a suite that ignored any test fails the run.
python3 "$(dirname "${BASH_SOURCE[0]}")/test-counts.py" "$log" || { [ "$rc" != 0 ] || rc=1; }
rm -f "$log"
exit $rc
