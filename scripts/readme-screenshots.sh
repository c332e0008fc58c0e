#!/usr/bin/env bash
# Copy the e2e run's screenshots that the README shows into docs/screenshots/ (run after `./dev test`).
set -euo pipefail
cd "$(dirname "$0")/.."
S=target/e2e-screenshots
cp "$S/08-demo-dark.png" docs/screenshots/keys.png
cp "$S/40-ctr-plan.png" docs/screenshots/plan.png
cp "$S/41-ctr-done.png" docs/screenshots/done.png
echo "docs/screenshots/ updated from $S"
