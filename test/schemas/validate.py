#!/usr/bin/env python3
"""Validates JSON documents against a schema stored beside this script, or at a given path.

usage: validate.py SCHEMA [--lines] < documents
  SCHEMA   a file name in test/schemas/ (sarif-schema-2.1.0.json, ...), or a path (it has a `/`:
           docs/schemas/weir-run.schema.json, ...)
  --lines  the input holds one document per line (NDJSON); otherwise it is one document

Prints `valid: N document(s)` and exits 0, or prints each violation (document number, path in
the document, message) and exits 1. Formats (uri, uri-reference, date-time) are checked too.
"""
import json
import os
import sys

import jsonschema


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    schema_path = sys.argv[1]
    if "/" not in schema_path:
        schema_path = os.path.join(os.path.dirname(os.path.abspath(__file__)), schema_path)
    with open(schema_path, encoding="utf-8") as f:
        schema = json.load(f)
    text = sys.stdin.read()
    if "--lines" in sys.argv[2:]:
        documents = [json.loads(line) for line in text.splitlines() if line.strip()]
    else:
        documents = [json.loads(text)]
    validator_class = jsonschema.validators.validator_for(schema)
    validator = validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)
    problems = 0
    for number, document in enumerate(documents, 1):
        for error in sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path)):
            problems += 1
            where = "/".join(str(part) for part in error.absolute_path)
            print(f"document {number}: at /{where}: {error.message}")
    if problems:
        sys.exit(1)
    print(f"valid: {len(documents)} document(s)")


if __name__ == "__main__":
    main()
