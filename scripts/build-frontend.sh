#!/usr/bin/env bash
# Builds the web app's browser assets into target/site/pkg, which `boltic serve` serves:
#   boltic.js + boltic_bg.wasm   the Leptos app compiled with feature `hydrate` (wasm-bindgen, wasm-opt):
#                                what every page runs (the router, the top bar, the start page)
#   <hash>.wasm                  the code of each lazy route (explore, dashboards, ...) and what
#                                some of them share, split off by frontend/wasm-split and fetched
#                                through __wasm_split.______________________.js when a page needs
#                                it; __wasm_split_manifest.json says which (the server preloads them)
#   echarts.min.js               Apache ECharts from npm (no CDN at run time), only the chart
#                                types and components frontend/echarts.js names (esbuild);
#                                loaded by the first chart a page draws
#   boltic.css                   the stylesheet
#   *.br, *.gz                   each of them compressed, sent as is to browsers that take it
# The wasm is built with its own std (cargo -Z build-std, std sized for size) and panics that abort
# at once: no panic messages or source locations in the bundle (a panic shows as a RuntimeError
# "unreachable" in the browser's console). Those are unstable options of the pinned toolchain,
# allowed for this one build with RUSTC_BOOTSTRAP=1; BOLTIC_WASM_PANIC_MESSAGES=1 builds without
# them (bigger, panic messages logged), e.g. to find a panic.
# Installs what is missing, idempotently: the wasm32 target, the standard library's source
# (rust-src, for build-std), wasm-bindgen-cli at exactly the
# version of the wasm-bindgen crate in Cargo.lock (not --locked: its lockfile pins a
# webpki-roots the registry no longer has), the npm packages (ECharts, esbuild, binaryen's
# wasm-opt, playwright-core).
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '\033[1mbuild-frontend:\033[0m %s\n' "$*"; }
target=${CARGO_TARGET_DIR:-target}
out=${SITE_DIR:-target/site}/pkg

rustup target list --installed | grep -q '^wasm32-unknown-unknown$' || {
  say "adding the wasm32-unknown-unknown target"; rustup target add wasm32-unknown-unknown; }
rustup component list --installed | grep -q '^rust-src$' || {
  say "adding the rust-src component"; rustup component add rust-src; }
version=$(grep -A1 '^name = "wasm-bindgen"$' Cargo.lock | sed -n 's/^version = "\(.*\)"/\1/p')
if ! wasm-bindgen --version 2>/dev/null | grep -qF " $version"; then
  say "installing wasm-bindgen-cli $version (about 2 minutes)"
  cargo install wasm-bindgen-cli --version "$version" --quiet
fi
if [ ! -x frontend/node_modules/.bin/wasm-opt ] || [ ! -x frontend/node_modules/.bin/esbuild ] ||
   [ ! -f frontend/node_modules/echarts/package.json ]; then
  say "installing npm packages"
  (cd frontend && npm ci --silent --no-audit --no-fund)
fi

# the splitter: a small build tool of our own (a workspace of its own), built once
cargo build --release --locked --quiet --manifest-path frontend/wasm-split/Cargo.toml \
  --target-dir "$target/tools"
# .cargo/config.toml links the wasm with --emit-relocs, which the splitter needs (and sets Leptos'
# erase_components); cargo appends the --config flags below to its wasm32 rustflags.
wasm_build=(cargo build --locked -p boltic-frontend --lib --target wasm32-unknown-unknown
  --no-default-features --features hydrate --profile wasm-release)
if [ "${BOLTIC_WASM_PANIC_MESSAGES:-}" = 1 ]; then
  "${wasm_build[@]}"
else
  # 497 instead of 542 KiB gzip for the explore page (docs/benchmarks.md, 2026-12-04)
  flags='["-Zunstable-options", "-Cpanic=immediate-abort", "-Zlocation-detail=none"]'
  RUSTC_BOOTSTRAP=1 "${wasm_build[@]}" -Zbuild-std=std,panic_abort \
    -Zbuild-std-features=optimize_for_size --config "target.wasm32-unknown-unknown.rustflags = $flags"
fi
built="$target/wasm32-unknown-unknown/wasm-release"
mkdir -p "$out"
rm -f "$out"/*.wasm "$out"/*.wasm.* "$out"/__wasm_split*
"$target/tools/release/boltic-wasm-split" "$built/boltic_frontend.wasm" "$out" \
  "$built/boltic_frontend_split.wasm" > "$built/split-modules.txt"
mapfile -t modules < "$built/split-modules.txt"
wasm-bindgen --target web --no-typescript --keep-lld-exports --no-demangle --out-dir "$out" \
  --out-name boltic "$built/boltic_frontend_split.wasm"
# Leptos links server_fn's browser streams (wasm-streams) whether or not an app has server
# functions, and wasm-bindgen exports their classes (IntoUnderlyingSource, ...) from the main
# module, which keeps their code. Boltic has no server functions: nothing hands such an object to
# JavaScript (wasm-bindgen would then import its constructor, `__wbg_intounderlying..._new`), so
# their exports are removed and their code with them (about 2 KiB gzip on every page).
if grep -q '__wbg_intounderlying[a-z]*_new' "$out/boltic.js"; then
  echo "build-frontend: the app now passes wasm-streams objects to JavaScript; stop removing their exports" >&2
  exit 1
fi
# binaryen from npm: Debian's (version 108) is too old for wasm-bindgen's externref table.
# -Oz twice: the second round finds about 1% more; no custom sections (target features, producers).
for wasm in "$out/boltic_bg.wasm" "${modules[@]}"; do
  only_main=()
  [ "$wasm" = "$out/boltic_bg.wasm" ] && only_main=('--remove-exports=*intounderlying*')
  frontend/node_modules/.bin/wasm-opt "${only_main[@]}" -Oz -Oz --strip-target-features --strip-producers \
    --enable-reference-types --enable-bulk-memory --enable-nontrapping-float-to-int \
    --enable-sign-ext --enable-mutable-globals \
    "$wasm" -o "$wasm" 2> >(grep -v 'unknown name subsection' >&2)
done
# only the parts of ECharts the app uses (frontend/echarts.js): half the size of the full build
echarts_version=$(node -p 'require("./frontend/node_modules/echarts/package.json").version')
frontend/node_modules/.bin/esbuild frontend/echarts.js --bundle --minify --format=iife --global-name=echarts \
  --target=es2020 --legal-comments=eof --log-level=warning --outfile="$out/echarts.min.js" \
  --banner:js="/* Apache ECharts $echarts_version (Apache-2.0, https://echarts.apache.org), the parts Boltic uses */"
cp frontend/style/boltic.css "$out/"
# brotli (quality 11, Node's zlib) and gzip copies that `boltic serve` sends as they are. The
# gzip copies by zopfli (scripts/setup.sh installs it): the same format, 5% smaller than gzip -9
# for the wasm, about 10 s of CPU for all assets.
assets=("$out/boltic_bg.wasm" "$out/boltic.js" "$out/echarts.min.js" "$out/boltic.css"
  "${modules[@]}" "$out"/__wasm_split.*.js)
if command -v zopfli >/dev/null; then
  printf '%s\0' "${assets[@]}" | xargs -0 -n 1 -P "$(nproc)" zopfli
else
  say "zopfli is missing (scripts/setup.sh installs it): gzip -9 copies instead"
  for asset in "${assets[@]}"; do gzip -9 -n -c "$asset" > "$asset.gz"; done
fi
node -e '
const fs = require("fs"), zlib = require("zlib");
for (const file of process.argv.slice(1)) {
  const data = fs.readFileSync(file);
  fs.writeFileSync(`${file}.br`, zlib.brotliCompressSync(data, { params: {
    [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: data.length } }));
}' "${assets[@]}"
kib() { echo "$(( $(stat -c %s "$1") / 1024 ))"; }
total() { local sum=0 f; for f in "$@"; do sum=$(( sum + $(stat -c %s "$f") )); done; echo $(( sum / 1024 )); }
# What each page downloads of wasm: the main module plus the page's modules (the manifest).
node -e '
const fs = require("fs"), path = require("path"), dir = process.argv[1];
const size = (file) => fs.statSync(path.join(dir, file)).size;
const manifest = JSON.parse(fs.readFileSync(path.join(dir, "__wasm_split_manifest.json")));
const pages = Object.entries(manifest).map(([split, modules]) => {
  const sum = (ext) => modules.reduce((n, m) => n + size(`${m}.wasm.${ext}`), size(`boltic_bg.wasm.${ext}`));
  return `${split.replace(/^__/, "").replace(/(_route)?_view_[0-9]+$/, "")} ${sum("gz")} / ${sum("br")}`;
});
console.log(`build-frontend: wasm per page, bytes gzip / brotli: ${pages.sort().join("; ")}`);' "$out"
say "built $out: boltic_bg.wasm $(kib "$out/boltic_bg.wasm") KiB ($(kib "$out/boltic_bg.wasm.gz") KiB gzip, $(kib "$out/boltic_bg.wasm.br") KiB brotli), ${#modules[@]} lazy modules $(total "${modules[@]}") KiB ($(total "${modules[@]/%/.gz}") KiB gzip)"
