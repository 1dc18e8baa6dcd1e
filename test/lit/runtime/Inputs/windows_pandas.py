"""Windows and as-of joins against pandas: `gen DIR` writes seeded data and the program,
`check DIR` compares Weir's outputs with pandas' shift, rank(method="min"), rolling and
merge_asof (floats to 1e-9, relative to the value's size)."""
import math
import random
import sys

import pandas as pd

PROGRAM = """
schema Order { id: int, customer: string, placed: date, amount: float, score: float? }
schema Label { customer: string, t: date }
schema Price { customer: string, at: date, price: float }
source orders: Order = csv("orders.csv")
source labels: Label = csv("labels.csv")
source prices: Price = csv("prices.csv")

sink windowed = orders
  | window by customer order placed {
      prev  = lag(score)
      next2 = lead(amount, 2)
      n     = row_number()
      r     = rank()
      avg3  = mean(score) over 3 rows
      std4  = std(amount) over 4 rows
      max3  = max(amount) over 3 rows
      sum7  = sum(amount) over 7d
      cnt7  = count() over 7d
    } to csv("windowed.csv")

sink matched = labels | join asof prices on customer at t = at within 10d to csv("matched.csv")
"""


def gen(folder):
    rng = random.Random(23)
    # More rows than one morsel (65,536), so that the parallel work is split.
    customers = [f"c{i}" for i in range(2000)]
    with open(f"{folder}/orders.csv", "w") as out:
        out.write("id,customer,placed,amount,score\n")
        for i in range(140_000):
            day = rng.randrange(0, 365)  # ties within a customer happen
            score = "" if rng.random() < 0.2 else repr(round(rng.uniform(-5, 5), 3))
            out.write(f"{i},{rng.choice(customers)},{(pd.Timestamp('2024-01-01') + pd.Timedelta(days=day)).date()},"
                      f"{round(rng.uniform(0, 100), 2)},{score}\n")
    with open(f"{folder}/labels.csv", "w") as out:
        out.write("customer,t\n")
        for _ in range(3000):
            out.write(f"{rng.choice(customers + ['nobody'])},{(pd.Timestamp('2024-01-01') + pd.Timedelta(days=rng.randrange(0, 400))).date()}\n")
    with open(f"{folder}/prices.csv", "w") as out:
        out.write("customer,at,price\n")
        for _ in range(20_000):
            out.write(f"{rng.choice(customers)},{(pd.Timestamp('2024-01-01') + pd.Timedelta(days=rng.randrange(0, 400))).date()},"
                      f"{round(rng.uniform(1, 9), 2)}\n")
    with open(f"{folder}/p.mlflow", "w") as out:
        out.write(PROGRAM)


def same(a, b):
    if pd.isna(a) or pd.isna(b):
        return pd.isna(a) and pd.isna(b)
    return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)


def compare(name, expected, actual, columns):
    bad = 0
    assert len(expected) == len(actual), f"{name}: {len(actual)} rows, pandas {len(expected)}"
    for column in columns:
        for row, (e, a) in enumerate(zip(expected[column], actual[column])):
            if not same(e, a):
                bad += 1
                if bad <= 10:
                    print(f"{name} row {row} `{column}`: weir {a!r}, pandas {e!r}")
    return bad


def check(folder):
    orders = pd.read_csv(f"{folder}/orders.csv", parse_dates=["placed"])
    ordered = orders.sort_values(["customer", "placed"], kind="mergesort")
    g = ordered.groupby("customer", sort=False)
    expected = ordered.copy()
    expected["prev"] = g["score"].shift(1)
    expected["next2"] = g["amount"].shift(-2)
    expected["n"] = g.cumcount() + 1
    expected["r"] = g["placed"].rank(method="min")
    expected["avg3"] = g["score"].rolling(3, min_periods=1).mean().reset_index(level=0, drop=True)
    expected["std4"] = g["amount"].rolling(4, min_periods=1).std().reset_index(level=0, drop=True)
    expected["max3"] = g["amount"].rolling(3, min_periods=1).max().reset_index(level=0, drop=True)
    timed = ordered.set_index("placed").groupby("customer", sort=False)["amount"]
    expected["sum7"] = timed.rolling("7d").sum().values
    expected["cnt7"] = timed.rolling("7d").count().values
    expected = expected.sort_index()  # Weir keeps the input's order
    actual = pd.read_csv(f"{folder}/windowed.csv")
    bad = compare("windowed", expected, actual, ["id", "prev", "next2", "n", "r", "avg3", "std4", "max3", "sum7", "cnt7"])

    labels = pd.read_csv(f"{folder}/labels.csv", parse_dates=["t"]).reset_index()
    prices = pd.read_csv(f"{folder}/prices.csv", parse_dates=["at"])
    merged = pd.merge_asof(labels.sort_values("t", kind="mergesort"), prices.sort_values("at", kind="mergesort"),
                           left_on="t", right_on="at", by="customer", tolerance=pd.Timedelta("10d"),
                           direction="backward").sort_values("index")
    actual = pd.read_csv(f"{folder}/matched.csv", parse_dates=["t", "at"])
    bad += compare("matched", merged.reset_index(drop=True), actual,
                   ["price"]) + sum(1 for e, a in zip(merged["at"], actual["at"]) if not (pd.isna(e) and pd.isna(a)) and e != a)
    matches = int(merged["price"].notna().sum())
    print(f"compared {len(expected)} windowed rows and {len(merged)} as-of rows ({matches} matched): {bad} differences")
    return 1 if bad else 0


if __name__ == "__main__":
    if sys.argv[1] == "gen":
        gen(sys.argv[2])
    else:
        sys.exit(check(sys.argv[2]))
