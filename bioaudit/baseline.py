"""Baselines: adopt bioaudit on an existing codebase and fail only on what is new.

`bioaudit baseline -o .bioaudit-baseline.json` records today's findings; `bioaudit scan
--baseline .bioaudit-baseline.json` then reports only findings that are not in it and lists
the entries that no longer match anything (fixed, or changed beyond recognition).

A finding is keyed by its rule, path, enclosing function and *normalised statement text*
(comments dropped, whitespace between tokens ignored), never by line number: code that
moves up or down keeps its findings known. Each key carries a count, so one known finding
cannot hide a second identical one added later in the same function: the key's first
`count` findings (in line order) are known, the rest are new.

File format (JSON, versioned, sorted so that it diffs well in review)::

    {
      "schema": "https://bioaudit.dev/schema/baseline-1.json",
      "version": 1,
      "tool": {"name": "bioaudit", "version": "0.1.0"},
      "findings": 3,
      "entries": [
        {"rule": "BIO003", "path": "app/views.py", "function": "app.views.enrol",
         "statement": "log.debug(\\"enc=%s\\", enc)", "count": 1,
         "message": "template logged by `logging.Logger.debug`"}
      ]
    }

`message` is informational (the first matching finding's message when recorded) and is not
part of the key. Unknown fields are ignored, so later versions can add some.
"""
from __future__ import annotations

import io
import json
import tokenize
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from bioaudit.model import Diagnostic, Finding, ScanResult

SCHEMA_URL = "https://bioaudit.dev/schema/baseline-1.json"
VERSION = 1
DEFAULT_PATH = ".bioaudit-baseline.json"

Key = tuple  # (rule, path, function, normalised statement)

class BaselineError(Exception):
    """The baseline file cannot be read or is not a bioaudit baseline (exit code 2)."""


def normalise_statement(text: str) -> str:
    """The statement without comments, whitespace runs collapsed to one space.

    What the baseline file shows. Keys compare it with all whitespace removed
    (`statement_key`), so `x = f(a,b)  # note` and `x = f( a, b )` match. Comments are
    found with the tokenizer (a `#` inside a string stays); a statement the tokenizer
    cannot finish (the engine gives the first line of a long one) keeps what it read.
    """
    lines = text.splitlines(keepends=True)
    cuts: dict[int, int] = {}  # 0-based line -> column where its comment starts
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.COMMENT:
                cuts[tok.start[0] - 1] = tok.start[1]
    except (tokenize.TokenError, IndentationError, SyntaxError):
        pass
    kept = [line[: cuts[i]] if i in cuts else line for i, line in enumerate(lines)]
    return " ".join("".join(kept).split())


def statement_key(text: str) -> str:
    """The comparable form of a statement: no comments, no whitespace at all."""
    return "".join(normalise_statement(text).split())


def finding_key(finding: Finding) -> Key:
    return (finding.rule_id, finding.path, finding.function or "<module>", statement_key(finding.statement))


@dataclass
class Baseline:
    counts: Counter = field(default_factory=Counter)  # Key -> count
    messages: dict = field(default_factory=dict)  # Key -> message (informational)
    statements: dict = field(default_factory=dict)  # Key -> statement as shown in the file
    path: str = ""

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class BaselineOutcome:
    """What `apply` did: findings hidden as known, and entries nothing matched any more."""

    matched: int = 0
    new: int = 0
    stale: list[tuple[Key, int]] = field(default_factory=list)  # (key, unmatched count)


def from_findings(findings: Iterable[Finding]) -> Baseline:
    baseline = Baseline()
    for finding in sorted(findings, key=Finding.sort_key):
        if finding.suppressed:
            continue
        key = finding_key(finding)
        baseline.counts[key] += 1
        baseline.messages.setdefault(key, finding.message)
        baseline.statements.setdefault(key, normalise_statement(finding.statement))
    return baseline


def to_json(baseline: Baseline) -> str:
    from bioaudit import __version__

    entries = [
        {
            "rule": key[0],
            "path": key[1],
            "function": key[2],
            "statement": baseline.statements.get(key, key[3]),
            "count": count,
            "message": baseline.messages.get(key, ""),
        }
        for key, count in sorted(baseline.counts.items())
        if count > 0
    ]
    doc = {
        "schema": SCHEMA_URL,
        "version": VERSION,
        "tool": {"name": "bioaudit", "version": __version__},
        "findings": baseline.total,
        "entries": entries,
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def create(result: ScanResult) -> str:
    """The baseline file's text for a scan's active findings."""
    return to_json(from_findings(result.findings))


def load(path: Path | str) -> Baseline:
    """Read a baseline file; BaselineError with a message that names the file otherwise."""
    path = Path(path)
    where = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise BaselineError(f"baseline file {where} not found; create it with `bioaudit baseline -o {where}`") from None
    except OSError as exc:
        raise BaselineError(f"cannot read baseline file {where}: {exc.strerror or exc}") from None
    try:
        doc = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise BaselineError(f"baseline file {where} is not UTF-8 text; re-create it with `bioaudit baseline -o {where}`") from None
    except json.JSONDecodeError as exc:
        raise BaselineError(
            f"baseline file {where} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); "
            f"re-create it with `bioaudit baseline -o {where}`"
        ) from None
    if not isinstance(doc, dict) or doc.get("schema") != SCHEMA_URL:
        raise BaselineError(
            f"{where} is not a bioaudit baseline (expected \"schema\": \"{SCHEMA_URL}\"); "
            f"create one with `bioaudit baseline -o {where}`"
        )
    if doc.get("version") != VERSION:
        raise BaselineError(
            f"baseline file {where} has version {doc.get('version')!r}; this bioaudit reads version {VERSION}. "
            "Re-create it with `bioaudit baseline`"
        )
    entries = doc.get("entries")
    if not isinstance(entries, list):
        raise BaselineError(f"baseline file {where}: \"entries\" must be a list")
    baseline = Baseline(path=where)
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise BaselineError(f"baseline file {where}: entries[{i}] must be an object")
        for name in ("rule", "path", "function", "statement"):
            if not isinstance(entry.get(name), str):
                raise BaselineError(f"baseline file {where}: entries[{i}].{name} must be a string")
        count = entry.get("count", 1)
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            raise BaselineError(f"baseline file {where}: entries[{i}].count must be a positive integer")
        key = (entry["rule"], entry["path"], entry["function"], statement_key(entry["statement"]))
        baseline.counts[key] += count
        baseline.statements.setdefault(key, normalise_statement(entry["statement"]))
        message = entry.get("message")
        if isinstance(message, str):
            baseline.messages.setdefault(key, message)
    return baseline


def apply(result: ScanResult, baseline: Baseline, *, scope: Iterable[str] | None = None) -> BaselineOutcome:
    """Drop the findings the baseline knows from `result.findings` and report stale entries.

    Per key, the first `count` active findings (in path/line order) are known and removed;
    any beyond the count are new and stay. Suppressed findings are left alone. Entries whose
    count is not used up are stale; `scope` (files or directories reported on, relative to
    the root; None = everything) limits them to what this scan looked at, so scanning one
    file does not call every other entry stale.
    """
    prefixes = None if scope is None else [p.rstrip("/") for p in scope]
    outcome = BaselineOutcome()
    remaining = Counter(baseline.counts)
    kept: list[Finding] = []
    for finding in sorted(result.findings, key=Finding.sort_key):
        if finding.suppressed:
            kept.append(finding)
            continue
        key = finding_key(finding)
        if remaining[key] > 0:
            remaining[key] -= 1
            outcome.matched += 1
            continue
        outcome.new += 1
        kept.append(finding)
    result.findings = kept
    for key, left in sorted(remaining.items()):
        if left > 0 and (prefixes is None or any(key[1] == p or key[1].startswith(p + "/") for p in prefixes)):
            outcome.stale.append((key, left))
    return outcome


def describe_key(key: Key, baseline: Baseline | None = None) -> str:
    rule, path, function, statement = key
    if baseline is not None:
        statement = baseline.statements.get(key, statement)
    text = statement if len(statement) <= 80 else statement[:77] + "..."
    return f"{rule} in {path} ({function}): {text}"


def diagnostics(outcome: BaselineOutcome, baseline: Baseline) -> list[Diagnostic]:
    """One info line for the outcome, one warning per stale entry (every reporter shows them)."""
    out = [
        Diagnostic(
            "info",
            "baseline",
            f"baseline {baseline.path}: {outcome.matched} known finding{'s' if outcome.matched != 1 else ''} hidden, "
            f"{outcome.new} new, {len(outcome.stale)} entr{'ies' if len(outcome.stale) != 1 else 'y'} no longer match",
        )
    ]
    for key, left in outcome.stale:
        times = f" ({left} occurrence{'s' if left != 1 else ''})" if left != 1 else ""
        out.append(
            Diagnostic(
                "warning",
                "baseline-stale",
                f"baseline entry no longer matches{times}: {describe_key(key, baseline)}; fixed or changed? "
                "Re-run `bioaudit baseline` to drop it",
                key[1],
                0,
            )
        )
    return out
