# Shared by the bench scripts (sourced). `measure LABEL COMMAND...` runs COMMAND with GNU time,
# keeps its output in "$dir/LABEL.out|.err", prints wall time and peak RSS, and writes the
# seconds to "$dir/LABEL.secs". Needs $dir; $label_width sets the label column (default 40).
measure() {
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$dir/time.txt" "$@" > "$dir/$label.out" 2> "$dir/$label.err" \
    || { cat "$dir/$label.err" >&2; exit 1; }
  read -r secs kib < "$dir/time.txt"
  awk -v l="$label" -v s="$secs" -v k="$kib" -v w="${label_width:-40}" \
    'BEGIN { printf "%-*s %8.1f s %9.0f MiB peak\n", w, l, s, k / 1024 }'
  echo "$secs" > "$dir/$label.secs"
}

# `admin_key BOLTIC DB KEYFILE`: a fresh app database DB holding an admin (no password) and an
# API key of it written to KEYFILE (never to the terminal).
admin_key() {
  local boltic=$1 db=$2 keyfile=$3
  rm -f "$db"
  BOLTIC_DATABASE="$db" "$boltic" users add --email bench@example.com --name Bench --role admin \
    --no-password >/dev/null
  (umask 077 && BOLTIC_DATABASE="$db" "$boltic" keys create --email bench@example.com \
    --name bench > "$keyfile" 2>/dev/null)
}

# `wait_ready PORT [seconds]`: wait until the server on 127.0.0.1:PORT answers /api/v1/ready
# (default 10 s); fail saying so otherwise.
wait_ready() {
  local tries=$(( ${2:-10} * 10 ))
  for _ in $(seq "$tries"); do
    curl -sf "http://127.0.0.1:$1/api/v1/ready" >/dev/null && return 0
    sleep 0.1
  done
  echo "the server on port $1 was not ready after ${2:-10} s" >&2
  return 1
}

# `release_boltic`: set $boltic to $BOLTIC_BIN, or else to a release build of it made now.
release_boltic() {
  if [ -z "${BOLTIC_BIN:-}" ]; then
    cargo build --release --locked -p boltic-server 2>&1 | tail -1
  fi
  boltic=${BOLTIC_BIN:-${CARGO_TARGET_DIR:-$PWD/target}/release/boltic}
}

# `bench_warehouse ORDERS`: set $dir to the data folder of that scale (under target/bench, or
# $BOLTIC_BENCH_DATA), generate its raw files once (seed 42) and build its warehouse in
# "$dir/wh" (a no-op when the inputs did not change). Needs $boltic.
bench_warehouse() {
  dir=${BOLTIC_BENCH_DATA:-target/bench}/$1
  mkdir -p "$dir"
  if [ ! -f "$dir/raw/order.csv" ]; then
    "$boltic" --quiet generate --orders "$1" --seed 42 --out "$dir/raw" >/dev/null
  fi
  "$boltic" --quiet pipeline run --raw "$dir/raw" --warehouse "$dir/wh" --project demo/air_boltic >/dev/null
}

# Memory caps for runs at scale: `cap_memory MIB` makes a memory cgroup capped at MIB MiB, sets
# $cap to its path and the array `capped` to a command prefix that runs a command in it (an exec,
# so the pid and GNU time's peak are the command's own); with an empty MIB both stay empty and
# nothing is capped. `cap_done` says whether the cap killed anything and removes the group.
# Going over the cap kills the command instead of being noticed after the fact. cgroup v2
# (memory.max) or v1 (memory.limit_in_bytes), whichever is writable (root, or a delegated tree);
# fails saying so when neither is. There is no swap here; page cache counts against the cap too,
# but the kernel reclaims it before it kills anything.
cap=""
capped=()
cap_memory() {
  cap="" capped=()
  [ -n "$1" ] || return 0
  if [ -w /sys/fs/cgroup/cgroup.subtree_control ] && grep -qw memory /sys/fs/cgroup/cgroup.controllers 2>/dev/null; then
    cap=/sys/fs/cgroup/boltic-bench-$$-$RANDOM
    mkdir "$cap" && echo $(( $1 << 20 )) > "$cap/memory.max" || return 1
    echo 0 > "$cap/memory.swap.max" 2>/dev/null || true
  elif [ -w /sys/fs/cgroup/memory ]; then
    cap=/sys/fs/cgroup/memory/boltic-bench-$$-$RANDOM
    mkdir "$cap" && echo $(( $1 << 20 )) > "$cap/memory.limit_in_bytes" || return 1
  else
    echo "cannot cap memory at $1 MiB: no writable memory cgroup (run as root, or leave the cap out)" >&2
    return 1
  fi
  capped=(sh -c 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"' capped "$cap")
}
cap_done() {
  [ -n "$cap" ] || return 0
  local killed
  # (only one of the two files exists: v2 or v1)
  killed=$({ cat "$cap/memory.events" "$cap/memory.oom_control" 2>/dev/null || true; } | awk '$1 == "oom_kill" { n += $2 } END { print n + 0 }')
  [ "$killed" = 0 ] || echo "the memory cap killed $killed process(es)" >&2
  # a process that just exited can still be counted for a moment
  for _ in $(seq 50); do rmdir "$cap" 2>/dev/null && break; sleep 0.1; done
  cap="" capped=()
  [ "$killed" = 0 ]
}
