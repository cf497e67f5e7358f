"""The `json` report: a documented, versioned schema (docs/json-format.md,
bioaudit/schema/report-1.schema.json).

Version 1 only ever gains optional fields; anything that changes or removes a field bumps
`version` and the schema URL.
"""
from __future__ import annotations

import enum
import json
import math
from pathlib import PurePath
from typing import Any, Sequence

from bioaudit.model import Finding, ScanResult, Severity
from bioaudit.report import ruledoc
from bioaudit.report.inventory import empty_inventory

SCHEMA_URL = "https://bioaudit.dev/schema/report-1.json"
SCHEMA_VERSION = 1


def tool_version() -> str:
    from bioaudit import __version__

    return __version__


def jsonable(value: Any) -> Any:
    """Rule-supplied properties as plain JSON: dict keys sorted, sets sorted, enums by label."""
    if isinstance(value, dict):
        return {str(k): jsonable(value[k]) for k in sorted(value, key=str)}
    if isinstance(value, (set, frozenset)):
        return sorted((jsonable(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, enum.Enum):
        return getattr(value, "label", None) or value.name.lower()
    if isinstance(value, PurePath):
        return value.as_posix()
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def effective_frameworks(catalog: Any, frameworks: Sequence[str] | None) -> list[str]:
    """The framework ids whose articles are shown: the filter, or every catalogued one."""
    if frameworks is not None:
        return list(frameworks)
    return list(getattr(catalog, "frameworks", {}) or {})


def sorted_findings(result: ScanResult) -> list[Finding]:
    return sorted(result.findings, key=lambda f: f.sort_key())


def articles_json(finding: Finding, rule_cls: type | None, catalog: Any, frameworks: Sequence[str] | None) -> list[dict]:
    return [
        {
            "framework": article.framework,
            "framework_title": ruledoc.framework_title(catalog, article.framework),
            "article": article.id,
            "title": article.title,
            "reason": reason,
            "verified": bool(getattr(article, "verified", True)),
        }
        for article, reason in ruledoc.article_lines(finding, rule_cls, catalog, frameworks)
    ]


def finding_json(finding: Finding, rule_cls: type | None, catalog: Any, frameworks: Sequence[str] | None) -> dict:
    span = finding.span
    sup = finding.suppression
    return {
        "rule_id": finding.rule_id,
        "rule_name": finding.name,
        "severity": finding.severity.label,
        "confidence": finding.confidence.label,
        "path": finding.path,
        "line": span.line,
        "column": span.column,
        "end_line": span.end_line,
        "end_column": span.end_column,
        "message": finding.message,
        "fix": ruledoc.finding_fix(finding, rule_cls),
        "articles": articles_json(finding, rule_cls, catalog, frameworks),
        "flow": [{"path": s.path, "line": s.line, "column": s.column, "note": s.note} for s in finding.steps],
        "fingerprint": finding.fingerprint,
        "function": finding.function,
        "snippet": finding.snippet,
        "properties": jsonable(finding.properties or {}),
        "suppressed": finding.suppressed,
        "suppression": (
            {"reason": sup.reason, "rules": list(sup.rules), "line": sup.line} if sup is not None else None
        ),
    }


def summary_json(result: ScanResult) -> dict:
    active = result.active_findings
    by_severity = {s.label: 0 for s in sorted(Severity, reverse=True)}
    by_rule: dict[str, int] = {}
    for f in active:
        by_severity[f.severity.label] += 1
        by_rule[f.rule_id] = by_rule.get(f.rule_id, 0) + 1
    return {
        "files_discovered": result.files_discovered,
        "files_analysed": result.files_analysed,
        "files_screened": result.files_screened,
        "files_skipped": len(result.skipped),
        "findings": len(active),
        "suppressed": len(result.findings) - len(active),
        "by_severity": by_severity,
        "by_rule": dict(sorted(by_rule.items())),
    }


def rules_json(result: ScanResult) -> list[dict]:
    out = []
    for rule_id, cls in sorted(ruledoc.rule_classes(result.rules).items()):
        severity = getattr(cls, "SEVERITY", None)
        out.append(
            {
                "id": rule_id,
                "name": getattr(cls, "NAME", ""),
                "severity": severity.label if severity is not None else "",
                "summary": getattr(cls, "SUMMARY", ""),
                "version": str(getattr(cls, "VERSION", "")),
            }
        )
    return out


def build(result: ScanResult, *, catalog: Any, frameworks: Sequence[str] | None = None) -> dict:
    """The report as a JSON-ready dict (what `render` serialises)."""
    classes = ruledoc.rule_classes(result.rules)
    return {
        "schema": SCHEMA_URL,
        "version": SCHEMA_VERSION,
        "tool": {"name": "bioaudit", "version": tool_version()},
        "root": result.root,
        "summary": summary_json(result),
        "findings": [
            finding_json(f, classes.get(f.rule_id), catalog, frameworks) for f in sorted_findings(result)
        ],
        "not_analysed": [
            {"path": s.path, "reason": s.reason, "detail": s.detail}
            for s in sorted(result.skipped, key=lambda s: (s.path, s.reason, s.detail))
        ],
        "diagnostics": [
            {"level": d.level, "code": d.code, "message": d.message, "path": d.path, "line": d.line}
            for d in sorted_diagnostics(result)
        ],
        "rules": rules_json(result),
        "config": config_json(result, catalog, frameworks),
        "inventory": jsonable(result.inventory or empty_inventory()),
    }


def config_json(result: ScanResult, catalog: Any, frameworks: Sequence[str] | None) -> dict:
    out: dict[str, Any] = {
        "source": result.config_source,
        "frameworks": effective_frameworks(catalog, frameworks),
    }
    settings = getattr(result, "settings", None)
    if settings:
        out["settings"] = jsonable(settings)
    return out


def sorted_diagnostics(result: ScanResult) -> list:
    level_rank = {"error": 0, "warning": 1}
    return sorted(
        result.diagnostics,
        key=lambda d: (level_rank.get(d.level, 2), d.path, d.line, d.code, d.message),
    )


def render(result: ScanResult, *, catalog: Any, frameworks: Sequence[str] | None = None, **_: Any) -> str:
    doc = build(result, catalog=catalog, frameworks=frameworks)
    return json.dumps(doc, indent=2, ensure_ascii=False, sort_keys=False) + "\n"
