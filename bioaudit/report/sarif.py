"""The `sarif` report: SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.

One run. `tool.driver.rules` describes every enabled rule (help markdown, regulations,
security-severity); results carry a relative URI against `%SRCROOT%`, a line-shift-proof
partial fingerprint, `codeFlows` for the source -> sink evidence and `suppressions` for
inline ignores. Skipped files and scan diagnostics are tool execution notifications.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Sequence
from urllib.parse import quote

from bioaudit.model import Finding, ScanResult, Severity
from bioaudit.report import ruledoc
from bioaudit.report.json_report import jsonable, sorted_diagnostics, sorted_findings, tool_version

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
INFORMATION_URI = "https://bioaudit.dev"
RULE_HELP_URI = "https://bioaudit.dev/rules/{id}"
FINGERPRINT_KEY = "bioauditFingerprint/v1"
SRCROOT = "%SRCROOT%"

LEVELS = {Severity.HIGH: "error", Severity.MEDIUM: "warning", Severity.LOW: "note"}
SECURITY_SEVERITY = {Severity.HIGH: "8.0", Severity.MEDIUM: "5.5", Severity.LOW: "3.0"}
BASE_TAGS = ("security", "privacy", "biometrics")


def relative_uri(path: str) -> str:
    """A posix relative path as a percent-encoded URI reference (spaces, unicode, `#`, `%`)."""
    return quote(path.replace("\\", "/"), safe="/")


def root_uri(root: str) -> str:
    """`file:///abs/root/` for the scan root, percent-encoded, always ending in `/`."""
    uri = Path(os.path.abspath(root or ".")).as_uri()
    return uri if uri.endswith("/") else uri + "/"


def _region(line: int, column: int, end_line: int = 0, end_column: int = 0, snippet: str = "") -> dict:
    line = max(1, int(line or 1))
    column = max(1, int(column or 1))
    region: dict[str, Any] = {"startLine": line, "startColumn": column}
    if end_line:
        end_line = max(line, int(end_line))
        region["endLine"] = end_line
        if end_column:
            end_column = max(1, int(end_column))
            if end_line == line:
                end_column = max(column, end_column)
            region["endColumn"] = end_column
    if snippet:
        region["snippet"] = {"text": snippet}
    return region


def _physical(path: str, region: dict) -> dict:
    return {
        "physicalLocation": {
            "artifactLocation": {"uri": relative_uri(path), "uriBaseId": SRCROOT},
            "region": region,
        }
    }


def _dedupe(items) -> list:
    return list(dict.fromkeys(items))


def regulations_json(lines, catalog: Any) -> list[dict]:
    return [
        {
            "ref": ruledoc.article_ref(article),
            "framework": article.framework,
            "article": article.id,
            "title": article.title,
            "reason": reason,
        }
        for article, reason in lines
    ]


def rule_descriptor(rule_cls: type, catalog: Any, frameworks: Sequence[str] | None) -> dict:
    severity = getattr(rule_cls, "SEVERITY", Severity.MEDIUM)
    tags = _dedupe([*BASE_TAGS, *sorted(getattr(rule_cls, "TAGS", ()) or ())])
    summary = getattr(rule_cls, "SUMMARY", "") or rule_cls.NAME
    return {
        "id": rule_cls.ID,
        "name": rule_cls.NAME,
        "shortDescription": {"text": summary},
        "fullDescription": {"text": ruledoc.full_description(rule_cls) or summary},
        "help": {
            "text": ruledoc.rule_text(rule_cls, catalog, frameworks),
            "markdown": ruledoc.rule_markdown(rule_cls, catalog, frameworks),
        },
        "helpUri": RULE_HELP_URI.format(id=rule_cls.ID),
        "defaultConfiguration": {"level": LEVELS[severity]},
        "properties": {
            "security-severity": SECURITY_SEVERITY[severity],
            "tags": tags,
            "regulations": regulations_json(ruledoc.rule_articles(rule_cls, catalog, frameworks), catalog),
        },
    }


def _bare_descriptor(finding: Finding) -> dict:
    """A finding whose rule is not among the enabled rules still needs a descriptor."""
    return {
        "id": finding.rule_id,
        "name": finding.name,
        "defaultConfiguration": {"level": LEVELS[finding.severity]},
        "properties": {
            "security-severity": SECURITY_SEVERITY[finding.severity],
            "tags": list(BASE_TAGS),
        },
    }


def result_json(finding: Finding, rule_index: int, rule_cls: type | None, catalog: Any, frameworks) -> dict:
    span = finding.span
    lines = ruledoc.article_lines(finding, rule_cls, catalog, frameworks)
    refs = [ruledoc.article_ref(a) for a, _ in lines]
    text = finding.message + (f" [{', '.join(refs)}]" if refs else "")
    out: dict[str, Any] = {
        "ruleId": finding.rule_id,
        "ruleIndex": rule_index,
        "level": LEVELS[finding.severity],
        "message": {"text": text},
        "locations": [
            _physical(finding.path, _region(span.line, span.column, span.end_line, span.end_column, finding.snippet))
        ],
    }
    if finding.fingerprint:
        out["partialFingerprints"] = {FINGERPRINT_KEY: finding.fingerprint}
    if finding.steps:
        out["codeFlows"] = [
            {
                "threadFlows": [
                    {
                        "locations": [
                            {
                                "location": {
                                    **_physical(step.path, _region(step.line, step.column)),
                                    "message": {"text": step.note or "step"},
                                }
                            }
                            for step in finding.steps
                        ]
                    }
                ]
            }
        ]
    if finding.suppression is not None:
        out["suppressions"] = [
            {"kind": "inSource", "justification": finding.suppression.reason or "no reason given"}
        ]
    props: dict[str, Any] = {"confidence": finding.confidence.label, "articles": refs}
    fix = ruledoc.finding_fix(finding, rule_cls)
    if fix:
        props["fix"] = fix
    if finding.function:
        props["function"] = finding.function
    if finding.properties:
        props["bioaudit"] = jsonable(finding.properties)
    out["properties"] = props
    return out


def _notification(level: str, text: str, descriptor: str, path: str = "", line: int = 0, props=None) -> dict:
    note: dict[str, Any] = {"level": level, "message": {"text": text}, "descriptor": {"id": descriptor}}
    if path:
        region = {"startLine": line} if line and line > 0 else None
        loc = {"artifactLocation": {"uri": relative_uri(path), "uriBaseId": SRCROOT}}
        if region:
            loc["region"] = region
        note["locations"] = [{"physicalLocation": loc}]
    if props:
        note["properties"] = props
    return note


def build(result: ScanResult, *, catalog: Any, frameworks: Sequence[str] | None = None) -> dict:
    classes = ruledoc.rule_classes(result.rules)
    findings = sorted_findings(result)
    descriptors = [rule_descriptor(cls, catalog, frameworks) for _, cls in sorted(classes.items())]
    known = {d["id"] for d in descriptors}
    for finding in findings:
        if finding.rule_id not in known:
            descriptors.append(_bare_descriptor(finding))
            known.add(finding.rule_id)
    index = {d["id"]: i for i, d in enumerate(descriptors)}

    notifications = [
        _notification(
            "error" if d.level == "error" else "warning" if d.level == "warning" else "note",
            d.message,
            d.code or "diagnostic",
            d.path,
            d.line,
        )
        for d in sorted_diagnostics(result)
    ]
    notifications += [
        _notification(
            "note",
            f"{s.path} not analysed: {s.reason}" + (f" ({s.detail})" if s.detail else ""),
            "skipped-file",
            s.path,
            props={"reason": s.reason, "detail": s.detail},
        )
        for s in sorted(result.skipped, key=lambda s: (s.path, s.reason, s.detail))
    ]
    invocation: dict[str, Any] = {"executionSuccessful": not result.has_errors}
    if notifications:
        invocation["toolExecutionNotifications"] = notifications

    version = tool_version()
    run = {
        "tool": {
            "driver": {
                "name": "bioaudit",
                "version": version,
                "semanticVersion": version,
                "informationUri": INFORMATION_URI,
                "rules": descriptors,
            }
        },
        "invocations": [invocation],
        "originalUriBaseIds": {SRCROOT: {"uri": root_uri(result.root)}},
        "columnKind": "unicodeCodePoints",
        "results": [
            result_json(f, index[f.rule_id], classes.get(f.rule_id), catalog, frameworks) for f in findings
        ],
        "properties": {
            "frameworks": list(frameworks) if frameworks is not None else list(getattr(catalog, "frameworks", {}) or {}),
            "filesAnalysed": result.files_analysed,
            "filesScreened": result.files_screened,
            "filesSkipped": len(result.skipped),
        },
    }
    return {"$schema": SCHEMA_URI, "version": SARIF_VERSION, "runs": [run]}


def render(result: ScanResult, *, catalog: Any, frameworks: Sequence[str] | None = None, **_: Any) -> str:
    return json.dumps(build(result, catalog=catalog, frameworks=frameworks), indent=2, ensure_ascii=False) + "\n"
