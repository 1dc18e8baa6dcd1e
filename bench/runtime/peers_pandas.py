#!/usr/bin/env python3
"""The runtime benchmark's workloads in pandas (Debian's python3-pandas), for comparison.

Usage: peers_pandas.py WORKLOAD DATA_DIR OUT_DIR"""
import sys
import pandas as pd

DTYPES = {"id": "int64", "customer": "string", "region": "category", "amount": "float64",
          "quantity": "int64", "returned": "bool"}


def load(data):
    return pd.read_csv(f"{data}/sales.csv", dtype=DTYPES, parse_dates=["day"])


def main():
    work, data, out = sys.argv[1], sys.argv[2], sys.argv[3]
    if work == "sink":
        # round_trip: read each number as the double it denotes (the default parser may be a bit
        # off, and the copy would not be the same numbers).
        pd.read_csv(f"{data}/floats.csv", dtype="float64", float_precision="round_trip").to_csv(
            f"{out}/sink.csv", index=False)
        return
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
    elif work == "join":
        customers = pd.read_csv(f"{data}/customers.csv", dtype={"customer": "string", "segment": "category",
                                                                "discount": "float64"}, parse_dates=["since"])
        joined = sales.merge(customers, on="customer", how="inner")
        joined["net"] = joined["amount"] * (1 - joined["discount"])
        g = joined.groupby(["segment", "region"], observed=True, sort=False).agg(
            orders=("id", "size"), net=("net", "sum")).reset_index()
        g.to_csv(f"{out}/join.csv", index=False)
    elif work == "sort":
        s = sales.sort_values(["customer", "id"])
        s[["id", "customer", "amount"]].to_csv(f"{out}/sort.csv", index=False)
    else:
        raise SystemExit(f"unknown workload {work}")


if __name__ == "__main__":
    main()
