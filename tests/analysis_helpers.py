"""Scan small in-memory projects for the engine tests."""
from __future__ import annotations

import textwrap
from pathlib import Path

from bioaudit.config import Config
from bioaudit.engine.runner import scan
from bioaudit.registry import load_registry

REGISTRY = load_registry()

# A small module with two findings, shared by the CLI-level tests: BIO001 at line 9 (no
# consent before the face call) and BIO003 at line 10 (the template is logged).
APP = """\
import logging

import face_recognition

log = logging.getLogger(__name__)


def enrol(img):
    enc = face_recognition.face_encodings(img)[0]
    log.info("enc %s", enc)
    return enc
"""


def write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def run(tmp_path: Path, files: dict[str, str], config: Config | None = None, paths=None):
    write(tmp_path, files)
    result = scan([tmp_path / p for p in paths] if paths else [tmp_path], config or Config(), REGISTRY, root=tmp_path)
    errors = [d for d in result.diagnostics if d.level == "error"]
    assert not errors, errors
    return result


def found(tmp_path: Path, files: dict[str, str], rule: str | None = None, **kw) -> set[tuple[str, int, str]]:
    result = run(tmp_path, files, **kw)
    return {(f.path, f.span.line, f.rule_id) for f in result.findings if rule is None or f.rule_id == rule}


def lines(tmp_path: Path, files: dict[str, str], rule: str, **kw) -> set[tuple[str, int]]:
    return {(p, l) for p, l, r in found(tmp_path, files, rule, **kw)}


def marked(files: dict[str, str], marker: str = "# HERE") -> set[tuple[str, int]]:
    """The (path, line) pairs of lines carrying the marker comment."""
    out = set()
    for rel, text in files.items():
        for number, line in enumerate(textwrap.dedent(text).lstrip("\n").splitlines(), 1):
            if line.rstrip().endswith(marker):
                out.add((rel, number))
    return out
