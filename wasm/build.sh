#!/usr/bin/env bash
# Builds the browser runtime into the npm package layout wasm/pkg/ (git-ignored):
#
#   efa_forms.js          ES module (wasm-bindgen --target web): `import init, { Form } from "efa-forms"`
#   efa_forms_bg.wasm     the WebAssembly module (size-optimised by wasm-opt -Oz)
#   efa_forms.d.ts        TypeScript types (+ efa_forms_bg.wasm.d.ts)
#   efa-enhance.js        the progressive-enhancement script for pages of efa-render
#                         (minified by esbuild from wasm/js/efa-enhance.js, as is the glue)
#   package.json          name efa-forms, from wasm/package.template.json
#   README.md             wasm/README.md
#
# Usage: bash wasm/build.sh            (from anywhere; idempotent, a no-op when nothing changed)
#
# Installs what is missing on a fresh machine: the wasm32-unknown-unknown target (rustup),
# wasm-bindgen-cli at exactly the version of the wasm-bindgen crate in Cargo.lock
# (cargo install), wasm-opt (Debian package binaryen, via apt-get) and esbuild (npm ci in
# wasm/tools).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
wasm=$root/wasm
pkg=$wasm/pkg
target_dir=${CARGO_TARGET_DIR:-$root/target}
say() { echo "wasm/build.sh: $*" >&2; }

# --- tools -------------------------------------------------------------------------------

if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# The crate must resolve before its version can be read from Cargo.lock.
if ! grep -q '^name = "wasm-bindgen"$' "$root/Cargo.lock" 2>/dev/null; then
  (cd "$root" && cargo metadata --format-version 1 >/dev/null)
fi
want=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' "$root/Cargo.lock")
if [ -z "$want" ]; then
  say "cannot find the wasm-bindgen crate in Cargo.lock"
  exit 1
fi
have=$(wasm-bindgen --version 2>/dev/null | awk '{ print $2 }' || true)
if [ "$have" != "$want" ]; then
  say "installing wasm-bindgen-cli $want (found: ${have:-none})"
  # --locked builds the CLI with the dependencies it was released with; when the registry
  # no longer offers one of them, fall back to a fresh resolution.
  cargo install wasm-bindgen-cli --version "$want" --locked ||
    cargo install wasm-bindgen-cli --version "$want"
fi

if ! command -v wasm-opt >/dev/null; then
  say "installing binaryen (wasm-opt)"
  sudo_=""
  [ "$(id -u)" -ne 0 ] && sudo_=sudo
  $sudo_ apt-get update -qq && $sudo_ apt-get install -y -qq binaryen >/dev/null
fi

esbuild=$wasm/tools/node_modules/.bin/esbuild
if [ ! -x "$esbuild" ]; then
  say "installing esbuild (npm ci in wasm/tools)"
  (cd "$wasm/tools" && npm ci --no-audit --no-fund --loglevel=error)
fi

# --- build -------------------------------------------------------------------------------

cd "$root"
cargo build --quiet -p efa-wasm --profile wasm-release --target wasm32-unknown-unknown
raw=$target_dir/wasm32-unknown-unknown/wasm-release/efa_wasm.wasm

# Everything the package is made of; when none of it changed, the package is up to date.
stamp=$( (
  for f in "$raw" "$wasm/js/"* "$wasm/package.template.json" "$wasm/README.md" "$wasm/build.sh"; do
    sha256sum <"$f"
  done
  wasm-bindgen --version
  wasm-opt --version
  "$esbuild" --version
) | sha256sum | cut -d' ' -f1)
if [ -f "$pkg/.stamp" ] && [ "$(cat "$pkg/.stamp")" = "$stamp" ]; then
  say "wasm/pkg is up to date"
  exit 0
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/efa-wasm.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# -Oz: smallest code. It runs before wasm-bindgen, not after: the binaryen of Debian 12
# (108) rewrites the export of wasm-bindgen's externref table to the function table when
# it writes a module back, and the result fails to instantiate. The module uses what every
# current browser supports (sign extension, bulk memory, non-trapping conversions,
# reference types, multi-value). After a first -Oz, flattening the control flow and
# rebuilding it (--flatten --rereloop) lets two more rounds of -Oz find a smaller form
# (-1.5 KB gzipped; plain -Oz -Oz or --converge gain nothing).
wasm-opt -Oz --flatten --rereloop -Oz -Oz --strip-debug --strip-producers \
  --enable-sign-ext --enable-bulk-memory --enable-nontrapping-float-to-int \
  --enable-mutable-globals --enable-reference-types --enable-multivalue \
  "$raw" -o "$tmp/efa_wasm.opt.wasm"
wasm-bindgen --target web --out-dir "$tmp" --out-name efa_forms \
  --remove-name-section --remove-producers-section "$tmp/efa_wasm.opt.wasm"
rm "$tmp/efa_wasm.opt.wasm"
# What a page loads is minified (names of exports kept); the sources are wasm/js/ and the
# glue wasm-bindgen writes.
"$esbuild" "$tmp/efa_forms.js" --minify --format=esm --log-level=warning --allow-overwrite --outfile="$tmp/efa_forms.js"
"$esbuild" "$wasm/js/efa-enhance.js" --minify --format=esm --log-level=warning --outfile="$tmp/efa-enhance.js"
cp "$wasm/js/index.js" "$wasm/js/index.d.ts" "$wasm/README.md" "$tmp/"
version=$(awk -F'"' '/^\[workspace.package\]/ { w = 1 } w && /^version/ { print $2; exit }' "$root/Cargo.toml")
sed "s/\"0.0.0-placeholder\"/\"$version\"/" "$wasm/package.template.json" >"$tmp/package.json"
echo "$stamp" >"$tmp/.stamp"

rm -rf "$pkg"
mkdir -p "$pkg"
cp "$tmp"/* "$tmp/.stamp" "$pkg/"
say "built wasm/pkg ($(wc -c <"$pkg/efa_forms_bg.wasm") bytes of wasm)"
