#!/usr/bin/env bash
# `weir run --executor slurm --detach` on the churn example (detach.test): the run returns once
# its jobs are submitted and is recorded as submitted; `weir status` lists the jobs; the next run
# follows them instead of submitting them again, and records the run; a submitter killed while
# it follows its jobs leaves them to the next run the same way. Locks are lease files here
# (slurm.test runs with flock).
# usage: detach_scenario.sh WEIR FOLDER SCHEMAS [VALIDATOR...] (FOLDER/local and FOLDER/cluster
# hold the example; VALIDATOR checks a JSON document on stdin against a schema file)
set -u
weir="$1"
folder="$2"
schemas="$3"
shift 3
validate="$*"
# With lease files for locks (docs/CLUSTER.md, "Locks"): the jobs inherit it from sbatch.
export WEIR_LOCKS=lease
folders() { ls -d .weir/cluster/run.* 2>/dev/null | wc -l; }

cd "$folder/local" && "$weir" run churn.mlflow > "$folder/local.txt" 2>&1
echo "local: exit $?"

cd "$folder/cluster"
"$weir" run --executor slurm --detach --json churn.mlflow > "$folder/detach.json" 2> "$folder/detach.err"
echo "detach: exit $? | cluster folders: $(folders)"
python3 - "$folder/detach.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
print("submitted:", doc["format"], "| jobs:", len(doc["jobs"]), "| ids numeric:", all(j["slurm_job"].isdigit() for j in doc["jobs"]))
PY
if [ -n "$validate" ]; then
  $validate "$schemas/weir-run-submitted.schema.json" < "$folder/detach.json"
fi
[ -f .weir/cluster/run.*/submission.json ] && echo "submission file: kept"
"$weir" status churn.mlflow > "$folder/status.txt" 2>&1
echo "status: exit $?"
grep -o '^slurm jobs submitted .*, [0-9]* of [0-9]* ended' "$folder/status.txt" | sed 's/submitted [^ ]* (/submitted (/'
grep -c '^  slurm job [0-9]*  ' "$folder/status.txt" | sed 's/^/status job lines: /'
grep -m1 '^  churn_model (train, line [0-9]*): .* \[slurm job [0-9]* [A-Z]*\]$' "$folder/status.txt" > /dev/null && echo "status: would-run lines name their job"
"$weir" status --json churn.mlflow > "$folder/status.json" 2>/dev/null
[ -n "$validate" ] && $validate "$schemas/weir-status.schema.json" < "$folder/status.json" | sed 's/^/status /'
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("status json jobs:", sum(len(r["jobs"]) for r in d["cluster_jobs"]))' "$folder/status.json"
"$weir" runs --json > "$folder/runs.json" 2>/dev/null
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("runs:", [r["outcome"] for r in d["runs"]])' "$folder/runs.json"

"$weir" run --executor slurm --json churn.mlflow > "$folder/follow.json" 2> "$folder/follow.err"
echo "follow: exit $? | cluster folders: $(folders)"
if diff -r "$folder/local/out" "$folder/cluster/out"; then echo "outputs: identical"; else echo "outputs: differ"; fi
python3 - "$folder/follow.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
print("followed:", doc["outcome"], "| nodes computed by slurm jobs:", len([n for n in doc["nodes"] if n.get("message", "").startswith("computed by slurm job")]))
PY
ls .weir/cluster/run.*/ | grep -c '^submission.followed.json$' | sed 's/^/followed files: /'
"$weir" status churn.mlflow > "$folder/status2.txt" 2>&1
echo "status after: exit $? | job lines: $(grep -c '^  slurm job' "$folder/status2.txt")"
"$weir" runs --json > "$folder/runs2.json" 2>/dev/null
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("runs:", [r["outcome"] for r in d["runs"]])' "$folder/runs2.json"

# A submitter killed while it follows its jobs: the next run follows them, submits nothing.
rm -rf .weir/cache out
exec 3>&2 2>/dev/null  # bash's notice of the killed job is no line of this scenario
"$weir" run --executor slurm churn.mlflow > "$folder/killed.txt" 2>&1 &
submitter=$!
for _ in $(seq 1 300); do
  [ "$(ls .weir/cluster/run.*/submission.json 2>/dev/null | wc -l)" -gt 0 ] && break
  sleep 0.1
done
kill -9 "$submitter"
wait "$submitter" 2>/dev/null
exec 2>&3 3>&-
before=$(folders)
"$weir" run --executor slurm --json churn.mlflow > "$folder/after-kill.json" 2> "$folder/after-kill.err"
echo "after kill: exit $? | new cluster folders: $(( $(folders) - before ))"
if diff -r "$folder/local/out" "$folder/cluster/out"; then echo "outputs: identical"; else echo "outputs: differ"; fi

# --detach goes with a cluster.
"$weir" run --detach churn.mlflow > /dev/null 2> "$folder/usage.err"
echo "usage: exit $? | $(head -1 "$folder/usage.err")"

# A local run while detached jobs run: said, and it computes what is not cached (the same bytes).
rm -rf .weir/cache out
"$weir" run --executor slurm --detach churn.mlflow > /dev/null 2>&1
"$weir" run churn.mlflow > "$folder/local-while.txt" 2>&1
echo "local while detached: exit $?"
grep -o 'Slurm jobs submitted for this program by an earlier run are not followed' "$folder/local-while.txt"
if diff -r "$folder/local/out" "$folder/cluster/out"; then echo "outputs: identical"; else echo "outputs: differ"; fi
"$weir" run --executor slurm churn.mlflow > "$folder/follow2.txt" 2>&1
echo "follow after local: exit $? | job lines in status: $("$weir" status churn.mlflow 2>&1 | grep -c '^  slurm job')"
