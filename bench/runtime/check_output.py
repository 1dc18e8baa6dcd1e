#!/usr/bin/env python3
"""Summarizes a workload's output so that the tools' outputs can be compared: the same summary
means the same work was done. Usage: check_output.py WORKLOAD FILE.csv

Row counts and exact integer sums always; float sums to 6 significant digits where tools add in
different orders (filter, group, join); the sort's id sequence hashed in order; the sink's every
column summed exactly in file order (so every value must read back to the same double)."""
import csv
import hashlib
import sys


def floats(row, name):
    text = row[name]
    return float(text) if text != "" else 0.0


def main():
    work, path = sys.argv[1], sys.argv[2]
    with open(path, newline="") as f:
        rows = csv.DictReader(f)
        n = 0
        if work == "filter":
            ids = bulk = 0
            total = 0.0
            for row in rows:
                n += 1
                ids += int(row["id"])
                bulk += row["bulk"].lower() == "true"
                total += floats(row, "total")
            print(f"rows={n} ids={ids} bulk={bulk} total={total:.6e}")
        elif work == "group":
            orders = 0
            total = mean = 0.0
            for row in rows:
                n += 1
                orders += int(row["orders"])
                total += floats(row, "total")
                mean += floats(row, "mean_quantity")
            print(f"rows={n} orders={orders} total={total:.6e} mean_quantity={mean:.6e}")
        elif work == "join":
            orders = 0
            net = 0.0
            for row in rows:
                n += 1
                orders += int(row["orders"])
                net += floats(row, "net")
            print(f"rows={n} orders={orders} net={net:.6e}")
        elif work == "sort":
            digest = hashlib.sha256()
            amount = 0.0
            for row in rows:
                n += 1
                digest.update(row["id"].encode() + b",")
                amount += floats(row, "amount")
            print(f"rows={n} id_order={digest.hexdigest()[:16]} amount={amount:.6e}")
        elif work == "sink":
            sums = None
            for row in rows:
                n += 1
                values = [float(v) for v in row.values()]
                sums = values if sums is None else [s + v for s, v in zip(sums, values)]
            print(f"rows={n} sums={','.join(repr(s) for s in sums or [])}")
        else:
            raise SystemExit(f"no output to check for {work}")


if __name__ == "__main__":
    main()
