#!/usr/bin/env bash
# The figures of the browser runtime, measured the same way each time:
#
#   1. Transfer size: gzip -9 of each file a page loads (efa_forms_bg.wasm, the
#      efa_forms.js glue, efa-enhance.js), and their sum; the target is at most 150 KB.
#   2. The same for other form runtimes, installed from npm at pinned versions into a
#      temp dir and gzipped the same way:
#        formio.js     formiojs/dist/formio.form.min.js (renderer + validation, no builder)
#        survey-core   survey-core/survey.core.min.js (the model without a UI package)
#        @rjsf + ajv   @rjsf/core + @rjsf/validator-ajv8 (+ @rjsf/utils, ajv) bundled and
#                      minified by esbuild, React left out (a page needs it in addition)
#   3. Time to re-evaluate all conditions of a generated 500-field form on one change in
#      headless Chromium (wasm/tests/measure.mjs): median of 1000 Form.evaluate calls;
#      the target is at most 1 ms.
#
# Usage: bash wasm/measure.sh       (runs wasm/build.sh first; needs npm and Chromium)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/wasm/build.sh"
pkg=$root/wasm/pkg
gz() { gzip -9 -n -c "$1" | wc -c; }
kb() { awk -v b="$1" 'BEGIN { printf "%.1f KB", b / 1000 }'; }

echo "== transfer size (gzip -9)"
total=0
for f in efa_forms_bg.wasm efa_forms.js efa-enhance.js; do
  raw=$(wc -c <"$pkg/$f")
  z=$(gz "$pkg/$f")
  total=$((total + z))
  printf '  %-22s %9d bytes  gzip %7d bytes (%s)\n' "$f" "$raw" "$z" "$(kb "$z")"
done
printf '  %-22s %9s        gzip %7d bytes (%s; target <= 150 KB)\n' "efa runtime, total" "" "$total" "$(kb "$total")"

echo "== other form runtimes (npm, gzip -9)"
cmp=$(mktemp -d "${TMPDIR:-/tmp}/efa-measure-npm.XXXXXX")
trap 'rm -rf "$cmp"' EXIT
(
  cd "$cmp"
  npm init -y >/dev/null
  npm install --silent --no-audit --no-fund --ignore-scripts \
    formiojs@4.21.7 survey-core@3.1.1 \
    @rjsf/core@6.11.1 @rjsf/utils@6.11.1 @rjsf/validator-ajv8@6.11.1 ajv@8.20.0 esbuild@0.28.2 >/dev/null
  # esbuild's binary comes from its platform package; --ignore-scripts skips only the check.
  echo 'import Form from "@rjsf/core"; import validator from "@rjsf/validator-ajv8"; export { Form, validator };' >rjsf.mjs
  node node_modules/esbuild/bin/esbuild rjsf.mjs --bundle --minify --format=esm --log-level=error \
    --external:react --external:react-dom --external:react/jsx-runtime --outfile=rjsf.min.js
)
for entry in "formio.js 4.21.7|node_modules/formiojs/dist/formio.form.min.js" \
  "survey-core 3.1.1|node_modules/survey-core/survey.core.min.js" \
  "@rjsf/core 6.11.1 + ajv 8.20.0|rjsf.min.js"; do
  name=${entry%%|*}
  file=$cmp/${entry#*|}
  printf '  %-30s %9d bytes  gzip %7d bytes (%s)  [%s]\n' "$name" "$(wc -c <"$file")" "$(gz "$file")" "$(kb "$(gz "$file")")" "${entry#*|}"
done

echo "== re-evaluating a 500-field form on one change (headless Chromium)"
cargo build --quiet --bin efa --manifest-path "$root/Cargo.toml"
efa=${CARGO_TARGET_DIR:-$root/target}/debug/efa
if [ ! -d "$root/wasm/tests/node_modules/playwright-core" ]; then
  (cd "$root/wasm/tests" && npm ci --silent --no-audit --no-fund)
fi
node "$root/wasm/tests/measure.mjs" "$efa" | node -e '
  const r = JSON.parse(require("fs").readFileSync(0, "utf8"));
  const ms = (x) => x.toFixed(3) + " ms";
  console.log(`  Chromium ${r.chromium}, cross-origin isolated: ${r.isolated}, ${r.fields} fields, ${r.hidden_after_change} hidden by the change`);
  console.log(`  Form.evaluate median ${ms(r.evaluate_median_ms)} (p95 ${ms(r.evaluate_p95_ms)}; batches of 20: ${ms(r.evaluate_batch_median_ms)} per call; target <= 1 ms)`);
  console.log(`  Form.validate median ${ms(r.validate_median_ms)}`);'
