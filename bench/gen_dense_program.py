#!/usr/bin/env python3
"""Generates a large, valid Weir program of expression-dense pipelines for front-end benchmarks.

Usage: gen_dense_program.py LINES OUT.mlflow

A unit is a schema of eight columns, a source, eight lets (each a `where` and a `derive` of six
columns, one a line: nested arithmetic, calls and `if` to depth 4, about 100 bytes a line, as
issue 24 describes) and a sink. Each let after a unit's first reads the columns the one before
derived, so names and types flow through the pipelines. Units repeat with fresh names until the
program has about LINES lines. Deterministic: same arguments, same bytes.
"""
import random
import sys

SCHEMA = '''schema Dense{i} {{
  id:     int   @key
  price:  float
  cost:   float
  weight: float
  d:      int
  e:      float?
  flag:   bool
  label:  string
}}

source rows{i}: Dense{i} = csv("data/dense{i}.csv")
'''

DERIVED_PER_LET = 6
LETS_PER_UNIT = 8
MAX_DEPTH = 4
FUNCTIONS = ["abs", "round", "floor", "ceil"]


class Expressions:
    """Float expressions over `columns` (all float), nested to MAX_DEPTH: at each level one
    operand nests deeper and the others are leaves, so a line stays about 100 bytes."""

    def __init__(self, rng: random.Random, columns: list[str]):
        self.rng = rng
        self.columns = columns

    def leaf(self) -> str:
        if self.rng.random() < 0.7:
            return self.rng.choice(self.columns)
        return f"{self.rng.randint(1, 99) / 10:.1f}"

    def condition(self) -> str:
        left, right = self.rng.sample(self.columns, 2)
        op = self.rng.choice([">", "<", ">=", "<="])
        if self.rng.random() < 0.3:
            return f"{left} {op} {right} and {right} > {self.rng.randint(1, 9)}.0"
        return f"{left} {op} {right}"

    def expr(self, depth: int) -> str:
        if depth == 0:
            return self.leaf()
        kind = self.rng.random()
        inner = self.expr(depth - 1)
        if kind < 0.3:
            return f"if {self.condition()} then {inner} else {self.leaf()}"
        if kind < 0.5:
            return f"{self.rng.choice(FUNCTIONS)}({inner})"
        op = self.rng.choice(["+", "-", "*", "/"])
        if self.rng.random() < 0.5:
            return f"({inner} {op} {self.leaf()})"
        return f"({self.leaf()} {op} {inner})"

    def top(self) -> str:
        # The outermost level is arithmetic or an `if`, never a bare parenthesis.
        inner = self.expr(MAX_DEPTH - 1)
        if self.rng.random() < 0.4:
            return f"if {self.condition()} then {inner} else {self.expr(MAX_DEPTH - 1)}"
        return f"{self.expr(MAX_DEPTH - 1)} {self.rng.choice(['+', '-', '*'])} {inner}"


def unit(i: int, rng: random.Random) -> list[str]:
    lines = SCHEMA.format(i=i).split("\n")
    source = f"rows{i}"
    columns = ["price", "cost", "weight"]
    for k in range(LETS_PER_UNIT):
        name = f"f{i}_{k}"
        derived = [f"col{k}_{j}" for j in range(DERIVED_PER_LET)]
        gen = Expressions(rng, columns)
        lines.append(f"let {name} = {source}")
        lines.append(f"  | where {gen.condition()} and d between 1 and 1000 and e is not null")
        for j, column in enumerate(derived):
            lead = "  | derive " if j == 0 else "           "
            tail = "," if j + 1 < len(derived) else ""
            lines.append(f"{lead}{column} = {gen.top()}{tail}")
        lines.append("")
        source = name
        columns = derived
    lines.append(f'sink out{i} = {source} | take 10 to csv("out/dense{i}.csv")')
    lines.append("")
    return lines


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    target = int(sys.argv[1])
    rng = random.Random(24)
    out_lines = ["pipeline dense", ""]
    i = 0
    while len(out_lines) < target:
        out_lines.extend(unit(i, rng))
        i += 1
    with open(sys.argv[2], "w") as out:
        out.write("\n".join(out_lines).rstrip("\n") + "\n")


if __name__ == "__main__":
    main()
