#!/usr/bin/env python3
"""Shows OpenLineage run events (standard input, NDJSON) for a test to check: the parent run's
first and last events, then per job (by name) the datasets it reads and writes,
column lineage of a few fields, Weir's facets, expectations' assertions, why a job failed.

usage: openlineage_show.py FOLDER < events   (FOLDER's real path is shown as TMP)
"""
import json
import os
import sys

folder = os.path.realpath(sys.argv[1])
events = [json.loads(line) for line in sys.stdin.read().splitlines() if line.strip()]


def name(dataset):
    return f"{dataset['namespace']} {dataset['name']}".replace(folder, "TMP")


def first_line(text):
    return text.replace(folder, "TMP").splitlines()[0]


first, last = events[0], events[-1]
print(f"first: {first['eventType']} {first['job']['name']} inputs={first['inputs']} outputs={first['outputs']}")
print(f"last: {last['eventType']} {last['job']['name']} {last['run']['facets']['errorMessage']['message']}")
for event in sorted(events[1:-1], key=lambda e: e["job"]["name"]):
    if event["eventType"] == "START":
        continue
    job = event["job"]["name"]
    reads = ", ".join(name(d) for d in event["inputs"])
    line = f"{job} reads {reads}"
    for d in event["inputs"]:
        assertions = d.get("inputFacets", {}).get("dataQualityAssertions")
        if assertions:
            line += ": assertions " + "; ".join(
                f"{a['name']} ({a['assertion']}, column {a.get('column', '-')}): {a['success']}/{a['severity']}"
                for a in assertions["assertions"])
    for d in event["outputs"]:
        line += f" writes {name(d)}"
        kind = d["facets"]["datasetType"]["datasetType"]
        if kind != "TABLE" or "weir_metrics" in d["facets"]:
            line += f" {kind}"
    if event["eventType"] == "FAIL":
        print(f"{job} failed: {first_line(event['run']['facets']['errorMessage']['message'])}")
        continue
    print(line)
    for d in event["outputs"]:
        facets = d["facets"]
        if "weir_model" in facets:
            m = facets["weir_model"]
            print(f"  weir_model: {m['algorithm']} {m['task']} {m['target']} {m['features']}")
        if "weir_metrics" in facets:
            m = facets["weir_metrics"]
            print(f"  weir_metrics: {m['kind']} {m['model']} {list(m['metrics'])}")
        for field, entry in facets.get("columnLineage", {}).get("fields", {}).items():
            if field in ("debt_ratio", "p_default"):
                print(f"  {field} <- " + ", ".join(f"{name(r)} {r['field']}" for r in entry["inputFields"]))
