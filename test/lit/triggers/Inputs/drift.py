"""Data for the drift tests, and PSI and KS computed with numpy and scipy as docs/TRIGGERS.md
defines them, to compare with what weir measured.

  drift.py gen SEED SHIFT ROWS OUT.csv   rows of (id, x ~ N(SHIFT, 1), y ~ Poisson(3 + SHIFT),
                                         tier in a, b, c (shares moving with SHIFT), flag, label)
  drift.py check REF.csv CUR.csv         reads `weir triggers --format json` on stdin; prints, per
                                         feature, whether weir's PSI and KS match
"""
import csv
import json
import sys

import numpy as np
from scipy import stats


def gen(seed, shift, rows, out):
    rng = np.random.default_rng(int(seed))
    x = rng.normal(float(shift), 1.0, int(rows))
    y = rng.poisson(3.0 + float(shift), int(rows))
    s = float(shift)
    tier = rng.choice(["a", "b", "c"], int(rows), p=[0.5 - 0.3 * s, 0.3, 0.2 + 0.3 * s])
    flag = rng.random(int(rows)) < 0.3 + 0.1 * s
    with open(out, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "x", "y", "tier", "flag", "label"])
        for i in range(int(rows)):
            w.writerow([i + 1, repr(float(x[i])), int(y[i]), tier[i], "true" if flag[i] else "false", "ab"[i % 2]])


CATEGORICAL = {"tier", "flag"}


def column(path, name):
    with open(path) as f:
        values = [r[name] for r in csv.DictReader(f)]
    return np.array(values) if name in CATEGORICAL else np.array([float(v) for v in values])


def categorical_psi(ref, cur):
    psi = 0.0
    for value in set(ref) | set(cur):
        p = max(np.mean(ref == value), 1e-4)
        q = max(np.mean(cur == value), 1e-4)
        psi += (q - p) * np.log(q / p)
    return float(psi)


def psi(ref, cur):
    edges = np.unique(np.quantile(ref, [i / 10 for i in range(1, 10)]))

    def shares(values):
        # Bins closed on the right: (e[i-1], e[i]].
        index = np.searchsorted(edges, values, side="left")
        return np.bincount(index, minlength=len(edges) + 1) / len(values)

    p = np.maximum(shares(ref), 1e-4)
    q = np.maximum(shares(cur), 1e-4)
    return float(np.sum((q - p) * np.log(q / p)))


def check(ref_path, cur_path):
    doc = json.load(sys.stdin)
    for trigger in doc["triggers"]:
        for event in trigger["events"]:
            for value in event.get("drift", []):
                ref = column(ref_path, value["feature"])
                cur = column(cur_path, value["feature"])
                if value["feature"] in CATEGORICAL:
                    expected_psi = categorical_psi(ref, cur)
                    ok = abs(value["psi"] - expected_psi) < 1e-9 and value["ks"] is None
                    shown = f"psi {expected_psi:.4f}"
                else:
                    expected_psi = psi(ref, cur)
                    expected_ks = float(stats.ks_2samp(ref, cur).statistic)
                    ok = abs(value["psi"] - expected_psi) < 1e-9 and abs(value["ks"] - expected_ks) < 1e-12
                    shown = f"psi {expected_psi:.4f} ks {expected_ks:.4f}"
                print(f"{trigger['trigger']} {value['feature']}: {shown} {'match' if ok else 'MISMATCH weir psi %r ks %r' % (value['psi'], value['ks'])}")


if __name__ == "__main__":
    if sys.argv[1] == "gen":
        gen(*sys.argv[2:6])
    else:
        check(*sys.argv[2:4])
