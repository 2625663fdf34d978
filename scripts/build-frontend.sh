#!/usr/bin/env bash
# Builds the web app's browser assets into target/site/pkg, which `boltic serve` serves:
#   boltic.js + boltic_bg.wasm   the Leptos app compiled with feature `hydrate` (wasm-bindgen, wasm-opt)
#   echarts.min.js               Apache ECharts from npm (no CDN at run time)
#   boltic.css                   the stylesheet
# Installs what is missing, idempotently: the wasm32 target, wasm-bindgen-cli at exactly the
# version of the wasm-bindgen crate in Cargo.lock (not --locked: its lockfile pins a
# webpki-roots the registry no longer has), the npm packages (ECharts, binaryen's wasm-opt,
# playwright-core).
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '\033[1mbuild-frontend:\033[0m %s\n' "$*"; }
target=${CARGO_TARGET_DIR:-target}
out=${SITE_DIR:-target/site}/pkg

rustup target list --installed | grep -q '^wasm32-unknown-unknown$' || {
  say "adding the wasm32-unknown-unknown target"; rustup target add wasm32-unknown-unknown; }
version=$(grep -A1 '^name = "wasm-bindgen"$' Cargo.lock | sed -n 's/^version = "\(.*\)"/\1/p')
if ! wasm-bindgen --version 2>/dev/null | grep -qF " $version"; then
  say "installing wasm-bindgen-cli $version (about 2 minutes)"
  cargo install wasm-bindgen-cli --version "$version" --quiet
fi
if [ ! -x frontend/node_modules/.bin/wasm-opt ] || [ ! -f frontend/node_modules/echarts/dist/echarts.min.js ]; then
  say "installing npm packages"
  (cd frontend && npm ci --silent --no-audit --no-fund)
fi

cargo build --locked -p boltic-frontend --lib --target wasm32-unknown-unknown \
  --no-default-features --features hydrate --profile wasm-release
mkdir -p "$out"
wasm-bindgen --target web --no-typescript --out-dir "$out" --out-name boltic \
  "$target/wasm32-unknown-unknown/wasm-release/boltic_frontend.wasm"
# binaryen from npm: Debian's (version 108) is too old for wasm-bindgen's externref table.
frontend/node_modules/.bin/wasm-opt -Oz --enable-reference-types --enable-bulk-memory \
  --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals \
  "$out/boltic_bg.wasm" -o "$out/boltic_bg.wasm"
cp frontend/node_modules/echarts/dist/echarts.min.js "$out/"
cp frontend/style/boltic.css "$out/"
wasm=$(stat -c %s "$out/boltic_bg.wasm"); gz=$(gzip -9 -c "$out/boltic_bg.wasm" | wc -c)
say "built $out: boltic_bg.wasm $((wasm / 1024)) KiB ($((gz / 1024)) KiB gzip)"
