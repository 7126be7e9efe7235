#!/usr/bin/env python3
"""Checks vpndoctor JSON output against Schemas/report-v2.schema.json (JSON Schema draft 2020-12,
validated by the `jsonschema` package: `apt-get install python3-jsonschema` or `pip install
jsonschema`, 4.0 or newer) and that no number in it is beyond 2^53 - 1 (JSON readers hold numbers
as doubles; Python parses them exactly, so the check is exact).

    validate.py report FILE   one `analyze --json` document
    validate.py watch FILE    `watch --json` output: every line one event of $defs/watchEvent
    validate.py numbers FILE  NDJSON (`packets --json`): only the number check

FILE may be "-" (standard input). Prints one line per problem (at most 20) and exits 1 when there
is any, else prints what it checked and exits 0.
"""
import json
import os
import sys

import jsonschema

LIMIT = 2**53 - 1
SCHEMA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "report-v2.schema.json")


def big_numbers(value, path="$"):
    """Paths and values of the numbers in `value` beyond +-(2^53 - 1)."""
    if isinstance(value, bool):
        return
    if isinstance(value, (int, float)):
        if abs(value) > LIMIT:
            yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from big_numbers(item, f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from big_numbers(item, f"{path}[{i}]")


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("report", "watch", "numbers"):
        sys.exit(__doc__)
    mode, name = sys.argv[1], sys.argv[2]
    text = sys.stdin.read() if name == "-" else open(name, encoding="utf-8").read()
    with open(SCHEMA, encoding="utf-8") as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    if mode == "watch":
        schema = dict(schema, **{"$ref": "#/$defs/watchEvent"})
    validator = jsonschema.Draft202012Validator(schema)

    if mode == "report":
        documents = [("document", text)]
    else:
        documents = [(f"line {i}", line) for i, line in enumerate(text.split("\n"), 1) if line]
    problems = []
    for where, item in documents:
        try:
            value = json.loads(item)
        except json.JSONDecodeError as e:
            problems.append(f"{where}: not JSON: {e}")
            continue
        problems += [f"{where}: {path} = {number} is beyond 2^53 - 1" for path, number in big_numbers(value)]
        if mode != "numbers":
            for error in validator.iter_errors(value):
                location = "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
                problems.append(f"{where}: {location}: {error.message[:300]}")
    for problem in problems[:20]:
        print(problem)
    if problems:
        print(f"{len(problems)} problem(s) in {len(documents)} JSON value(s)")
        sys.exit(1)
    print(f"ok: {len(documents)} JSON value(s)")


if __name__ == "__main__":
    main()
