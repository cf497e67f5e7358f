from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pathspec
import pytest

from bioaudit.engine import discover as discover_mod
from bioaudit.engine.discover import (
    DEFAULT_EXCLUDES,
    Discovery,
    PatternSet,
    discover,
    find_root,
)
from bioaudit.model import Diagnostic, SkippedFile

needs_symlinks = pytest.mark.skipif(
    sys.platform == "win32", reason="symlinks need privileges on Windows"
)


def touch(path: Path, text: str = "") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def rels(d: Discovery) -> list[str]:
    return [rel for _, rel in d.files]


def skipped(d: Discovery) -> dict[str, SkippedFile]:
    return {s.path: s for s in d.skipped}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    root.mkdir()
    touch(root / "pyproject.toml", "[project]\nname='x'\n")
    return root


# ------------------------------------------------------------------ default excludes


def test_default_excludes_are_skipped_and_counted(project: Path) -> None:
    touch(project / "src" / "app.py")
    touch(project / ".venv" / "pyvenv.cfg")
    touch(project / ".venv" / "lib" / "site.py")
    touch(project / "env" / "pyvenv.cfg")  # a venv under a non-default name
    touch(project / "env" / "lib" / "a.py")
    touch(project / "env" / "lib" / "b.py")
    touch(project / "node_modules" / "pkg" / "gyp.py")
    touch(project / "build" / "lib" / "app.py")
    touch(project / "dist" / "x.py")
    touch(project / "src" / "__pycache__" / "stale.py")
    touch(project / "pkg.egg-info" / "setup.py")
    touch(project / ".git" / "hooks" / "hook.py")

    d = discover([project], project)

    assert rels(d) == ["src/app.py"]
    s = skipped(d)
    assert s[".venv"].reason == "default-excluded"
    assert s[".venv"].detail.startswith("1 file;")
    assert s["env"] == SkippedFile(
        "env", "default-excluded", "2 files; virtual environment (pyvenv.cfg)"
    )
    assert s["node_modules"].detail == "1 file; matched 'node_modules' (default exclude)"
    assert s["build"].reason == s["dist"].reason == "default-excluded"
    assert s["src/__pycache__"].reason == "default-excluded"
    assert s["pkg.egg-info"].detail.endswith("matched '*.egg-info' (default exclude)")
    assert ".git" not in s  # VCS metadata is never reported
    assert d.errors == []
    assert d.root == project


def test_dir_named_env_without_pyvenv_cfg_is_scanned(project: Path) -> None:
    touch(project / "env" / "settings.py")
    assert rels(discover([project], project)) == ["env/settings.py"]


def test_excluded_directory_without_python_files_is_not_reported(project: Path) -> None:
    touch(project / "node_modules" / "pkg" / "index.js")
    touch(project / "a.py")
    d = discover([project], project)
    assert rels(d) == ["a.py"]
    assert d.skipped == []


def test_huge_excluded_directory_count_is_bounded(project: Path, monkeypatch) -> None:
    monkeypatch.setattr(discover_mod, "COUNT_LIMIT", 10)
    for i in range(30):
        touch(project / "node_modules" / f"m{i}.py")
    d = discover([project], project)
    assert skipped(d)["node_modules"].detail.startswith("at least ")


def test_extend_exclude_adds_to_defaults(project: Path) -> None:
    touch(project / "app.py")
    touch(project / "generated" / "one.py")
    touch(project / "generated" / "two.py")
    touch(project / "proto" / "face_pb2.py")
    touch(project / "build" / "b.py")

    d = discover([project], project, extend_exclude=["generated", "*_pb2.py"])

    assert rels(d) == ["app.py"]
    s = skipped(d)
    assert s["generated"] == SkippedFile(
        "generated", "excluded", "2 files; matched 'generated' (extend-exclude)"
    )
    assert s["proto/face_pb2.py"] == SkippedFile(
        "proto/face_pb2.py", "excluded", "matched '*_pb2.py' (extend-exclude)"
    )
    assert s["build"].reason == "default-excluded"


def test_extend_exclude_negation_reincludes_a_default(project: Path) -> None:
    touch(project / "build" / "b.py")
    d = discover([project], project, extend_exclude=["!build"])
    assert rels(d) == ["build/b.py"]


def test_exclude_replaces_defaults(project: Path) -> None:
    touch(project / "build" / "b.py")
    touch(project / "vendor" / "v.py")
    touch(project / "app.py")

    d = discover([project], project, exclude=["vendor"])

    assert rels(d) == ["app.py", "build/b.py"]
    assert skipped(d)["vendor"].reason == "excluded"
    # None (the default) keeps DEFAULT_EXCLUDES, an empty list excludes nothing.
    assert rels(discover([project], project)) == ["app.py", "vendor/v.py"]
    assert rels(discover([project], project, exclude=[])) == [
        "app.py",
        "build/b.py",
        "vendor/v.py",
    ]
    assert "build" in DEFAULT_EXCLUDES


def test_exclude_patterns_are_relative_to_root(project: Path) -> None:
    touch(project / "src" / "gen" / "a.py")
    touch(project / "lib" / "src" / "gen" / "b.py")
    touch(project / "docs" / "x" / "y" / "example.py")
    touch(project / "docs" / "conf.py")
    touch(project / "tests" / "test_a.py")

    d = discover(
        [project], project, extend_exclude=["/src/gen", "docs/**/example.py", "./tests/"]
    )

    assert rels(d) == ["docs/conf.py", "lib/src/gen/b.py"]
    assert skipped(d)["src/gen"].reason == "excluded"
    assert skipped(d)["docs/x/y/example.py"].reason == "excluded"
    assert skipped(d)["tests"].reason == "excluded"


# ------------------------------------------------------------------ gitignore


def test_gitignore_is_honoured_and_counted(project: Path) -> None:
    (project / ".git").mkdir()
    touch(project / ".gitignore", "# generated code\ngenerated/\n*_local.py\n")
    touch(project / "app.py")
    touch(project / "settings_local.py")
    for i in range(3):
        touch(project / "generated" / f"g{i}.py")

    d = discover([project], project)

    assert rels(d) == ["app.py"]
    s = skipped(d)
    assert s["generated"] == SkippedFile(
        "generated", "gitignored", "3 files; matched 'generated/' in .gitignore"
    )
    assert s["settings_local.py"] == SkippedFile(
        "settings_local.py", "gitignored", "matched '*_local.py' in .gitignore"
    )


def test_gitignore_ignored_when_disabled(project: Path) -> None:
    touch(project / ".gitignore", "ignored.py\n")
    touch(project / "ignored.py")
    assert rels(discover([project], project, respect_gitignore=False)) == ["ignored.py"]
    assert rels(discover([project], project)) == []


def test_gitignore_negation(project: Path) -> None:
    touch(project / ".gitignore", "scripts/*\n!scripts/keep.py\n")
    touch(project / "scripts" / "keep.py")
    touch(project / "scripts" / "drop.py")
    d = discover([project], project)
    assert rels(d) == ["scripts/keep.py"]
    assert skipped(d)["scripts/drop.py"].reason == "gitignored"


def test_nested_gitignore(project: Path) -> None:
    (project / ".git").mkdir()
    touch(project / ".gitignore", "secret.py\n")
    touch(project / "sub" / ".gitignore", "tmp.py\n/only_here.py\n!secret.py\n")
    for rel in [
        "sub/tmp.py",
        "sub/deep/tmp.py",
        "other/tmp.py",
        "sub/only_here.py",
        "sub/deep/only_here.py",
        "secret.py",
        "sub/secret.py",
    ]:
        touch(project / rel)

    d = discover([project], project)

    assert rels(d) == ["other/tmp.py", "sub/deep/only_here.py", "sub/secret.py"]
    s = skipped(d)
    assert s["sub/tmp.py"].detail == "matched 'tmp.py' in sub/.gitignore"
    assert s["sub/deep/tmp.py"].reason == "gitignored"
    assert s["sub/only_here.py"].reason == "gitignored"
    assert s["secret.py"].detail == "matched 'secret.py' in .gitignore"


def test_git_info_exclude(project: Path) -> None:
    touch(project / ".git" / "info" / "exclude", "scratch.py\n")
    touch(project / "scratch.py")
    touch(project / "app.py")
    d = discover([project], project)
    assert rels(d) == ["app.py"]
    assert skipped(d)["scratch.py"].detail == "matched 'scratch.py' in .git/info/exclude"


def test_gitignore_above_the_root_applies_inside_the_repository(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    touch(repo / ".gitignore", "fixtures/\n")
    proj = repo / "services" / "face"
    touch(proj / "pyproject.toml")
    touch(proj / "app.py")
    touch(proj / "fixtures" / "f.py")

    d = discover([proj], proj)

    assert rels(d) == ["app.py"]
    assert skipped(d)["fixtures"].detail == "1 file; matched 'fixtures/' in ../../.gitignore"


def test_nested_repository_does_not_inherit_parent_gitignore(project: Path) -> None:
    (project / ".git").mkdir()
    touch(project / ".gitignore", "*.py\n!/vendored/\n")
    (project / "vendored" / "lib" / ".git").mkdir(parents=True)
    touch(project / "vendored" / "lib" / "mod.py")
    d = discover([project], project)
    assert rels(d) == ["vendored/lib/mod.py"]


# ------------------------------------------------------------------ explicit paths


def test_explicit_file_is_scanned_even_if_excluded(project: Path) -> None:
    target = touch(project / "build" / "gen.py")
    touch(project / ".gitignore", "ignored.py\n")
    ignored = touch(project / "ignored.py")

    d = discover([target, ignored], project)

    assert rels(d) == ["build/gen.py", "ignored.py"]
    assert d.skipped == []


def test_force_exclude_applies_excludes_to_explicit_paths(project: Path) -> None:
    target = touch(project / "build" / "gen.py")
    touch(project / ".gitignore", "ignored.py\n")
    ignored = touch(project / "ignored.py")
    kept = touch(project / "src" / "ok.py")

    d = discover([target, ignored, kept, project / "build"], project, force_exclude=True)

    assert rels(d) == ["src/ok.py"]
    s = skipped(d)
    assert s["build/gen.py"].reason == "default-excluded"
    assert s["ignored.py"].reason == "gitignored"
    assert s["build"].detail == "1 file; matched 'build' (default exclude)"


def test_explicit_excluded_directory_is_walked(project: Path) -> None:
    touch(project / "build" / "lib" / "mod.py")
    touch(project / "build" / "node_modules" / "x.py")  # still pruned inside
    d = discover([project / "build"], project)
    assert rels(d) == ["build/lib/mod.py"]
    assert skipped(d)["build/node_modules"].reason == "default-excluded"


def test_explicit_path_inside_pruned_tree_is_not_reported_twice(project: Path) -> None:
    touch(project / "build" / "b.py")
    touch(project / "a.py")
    d = discover([project, project / "build"], project)
    assert rels(d) == ["a.py", "build/b.py"]
    assert d.skipped == []


def test_missing_path_is_an_error(project: Path) -> None:
    touch(project / "a.py")
    d = discover([project / "a.py", project / "nope.py"], project)
    assert rels(d) == ["a.py"]
    assert d.errors == [
        Diagnostic(
            "error",
            "missing-path",
            f"{project / 'nope.py'}: no such file or directory",
            str(project / "nope.py"),
        )
    ]


def test_explicit_non_python_file_is_reported(project: Path) -> None:
    readme = touch(project / "README.md")
    script = touch(project / "run")  # extensionless, even with a shebang
    script.write_text("#!/usr/bin/env python\n")
    d = discover([readme, script], project)
    assert d.files == []
    assert skipped(d)["README.md"].reason == "not-python"
    assert skipped(d)["run"].reason == "not-python"


def test_only_py_files_are_collected(project: Path) -> None:
    for name in ["a.py", "b.pyi", "c.txt", "script", "d.PY.bak", "e.pyc"]:
        touch(project / name)
    d = discover([project], project)
    assert rels(d) == ["a.py"]
    assert d.skipped == []


def test_overlapping_paths_give_sorted_unique_files(project: Path) -> None:
    touch(project / "src" / "b.py")
    touch(project / "src" / "a.py")
    touch(project / "z.py")
    d = discover([project / "src", project, project / "src" / "a.py"], project)
    assert rels(d) == ["src/a.py", "src/b.py", "z.py"]
    assert all(p.is_absolute() and p.is_file() for p, _ in d.files)
    assert [p for p, _ in d.files][0] == project / "src" / "a.py"


# ------------------------------------------------------------------ symlinks


@needs_symlinks
def test_symlink_loop_is_reported_and_does_not_hang(project: Path) -> None:
    touch(project / "pkg" / "a.py")
    os.symlink("..", project / "pkg" / "up")  # pkg/up/pkg/up/... forever
    os.symlink("self.py", project / "self.py")  # ELOOP on stat
    start = time.perf_counter()

    d = discover([project], project)

    assert time.perf_counter() - start < 5
    assert rels(d) == ["pkg/a.py"]
    s = skipped(d)
    assert s["pkg/up"].reason == "symlink-loop"
    assert s["self.py"].reason == "symlink-loop"


@needs_symlinks
def test_symlink_cycle_through_two_directories(project: Path) -> None:
    touch(project / "a" / "x.py")
    touch(project / "b" / "y.py")
    os.symlink("../b", project / "a" / "to_b")
    os.symlink("../a", project / "b" / "to_a")
    d = discover([project / "a"], project)
    assert rels(d) == ["a/to_b/y.py", "a/x.py"]
    assert skipped(d)["a/to_b/to_a"].reason == "symlink-loop"


@needs_symlinks
def test_symlinked_files_and_directories_are_deduplicated(project: Path) -> None:
    touch(project / "src" / "real.py")
    os.symlink("real.py", project / "src" / "alias.py")
    os.symlink("src", project / "lib")  # whole-directory alias
    d = discover([project], project)
    assert rels(d) == ["src/real.py"]
    assert d.skipped == []


@needs_symlinks
def test_symlinked_directory_outside_root_is_followed(tmp_path: Path, project: Path) -> None:
    touch(tmp_path / "shared" / "util.py")
    os.symlink(tmp_path / "shared", project / "shared")
    d = discover([project], project)
    assert rels(d) == ["shared/util.py"]
    assert d.files[0][0] == project / "shared" / "util.py"


@needs_symlinks
def test_broken_symlink_is_unreadable(project: Path) -> None:
    os.symlink("gone.py", project / "dangling.py")
    d = discover([project], project)
    assert d.files == []
    assert skipped(d)["dangling.py"].reason == "unreadable"


# ------------------------------------------------------------------ odd names, errors


def test_names_with_spaces_unicode_and_newlines(project: Path) -> None:
    names = ["with space.py", "caf\u00e9_\u4eba\u8138.py", "new\nline.py", "dir with space/m.py"]
    for name in names:
        touch(project / name)
    d = discover([project], project)
    assert rels(d) == sorted(names)
    assert all(p.is_file() for p, _ in d.files)
    # An exclusion pattern with a space works too.
    d = discover([project], project, extend_exclude=["dir with space"])
    assert skipped(d)["dir with space"].reason == "excluded"


def test_unreadable_directory_is_reported(project: Path, monkeypatch) -> None:
    touch(project / "ok.py")
    locked = project / "locked"
    touch(locked / "hidden.py")
    locked.chmod(0)
    if getattr(os, "geteuid", lambda: -1)() == 0:  # root reads anything: simulate EACCES
        real_scandir = os.scandir

        def scandir(path):
            if os.fspath(path) == str(locked):
                raise PermissionError(errno.EACCES, "Permission denied", os.fspath(path))
            return real_scandir(path)

        monkeypatch.setattr(discover_mod.os, "scandir", scandir)
    try:
        d = discover([project], project)
    finally:
        monkeypatch.undo()
        locked.chmod(0o755)
    assert rels(d) == ["ok.py"]
    assert skipped(d)["locked"] == SkippedFile("locked", "unreadable", "Permission denied")


def test_find_root(tmp_path: Path) -> None:
    touch(tmp_path / "repo" / "pyproject.toml")
    a = touch(tmp_path / "repo" / "src" / "pkg" / "a.py")
    b = touch(tmp_path / "repo" / "tests" / "b.py")
    assert find_root([a]) == tmp_path / "repo"
    assert find_root([a.parent, b]) == tmp_path / "repo"

    (tmp_path / "gitrepo" / ".git").mkdir(parents=True)
    c = touch(tmp_path / "gitrepo" / "x" / "c.py")
    assert find_root([c]) == tmp_path / "gitrepo"


def test_find_root_without_markers(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(
        discover_mod.os.path,
        "exists",
        lambda p: not str(p).endswith("pyproject.toml") and os.path.lexists(p),
    )
    monkeypatch.setattr(discover_mod.os.path, "lexists", lambda p: not str(p).endswith(".git"))
    one = tmp_path / "loose" / "one"
    two = tmp_path / "loose" / "two"
    one.mkdir(parents=True)
    two.mkdir()
    f = touch(one / "f.py")
    assert find_root([one]) == one
    assert find_root([f]) == one
    assert find_root([one, two]) == tmp_path / "loose"


def test_discovery_is_fast(tmp_path: Path) -> None:
    root = tmp_path / "big"
    for i in range(100):
        d = root / f"pkg{i // 10}" / f"mod{i}"
        (d / "__pycache__").mkdir(parents=True)
        for j in range(30):
            (d / f"f{j}.py").touch()
            (d / "__pycache__" / f"f{j}.cpython-311.pyc").touch()
    touch(root / ".gitignore", "\n".join(f"*.tmp{i}" for i in range(100)) + "\n/dist/\n")
    best = min(_timed(lambda: discover([root], root)) for _ in range(3))
    assert len(discover([root], root).files) == 3000
    assert best < 0.5, f"discovering 3,000 files took {best * 1000:.0f} ms"


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


# ------------------------------------------------------------------ pattern matcher


PATTERN_CASES = [
    ["build"],
    ["build/"],
    ["/build"],
    ["*.py"],
    ["a/*.py"],
    ["a/**"],
    ["**/b"],
    ["a/**/c.py"],
    ["**/x/**"],
    ["*_pb2.py", "gen?"],
    ["[ab]*.py", "[!c]x.py"],
    ["doc/*/"],
    ["\\#lit.py", "sp\\ .py"],
    ["*.py", "!keep.py"],
    ["a/*", "!a/keep.py"],
]
PATHS = [
    "build/x.py",
    "src/build/x.py",
    "build.py",
    "a/x.py",
    "a/b/x.py",
    "a/keep.py",
    "z/a/x.py",
    "b",
    "q/b/r.py",
    "a/c.py",
    "a/q/r/c.py",
    "x/y.py",
    "m/x/n/y.py",
    "face_pb2.py",
    "gen1/t.py",
    "bx.py",
    "cx.py",
    "dx.py",
    "doc/api/x.py",
    "doc/x.py",
    "#lit.py",
    "sp .py",
    "keep.py",
    "deep/keep.py",
]


@pytest.mark.parametrize("lines", PATTERN_CASES, ids=lambda ls: " ".join(ls))
def test_matcher_agrees_with_pathspec(lines: list[str]) -> None:
    """Walk semantics (a path is excluded when it or a parent directory is) must equal
    pathspec's GitIgnoreSpec, which replicates git."""
    ours = PatternSet.from_lines(lines, "t", "excluded")
    spec = pathspec.GitIgnoreSpec.from_lines(lines)
    for path in PATHS:
        parts = path.split("/")
        excluded = False
        for i in range(len(parts)):
            sub = "/".join(parts[: i + 1])
            hit = ours.match(sub, parts[i], i < len(parts) - 1)
            if hit is not None:
                excluded = not hit.negate
                if excluded:
                    break
        assert excluded == spec.match_file(path), (lines, path)


GIT_CASES = PATTERN_CASES + [
    ["a/**/"],
    ["[[:digit:]]*.py"],
    ["x[.py"],
    ["[]]x.py", "[a-]x.py"],
    ["**foo.py", "a/**b.py"],
    ["/**/d.py", "q/**/r/"],
    ["*.py  "],
]
GIT_PATHS = PATHS + [
    *("1.py", "x[.py", "]x.py", "-x.py", "foofoo.py", "a/zb.py", "w/d.py", "q/z/r/s.py")
]


@pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")
def test_matcher_agrees_with_git(tmp_path: Path) -> None:
    """The same walk semantics against `git status --ignored` on a real tree."""
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    for path in GIT_PATHS:
        touch(tmp_path / path)
    for lines in GIT_CASES:
        touch(tmp_path / ".gitignore", "\n".join(lines) + "\n")
        out = subprocess.run(
            ["git", "-C", str(tmp_path), "status", "--porcelain", "-z", "--ignored", "-uall"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        ignored = {e[3:] for e in out.split("\0") if e.startswith("!! ")}
        d = discover([tmp_path], tmp_path, exclude=[])
        candidates = {p for p in GIT_PATHS if p.endswith(".py")}
        ours = candidates - set(rels(d))
        theirs = {
            p
            for p in candidates
            if p in ignored or any(p.startswith(i) for i in ignored if i.endswith("/"))
        }
        assert ours == theirs, lines


@needs_symlinks
def test_paths_reaching_the_root_through_a_symlink_stay_relative(tmp_path: Path) -> None:
    real = tmp_path / "real"
    touch(real / "pyproject.toml")
    touch(real / "src" / "a.py")
    os.symlink(real, tmp_path / "alias")
    d = discover([tmp_path / "alias" / "src"], real)  # resolved root, unresolved path
    assert rels(d) == ["src/a.py"]
    assert d.files[0][0] == real / "src" / "a.py"


def test_fifo_named_like_a_module_is_listed_not_opened(tmp_path):
    import os

    from bioaudit.engine.discover import discover

    (tmp_path / "good.py").write_text("x = 1\n", encoding="utf-8")
    os.mkfifo(tmp_path / "pipe.py")
    found = discover([tmp_path], tmp_path)
    assert [rel for _, rel in found.files] == ["good.py"]
    assert [(s.path, s.reason) for s in found.skipped] == [("pipe.py", "not-a-regular-file")]
