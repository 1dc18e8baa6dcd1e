"""Real data not written by us: scikit-learn's breast cancer, wine and diabetes sets, as Debian's
python3-sklearn ships them.

  datasets.py prepare DIR          writes DIR/cancer.csv, DIR/wine.csv, DIR/diabetes.csv
  datasets.py compare DIR RUN.json trains scikit-learn's gradient boosting on the split Weir made
                                   (DIR/out/*_train.csv, *_test.csv) and compares the metrics"""
import csv
import gzip
import json
import os
import sys

import numpy as np
from sklearn import datasets as ds
from sklearn import ensemble, linear_model, metrics

DATA = os.path.join(os.path.dirname(ds.__file__), "data")


def prepare(folder):
    with open(os.path.join(DATA, "breast_cancer.csv")) as f:
        rows = list(csv.reader(f))[1:]
    with open(os.path.join(folder, "cancer.csv"), "w") as out:
        out.write("id," + ",".join(f"f{i}" for i in range(30)) + ",benign\n")
        for i, r in enumerate(rows):
            out.write(f"{i}," + ",".join(r[:30]) + "," + ("true" if r[30] == "1" else "false") + "\n")
    with open(os.path.join(DATA, "wine_data.csv")) as f:
        rows = list(csv.reader(f))[1:]
    with open(os.path.join(folder, "wine.csv"), "w") as out:
        out.write("id," + ",".join(f"f{i}" for i in range(13)) + ",kind\n")
        for i, r in enumerate(rows):
            out.write(f"{i}," + ",".join(r[:13]) + ",class_" + r[13] + "\n")
    features = np.loadtxt(gzip.open(os.path.join(DATA, "diabetes_data_raw.csv.gz")))
    target = np.loadtxt(gzip.open(os.path.join(DATA, "diabetes_target.csv.gz")))
    with open(os.path.join(folder, "diabetes.csv"), "w") as out:
        out.write("id," + ",".join(f"f{i}" for i in range(10)) + ",progression\n")
        for i, (x, y) in enumerate(zip(features, target)):
            out.write(f"{i}," + ",".join(repr(float(v)) for v in x) + f",{y}\n")


def load(path, target):
    with open(path) as f:
        rows = list(csv.DictReader(f))
    names = [k for k in rows[0] if k.startswith("f")]
    x = np.array([[float(r[n]) for n in names] for r in rows])
    y = [r[target] for r in rows]
    return x, y


def compare(folder, run_file):
    run = json.load(open(run_file))
    reported = {n["declaration"]: n["metrics"] for n in run["nodes"] if "metrics" in n}
    out = os.path.join(folder, "out")
    ok = True

    def check(name, ours, theirs, tolerance):
        nonlocal ok
        within = abs(ours - theirs) <= tolerance
        ok = ok and within
        print(f"{name}: weir {ours:.4f} scikit-learn {theirs:.4f} {'ok' if within else 'OFF'} (within {tolerance})")

    for dataset, target, evaluation in (("cancer", "benign", "cancer_eval"), ("wine", "kind", "wine_eval")):
        xt, yt = load(os.path.join(out, f"{dataset}_train.csv"), target)
        xs, ys = load(os.path.join(out, f"{dataset}_test.csv"), target)
        model = ensemble.GradientBoostingClassifier(random_state=0).fit(xt, yt)
        proba = model.predict_proba(xs)
        accuracy = metrics.accuracy_score(ys, model.predict(xs))
        if dataset == "cancer":
            auc = metrics.roc_auc_score([y == "true" for y in ys], proba[:, list(model.classes_).index("true")])
        else:
            auc = metrics.roc_auc_score(ys, proba, multi_class="ovr", labels=list(model.classes_))
        check(f"{dataset} accuracy", reported[evaluation]["accuracy"], accuracy, 0.05)
        check(f"{dataset} auc", reported[evaluation]["auc"], auc, 0.03)
    xt, yt = load(os.path.join(out, "diabetes_train.csv"), "progression")
    xs, ys = load(os.path.join(out, "diabetes_test.csv"), "progression")
    model = ensemble.GradientBoostingRegressor(random_state=0).fit(xt, [float(y) for y in yt])
    r2 = metrics.r2_score([float(y) for y in ys], model.predict(xs))
    check("diabetes r2", reported["diabetes_eval"]["r2"], r2, 0.1)
    # The same penalized objectives: ridge (alpha = l2) and l2 logistic regression (C = 1 / l2).
    ridge = linear_model.Ridge(alpha=1.0).fit(xt, [float(y) for y in yt])
    check("diabetes linear r2 (Ridge)", reported["diabetes_linear_eval"]["r2"],
          metrics.r2_score([float(y) for y in ys], ridge.predict(xs)), 1e-4)
    xt, yt = load(os.path.join(out, "cancer_train.csv"), "benign")
    xs, ys = load(os.path.join(out, "cancer_test.csv"), "benign")
    logistic = linear_model.LogisticRegression(C=1.0, max_iter=100000, tol=1e-12).fit(xt, yt)
    auc = metrics.roc_auc_score([y == "true" for y in ys], logistic.predict_proba(xs)[:, list(logistic.classes_).index("true")])
    check("cancer logistic auc (LogisticRegression)", reported["cancer_logistic_eval"]["auc"], auc, 0.005)
    xt, yt = load(os.path.join(out, "wine_train.csv"), "kind")
    xs, ys = load(os.path.join(out, "wine_test.csv"), "kind")
    multinomial = linear_model.LogisticRegression(C=1.0, max_iter=100000, tol=1e-12).fit(xt, yt)
    proba = multinomial.predict_proba(xs)
    check("wine logistic logloss (multinomial LogisticRegression)", reported["wine_logistic_eval"]["logloss"],
          metrics.log_loss(ys, proba, labels=list(multinomial.classes_)), 0.01)
    print("in line with scikit-learn" if ok else "NOT in line with scikit-learn")
    return ok


if __name__ == "__main__":
    if sys.argv[1] == "prepare":
        prepare(sys.argv[2])
    else:
        sys.exit(0 if compare(sys.argv[2], sys.argv[3]) else 1)
