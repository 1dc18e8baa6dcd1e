#!/usr/bin/env python3
"""Standalone XGBoost (Debian's python3-xgboost) on the same data and parameters as train.mlflow:
prints the seconds of building the DMatrix and training (what Weir's train node does after the
scan), best of RUNS.

Usage: peer_xgboost.py DATA.csv THREADS [RUNS]"""
import sys
import time

import numpy as np
import xgboost as xgb

data, threads = sys.argv[1], int(sys.argv[2])
runs = int(sys.argv[3]) if len(sys.argv) > 3 else 3
table = np.loadtxt(data, delimiter=",", skiprows=1, dtype=np.float32,
                   converters={30: lambda s: 1.0 if s in (b"true", "true") else 0.0})
x, y = table[:, :30], table[:, 30]
params = {"tree_method": "hist", "objective": "binary:logistic", "max_depth": 6, "eta": 0.3, "seed": 1,
          "nthread": threads, "verbosity": 0}
best = None
for _ in range(runs):
    start = time.perf_counter()
    dtrain = xgb.DMatrix(x, label=y, nthread=threads)
    xgb.train(params, dtrain, num_boost_round=100)
    elapsed = time.perf_counter() - start
    best = elapsed if best is None else min(best, elapsed)
print(f"{best:.3f}")
