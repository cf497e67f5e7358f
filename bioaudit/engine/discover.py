"""Find the Python files to scan, and account for every one that is not scanned.

Walking is a single iterative ``os.scandir`` pass that prunes excluded directories before
descending, so a project of a few thousand files is listed in a few milliseconds.

Exclusion patterns (``exclude`` / ``extend_exclude``) and ``.gitignore`` files share one
gitignore-style matcher.  Patterns are compiled to regular expressions that match an
entry *itself* (its path relative to the pattern's base, or its name for slash-less
patterns); ancestors never need re-checking because excluded directories are never
entered.  This is what lets a directory given explicitly on the command line be walked even
though it is excluded (its contents are still filtered by their own names), and it lets
every pattern set be tested with one or two regex calls per entry instead of one per
pattern.

Symlinks: symlinked files are scanned once (deduplicated by real path, preferring the
non-symlinked spelling); symlinked directories are followed after the real tree has been
walked, and one that points back at a directory being walked is reported as a
``symlink-loop`` instead of being followed.
"""
from __future__ import annotations

import errno
import os
import re
import stat
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bioaudit.model import Diagnostic, SkippedFile

DEFAULT_EXCLUDES: tuple[str, ...] = (
    ".git",
    ".hg",
    ".svn",
    ".venv",
    "venv",
    "site-packages",
    "__pypackages__",
    "build",
    "dist",
    ".eggs",
    "*.egg-info",
    "__pycache__",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".tox",
    ".nox",
    "node_modules",
    ".bioaudit_cache",
)
"""Excluded unless ``exclude`` replaces them.  While they are in effect, any directory
holding a ``pyvenv.cfg`` (a virtual environment under any name, e.g. ``env``) is excluded
too."""

PYTHON_SUFFIX = ".py"

COUNT_LIMIT = 5000
"""Directory entries examined per skipped directory when counting the Python files in it;
past this the detail says "at least N files" (keeps huge ``node_modules`` cheap)."""

_VCS_DIRS = frozenset({".git", ".hg", ".svn", ".bzr"})  # never counted nor reported
_SPECIAL = frozenset({".gitignore", ".git", "pyvenv.cfg"})


@dataclass
class Discovery:
    root: Path  # the scan root (absolute); paths in results are posix relative to it
    files: list[tuple[Path, str]] = field(default_factory=list)  # (absolute, relative posix)
    skipped: list[SkippedFile] = field(default_factory=list)
    errors: list[Diagnostic] = field(default_factory=list)


# --------------------------------------------------------------------------- patterns


@dataclass(frozen=True)
class Pattern:
    """One compiled gitignore-style pattern."""

    text: str  # as written (for messages)
    source: str  # where it came from: "default exclude", "exclude", "sub/.gitignore", ...
    reason: str  # SkippedFile reason when it excludes something
    regex: re.Pattern[str]
    negate: bool
    dir_only: bool
    anchored: bool  # matched against the path relative to the base, else against the name

    def matches(self, path: str, name: str, is_dir: bool) -> bool:
        if self.dir_only and not is_dir:
            return False
        return self.regex.fullmatch(path if self.anchored else name) is not None


_POSIX_CLASSES = {
    "alnum": "a-zA-Z0-9",
    "alpha": "a-zA-Z",
    "blank": " \\t",
    "cntrl": "\\x00-\\x1f\\x7f",
    "digit": "0-9",
    "graph": "!-~",
    "lower": "a-z",
    "print": " -~",
    "punct": "!-/:-@\\[-`{-~",
    "space": " \\t\\n\\r\\f\\v",
    "upper": "A-Z",
    "xdigit": "0-9A-Fa-f",
}
_NEVER = "(?!)"


def _class_char(c: str) -> str:
    return "\\" + c if c in "\\]^-[" else c


def _bracket(glob: str, i: int) -> tuple[str, int]:
    """Translate the bracket expression starting after the ``[`` at ``glob[i-1]``."""
    n = len(glob)
    j = i
    negate = j < n and glob[j] in "!^"
    if negate:
        j += 1
    items: list[str] = []
    first = True
    while j < n:
        c = glob[j]
        if c == "]" and not first:
            body = "".join(items)
            if negate:
                return f"[^/{body}]", j + 1
            return (f"(?:(?!/)[{body}])" if body else _NEVER), j + 1
        first = False
        if c == "[" and glob.startswith("[:", j):
            end = glob.find(":]", j + 2)
            if end != -1:
                cls = _POSIX_CLASSES.get(glob[j + 2 : end])
                if cls is None:  # git: unknown class makes the pattern match nothing
                    return _NEVER, n
                items.append(cls)
                j = end + 2
                continue
        if c == "\\" and j + 1 < n:
            j += 1
            c = glob[j]
        if j + 2 < n and glob[j + 1] == "-" and glob[j + 2] != "]":
            hi, k = glob[j + 2], j + 3
            if hi == "\\" and k < n:
                hi, k = glob[k], k + 1
            if ord(hi) >= ord(c):
                items.append(f"{_class_char(c)}-{_class_char(hi)}")
            j = k
            continue
        items.append(_class_char(c))
        j += 1
    return _NEVER, n  # unterminated: git's wildmatch then matches nothing


def _glob(glob: str) -> str:
    """Regex for one path component's glob (``*``, ``?``, ``[...]``, backslash escapes)."""
    out: list[str] = []
    i, n = 0, len(glob)
    while i < n:
        c = glob[i]
        i += 1
        if c == "*":
            while i < n and glob[i] == "*":
                i += 1
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "\\":
            if i < n:
                out.append(re.escape(glob[i]))
                i += 1
            else:  # trailing backslash: an invalid pattern, which git never matches
                out.append(_NEVER)
        elif c == "[":
            cls, i = _bracket(glob, i)
            out.append(cls)
        else:
            out.append(re.escape(c))
    return "".join(out)


def _anchored(pattern: str) -> str:
    parts: list[str] = []
    for part in pattern.split("/"):
        if not (part == "**" and parts and parts[-1] == "**"):
            parts.append(part)
    out: list[str] = []
    last = len(parts) - 1
    for idx, part in enumerate(parts):
        if part == "**":
            if idx == 0 and idx == last:
                out.append(".+")
            elif idx == 0:
                out.append("(?:.+/)?")
            elif idx == last:
                out.append("/.+")
            else:
                out.append("/(?:.+/)?")
        else:
            if idx > 0 and parts[idx - 1] != "**":
                out.append("/")
            out.append(_glob(part))
    return "".join(out)


def compile_pattern(line: str, source: str, reason: str) -> Pattern | None:
    """Compile one gitignore line; None for blanks, comments and empty patterns."""
    if line.endswith("\r"):
        line = line[:-1]
    if not line or line.startswith("#"):
        return None
    end = len(line)
    while end and line[end - 1] == " ":  # trailing spaces unless backslash-escaped
        k = end - 1
        while k and line[k - 1] == "\\":
            k -= 1
        if (end - 1 - k) % 2:
            break
        end -= 1
    text = line[:end]
    pat = text
    negate = pat.startswith("!")
    if negate:
        pat = pat[1:]
    dir_only = pat.endswith("/")
    pat = pat.rstrip("/") if dir_only else pat
    anchored = "/" in pat
    if pat.startswith("/"):
        pat = pat[1:]
    if not pat:
        return None
    regex = _anchored(pat) if anchored else _glob(pat)
    return Pattern(text, source, reason, re.compile(regex, re.DOTALL), negate, dir_only, anchored)


def _union(patterns: Iterable[Pattern]) -> re.Pattern[str] | None:
    alternatives = [f"(?:{p.regex.pattern})" for p in patterns]
    return re.compile("|".join(alternatives), re.DOTALL) if alternatives else None


class PatternSet:
    """An ordered gitignore-style pattern list; the last matching pattern decides."""

    def __init__(self, patterns: Sequence[Pattern]):
        self.patterns = tuple(patterns)
        self._fast = not any(p.negate for p in self.patterns)
        if self._fast:  # without negations "any pattern matches" is one regex per kind
            ps = self.patterns
            self._name_file = _union(p for p in ps if not p.anchored and not p.dir_only)
            self._name_dir = _union(p for p in ps if not p.anchored)
            self._path_file = _union(p for p in ps if p.anchored and not p.dir_only)
            self._path_dir = _union(p for p in ps if p.anchored)

    @classmethod
    def from_lines(cls, lines: Iterable[str], source: str, reason: str) -> PatternSet:
        compiled = (compile_pattern(line, source, reason) for line in lines)
        return cls([p for p in compiled if p is not None])

    def __bool__(self) -> bool:
        return bool(self.patterns)

    def match(self, path: str, name: str, is_dir: bool) -> Pattern | None:
        """The pattern deciding the entry (a negated one re-includes it), or None."""
        if self._fast:
            if is_dir:
                name_re, path_re = self._name_dir, self._path_dir
            else:
                name_re, path_re = self._name_file, self._path_file
            if (name_re is None or name_re.fullmatch(name) is None) and (
                path_re is None or path_re.fullmatch(path) is None
            ):
                return None
        for pattern in reversed(self.patterns):
            if pattern.matches(path, name, is_dir):
                return pattern
        return None


# --------------------------------------------------------------------------- helpers


def _strerror(exc: OSError) -> str:
    return exc.strerror or str(exc)


def _files(n: int) -> str:
    return "1 file" if n == 1 else f"{n} files"


def _is_ancestor_or_self(ancestor: str, path: str) -> bool:
    if path == ancestor:
        return True
    prefix = ancestor if ancestor.endswith(os.sep) else ancestor + os.sep
    return path.startswith(prefix)


def _find_git_top(start: str) -> str | None:
    d = start
    while True:
        if os.path.lexists(os.path.join(d, ".git")):
            return d
        parent = os.path.dirname(d)
        if parent == d:
            return None
        d = parent


def _info_exclude_path(repo: str) -> str | None:
    """``$GIT_DIR/info/exclude`` of the repository whose work tree is ``repo``."""
    dot_git = os.path.join(repo, ".git")
    git_dir = dot_git
    if os.path.isfile(dot_git):  # worktree / submodule: "gitdir: <path>"
        try:
            with open(dot_git, encoding="utf-8", errors="surrogateescape") as fh:
                first = fh.readline().strip()
        except OSError:
            return None
        if not first.startswith("gitdir:"):
            return None
        git_dir = os.path.join(repo, first[len("gitdir:") :].strip())
        try:
            with open(os.path.join(git_dir, "commondir"), encoding="utf-8") as fh:
                git_dir = os.path.join(git_dir, fh.read().strip())
        except OSError:
            pass
    return os.path.join(git_dir, "info", "exclude")


def find_root(paths: Sequence[Path]) -> Path:
    """The nearest directory at or above the common ancestor of ``paths`` that holds a
    ``pyproject.toml`` or ``.git``; else that common ancestor (the directory itself when a
    single directory is given, a file's parent for a file)."""
    if not paths:
        paths = [Path.cwd()]
    bases = []
    for p in paths:
        a = os.path.abspath(os.fspath(p))
        bases.append(a if os.path.isdir(a) else os.path.dirname(a))
    try:
        common = os.path.commonpath(bases)
    except ValueError:  # different drives
        common = bases[0]
    d = common
    while True:
        if os.path.exists(os.path.join(d, "pyproject.toml")) or os.path.lexists(
            os.path.join(d, ".git")
        ):
            return Path(d)
        parent = os.path.dirname(d)
        if parent == d:
            return Path(common)
        d = parent


# --------------------------------------------------------------------------- walking

# A directory to walk: (absolute path as reached, rel posix, real path, gitignore frames
# relative to it (excluding its own .gitignore), real dirs of the symlinks crossed, explicit)
_Frame = tuple[str, str, str, tuple, tuple, bool]


class _Walker:
    def __init__(
        self,
        root: str,
        excludes: PatternSet,
        respect_gitignore: bool,
        venv_check: bool,
        force_exclude: bool,
    ):
        self.root = root
        self.root_prefix = root if root.endswith(os.sep) else root + os.sep
        self.excludes = excludes
        self.respect_gitignore = respect_gitignore
        self.venv_check = venv_check
        self.force_exclude = force_exclude
        self.top = (_find_git_top(root) or root) if respect_gitignore else root
        self.candidates: dict[str, tuple[bool, str, str]] = {}  # real -> (via_link, rel, abs)
        self.skipped: list[SkippedFile] = []
        self.errors: list[Diagnostic] = []
        self.visited: set[str] = set()
        self.deferred: deque[_Frame] = deque()
        self.explicit: set[str] = set()  # absolute paths given on the command line
        self._ignore_cache: dict[str, PatternSet | None] = {}

    # -- bookkeeping

    def rel_of(self, abs_path: str) -> str:
        if abs_path == self.root:
            return ""
        if abs_path.startswith(self.root_prefix):
            rel = abs_path[len(self.root_prefix) :]
        else:
            try:
                rel = os.path.relpath(abs_path, self.root)
            except ValueError:
                rel = abs_path
        return rel.replace(os.sep, "/") if os.sep != "/" else rel

    def skip(self, rel: str, reason: str, detail: str = "") -> None:
        self.skipped.append(SkippedFile(rel or ".", reason, detail))

    def add(self, real: str, via_link: bool, rel: str, abs_path: str) -> None:
        new = (via_link, rel, abs_path)
        old = self.candidates.get(real)
        if old is None or new[:2] < old[:2]:  # prefer the non-symlinked, then first rel
            self.candidates[real] = new

    def skip_dir(self, rel: str, abs_path: str, reason: str, why: str, entries=None) -> None:
        """Report a pruned directory with the number of Python files under it."""
        if os.path.basename(abs_path) in _VCS_DIRS or abs_path in self.explicit:
            return
        count, complete = _count_python(abs_path, entries)
        if complete and not count:
            return
        files = _files(count) if complete else f"at least {_files(count)} (stopped counting)"
        self.skip(rel, reason, f"{files}; {why}")

    # -- gitignore

    def _load_ignore(self, path: str, source: str) -> PatternSet | None:
        if path in self._ignore_cache:
            return self._ignore_cache[path]
        spec = None
        try:
            with open(path, "rb") as fh:
                data = fh.read()
        except FileNotFoundError:
            pass
        except OSError as exc:
            self.errors.append(
                Diagnostic("warning", "gitignore-unreadable", f"{source}: {_strerror(exc)}", source)
            )
        else:
            text = data.decode("utf-8", "surrogateescape")
            spec = PatternSet.from_lines(text.split("\n"), source, "gitignored") or None
        self._ignore_cache[path] = spec
        return spec

    def enter(self, directory: str, has_git: bool, has_ignore: bool, ignores: tuple) -> tuple:
        """Frames for the entries of ``directory``: a repository boundary resets them (plus
        its info/exclude), then the directory's own .gitignore has the highest priority."""
        if has_git:
            ignores = ()
            exclude_file = _info_exclude_path(directory)
            if exclude_file:
                spec = self._load_ignore(exclude_file, self._source(exclude_file))
                if spec:
                    ignores = ((spec, ""),)
        if has_ignore:
            path = os.path.join(directory, ".gitignore")
            spec = self._load_ignore(path, self._source(path))
            if spec:
                ignores = ignores + ((spec, ""),)
        return ignores

    def _source(self, path: str) -> str:
        return self.rel_of(path)

    def along(self, abs_path: str, is_dir: bool, check: bool) -> tuple[tuple, tuple | None]:
        """Gitignore frames relative to ``abs_path`` built from the repository top down to
        its parent, and (when ``check``) the first gitignore verdict excluding ``abs_path``
        or one of its ancestors."""
        top = self.top
        if not self.respect_gitignore or abs_path == top or not _is_ancestor_or_self(top, abs_path):
            return (), None
        parts = os.path.relpath(abs_path, top).split(os.sep)
        ignores: tuple = ()
        cur = top
        for i, part in enumerate(parts):
            ignores = self.enter(
                cur,
                os.path.lexists(os.path.join(cur, ".git")),
                os.path.isfile(os.path.join(cur, ".gitignore")),
                ignores,
            )
            if check:
                why = self.gitignored(part, is_dir if i == len(parts) - 1 else True, ignores)
                if why:
                    return ignores, why
            ignores = tuple((spec, f"{prefix}{part}/") for spec, prefix in ignores)
            cur = os.path.join(cur, part)
        return ignores, None

    @staticmethod
    def gitignored(name: str, is_dir: bool, ignores: tuple) -> tuple[str, str] | None:
        for spec, prefix in reversed(ignores):
            pattern = spec.match(prefix + name, name, is_dir)
            if pattern is not None:
                if pattern.negate:
                    return None
                return "gitignored", f"matched {pattern.text!r} in {pattern.source}"
        return None

    def excluded(self, rel: str, name: str, is_dir: bool, ignores: tuple) -> tuple[str, str] | None:
        pattern = self.excludes.match(rel, name, is_dir)
        if pattern is not None and not pattern.negate:
            return pattern.reason, f"matched {pattern.text!r} ({pattern.source})"
        if ignores:
            return self.gitignored(name, is_dir, ignores)
        return None

    def explicitly_excluded(self, abs_path: str, is_dir: bool) -> tuple[str, str] | None:
        """For ``force_exclude``: is a given path, or a directory above it, excluded?"""
        rel = self.rel_of(abs_path)
        if rel and not rel.startswith("../") and not os.path.isabs(rel):
            parts = rel.split("/")
            for i, part in enumerate(parts):
                last = i == len(parts) - 1
                sub = "/".join(parts[: i + 1])
                pattern = self.excludes.match(sub, part, True if not last else is_dir)
                if pattern is not None and not pattern.negate:
                    return pattern.reason, f"matched {pattern.text!r} ({pattern.source})"
                if self.venv_check and (not last or is_dir):
                    if os.path.isfile(os.path.join(self.root, sub, "pyvenv.cfg")):
                        return "default-excluded", "virtual environment (pyvenv.cfg)"
        return self.along(abs_path, is_dir, check=True)[1]

    # -- the walk

    def walk(self, start: _Frame) -> None:
        stack = [start]
        excluded = self.excluded
        join = os.path.join
        while stack:
            abs_dir, rel_dir, real_dir, ignores, chain, explicit = stack.pop()
            if real_dir in self.visited:
                continue
            self.visited.add(real_dir)
            try:
                with os.scandir(abs_dir) as it:
                    entries = list(it)
            except OSError as exc:
                self.skip(rel_dir, "unreadable", _strerror(exc))
                continue
            has_git = has_ignore = is_venv = False
            for entry in entries:
                if entry.name in _SPECIAL:
                    name = entry.name
                    if name == ".gitignore":
                        has_ignore = True
                    elif name == ".git":
                        has_git = True
                    else:
                        is_venv = True
            if is_venv and self.venv_check and not explicit:
                why = "virtual environment (pyvenv.cfg)"
                self.skip_dir(rel_dir, abs_dir, "default-excluded", why, entries)
                continue
            if self.respect_gitignore and (has_git or has_ignore):
                ignores = self.enter(abs_dir, has_git, has_ignore, ignores)
            prefix = f"{rel_dir}/" if rel_dir else ""
            for entry in entries:
                name = entry.name
                rel = prefix + name
                try:
                    if entry.is_symlink():
                        self._symlink(entry, rel, real_dir, ignores, chain)
                    elif entry.is_dir(follow_symlinks=False):
                        why = excluded(rel, name, True, ignores)
                        if why:
                            self.skip_dir(rel, entry.path, *why)
                        else:
                            child = tuple((s, f"{p}{name}/") for s, p in ignores)
                            stack.append(
                                (entry.path, rel, join(real_dir, name), child, chain, False)
                            )
                    elif name.endswith(PYTHON_SUFFIX) and entry.is_file(follow_symlinks=False):
                        why = excluded(rel, name, False, ignores)
                        if why:
                            if entry.path not in self.explicit:
                                self.skip(rel, *why)
                        else:
                            self.add(join(real_dir, name), False, rel, entry.path)
                    elif name.endswith(PYTHON_SUFFIX):
                        # a FIFO, socket or device named like a module: never opened
                        self.skip(rel, "not-a-regular-file", "a FIFO, socket or device, not a file")
                except OSError as exc:
                    if name.endswith(PYTHON_SUFFIX):
                        self.skip(rel, "unreadable", _strerror(exc))

    def _symlink(self, entry: os.DirEntry, rel: str, real_dir: str, ignores: tuple, chain: tuple):
        name = entry.name
        try:
            st = os.stat(entry.path)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                self.skip(rel, "symlink-loop", f"{_readlink(entry.path)}: {_strerror(exc)}")
            elif name.endswith(PYTHON_SUFFIX):
                self.skip(rel, "unreadable", f"broken symlink: {_strerror(exc)}")
            return
        if stat.S_ISDIR(st.st_mode):
            why = self.excluded(rel, name, True, ignores)
            if why:
                self.skip_dir(rel, entry.path, *why)
                return
            child = tuple((s, f"{p}{name}/") for s, p in ignores)
            target = os.path.realpath(entry.path)
            self.deferred.append((entry.path, rel, target, child, chain + (real_dir,), False))
        elif stat.S_ISREG(st.st_mode) and name.endswith(PYTHON_SUFFIX):
            why = self.excluded(rel, name, False, ignores)
            if why:
                if entry.path not in self.explicit:
                    self.skip(rel, *why)
                return
            self.add(os.path.realpath(entry.path), True, rel, entry.path)
        elif name.endswith(PYTHON_SUFFIX):
            self.skip(rel, "not-a-regular-file", "a symlink to a FIFO, socket or device, not a file")

    def follow_deferred(self) -> None:
        """Walk symlinked directories once the real tree is known (so aliases of it are
        recognised), refusing any that points at a directory it is inside of."""
        while self.deferred:
            frame = self.deferred.popleft()
            abs_path, rel, target, _, chain, _ = frame
            if any(_is_ancestor_or_self(target, link_dir) for link_dir in chain):
                where = f"-> {_readlink(abs_path)} points back at a parent directory"
                self.skip(rel, "symlink-loop", where)
                continue
            if target in self.visited:
                continue  # an alias of a directory already scanned under its own name
            self.walk(frame)

    # -- command-line paths

    def absolute(self, raw: Path | str) -> str:
        """Absolute spelling of a given path, re-spelt under the root when it only reaches
        the root through a symlink (e.g. a resolved root and an unresolved ``./src``)."""
        abs_path = os.path.abspath(os.fspath(raw))
        if abs_path == self.root or abs_path.startswith(self.root_prefix):
            return abs_path
        real, root_real = os.path.realpath(abs_path), os.path.realpath(self.root)
        if _is_ancestor_or_self(root_real, real):
            inner = os.path.relpath(real, root_real)
            return self.root if inner == os.curdir else os.path.join(self.root, inner)
        return abs_path

    def given(self, raw: Path | str) -> None:
        abs_path = self.absolute(raw)
        rel = self.rel_of(abs_path)
        try:
            st = os.stat(abs_path)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                self.skip(rel, "symlink-loop", f"{_readlink(abs_path)}: {_strerror(exc)}")
            elif exc.errno in (errno.ENOENT, errno.ENOTDIR):
                self.errors.append(
                    Diagnostic(
                        "error",
                        "missing-path",
                        f"{os.fspath(raw)}: no such file or directory",
                        os.fspath(raw),
                    )
                )
            else:
                self.skip(rel, "unreadable", _strerror(exc))
            return
        if stat.S_ISDIR(st.st_mode):
            if self.force_exclude:
                why = self.explicitly_excluded(abs_path, True)
                if why:
                    self.explicit.discard(abs_path)
                    self.skip_dir(rel, abs_path, *why)
                    return
            ignores, _ = self.along(abs_path, True, check=False)
            self.walk((abs_path, rel, os.path.realpath(abs_path), ignores, (), True))
            return
        if not abs_path.endswith(PYTHON_SUFFIX):
            self.skip(rel, "not-python", "not a .py file")
        elif not stat.S_ISREG(st.st_mode):
            self.skip(rel, "unreadable", "not a regular file")
        else:
            why = self.explicitly_excluded(abs_path, False) if self.force_exclude else None
            if why:
                self.skip(rel, *why)
            else:
                self.add(os.path.realpath(abs_path), os.path.islink(abs_path), rel, abs_path)


def _readlink(path: str) -> str:
    try:
        return os.readlink(path)
    except OSError:
        return path


def _count_python(directory: str, entries=None) -> tuple[int, bool]:
    """Python files under ``directory`` (symlinks not followed), and whether the count is
    complete (it stops after COUNT_LIMIT entries)."""
    count = 0
    budget = COUNT_LIMIT
    complete = True
    pending: list = [entries] if entries is not None else []
    stack = [] if entries is not None else [directory]
    while stack or pending:
        if pending:
            listing = pending.pop()
        else:
            try:
                with os.scandir(stack.pop()) as it:
                    listing = list(it)
            except OSError:
                complete = False
                continue
        for entry in listing:
            budget -= 1
            if budget < 0:
                return count, False
            name = entry.name
            try:
                if entry.is_dir(follow_symlinks=False):
                    if name not in _VCS_DIRS:
                        stack.append(entry.path)
                elif name.endswith(PYTHON_SUFFIX):
                    count += 1
            except OSError:
                complete = False
    return count, complete


def exclude_patterns(
    exclude: Sequence[str] | None, extend_exclude: Sequence[str] = ()
) -> PatternSet:
    """The exclusion pattern set: ``exclude`` (None means DEFAULT_EXCLUDES) then
    ``extend_exclude``; later patterns win, so ``!name`` in extend_exclude re-includes."""
    patterns: list[Pattern] = []
    if exclude is None:
        groups = [(DEFAULT_EXCLUDES, "default exclude", "default-excluded")]
    else:
        groups = [(exclude, "exclude", "excluded")]
    groups.append((extend_exclude, "extend-exclude", "excluded"))
    for lines, source, reason in groups:
        for line in lines:
            line = line.strip()
            if line.startswith("./"):  # "./build" means the root's build
                line = line[1:]
            pattern = compile_pattern(line, source, reason)
            if pattern is not None:
                patterns.append(pattern)
    return PatternSet(patterns)


def discover(
    paths: Sequence[Path],
    root: Path,
    *,
    exclude: Sequence[str] | None = None,
    extend_exclude: Sequence[str] = (),
    respect_gitignore: bool = True,
    force_exclude: bool = False,
) -> Discovery:
    """List the ``*.py`` files under ``paths`` (files or directories).

    ``exclude`` replaces DEFAULT_EXCLUDES (``None``, the default, keeps them; an empty list
    excludes nothing) and ``extend_exclude`` adds to them.  Patterns are gitignore-style,
    relative to ``root``.  Paths given explicitly are scanned even when excluded or
    gitignored unless ``force_exclude``.
    """
    root_abs = os.path.abspath(os.fspath(root))
    walker = _Walker(
        root_abs,
        exclude_patterns(exclude, extend_exclude),
        respect_gitignore,
        venv_check=exclude is None,
        force_exclude=force_exclude,
    )
    walker.explicit = {walker.absolute(p) for p in paths}
    for raw in paths:
        walker.given(raw)
    walker.follow_deferred()

    files: list[tuple[Path, str]] = []
    seen_rel: set[str] = set()
    for _, rel, abs_path in sorted(walker.candidates.values(), key=lambda c: (c[1], c[0])):
        if rel not in seen_rel:
            seen_rel.add(rel)
            files.append((Path(abs_path), rel))
    skipped = sorted(set(walker.skipped), key=lambda s: (s.path, s.reason, s.detail))
    return Discovery(Path(root_abs), files, skipped, walker.errors)
