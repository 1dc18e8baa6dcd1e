#!/usr/bin/env python3
"""Writes ROWS rows of floats of every magnitude (some empty), ints and quoted strings."""
import random
import sys

rows, out = int(sys.argv[1]), sys.argv[2]
rng = random.Random(7)
with open(out, "w", newline="") as f:
    f.write("id,a,b,c,name\n")
    for i in range(rows):
        a = "" if rng.random() < 0.03 else repr(rng.random() * 10 ** rng.randrange(-12, 20))
        b = repr(round(rng.random() * 1000, 2))
        c = repr(rng.gauss(0, 1) * 1e-300) if i % 7 else "0.1"
        name = '"x, ""y""\nz"' if i % 11 == 0 else f"n{i % 97}"
        f.write(f"{i},{a},{b},{c},{name}\n")
