# Adds a column: debt_ratio = debt / income, read from WEIR_INPUT_people, written to WEIR_OUTPUT.
# It also says what it was given, for the test to check: its arguments, its folder, its
# environment's names, what stdin holds, WEIR_THREADS.
import csv
import os
import sys

print("argv:", sys.argv[1:])
print("cwd:", os.getcwd())
print("variables:", " ".join(sorted(os.environ)))
print("stdin:", repr(sys.stdin.read()))
print("threads:", os.environ["WEIR_THREADS"])
print("greeting:", os.environ.get("GREETING"))
with open(os.environ["WEIR_INPUT_people"], newline="") as f, open(os.environ["WEIR_OUTPUT"], "w", newline="") as out:
    writer = csv.writer(out)
    writer.writerow(["id", "name", "debt_ratio"])
    for row in csv.DictReader(f):
        ratio = "" if row["debt"] == "" else float(row["debt"]) / float(row["income"])
        writer.writerow([row["id"], row["name"], ratio])
print("wrote", os.environ["WEIR_OUTPUT"], file=sys.stderr)
