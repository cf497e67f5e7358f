"""Command line: `bioaudit scan`, `report`, `baseline`, `merge`, `rules`, `rule`, `regulations`.

Exit codes (stable): 0 no finding at or above --fail-on; 1 findings; 2 usage, config or
internal error. Output files are written before exiting, whatever the code.
"""
from __future__ import annotations

import argparse
import gc
import os
import sys
from pathlib import Path

from bioaudit import __version__

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2

EPILOG_MAIN = """\
commands:
  scan [PATH ...]      analyse a project and report findings (default: .)
  report [PATH ...]    the reviewer's audit report: HTML or Markdown (-o audit.html)
  baseline [PATH ...]  record today's findings so that `scan --baseline` fails only on new ones
  merge REPORT.json .. one organisation-wide audit report from many repositories' JSON reports
  rules                table of the rules: id, name, severity, frameworks
  rule ID|NAME         a rule's full documentation
  regulations [ID]     the regulation frameworks and articles findings cite

examples:
  bioaudit scan .                                  scan the project in the current directory
  bioaudit scan src --format sarif -o bioaudit.sarif
  bioaudit scan . --select BIO001,BIO004 --fail-on high
  bioaudit report . -o audit.html                  audit report for a privacy officer
  bioaudit baseline -o .bioaudit-baseline.json     adopt on an existing codebase ...
  bioaudit scan . --baseline .bioaudit-baseline.json   ... and fail only on new findings
  bioaudit rule BIO003
  bioaudit regulations eu-gdpr

exit codes: 0 no findings at or above --fail-on, 1 findings, 2 usage/config/internal error.
configuration: [tool.bioaudit] in the nearest pyproject.toml (see `bioaudit scan --help`).
"""

EPILOG_SCAN = """\
configuration ([tool.bioaudit] in pyproject.toml, overridden by the options above):
  select, ignore, frameworks, fail-on, min-confidence, exclude, extend-exclude,
  per-file-ignores, respect-gitignore, consent-functions, consent-decorators,
  consent-attributes, encrypt-functions, fallback-functions, auth-actions,
  log-functions, storage-functions, face-apis, declared-fallback, rules.<ID>

suppress one finding with a comment on its line (or the line above):
  np.save(path, enc)  # bioaudit: ignore[BIO004] -- encrypted volume, see SEC-12

examples:
  bioaudit scan .                                    text report of the whole project
  bioaudit scan . --format json -o report.json       machine-readable report
  bioaudit scan . --format sarif -o bioaudit.sarif   for GitHub code scanning
  bioaudit scan app/views.py                         report one file, analysed with its project
  bioaudit scan . --framework eu-gdpr,us-il-bipa     show only these frameworks' articles
  bioaudit scan . --format gitlab -o gl-code-quality-report.json   GitLab Code Quality
  bioaudit scan . --baseline .bioaudit-baseline.json only findings not in the baseline
  bioaudit scan . --diff-base origin/main            only findings on lines changed since origin/main

exit codes: 0 no findings at or above --fail-on, 1 findings, 2 usage/config/internal error.
"""

EPILOG_REPORT = """\
sections: summary (by severity, rule and framework article); scope and coverage (files
analysed, screened and not analysed with reasons, rules and versions, configuration, what
the report cannot see); findings by article; each finding with its code excerpt and data
flow; an obligations checklist (PIPIA/DPIA, 100,000-person filing, signage, retention,
guardian consent...); appendix: the facial-data inventory for a PIPIA or DPIA.

The HTML is one self-contained file (no scripts, fonts or links out) that prints well.

examples:
  bioaudit report . -o audit.html
  bioaudit report . -o audit.md --framework cn-frt-2025,cn-pipl
  bioaudit report src --format md > audit.md

exit codes: 0 report written, 2 usage/config error or a scan error (the report is still
written and lists the error).
"""

EPILOG_BASELINE = """\
Findings are recorded by rule, path, enclosing function and statement text (comments and
spacing ignored), with a count: moving code keeps them known, and a second identical
finding in the same function is still new. Commit the file; re-run this command to accept
the current findings (e.g. after fixing some, to drop their entries).

examples:
  bioaudit baseline                                  writes .bioaudit-baseline.json
  bioaudit baseline src -o ci/bioaudit-baseline.json
  bioaudit scan . --baseline .bioaudit-baseline.json then, in CI

exit codes: 0 baseline written, 2 usage/config/internal error.
"""

EPILOG_MERGE = """\
Each REPORT is a `bioaudit scan --format json` output. Paths are shown under a label per
repository: NAME=REPORT sets it, otherwise the scan root's directory name is used.

examples:
  bioaudit merge web/report.json api/report.json -o org.html
  bioaudit merge web=web.json api=api.json -o org.md --framework eu-gdpr

exit codes: 0 report written, 2 usage error or unreadable report.
"""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # usage errors exit 2 with a hint, no traceback
        self.print_usage(sys.stderr)
        sys.stderr.write(f"bioaudit: error: {message}\nRun `bioaudit --help` for the commands and options.\n")
        raise SystemExit(EXIT_ERROR)


def _ids(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="bioaudit",
        description="Static analysis for Python code that processes facial biometrics: finds face data "
        "processed without consent, face-only verification, biometric data in logs and unencrypted "
        "biometric storage, and maps each finding to GDPR, PIPL, BIPA, the EU AI Act and China's "
        "2025 facial recognition Measures. Scanned code is read, never imported or run.",
        epilog=EPILOG_MAIN,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"bioaudit {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    scan = sub.add_parser(
        "scan",
        help="analyse a project and report findings",
        description="Analyse Python files for facial-biometrics compliance problems. The whole project "
        "around the given paths is analysed so that flows across modules are found; findings are "
        "reported for the given paths.",
        epilog=EPILOG_SCAN,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    scan.add_argument("paths", nargs="*", metavar="PATH", help="files or directories (default: .)")
    scan.add_argument("--format", "-f", choices=["text", "json", "sarif", "github", "gitlab"], default="text", help="output format (default: text); gitlab = GitLab Code Quality JSON")
    scan.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE instead of stdout")
    scan.add_argument("--select", type=_ids, metavar="IDS", help="comma-separated rule ids, prefixes or names to enable (e.g. BIO001,BIO004)")
    scan.add_argument("--ignore", type=_ids, metavar="IDS", help="comma-separated rule ids, prefixes or names to disable")
    scan.add_argument("--framework", type=_ids, metavar="IDS", help="show only these frameworks' articles (e.g. eu-gdpr,cn-frt-2025); see `bioaudit regulations`")
    scan.add_argument("--fail-on", choices=["low", "medium", "high"], help="lowest severity that makes the exit code 1 (default: low)")
    scan.add_argument("--min-confidence", choices=["low", "medium", "high"], help="drop findings below this confidence (default: low)")
    scan.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are findings (errors still exit 2)")
    scan.add_argument("--config", metavar="FILE", help="read configuration from FILE instead of the nearest pyproject.toml")
    scan.add_argument("--show-suppressed", action="store_true", help="also list findings silenced by `# bioaudit: ignore[...]` comments")
    scan.add_argument("--extend-exclude", type=_ids, metavar="GLOBS", help="more gitignore-style patterns to skip")
    scan.add_argument("--no-color", action="store_true", help="plain text output (also: NO_COLOR=1, or when not a terminal)")
    scan.add_argument("--baseline", metavar="FILE", help="report only findings not recorded in FILE (see `bioaudit baseline`); entries that no longer match are listed as warnings")
    scan.add_argument("--diff-base", metavar="REF", help="report only findings on lines changed since the git REF (e.g. origin/main); the whole project is still analysed")
    _add_analysis_options(scan)

    report = sub.add_parser(
        "report",
        help="write the reviewer's audit report (HTML or Markdown)",
        description="Scan a project and write an audit report for a security reviewer or privacy officer: "
        "findings by article with evidence, coverage, an obligations checklist and the facial-data inventory.",
        epilog=EPILOG_REPORT,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    report.add_argument("paths", nargs="*", metavar="PATH", help="files or directories (default: .)")
    report.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE; .html or .md chooses the format (default: Markdown on stdout)")
    report.add_argument("--format", "-f", choices=["html", "md"], help="html or md (default: from the -o suffix)")
    report.add_argument("--title", metavar="TEXT", help="the report's title (default: names the scanned root)")
    _add_scan_config_options(report)

    baseline = sub.add_parser(
        "baseline",
        help="record today's findings for `scan --baseline`",
        description="Scan a project and record its findings in a baseline file, so that `bioaudit scan "
        "--baseline FILE` reports (and fails on) only findings that are new.",
        epilog=EPILOG_BASELINE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    baseline.add_argument("paths", nargs="*", metavar="PATH", help="files or directories (default: .)")
    baseline.add_argument("-o", "--output", metavar="FILE", default=".bioaudit-baseline.json", help="baseline file to write (default: .bioaudit-baseline.json)")
    _add_scan_config_options(baseline, frameworks=False)

    merge = sub.add_parser(
        "merge",
        help="combine JSON reports from many repositories into one audit report",
        description="Combine `bioaudit scan --format json` reports from many repositories into one "
        "organisation-wide audit report (HTML or Markdown).",
        epilog=EPILOG_MERGE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    merge.add_argument("reports", nargs="+", metavar="REPORT", help="JSON report files, optionally NAME=FILE")
    merge.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE; .html or .md chooses the format (default: Markdown on stdout)")
    merge.add_argument("--format", "-f", choices=["html", "md"], help="html or md (default: from the -o suffix)")
    merge.add_argument("--framework", type=_ids, metavar="IDS", help="show only these frameworks' articles")
    merge.add_argument("--title", metavar="TEXT", help="the report's title")

    sub.add_parser("rules", help="list the rules", description="List every rule: id, name, severity, frameworks it cites, and whether it is enabled by the current config.")
    rule = sub.add_parser("rule", help="show a rule's documentation", description="Show a rule's documentation: what it does, why, example, fix, options and the articles it cites.")
    rule.add_argument("rule", metavar="ID|NAME", help="e.g. BIO003 or biometric-in-logs")
    regs = sub.add_parser("regulations", help="list frameworks and articles", description="List the regulation frameworks bioaudit maps findings to, or one framework's articles.")
    regs.add_argument("framework", nargs="?", metavar="FRAMEWORK", help="e.g. eu-gdpr, cn-frt-2025")
    return parser


def _add_scan_config_options(parser: argparse.ArgumentParser, *, frameworks: bool = True) -> None:
    """The options `report` and `baseline` share with `scan` to choose what is analysed."""
    parser.add_argument("--select", type=_ids, metavar="IDS", help="comma-separated rule ids, prefixes or names to enable")
    parser.add_argument("--ignore", type=_ids, metavar="IDS", help="comma-separated rule ids, prefixes or names to disable")
    if frameworks:
        parser.add_argument("--framework", type=_ids, metavar="IDS", help="show only these frameworks' articles (e.g. eu-gdpr,cn-pipl)")
    parser.add_argument("--min-confidence", choices=["low", "medium", "high"], help="drop findings below this confidence (default: low)")
    parser.add_argument("--config", metavar="FILE", help="read configuration from FILE instead of the nearest pyproject.toml")
    parser.add_argument("--extend-exclude", type=_ids, metavar="GLOBS", help="more gitignore-style patterns to skip")
    _add_analysis_options(parser)


def _add_analysis_options(parser: argparse.ArgumentParser) -> None:
    """How the analysis runs (not what it finds): shared by every scanning command."""
    parser.add_argument("--jobs", "-j", type=_positive_int, metavar="N", help="worker processes for independent parts of the project (default and maximum: one per core)")
    parser.add_argument("--no-cache", action="store_true", help="do not read or write the analysis cache (.bioaudit_cache/ in the scan root)")
    parser.add_argument("--timeout-per-file", type=float, metavar="SECONDS", help="stop analysing a file after this long and list it as not analysed (default: 20)")


def entry() -> None:
    """The `bioaudit` command: run, flush, and leave without tearing down the object graph
    of a large analysis (a tenth of a second on every pre-commit run).

    The cyclic GC stays off for the whole process, not only during the scan: re-enabled
    after it, its first collection walks every object the analysis allocated (~0.25 s on
    the face corpus), for memory the exit hands back anyway. A one-shot command has no
    use for it."""
    gc.disable()
    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except Exception:  # a closed pipe: nothing left to say
        code = code or EXIT_ERROR
    os._exit(code)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_ERROR
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    try:
        if args.command == "scan":
            return cmd_scan(args)
        if args.command == "report":
            return cmd_report(args)
        if args.command == "baseline":
            return cmd_baseline(args)
        if args.command == "merge":
            return cmd_merge(args)
        if args.command == "rules":
            return cmd_rules(args)
        if args.command == "rule":
            return cmd_rule(args)
        if args.command == "regulations":
            return cmd_regulations(args)
    except KeyboardInterrupt:
        sys.stderr.write("bioaudit: interrupted\n")
        return EXIT_ERROR
    except BrokenPipeError:
        return EXIT_ERROR
    except Exception as exc:  # last line of defence: a clear message, never a traceback
        sys.stderr.write(
            f"bioaudit: internal error: {type(exc).__name__}: {exc}\n"
            "This is a bug in bioaudit; please report it with the command you ran. "
            "Set BIOAUDIT_DEBUG=1 to see the traceback.\n"
        )
        if os.environ.get("BIOAUDIT_DEBUG"):
            raise
        return EXIT_ERROR
    return EXIT_ERROR


def _error(message: str) -> int:
    sys.stderr.write(f"bioaudit: error: {message}\n")
    return EXIT_ERROR


def _use_color(args) -> bool:
    if getattr(args, "no_color", False) or os.environ.get("NO_COLOR"):
        return False
    if getattr(args, "output", None):
        return False
    return sys.stdout.isatty()


class _SetupFailed(Exception):
    """Configuration or path problem already worded for the user (exit code 2)."""


def _setup(args):
    """Registry, catalog, paths, root and validated configuration for a scanning command."""
    from bioaudit.config import ConfigError, find_config, load_config, merge_cli
    from bioaudit.engine.discover import find_root
    from bioaudit.regulations import UnknownFramework, load_catalog
    from bioaudit.registry import load_registry

    registry = load_registry()
    catalog = load_catalog()
    paths = [Path(p) for p in (args.paths or ["."])]
    existing = [p for p in paths if p.exists() or p.is_symlink()]
    if not existing:
        raise _SetupFailed(f"path not found: {', '.join(str(p) for p in paths)}")
    # Missing paths are reported (exit 2) while the others are still scanned.
    root = find_root(existing)
    try:
        config_path = Path(args.config) if args.config else find_config(root)
        config = load_config(config_path, known_rules=registry.known(), known_frameworks=catalog.framework_ids())
        config = merge_cli(
            config,
            known_rules=registry.known(),
            known_frameworks=catalog.framework_ids(),
            select=args.select,
            ignore=args.ignore,
            frameworks=getattr(args, "framework", None),
            fail_on=getattr(args, "fail_on", None),
            min_confidence=args.min_confidence,
            extend_exclude=args.extend_exclude,
            jobs=getattr(args, "jobs", None),
            cache=False if getattr(args, "no_cache", False) else None,
            timeout_per_file=getattr(args, "timeout_per_file", None),
        )
    except (ConfigError, UnknownFramework) as exc:
        raise _SetupFailed(str(exc)) from None
    return registry, catalog, paths, root, config


def _run_scan(paths, config, registry, root, progress: bool = False):
    from bioaudit.engine.runner import scan
    from bioaudit.report.audit import config_settings

    result = scan(paths, config, registry, root=root, progress=progress)
    result.settings = config_settings(config)
    return result


def _baseline_scope(paths: list[Path], root: Path):
    """Which baseline entries a scan of `paths` can judge (None = all of them)."""
    prefixes = []
    for p in paths:
        try:
            rel = p.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            return None
        if rel in ("", "."):
            return None
        prefixes.append(rel)
    return prefixes


def cmd_scan(args) -> int:
    from bioaudit.model import Diagnostic, Severity
    from bioaudit.report import render

    try:
        registry, catalog, paths, root, config = _setup(args)
    except _SetupFailed as exc:
        return _error(str(exc))

    baseline = changed = None
    if args.baseline:
        from bioaudit import baseline as baselines

        try:
            baseline = baselines.load(args.baseline)
        except baselines.BaselineError as exc:
            return _error(str(exc))
    if args.diff_base:
        from bioaudit import diffbase

        try:
            changed = diffbase.changed_lines(root, args.diff_base)
        except diffbase.DiffBaseError as exc:
            return _error(str(exc))

    # a progress bar on long scans, on a terminal, and never beside a machine format
    progress = args.format == "text" and not args.output and sys.stderr.isatty()
    result = _run_scan(paths, config, registry, root, progress=progress)
    if baseline is not None:
        outcome = baselines.apply(result, baseline, scope=_baseline_scope(paths, root))
        result.diagnostics.extend(baselines.diagnostics(outcome, baseline))
    if changed is not None:
        dropped = diffbase.restrict(result, changed)
        result.diagnostics.append(
            Diagnostic(
                "info", "diff-base",
                f"--diff-base {args.diff_base}: {len(changed)} changed file{'s' if len(changed) != 1 else ''}; "
                f"{dropped} finding{'s' if dropped != 1 else ''} on unchanged lines not reported",
            )
        )
    output = render(
        args.format, result, catalog=catalog, frameworks=config.frameworks,
        show_suppressed=args.show_suppressed, color=_use_color(args),
    )
    if args.output:
        try:
            write_atomic(Path(args.output), output)
        except OSError as exc:
            return _error(f"cannot write {args.output}: {exc.strerror or exc}")
        if args.format != "text":
            sys.stderr.write(f"bioaudit: wrote {args.format} report to {args.output}\n")
    else:
        sys.stdout.write(output)
        sys.stdout.flush()
    if args.format in ("json", "sarif", "gitlab") and not args.output:
        pass
    elif args.format != "text":
        _summary_to_stderr(result)
    if baseline is not None and args.format != "text":
        for d in result.diagnostics:
            if d.code in ("baseline", "baseline-stale"):
                sys.stderr.write(f"bioaudit: {d.level}: {d.message}\n")
    # Errors are on stderr whatever the format: a gate that exits 2 says why.
    for d in result.diagnostics:
        if d.code == "missing-path":
            sys.stderr.write(f"bioaudit: error: path not found: {d.path}\n")
        elif d.level == "error" and (args.format != "text" or args.output):
            where = f"{d.path}:{d.line}: " if d.path and d.line else f"{d.path}: " if d.path else ""
            sys.stderr.write(f"bioaudit: error: {where}{d.message}\n")

    if result.has_errors:
        return EXIT_ERROR
    threshold = Severity.parse(config.fail_on)
    failing = [f for f in result.active_findings if f.severity >= threshold]
    if failing and not args.exit_zero:
        return EXIT_FINDINGS
    return EXIT_CLEAN


def _audit_format(args) -> str:
    """html or md: --format, else the -o suffix, else Markdown for stdout."""
    if args.format:
        return args.format
    if not args.output:
        return "md"
    suffix = Path(args.output).suffix.lower()
    if suffix in (".html", ".htm"):
        return "html"
    if suffix in (".md", ".markdown"):
        return "md"
    raise _SetupFailed(f"cannot tell the report format from {args.output!r}; name it .html or .md, or pass --format html|md")


def _write_report(args, text: str, fmt: str, what: str) -> int | None:
    if args.output:
        try:
            write_atomic(Path(args.output), text)
        except OSError as exc:
            return _error(f"cannot write {args.output}: {exc.strerror or exc}")
        sys.stderr.write(f"bioaudit: wrote {what} ({fmt}) to {args.output}\n")
    else:
        sys.stdout.write(text)
        sys.stdout.flush()
    return None


def cmd_report(args) -> int:
    from bioaudit.report import audit

    try:
        fmt = _audit_format(args)
        registry, catalog, paths, root, config = _setup(args)
    except _SetupFailed as exc:
        return _error(str(exc))
    result = _run_scan(paths, config, registry, root)
    doc = audit.audit_doc(result, catalog=catalog, frameworks=config.frameworks)
    text = audit.render(doc, fmt, catalog=catalog, frameworks=config.frameworks, title=args.title)
    failed = _write_report(args, text, fmt, "audit report")
    if failed is not None:
        return failed
    _summary_to_stderr(result)
    return EXIT_ERROR if result.has_errors else EXIT_CLEAN


def cmd_baseline(args) -> int:
    from bioaudit import baseline as baselines

    try:
        registry, catalog, paths, root, config = _setup(args)
    except _SetupFailed as exc:
        return _error(str(exc))
    result = _run_scan(paths, config, registry, root)
    if result.has_errors:
        for d in result.diagnostics:
            if d.level == "error":
                sys.stderr.write(f"bioaudit: error: {d.message}\n")
        return _error("the scan had errors; no baseline written (a baseline of an incomplete scan would hide findings)")
    recorded = baselines.from_findings(result.findings)
    try:
        write_atomic(Path(args.output), baselines.to_json(recorded))
    except OSError as exc:
        return _error(f"cannot write {args.output}: {exc.strerror or exc}")
    n = recorded.total
    sys.stderr.write(
        f"bioaudit: recorded {n} finding{'s' if n != 1 else ''} ({len(recorded.counts)} entr{'ies' if len(recorded.counts) != 1 else 'y'}) "
        f"in {args.output}; use it with `bioaudit scan --baseline {args.output}`\n"
    )
    return EXIT_CLEAN


def _merge_inputs(specs: list[str]) -> list[tuple[str, Path]]:
    out = []
    for spec in specs:
        label, path = "", spec
        if "=" in spec and not Path(spec).exists():
            label, path = spec.split("=", 1)
        out.append((label.strip(), Path(path)))
    return out


def cmd_merge(args) -> int:
    import json

    from bioaudit.regulations import UnknownFramework, load_catalog
    from bioaudit.report import audit

    catalog = load_catalog()
    try:
        fmt = _audit_format(args)
        if args.framework:
            catalog.check_framework_ids(args.framework)
    except _SetupFailed as exc:
        return _error(str(exc))
    except UnknownFramework as exc:
        return _error(str(exc))
    reports: list[tuple[str, dict]] = []
    used: set[str] = set()
    for label, path in _merge_inputs(args.reports):
        try:
            doc = json.loads(path.read_bytes().decode("utf-8"))
        except FileNotFoundError:
            return _error(f"report not found: {path}")
        except OSError as exc:
            return _error(f"cannot read {path}: {exc.strerror or exc}")
        except (UnicodeDecodeError, ValueError) as exc:
            return _error(f"{path} is not a JSON file: {exc}; write reports with `bioaudit scan --format json -o report.json`")
        try:
            audit.check_report(doc, str(path))
        except audit.MergeError as exc:
            return _error(str(exc))
        if not label:
            root = str(doc.get("root") or "").replace("\\", "/").rstrip("/")
            label = root.rsplit("/", 1)[-1] or path.stem
        base, n = label, 2
        while label in used:
            label, n = f"{base}-{n}", n + 1
        used.add(label)
        reports.append((label, doc))
    doc = audit.merge_docs(reports, frameworks=args.framework)
    text = audit.render(doc, fmt, catalog=catalog, frameworks=args.framework, title=args.title or "Facial-biometrics audit: organisation report")
    failed = _write_report(args, text, fmt, f"merged audit report of {len(reports)} repositories")
    return failed if failed is not None else EXIT_CLEAN


def _summary_to_stderr(result) -> None:
    n = len(result.active_findings)
    sys.stderr.write(
        f"bioaudit: {n} finding{'s' if n != 1 else ''}, {result.files_analysed} files analysed, "
        f"{result.files_screened} screened, {len(result.skipped)} not analysed in {result.duration_s:.2f}s\n"
    )


def write_atomic(path: Path, text: str) -> None:
    """Write a report atomically: an interrupted run never leaves half a report."""
    from bioaudit.fsutil import write_atomic as _write

    _write(path.resolve(), text)


def cmd_rules(args) -> int:
    from rich.console import Console
    from rich.table import Table

    from bioaudit.config import ConfigError, find_config, is_selected, load_config
    from bioaudit.regulations import load_catalog
    from bioaudit.registry import load_registry

    registry = load_registry()
    catalog = load_catalog()
    try:
        config = load_config(find_config(Path(".")), known_rules=registry.known(), known_frameworks=catalog.framework_ids())
    except ConfigError as exc:
        return _error(str(exc))
    table = Table(title="bioaudit rules", show_lines=False)
    for col in ("id", "name", "severity", "enabled", "frameworks", "summary"):
        table.add_column(col)
    for rid, cls in registry.rules.items():
        frameworks = sorted({ref.split(":")[0] for ref in cls.REFERENCES}, key=catalog.framework_ids().index)
        on = is_selected(rid, config, default_enabled=cls.DEFAULT_ENABLED)
        table.add_row(rid, cls.NAME, cls.SEVERITY.label, "yes" if on else "no", ", ".join(frameworks), cls.SUMMARY)
    Console(no_color=not _use_color(args), width=None if sys.stdout.isatty() else 160).print(table)
    for error in registry.errors:
        sys.stderr.write(f"bioaudit: warning: {error}\n")
    return EXIT_CLEAN


def cmd_rule(args) -> int:
    from bioaudit.regulations import load_catalog
    from bioaudit.registry import load_registry
    from bioaudit.report.ruledoc import rule_markdown

    registry = load_registry()
    cls = registry.get(args.rule)
    if cls is None:
        import difflib

        choices = [*registry.rules, *registry.by_name()]
        close = difflib.get_close_matches(args.rule, choices, n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        return _error(f"unknown rule {args.rule!r}{hint}; run `bioaudit rules` for the list")
    text = rule_markdown(cls, load_catalog())
    if sys.stdout.isatty() and not os.environ.get("NO_COLOR"):
        from rich.console import Console
        from rich.markdown import Markdown

        Console().print(Markdown(text))
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return EXIT_CLEAN


def cmd_regulations(args) -> int:
    from rich.console import Console
    from rich.table import Table

    from bioaudit.regulations import UnknownFramework, load_catalog

    catalog = load_catalog()
    console = Console(no_color=not _use_color(args), width=None if sys.stdout.isatty() else 160)
    if args.framework:
        try:
            catalog.check_framework_ids([args.framework])
        except UnknownFramework as exc:
            return _error(str(exc))
        fw = catalog.frameworks[args.framework]
        table = Table(title=f"{fw.title} ({fw.id})\n{fw.url}")
        for col in ("article", "title", "obligation", "verified"):
            table.add_column(col)
        for art in fw.articles.values():
            table.add_row(art.id, art.title, art.summary, "yes" if art.verified else "re-check")
        console.print(table)
        return EXIT_CLEAN
    table = Table(title="Regulation frameworks")
    for col in ("id", "title", "jurisdiction", "articles", "url"):
        table.add_column(col)
    for fw in catalog.frameworks.values():
        table.add_row(fw.id, fw.title, fw.jurisdiction, str(len(fw.articles)), fw.url)
    console.print(table)
    return EXIT_CLEAN


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
