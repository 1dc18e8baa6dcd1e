#!/usr/bin/env bash
# The runtime benchmark: CSV ingest, a filter with derived columns, and a group-by, run by Weir,
# DuckDB (npm @duckdb/node-api) and pandas (Debian's python3-pandas) on the same 10-million-row
# file, same machine, same run. Prints the best of RUNS wall times and the peak memory of each
# (/usr/bin/time), and the ratios to Weir.
#
# Needs: build/bin/weir; `sudo apt-get install python3-pandas time`; `npm install` in this
# folder (package.json names @duckdb/node-api). ROWS (default 10000000) and RUNS (default 3)
# may be set in the environment.
set -euo pipefail
cd "$(dirname "$0")"
ROWS="${ROWS:-10000000}"
RUNS="${RUNS:-3}"
WEIR="${WEIR:-../../build/bin/weir}"
THREADS="$(nproc)"
mkdir -p data out .weir
if [ ! -s data/sales.csv ] || [ "$(cat data/rows 2>/dev/null)" != "$ROWS" ]; then
  echo "generating $ROWS rows into data/sales.csv..."
  python3 gen_data.py "$ROWS" data/sales.csv
  echo "$ROWS" > data/rows
fi
[ -d node_modules/@duckdb/node-api ] || { echo "run \`npm install\` in bench/runtime first (DuckDB)"; exit 2; }
/usr/bin/python3 -c "import pandas" 2>/dev/null || { echo "install Debian's python3-pandas first"; exit 2; }

# best wall seconds and peak KB over RUNS runs of a command
measure() {
  local best="" peak=0
  for _ in $(seq 1 "$RUNS"); do
    /usr/bin/time -f "%e %M" -o /tmp/weir-bench-time "$@" > /dev/null 2>&1
    read -r seconds kb < /tmp/weir-bench-time
    if [ -z "$best" ] || awk "BEGIN{exit !($seconds < $best)}"; then best=$seconds; fi
    if [ "$kb" -gt "$peak" ]; then peak=$kb; fi
  done
  echo "$best $peak"
}

printf "%-8s %-8s %9s %11s %14s %14s\n" workload tool seconds "peak MB" "time / weir" "memory / weir"
for work in ingest filter group; do
  read -r ws wk <<< "$(measure "$WEIR" run --jobs "$THREADS" "$work.mlflow")"
  read -r ds dk <<< "$(measure node peers_duckdb.mjs "$work" data/sales.csv out "$THREADS")"
  read -r ps pk <<< "$(measure /usr/bin/python3 peers_pandas.py "$work" data/sales.csv out)"
  for row in "weir $ws $wk" "duckdb $ds $dk" "pandas $ps $pk"; do
    set -- $row
    printf "%-8s %-8s %9.2f %11.0f %14.2f %14.2f\n" "$work" "$1" "$2" "$(($3 / 1024))" \
      "$(awk "BEGIN{print $2 / $ws}")" "$(awk "BEGIN{print $3 / $wk}")"
  done
done
