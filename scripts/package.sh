#!/usr/bin/env bash
# Build the release app and its Linux packages: target/release/rekey-app, and the .deb, .rpm and AppImage under
# target/release/bundle/. Uses the Tauri CLI from ui/node_modules (npm @tauri-apps/cli ships its binary).
# Every package carries the `rekey` CLI too (/usr/bin/rekey in the .deb and .rpm; see docs/packaging.md): protected
# MCP entries start it by its absolute path. It is built here first, because the bundle config copies
# target/release/rekey into the packages (tauri build's beforeBuildCommand only builds the UI).
# The bundle config (src-tauri/tauri.conf.json) also describes the macOS (.app/.dmg) and Windows (MSI/NSIS)
# bundles; build those on their own OS with the same command and `app,dmg` or `msi,nsis` as its argument.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BUNDLES=${1:-deb,rpm,appimage}
[ -d ui/node_modules ] || (cd ui && npm ci --no-audit --no-fund)
# AppImage bundling runs linuxdeploy, an AppImage itself: without FUSE it must extract itself.
export APPIMAGE_EXTRACT_AND_RUN=1
cargo build --release -p rekey --bin rekey
status=0
for bundle in ${BUNDLES//,/ }; do
  log=$(mktemp)
  if ! (cd src-tauri && npx --prefix ../ui tauri build --bundles "$bundle") 2>&1 | tee "$log"; then
    status=1
    if [ "$bundle" = appimage ] && grep -q "lookup address\|Downloading https://github.com" "$log"; then
      echo "package: the AppImage needs to download linuxdeploy and AppRun from github.com, which this machine cannot reach; the other packages are built" >&2
    fi
  fi
  rm -f "$log"
done
# Tauri's deb bundler compresses data.tar with gzip; Debian's own packages use xz, which packs these two
# binaries to about half the size (11.6 -> 5.8 MiB measured, as bench/run.sh app reports sizes). Re-pack each .deb the way dpkg-deb builds them:
# same files, modes and control data (`-R` keeps both), root ownership (as Tauri writes it), xz level 9.
repack_deb() { # <deb>
  local deb=$1 dir; dir=$(mktemp -d)
  dpkg-deb -R "$deb" "$dir/pkg"
  dpkg-deb --root-owner-group -Zxz -z9 -b "$dir/pkg" "$deb.xz" >/dev/null
  mv "$deb.xz" "$deb"
  rm -rf "$dir"
}
case ",$BUNDLES," in *,deb,*)
  for f in "$ROOT"/target/release/bundle/deb/*.deb; do [ -e "$f" ] && repack_deb "$f"; done ;;
esac
# Each native package must install the CLI beside the app (the path protected entries start).
check_bins() { # <package> <lister...>
  local pkg=$1; shift
  # dpkg-deb lists `usr/bin/x` or `./usr/bin/x`, the rpm header `/usr/bin/x`: compare as `/usr/bin/x`.
  local bins; bins=$("$@" "$pkg" | sed 's|^\./|/|; s|^\([^/]\)|/\1|' | { grep -E '^/usr/bin/rekey(-app)?$' || true; } | sort | tr '\n' ' ')
  if [ "$bins" = "/usr/bin/rekey /usr/bin/rekey-app " ]; then
    echo "package: $(basename "$pkg") installs /usr/bin/rekey-app and /usr/bin/rekey"
  else
    echo "package: $(basename "$pkg") does not install both /usr/bin/rekey-app and /usr/bin/rekey (found: ${bins:-neither})" >&2
    status=1
  fi
}
deb_files() { dpkg-deb -c "$1" | awk '{print $NF}'; }
for bundle in ${BUNDLES//,/ }; do
  case $bundle in
    deb) for f in "$ROOT"/target/release/bundle/deb/*.deb; do [ -e "$f" ] && check_bins "$f" deb_files; done ;;
    rpm) for f in "$ROOT"/target/release/bundle/rpm/*.rpm; do [ -e "$f" ] && check_bins "$f" python3 "$ROOT/scripts/rpm-files.py"; done ;;
  esac
done
echo "binary: $ROOT/target/release/rekey-app"
find "$ROOT/target/release/bundle" -maxdepth 2 \( -name '*.deb' -o -name '*.rpm' -o -name '*.AppImage' -o -name '*.dmg' -o -name '*.msi' -o -name '*-setup.exe' \) -printf '%s bytes  %p\n'
exit $status
