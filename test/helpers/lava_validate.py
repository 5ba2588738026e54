#!/usr/bin/python3
"""Validates LAVA job definitions with LAVA's own schema (Debian's lava-common: lava_common.schemas.validate, strict),
the check a LAVA server makes when a job is submitted.

Usage: lava_validate.py JOB.yaml...  Exit 0 when every job is valid; exit 1 with each invalid job's error on stderr."""
import sys

import yaml
from lava_common.schemas import validate
from voluptuous import Invalid


def check(path):
    """None when the job is valid, else the validator's message with the path of the bad key."""
    with open(path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    try:
        validate(data, strict=True)
    except Invalid as error:
        where = "/".join(str(part) for part in error.path)
        return f"{error.msg} (at {where})" if where else str(error.msg)
    return None


def main(paths):
    if not paths:
        print("usage: lava_validate.py JOB.yaml...", file=sys.stderr)
        return 2
    failed = 0
    for path in paths:
        problem = check(path)
        if problem:
            failed += 1
            print(f"{path}: invalid LAVA job: {problem}", file=sys.stderr)
        else:
            print(f"{path}: valid")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
