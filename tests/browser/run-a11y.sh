#!/usr/bin/env bash
# Accessibility and HTML checks of every page of every form, measured in a browser.
#
#   tests/browser/run-a11y.sh [OUT_DIR]
#
# Renders with `efa render` every page of every form under forms/ (and of the XSS corpus
# form in render/tests/forms/): empty in each of the form's languages, with the errors of
# each invalid sample (`samples/invalid-*.json` beside the form; pages without errors on
# them are skipped), and the review page with each sample (valid ones too); adds the catalog, a receipt
# per form and an error page; then runs tests/browser/a11y.mjs over them: the Nu Html
# Checker must find 0 errors and axe-core (WCAG 2.1 A/AA) 0 violations on every page, no
# script may run, and a screenshot of each page lands in OUT_DIR/screenshots.
#
# Installs nothing: it needs `npm ci` done in tests/browser, Java, Chromium at
# /usr/bin/chromium (or $CHROMIUM) and a Rust toolchain. Exit 0 when every page passes.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$(mktemp -d "${TMPDIR:-/tmp}/efa-a11y.XXXXXX")}
html=$out/html
artifacts=$out/artifacts
shots=$out/screenshots
today=2026-11-23
rm -rf "$html" "$artifacts"
mkdir -p "$html" "$artifacts" "$shots"

if [ ! -d "$root/tests/browser/node_modules/axe-core" ]; then
  echo "run-a11y: run 'npm ci' in tests/browser first" >&2
  exit 2
fi

cd "$root"
cargo build --quiet --bin efa
cargo build --quiet -p efa-render --example a11y_pages
target=${CARGO_TARGET_DIR:-$root/target}
efa=$target/debug/efa

# The value of a JSON expression over an artifact, e.g. "model.pages.map(p => p.id)".
json() {
  node -e 'const a = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
           const v = (new Function("model", "return " + process.argv[2]))(a.model);
           console.log([].concat(v).join(" "));' "$1" "$2"
}

failed=0
mapfile -t forms < <(find forms render/tests/forms -name '*.form' | sort)
for form in "${forms[@]}"; do
  name=$(basename "$form" .form)
  art=$artifacts/$name.form.json
  if ! "$efa" build "$form" -o "$art" 2>"$out/$name.build.log"; then
    echo "run-a11y: $form does not compile:" >&2
    cat "$out/$name.build.log" >&2
    failed=1
    continue
  fi
  pages=$(json "$art" 'model.pages.map(p => p.id)')
  langs=$(json "$art" 'model.languages')
  for lang in $langs; do
    for page in $pages; do
      "$efa" render "$art" --page "$page" --lang "$lang" --today "$today" >"$html/$name--$lang--$page.html"
    done
  done
  # Invalid samples beside the form, and the corpus data of a test form.
  samples=()
  if [ -d "$(dirname "$form")/samples" ]; then
    mapfile -t samples < <(find "$(dirname "$form")/samples" -name '*.json' | sort)
  fi
  if [ -f "${form%.form}.data.json" ]; then
    samples+=("${form%.form}.data.json")
  fi
  for sample in "${samples[@]}"; do
    s=$(basename "$sample" .json)
    # A valid sample only shows on the review page; an invalid one on each page that
    # has errors of it (the error summary is the only role="alert").
    case $s in valid-*) pages_of_sample= ;; *) pages_of_sample=$pages ;; esac
    for page in $pages_of_sample; do
      f=$html/$name--$s--$page.html
      "$efa" render "$art" --page "$page" --data "$sample" --today "$today" >"$f"
      grep -q 'role="alert"' "$f" || rm "$f"
    done
    "$efa" render "$art" --review --data "$sample" --today "$today" >"$html/$name--$s--review.html"
  done
done

"$target/debug/examples/a11y_pages" "$html" "$artifacts"/*.form.json

node tests/browser/a11y.mjs "$html" "$shots" || failed=1
echo "run-a11y: pages in $html, screenshots in $shots"
exit $failed
