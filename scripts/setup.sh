#!/usr/bin/env bash
# Installs what building, testing and benchmarking Boltic need on a fresh machine.
# Idempotent: everything already present is skipped.
#
#   scripts/setup.sh          tools for the demo and the tests
#   scripts/setup.sh bench    plus the benchmark's comparison tools (DuckDB, GNU time, wrk)
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1msetup:\033[0m %s\n' "$*"; }

# Rust: the toolchain pinned in rust-toolchain.toml, with rustfmt, clippy and the standard
# library's source (the browser bundle is built with its own std).
command -v cargo >/dev/null || { echo "setup: cargo is missing; install Rust with rustup first" >&2; exit 1; }
toolchain=$(sed -n 's/^channel *= *"\(.*\)"/\1/p' rust-toolchain.toml)
if ! rustup component list --installed --toolchain "$toolchain" 2>/dev/null | grep -q '^rust-src'; then
  say "installing Rust $toolchain with clippy, rustfmt and rust-src"
  rustup toolchain install "$toolchain" --profile minimal --component clippy,rustfmt,rust-src
fi

pip_install() { # module, package spec
  if python3 -c "import $1" 2>/dev/null; then return; fi
  say "installing $2 from PyPI"
  python3 -m pip install --quiet --disable-pip-version-check "$2"
}

# Tests: a real S3-compatible server (moto) on 127.0.0.1.
command -v python3 >/dev/null || { echo "setup: python3 is missing (needed for the S3 test server)" >&2; exit 1; }
# 5.2 or newer: conditional writes (If-None-Match), which publishing relies on.
if ! python3 -c "import moto.server, sys; sys.exit(tuple(int(p) for p in moto.__version__.split('.')[:2]) < (5, 2))" 2>/dev/null; then
  say "installing moto[server]>=5.2 from PyPI"
  python3 -m pip install --quiet --disable-pip-version-check --upgrade 'moto[server]>=5.2'
fi

# Tests: an independent Delta Lake reader (the warehouse's tables are Delta tables).
pip_install deltalake 'deltalake>=1.1'

# Browser tests: Debian's Chromium (driven by playwright-core from npm, which
# scripts/build-frontend.sh installs with the other npm packages), curl, Node.js.
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v curl >/dev/null || missing+=(curl)
# Building: a C compiler and make (the jemalloc allocator is built from source).
command -v cc >/dev/null || missing+=(gcc libc6-dev)
command -v make >/dev/null || missing+=(make)
command -v node >/dev/null || missing+=(nodejs npm)
# The browser bundle's gzip copies (scripts/build-frontend.sh; gzip -9 without it).
command -v zopfli >/dev/null || missing+=(zopfli)
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]} from Debian"
  apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ "${1:-}" = bench ]; then
  pip_install duckdb 'duckdb>=1.1'
  missing=()
  [ -x /usr/bin/time ] || missing+=(time)      # peak memory
  command -v wrk >/dev/null || missing+=(wrk)  # HTTP throughput
  if [ ${#missing[@]} -gt 0 ]; then
    say "installing ${missing[*]} from Debian"
    apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
fi
say "ready"
