#!/usr/bin/env bash
# Front-end speed: `weir check`, `weir fmt --check` and `weir plan` on generated programs of 1,000, 10,000 and
# 50,000-line size. Uses hyperfine when installed (apt-get install hyperfine), else `time`.
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
