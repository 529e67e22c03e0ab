#!/usr/bin/env python3
"""Validate LLM tool definitions (as GET /api/v1/tools?format=... returns them) against a provider meta-schema.

Usage:
    check_tools.py FORMAT FILE        # FORMAT: openai | anthropic | gemini; FILE: JSON or '-' for stdin

FILE is {"format": FORMAT, "tools": [...]}. Every element of `tools` is validated with
Draft202012Validator against tool_schemas/FORMAT.json (one element of the provider's request
`tools` array). For openai/anthropic each parameters/input_schema must itself be a valid
JSON Schema (Draft202012Validator.check_schema). Tool names must be unique (for gemini:
across all functionDeclarations).

Prints {"ok":true,"count":N} (N = number of functions) and exits 0, or
{"ok":false,"errors":[...]} and exits 1.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

SCHEMAS = Path(__file__).resolve().parent / "tool_schemas"
FORMATS = ("openai", "anthropic", "gemini")


def where(path) -> str:
    """JSON-pointer-ish location of a validation error ("" at the element itself)."""
    return "".join(f"/{p}" for p in path)


def functions(fmt: str, tool: dict) -> list[tuple[str, dict | None]]:
    """(name, parameter schema) pairs of one tools[] element."""
    if fmt == "openai":
        fn = tool.get("function") or {}
        return [(fn.get("name"), fn.get("parameters"))]
    if fmt == "anthropic":
        return [(tool.get("name"), tool.get("input_schema"))]
    return [(d.get("name"), d.get("parameters")) for d in tool.get("functionDeclarations") or [] if isinstance(d, dict)]


def check(fmt: str, doc) -> tuple[list[str], int]:
    errors: list[str] = []
    if not isinstance(doc, dict) or not isinstance(doc.get("tools"), list):
        return ['document must be an object with a "tools" array'], 0
    if doc.get("format") not in (None, fmt):
        errors.append(f"document format is {doc.get('format')!r}, expected {fmt!r}")
    validator = Draft202012Validator(json.loads((SCHEMAS / f"{fmt}.json").read_text()))
    seen: set[str] = set()
    count = 0
    for i, tool in enumerate(doc["tools"]):
        for err in sorted(validator.iter_errors(tool), key=lambda e: list(e.absolute_path)):
            errors.append(f"tools[{i}]{where(err.absolute_path)}: {err.message}")
        if not isinstance(tool, dict):
            continue
        for name, params in functions(fmt, tool):
            count += 1
            if isinstance(name, str):
                if name in seen:
                    errors.append(f"tools[{i}]: duplicate tool name {name!r}")
                seen.add(name)
            # The meta-schema checks the shape; here the parameter schema must be a JSON Schema.
            if fmt != "gemini" and isinstance(params, dict):
                try:
                    Draft202012Validator.check_schema(params)
                except SchemaError as e:
                    errors.append(f"tools[{i}] {name!r}: parameters are not a valid JSON Schema: {e.message}")
    return errors, count


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in FORMATS:
        print(__doc__, file=sys.stderr)
        return 2
    fmt, path = argv
    try:
        doc = json.load(sys.stdin if path == "-" else open(path, encoding="utf-8"))
    except (OSError, ValueError) as e:
        print(json.dumps({"ok": False, "errors": [f"cannot read {path}: {e}"]}))
        return 1
    errors, count = check(fmt, doc)
    print(json.dumps({"ok": True, "count": count} if not errors else {"ok": False, "errors": errors}))
    return 0 if not errors else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
