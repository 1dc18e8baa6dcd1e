#!/usr/bin/env bash
# The runtime benchmark: Weir against DuckDB (npm @duckdb/node-api), Polars (npm nodejs-polars)
# and pandas (Debian's python3-pandas) on the same data, same machine, same run. Workloads:
# ingest, filter, group, join (the sales x 100,000 customers), sort (by customer, then id) and
# sink (read and write back a CSV of 11 float columns, ROWS * 3 / 10 rows). Prints the best of
# RUNS wall times and the highest peak memory of each (/usr/bin/time, process start included),
# and the ratios to Weir; then checks that every tool's output agrees with Weir's
# (check_output.py: row counts, sums, the sort's order).
#
# Every run is cold:
# - Weir runs `weir run --no-cache` (no result cache read or written, no run manifest: every
#   node runs), and before each run its state folder .weir (result cache, run history, source
#   hash memo) and its outputs are deleted;
# - each peer is a fresh process with a fresh in-memory database (DuckDB) and its outputs deleted;
# - all tools get THREADS threads (default: every core; pandas has one);
# - what is shared: the input files, generated once, are in the operating system's page cache
#   for every tool alike (each reads them through it: no run pays for the disk).
#
# Needs: build/bin/weir; `sudo apt-get install python3-pandas time`; `npm install` in this
# folder (package.json names @duckdb/node-api and nodejs-polars). Set in the environment: ROWS
# (default 10000000), RUNS (default 3), THREADS, WORKLOADS (default all six), TOOLS (default
# "weir duckdb polars pandas").
set -euo pipefail
cd "$(dirname "$0")"
ROWS="${ROWS:-10000000}"
RUNS="${RUNS:-3}"
WEIR="${WEIR:-../../build/bin/weir}"
THREADS="${THREADS:-$(nproc)}"
WORKLOADS="${WORKLOADS:-ingest filter group join sort sink}"
TOOLS="${TOOLS:-weir duckdb polars pandas}"
SINK_ROWS=$((ROWS * 3 / 10))
PYTHON=/usr/bin/python3  # Debian's, with python3-pandas

[ -d node_modules/@duckdb/node-api ] && [ -d node_modules/nodejs-polars ] ||
  { echo "run \`npm install\` in bench/runtime first (DuckDB, Polars)"; exit 2; }
"$PYTHON" -c "import pandas" 2>/dev/null || { echo "install Debian's python3-pandas first"; exit 2; }

mkdir -p data out
generate() {  # generate STAMP_VALUE FILE ARGS...: regenerates FILE when its stamp differs
  local stamp="$1" file="$2"
  shift 2
  if [ ! -s "$file" ] || [ "$(cat "$file.stamp" 2>/dev/null)" != "$stamp" ]; then
    echo "generating $file..."
    "$PYTHON" gen_data.py "$@" "$file"
    echo "$stamp" > "$file.stamp"
  fi
}
generate "$ROWS" data/sales.csv "$ROWS"
generate 100000 data/customers.csv --customers
generate "$SINK_ROWS" data/floats.csv --floats "$SINK_ROWS"

# prepare TOOL WORKLOAD: what a cold run starts from (not timed); sets CMD, the run's command
prepare() {
  rm -rf "out/$1" && mkdir -p "out/$1"
  case "$1" in
    weir) rm -rf .weir && mkdir .weir
          CMD=("$WEIR" run --no-cache --jobs "$THREADS" "$2.mlflow") ;;
    duckdb) CMD=(node peers_duckdb.mjs "$2" data "out/$1" "$THREADS") ;;
    polars) CMD=(env POLARS_MAX_THREADS="$THREADS" node peers_polars.mjs "$2" data "out/$1") ;;
    pandas) CMD=("$PYTHON" peers_pandas.py "$2" data "out/$1") ;;
    *) echo "unknown tool $1" >&2; exit 2 ;;
  esac
}

# measure TOOL WORKLOAD: "best-seconds peak-KB" over RUNS cold runs
measure() {
  local best="" peak=0 seconds kb
  for _ in $(seq 1 "$RUNS"); do
    prepare "$1" "$2"
    if ! /usr/bin/time -f "%e %M" -o out/time.txt "${CMD[@]}" > out/log.txt 2>&1; then
      echo "$1 $2 failed:" >&2
      cat out/log.txt >&2
      exit 1
    fi
    read -r seconds kb < <(tail -1 out/time.txt)
    if [ -z "$best" ] || awk "BEGIN{exit !($seconds < $best)}"; then best=$seconds; fi
    if [ "$kb" -gt "$peak" ]; then peak=$kb; fi
  done
  echo "$best $peak"
}

echo "ROWS=$ROWS (sink: $SINK_ROWS rows of 11 floats), THREADS=$THREADS, RUNS=$RUNS, $(nproc) cores; load:$(uptime | sed 's/.*load average://')"
printf "%-8s %-8s %9s %9s %12s %12s\n" workload tool seconds "peak MB" "time/weir" "memory/weir"
disagree=0
for work in $WORKLOADS; do
  ws="" wk="" wsum="" agree=1
  for tool in $TOOLS; do
    result="$(measure "$tool" "$work")" || exit 1
    read -r s k <<< "$result"
    [ -z "$ws" ] && { ws=$s; wk=$k; }
    printf "%-8s %-8s %9.2f %9.0f %12.2f %12.2f\n" "$work" "$tool" "$s" "$((k / 1024))" \
      "$(awk "BEGIN{print $s / $ws}")" "$(awk "BEGIN{print $k / $wk}")"
    # The outputs of the last run agree with the first tool's (Weir's).
    if [ "$work" != ingest ]; then
      sum="$("$PYTHON" check_output.py "$work" "out/$tool/$work.csv")"
      [ -z "$wsum" ] && wsum=$sum
      if [ "$sum" != "$wsum" ]; then
        echo "  DISAGREE: $tool: $sum; ${TOOLS%% *}: $wsum" >&2
        disagree=1 agree=0
      fi
    fi
    rm -rf "out/$tool"
  done
  if [ "$work" != ingest ] && [ "$agree" = 1 ]; then echo "  outputs agree: $wsum" | cut -c1-120; fi
done
echo "load after:$(uptime | sed 's/.*load average://')"
exit "$disagree"
