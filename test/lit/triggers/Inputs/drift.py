"""Data for the drift tests, and PSI and KS computed with numpy and scipy as docs/TRIGGERS.md
defines them, to compare with what weir measured.

  drift.py gen SEED SHIFT ROWS OUT.csv   rows of (id, x ~ N(SHIFT, 1), y ~ Poisson(3 + SHIFT), label)
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
    with open(out, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "x", "y", "label"])
        for i in range(int(rows)):
            w.writerow([i + 1, repr(float(x[i])), int(y[i]), "ab"[i % 2]])


def column(path, name):
    with open(path) as f:
        return np.array([float(r[name]) for r in csv.DictReader(f)])


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
                expected_psi = psi(ref, cur)
                expected_ks = float(stats.ks_2samp(ref, cur).statistic)
                ok = abs(value["psi"] - expected_psi) < 1e-9 and abs(value["ks"] - expected_ks) < 1e-12
                print(f"{trigger['trigger']} {value['feature']}: psi {expected_psi:.4f} ks {expected_ks:.4f} {'match' if ok else 'MISMATCH weir psi %r ks %r' % (value['psi'], value['ks'])}")


if __name__ == "__main__":
    if sys.argv[1] == "gen":
        gen(*sys.argv[2:6])
    else:
        check(*sys.argv[2:4])
