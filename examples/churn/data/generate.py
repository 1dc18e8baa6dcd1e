#!/usr/bin/env python3
"""Writes customers.csv and usage.csv for the churn example: deterministic, standard library only.

Usage: python3 generate.py [CUSTOMERS]   (default 400; writes next to this script)
"""
import csv
import datetime
import os
import random
import sys


def main() -> None:
    customers = int(sys.argv[1]) if len(sys.argv) > 1 else 400
    rng = random.Random(7)
    here = os.path.dirname(os.path.abspath(__file__))
    plans = ["basic", "plus", "pro"]
    with open(os.path.join(here, "customers.csv"), "w", newline="") as c_out, \
            open(os.path.join(here, "usage.csv"), "w", newline="") as u_out:
        c_writer = csv.writer(c_out, lineterminator="\n")
        u_writer = csv.writer(u_out, lineterminator="\n")
        c_writer.writerow(["customer_id", "email", "phone", "plan", "tenure_months", "monthly_charges",
                           "age_group", "churned"])
        u_writer.writerow(["customer_id", "month", "sessions", "support_tickets", "failed_payments"])
        for cid in range(1, customers + 1):
            plan = rng.choice(plans)
            tenure = rng.randint(1, 72)
            charges = {"basic": 9.99, "plus": 19.99, "pro": 39.99}[plan] + rng.uniform(-2, 2)
            tickets_total = 0
            failed_total = 0
            for m in range(6):
                month = datetime.date(2024, m + 1, 1)
                sessions = max(0, int(rng.gauss(20 - m, 6)))
                tickets = rng.choices([0, 1, 2], weights=[80, 15, 5])[0]
                failed = 1 if rng.random() < 0.05 else 0
                tickets_total += tickets
                failed_total += failed
                u_writer.writerow([cid, month.isoformat(), sessions, tickets, failed])
            churn_score = 0.4 * tickets_total + 1.5 * failed_total - 0.03 * tenure + rng.gauss(0, 0.7)
            churned = churn_score > 0.3
            c_writer.writerow([
                cid,
                f"customer{cid}@example.com",
                "" if rng.random() < 0.2 else f"+1-555-{cid:04d}",
                "" if rng.random() < 0.02 else plan,
                "" if rng.random() < 0.02 else tenure,
                "" if rng.random() < 0.03 else f"{charges:.2f}",
                rng.choice(["18-29", "30-49", "50+"]),
                "true" if churned else "false",
            ])


if __name__ == "__main__":
    main()
