#!/usr/bin/env python3
"""Writes loans.csv: 400 applicants in two groups; `score` decides repayment, and group `b` has
lower scores, so a model of `score` alone approves group `b` far less often (a disparate impact
well under 0.8) while its AUC is high. Usage: generate.py [ROWS] > loans.csv"""
import random
import sys

rows = int(sys.argv[1]) if len(sys.argv) > 1 else 400
rng = random.Random(14)
print("id,score,income,group,repaid")
for i in range(rows):
    group = "a" if i % 2 == 0 else "b"
    score = rng.uniform(3, 10) if group == "a" else rng.uniform(0, 7)
    income = round(rng.uniform(20, 90), 1)
    repaid = score + rng.gauss(0, 1) > 5
    print(f"{i},{score:.3f},{income},{group},{'true' if repaid else 'false'}")
