"""The rule plugin interface.

A rule is one class in one module. It declares its metadata, its docs (the class docstring,
in the sections `## What it does`, `## Why is this bad?`, then optionally `## Options`,
`## Known limitations`), its regulation references with a one-line reason each, and
passing/failing examples that the test-suite runs. Its `check` method reads the
project facts the engine computed once and yields findings.
"""
from __future__ import annotations

import inspect
import textwrap
from dataclasses import dataclass, field
from typing import ClassVar, Iterable, Mapping

from bioaudit.engine.facts import ProjectFacts, Site
from bioaudit.model import Confidence, Finding, Severity, Step


def _dedent(code: str) -> str:
    return textwrap.dedent(code).strip("\n") + "\n"


@dataclass(frozen=True)
class Valid:
    """Example code on which the rule must stay silent.

    `code` is one module (`example.py`) or a mapping of relative path -> source for a
    multi-module example.
    """

    code: str | Mapping[str, str]
    config: Mapping = field(default_factory=dict)

    def files(self) -> dict[str, str]:
        if isinstance(self.code, str):
            return {"example.py": _dedent(self.code)}
        return {path: _dedent(src) for path, src in self.code.items()}


@dataclass(frozen=True)
class Invalid(Valid):
    """Example code on which the rule must report, at `line` of `path`."""

    line: int = 0
    path: str = "example.py"


class Rule:
    ID: ClassVar[str]
    NAME: ClassVar[str]
    SEVERITY: ClassVar[Severity]
    SUMMARY: ClassVar[str]  # one sentence, shown in tables and SARIF shortDescription
    FIX: ClassVar[str]  # imperative fix hint shown beside each finding
    REFERENCES: ClassVar[Mapping[str, str]]  # "framework:article" -> why the code breaks it
    TAGS: ClassVar[tuple[str, ...]] = ()
    DEFAULT_ENABLED: ClassVar[bool] = True
    VERSION: ClassVar[str] = "1"
    VALID: ClassVar[list[Valid]] = []
    INVALID: ClassVar[list[Invalid]] = []

    def __init__(self, options: Mapping | None = None) -> None:
        self.options = dict(options or {})

    # -- what a rule implements ------------------------------------------------------
    def check(self, facts: ProjectFacts) -> Iterable[Finding]:  # pragma: no cover - abstract
        raise NotImplementedError

    # -- helpers ---------------------------------------------------------------------
    @classmethod
    def docs(cls) -> str:
        return inspect.cleandoc(cls.__doc__ or "")

    def report(
        self,
        site: Site,
        message: str,
        *,
        confidence: Confidence,
        steps: Iterable[Step] = (),
        properties: Mapping | None = None,
    ) -> Finding:
        from bioaudit.model import Span

        return Finding(
            rule_id=self.ID,
            name=self.NAME,
            severity=self.SEVERITY,
            confidence=confidence,
            path=site.path,
            span=Span(site.line, site.column, site.end_line, site.end_column),
            message=message,
            fix=self.FIX,
            references=tuple(self.REFERENCES),
            steps=tuple(steps),
            function=site.function,
            statement=site.statement,
            properties=dict(properties or {}),
        )
