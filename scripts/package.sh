#!/usr/bin/env bash
# Build the release app and its Linux packages: target/release/rekey-app, and the .deb and AppImage under
# target/release/bundle/. Uses the Tauri CLI from ui/node_modules (npm @tauri-apps/cli ships its binary).
# The bundle config (src-tauri/tauri.conf.json) also describes the macOS (.app/.dmg) and Windows (MSI/NSIS)
# bundles; build those on their own OS with the same command and `--bundles app,dmg` or `--bundles msi,nsis`.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BUNDLES=${1:-deb,appimage}
[ -d ui/node_modules ] || (cd ui && npm ci --no-audit --no-fund)
# AppImage bundling runs linuxdeploy, an AppImage itself: without FUSE it must extract itself.
export APPIMAGE_EXTRACT_AND_RUN=1
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
echo "binary: $ROOT/target/release/rekey-app"
find "$ROOT/target/release/bundle" -maxdepth 2 \( -name '*.deb' -o -name '*.AppImage' -o -name '*.dmg' -o -name '*.msi' -o -name '*-setup.exe' \) -printf '%s bytes  %p\n'
exit $status
