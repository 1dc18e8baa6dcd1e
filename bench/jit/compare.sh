#!/usr/bin/env bash
# The JIT benchmark: `weir run --jit=on` vs `--jit=off` (the interpreter) vs DuckDB, on
# bench/jit/arith.mlflow (16 derived columns of nested arithmetic, case, math functions and
# comparisons) and bench/runtime/filter.mlflow. Cold runs: a fresh process each, no result cache,
# .weir/jit emptied before each JIT run (so it compiles); then one JIT run with the objects kept
# (it compiles nothing). Prints per run the whole run's seconds, the row pipeline node's seconds
# and the JIT's report (compile time per kernel). Rounds are interleaved (every mode once per
# round); BEFORE=path/to/an/older/bin/weir runs that binary too, side by side.
#   ROWS=10000000 RUNS=3 THREADS=2 WORK=/tmp/weir-bench-jit [BEFORE=...] bench/jit/compare.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
WEIR=${WEIR:-$ROOT/build/bin/weir}
ROWS=${ROWS:-10000000}
RUNS=${RUNS:-3}
THREADS=${THREADS:-2}
WORK=${WORK:-/tmp/weir-bench-jit}
mkdir -p "$WORK/data" "$WORK/.weir" "$WORK/out/weir" "$WORK/out/duckdb"
if [ ! -f "$WORK/data/sales.csv" ]; then python3 bench/runtime/gen_data.py "$ROWS" "$WORK/data/sales.csv"; fi
cp bench/jit/arith.mlflow bench/runtime/filter.mlflow "$WORK/"

node_seconds() {  # the row pipeline node's seconds (a derive or a kernel), from `--json`
  python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(sum(n.get("seconds", 0) for n in d["nodes"] if n.get("kind") in ("derive", "kernel", "filter")))' "$1"
}

# One binary's cold run: the whole run's seconds, each node's seconds (`--json`), the process's
# CPU seconds (user, system) and the JIT's report.
weir_run() {  # LABEL BINARY MODE WORKLOAD
  rm -rf "$WORK/.weir/jit"
  local load start end
  load=$(cut -d' ' -f1 /proc/loadavg)
  start=$(date +%s.%N)
  /usr/bin/time -f '%U %S' -o "$WORK/cpu.txt" "$2" run --no-cache --jobs "$THREADS" --jit="$3" --jit-report --json "$WORK/$4.mlflow" > "$WORK/run.json" 2> "$WORK/report.txt"
  end=$(date +%s.%N)
  printf '%s %s jit=%s: total %.2f s (CPU user/system %s s), row pipeline %.3f s, load %s; nodes %s; %s\n' "$4" "$1" "$3" \
    "$(echo "$end - $start" | bc)" "$(tr ' ' / < "$WORK/cpu.txt")" "$(node_seconds "$WORK/run.json")" "$load" \
    "$(node_list "$WORK/run.json")" "$(grep '^jit:' "$WORK/report.txt" | tr '\n' ' ')"
  cp "$WORK/out/weir/$4.csv" "$WORK/out/weir/$4.$1.$3.csv"
}
node_list() {
  python3 -c 'import json, sys
print(" ".join("%s=%.2f" % (n.get("kind"), n.get("seconds", 0)) for n in json.load(open(sys.argv[1]))["nodes"]))' "$1"
}

# Interleaved: each round runs every binary both ways, then DuckDB, so that a change in the
# machine's load touches all of them alike.
for workload in arith filter; do
  for run in $(seq "$RUNS"); do
    if [ -n "${BEFORE:-}" ]; then
      for mode in off on; do weir_run before "$BEFORE" "$mode" "$workload"; done
    fi
    for mode in off on; do weir_run weir "$WEIR" "$mode" "$workload"; done
    if [ -d bench/runtime/node_modules/@duckdb ]; then
      start=$(date +%s.%N)
      node bench/runtime/peers_duckdb.mjs "$workload" "$WORK/data" "$WORK/out/duckdb" "$THREADS"
      end=$(date +%s.%N)
      printf '%s duckdb: total %.2f s\n' "$workload" "$(echo "$end - $start" | bc)"
    fi
  done
  [ -d bench/runtime/node_modules/@duckdb ] || echo "$workload: DuckDB not run (no bench/runtime/node_modules: (cd bench/runtime && npm install))"
  for f in "$WORK"/out/weir/"$workload".*.csv; do
    cmp "$WORK/out/weir/$workload.weir.off.csv" "$f" || echo "$workload: $f differs from the interpreter's"
  done
  echo "$workload: every run wrote the interpreter's bytes unless said above"
  start=$(date +%s.%N)
  "$WEIR" run --no-cache --jobs "$THREADS" --jit=on --jit-report --json "$WORK/$workload.mlflow" > "$WORK/run.json" 2> "$WORK/report.txt"
  end=$(date +%s.%N)
  printf '%s jit=on, objects kept: total %.2f s, row pipeline %.3f s; %s\n' "$workload" "$(echo "$end - $start" | bc)" \
    "$(node_seconds "$WORK/run.json")" "$(grep '^jit:' "$WORK/report.txt" | tr '\n' ' ')"
done
