#!/usr/bin/env bash
# A 1 GB line: one record whose text field is 1 GiB, read by `weir run` and written back by a
# sink; the copy must be identical. (The test suite does the same with 64 MB:
# test/lit/runtime/robustness.test.) Prints the time and peak memory.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
WEIR="${WEIR:-$ROOT/build/bin/weir}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/.weir"
cp "$ROOT/test/lit/runtime/Inputs/robust/robust.mlflow" "$WORK/"
python3 - "$WORK/data.csv" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("id,text\n1,")
    chunk = "x" * (1 << 24)
    for _ in range(64):
        f.write(chunk)
    f.write("\n2,short\n")
PY
/usr/bin/time -f "weir run: %e s, peak %M KB" "$WEIR" run "$WORK/robust.mlflow" | grep -E "scan|sink"
cmp "$WORK/data.csv" "$WORK/out/copy.csv" && echo "the 1 GiB record came back byte for byte"
