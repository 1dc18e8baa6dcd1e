#!/usr/bin/env bash
# Training time through Weir against standalone XGBoost (Debian's python3-xgboost) on the same
# data and parameters: 1,000,000 rows, 30 features, 100 trees, two threads. Weir's figure is its
# train node (encoding the features, building XGBoost's matrix, training), best of RUNS; the
# peer's is building the DMatrix and training. Needs `sudo apt-get install python3-xgboost`.
set -euo pipefail
cd "$(dirname "$0")"
RUNS="${RUNS:-3}"
WEIR="${WEIR:-../../build/bin/weir}"
mkdir -p data .weir
[ -s data/train.csv ] || /usr/bin/python3 gen_data.py 1000000 data/train.csv
best=""
for _ in $(seq 1 "$RUNS"); do
  seconds=$("$WEIR" run --no-cache --jobs 2 --json train.mlflow 2>/dev/null |
            python3 -c "import json,sys; print([n['seconds'] for n in json.load(sys.stdin)['nodes'] if n['kind']=='train'][0])")
  if [ -z "$best" ] || awk "BEGIN{exit !($seconds < $best)}"; then best=$seconds; fi
done
peer=$(/usr/bin/python3 peer_xgboost.py data/train.csv 2 "$RUNS")
printf "weir train node: %.3f s\nstandalone xgboost: %.3f s\nweir / xgboost: %.3f\n" "$best" "$peer" "$(awk "BEGIN{print $best / $peer}")"
