#!/usr/bin/env bash
# Type-check and lint (no linking) the workspace for a foreign target: `./dev check-targets` runs it for
# Windows (x86_64-pc-windows-gnu) and macOS (aarch64-apple-darwin), so no `cfg` path is left uncompiled.
#
# How (tried on Debian bookworm, the project's machines): Debian's security updates carry `rustc-web` with
# its matching standard-library source (`rust-web-src`) and clippy; with it, `cargo check -Zbuild-std`
# (RUSTC_BOOTSTRAP=1) builds the target's std from source. The .debs are unpacked under $X, not installed:
# they would conflict with the rustup toolchain. Windows-gnu uses the real mingw-w64 C compiler (apt
# packages binutils-mingw-w64-x86-64 gcc-mingw-w64-x86-64-posix); macOS has no C toolchain here, so C build
# steps get a stand-in that writes empty outputs (fine for a check, which never links), and aws-lc-sys's
# build script is replaced through its `links` key.
#
#   usage (from the workspace root):  scripts/check-target.sh <target> [cargo args...]
#   XCLIPPY=1 runs clippy instead of check (then `-- -D warnings` after the cargo args).
set -euo pipefail
T=${1:?target triple}; shift
X=${REKEY_XTARGET_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/rekey-xtarget}
R=$X/root
if [ ! -x "$R/usr/bin/rustc" ] || [ ! -x "$R/usr/bin/cargo-clippy" ]; then
  command -v apt-get >/dev/null || { echo "check-target: needs Debian's rustc-web packages (apt)" >&2; exit 1; }
  rm -rf "$X/debs"; mkdir -p "$X/debs" "$R"
  libstd=$(apt-cache depends libstd-rust-web-dev 2>/dev/null | awk '/Depends: libstd-rust-web-[0-9]/{print $2; exit}' || true)
  llvm=$( [ -n "$libstd" ] && apt-cache depends "$libstd" 2>/dev/null | awk '/Depends: libllvm[0-9]/{print $2; exit}' || true)
  if [ -z "$libstd" ] || [ -z "$llvm" ]; then
    echo "check-target: Debian's rustc-web is not in the apt sources (bookworm-security); cannot type-check $T" >&2
    exit 1
  fi
  (cd "$X/debs" && apt-get download -q rustc-web rust-web-src rust-web-clippy libstd-rust-web-dev "$libstd" "$llvm")
  for f in "$X"/debs/*.deb; do dpkg-deb -x "$f" "$R"; done
fi
mkdir -p "$X/bin"
# Stand-in C compiler / archiver for targets without a C toolchain here (see above).
cat > "$X/bin/fake-cc" <<'SH'
#!/bin/sh
prev=""
for a in "$@"; do
  case "$prev" in -o) : > "$a";; esac
  case "$a" in
    -Fo*) : > "${a#-Fo}";; /Fo*) : > "${a#/Fo}";;
    -out:*|-OUT:*|/out:*|/OUT:*) : > "${a#*:}";;
    -*|/*:*) ;;
    *.a|*.lib) case "$(basename "$0")" in *ar*) : > "$a";; esac;;
  esac
  prev="$a"
done
exit 0
SH
chmod +x "$X/bin/fake-cc"; ln -sf fake-cc "$X/bin/fake-ar"

export LD_LIBRARY_PATH=$R/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export RUSTC=$R/usr/bin/rustc          # not a shell wrapper: dash drops env names with '-' (CARGO_BIN_EXE_rekey-app)
export RUSTC_BOOTSTRAP=1               # -Zbuild-std on a stable compiler
export CARGO_TARGET_DIR=$X/target
export CARGO_INCREMENTAL=0
t=${T//-/_}
cfg=()
if [[ $T == *-windows-gnu ]] && command -v "${T%%-*}-w64-mingw32-gcc" >/dev/null; then
  : # a real mingw-w64 C compiler and windres: no stand-ins needed
else
  export "CC_$t=$X/bin/fake-cc" "CXX_$t=$X/bin/fake-cc" "AR_$t=$X/bin/fake-ar"
  # aws-lc-sys (rustls' crypto): skip its C build; give the cfg its pregenerated bindings need and the
  # `include` metadata aws-lc-rs' build script asserts on.
  v=$(awk '/^name = "aws-lc-sys"$/{getline; gsub(/"/,"",$3); print $3; exit}' Cargo.lock)
  if [ -n "$v" ]; then
    cat > "$X/cross-$T.toml" <<TOML
[target.$T.aws_lc_${v//./_}]
rustc-cfg = ["$t"]
include = "/nonexistent"
TOML
    cfg=(--config "$X/cross-$T.toml")
  fi
fi
# The target dir is shared by every checkout of Rekey on this machine (each clone would otherwise build the
# whole dependency tree again for both targets). Cargo names a workspace crate's artifacts by its path
# relative to the workspace, the same in every clone, and judges them fresh by mtime: a checkout whose
# sources are older than another clone's build would be checked against that clone's crates (a new module
# "not found", or worse, a pass). The workspace's own crates are therefore always re-checked; the
# dependencies, named by version, are shared safely.
cargo clean -q -p rekey -p rekey-fakes -p rekey-app -p empty-app --target "$T"
cmd=(cargo check)
[ -n "${XCLIPPY:-}" ] && cmd=("$R/usr/bin/cargo-clippy" clippy)
exec nice -n 10 "${cmd[@]}" "${cfg[@]}" -Zbuild-std=std,panic_abort --target "$T" "$@"
