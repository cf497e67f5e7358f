"""`scan --diff-base REF`: report only findings on lines changed since a git ref.

The analysis still reads the whole project (a consent decorator in an unchanged module
still counts); only the *reporting* is limited to changed lines. A finding counts as changed
when its reported lines, or any step of its data-flow evidence, touch a changed line, so a
new log call that leaks a template computed in an old function is reported, and so is an
old face call whose consent check two lines above was just deleted (the lines either side of
a deletion count as changed).

Changed lines are those `git diff --unified=0 REF` adds or modifies in the working tree
(committed, staged and unstaged changes since REF), plus every line of untracked files git
does not ignore. Git runs with the scanned repository's external diff drivers, textconv
filters and fsmonitor hooks switched off: its configuration is not trusted.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from bioaudit.model import Finding, ScanResult

_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@")
_SAFE_CONFIG = (
    "-c", "core.fsmonitor=false",
    "-c", "core.quotePath=false",
    "-c", "diff.external=",
    "-c", "core.hooksPath=/dev/null",
    "-c", "diff.noprefix=false",
    "-c", "diff.mnemonicPrefix=false",
    "-c", "color.ui=false",
)
_TIMEOUT_S = 120
_DROPPED_ENV = frozenset(
    {"GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_PREFIX", "GIT_EXTERNAL_DIFF", "GIT_DIFF_OPTS", "GIT_PAGER"}
)


class DiffBaseError(Exception):
    """Not a git repository, git missing, or a ref git does not know (exit code 2)."""


def _git(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    git = shutil.which("git")
    if git is None:
        raise DiffBaseError("--diff-base needs git, which is not on PATH")
    # The repository is found from `root`, not from variables a calling hook may have set.
    env = {k: v for k, v in os.environ.items() if k not in _DROPPED_ENV}
    env.update({"GIT_TERMINAL_PROMPT": "0", "GIT_PAGER": "cat", "PAGER": "cat", "LC_ALL": "C"})
    try:
        proc = subprocess.run(
            [git, *_SAFE_CONFIG, *args],
            cwd=root,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise DiffBaseError(f"git {args[0]} took longer than {_TIMEOUT_S}s") from None
    except OSError as exc:
        raise DiffBaseError(f"cannot run git: {exc.strerror or exc}") from None
    if check and proc.returncode != 0:
        message = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise DiffBaseError(f"git {args[0]} failed: {message[-1] if message else f'exit code {proc.returncode}'}")
    return proc


def _unquote(path: str) -> str:
    """Undo git's C-style quoting of unusual file names (`"a\\tb.py"`, octal UTF-8 bytes)."""
    if not (len(path) >= 2 and path[0] == '"' and path[-1] == '"'):
        return path
    body = path[1:-1]
    out = bytearray()
    i = 0
    simple = {"a": 7, "b": 8, "t": 9, "n": 10, "v": 11, "f": 12, "r": 13, '"': 34, "\\": 92}
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            if nxt in simple:
                out.append(simple[nxt])
                i += 2
                continue
            if re.match(r"[0-7]{3}", body[i + 1 : i + 4]):
                out.append(int(body[i + 1 : i + 4], 8))
                i += 4
                continue
        out.extend(ch.encode("utf-8"))
        i += 1
    return out.decode("utf-8", "surrogateescape")


def parse_diff(text: str) -> dict[str, set[int]]:
    """Changed line numbers (new side) per file from `git diff --unified=0` output."""
    changed: dict[str, set[int]] = {}
    current: str | None = None
    for line in text.splitlines():
        if line.startswith("+++ "):
            target = line[4:].rstrip("\t")
            if target == "/dev/null":
                current = None
                continue
            target = _unquote(target)
            current = target[2:] if target.startswith("b/") else target
            changed.setdefault(current, set())
            continue
        if current is None:
            continue
        match = _HUNK.match(line)
        if match is None:
            continue
        start = int(match.group(1))
        count = int(match.group(2)) if match.group(2) is not None else 1
        if count > 0:
            changed[current].update(range(start, start + count))
        else:
            # a pure deletion after line `start`: the lines either side of it changed context
            changed[current].update(n for n in (start, start + 1) if n >= 1)
    return changed


def _count_lines(path: Path) -> int:
    try:
        data = path.read_bytes()
    except OSError:
        return 0
    if not data:
        return 0
    return data.count(b"\n") + (0 if data.endswith(b"\n") else 1)


def changed_lines(root: Path | str, ref: str) -> dict[str, set[int]]:
    """Lines changed since `ref` in the working tree under `root`, keyed by POSIX path
    relative to `root`; untracked (not ignored) files have all their lines. Raises
    DiffBaseError when `root` is not in a git work tree or git does not know `ref`."""
    root = Path(root).resolve()
    if not ref or ref.startswith("-"):
        raise DiffBaseError(f"invalid git ref {ref!r}")
    probe = _git(root, "rev-parse", "--is-inside-work-tree", check=False)
    if probe.returncode != 0 or probe.stdout.strip() != b"true":
        detail = probe.stderr.decode("utf-8", "replace").strip().splitlines()
        hint = f" ({detail[-1]})" if detail else ""
        raise DiffBaseError(f"--diff-base needs a git work tree, and {root} is not in one{hint}")
    verify = _git(root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}", check=False)
    if verify.returncode != 0:
        raise DiffBaseError(
            f"git does not know the ref {ref!r} (in CI, fetch it first: `git fetch origin {ref}` "
            "or check out with fetch-depth: 0)"
        )
    base = verify.stdout.decode().strip()
    diff = _git(
        root, "diff", "--unified=0", "--no-color", "--no-ext-diff", "--no-textconv", "--find-renames",
        "--relative", "--src-prefix=a/", "--dst-prefix=b/", base, "--", ".",
    )
    changed = parse_diff(diff.stdout.decode("utf-8", "surrogateescape"))
    untracked = _git(root, "ls-files", "--others", "--exclude-standard", "-z", "--", ".")
    for raw in untracked.stdout.split(b"\0"):
        if not raw:
            continue
        rel = raw.decode("utf-8", "surrogateescape")
        n = _count_lines(root / rel)
        changed.setdefault(rel, set()).update(range(1, n + 1))
    return {path: lines for path, lines in changed.items() if lines}


def touches(finding: Finding, changed: dict[str, set[int]]) -> bool:
    """True when the finding's reported lines or any step of its evidence changed."""
    lines = changed.get(finding.path)
    if lines:
        span = finding.span
        last = max(span.line, span.end_line or span.line)
        if any(n in lines for n in range(span.line, last + 1)):
            return True
    for step in finding.steps:
        step_lines = changed.get(step.path)
        if step_lines and step.line in step_lines:
            return True
    return False


def restrict(result: ScanResult, changed: dict[str, set[int]]) -> int:
    """Keep only the findings on changed lines (`changed` keyed like finding paths, i.e.
    relative to the scan root); returns how many findings were dropped."""
    before = len(result.findings)
    result.findings = [f for f in result.findings if touches(f, changed)]
    return before - len(result.findings)
