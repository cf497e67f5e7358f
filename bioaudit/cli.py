"""Command line: `bioaudit scan`, `rules`, `rule`, `regulations`.

Exit codes (stable): 0 no finding at or above --fail-on; 1 findings; 2 usage, config or
internal error. Output files are written before exiting, whatever the code.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from bioaudit import __version__

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2

EPILOG_MAIN = """\
commands:
  scan [PATH ...]      analyse a project and report findings (default: .)
  rules                table of the rules: id, name, severity, frameworks
  rule ID|NAME         a rule's full documentation
  regulations [ID]     the regulation frameworks and articles findings cite

examples:
  bioaudit scan .                                  scan the project in the current directory
  bioaudit scan src --format sarif -o bioaudit.sarif
  bioaudit scan . --select BIO001,BIO004 --fail-on high
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

exit codes: 0 no findings at or above --fail-on, 1 findings, 2 usage/config/internal error.
"""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # usage errors exit 2 with a hint, no traceback
        self.print_usage(sys.stderr)
        sys.stderr.write(f"bioaudit: error: {message}\nRun `bioaudit --help` for the commands and options.\n")
        raise SystemExit(EXIT_ERROR)


def _ids(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


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
    scan.add_argument("--format", "-f", choices=["text", "json", "sarif", "github"], default="text", help="output format (default: text)")
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

    sub.add_parser("rules", help="list the rules", description="List every rule: id, name, severity, frameworks it cites, and whether it is enabled by the current config.")
    rule = sub.add_parser("rule", help="show a rule's documentation", description="Show a rule's documentation: what it does, why, example, fix, options and the articles it cites.")
    rule.add_argument("rule", metavar="ID|NAME", help="e.g. BIO003 or biometric-in-logs")
    regs = sub.add_parser("regulations", help="list frameworks and articles", description="List the regulation frameworks bioaudit maps findings to, or one framework's articles.")
    regs.add_argument("framework", nargs="?", metavar="FRAMEWORK", help="e.g. eu-gdpr, cn-frt-2025")
    return parser


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


def cmd_scan(args) -> int:
    from bioaudit.config import ConfigError, find_config, load_config, merge_cli
    from bioaudit.engine.discover import find_root
    from bioaudit.engine.runner import scan
    from bioaudit.model import Severity
    from bioaudit.regulations import UnknownFramework, load_catalog
    from bioaudit.registry import load_registry
    from bioaudit.report import render

    registry = load_registry()
    catalog = load_catalog()
    paths = [Path(p) for p in (args.paths or ["."])]
    missing = [str(p) for p in paths if not p.exists() and not p.is_symlink()]
    if missing:
        return _error(f"path not found: {', '.join(missing)}")
    root = find_root(paths)
    try:
        config_path = Path(args.config) if args.config else find_config(root)
        config = load_config(config_path, known_rules=registry.known(), known_frameworks=catalog.framework_ids())
        config = merge_cli(
            config,
            known_rules=registry.known(),
            known_frameworks=catalog.framework_ids(),
            select=args.select,
            ignore=args.ignore,
            frameworks=args.framework,
            fail_on=args.fail_on,
            min_confidence=args.min_confidence,
            extend_exclude=args.extend_exclude,
        )
    except ConfigError as exc:
        return _error(str(exc))
    except UnknownFramework as exc:
        return _error(str(exc))

    result = scan(paths, config, registry, root=root)
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
    if args.format in ("json", "sarif") and not args.output:
        pass
    elif args.format != "text":
        _summary_to_stderr(result)

    if result.has_errors:
        return EXIT_ERROR
    threshold = Severity.parse(config.fail_on)
    failing = [f for f in result.active_findings if f.severity >= threshold]
    if failing and not args.exit_zero:
        return EXIT_FINDINGS
    return EXIT_CLEAN


def _summary_to_stderr(result) -> None:
    n = len(result.active_findings)
    sys.stderr.write(f"bioaudit: {n} finding{'s' if n != 1 else ''}, {result.files_analysed} files analysed, {len(result.skipped)} not analysed\n")


def write_atomic(path: Path, text: str) -> None:
    """Write via a temporary file and rename: an interrupted run never leaves half a report."""
    path = path.resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


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
