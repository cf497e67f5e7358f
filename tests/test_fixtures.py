"""Each fixture project is scanned on its own and its findings must match the annotations
exactly: `# expect: ID` lines report, `# ok: ID` lines stay quiet, and the known gaps
(`todo-expect`, `todo-ok`) fail the test once they start behaving, so they get promoted."""
from __future__ import annotations

from pathlib import Path

import pytest

from bioaudit.testing import fixture_units, found_set, scan_fixture

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
UNITS = fixture_units(FIXTURES)


def test_there_are_enough_fixture_projects():
    projects = [u for u in UNITS if u.is_dir()]
    assert len(projects) >= 8
    assert (FIXTURES / "lookalikes").is_dir()


@pytest.mark.parametrize("unit", UNITS, ids=[u.name for u in UNITS])
def test_fixture_findings_match_annotations(unit: Path):
    result, expected = scan_fixture(unit)
    assert not [d for d in result.diagnostics if d.level == "error"], result.diagnostics
    found = found_set(result)
    missing = sorted(expected.expect - found)
    unexpected = sorted(found - expected.expect - expected.todo_ok)
    assert not missing, f"expected findings not reported: {missing}"
    assert not unexpected, f"findings on lines not annotated `expect`: {unexpected}"
    now_found = sorted(expected.todo_expect & found)
    assert not now_found, f"todo-expect now reported, promote to expect: {now_found}"
    now_quiet = sorted(expected.todo_ok - found)
    assert not now_quiet, f"todo-ok now quiet, promote to ok: {now_quiet}"


def test_lookalike_project_is_silent():
    result, _ = scan_fixture(FIXTURES / "lookalikes")
    assert result.findings == []
    assert result.files_analysed > 0, "the look-alikes must actually be analysed, not screened out"


def test_every_rule_has_a_fixture():
    from bioaudit.registry import load_registry

    annotated = set()
    for path in FIXTURES.rglob("*.py"):
        annotated.update(part for part in path.read_text("utf-8").split() if part.rstrip(",;").startswith("BIO"))
    ids = {a.rstrip(",;") for a in annotated}
    for rid in load_registry().rules:
        assert rid in ids, f"no fixture line annotates {rid}"
