#!/usr/bin/env python3
"""Independent check: validate CycloneDX JSON files with the Python `jsonschema` package.

Needs `pip install 'jsonschema[format]'`: without the format checkers (`iri-reference`
needs rfc3987) upstream's own valid examples are rejected.

usage: validate.py SCHEMA_DIR FILE...   (exit 0 only when every file is valid)

Prints `valid FILE` or `invalid FILE` for each file, then the violations.

Every schema file is registered under its $id (nothing is fetched) and `format`
keywords are asserted, as upstream's own test files require.
"""
import json
import pathlib
import sys

import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7


def main() -> int:
    schema_dir = pathlib.Path(sys.argv[1])
    resources = []
    for p in sorted(schema_dir.glob("*.schema.json")):
        doc = json.loads(p.read_text(encoding="utf-8"))
        resources.append((doc["$id"], Resource.from_contents(doc, default_specification=DRAFT7)))
    registry = Registry().with_resources(resources)
    failed = 0
    for name in sys.argv[2:]:
        doc = json.loads(pathlib.Path(name).read_text(encoding="utf-8"))
        version = doc.get("specVersion")
        schema = registry.contents(f"http://cyclonedx.org/schema/bom-{version}.schema.json")
        validator = jsonschema.Draft7Validator(
            schema, registry=registry, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER
        )
        errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
        print(f"{'invalid' if errors else 'valid'} {name}")
        for e in errors:
            print(f"  {name}: /{'/'.join(map(str, e.absolute_path))}: {e.message[:300]}")
        failed += bool(errors)
    print(f"{len(sys.argv) - 2 - failed} valid, {failed} invalid")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
