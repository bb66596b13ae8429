#!/usr/bin/env python3
"""Rebuilds the seed corpus under fuzz/corpus/ from tests/corpus/.

read_request/: the request of a sample of cases from every group, cut verbatim out of the case
file (so duplicate keys survive). parse_policy/: the policies of those requests and of every
errors/ case, re-written with their members in order and duplicates kept. Hand-written broken
inputs (files whose name starts with `broken-`) are left alone.
"""
import json
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parent.parent
CASES = ROOT / "tests" / "corpus"
OUT = ROOT / "fuzz" / "corpus"
PER_GROUP = 7  # requests per group, spread over the group


class Pairs(list):
    """An object read with every member kept, in order."""


def dump(value):
    if isinstance(value, Pairs):
        return "{" + ",".join(json.dumps(k) + ":" + dump(v) for k, v in value) + "}"
    if isinstance(value, list):
        return "[" + ",".join(dump(item) for item in value) + "]"
    return json.dumps(value)


def get(pairs, name):
    return next((v for k, v in pairs if k == name), None)


def request_text(text):
    """The `request` value of a case, verbatim: from its opening brace to the matching one."""
    start = text.index('"request"')
    start = text.index("{", start)
    depth, in_string, escaped = 0, False, False
    for index in range(start, len(text)):
        char = text[index]
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return text[start : index + 1]
    raise ValueError("unbalanced request")


def policies(request):
    for field in ("identityPolicies",):
        for index, policy in enumerate(get(request, field) or []):
            yield f"{field}{index}", policy
    for field in ("resourcePolicy", "permissionBoundary", "sessionPolicy"):
        policy = get(request, field)
        if policy is not None:
            yield field, policy
    for field in ("scps", "rcps"):
        for level, policies_at in enumerate(get(request, field) or []):
            if isinstance(policies_at, list):
                for index, policy in enumerate(policies_at):
                    yield f"{field}{level}-{index}", policy


def main():
    for target in ("parse_policy", "read_request"):
        for old in (OUT / target).glob("*.json"):
            if not old.name.startswith("broken-"):
                old.unlink()
    seen = set()
    for group in sorted(p for p in CASES.iterdir() if p.is_dir()):
        files = sorted(group.glob("*.json"))
        step = max(1, len(files) // PER_GROUP)
        chosen = set(files[::step][:PER_GROUP])
        for path in files:
            text = path.read_text()
            case = json.loads(text, object_pairs_hook=Pairs)
            request = get(case, "request")
            name = f"{group.name}-{path.stem}"
            if path in chosen:
                (OUT / "read_request" / f"{name}.json").write_text(request_text(text) + "\n")
            if path in chosen or group.name == "errors":
                for field, policy in policies(request):
                    body = dump(policy)
                    if body in seen:
                        continue
                    seen.add(body)
                    out = OUT / "parse_policy" / f"{name}-{field}.json"
                    out.write_text(body + "\n")


if __name__ == "__main__":
    main()
