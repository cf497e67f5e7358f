#!/usr/bin/env python3
"""Per-rule precision and recall over the annotated fixtures.

A finding on a line annotated `# expect: ID` is a true positive; a finding anywhere else
is a false positive (lines annotated `# ok: ID` are the deliberate negatives, counted
apart); an `expect` with no finding is a false negative. `todo-*` annotations are known
gaps and are shown, not hidden: they count as what they are (a todo-expect miss is a
false negative).

    python scripts/accuracy.py [FIXTURES_DIR] [--verbose]
"""
from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

from bioaudit.registry import load_registry
from bioaudit.testing import fixture_units, found_set, scan_fixture


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("fixtures", nargs="?", default=str(Path(__file__).resolve().parent.parent / "fixtures"))
    parser.add_argument("--verbose", "-v", action="store_true", help="list every miss and false alarm")
    parser.add_argument("--min", type=float, default=0.0, help="exit 1 if any core rule is below this precision or recall")
    args = parser.parse_args(argv)
    registry = load_registry()
    tp, fp, fn, ok_hits = defaultdict(int), defaultdict(int), defaultdict(int), defaultdict(int)
    details = []
    for unit in fixture_units(Path(args.fixtures)):
        result, exp = scan_fixture(unit, registry)
        found = found_set(result)
        expected = exp.expect | exp.todo_expect
        for item in found:
            rule = item[2]
            if item in expected:
                tp[rule] += 1
            else:
                fp[rule] += 1
                if item in exp.ok or item in exp.todo_ok:
                    ok_hits[rule] += 1
                details.append(f"false alarm  {unit.name}/{item[0]}:{item[1]} {rule}")
        for item in expected - found:
            fn[item[2]] += 1
            details.append(f"missed       {unit.name}/{item[0]}:{item[1]} {item[2]}")
    print(f"{'rule':8} {'name':34} {'TP':>4} {'FP':>4} {'FN':>4} {'precision':>10} {'recall':>8}")
    worst = 1.0
    for rid, cls in registry.rules.items():
        t, f, n = tp[rid], fp[rid], fn[rid]
        precision = t / (t + f) if t + f else 1.0
        recall = t / (t + n) if t + n else 1.0
        if t + f + n:
            worst = min(worst, precision, recall)
        print(f"{rid:8} {cls.NAME:34} {t:>4} {f:>4} {n:>4} {precision:>10.3f} {recall:>8.3f}")
    if args.verbose:
        print()
        print("\n".join(sorted(details)))
    return 1 if worst < args.min else 0


if __name__ == "__main__":
    sys.exit(main())
