#!/usr/bin/env bash
# The crash test at a larger count: `weir run` killed with SIGKILL at random moments KILLS times
# (default 1000), then the store must be intact (see test/lit/store/crash.test for 100).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
KILLS="${KILLS:-1000}"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK" "$WORK.reference"' EXIT
mkdir -p "$WORK/.weir"
cp "$ROOT/test/lit/store/Inputs/crash.mlflow" "$WORK/"
cp "$ROOT/test/lit/store/Inputs/crash-data.csv" "$WORK/data.csv"
python3 "$ROOT/test/lit/store/Inputs/crash.py" "${WEIR:-$ROOT/build/bin/weir}" "$WORK" "$KILLS" "${SEED:-7}"
