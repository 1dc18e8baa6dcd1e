# held.py: reads `weir run --json` and prints, per scan that read its file, whether it held at
# most half its records at once (`streams`) or all of them (`whole`), with its declaration; the
# same per sink that wrote its file, of the rows it wrote.
import json
import sys

for node in json.load(sys.stdin)["nodes"]:
    if node["kind"] not in ("scan", "sink") or "rows_held" not in node:
        continue
    held, records = node["rows_held"], node["rows_in" if node["kind"] == "scan" else "rows_out"]
    shape = "streams" if 0 < held <= records // 2 else "whole" if held == records else "held %d of %d" % (held, records)
    print("%s %s %s" % (node["kind"], node["declaration"], shape))
