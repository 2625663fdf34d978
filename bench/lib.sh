# Shared by the bench scripts (sourced): `measure LABEL COMMAND...` runs COMMAND with GNU time,
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
