# held.py: reads `weir run --json` and prints, per scan that read its file, whether it held at
# most half its records at once (`streams`) or all of them (`whole`), with its declaration.
import json
import sys

for node in json.load(sys.stdin)["nodes"]:
    if node["kind"] != "scan" or "rows_held" not in node:
        continue
    held, records = node["rows_held"], node["rows_in"]
    shape = "streams" if 0 < held <= records // 2 else "whole" if held == records else "held %d of %d" % (held, records)
    print("scan %s %s" % (node["declaration"], shape))
