#!/usr/bin/python3
"""Reads a JUnit XML file with junitparser (Debian's python3-junitparser) the way CI test views do, checks that
every declared count equals what the file's test cases say, and prints what it found as JSON.

Exit 0 with the summary on stdout; exit 1 with the reason on stderr for a file a consumer cannot parse or whose
counts lie."""
import json
import sys

from junitparser import Error, Failure, JUnitXml, Skipped


def outcome(case):
    """failure / error / skipped / passed, from the case's result elements."""
    kinds = [type(result) for result in case.result]
    if Failure in kinds:
        return "failure"
    if Error in kinds:
        return "error"
    if Skipped in kinds:
        return "skipped"
    return "passed"


def declared(element, name):
    """A count attribute as an integer; a missing one is a lie about the file, not zero."""
    value = element._elem.get(name)
    if value is None:
        raise ValueError(f"{element._elem.tag} {element._elem.get('name')!r} has no {name} attribute")
    return int(value)


def summarize(path):
    xml = JUnitXml.fromfile(path)
    if xml._elem.tag != "testsuites":
        raise ValueError(f"the root element is <{xml._elem.tag}>, not <testsuites>")
    problems = []
    suites = []
    failed = []
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for suite in xml:
        cases = list(suite)
        counted = {"tests": len(cases), "failures": 0, "errors": 0, "skipped": 0}
        for case in cases:
            kind = outcome(case)
            if kind == "failure":
                counted["failures"] += 1
            elif kind == "error":
                counted["errors"] += 1
            elif kind == "skipped":
                counted["skipped"] += 1
            if kind in ("failure", "error"):
                result = case.result[0]
                failed.append({"suite": suite.name, "classname": case.classname, "name": case.name,
                               "kind": kind, "message": result.message, "text": result.text or ""})
        for key, value in counted.items():
            if declared(suite, key) != value:
                problems.append(f"testsuite {suite.name!r} declares {key}={declared(suite, key)} but holds {value}")
            totals[key] += value
        suites.append({"name": suite.name, **counted,
                       "classnames": sorted({case.classname for case in cases}),
                       "cases": [{"classname": case.classname, "name": case.name, "outcome": outcome(case),
                                  "message": case.result[0].message if case.result else None,
                                  "systemOut": case.system_out} for case in cases]})
    for key, value in totals.items():
        if declared(xml, key) != value:
            problems.append(f"testsuites declares {key}={declared(xml, key)} but its suites hold {value}")
    if problems:
        raise ValueError("; ".join(problems))
    return {"name": xml.name, "totals": totals, "suites": suites, "failed": failed}


def main():
    if len(sys.argv) != 2:
        print("usage: junit_summary.py FILE.xml", file=sys.stderr)
        return 2
    try:
        summary = summarize(sys.argv[1])
    except Exception as error:  # a parse error or a lie: both mean a consumer would show the wrong thing
        print(f"{sys.argv[1]}: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    json.dump(summary, sys.stdout, ensure_ascii=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
