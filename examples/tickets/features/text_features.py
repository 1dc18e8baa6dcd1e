#!/usr/bin/env python3
"""Reads the text of support tickets, which the language does not do, and writes one row of
numbers per ticket: the `text_features` step of tickets.mlflow.

Weir writes the step's input (the table `tickets`) to the file in WEIR_INPUT_tickets and reads
the table this writes to WEIR_OUTPUT, checked against the schema `TextFeatures`. Standard library
only, and deterministic: the same tickets give the same bytes.
"""
import csv
import os
import re
import sys

WORD = re.compile(r"[A-Za-z']+")
REFUND = re.compile(r"\brefund", re.IGNORECASE)
CANCEL = re.compile(r"\bcancel", re.IGNORECASE)


def features(message: str) -> dict:
    words = WORD.findall(message)
    letters = [c for c in message if c.isalpha()]
    upper = sum(1 for c in letters if c.isupper())
    return {
        "words": len(words),
        "exclamations": message.count("!"),
        "mentions_refund": "true" if REFUND.search(message) else "false",
        "mentions_cancel": "true" if CANCEL.search(message) else "false",
        # The share of capital letters: shouting.
        "shouting": f"{upper / len(letters):.4f}" if letters else "0",
    }


def main() -> None:
    columns = ["ticket_id", "words", "exclamations", "mentions_refund", "mentions_cancel", "shouting"]
    rows = 0
    with open(os.environ["WEIR_INPUT_tickets"], newline="") as source, \
            open(os.environ["WEIR_OUTPUT"], "w", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        for ticket in csv.DictReader(source):
            writer.writerow({"ticket_id": ticket["ticket_id"], **features(ticket["message"])})
            rows += 1
    print(f"text_features: {rows} tickets", file=sys.stderr)


if __name__ == "__main__":
    main()
