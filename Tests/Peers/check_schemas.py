#!/usr/bin/env python3
"""Checks JSON Schemas the way a strict tool consumer would.

Usage: check_schemas.py FILE   (FILE: a JSON object {label: schema, ...})

Each schema must be valid JSON Schema 2020-12 (checked against the metaschema by the
`jsonschema` package) and self-contained: every `$ref` must be a local JSON pointer that
resolves inside the schema. Prints {"schemas": N, "invalid": [...], "dangling": [...]}
(at most 20 examples each, with the total counts).
"""

import json
import sys
from urllib.parse import unquote

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError


def resolves(root, pointer):
    if pointer == "#":
        return True
    if not pointer.startswith("#/"):
        return False
    current = root
    for part in pointer[2:].split("/"):
        key = unquote(part).replace("~1", "/").replace("~0", "~")
        if isinstance(current, dict) and key in current:
            current = current[key]
        elif isinstance(current, list) and key.isdigit() and int(key) < len(current):
            current = current[int(key)]
        else:
            return False
    return True


def refs(value):
    if isinstance(value, dict):
        for key, member in value.items():
            if key == "$ref" and isinstance(member, str):
                yield member
            elif key not in ("example", "examples", "default", "enum", "const"):
                yield from refs(member)
    elif isinstance(value, list):
        for item in value:
            yield from refs(item)


def main(path):
    with open(path) as handle:
        schemas = json.load(handle)
    invalid, dangling = [], []
    for label, schema in schemas.items():
        try:
            Draft202012Validator.check_schema(schema)
        except SchemaError as error:
            invalid.append(f"{label}: {error.message[:200]} at {list(error.absolute_path)[:8]}")
        for reference in refs(schema):
            if not resolves(schema, reference):
                dangling.append(f"{label}: {reference}")
    print(json.dumps({
        "schemas": len(schemas),
        "invalid_count": len(invalid), "invalid": invalid[:20],
        "dangling_count": len(dangling), "dangling": dangling[:20],
    }))


if __name__ == "__main__":
    main(sys.argv[1])
