#!/usr/bin/env python3
"""Writes a runnable pipeline of about N plan nodes, with its data, for the no-op re-run benchmark.

Usage: gen_pipeline.py NODES FOLDER

One small CSV source; then groups of three declarations (a filter with derived columns, a
grouping of it, and a sink of the grouping), about 3.45 plan nodes a group once optimized."""
import os
import sys

def main():
    nodes, folder = int(sys.argv[1]), sys.argv[2]
    os.makedirs(os.path.join(folder, ".weir"), exist_ok=True)
    with open(os.path.join(folder, "data.csv"), "w") as f:
        f.write("id,k,x\n")
        for i in range(1000):
            f.write(f"{i},{i % 17},{(i * 37) % 101}.5\n")
    groups = max(1, round(nodes / 3.45))
    lines = ["pipeline noop", "", "schema Row {", "  id: int @key", "  k:  int", "  x:  float", "}", "",
             'source rows: Row = csv("data.csv")', ""]
    for g in range(groups):
        lines.append(f"let f{g} = rows | where x > {g % 90} | derive y{g} = x * {g + 1}")
        lines.append(f"let g{g} = f{g} | group k {{ n = count(), s = sum(y{g}) }}")
        lines.append(f'sink o{g} = g{g} to csv("out/o{g}.csv")')
    with open(os.path.join(folder, "noop.mlflow"), "w") as f:
        f.write("\n".join(lines) + "\n")

if __name__ == "__main__":
    main()
