"""Every rule's VALID and INVALID examples run as tests (ids like BIO004-invalid-0)."""
from __future__ import annotations

from pathlib import Path

import pytest

from bioaudit.config import Config, validate_table
from bioaudit.engine.runner import scan
from bioaudit.registry import load_registry

REGISTRY = load_registry()
CASES = [
    pytest.param(cls, kind, i, example, id=f"{rid}-{kind}-{i}")
    for rid, cls in REGISTRY.rules.items()
    for kind, examples in (("valid", cls.VALID), ("invalid", cls.INVALID))
    for i, example in enumerate(examples)
]


def _scan(tmp_path: Path, example) -> list:
    for rel, text in example.files().items():
        target = tmp_path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    config = validate_table(dict(example.config), source="example", known_rules=REGISTRY.known(), root=()) if example.config else Config()
    result = scan([tmp_path], config, REGISTRY, root=tmp_path)
    assert not result.has_errors, result.diagnostics
    return result.findings


@pytest.mark.parametrize("cls, kind, index, example", CASES)
def test_rule_example(tmp_path, cls, kind, index, example):
    findings = [f for f in _scan(tmp_path, example) if f.rule_id == cls.ID]
    if kind == "valid":
        assert findings == [], [f"{f.path}:{f.span.line} {f.message}" for f in findings]
    else:
        lines = {(f.path, f.span.line) for f in findings}
        assert (example.path, example.line) in lines, f"{cls.ID} not reported at {example.path}:{example.line}; got {sorted(lines)}"


def test_every_rule_has_examples():
    for rid, cls in REGISTRY.rules.items():
        assert cls.VALID and cls.INVALID, rid
