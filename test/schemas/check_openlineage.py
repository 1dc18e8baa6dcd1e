#!/usr/bin/env python3
"""Checks what OpenLineage's schema cannot: that NDJSON run events (standard input) make sense
together, as a consumer (Marquez) reads them.

usage: check_openlineage.py < events.ndjson

- every run has one START, first, and one terminal event (COMPLETE, FAIL or ABORT), last, no
  OTHER, and no time before 2000 (no placeholder times);
- the events come in the order of their times, and a run's START is not after its end;
- a run with the ParentRunFacet names a parent run of the events, and runs within it (it
  starts after the parent started, ends before the parent ended);
- every dataset carries the `schema` facet, and every column-lineage input field names a field
  of a dataset in the events' schema facets.

Prints what it found (the parent runs with their outcome, the jobs by outcome, the number of
column-lineage input fields), then `ok`; or each problem, and exits 1.
"""
import json
import sys
from datetime import datetime


def when(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def main():
    events = [json.loads(line) for line in sys.stdin.read().splitlines() if line.strip()]
    problems = []
    runs = {}  # runId -> list of (index, event)
    for i, event in enumerate(events):
        runs.setdefault(event["run"]["runId"], []).append((i, event))
        if event["eventType"] == "OTHER":
            problems.append(f"event {i + 1}: an OTHER event")
        if when(event["eventTime"]).year < 2000:
            problems.append(f"event {i + 1}: a placeholder time {event['eventTime']}")
        if i > 0 and when(event["eventTime"]) < when(events[i - 1]["eventTime"]):
            problems.append(f"event {i + 1}: at {event['eventTime']}, before the event above it")

    span = {}  # runId -> (start, end, job, outcome)
    for run_id, run_events in runs.items():
        types = [e["eventType"] for _, e in run_events]
        job = run_events[0][1]["job"]["name"]
        if types[0] != "START" or types.count("START") != 1:
            problems.append(f"run {run_id} ({job}): not one START first: {types}")
        terminal = [t for t in types if t in ("COMPLETE", "FAIL", "ABORT")]
        if len(terminal) != 1 or types[-1] not in ("COMPLETE", "FAIL", "ABORT"):
            problems.append(f"run {run_id} ({job}): not one terminal event last: {types}")
            continue
        start, end = when(run_events[0][1]["eventTime"]), when(run_events[-1][1]["eventTime"])
        if end < start:
            problems.append(f"run {run_id} ({job}): ends before it starts")
        span[run_id] = (start, end, job, terminal[0])

    parents, jobs = {}, {}
    for run_id, run_events in runs.items():
        if run_id not in span:
            continue
        parent = run_events[0][1]["run"].get("facets", {}).get("parent")
        start, end, job, outcome = span[run_id]
        if parent is None:
            parents[job] = outcome
            continue
        jobs.setdefault(outcome, []).append(job)
        parent_id = parent["run"]["runId"]
        if parent_id not in span:
            problems.append(f"run {run_id} ({job}): its parent run {parent_id} is not in the events")
            continue
        parent_start, parent_end, _, _ = span[parent_id]
        if start < parent_start or end > parent_end:
            problems.append(f"run {run_id} ({job}): runs from {start} to {end}, outside its parent's run")

    # Datasets' fields, from their schema facets, and every column-lineage input field.
    fields = {}
    for i, event in enumerate(events):
        for dataset in event.get("inputs", []) + event.get("outputs", []):
            key = (dataset["namespace"], dataset["name"])
            schema = dataset.get("facets", {}).get("schema")
            if schema is None:
                problems.append(f"event {i + 1}: dataset {key[0]} {key[1]} has no schema facet")
                continue
            fields.setdefault(key, set()).update(f["name"] for f in schema.get("fields", []))
    references = 0
    for i, event in enumerate(events):
        for dataset in event.get("outputs", []):
            lineage = dataset.get("facets", {}).get("columnLineage")
            if lineage is None:
                continue
            for output_field, entry in lineage["fields"].items():
                if output_field not in fields.get((dataset["namespace"], dataset["name"]), set()):
                    problems.append(f"event {i + 1}: column lineage of `{output_field}`, not a field of {dataset['name']}")
                for ref in entry["inputFields"]:
                    references += 1
                    if ref["field"] not in fields.get((ref["namespace"], ref["name"]), set()):
                        problems.append(
                            f"event {i + 1}: `{output_field}` of {dataset['name']} names {ref['namespace']} {ref['name']} "
                            f"field `{ref['field']}`, which no schema facet declares")

    for job, outcome in sorted(parents.items()):
        print(f"parent {job}: {outcome}")
    for outcome in sorted(jobs):
        print(f"jobs {outcome}: {len(jobs[outcome])}: {', '.join(sorted(jobs[outcome]))}")
    print(f"column lineage: {references} input fields")
    for problem in problems:
        print(f"problem: {problem}")
    if problems:
        sys.exit(1)
    print("ok")


if __name__ == "__main__":
    main()
