#!/usr/bin/env python3
"""Writes the customers of serve.mlflow (the serve tests' generator, more rows): deterministic.
Usage: gen_data.py ROWS OUT.csv"""
import random
import sys

rows, out = int(sys.argv[1]), sys.argv[2]
rng = random.Random(11)
with open(out, "w") as f:
    f.write("id,email,age,income,visits,plan,churned\n")
    for i in range(1, rows + 1):
        age = rng.randint(14, 80)
        income = "" if rng.random() < 0.1 else f"{rng.uniform(500, 9000):.2f}"
        visits = "" if rng.random() < 0.1 else str(rng.randint(0, 40))
        plan = rng.choice(["basic", "plus", "pro"])
        score = (0.8 if plan == "basic" else 0.0) + 0.03 * (40 - (int(visits) if visits else 0)) + (0.5 if age > 60 else 0) \
            + rng.gauss(0, 0.6)
        f.write(f"{i},person{i}@example.com,{age},{income},{visits},{plan},{'true' if score > 1.2 else 'false'}\n")
