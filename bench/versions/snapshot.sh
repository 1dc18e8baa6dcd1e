#!/usr/bin/env bash
# Snapshot overhead (docs/VERSIONS.md): `weir run` of the ingest workload on the 476 MB sales file
# (bench/runtime/gen_data.py, 10 million rows) with snapshots (the default) and without
# (WEIR_SNAPSHOT_MAX_BYTES=0), each on a fresh `.weir` and `--no-cache` (so both read the file);
# the disk the snapshot takes; then the file appended to (1,000 rows) and run again: what the
# second snapshot costs, since a snapshot is the whole content (no chunking).
# Usage: bench/versions/snapshot.sh [ROWS]   (default 10000000; WEIR=path/to/weir, WORK=folder)
set -euo pipefail
cd "$(dirname "$0")/../.."
ROWS="${1:-10000000}"
WEIR="${WEIR:-$(pwd)/build/bin/weir}"
WORK="${WORK:-$(mktemp -d)}"
mkdir -p "$WORK/data"
[ -f "$WORK/data/sales.csv" ] || python3 bench/runtime/gen_data.py "$ROWS" "$WORK/data/sales.csv"
cp bench/runtime/ingest.mlflow "$WORK/"
# Wall and CPU seconds (user + system): on a shared machine the CPU time is the steadier figure.
seconds() { /usr/bin/time -f "%e s wall, %U+%S s CPU" "$@" 2>&1 >/dev/null | tail -1; }
run() {  # $1: label, rest: env
  local label="$1"; shift
  rm -rf "$WORK/.weir" && mkdir "$WORK/.weir"
  local t; t=$(cd "$WORK" && seconds env "$@" "$WEIR" run --no-cache --jobs 2 ingest.mlflow)
  local disk; disk=$(du -sb "$WORK/.weir/snapshots" 2>/dev/null | cut -f1 || echo 0)
  echo "$label: ${t}, snapshots ${disk:-0} bytes"
}
echo "file: $(stat -c %s "$WORK/data/sales.csv") bytes"
run "without snapshots" WEIR_SNAPSHOT_MAX_BYTES=0
run "with snapshots   " WEIR_SNAPSHOT_MAX_BYTES=4294967296
t=$(cd "$WORK" && seconds "$WEIR" run --no-cache --jobs 2 ingest.mlflow)
echo "again, unchanged: ${t}, snapshots $(du -sb "$WORK/.weir/snapshots" | cut -f1) bytes (deduplicated: nothing new)"
tail -1000 "$WORK/data/sales.csv" | awk -F, 'BEGIN{OFS=","} {$1=$1+100000000; print}' >> "$WORK/data/sales.csv"
t=$(cd "$WORK" && seconds "$WEIR" run --no-cache --jobs 2 ingest.mlflow)
echo "appended 1,000 rows: ${t}, snapshots $(du -sb "$WORK/.weir/snapshots" | cut -f1) bytes (a second whole snapshot)"
