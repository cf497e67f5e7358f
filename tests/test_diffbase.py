"""`scan --diff-base REF`: only findings on lines changed since a git ref, whole-project analysis."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bioaudit import diffbase
from bioaudit.model import Confidence, Finding, ScanResult, Severity, Span, Step

BIOAUDIT = Path(sys.executable).parent / ("bioaudit.exe" if os.name == "nt" else "bioaudit")
pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

FACES = """\
import logging

import face_recognition

from guards import consent_required

log = logging.getLogger(__name__)


def encode(img):
    return face_recognition.face_encodings(img)[0]


def old_debug(img):
    log.info("enc %s", encode(img))
"""
GUARDS = """\
import functools

from flask import abort, g


def consent_required(view):
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if not g.user.biometric_consent:
            abort(403)
        return view(*args, **kwargs)
    return wrapper
"""


def git(cwd: Path, *args: str) -> str:
    proc = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false", *args],
        cwd=cwd, capture_output=True, text=True, check=True,
    )
    return proc.stdout


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BIOAUDIT_", "GIT_"))}
    env["NO_COLOR"] = "1"
    return subprocess.run([str(BIOAUDIT), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture
def repo(tmp_path):
    git(tmp_path, "init", "-q", "-b", "main")
    (tmp_path / "faces.py").write_text(FACES, encoding="utf-8")
    (tmp_path / "guards.py").write_text(GUARDS, encoding="utf-8")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "base")
    return tmp_path


def findings(proc) -> list[tuple[str, str, int]]:
    return [(f["rule_id"], f["path"], f["line"]) for f in json.loads(proc.stdout)["findings"]]


# -- comparing lines ---------------------------------------------------------------------------
def test_changed_between_additions_changes_and_deletions():
    old = b"a\nb\nc\nd\ne\nf\n"
    assert diffbase.changed_between(old, old) == set()
    assert diffbase.changed_between(old, b"a\nB\nc\nd\ne\nf\n") == {2}
    assert diffbase.changed_between(old, b"a\nb\nc\nnew\nd\ne\nf\n") == {4}
    assert diffbase.changed_between(old, b"a\nb\ne\nf\n") == {2, 3}  # c, d deleted between b and e
    assert diffbase.changed_between(old, old.replace(b"\n", b"\r\n")) == set()  # a CRLF checkout
    assert diffbase.changed_between(b"", b"x\ny\n") == {1, 2}


# -- changed_lines on a real repository -----------------------------------------------------------
def test_changed_lines_cover_commits_worktree_and_untracked_files(repo):
    git(repo, "checkout", "-q", "-b", "feature")
    (repo / "faces.py").write_text(FACES.replace("def encode(img):", "def encode(img, model='hog'):"), encoding="utf-8")
    git(repo, "commit", "-q", "-am", "change")
    with (repo / "guards.py").open("a", encoding="utf-8") as fh:  # not committed
        fh.write("\n\nX = 1\n")
    (repo / "new.py").write_text("a = 1\nb = 2\n", encoding="utf-8")
    (repo / ".gitignore").write_text("ignored.py\n", encoding="utf-8")
    (repo / "ignored.py").write_text("c = 3\n", encoding="utf-8")
    changed = diffbase.changed_lines(repo, "main")
    assert changed["faces.py"] == {10}
    assert changed["guards.py"] == {13, 14, 15}
    assert changed["new.py"] == {1, 2}
    assert "ignored.py" not in changed


def test_paths_are_relative_to_a_subdirectory_root(repo):
    sub = repo / "svc"
    sub.mkdir()
    (sub / "m.py").write_text("a = 1\n", encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "sub")
    (sub / "m.py").write_text("a = 2\n", encoding="utf-8")
    (repo / "faces.py").write_text(FACES + "\nZ = 1\n", encoding="utf-8")
    assert diffbase.changed_lines(sub, "HEAD") == {"m.py": {1}}


def test_not_a_repository_or_unknown_ref(tmp_path_factory, repo, monkeypatch):
    plain = tmp_path_factory.mktemp("plain")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(plain.parent))
    with pytest.raises(diffbase.DiffBaseError, match="not in one"):
        diffbase.changed_lines(plain, "HEAD")
    with pytest.raises(diffbase.DiffBaseError, match="does not know the ref 'no-such-branch'"):
        diffbase.changed_lines(repo, "no-such-branch")
    with pytest.raises(diffbase.DiffBaseError, match="invalid git ref"):
        diffbase.changed_lines(repo, "--output=/tmp/x")


def test_touches_uses_the_span_and_the_flow():
    f = Finding("BIO003", "biometric-in-logs", Severity.HIGH, Confidence.HIGH, "a.py", Span(10, 1, 12, 2), "m",
                steps=(Step("b.py", 3, 1, "source"), Step("a.py", 10, 1, "sink")))
    assert diffbase.touches(f, {"a.py": {11}})
    assert diffbase.touches(f, {"b.py": {3}})
    assert not diffbase.touches(f, {"a.py": {9, 13}, "b.py": {4}})
    result = ScanResult(root=".", findings=[f])
    assert diffbase.restrict(result, {}) == 1 and result.findings == []


# -- the command -------------------------------------------------------------------------------------
def test_only_findings_on_changed_lines_are_reported(repo):
    base = run("scan", ".", "--format", "json", cwd=repo)
    assert ("BIO003", "faces.py", 15) in findings(base)
    # a new log line in an old function that leaks a template computed elsewhere in the file,
    # and a new face route guarded by a decorator defined in an unchanged module
    (repo / "faces.py").write_text(
        FACES
        + '\n\ndef new_debug(img):\n    enc = encode(img)\n    log.debug("new %s", enc)\n'
        + "\n\n@consent_required\ndef enrol(img):\n    return face_recognition.face_encodings(img)\n",
        encoding="utf-8",
    )
    proc = run("scan", ".", "--format", "json", "--diff-base", "HEAD", cwd=repo)
    assert proc.returncode == 1, proc.stderr
    got = findings(proc)
    assert ("BIO003", "faces.py", 20) in got
    assert ("BIO003", "faces.py", 15) not in got  # old finding on an unchanged line
    assert not [f for f in got if f[2] >= 24]  # the decorator in guards.py still counts
    info = [d for d in json.loads(proc.stdout)["diagnostics"] if d["code"] == "diff-base"]
    assert info and "1 changed file" in info[0]["message"]


def test_no_change_means_no_findings_and_exit_0(repo):
    proc = run("scan", ".", "--diff-base", "HEAD", cwd=repo)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "No findings." in proc.stdout


def test_removing_a_guard_reports_the_newly_unguarded_call(repo):
    guarded = FACES.replace("def encode(img):\n    return", "def encode(img, user):\n    if not user.biometric_consent:\n        raise PermissionError('no consent')\n    return")
    (repo / "faces.py").write_text(guarded, encoding="utf-8")
    git(repo, "commit", "-q", "-am", "guard")
    assert not [f for f in findings(run("scan", ".", "--format", "json", cwd=repo)) if f[0] == "BIO001"]
    (repo / "faces.py").write_text(FACES.replace("def encode(img):", "def encode(img, user):"), encoding="utf-8")
    proc = run("scan", ".", "--format", "json", "--diff-base", "HEAD", cwd=repo)
    assert [f for f in findings(proc) if f[0] == "BIO001"], proc.stdout


@pytest.mark.parametrize("ref, message", [("no-such-ref", "does not know the ref"), ("-x", "invalid git ref")])
def test_bad_ref_exits_2(repo, ref, message):
    proc = run("scan", ".", f"--diff-base={ref}", cwd=repo)
    assert proc.returncode == 2 and message in proc.stderr
    assert "Traceback" not in proc.stderr


def test_outside_a_git_work_tree_exits_2(tmp_path):
    project = tmp_path / "p"
    project.mkdir()
    (project / "app.py").write_text("x = 1\n", encoding="utf-8")
    env_ceiling = {"GIT_CEILING_DIRECTORIES": str(tmp_path)}
    proc = subprocess.run([str(BIOAUDIT), "scan", ".", "--diff-base", "HEAD"], cwd=project, capture_output=True, text=True,
                          env={**{k: v for k, v in os.environ.items() if not k.startswith("BIOAUDIT_")}, **env_ceiling}, timeout=120)
    assert proc.returncode == 2 and "needs a git work tree" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_repository_config_cannot_run_commands(repo):
    marker = repo / "pwned"
    git(repo, "config", "core.fsmonitor", f"touch {marker}; false")
    git(repo, "config", "diff.external", f"sh -c 'touch {marker}'")
    (repo / ".gitattributes").write_text("*.py diff=evil filter=evil\n", encoding="utf-8")
    git(repo, "config", "diff.evil.textconv", f"sh -c 'touch {marker}; cat'")
    git(repo, "config", "filter.evil.clean", f"sh -c 'touch {marker}; cat'")
    git(repo, "config", "filter.evil.smudge", f"sh -c 'touch {marker}; cat'")
    git(repo, "config", "core.hooksPath", str(repo))
    (repo / "faces.py").write_text(FACES + "\nZ = 1\n", encoding="utf-8")
    assert diffbase.changed_lines(repo, "HEAD")["faces.py"] == {16, 17}
    assert not marker.exists()


def test_moved_files_keep_their_lines_unchanged(repo):
    git(repo, "mv", "guards.py", "consent_guards.py")
    (repo / "copy.py").write_text(FACES, encoding="utf-8")
    (repo / "faces.py").write_text(FACES.replace("from guards", "from consent_guards"), encoding="utf-8")
    changed = diffbase.changed_lines(repo, "HEAD")
    assert changed == {"faces.py": {5}}
