#!/usr/bin/env bash
# The churn example run through Slurm, next to a local run of it (slurm.test): the same outputs
# byte for byte; a second run submits nothing; bad data fails the job's node with the data's own
# message and blocks what waits for it; once fixed, only what is missing is submitted again.
# usage: slurm_scenario.sh WEIR FOLDER (FOLDER/local and FOLDER/cluster hold the example)
set -u
weir="$1"
folder="$2"

cd "$folder/local" && "$weir" run churn.mlflow > "$folder/local.txt" 2>&1
echo "local: exit $?"

cd "$folder/cluster"
"$weir" run --executor slurm --jobs 1 churn.mlflow --json > "$folder/cluster.json" 2> "$folder/cluster.err"
echo "cluster: exit $?"
if diff -r "$folder/local/out" "$folder/cluster/out"; then echo "outputs: identical"; else echo "outputs: differ"; fi
python3 - "$folder/cluster.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
jobs = sorted({n["message"] for n in doc["nodes"] if n.get("message", "").startswith("computed by slurm job")})
print("outcome:", doc["outcome"], "| nodes computed by slurm jobs:", len([n for n in doc["nodes"] if n.get("message", "").startswith("computed by slurm job")]), "| jobs:", len(jobs))
for n in doc["nodes"]:
    if n["kind"] in ("gate", "deploy"):
        print(n["kind"], n["declaration"], n["status"], n.get("message", ""))
PY
echo "model job: $(grep '^#SBATCH --\(cpus\|mem\|time\)' .weir/cluster/run.*/churn_model.sbatch | tr '\n' ' ' | sed 's/ $//')"
ls .weir/cluster/run.*/ | sed -n 's/.*\.\(sbatch\|result\.json\)$/file: \1/p' | sort -u

"$weir" run --executor slurm churn.mlflow > "$folder/again.txt" 2> "$folder/again.err"
echo "again: exit $? | cluster folders: $(ls -d .weir/cluster/run.* | wc -l)"

# A bad value in a source: the job that reads it fails with the reader's message.
sed -i '5s/,20,0,0$/,many,0,0/' data/usage.csv
"$weir" run --executor slurm churn.mlflow > "$folder/bad.txt" 2> "$folder/bad.err"
echo "bad: exit $?"
grep -o 'usage.csv:5:[0-9]*: .*' "$folder/bad.txt" | head -1
grep -c 'computed by slurm job\|which failed' "$folder/bad.txt" > /dev/null && echo "bad: blocked nodes named"
cp "$folder/local/data/usage.csv" data/usage.csv
"$weir" run --executor slurm churn.mlflow > "$folder/fixed.txt" 2> "$folder/fixed.err"
echo "fixed: exit $?"
if diff -r "$folder/local/out" "$folder/cluster/out"; then echo "outputs: identical"; else echo "outputs: differ"; fi

# A lost output: only its job is submitted again.
rm out/retention_list.csv
before=$(ls -d .weir/cluster/run.* | wc -l)
"$weir" run --executor slurm churn.mlflow > "$folder/missing.txt" 2> "$folder/missing.err"
status=$?
newest=$(ls -td .weir/cluster/run.* | head -1)
echo "missing: exit $status | new cluster folders: $(( $(ls -d .weir/cluster/run.* | wc -l) - before )) | jobs submitted: $(ls "$newest"/*.sbatch | wc -l)"
if diff -r "$folder/local/out" "$folder/cluster/out"; then echo "outputs: identical"; else echo "outputs: differ"; fi
