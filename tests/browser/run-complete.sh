#!/usr/bin/env bash
# A real browser completes every form and adaptation of forms/ with JavaScript disabled,
# by keyboard alone (tests/browser/complete.mjs), and takes a screenshot of every page.
#
#   tests/browser/run-complete.sh [SHOTS_DIR]
#
# Builds efa, runs `npm ci` in tests/browser only when node_modules is missing, needs
# Chromium at /usr/bin/chromium (or $CHROMIUM). Exit 0 when every form was completed.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
export SHOTS=${1:-${SHOTS:-$(mktemp -d "${TMPDIR:-/tmp}/efa-complete-shots.XXXXXX")}}
mkdir -p "$SHOTS"

cd "$root"
cargo build --quiet --bin efa
if [ ! -d tests/browser/node_modules/playwright-core ]; then
  (cd tests/browser && npm ci)
fi

status=0
node --test tests/browser/complete.mjs || status=$?
echo "run-complete: screenshots in $SHOTS"
exit $status
