"""The `gitlab` report: GitLab Code Quality JSON (a Code Climate issue subset).

    [{"description": "BIO003 template logged by `logging.info` (GDPR Art. 32, PIPL Art. 51)",
      "check_name": "BIO003 biometric-in-logs",
      "fingerprint": "4f0c1e5a...",
      "severity": "critical",
      "location": {"path": "app/views.py", "lines": {"begin": 12}}}]

One issue per active finding. Severities map high -> `critical`, medium -> `major`,
low -> `minor` (GitLab's scale is info, minor, major, critical, blocker). Fingerprints are
the finding's line-shift-proof fingerprint, so GitLab's merge-request widget tells new
findings from old ones. Paths are relative to the scan root: scan from the repository root
so that they match the checkout.

    bioaudit:
      script: bioaudit scan . --format gitlab -o gl-code-quality-report.json
      artifacts:
        when: always
        reports:
          codequality: gl-code-quality-report.json
"""
from __future__ import annotations

import hashlib
import json
from typing import Any, Sequence

from bioaudit.model import ScanResult, Severity
from bioaudit.report import ruledoc
from bioaudit.report.json_report import sorted_findings

SEVERITIES = {Severity.HIGH: "critical", Severity.MEDIUM: "major", Severity.LOW: "minor"}


def _fingerprint(finding) -> str:
    if finding.fingerprint:
        return finding.fingerprint
    text = "\x1f".join((finding.rule_id, finding.path, str(finding.span.line), str(finding.span.column), finding.message))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def build(result: ScanResult, *, catalog: Any, frameworks: Sequence[str] | None = None) -> list[dict]:
    classes = ruledoc.rule_classes(result.rules)
    issues: list[dict] = []
    seen: set[str] = set()
    for finding in sorted_findings(result):
        if finding.suppressed:
            continue
        rule_cls = classes.get(finding.rule_id)
        articles = ruledoc.article_lines(finding, rule_cls, catalog, frameworks)
        description = f"{finding.rule_id} {' '.join(finding.message.split())}"
        if articles:
            description += " (" + ", ".join(ruledoc.article_name(a, catalog) for a, _ in articles) + ")"
        fingerprint = _fingerprint(finding)
        while fingerprint in seen:  # GitLab drops issues whose fingerprints collide
            fingerprint = hashlib.sha256((fingerprint + "+").encode()).hexdigest()[:32]
        seen.add(fingerprint)
        body = [finding.message]
        fix = ruledoc.finding_fix(finding, rule_cls)
        if fix:
            body.append(f"Fix: {fix}")
        body += [ruledoc.article_line(a, reason, catalog) for a, reason in articles]
        body += [f"{i}. {s.path}:{s.line} {s.note}" for i, s in enumerate(finding.steps, 1)]
        issues.append(
            {
                "type": "issue",
                "description": description,
                "check_name": f"{finding.rule_id} {finding.name}",
                "fingerprint": fingerprint,
                "severity": SEVERITIES[finding.severity],
                "categories": ["Security"],
                "content": {"body": "\n\n".join(body)},
                "location": {
                    "path": finding.path,
                    "lines": {"begin": max(1, finding.span.line), "end": max(finding.span.line, finding.span.end_line or finding.span.line)},
                },
            }
        )
    return issues


def render(result: ScanResult, *, catalog: Any, frameworks: Sequence[str] | None = None, **_: Any) -> str:
    return json.dumps(build(result, catalog=catalog, frameworks=frameworks), indent=2, ensure_ascii=False) + "\n"
