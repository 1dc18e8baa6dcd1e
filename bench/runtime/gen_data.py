#!/usr/bin/env python3
"""Writes the runtime benchmark's data: N rows (default 10 million) of mixed types as CSV.

Usage: gen_data.py [ROWS] OUT.csv

Columns: id (int, unique), customer (string, 100,000 distinct), region (one of 8), amount
(float, about 2% empty), quantity (int), returned (bool), day (date). Deterministic for a
given row count (a fixed seed)."""
import random
import sys
from datetime import date, timedelta

def main():
    rows = int(sys.argv[1]) if len(sys.argv) > 2 else 10_000_000
    out = sys.argv[-1]
    rng = random.Random(20261127)
    regions = ["north", "south", "east", "west", "centre", "islands", "coast", "mountains"]
    start = date(2020, 1, 1)
    days = [(start + timedelta(days=d)).isoformat() for d in range(1500)]
    with open(out, "w", newline="") as f:
        f.write("id,customer,region,amount,quantity,returned,day\n")
        buffer = []
        for i in range(rows):
            amount = "" if rng.random() < 0.02 else f"{rng.random() * 1000:.2f}"
            buffer.append(f"{i},c{rng.randrange(100_000)},{regions[rng.randrange(8)]},{amount},"
                          f"{rng.randrange(1, 20)},{'true' if rng.random() < 0.05 else 'false'},{days[rng.randrange(1500)]}\n")
            if len(buffer) == 100_000:
                f.write("".join(buffer))
                buffer.clear()
        f.write("".join(buffer))

if __name__ == "__main__":
    main()
