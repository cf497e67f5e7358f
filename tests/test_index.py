"""The project index's syntax helpers: module naming and the fast child walk."""
import ast
from pathlib import Path

import pytest

from bioaudit.engine.index import children, module_name_for, walk_own

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
# `children` skips the fields that hold only markers (load/store contexts, operators).
MARKERS = (ast.expr_context, ast.operator, ast.unaryop, ast.boolop)


def test_children_match_iter_child_nodes_on_every_fixture_node():
    checked = 0
    for path in sorted(FIXTURES.rglob("*.py")):
        tree = ast.parse(path.read_bytes())
        for node in ast.walk(tree):
            expected = [c for c in ast.iter_child_nodes(node) if not isinstance(c, MARKERS)]
            assert children(node) == expected, (path, ast.dump(node)[:80])
            checked += 1
    assert checked > 10_000


def test_walk_own_stops_at_nested_scopes():
    tree = ast.parse("def f(a):\n    x = g(a)\n    def inner():\n        secret()\n    lambda: hidden()\n    class C:\n        y = z()\n")
    names = {n.id for n in walk_own(tree.body[0]) if isinstance(n, ast.Name)}
    assert names == {"x", "g", "a"}


@pytest.mark.parametrize(
    ("rel", "packages", "expected"),
    [
        ("app.py", set(), ("app", False, "")),
        ("pkg/__init__.py", {"pkg"}, ("pkg", True, "")),
        ("pkg/sub/mod.py", {"pkg", "pkg/sub"}, ("pkg.sub.mod", False, "")),
        ("src/pkg/mod.py", {"src/pkg"}, ("pkg.mod", False, "src")),
        ("scripts/run.py", set(), ("run", False, "scripts")),
        ("tools/__init__.py", set(), ("tools", True, "tools")),
        ("__init__.py", {"."}, ("__init__", True, "")),
        ("a/b.c.py", set(), ("b.c", False, "a")),
    ],
)
def test_module_names_follow_packages(rel, packages, expected):
    assert module_name_for(rel, packages) == expected
