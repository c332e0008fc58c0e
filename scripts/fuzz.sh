#!/usr/bin/env bash
# Build the fuzz targets in fuzz/ and run each one, so that they never stop compiling unnoticed and every
# run of `./dev test` tries them on fresh inputs.
#   scripts/fuzz.sh runs N     each target for N inputs (./dev test: 2000), a fixed libFuzzer seed
#   scripts/fuzz.sh secs N     each target for N seconds (bench/run.sh fuzz)
# The build is what `cargo fuzz build` does (coverage instrumentation through LLVM's sancov pass, the
# `fuzzing` cfg, debug assertions and overflow checks), but with the stable toolchain and without a
# sanitizer, so it needs neither nightly nor cargo-fuzz. The seed corpus is the reference configs in
# tests/fixtures; the corpus grows in a temp dir. A crash fails the run and its input is kept under
# target/fuzz-artifacts/ (replay: target/fuzz/<triple>/release/<target> <file>).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
mode=${1:-runs} n=${2:-2000}
case "$mode" in
  runs) limit=(-runs="$n" -seed=1) ;;
  secs) limit=(-max_total_time="$n") ;;
  *) echo "usage: scripts/fuzz.sh runs N | secs N" >&2; exit 2 ;;
esac
triple=$(rustc -vV | sed -n 's/^host: //p')
target_dir="${CARGO_TARGET_DIR:-$ROOT/target}/fuzz"
(cd "$ROOT/fuzz" && RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing -Cdebug-assertions -Coverflow-checks" \
  CARGO_TARGET_DIR="$target_dir" cargo build --quiet --locked --release --bins --target "$triple")
bin="$target_dir/$triple/release"
artifacts="$ROOT/target/fuzz-artifacts"
mkdir -p "$artifacts"
tmp=$(mktemp -d -t rekey-fuzz.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
seeds="$ROOT/tests/fixtures/reference-configs"
rc=0
for t in json_edit scan yaml; do
  mkdir -p "$tmp/$t"
  case "$t" in
    json_edit) cp "$seeds"/*.json "$seeds"/*.jsonc "$tmp/$t/" ;;
    scan) cp "$seeds"/*.json "$seeds"/*.jsonc "$seeds"/*.toml "$tmp/$t/" ;;
    yaml) cp "$seeds"/*.yaml "$tmp/$t/" ;;
  esac
  if out=$("$bin/$t" "${limit[@]}" -max_len=8192 -timeout=20 -artifact_prefix="$artifacts/$t-" \
             "$tmp/$t" 2>&1); then
    printf '  fuzz %-10s %s; corpus %s inputs\n' "$t" "$(grep -o 'Done [0-9]* runs in [0-9]* second(s)' <<<"$out" | tail -1)" \
      "$(ls "$tmp/$t" | wc -l)"
  else
    rc=1
    printf '%s\n' "$out" | tail -40
    echo "fuzz $t FAILED: the input that broke it is under $artifacts/" >&2
  fi
done
exit $rc
