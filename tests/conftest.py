"""Shared helpers for the end-to-end tests that drive the installed `bioaudit` command
(test_never_execute, test_hostile_input, test_determinism) and the fuzz tests.

The CLI is always run as a subprocess, from the same environment as pytest, on a project
built in a temporary directory: the project root holds an empty `.git` directory so that
root and config discovery stop there and never reach a pyproject.toml above the tmp dir.
"""
from __future__ import annotations

import functools
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

BIOAUDIT = Path(sys.executable).parent / "bioaudit"
FORMATS = ("text", "json", "sarif", "github")

# A file with two known findings: BIO001 on line 3 (face call, no consent) and BIO003 on
# line 4 (the template is logged). Every hostile-input project contains it so that each
# test can show the rest of the scan still happened.
GOOD_SOURCE = (
    "import face_recognition, logging\n"
    "log = logging.getLogger()\n"
    "enc = face_recognition.face_encodings(img)[0]\n"
    'log.info("x %s", enc)\n'
)
GOOD_FINDINGS = {(3, "BIO001"), (4, "BIO003")}


@dataclass(repr=False)
class Run:
    args: tuple[str, ...]
    returncode: int
    stdout: bytes
    stderr: str

    @property
    def text(self) -> str:
        return self.stdout.decode("utf-8")

    def json(self) -> dict:
        return json.loads(self.stdout)

    def __repr__(self) -> str:  # shown by pytest when an assertion on a Run fails
        out = self.stdout.decode("utf-8", "replace")
        return f"$ bioaudit {' '.join(self.args)}\nexit {self.returncode}\n--- stderr\n{self.stderr}\n--- stdout (head)\n{out[:3000]}"


def cli_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BIOAUDIT_", "PYTHON"))}
    env["NO_COLOR"] = "1"
    env.update(extra)
    return env


def run_bioaudit(*args: str | os.PathLike, cwd: Path | None = None, timeout: float = 300, env: dict | None = None) -> Run:
    argv = [str(a) for a in args]
    proc = subprocess.run(
        [str(BIOAUDIT), *argv], cwd=cwd, capture_output=True, timeout=timeout,
        env=env if env is not None else cli_env(), stdin=subprocess.DEVNULL,
    )
    return Run(tuple(argv), proc.returncode, proc.stdout, proc.stderr.decode("utf-8", "replace"))


@functools.lru_cache(maxsize=1)
def scan_help() -> str:
    proc = subprocess.run([str(BIOAUDIT), "scan", "--help"], capture_output=True, text=True, timeout=60, env=cli_env())
    return proc.stdout


def has_option(option: str) -> bool:
    """Whether `bioaudit scan` accepts `option` (so tests of options still being written
    are skipped until the option lands, and then run)."""
    return re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", scan_help()) is not None


def make_project(root: Path, files: dict[str, str | bytes]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / ".git").mkdir(exist_ok=True)
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            path.write_bytes(content.encode("utf-8"))
        else:
            path.write_bytes(content)
    return root


def findings_of(report: dict, path: str) -> set[tuple[int, str]]:
    return {(f["line"], f["rule_id"]) for f in report["findings"] if f["path"] == path and not f["suppressed"]}


def not_analysed(report: dict) -> dict[str, dict]:
    return {entry["path"]: entry for entry in report["not_analysed"]}


def assert_clean_stderr(run: Run) -> None:
    assert "Traceback" not in run.stderr, run
    assert "internal error" not in run.stderr, run
    assert "RecursionError" not in run.stderr, run


@pytest.fixture
def good_project(tmp_path: Path):
    """Build a project in tmp_path/"proj" holding good.py plus `files`."""

    def build(files: dict[str, str | bytes], name: str = "proj") -> Path:
        return make_project(tmp_path / name, {"good.py": GOOD_SOURCE, **files})

    return build
