#!/usr/bin/env python3
"""Writes the runtime benchmark's data as CSV. Deterministic for given arguments (fixed seeds).

Usage: gen_data.py [ROWS] OUT.csv            the sales: ROWS rows (default 10 million)
       gen_data.py --customers OUT.csv       the dimension table of the join: 100,000 customers
       gen_data.py --floats ROWS OUT.csv     the sink workload: ROWS rows of 11 float columns
       gen_data.py --jsonl ROWS OUT.jsonl    the sales as JSON Lines (the same rows as the CSV's
                                             first ROWS; an empty amount is `null`)

Sales columns: id (int, unique), customer (string, 100,000 distinct), region (one of 8), amount
(float, about 2% empty), quantity (int), returned (bool), day (date).
Customer columns: customer (`c0` to `c99999`, every customer of the sales once), segment (one of
5), discount (float in [0, 0.3) with 2 decimals), since (date).
Float columns: x0 to x10, full-precision doubles of different magnitudes (x0-x3 in [0, 1000),
x4-x7 with 2 decimals, x8 and x9 scaled by 1e-6 and 1e9, x10 normal around 0)."""
import random
import sys
from datetime import date, timedelta

CUSTOMERS = 100_000


def write_lines(out, header, lines):
    with open(out, "w", newline="") as f:
        f.write(header)
        buffer = []
        for line in lines:
            buffer.append(line)
            if len(buffer) == 100_000:
                f.write("".join(buffer))
                buffer.clear()
        f.write("".join(buffer))


def sales(rows, out):
    rng = random.Random(20261127)
    regions = ["north", "south", "east", "west", "centre", "islands", "coast", "mountains"]
    start = date(2020, 1, 1)
    days = [(start + timedelta(days=d)).isoformat() for d in range(1500)]

    def lines():
        for i in range(rows):
            amount = "" if rng.random() < 0.02 else f"{rng.random() * 1000:.2f}"
            yield (f"{i},c{rng.randrange(CUSTOMERS)},{regions[rng.randrange(8)]},{amount},"
                   f"{rng.randrange(1, 20)},{'true' if rng.random() < 0.05 else 'false'},{days[rng.randrange(1500)]}\n")

    write_lines(out, "id,customer,region,amount,quantity,returned,day\n", lines())


def sales_jsonl(rows, out):
    def lines():
        with open(out + ".csv.tmp", "w") as _:
            pass
        sales(rows, out + ".csv.tmp")
        with open(out + ".csv.tmp") as f:
            next(f)
            for line in f:
                i, customer, region, amount, quantity, returned, day = line.rstrip("\n").split(",")
                yield (f'{{"id":{i},"customer":"{customer}","region":"{region}","amount":{amount or "null"},'
                       f'"quantity":{quantity},"returned":{returned},"day":"{day}"}}\n')
    try:
        write_lines(out, "", lines())
    finally:
        import os
        os.remove(out + ".csv.tmp")


def customers(out):
    rng = random.Random(20261130)
    segments = ["retail", "wholesale", "online", "partner", "staff"]
    start = date(2010, 1, 1)

    def lines():
        for c in range(CUSTOMERS):
            yield (f"c{c},{segments[rng.randrange(5)]},{rng.randrange(30) / 100:.2f},"
                   f"{(start + timedelta(days=rng.randrange(3650))).isoformat()}\n")

    write_lines(out, "customer,segment,discount,since\n", lines())


def floats(rows, out):
    rng = random.Random(20261131)

    def lines():
        for _ in range(rows):
            r = rng.random
            values = [r() * 1000, r() * 1000, r() * 1000, r() * 1000,
                      round(r() * 1000, 2), round(r() * 1000, 2), round(r() * 100, 2), round(r() * 10, 2),
                      r() * 1e-6, r() * 1e9, rng.gauss(0, 1)]
            yield ",".join(repr(v) for v in values) + "\n"

    write_lines(out, ",".join(f"x{i}" for i in range(11)) + "\n", lines())


def main():
    args = sys.argv[1:]
    if args and args[0] == "--customers":
        customers(args[1])
    elif args and args[0] == "--jsonl":
        sales_jsonl(int(args[1]), args[2])
    elif args and args[0] == "--floats":
        floats(int(args[1]), args[2])
    else:
        sales(int(args[0]) if len(args) > 1 else 10_000_000, args[-1])


if __name__ == "__main__":
    main()
