#!/usr/bin/env bash
# Front-end speed: `weir check`, `weir fmt --check` and `weir plan` on generated programs of 1,000, 10,000 and
# 50,000-line size, then `weir check` on expression-dense programs of 10,000 and 50,000 lines (throughput
# and peak memory). Uses hyperfine when installed (apt-get install hyperfine), else `time`; GNU time
# (apt-get install time) for peak memory.
# Usage: bench/check_speed.sh [path/to/weir]
set -euo pipefail
cd "$(dirname "$0")/.."
WEIR="${1:-build/bin/weir}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

python3 bench/gen_program.py 1000 "$WORK/decl1k.mlflow"
python3 bench/gen_program.py 10000 "$WORK/decl10k.mlflow"
# About 5.4 lines per declaration: 9,300 declarations make a 50,000-line program.
python3 bench/gen_program.py 9300 "$WORK/lines50k.mlflow"

for program in decl1k decl10k lines50k; do
  file="$WORK/$program.mlflow"
  "$WEIR" fmt "$file"  # canonical layout, so `fmt --check` has nothing to report
  echo "== $program: $(grep -c '' "$file") lines, $(wc -c < "$file") bytes"
  "$WEIR" check "$file" > /dev/null
  if command -v hyperfine > /dev/null; then
    hyperfine --warmup 1 --runs 5 -N "$WEIR check $file" "$WEIR fmt --check $file" "$WEIR plan $file" 2>/dev/null \
      | grep -E "Benchmark|Time" || true
  else
    /usr/bin/env time -f "check: %es %MKB" "$WEIR" check "$file" > /dev/null
    /usr/bin/env time -f "fmt --check: %es %MKB" "$WEIR" fmt --check "$file" > /dev/null
    /usr/bin/env time -f "plan: %es %MKB" "$WEIR" plan "$file" > /dev/null
  fi
done

# Expression-dense programs (issue 24): six derived columns per `let`, nested arithmetic and `if`
# to depth 4, about 100 bytes a line. Goal: 5 MB/s of program text through `check`, peak memory
# under 20 times the file's size.
python3 bench/gen_dense_program.py 10000 "$WORK/dense10k.mlflow"
python3 bench/gen_dense_program.py 50000 "$WORK/dense50k.mlflow"
for program in dense10k dense50k; do
  file="$WORK/$program.mlflow"
  bytes=$(wc -c < "$file")
  echo "== $program: $(grep -c '' "$file") lines, $bytes bytes"
  "$WEIR" check "$file" > /dev/null
  if command -v hyperfine > /dev/null; then
    hyperfine --warmup 1 --runs 5 -N "$WEIR check $file" 2>/dev/null | grep -E "Benchmark|Time" || true
  fi
  # Peak memory, and throughput from CPU time (user + system): on a machine shared with builds,
  # wall time measures the neighbours too.
  /usr/bin/env time -f "%e %U %S %M" -o "$WORK/time" "$WEIR" check "$file" > /dev/null
  read -r wall user sys peak < "$WORK/time"
  awk -v b="$bytes" -v w="$wall" -v u="$user" -v s="$sys" -v m="$peak" 'BEGIN {
    printf "check: %.2f s wall, %.2f s CPU: %.2f MB/s of CPU; peak %.0f MB (%.1f times the file)\n",
      w, u + s, b / 1e6 / (u + s), m / 1024, m * 1024 / b }'
done
