"""The data every stage of the pipeline hands to the next: spans, findings, scan results.

Lines are 1-based; columns are 1-based character columns (what editors and SARIF show).
"""
from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass, field


class _Level(enum.IntEnum):
    """A low/medium/high scale, named in lower case in reports and configuration."""

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str):
        return cls[text.upper()]


class Severity(_Level):
    """Harm if the finding is real."""

    LOW = 1
    MEDIUM = 2
    HIGH = 3


class Confidence(_Level):
    """How the finding was derived: HIGH direct flow from a catalogued API, MEDIUM through
    project summaries or state, LOW name heuristics."""

    LOW = 1
    MEDIUM = 2
    HIGH = 3


@dataclass(frozen=True, order=True)
class Span:
    line: int
    column: int
    end_line: int
    end_column: int


@dataclass(frozen=True)
class Step:
    """One hop of the evidence path (source -> ... -> sink)."""

    path: str
    line: int
    column: int
    note: str


@dataclass(frozen=True)
class Suppression:
    """An inline `# bioaudit: ignore[...]` comment that silenced a finding."""

    line: int
    rules: tuple[str, ...]
    reason: str


@dataclass
class Finding:
    rule_id: str
    name: str
    severity: Severity
    confidence: Confidence
    path: str  # posix path relative to the scan root
    span: Span
    message: str
    fix: str = ""
    references: tuple[str, ...] = ()  # "framework:article"
    steps: tuple[Step, ...] = ()
    function: str = ""  # enclosing function's qualified name, "<module>" at top level
    statement: str = ""  # normalised text of the reported statement (for fingerprints)
    snippet: str = ""  # the source line as written
    properties: dict = field(default_factory=dict)  # rule-specific extras (vendor, country, ...)
    suppression: Suppression | None = None
    fingerprint: str = ""

    @property
    def suppressed(self) -> bool:
        return self.suppression is not None

    def sort_key(self) -> tuple:
        return (self.path, self.span.line, self.span.column, self.rule_id, self.message)


def fingerprint(rule_id: str, path: str, function: str, statement: str, occurrence: int) -> str:
    """Stable identity of a finding that survives line shifts (no line numbers in it)."""
    text = "\x1f".join((rule_id, path, function, " ".join(statement.split()), str(occurrence)))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True)
class SkippedFile:
    """A file bioaudit did not analyse, and why. Nothing is skipped silently."""

    path: str
    reason: str  # short machine-readable reason: "excluded", "gitignored", "syntax-error", ...
    detail: str = ""


@dataclass(frozen=True)
class Diagnostic:
    """A warning or error about the scan itself (bad suppression, rule crash, config)."""

    level: str  # "warning" | "error"
    code: str  # "unused-suppression", "rule-error", ...
    message: str
    path: str = ""
    line: int = 0


@dataclass
class ScanResult:
    root: str
    findings: list[Finding] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    files_discovered: int = 0
    files_analysed: int = 0  # parsed and analysed in depth
    files_screened: int = 0  # read and found irrelevant by the cheap prefilter
    rules: list = field(default_factory=list)  # the enabled Rule objects
    frameworks: tuple[str, ...] = ()
    config_source: str = ""
    duration_s: float = 0.0
    # Facial-data inventory (bioaudit.report.inventory.build_inventory): where the project
    # captures, stores, logs and sends facial data. Empty when nothing was analysed.
    inventory: dict = field(default_factory=dict)
    # The configuration that shaped the findings (TOML key -> value), for reports; filled by the CLI.
    settings: dict = field(default_factory=dict)

    @property
    def active_findings(self) -> list[Finding]:
        return [f for f in self.findings if not f.suppressed]

    @property
    def has_errors(self) -> bool:
        return any(d.level == "error" for d in self.diagnostics)
