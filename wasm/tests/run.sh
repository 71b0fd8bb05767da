#!/usr/bin/env bash
# The tests of the browser runtime (after wasm/build.sh):
#   1. parity.mjs  — every validation case, natively and through the WASM module under
#                    Node: the JSON must be byte-identical;
#   2. browser.mjs — the enhancement script in headless Chromium against `efa serve forms`.
#
# Usage: bash wasm/tests/run.sh [SCREENSHOT_DIR]
# Installs what is missing: the npm packages (npm ci) and Chromium (Debian package, via
# apt-get) when /usr/bin/chromium and $CHROMIUM are absent. Exit 0 when all pass.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
tests=$root/wasm/tests
if [ ! -f "$root/wasm/pkg/index.js" ]; then
  echo "wasm/tests/run.sh: run wasm/build.sh first" >&2
  exit 2
fi
if [ ! -d "$tests/node_modules/playwright-core" ]; then
  (cd "$tests" && npm ci --no-audit --no-fund)
fi
if [ -z "${CHROMIUM:-}" ] && [ ! -x /usr/bin/chromium ]; then
  sudo_=""
  [ "$(id -u)" -ne 0 ] && sudo_=sudo
  $sudo_ apt-get update -qq && $sudo_ apt-get install -y -qq chromium >/dev/null
fi
cargo build --quiet --bin efa --manifest-path "$root/Cargo.toml"
export EFA=${EFA:-${CARGO_TARGET_DIR:-$root/target}/debug/efa}
export SHOTS=${1:-${SHOTS:-$(mktemp -d "${TMPDIR:-/tmp}/efa-wasm-shots.XXXXXX")}}

cd "$tests"
node --test --test-reporter=spec parity.mjs
node --test --test-reporter=spec browser.mjs
echo "wasm/tests/run.sh: screenshots in $SHOTS"
