"""Compares the metrics `weir run --json` reported with scikit-learn's on the same predictions.

Usage: compare_metrics.py RUN.json SCORED.csv TRUTH_COLUMN SCORE_COLUMN EVALUATION_NODE
Prints each metric with the absolute difference; exits 1 when one differs by more than 1e-9."""
import csv
import json
import sys

from sklearn import metrics as sk

run = json.load(open(sys.argv[1]))
rows = list(csv.DictReader(open(sys.argv[2])))
truth = [1 if r[sys.argv[3]] == "true" else 0 for r in rows]
score = [float(r[sys.argv[4]]) for r in rows]
label = [1 if s >= 0.5 else 0 for s in score]
expected = {
    "auc": sk.roc_auc_score(truth, score),
    "accuracy": sk.accuracy_score(truth, label),
    "precision": sk.precision_score(truth, label, zero_division=0),
    "recall": sk.recall_score(truth, label, zero_division=0),
    "f1": sk.f1_score(truth, label, zero_division=0),
    "logloss": sk.log_loss(truth, score),
}
node = [n for n in run["nodes"] if n["declaration"] == sys.argv[5] and "metrics" in n][0]
worst = 0.0
for name, value in node["metrics"].items():
    difference = abs(value - expected[name])
    worst = max(worst, difference)
    print(f"{name} weir {value:.12f} sklearn {expected[name]:.12f} difference {difference:.1e}")
print("all within 1e-9" if worst <= 1e-9 else "DIFFERENT")
sys.exit(0 if worst <= 1e-9 else 1)
