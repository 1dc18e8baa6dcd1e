#!/usr/bin/env python3
"""Writes tickets.csv for the tickets example: deterministic, standard library only.

Usage: python3 generate.py [TICKETS]   (default 600; writes next to this script)
"""
import csv
import datetime
import os
import random
import sys

OPENINGS = [
    "Hi team,", "Hello,", "Good morning,", "Dear support,", "Hey,", "",
]
ISSUES = [
    "the export to CSV times out after a few minutes",
    "I cannot log in since the last update",
    "the invoice for this month shows the wrong amount",
    "our dashboard is empty although data was uploaded",
    "the mobile app crashes when I open a report",
    "two users see each other's settings",
    "the API returns 500 for every request",
    "I would like to change the billing address",
    "how do I add a new member to the workspace",
    "the search does not find documents uploaded today",
]
ANGRY = [
    "This is the third time I write about this", "We are losing customers because of this",
    "Nobody answered my last ticket", "This is unacceptable",
]
REFUND = ["I want a refund for this month.", "Please refund the last invoice."]
CANCEL = ["Otherwise we will cancel our subscription.", "We are considering to cancel."]


def main() -> None:
    tickets = int(sys.argv[1]) if len(sys.argv) > 1 else 600
    rng = random.Random(11)
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "tickets.csv"), "w", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["ticket_id", "tier", "opened", "message", "escalated"])
        for tid in range(1, tickets + 1):
            tier = rng.choices(["free", "pro", "enterprise"], weights=[50, 35, 15])[0]
            opened = datetime.date(2024, 1, 1) + datetime.timedelta(days=rng.randint(0, 180))
            angry = rng.random() < 0.3
            refund = rng.random() < (0.35 if angry else 0.08)
            cancel = rng.random() < (0.3 if angry else 0.05)
            parts = [rng.choice(OPENINGS), rng.choice(ISSUES) + ("!" * rng.randint(1, 3) if angry else ".")]
            if angry:
                parts.append(rng.choice(ANGRY) + "!" * rng.randint(1, 4))
            if refund:
                parts.append(rng.choice(REFUND))
            if cancel:
                parts.append(rng.choice(CANCEL))
            if angry and rng.random() < 0.5:
                parts.append("PLEASE FIX THIS NOW")
            message = " ".join(p for p in parts if p)
            score = (1.2 * angry + 1.0 * refund + 1.4 * cancel + {"free": -0.8, "pro": 0.0, "enterprise": 0.9}[tier]
                     + rng.gauss(0, 0.8))
            writer.writerow([tid, tier, opened.isoformat(), message, "true" if score > 1.0 else "false"])


if __name__ == "__main__":
    main()
