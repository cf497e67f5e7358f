"""Helpers shared by the test-suite and the accuracy script: fixture annotations and
scanning a fixture project in isolation."""
from __future__ import annotations

import io
import re
import shutil
import tempfile
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

from bioaudit.config import Config, load_config
from bioaudit.model import ScanResult
from bioaudit.registry import Registry, load_registry

ANNOTATION = re.compile(r"\b(todo-expect|todo-ok|expect|ok)\s*:\s*((?:[A-Z]{2,}\d{3}\s*,?\s*)+)")


@dataclass
class Expectations:
    expect: set[tuple[str, int, str]] = field(default_factory=set)  # (path, line, rule)
    ok: set[tuple[str, int, str]] = field(default_factory=set)
    todo_expect: set[tuple[str, int, str]] = field(default_factory=set)
    todo_ok: set[tuple[str, int, str]] = field(default_factory=set)


def annotations(text: str, rel: str, into: Expectations) -> None:
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError):
        return
    for tok in tokens:
        if tok.type != tokenize.COMMENT:
            continue
        for match in ANNOTATION.finditer(tok.string):
            kind = match.group(1).replace("-", "_")
            for rule in re.findall(r"[A-Z]{2,}\d{3}", match.group(2)):
                getattr(into, kind).add((rel, tok.start[0], rule))


def fixture_units(fixtures: Path) -> list[Path]:
    """Each project directory and each single-file fixture is scanned on its own."""
    return sorted(p for p in fixtures.iterdir() if (p.is_dir() and not p.name.startswith(("_", "."))) or (p.suffix == ".py"))


def scan_fixture(unit: Path, registry: Registry | None = None, config: Config | None = None) -> tuple[ScanResult, Expectations]:
    from bioaudit.engine.runner import scan

    registry = registry or load_registry()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / unit.stem
        if unit.is_dir():
            shutil.copytree(unit, root, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            root.mkdir()
            shutil.copy(unit, root / unit.name)
        options = unit.with_suffix(".toml") if unit.is_file() else unit / "bioaudit.toml"
        if config is None:
            config = load_config(options, known_rules=registry.known()) if options.exists() else Config()
        result = scan([root], config, registry, root=root)
        expected = Expectations()
        for path in sorted(root.rglob("*.py")):
            rel = path.relative_to(root).as_posix()
            annotations(path.read_text("utf-8"), rel, expected)
    return result, expected


def found_set(result: ScanResult) -> set[tuple[str, int, str]]:
    return {(f.path, f.span.line, f.rule_id) for f in result.findings if not f.suppressed}
