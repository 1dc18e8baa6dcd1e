#!/usr/bin/env bash
# `weir serve` against a Python peer (python3-flask + python3-xgboost) serving the same XGBoost
# model (the version `weir export` writes) on the same requests, with wrk: throughput, p50 and
# p99 for one-row and 100-row requests, and the ratios. Needs `sudo apt-get install wrk
# python3-xgboost python3-flask`. Both servers run on this machine with wrk beside them.
set -euo pipefail
cd "$(dirname "$0")"
WEIR="${WEIR:-../../build/bin/weir}"
DURATION="${DURATION:-10}"
CONNECTIONS="${CONNECTIONS:-4}"
THREADS="${THREADS:-2}"
mkdir -p data .weir
[ -s data/customers.csv ] || /usr/bin/python3 gen_data.py 20000 data/customers.csv
"$WEIR" run serve.mlflow > /dev/null
rm -rf data/export
"$WEIR" export churn --out data/export > /dev/null

# The request bodies: the first row, and the first 100 rows, in the source's columns.
/usr/bin/python3 - <<'PY'
import csv, json
rows = []
for r in csv.DictReader(open("data/customers.csv")):
    row = {"age": int(r["age"]), "income": float(r["income"]) if r["income"] else None, "plan": r["plan"]}
    if r["visits"]:
        row["visits"] = int(r["visits"])
    if row["age"] >= 18:
        rows.append(row)
    if len(rows) == 100:
        break
json.dump({"rows": rows[:1]}, open("data/one.json", "w"))
json.dump({"rows": rows}, open("data/hundred.json", "w"))
PY

"$WEIR" serve serve.mlflow --port 0 --no-request-log --no-sample > data/weir.out 2> data/weir.err &
WEIR_PID=$!
PEER_PORT=$(/usr/bin/python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
/usr/bin/python3 peer_flask.py data/export "$PEER_PORT" > data/peer.out 2>&1 &
PEER_PID=$!
trap 'kill "$WEIR_PID" "$PEER_PID" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  grep -q listening data/weir.out 2>/dev/null && curl -s "http://127.0.0.1:$PEER_PORT/" > /dev/null 2>&1 && break
  sleep 0.1
done
WEIR_PORT=$(sed -n 's/^listening on http:\/\/127.0.0.1:\([0-9]*\)$/\1/p' data/weir.out)
WEIR_URL="http://127.0.0.1:$WEIR_PORT/v1/models/churn_api/predict"
PEER_URL="http://127.0.0.1:$PEER_PORT/v1/models/churn_api/predict"

# The same predictions (the peer's XGBoost on the same float32 features).
curl -s -X POST -H 'Content-Type: application/json' --data @data/hundred.json "$WEIR_URL" > data/weir.json
curl -s -X POST -H 'Content-Type: application/json' --data @data/hundred.json "$PEER_URL" > data/peer.json
/usr/bin/python3 -c "
import json
a = json.load(open('data/weir.json'))['predictions']; b = json.load(open('data/peer.json'))['predictions']
assert len(a) == len(b) == 100, (len(a), len(b))
print('largest difference between weir and the peer on 100 rows: %.3g' % max(abs(x - y) for x, y in zip(a, b)))"

# wrk's --latency percentiles, in milliseconds, and requests per second.
measure() {
  BODY="$2" wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -s post.lua "$1" > data/wrk.txt
  /usr/bin/python3 - <<'PY'
import re
text = open("data/wrk.txt").read()
def ms(label):
    m = re.search(r"^\s*%s\s+([\d.]+)(us|ms|s)\s*$" % label, text, re.M)
    return float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
print(rps, ms("50%"), ms("99%"), errors.group(1) if errors else 0)
PY
}

printf "%-10s %-6s %12s %9s %9s %7s\n" request server "requests/s" "p50 ms" "p99 ms" errors
for body in one hundred; do
  read -r w_rps w_p50 w_p99 w_err <<< "$(measure "$WEIR_URL" "data/$body.json")"
  read -r p_rps p_p50 p_p99 p_err <<< "$(measure "$PEER_URL" "data/$body.json")"
  rows=$([ "$body" = one ] && echo "1 row" || echo "100 rows")
  printf "%-10s %-6s %12.0f %9.3f %9.3f %7s\n" "$rows" weir "$w_rps" "$w_p50" "$w_p99" "$w_err"
  printf "%-10s %-6s %12.0f %9.3f %9.3f %7s\n" "$rows" peer "$p_rps" "$p_p50" "$p_p99" "$p_err"
  awk -v a="$w_rps" -v b="$p_rps" -v c="$w_p50" -v d="$p_p50" -v e="$w_p99" -v f="$p_p99" -v r="$rows" \
    'BEGIN { printf "%-10s ratios: throughput weir/peer %.1fx, p50 peer/weir %.1fx, p99 peer/weir %.1fx\n", r, a / b, d / c, f / e }'
done
