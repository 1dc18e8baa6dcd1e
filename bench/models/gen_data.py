#!/usr/bin/env python3
"""Writes the training benchmark's data: ROWS rows (default 1,000,000) of 30 float features and a
bool target that depends on them (with noise), as CSV. Deterministic (a fixed seed).

Usage: gen_data.py [ROWS] OUT.csv"""
import sys

import numpy as np

rows = int(sys.argv[1]) if len(sys.argv) > 2 else 1_000_000
rng = np.random.default_rng(20261127)
x = rng.normal(size=(rows, 30)).round(5)
weights = rng.normal(size=30)
score = x @ weights + 0.5 * np.sin(3 * x[:, 0]) * x[:, 1] + rng.normal(scale=2.0, size=rows)
y = score > 0
with open(sys.argv[-1], "w") as f:
    f.write(",".join(f"f{i}" for i in range(30)) + ",y\n")
    for start in range(0, rows, 100_000):
        block = x[start:start + 100_000]
        labels = y[start:start + 100_000]
        f.write("\n".join(",".join(repr(float(v)) for v in row) + ("," + ("true" if label else "false"))
                          for row, label in zip(block, labels)) + "\n")
