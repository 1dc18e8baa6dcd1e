#!/usr/bin/env bash
# The JIT benchmark: `weir run --jit=on` vs `--jit=off` (the interpreter) vs DuckDB, on
# bench/jit/arith.mlflow (16 derived columns of nested arithmetic, case, math functions and
# comparisons) and bench/runtime/filter.mlflow. Cold runs: a fresh process each, no result cache,
# .weir/jit emptied before each JIT run (so it compiles); then one JIT run with the objects kept
# (it compiles nothing). Prints per run the whole run's seconds, the row pipeline node's seconds
# and the JIT's report (compile time per kernel).
#   ROWS=10000000 RUNS=3 THREADS=2 WORK=/tmp/weir-bench-jit bench/jit/compare.sh
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

for workload in arith filter; do
  for mode in off on; do
    for run in $(seq "$RUNS"); do
      rm -rf "$WORK/.weir/jit"
      start=$(date +%s.%N)
      "$WEIR" run --no-cache --jobs "$THREADS" --jit="$mode" --jit-report --json "$WORK/$workload.mlflow" > "$WORK/run.json" 2> "$WORK/report.txt"
      end=$(date +%s.%N)
      printf '%s jit=%s run %s: total %.2f s, row pipeline %.3f s; %s\n' "$workload" "$mode" "$run" "$(echo "$end - $start" | bc)" \
        "$(node_seconds "$WORK/run.json")" "$(grep '^jit:' "$WORK/report.txt" | tr '\n' ' ')"
      cp "$WORK/out/weir/$workload.csv" "$WORK/out/weir/$workload.$mode.csv"
    done
  done
  cmp "$WORK/out/weir/$workload.off.csv" "$WORK/out/weir/$workload.on.csv" && echo "$workload: --jit=on and --jit=off wrote the same bytes"
  start=$(date +%s.%N)
  "$WEIR" run --no-cache --jobs "$THREADS" --jit=on --jit-report --json "$WORK/$workload.mlflow" > "$WORK/run.json" 2> "$WORK/report.txt"
  end=$(date +%s.%N)
  printf '%s jit=on, objects kept: total %.2f s, row pipeline %.3f s; %s\n' "$workload" "$(echo "$end - $start" | bc)" \
    "$(node_seconds "$WORK/run.json")" "$(grep '^jit:' "$WORK/report.txt" | tr '\n' ' ')"
  if [ -d bench/runtime/node_modules/@duckdb ]; then
    for run in $(seq "$RUNS"); do
      start=$(date +%s.%N)
      node bench/runtime/peers_duckdb.mjs "$workload" "$WORK/data" "$WORK/out/duckdb" "$THREADS"
      end=$(date +%s.%N)
      printf '%s duckdb run %s: total %.2f s\n' "$workload" "$run" "$(echo "$end - $start" | bc)"
    done
  else
    echo "$workload: DuckDB not run (no bench/runtime/node_modules: (cd bench/runtime && npm install))"
  fi
done
