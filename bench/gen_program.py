#!/usr/bin/env python3
"""Generates a large, valid Weir program for front-end benchmarks.

Usage: gen_program.py DECLARATIONS OUT.mlflow

The program repeats a realistic unit of ten declarations (schema, source, expect, three lets
with multi-operator pipelines, model, metrics, gate, sink) with fresh names, so every name
resolves and the dependency graph is wide and deep. Deterministic: same arguments, same bytes.
"""
import sys


UNIT = '''/// Unit {i}: applications of region {i}.
schema Applicant{i} {{
  id:        int                      @key
  age:       int
  income:    float?
  debt:      float
  gender:    category["F", "M", "X"]  @sensitive
  email:     string                   @pii
  applied:   date
  defaulted: bool
}}

source applicants{i}: Applicant{i} = csv("data/applicants{i}.csv") {{
  on_error = quarantine
}}

expect valid{i} on applicants{i} {{
  all(age between 18 and 120)
  count() >= 1000
  fraction(income is null) <= 0.05 severity warn
}}

let clean{i} = applicants{i}
  | where income is not null and income > 0 and age >= 18
  | derive debt_ratio = debt / income,
           income_z   = (income - mean(income)) / std(income),
           band       = case {{ when age < 30 then 1 when age < 50 then 2 else 3 }}
  | drop email

let summary{i} = clean{i}
  | group gender {{ n = count(), avg_ratio = mean(debt_ratio) }}
  | sort n desc

let train{i}, test{i} = split(clean{i}, 0.8, seed = {i}, stratify = defaulted)

model risk{i} = xgboost(train{i}) {{
  target   = defaulted
  features = [age, income, debt_ratio, income_z]
  params {{ max_depth = 4, eta = 0.1, rounds = 200 }}
  seed     = {i}
}}

metrics eval{i} = evaluate(risk{i}, test{i}) {{ auc, accuracy, f1 }}

gate release{i} on risk{i} {{
  eval{i}.auc >= 0.75
  eval{i}.auc >= baseline.auc - 0.01
}}

sink out{i} = test{i} | predict risk{i} as p | join summary{i} on gender | take 100 to csv("out/scored{i}.csv")
'''

DECLARATIONS_PER_UNIT = 10


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    declarations = int(sys.argv[1])
    units = max(1, declarations // DECLARATIONS_PER_UNIT)
    with open(sys.argv[2], "w") as out:
        out.write("pipeline bench\n\n")
        for i in range(units):
            out.write(UNIT.format(i=i))
            out.write("\n")


if __name__ == "__main__":
    main()
