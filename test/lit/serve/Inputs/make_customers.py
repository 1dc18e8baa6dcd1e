#!/usr/bin/env python3
"""Writes customers.csv for the serve tests: deterministic, standard library only."""
import random
import sys

rng = random.Random(int(sys.argv[1]) if len(sys.argv) > 1 else 11)
print("id,email,age,income,visits,plan,churned")
for i in range(1, 601):
    age = rng.randint(14, 80)
    income = "" if rng.random() < 0.1 else f"{rng.uniform(500, 9000):.2f}"
    visits = "" if rng.random() < 0.1 else str(rng.randint(0, 40))
    plan = rng.choice(["basic", "plus", "pro"])
    score = (0.8 if plan == "basic" else 0.0) + (0.03 * (40 - (int(visits) if visits else 0))) + (0.5 if age > 60 else 0) + rng.gauss(0, 0.6)
    churned = "true" if score > 1.2 else "false"
    print(f"{i},person{i}@example.com,{age},{income},{visits},{plan},{churned}")
