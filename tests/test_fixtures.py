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


@pytest.mark.parametrize("unit", [u for u in UNITS if u.is_dir()], ids=[u.name for u in UNITS if u.is_dir()])
def test_findings_do_not_depend_on_the_order_functions_are_analysed(unit: Path, monkeypatch):
    """The fixed point is the same whatever order the worklist starts in (module bodies
    first, as the engine always does)."""
    import random

    from bioaudit.engine import analysis
    from bioaudit.engine.index import MODULE_BODY

    expected = found_set(scan_fixture(unit)[0])
    original = analysis.Analysis._bottom_up

    def shuffled(self, modules):
        order = original(self, modules)
        bodies = [k for k in order if k.endswith("::" + MODULE_BODY)]
        rest = [k for k in order if not k.endswith("::" + MODULE_BODY)]
        random.Random(len(rest)).shuffle(rest)
        return bodies + rest[::-1]

    monkeypatch.setattr(analysis.Analysis, "_bottom_up", shuffled)
    assert found_set(scan_fixture(unit)[0]) == expected
