"""Reads `weir run --json` and prints the declarations of the nodes that ran (status done)."""
import json
import sys

run = json.load(sys.stdin)
print("ran: " + " ".join(sorted({n["declaration"] for n in run["nodes"] if n["status"] == "done"})))
