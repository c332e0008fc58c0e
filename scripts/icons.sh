#!/usr/bin/env bash
# Regenerate every app and tray icon from the one committed source image, icons/source/rekey.svg.
# Uses the Tauri CLI from ui/node_modules (npm ci in ui/ first). Output is committed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root/ui"
npx --no-install tauri icon "$root/icons/source/rekey.svg" -o "$root/icons"
# The tray gets its own small icon (32 px, and 64 px for HiDPI panels), from the same source.
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
npx --no-install tauri icon "$root/icons/source/rekey.svg" -o "$tmp" -p 32 -p 64
mkdir -p "$root/icons/tray"
cp "$tmp/32x32.png" "$root/icons/tray/tray.png"
cp "$tmp/64x64.png" "$root/icons/tray/tray@2x.png"
# The attention variant (something needs the user): the same icon with a red dot, drawn by ImageMagick.
convert "$root/icons/tray/tray.png" -fill '#d93025' -stroke white -strokewidth 2 \
  -draw 'circle 25,7 25,1' "PNG32:$root/icons/tray/tray-attention.png"
convert "$root/icons/tray/tray@2x.png" -fill '#d93025' -stroke white -strokewidth 3 \
  -draw 'circle 50,14 50,3' "PNG32:$root/icons/tray/tray-attention@2x.png"
# Mobile targets are not built; keep the tree small.
rm -rf "$root/icons/android" "$root/icons/ios"
