"""Where a bioaudit scan spends its time: phase timers and/or cProfile, in one process.

Run it with the Python of the bioaudit installation to profile, e.g.

    benchmarks/.work/snap-<sha>/venv/bin/python benchmarks/profile_scan.py phases benchmarks/corpus/main
    benchmarks/.work/snap-<sha>/venv/bin/python benchmarks/profile_scan.py cprofile benchmarks/corpus/face -o face.prof

``phases`` wraps the pipeline's steps (discover, read, relevance prefilter, decode, ast.parse,
index, analysis, rules, render) with wall and CPU timers; times are inclusive (relevance
includes the import graph, "parse relevant" includes decode and ast.parse). ``cprofile``
runs the whole CLI under cProfile (timer: process CPU time, so other load on the machine
does not inflate it) and prints the top functions by cumulative and by own time.
"""
from __future__ import annotations

import argparse
import functools
import os
import sys
import time

T0_WALL, T0_CPU = time.perf_counter(), time.process_time()

STATS: dict[str, list[float]] = {}  # name -> [calls, wall, cpu]


def _timed(name: str, fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        w, c = time.perf_counter(), time.process_time()
        try:
            return fn(*args, **kwargs)
        finally:
            s = STATS.setdefault(name, [0, 0.0, 0.0])
            s[0] += 1
            s[1] += time.perf_counter() - w
            s[2] += time.process_time() - c

    return wrapper


def instrument() -> None:
    import pathlib

    from bioaudit.engine import runner
    from bioaudit.engine.analysis import Analysis
    from bioaudit.engine.index import ProjectIndex

    patches = [
        (runner, "scan", "scan() total"),
        (runner, "discover", "1 discover (walk, ignore rules)"),
        (runner, "knowledge_for", "  knowledge (catalogs)"),
        (runner, "relevance", "2 relevance: regex prefilter + import graph"),
        (runner, "import_graph", "    import graph (line regex)"),
        (runner, "read_source", "3 decode relevant files (read_source)"),
        (runner, "parse", "3 ast.parse relevant files"),
        (ProjectIndex, "add_module", "3 index modules (ProjectIndex.add_module)"),
        (Analysis, "solve", "4 analysis: solve (abstract interpretation)"),
        (Analysis, "run", "4 analysis: run"),
        (Analysis, "facts", "4 analysis: facts"),
        (runner, "store_readers", "4 store readers scan"),
        (runner, "build_inventory", "5 inventory"),
        (runner, "assign_fingerprints", "6 fingerprints"),
        (runner, "components", "2 components (connected parts)"),
        (runner, "run_units", "3-4 run_units (cache look-up, parse, analyse, cache write)"),
        (runner, "analyse_unit", "3-4 analyse_unit (parse + analyse one part)"),
        (runner, "unit_key", "  cache keys (hash contents)"),
        (Analysis, "update", "4 analysis: update (incremental)"),
        (Analysis, "restore", "4 analysis: restore snapshot"),
        (Analysis, "snapshot", "4 analysis: take snapshot"),
    ]
    try:
        from bioaudit.engine.cache import Cache

        patches += [(Cache, "get", "  cache get (read + unpickle)"), (Cache, "put", "  cache put (pickle + write)")]
    except ImportError:
        pass
    for owner, attr, name in patches:
        if hasattr(owner, attr):
            setattr(owner, attr, _timed(name, getattr(owner, attr)))
    pathlib.Path.read_bytes = _timed("2 read all files (Path.read_bytes)", pathlib.Path.read_bytes)
    import bioaudit.report as report

    report.render = _timed("7 render report", report.render)


SCAN_ARGS: list[str] = []


def cli_argv(paths: list[str], out: str) -> list[str]:
    return ["scan", *paths, "--format", "json", "-o", out, "--exit-zero", *SCAN_ARGS]


def phases(args) -> None:
    STATS["0 imports + registry + config (before scan)"] = [1, 0.0, 0.0]
    from bioaudit import cli

    instrument()
    # Rule subclasses are loaded by the registry: instrument them once it has loaded them
    from bioaudit import registry as reg

    orig = reg.load_registry

    def load_registry(*a, **k):
        r = orig(*a, **k)
        for cls in r.rules.values():
            if "check" in cls.__dict__ and not hasattr(cls.check, "__wrapped__"):
                check = cls.check
                cls.check = functools.wraps(check)(_timed("5 rules (check)", lambda self, facts, _c=check: list(_c(self, facts))))
        return r

    reg.load_registry = load_registry
    scan_entry = {}
    from bioaudit.engine import runner

    inner = runner.scan

    def scan(*a, **k):
        scan_entry["wall"], scan_entry["cpu"] = time.perf_counter(), time.process_time()
        return inner(*a, **k)

    runner.scan = scan
    devnull = open(os.devnull, "w")
    saved = sys.stderr
    sys.stderr = devnull
    try:
        cli.main(cli_argv(args.paths, args.output))
    finally:
        sys.stderr = saved
    total_w, total_c = time.perf_counter() - T0_WALL, time.process_time() - T0_CPU
    STATS["0 imports + registry + config (before scan)"] = [1, scan_entry["wall"] - T0_WALL, scan_entry["cpu"] - T0_CPU]
    print("| phase (inclusive) | calls | wall s | CPU s | % of CPU |")
    print("|---|---:|---:|---:|---:|")
    for name in sorted(STATS):
        calls, w, c = STATS[name]
        print(f"| {name} | {calls:,} | {w:.3f} | {c:.3f} | {100 * c / total_c:.1f} |")
    print(f"| **process total (from interpreter start of this script)** | | {total_w:.3f} | {total_c:.3f} | 100 |")


def cprofile(args) -> None:
    import cProfile
    import pstats

    from bioaudit import cli

    prof = cProfile.Profile(time.process_time)
    devnull = open(os.devnull, "w")
    saved = sys.stderr
    sys.stderr = devnull
    try:
        prof.runcall(cli.main, cli_argv(args.paths, args.output))
    finally:
        sys.stderr = saved
    prof.dump_stats(args.prof)
    stats = pstats.Stats(args.prof)
    total = stats.total_tt
    rows = []
    for (file, line, func), (cc, nc, tt, ct, _callers) in stats.stats.items():
        rows.append((file, line, func, nc, tt, ct))

    def short(file: str) -> str:
        i = file.find("bioaudit/")
        return file[i:] if i >= 0 else os.path.basename(file)

    def show(title: str, key, only_bioaudit: bool, n: int) -> None:
        print(f"\n{title}\n")
        print("| function | calls | own CPU s | cumulative CPU s | cum % |")
        print("|---|---:|---:|---:|---:|")
        shown = 0
        for file, line, func, nc, tt, ct in sorted(rows, key=key, reverse=True):
            if only_bioaudit and "bioaudit/" not in file:
                continue
            print(f"| `{short(file)}:{line} {func}` | {nc:,} | {tt:.2f} | {ct:.2f} | {100 * ct / total:.0f} |")
            shown += 1
            if shown >= n:
                break

    print(f"total CPU under the profiler: {total:.2f} s (profiler overhead included)")
    show("Top bioaudit functions by cumulative time", lambda r: r[5], True, args.top)
    show("Top functions by own time (all code)", lambda r: r[4], False, args.top)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("mode", choices=["phases", "cprofile"])
    ap.add_argument("paths", nargs="+")
    ap.add_argument("-o", "--prof", default="scan.prof", help="cProfile output file (cprofile mode)")
    ap.add_argument("--output", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), ".work", "profile-report.json"))
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--gc", choices=["default", "disable", "threshold"], default="default",
                    help="experiment: run with the cyclic GC disabled, or gen-0 threshold 100,000")
    ap.add_argument("--all-relevant", action="store_true",
                    help="stress test: analyse every file as if it imported a face library (e.g. all of "
                    "sympy, one 1,500-file part: how the engine scales on a large analysed project)")
    ap.add_argument("--scan-args", default="", help="extra `bioaudit scan` options, e.g. '--jobs 1 --no-cache' "
                    "(use --jobs 1: work done in worker processes is invisible to this profiler)")
    args = ap.parse_args()
    SCAN_ARGS.extend(args.scan_args.split())
    if args.gc == "disable":
        import gc

        gc.disable()
    elif args.gc == "threshold":
        import gc

        gc.set_threshold(100_000, 50, 100)
    if args.all_relevant:
        from bioaudit.engine import runner

        def everything(raw, knowledge):
            python = {rel for rel in raw if rel.endswith(".py")}
            return python, set(python)

        runner.relevance = everything
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    (phases if args.mode == "phases" else cprofile)(args)


if __name__ == "__main__":
    main()
