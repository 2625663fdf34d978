#!/usr/bin/env bash
# Runs every check CI runs: formatting, lints, all Rust tests (unit, integration, S3 against
# moto), the browser tests (the web app in headless Chromium), then each fuzz target of the
# semantic layer for a short budget.
set -euo pipefail
cd "$(dirname "$0")/.."
# One build from scratch: incremental compilation only adds its caches (gigabytes) to the disk.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
scripts/setup.sh
echo "== cargo fmt"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
# the browser bundle too (wasm32, feature hydrate)
scripts/build-frontend.sh >/dev/null
cargo clippy -p boltic-frontend --lib --target wasm32-unknown-unknown --features hydrate --locked -- -D warnings
echo "== cargo test"
cargo test --workspace --locked
echo "== browser tests"
scripts/browser-test.sh
echo "== fuzzing: a short budget per target (scripts/fuzz.sh runs them for longer, extract too)"
scripts/fuzz.sh "${BOLTIC_FUZZ_SECONDS:-20}" filter compile load dashboard
