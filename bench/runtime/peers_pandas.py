#!/usr/bin/env python3
"""The runtime benchmark's three workloads in pandas (Debian's python3-pandas), for comparison.

Usage: peers_pandas.py ingest|filter|group DATA.csv OUT_DIR"""
import sys
import pandas as pd

DTYPES = {"id": "int64", "customer": "string", "region": "category", "amount": "float64",
          "quantity": "int64", "returned": "bool"}

def load(path):
    return pd.read_csv(path, dtype=DTYPES, parse_dates=["day"])

def main():
    work, data, out = sys.argv[1], sys.argv[2], sys.argv[3]
    sales = load(data)
    if work == "ingest":
        # The same checks as ingest.mlflow's expectations.
        assert len(sales) >= 1
        assert ((sales["id"] >= 0) & (sales["quantity"] >= 1) & (sales["day"] >= "2020-01-01")).all()
        assert sales["amount"].count() >= 1 and sales["customer"].count() >= 1 and sales["returned"].any()
    elif work == "filter":
        big = sales[(~sales["returned"]) & (sales["amount"] > 900)].copy()
        big["total"] = big["amount"] * big["quantity"]
        big["bulk"] = big["quantity"] >= 10
        big["year"] = big["day"].dt.year
        big[["id", "region", "total", "bulk", "year"]].to_csv(f"{out}/filter.csv", index=False)
    elif work == "group":
        g = sales.groupby("customer", sort=False).agg(orders=("id", "size"), total=("amount", "sum"),
                                                    mean_quantity=("quantity", "mean")).reset_index()
        g.to_csv(f"{out}/group.csv", index=False)

if __name__ == "__main__":
    main()
