"""The `github` report: GitHub Actions workflow commands, one annotation per active finding.

    ::error file=app/views.py,line=12,col=5,endLine=12,endColumn=30,title=BIO003 biometric-in-logs::message (GDPR Art. 32, PIPL Art. 51)

Escaping follows @actions/core (`toCommandValue` / `escapeData` / `escapeProperty`).
Paths are relative to the scan root; run the scan from the repository root so they match
the checkout.
"""
from __future__ import annotations

from typing import Any, Sequence

from bioaudit.model import ScanResult, Severity
from bioaudit.report import ruledoc
from bioaudit.report.json_report import sorted_diagnostics, sorted_findings

COMMANDS = {Severity.HIGH: "error", Severity.MEDIUM: "warning", Severity.LOW: "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render(result: ScanResult, *, catalog: Any, frameworks: Sequence[str] | None = None, **_: Any) -> str:
    classes = ruledoc.rule_classes(result.rules)
    lines = []
    for finding in sorted_findings(result):
        if finding.suppressed:
            continue
        span = finding.span
        props = [("file", finding.path), ("line", str(max(1, span.line))), ("col", str(max(1, span.column)))]
        if span.end_line:
            props.append(("endLine", str(max(span.line, span.end_line))))
            if span.end_column:
                props.append(("endColumn", str(span.end_column)))
        props.append(("title", f"{finding.rule_id} {finding.name}"))
        articles = ruledoc.article_lines(finding, classes.get(finding.rule_id), catalog, frameworks)
        message = finding.message
        if articles:
            message += " (" + ", ".join(ruledoc.article_name(a, catalog) for a, _ in articles) + ")"
        fix = ruledoc.finding_fix(finding, classes.get(finding.rule_id))
        if fix:
            message += f"\nFix: {fix}"
        prop_text = ",".join(f"{key}={escape_property(value)}" for key, value in props)
        lines.append(f"::{COMMANDS[finding.severity]} {prop_text}::{escape_data(message)}")
    # Problems with the scan itself (bad suppressions, plugin or rule errors) are
    # annotations too, so a failing gate says why.
    for diag in sorted_diagnostics(result):
        props = [("title", f"bioaudit {diag.code}")]
        if diag.path:
            props.insert(0, ("file", diag.path))
            if diag.line:
                props.insert(1, ("line", str(diag.line)))
        prop_text = ",".join(f"{key}={escape_property(value)}" for key, value in props)
        lines.append(f"::{'error' if diag.level == 'error' else 'warning'} {prop_text}::{escape_data(diag.message)}")
    return "".join(line + "\n" for line in lines)
