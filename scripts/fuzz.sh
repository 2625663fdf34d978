#!/usr/bin/env bash
# Coverage-guided fuzzing (cargo fuzz, libFuzzer, no sanitizer: our code forbids `unsafe`), each
# target for a time budget:
#   scripts/fuzz.sh [seconds per target, default 60] [target ...]
# Targets: filter (expressions of every kind), compile (query JSON -> SQL that parses again),
# load (model YAML -> diagnostics with places), dashboard (dashboard JSON -> checked, placed),
# extract (any bytes as one raw CSV/JSON file -> cleaned tables or a bad-input error naming it;
# it builds the pipeline with DataFusion, so its first build takes a while).
# Seeds are in fuzz/seeds/<target>; what the fuzzer finds grows fuzz/corpus/<target> (not
# committed); a crash is saved under fuzz/artifacts/<target> and fails the script.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(filter compile load dashboard extract)
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz@0.13.2 --locked
cd fuzz
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t"
  echo "== fuzz $t for ${seconds}s"
  # -timeout: one input taking a second is a finding (parsing and compiling are linear)
  features=()
  [ "$t" = extract ] && features=(--features pipeline)
  cargo fuzz run -s none "${features[@]}" "$t" "corpus/$t" "seeds/$t" -- \
    -max_total_time="$seconds" -timeout=1 -rss_limit_mb=2048 -print_final_stats=1 2>&1 \
    | grep -E "^(#[0-9]+ +DONE|stat::|==|INFO: (seed|Loaded)|SUMMARY|panicked|Test unit)" || true
  if compgen -G "artifacts/$t/crash-*" >/dev/null || compgen -G "artifacts/$t/timeout-*" >/dev/null \
    || compgen -G "artifacts/$t/oom-*" >/dev/null; then
    echo "fuzz $t found a failing input: fuzz/artifacts/$t" >&2
    exit 1
  fi
done
