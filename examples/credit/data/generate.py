#!/usr/bin/env python3
"""Writes applicants.csv for the credit example: deterministic (fixed seed), standard library only.

Usage: python3 generate.py [ROWS]   (default 2000; writes next to this script)
"""
import csv
import datetime
import math
import os
import random
import sys


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    rng = random.Random(20241127)
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "applicants.csv")
    start = datetime.date(2024, 1, 1)
    with open(path, "w", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["id", "age", "income", "debt", "gender", "email", "applied", "defaulted"])
        for i in range(1, rows + 1):
            age = rng.randint(18, 80)
            income = round(rng.lognormvariate(10.5, 0.5), 2)
            debt = round(income * rng.uniform(0.0, 1.2), 2)
            gender = rng.choice(["F", "M", "X"])
            applied = start + datetime.timedelta(days=rng.randint(0, 365))
            # Default risk grows with the debt ratio and falls with age.
            score = 3.0 * (debt / income) - 0.03 * (age - 18) - 1.0 + rng.gauss(0, 0.8)
            defaulted = 1 / (1 + math.exp(-score)) > 0.5
            # About 3% of incomes are missing, as in real application data.
            income_field = "" if rng.random() < 0.03 else f"{income:.2f}"
            writer.writerow([i, age, income_field, f"{debt:.2f}", gender, f"applicant{i}@example.com",
                             applied.isoformat(), "true" if defaulted else "false"])


if __name__ == "__main__":
    main()
