"""Inline suppressions: `# bioaudit: ignore[BIO003] -- reason` on the reported line, on
any line of the reported statement, or on the line above. Bad suppressions are reported."""
from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass

from bioaudit.model import Diagnostic, Finding, Suppression

MARKER = re.compile(r"#\s*bioaudit\s*:\s*(?P<verb>[a-z-]+)(?P<ids>\[[^\]]*\])?(?P<rest>.*)$", re.I)


@dataclass
class Comment:
    line: int
    rules: tuple[str, ...]
    reason: str
    text: str
    used: bool = False
    problem: str = ""


def parse_comments(text: str, path: str) -> list[Comment]:
    """The bioaudit comments of a file (tokenized, so `#` inside strings is ignored)."""
    if "bioaudit" not in text:
        return []
    out = []
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return []
    for tok in tokens:
        if tok.type != tokenize.COMMENT:
            continue
        match = MARKER.search(tok.string)
        if not match:
            continue
        verb = match.group("verb").lower()
        ids_text = (match.group("ids") or "").strip("[]")
        rules = tuple(r.strip().upper() for r in ids_text.split(",") if r.strip())
        reason = match.group("rest").strip()
        reason = re.sub(r"^(--|—|:|-)\s*", "", reason).strip()
        comment = Comment(tok.start[0], rules, reason, tok.string)
        if verb not in ("ignore", "noqa"):
            comment.problem = f"unknown bioaudit directive `{verb}` (use `# bioaudit: ignore[BIO003] -- reason`)"
        elif not rules:
            comment.problem = "suppression without a rule id suppresses nothing; name the rule: `# bioaudit: ignore[BIO003] -- reason`"
        elif not reason:
            comment.problem = f"suppression of {', '.join(rules)} gives no reason; add one after `--`"
        out.append(comment)
    return out


def apply(findings: list[Finding], comments_by_path: dict[str, list[Comment]], known_rules: set[str], enabled: set[str]) -> list[Diagnostic]:
    """Mark suppressed findings; return diagnostics for bad or unused suppressions."""
    diagnostics: list[Diagnostic] = []
    for finding in findings:
        comments = comments_by_path.get(finding.path)
        if not comments:
            continue
        lines = set(range(finding.span.line - 1, max(finding.span.end_line, finding.span.line) + 1))
        for comment in comments:
            if comment.line in lines and finding.rule_id in comment.rules and not comment.problem.startswith("unknown bioaudit directive"):
                finding.suppression = Suppression(comment.line, comment.rules, comment.reason)
                comment.used = True
                break
    for path in sorted(comments_by_path):
        for comment in comments_by_path[path]:
            unknown = [r for r in comment.rules if r not in known_rules]
            if comment.problem:
                diagnostics.append(Diagnostic("warning", "bad-suppression", comment.problem, path, comment.line))
            if unknown:
                diagnostics.append(Diagnostic("warning", "unknown-rule-in-suppression", f"suppression names unknown rule {', '.join(unknown)}", path, comment.line))
            elif comment.rules and not comment.used and all(r in enabled for r in comment.rules):
                diagnostics.append(Diagnostic("warning", "unused-suppression", f"suppression of {', '.join(comment.rules)} matches no finding; remove it", path, comment.line))
    return diagnostics
