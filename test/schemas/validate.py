#!/usr/bin/env python3
"""Validates JSON documents against a schema stored beside this script, or at a given path.

usage: validate.py SCHEMA [--lines] < documents
  SCHEMA   a file in test/schemas/ (sarif-schema-2.1.0.json, openlineage/OpenLineage.json, ...),
           or else a path (docs/schemas/weir-run.schema.json, ...)
  --lines  the input holds one document per line (NDJSON); otherwise it is one document

Prints `valid: N document(s)` and exits 0, or prints each violation (document number, path in
the document, message) and exits 1. Formats (uri, uri-reference, date-time) are checked too.

References never reach the network: every schema stored under test/schemas/ and
docs/schemas/ is known by its `$id`, and a `$ref` to one resolves to the local file. A schema
that validates facets by their base type only (OpenLineage's: a facet is any object with
`_producer` and `_schemaURL`) is not enough: every object in a document that has a
`_schemaURL` is also validated against the schema that URL names, which must be stored here.
"""
import json
import os
import sys

import jsonschema

try:  # jsonschema 4.18 and later resolve references through `referencing`
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012
except ImportError:  # Debian's python3-jsonschema (4.10): a RefResolver with a store
    Registry = None

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SCHEMA_FOLDERS = [HERE, os.path.join(ROOT, "docs", "schemas")]


def local_schemas():
    """Every stored schema with an id, by that id."""
    found = {}
    for folder in SCHEMA_FOLDERS:
        for dirpath, _, names in os.walk(folder):
            for name in sorted(names):
                if not name.endswith(".json"):
                    continue
                with open(os.path.join(dirpath, name), encoding="utf-8") as f:
                    try:
                        schema = json.load(f)
                    except ValueError:
                        continue
                # `$id`, or `id` in a draft-04 schema (SARIF's)
                uri = schema.get("$id", schema.get("id")) if isinstance(schema, dict) else None
                if isinstance(uri, str):
                    found[uri.rstrip("#")] = schema
    return found


def refuse_network(uri):
    raise LookupError(f"{uri} is not stored in test/schemas or docs/schemas (no network)")


def facets_in(value, path=()):
    """Every object with a `_schemaURL` (a facet), with its path."""
    if isinstance(value, dict):
        if isinstance(value.get("_schemaURL"), str):
            yield path, value
        for key, item in value.items():
            yield from facets_in(item, path + (key,))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from facets_in(item, path + (i,))


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    # A file under test/schemas/ (`openlineage/OpenLineage.json`), else a path (`docs/schemas/...`).
    schema_path = os.path.join(HERE, sys.argv[1])
    if not os.path.isfile(schema_path):
        schema_path = sys.argv[1]
    with open(schema_path, encoding="utf-8") as f:
        schema = json.load(f)
    schemas = local_schemas()
    validator_class = jsonschema.validators.validator_for(schema)

    def make_validator(root):
        if Registry is not None:
            registry = Registry(retrieve=refuse_network).with_resources(
                (uri, Resource.from_contents(contents, default_specification=DRAFT202012)) for uri, contents in schemas.items()
            )
            return validator_class(root, registry=registry, format_checker=validator_class.FORMAT_CHECKER)
        resolver = jsonschema.RefResolver.from_schema(root, store=dict(schemas),
                                                      handlers={"http": refuse_network, "https": refuse_network})
        return validator_class(root, resolver=resolver, format_checker=validator_class.FORMAT_CHECKER)

    text = sys.stdin.read()
    if "--lines" in sys.argv[2:]:
        documents = [json.loads(line) for line in text.splitlines() if line.strip()]
    else:
        documents = [json.loads(text)]
    validator = make_validator(schema)
    problems = 0

    def report(number, where, message):
        nonlocal problems
        problems += 1
        print(f"document {number}: at /{'/'.join(str(part) for part in where)}: {message}")

    for number, document in enumerate(documents, 1):
        for error in sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path)):
            report(number, error.absolute_path, error.message)
        # Facets, each against the schema its _schemaURL names (a stored one, never fetched).
        for path, facet in facets_in(document):
            url = facet["_schemaURL"]
            if url.split("#")[0] not in schemas:
                report(number, path, f"no stored schema for _schemaURL {url}")
                continue
            facet_validator = make_validator({"$schema": schema.get("$schema", ""), "$ref": url})
            for error in sorted(facet_validator.iter_errors(facet), key=lambda e: list(e.absolute_path)):
                report(number, list(path) + list(error.absolute_path), error.message)
    if problems:
        sys.exit(1)
    print(f"valid: {len(documents)} document(s)")


if __name__ == "__main__":
    main()
