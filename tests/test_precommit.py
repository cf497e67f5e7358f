"""The pre-commit hook defined in `.pre-commit-hooks.yaml`, run through pre-commit itself.

`pre-commit try-repo` installs bioaudit into a hook environment, which pip fills from PyPI:
each run takes a while and needs the network. `PRE_COMMIT_HOME` points into a temporary
directory so the user's cache is left alone.

try-repo on a working tree only picks up changes to *tracked* files, so a new, not yet
committed module would be missing from the hook environment while the tracked files
importing it are not. The tests therefore snapshot the working tree of this checkout
(tracked and untracked files, minus ignored ones) into a one-commit repository and point
try-repo at that: the hook tested is exactly the code on disk.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
HOOKS = REPO / ".pre-commit-hooks.yaml"
TIMEOUT = 900  # seconds; creating the hook environment dominates

BAD = (
    "import face_recognition\n"
    "import logging\n"
    "log = logging.getLogger(__name__)\n"
    "enc = face_recognition.face_encodings(img)[0]\n"
    'log.info("enc %s", enc)\n'
)
CLEAN = "def add(a, b):\n    return a + b\n"

pytestmark = [
    pytest.mark.skipif(shutil.which("git") is None, reason="pre-commit needs git"),
    pytest.mark.skipif(not (REPO / ".git").exists(), reason="try-repo needs bioaudit's git checkout"),
]


def _git_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
    env.update({
        "PRE_COMMIT_HOME": str(home),
        "GIT_TERMINAL_PROMPT": "0",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "NO_COLOR": "1",
    })
    env.pop("PYTHONPATH", None)
    return env


def _git(*args: str, cwd: Path, env: dict[str, str]) -> str:
    proc = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, timeout=120)
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    return proc.stdout.decode("utf-8", "surrogateescape")


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory, hook_home) -> Path:
    """A one-commit copy of this checkout's working tree (see the module docstring)."""
    env = _git_env(hook_home)
    snapshot = tmp_path_factory.mktemp("bioaudit-snapshot")
    listed = _git("ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=REPO, env=env)
    for rel in filter(None, listed.split("\0")):
        src = REPO / rel
        if src.is_file():  # deleted but still tracked files are skipped
            (snapshot / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, snapshot / rel)
    assert (snapshot / ".pre-commit-hooks.yaml").is_file()
    assert (snapshot / "pyproject.toml").is_file()
    _git("init", "-q", cwd=snapshot, env=env)
    _git("add", "-A", cwd=snapshot, env=env)
    _git("-c", "user.name=bioaudit tests", "-c", "user.email=tests@example.invalid", "-c", "commit.gpgsign=false",
         "commit", "-q", "--no-verify", "-m", "snapshot", cwd=snapshot, env=env)
    return snapshot


@pytest.fixture(scope="module")
def hook_home(tmp_path_factory) -> Path:
    """One PRE_COMMIT_HOME for the module: the hook environment is built once."""
    pytest.importorskip("pre_commit")
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture
def git_repo(tmp_path: Path, hook_home: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    env = _git_env(hook_home)
    for cmd in (
        ["git", "init", "-q"],
        ["git", "config", "user.name", "bioaudit tests"],
        ["git", "config", "user.email", "tests@example.invalid"],
        ["git", "config", "commit.gpgsign", "false"],
    ):
        subprocess.run(cmd, cwd=repo, env=env, check=True, capture_output=True, timeout=60)
    return repo


def stage(repo: Path, home: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (repo / name).write_text(text, encoding="utf-8")
    subprocess.run(["git", "add", *files], cwd=repo, env=_git_env(home), check=True, capture_output=True, timeout=60)


def try_repo(hook_repo: Path, repo: Path, home: Path, *files: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(hook_repo), "bioaudit", "--color", "never", "--files", *files],
        cwd=repo, env=_git_env(home), capture_output=True, text=True, encoding="utf-8", errors="replace",
        timeout=TIMEOUT,
    )


def test_hook_definition():
    text = HOOKS.read_text(encoding="utf-8")
    assert "- id: bioaudit" in text
    for line in ("entry: bioaudit scan", "language: python", "types: [python]", "require_serial: true"):
        assert line in text, line
    yaml = pytest.importorskip("yaml")
    (hook,) = yaml.safe_load(text)
    assert hook["id"] == "bioaudit" and hook["name"] and hook["description"]


def test_hook_fails_on_a_staged_file_with_a_finding(hook_repo, git_repo, hook_home):
    stage(git_repo, hook_home, {"enrol.py": BAD})
    proc = try_repo(hook_repo, git_repo, hook_home, "enrol.py")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert "Failed" in out
    assert "hook id: bioaudit" in out
    assert "exit code: 1" in out
    assert "enrol.py:5:1 BIO003" in out
    assert "Traceback" not in out


def test_hook_passes_on_a_clean_staged_file(hook_repo, git_repo, hook_home):
    stage(git_repo, hook_home, {"util.py": CLEAN})
    proc = try_repo(hook_repo, git_repo, hook_home, "util.py")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "Passed" in out
    assert "BIO0" not in out


def test_hook_reports_only_the_files_it_is_given(hook_repo, git_repo, hook_home):
    stage(git_repo, hook_home, {"enrol.py": BAD, "util.py": CLEAN})
    proc = try_repo(hook_repo, git_repo, hook_home, "util.py")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "BIO003" not in out
