"""The `text` report: what a developer reads in a terminal (rich, ruff/semgrep style).

    app/views.py
    app/views.py:12:5 BIO003 [high/high-confidence] template logged by `logging.info`
       |
    12 |     logging.info("enc=%s", enc)
       |     ^^^^^^^^^^^^^^^^^^^^^^^^^^^
       |
       = GDPR Art. 32 — Security of processing: reason
       = fix: Log `len(enc)` instead of the template
       = flow:
           1. app/views.py:10:11 `enc` receives a face template from `face_recognition.face_encodings`
           2. app/views.py:12:5 `enc` reaches `logging.info`

Findings are grouped by file, then a summary table, the file counts, what was not
analysed and the scan's own warnings/errors. Messages are never parsed as rich markup.
"""
from __future__ import annotations

import io
import os
import shutil
import sys
from collections import Counter
from typing import Any, Sequence

from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

from bioaudit.model import Finding, ScanResult, Severity
from bioaudit.report import ruledoc
from bioaudit.report.json_report import sorted_diagnostics, sorted_findings

DEFAULT_WIDTH = 100
TAB_SIZE = 4
# Skip reasons the user asked for; their files are counted but not listed one by one.
QUIET_REASONS = frozenset({"excluded", "gitignored", "not-python", "symlink-loop", "duplicate"})
MAX_LISTED = 10

SEVERITY_STYLE = {Severity.HIGH: "bold red", Severity.MEDIUM: "bold yellow", Severity.LOW: "bold cyan"}
GUTTER = "blue"


def auto_color(stream: Any = None) -> bool:
    """Color when writing to a terminal and NO_COLOR is unset (https://no-color.org)."""
    stream = stream if stream is not None else sys.stdout
    if os.environ.get("NO_COLOR"):
        return False
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def make_console(color: bool, width: int) -> tuple[Console, io.StringIO]:
    buf = io.StringIO()
    console = Console(
        file=buf,
        width=width,
        force_terminal=color,
        color_system="standard" if color else None,
        no_color=not color,
        highlight=False,
        markup=False,
        emoji=False,
        soft_wrap=True,
        legacy_windows=False,
        force_jupyter=False,
        force_interactive=False,
        _environ={},
    )
    return console, buf


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else (plural or word + 's')}"


def _one_line(text: str) -> str:
    return " ".join(text.splitlines()) if ("\n" in text or "\r" in text) else text


def _location(path: str, line: int, column: int) -> str:
    return f"{path}:{line}:{column}"


def _code_lines(finding: Finding, gutter_width: int) -> list[Text]:
    snippet = finding.snippet.rstrip("\r\n")
    if not snippet.strip():
        return []
    span = finding.span
    display = snippet.expandtabs(TAB_SIZE).rstrip()
    start = min(max(span.column, 1), len(snippet) + 1)
    if span.end_line and span.end_line > span.line:
        end = len(snippet.rstrip()) + 1
    else:
        end = span.end_column if span.end_column else len(snippet.rstrip()) + 1
        end = min(max(end, start + 1), len(snippet.rstrip()) + 1)
    prefix = cell_len(snippet[: start - 1].expandtabs(TAB_SIZE))
    width = max(1, cell_len(snippet[: end - 1].expandtabs(TAB_SIZE)) - prefix)
    pad = " " * gutter_width
    number = str(span.line).rjust(gutter_width)
    return [
        Text.assemble((f"{pad} |", GUTTER)),
        Text.assemble((f"{number} | ", GUTTER), display),
        Text.assemble((f"{pad} | ", GUTTER), " " * prefix, ("^" * width, SEVERITY_STYLE[finding.severity])),
        Text.assemble((f"{pad} |", GUTTER)),
    ]


def _finding_lines(
    finding: Finding, rule_cls: type | None, catalog: Any, frameworks: Sequence[str] | None
) -> list[Text]:
    span = finding.span
    head = Text.assemble(
        (_location(finding.path, span.line, span.column), "bold"),
        " ",
        (finding.rule_id, SEVERITY_STYLE[finding.severity]),
        " ",
        (f"[{finding.severity.label}/{finding.confidence.label}-confidence]", "dim"),
        " ",
        _one_line(finding.message),
    )
    if finding.suppression is not None:
        reason = finding.suppression.reason or "no reason given"
        head.append(f"  (suppressed: {reason})", style="magenta")
        head.stylize("dim")
        return [head]
    gutter_width = len(str(span.line))
    pad = " " * gutter_width
    lines = [head, *_code_lines(finding, gutter_width)]
    if len(lines) == 1:
        lines.append(Text.assemble((f"{pad} |", GUTTER)))
    for article, reason in ruledoc.article_lines(finding, rule_cls, catalog, frameworks):
        line = Text.assemble(
            (f"{pad} = ", GUTTER),
            (ruledoc.article_name(article, catalog), "bold"),
            f" — {article.title}",
        )
        if reason:
            line.append(f": {_one_line(reason)}")
        lines.append(line)
    fix = ruledoc.finding_fix(finding, rule_cls)
    if fix:
        lines.append(Text.assemble((f"{pad} = ", GUTTER), ("fix:", "bold green"), f" {fix}"))
    if finding.steps:
        lines.append(Text.assemble((f"{pad} = ", GUTTER), ("flow:", "bold")))
        digits = len(str(len(finding.steps)))
        for i, step in enumerate(finding.steps, 1):
            lines.append(
                Text.assemble(
                    f"{pad}     {str(i).rjust(digits)}. ",
                    (_location(step.path, step.line, step.column), "cyan"),
                    f" {_one_line(step.note)}",
                )
            )
    return lines


def _summary_table(findings: list[Finding], classes: dict[str, type]) -> Table:
    counts = Counter(f.rule_id for f in findings)
    meta: dict[str, tuple[str, Severity]] = {}
    for f in findings:  # the rule's default severity, else the highest among its findings
        name, severity = meta.get(f.rule_id, (f.name, f.severity))
        meta[f.rule_id] = (name, max(severity, f.severity))
    for rule_id, cls in classes.items():
        if rule_id in meta and getattr(cls, "SEVERITY", None) is not None:
            meta[rule_id] = (meta[rule_id][0], cls.SEVERITY)
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, header_style="bold")
    table.add_column("rule")
    table.add_column("name")
    table.add_column("severity")
    table.add_column("count", justify="right")
    order = sorted(counts, key=lambda rid: (-meta[rid][1], rid))
    for rule_id in order:
        name, severity = meta[rule_id]
        table.add_row(
            Text(rule_id, style=SEVERITY_STYLE[severity]),
            name,
            Text(severity.label, style=SEVERITY_STYLE[severity]),
            str(counts[rule_id]),
        )
    return table


def _not_analysed(result: ScanResult) -> list[Text]:
    if not result.skipped:
        return []
    by_reason = Counter(s.reason for s in result.skipped)
    reasons = ", ".join(f"{n} {reason}" for reason, n in sorted(by_reason.items(), key=lambda kv: (-kv[1], kv[0])))
    lines = [Text.assemble((f"{_plural(len(result.skipped), 'file')} not analysed", "bold yellow"), f": {reasons}")]
    listed = sorted((s for s in result.skipped if s.reason not in QUIET_REASONS), key=lambda s: (s.path, s.reason))
    for s in listed[:MAX_LISTED]:
        line = Text.assemble("  ", (s.path, "bold"), f": {s.reason}")
        if s.detail:
            line.append(f" ({s.detail})", style="dim")
        lines.append(line)
    if len(listed) > MAX_LISTED:
        lines.append(Text(f"  ... and {len(listed) - MAX_LISTED} more (see --format json)", style="dim"))
    return lines


def _diagnostics(result: ScanResult) -> list[Text]:
    lines = []
    for d in sorted_diagnostics(result):
        style = "bold red" if d.level == "error" else "bold yellow" if d.level == "warning" else "bold"
        line = Text.assemble((f"{d.level}[{d.code}]", style))
        if d.path:
            line.append(" ")
            line.append(_location(d.path, d.line, 1) if d.line else d.path, style="bold")
        line.append(f": {_one_line(d.message)}")
        lines.append(line)
    return lines


def _visible(text: str) -> str:
    """Control characters from scanned names and code (ESC sequences, newlines) shown as
    escapes: they must not reach the reviewer's terminal or forge report lines."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() or ch == "\t" else ch.encode("unicode_escape").decode("ascii") for ch in text)


def _defanged(result: ScanResult) -> ScanResult:
    """A copy of the result whose strings from the scanned tree are safe to print."""
    import copy

    safe = copy.copy(result)
    safe.findings = []
    for finding in result.findings:
        f = copy.copy(finding)
        f.path, f.snippet, f.message = _visible(f.path), _visible(f.snippet), _visible(f.message)
        if f.suppression is not None:
            f.suppression = type(f.suppression)(f.suppression.line, f.suppression.rules, _visible(f.suppression.reason))
        f.steps = tuple(type(st)(_visible(st.path), st.line, st.column, _visible(st.note)) for st in f.steps)
        safe.findings.append(f)
    safe.skipped = [type(sk)(_visible(sk.path), sk.reason, _visible(sk.detail)) for sk in result.skipped]
    safe.diagnostics = [type(d)(d.level, d.code, _visible(d.message), _visible(d.path), d.line) for d in result.diagnostics]
    return safe


def render(
    result: ScanResult,
    *,
    catalog: Any,
    frameworks: Sequence[str] | None = None,
    show_suppressed: bool = False,
    color: bool | None = None,
    width: int | None = None,
    **_: Any,
) -> str:
    if color is None:
        color = auto_color()
        if width is None and color:
            width = shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns
    console, buf = make_console(bool(color), width or DEFAULT_WIDTH)
    result = _defanged(result)
    classes = ruledoc.rule_classes(result.rules)
    shown = [f for f in sorted_findings(result) if show_suppressed or not f.suppressed]
    active = result.active_findings
    suppressed = len(result.findings) - len(active)

    current = None
    for finding in shown:
        if finding.path != current:
            current = finding.path
            console.print(Text(finding.path, style="bold underline"))
        for line in _finding_lines(finding, classes.get(finding.rule_id), catalog, frameworks):
            console.print(line)
        console.print()

    if active:
        console.print(_summary_table(active, classes))
        console.print()
    files_with = len({f.path for f in active})
    if active:
        headline = Text.assemble(
            ("Found ", "bold"),
            (_plural(len(active), "finding"), "bold red"),
            f" in {_plural(files_with, 'file')}",
        )
    else:
        headline = Text("No findings.", style="bold green")
    if suppressed:
        headline.append(f" ({suppressed} suppressed", style="dim")
        headline.append(")" if show_suppressed else "; --show-suppressed lists them)", style="dim")
    console.print(headline)
    console.print(
        Text(
            f"Files: {result.files_discovered} discovered, {result.files_analysed} analysed, "
            f"{result.files_screened} screened (no facial data), {len(result.skipped)} skipped"
        )
    )
    shown_frameworks = list(frameworks) if frameworks is not None else None
    if shown_frameworks is not None:
        console.print(Text("Frameworks: " + ", ".join(shown_frameworks), style="dim"))
    for line in _not_analysed(result):
        console.print(line)
    diags = _diagnostics(result)
    if diags:
        console.print()
        for line in diags:
            console.print(line)
    return buf.getvalue()
