"""`scan --diff-base REF`: report only findings on lines changed since a git ref.

The analysis still reads the whole project (a consent decorator in an unchanged module
still counts); only the *reporting* is limited to changed lines. A finding counts as changed
when its reported lines, or any step of its data-flow evidence, touch a changed line, so a
new log call that leaks a template computed in an old function is reported, and so is an
old face call whose consent check two lines above was just deleted (the lines either side of
a deletion count as changed).

Changed lines are the lines of the working tree (committed, staged and unstaged changes)
that differ from the file at REF, plus every line of files REF does not have (new files,
untracked files git does not ignore; a file moved unchanged keeps its lines unchanged).

The scanned repository is not trusted, so git never touches its working tree here: `git
diff` against the working tree would run the repository's clean filters, textconv drivers
and fsmonitor hook, any of which can be a command. bioaudit asks git only for the file list
(`ls-tree`, `ls-files`) and the blobs at REF (`cat-file --batch`, which applies no filter),
reads the working files itself and compares lines with difflib.
"""
from __future__ import annotations

import difflib
import hashlib
import os
import shutil
import subprocess
from pathlib import Path

from bioaudit.model import Finding, ScanResult

# Belt and braces: none of the commands used reads the working tree's content, but none of
# the repository's hooks may run either.
_SAFE_CONFIG = (
    "-c", "core.fsmonitor=false",
    "-c", "core.hooksPath=/dev/null",
    "-c", "core.quotePath=false",
    "-c", "color.ui=false",
)
_TIMEOUT_S = 120
_DROPPED_ENV = frozenset(
    {"GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_PREFIX", "GIT_EXTERNAL_DIFF", "GIT_DIFF_OPTS", "GIT_PAGER"}
)


class DiffBaseError(Exception):
    """Not a git repository, git missing, or a ref git does not know (exit code 2)."""


def _git(root: Path, *args: str, check: bool = True, stdin: bytes | None = None) -> subprocess.CompletedProcess:
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
            input=stdin if stdin is not None else b"",
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


def _lines(data: bytes) -> list[bytes]:
    """Lines without their endings (a CRLF checkout of an LF blob is not a change)."""
    return data.splitlines()


def _blob_id(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def changed_between(old: bytes, new: bytes) -> set[int]:
    """1-based line numbers of `new` that are added or modified relative to `old`; for a
    deletion, the lines either side of where the deleted lines were."""
    out: set[int] = set()
    matcher = difflib.SequenceMatcher(None, _lines(old), _lines(new), autojunk=False)
    for tag, _i1, _i2, j1, j2 in matcher.get_opcodes():
        if tag in ("replace", "insert"):
            out.update(range(j1 + 1, j2 + 1))
        elif tag == "delete":
            out.update(n for n in (j1, j1 + 1) if n >= 1)
    total = len(_lines(new))
    return {n for n in out if n <= max(total, 1)}


def _read_blobs(root: Path, ids: list[str]) -> dict[str, bytes]:
    if not ids:
        return {}
    proc = _git(root, "cat-file", "--batch", stdin=("\n".join(ids) + "\n").encode())
    out: dict[str, bytes] = {}
    data, pos = proc.stdout, 0
    while pos < len(data):
        eol = data.index(b"\n", pos)
        header = data[pos:eol].split()
        pos = eol + 1
        if len(header) < 3 or header[1] == b"missing":
            continue
        size = int(header[2])
        out[header[0].decode()] = data[pos : pos + size]
        pos += size + 1  # content, then a newline
    return out


def _split_z(data: bytes) -> list[str]:
    return [item.decode("utf-8", "surrogateescape") for item in data.split(b"\0") if item]


def changed_lines(root: Path | str, ref: str) -> dict[str, set[int]]:
    """Lines changed since `ref` in the working tree under `root`, keyed by POSIX path
    relative to `root`; files `ref` does not have count entirely. Raises DiffBaseError when
    `root` is not in a git work tree or git does not know `ref`."""
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

    # the files at REF under root (paths relative to root), blobs only (no links, submodules)
    at_ref: dict[str, str] = {}
    for entry in _split_z(_git(root, "ls-tree", "-r", "-z", base, "--", ".").stdout):
        meta, _, path = entry.partition("\t")
        parts = meta.split()
        if len(parts) == 3 and parts[1] == "blob" and parts[0] != "120000":
            at_ref[path] = parts[2]
    ref_ids = set(at_ref.values())
    # the files now: tracked (index) and untracked-but-not-ignored
    now = _split_z(_git(root, "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", ".").stdout)

    current: dict[str, bytes] = {}
    for path in dict.fromkeys(now):
        file = root / path
        if file.is_symlink() or not file.is_file():
            continue
        try:
            current[path] = file.read_bytes()
        except OSError:
            continue
    wanted = sorted({at_ref[p] for p, data in current.items() if p in at_ref and _blob_id(data) != at_ref[p]})
    blobs = _read_blobs(root, wanted)
    changed: dict[str, set[int]] = {}
    for path, data in current.items():
        old_id = at_ref.get(path)
        if old_id is None:
            if _blob_id(data) in ref_ids:  # moved or copied unchanged
                continue
            lines = set(range(1, len(_lines(data)) + 1))
        elif _blob_id(data) == old_id:
            continue
        else:
            lines = changed_between(blobs.get(old_id, b""), data)
        if lines:
            changed[path] = lines
    return changed


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
