"""Never execute scanned code (issue 6).

A repository whose setup.py, conftest.py, package __init__.py, a .pth file, sitecustomize,
a PEP 517 in-tree build backend, a would-be rule plugin (a *.dist-info entry point) and
plain module-level statements each write a marker file when run. After full scans (every
rule, every format, cache on and off, one and several jobs, plus `report` and `baseline`)
no marker may exist, the scanned tree must be unchanged (no __pycache__, no .pyc), and the
files must really have been read (their findings are reported).

Each file writes its own marker (an absolute path outside the tree), so a failure names
what ran.
"""
from __future__ import annotations

import json
import os
import pickle
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import BIOAUDIT, cli_env, has_option, run_bioaudit, scan_help

FACE = "import face_recognition\n"


def _marker_code(markers: Path, name: str) -> str:
    return f"open({str(markers / name)!r}, 'w').write('ran')\n"


def _module(markers: Path, name: str, extra: str = "") -> str:
    """A face module that writes marker `name` if it is ever run, and has a finding
    (BIO001 on the face call) if it is analysed."""
    return _marker_code(markers, name) + FACE + "enc = face_recognition.face_encodings(img)[0]\n" + extra


GENERATED = 45  # independent face modules: more than the runner's threshold for parallel work


def build_marker_repo(base: Path) -> tuple[Path, Path]:
    root = base / "repo"
    markers = base / "markers"
    markers.mkdir(parents=True)
    (root / ".git").mkdir(parents=True)
    files = {
        "setup.py": _module(markers, "setup.py", "from setuptools import setup\nsetup(name='evil')\n"),
        "conftest.py": _module(markers, "conftest.py"),
        "pkg/__init__.py": _module(markers, "pkg__init__.py"),
        "pkg/__main__.py": _module(markers, "pkg__main__.py"),
        "pkg/face_mod.py": _module(markers, "pkg_face_mod.py", "def helper():\n    return enc\n"),
        "pkg/uses.py": FACE + "from pkg.face_mod import helper\n" + _marker_code(markers, "pkg_uses.py") + "print(helper())\n",
        "sitecustomize.py": _module(markers, "sitecustomize.py"),
        "usercustomize.py": _module(markers, "usercustomize.py"),
        "backend.py": _module(markers, "backend.py", "def build_wheel(*a, **k):\n    raise SystemExit\n"),
        "evilplugin.py": _module(markers, "evilplugin.py"),
        "docs/conf.py": _module(markers, "docs_conf.py"),
        "noxfile.py": _module(markers, "noxfile.py"),
        "__main__.py": _module(markers, "__main__.py"),
        "evil.pth": "import os; " + _marker_code(markers, "evil.pth"),
        "pkg/evil.pth": "import os; " + _marker_code(markers, "pkg_evil.pth"),
        "evil-0.1.dist-info/METADATA": "Metadata-Version: 2.1\nName: evil\nVersion: 0.1\n",
        "evil-0.1.dist-info/entry_points.txt": "[bioaudit.rules]\nevil = evilplugin\n\n[console_scripts]\nbioaudit = evilplugin:main\n",
        "evil.egg-link": str(root) + "\n.\n",
        "pyproject.toml": (
            '[build-system]\nrequires = []\nbuild-backend = "backend"\nbackend-path = ["."]\n\n'
            '[project]\nname = "evil"\nversion = "0.1"\n\n[tool.bioaudit]\n'
        ),
        "setup.cfg": "[options]\nsetup_requires = evil\n",
        "Makefile": "all:\n\ttouch " + str(markers / "Makefile") + "\n",
        "tox.ini": "[testenv]\ncommands = touch " + str(markers / "tox") + "\n",
    }
    for i in range(GENERATED):
        files[f"gen/unit_{i:02d}.py"] = _module(markers, f"gen_unit_{i:02d}.py")
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root, markers


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under root (symlinks not followed) with its bytes, the cache excepted."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = os.path.relpath(dirpath, root)
        if rel_dir.split(os.sep)[0] == ".bioaudit_cache":
            continue
        for name in filenames:
            path = os.path.join(dirpath, name)
            with open(path, "rb") as fh:
                out[os.path.relpath(path, root)] = fh.read()
        out.update({os.path.relpath(os.path.join(dirpath, d), root) + "/": b"" for d in dirnames if d != ".bioaudit_cache"})
    return out


def formats() -> list[str]:
    match = re.search(r"--format \{([a-z,]+)\}", scan_help())
    return match.group(1).split(",") if match else ["text", "json", "sarif", "github"]


def all_rule_ids() -> str:
    from bioaudit.registry import load_registry

    return ",".join(load_registry().rules)


def assert_nothing_ran(markers: Path) -> None:
    ran = sorted(p.name for p in markers.iterdir())
    assert ran == [], f"scanned code was executed: {ran}"


def assert_tree_untouched(root: Path, before: dict[str, bytes]) -> None:
    after = snapshot(root)
    assert sorted(set(after) - set(before)) == [], "files created in the scanned tree"
    assert sorted(set(before) - set(after)) == [], "files removed from the scanned tree"
    changed = sorted(k for k in before if before[k] != after[k])
    assert changed == [], f"scanned files modified: {changed}"
    assert not list(root.rglob("__pycache__")) and not list(root.rglob("*.pyc"))


@pytest.fixture
def marker_repo(tmp_path):
    root, markers = build_marker_repo(tmp_path)
    return root, markers, snapshot(root)


def _runs() -> list[tuple[str, tuple[str, ...], bool]]:
    """(format, options, run from inside the tree): every format with the cache on (cold,
    then warm) from inside the tree and with it off from outside; one and several jobs."""
    no_cache = ("--no-cache",) if has_option("--no-cache") else ()
    runs = []
    for fmt in formats():
        runs.append((fmt, (), True))
        runs.append((fmt, no_cache, False))
    if has_option("--jobs"):
        runs += [("json", no_cache + ("--jobs", "1"), True), ("json", no_cache + ("--jobs", "4"), False)]
    return runs


def test_full_scan_never_executes_the_scanned_tree(marker_repo, tmp_path):
    root, markers, before = marker_repo
    select = all_rule_ids()
    out = tmp_path / "out"
    for n, (fmt, options, inside) in enumerate(_runs()):
        cwd, target = (root, ".") if inside else (tmp_path, str(root))
        run = run_bioaudit("scan", target, "--format", fmt, "--select", select, "-o", out / f"{n}.{fmt}", *options, cwd=cwd, timeout=300)
        assert run.returncode == 1, run
        assert "Traceback" not in run.stderr, run
        assert_nothing_ran(markers)
    assert_tree_untouched(root, before)
    # the files were really read: every face module has its finding
    run = run_bioaudit("scan", ".", "--format", "json", "--select", select, cwd=root)
    report = run.json()
    found = {f["path"] for f in report["findings"]}
    # test code is test data (no findings of its own): its face call is in the inventory
    assert "conftest.py" in {c["path"] for c in report["inventory"]["face_calls"]}, report["inventory"]["face_calls"]
    for rel in ("setup.py", "pkg/__init__.py", "pkg/face_mod.py", "sitecustomize.py", "backend.py", "evilplugin.py", "gen/unit_00.py", f"gen/unit_{GENERATED - 1:02d}.py"):
        assert rel in found, f"{rel} was not analysed: {report['not_analysed']}"
    assert not [d for d in report["diagnostics"] if d["code"] == "plugin-error"], report["diagnostics"]
    assert_nothing_ran(markers)


@pytest.mark.parametrize("command", ["report", "baseline"])
def test_other_scanning_commands_never_execute_the_scanned_tree(marker_repo, tmp_path, command):
    root, markers, before = marker_repo
    help_proc = subprocess.run([str(BIOAUDIT), command, "--help"], capture_output=True, text=True, env=cli_env())
    if help_proc.returncode != 0:
        pytest.skip(f"`bioaudit {command}` does not exist")
    output = tmp_path / ("audit.html" if command == "report" else "baseline.json")
    run = run_bioaudit(command, ".", "-o", output, cwd=root, timeout=300)
    assert run.returncode in (0, 1), run
    assert "Traceback" not in run.stderr, run
    assert output.is_file()
    assert_nothing_ran(markers)
    assert_tree_untouched(root, before)


def test_in_process_scan_adds_nothing_to_sys_path_or_sys_modules(marker_repo):
    from bioaudit.config import Config
    from bioaudit.engine.runner import scan
    from bioaudit.registry import load_registry
    from bioaudit.report import FORMATS, render

    root, markers, before = marker_repo
    registry = load_registry()
    path_before = list(sys.path)
    modules_before = dict(sys.modules)
    cwd = os.getcwd()
    os.chdir(root)  # the scanned tree as the current directory, as in `cd repo && bioaudit scan`
    try:
        for config in (Config(cache=False, jobs=1), Config(cache=True, jobs=4), Config(cache=True, jobs=4)):
            result = scan([Path(".")], config, registry, root=root)
            for fmt in FORMATS:
                render(fmt, result)
    finally:
        os.chdir(cwd)
    assert result.files_analysed >= GENERATED
    assert sys.path == path_before
    added = {name: mod for name, mod in sys.modules.items() if name not in modules_before}
    tree = str(root.resolve())
    from_tree = sorted(name for name, mod in added.items() if str(getattr(mod, "__file__", "") or "").startswith(tree))
    assert from_tree == [], f"modules imported from the scanned tree: {from_tree}"
    for name in ("setup", "conftest", "pkg", "pkg.face_mod", "sitecustomize", "usercustomize", "backend", "evilplugin", "noxfile", "gen"):
        assert sys.modules.get(name) is modules_before.get(name), f"sys.modules[{name!r}] changed"
    assert_nothing_ran(markers)
    assert_tree_untouched(root, before)


def test_python_dash_m_inside_the_tree_loads_no_plugin_from_it(marker_repo):
    root, markers, _ = marker_repo
    env = cli_env()
    proc = subprocess.run(
        [sys.executable, "-m", "bioaudit", "scan", ".", "--format", "json"],
        cwd=root, capture_output=True, env=env, timeout=300,
    )
    report = json.loads(proc.stdout)
    assert not [d for d in report["diagnostics"] if d["code"] == "plugin-error"], report["diagnostics"]
    assert_nothing_ran(markers)


# -- the analysis cache lives in the scanned tree ------------------------------------------------
#
# A repository can ship its own `.bioaudit_cache/`. The attacker knows everything the entry
# keys are made of (bioaudit's version, the config, the files' contents) and can run
# bioaudit on the repository themselves, so every test plays both sides: the attacker
# prepares entries with their own key directory, the victim scans a fresh copy with another.


class _Payload:
    """What an attacker commits as a cache entry: unpickling runs code."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (exec, (f"open({str(self.marker)!r}, 'w').write('ran')",))


def _keyed_env(key_dir: Path) -> dict[str, str]:
    return cli_env(BIOAUDIT_KEY_DIR=str(key_dir), XDG_CACHE_HOME=str(key_dir))


def _attacker_entries(root: Path, key_dir: Path) -> list[Path]:
    run = run_bioaudit("scan", ".", "--format", "json", cwd=root, env=_keyed_env(key_dir))
    assert run.returncode in (0, 1), run
    entries = sorted(p for p in (root / ".bioaudit_cache").rglob("*") if p.is_file() and p.name != ".gitignore")
    assert entries, "the attacker's scan wrote no cache entry"
    return entries


def _forge(entry: Path, payload: bytes, key_dir: Path) -> None:
    """Rewrite `entry` around `payload` in the entry format the attacker's own bioaudit
    wrote: same header; a MAC made with the attacker's key if the format has one."""
    import hashlib
    import hmac

    from bioaudit.engine import cache as cache_module

    magic = getattr(cache_module, "MAGIC", entry.read_bytes().split(b"\n", 1)[0] + b"\n")
    keys = [p for p in key_dir.rglob("*") if p.is_file()]
    mac = hmac.new(keys[0].read_bytes(), payload, hashlib.sha256).digest() if keys else b""
    entry.write_bytes(magic + mac + payload)


def _repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    (root / "app.py").write_text(FACE + "enc = face_recognition.face_encodings(img)[0]\n", encoding="utf-8")
    return root


def _victim_scan(root: Path, tmp_path: Path):
    victim = tmp_path / "victim"
    shutil.copytree(root, victim, symlinks=True)
    return run_bioaudit("scan", ".", "--format", "json", cwd=victim, env=_keyed_env(tmp_path / "victim-keys"))


@pytest.mark.skipif(not has_option("--no-cache"), reason="no analysis cache")
@pytest.mark.parametrize("signed", [False, True], ids=["unsigned", "signed-with-the-attackers-key"])
def test_cache_planted_in_the_repository_is_never_unpickled(tmp_path, signed):
    root = _repo(tmp_path)
    attacker_keys = tmp_path / "attacker-keys"
    marker = tmp_path / "cache-pwned"
    for entry in _attacker_entries(root, attacker_keys):
        _forge(entry, pickle.dumps(_Payload(marker)), attacker_keys if signed else tmp_path / "no-keys")
    run = _victim_scan(root, tmp_path)
    assert not marker.exists(), "a cache entry shipped with the scanned repository was unpickled (code ran)"
    assert run.returncode == 1, run
    assert [(f["rule_id"], f["line"]) for f in run.json()["findings"]] == [("BIO001", 2)]


@pytest.mark.skipif(not has_option("--no-cache"), reason="no analysis cache")
def test_cache_planted_in_the_repository_cannot_hide_findings(tmp_path):
    """A well-formed entry saying "nothing found" (an empty UnitOutcome) is not trusted."""
    from bioaudit.engine.facts import ProjectFacts
    from bioaudit.engine.runner import UnitOutcome

    root = _repo(tmp_path)
    clean = run_bioaudit("scan", ".", "--format", "json", "--no-cache", cwd=root).json()
    assert clean["findings"]
    attacker_keys = tmp_path / "attacker-keys"
    for entry in _attacker_entries(root, attacker_keys):
        _forge(entry, pickle.dumps(UnitOutcome(ProjectFacts(), ["app.py"], [], [])), attacker_keys)
    run = _victim_scan(root, tmp_path)
    assert [(f["rule_id"], f["line"]) for f in run.json()["findings"]] == [(f["rule_id"], f["line"]) for f in clean["findings"]]


@pytest.mark.skipif(not has_option("--no-cache"), reason="no analysis cache")
@pytest.mark.parametrize("mode", [0o644, 0o600], ids=["git-checkout-0644", "tarball-0600"])
def test_cache_key_is_never_taken_from_the_scanned_tree(tmp_path, mode):
    """Even a key directory that points into the repository (a CI job with
    XDG_CACHE_HOME=$PWD/.cache, say) must not let a shipped key sign shipped entries."""
    root = _repo(tmp_path)
    attacker_keys = root / ".cache"  # shipped with the repository
    marker = tmp_path / "cache-pwned"
    for entry in _attacker_entries(root, attacker_keys):
        _forge(entry, pickle.dumps(_Payload(marker)), attacker_keys)
    for key in attacker_keys.rglob("*"):
        if key.is_file():
            key.chmod(mode)
    run = run_bioaudit("scan", ".", "--format", "json", cwd=root, env=_keyed_env(attacker_keys))
    assert not marker.exists(), "a key file shipped with the repository signed a shipped cache entry"
    assert run.returncode == 1, run


@pytest.mark.skipif(not has_option("--no-cache"), reason="no analysis cache")
@pytest.mark.parametrize("where", [".bioaudit_cache", ".bioaudit_cache/sub", ".bioaudit_cache/.gitignore"])
def test_cache_paths_symlinked_out_of_the_tree_are_not_written_through(tmp_path, where):
    """A repository whose .bioaudit_cache (or a directory or file in it) is a symlink must
    not make bioaudit write elsewhere on the reviewer's disk."""
    root = _repo(tmp_path)
    outside = tmp_path / "outside"
    outside.mkdir()
    if where == ".bioaudit_cache":
        os.symlink(outside, root / where)
    elif where.endswith("sub"):
        # every two-hex-digit shard directory an entry could go to
        (root / ".bioaudit_cache").mkdir()
        for i in range(256):
            os.symlink(outside, root / ".bioaudit_cache" / f"{i:02x}")
    else:
        (root / ".bioaudit_cache").mkdir()
        os.symlink(outside / "planted-target", root / where)
    run = run_bioaudit("scan", ".", "--format", "json", cwd=root, env=_keyed_env(tmp_path / "keys"))
    assert run.returncode == 1, run
    assert "Traceback" not in run.stderr
    assert sorted(p.name for p in outside.rglob("*")) == [], "bioaudit wrote through a symlink planted in the scanned tree"
    assert [(f["rule_id"], f["line"]) for f in run.json()["findings"]] == [("BIO001", 2)]


# -- resources an untrusted configuration can claim ----------------------------------------------


def _children(pid: int) -> int:
    count = 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as fh:
                    fields = fh.read().rsplit(b")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                count += 1
    return count


@pytest.mark.skipif(not has_option("--jobs") or not os.path.isdir("/proc"), reason="needs --jobs and /proc")
def test_repository_config_cannot_fork_unbounded_workers(tmp_path):
    import time

    cap = max(4, 2 * (os.cpu_count() or 1))
    jobs = max(64, 4 * cap)
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    (root / "pyproject.toml").write_text(f"[tool.bioaudit]\njobs = {jobs}\n", encoding="utf-8")
    for i in range(jobs + 10):
        (root / f"m{i:03d}.py").write_text(FACE + "enc = face_recognition.face_encodings(img)[0]\n", encoding="utf-8")
    proc = subprocess.Popen([str(BIOAUDIT), "scan", ".", "--no-cache", "--format", "json"], cwd=root, env=cli_env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    most = 0
    try:
        while proc.poll() is None:
            most = max(most, _children(proc.pid))
            time.sleep(0.005)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=60)
    assert proc.returncode == 1
    assert most <= cap, f"{most} worker processes for `jobs = {jobs}` from the scanned repository's config"


# -- git, for --diff-base --------------------------------------------------------------------


@pytest.mark.skipif(not has_option("--diff-base") or shutil.which("git") is None, reason="needs --diff-base and git")
def test_diff_base_runs_no_command_the_repository_configures(tmp_path):
    root = tmp_path / "repo"
    root.mkdir()
    marker = tmp_path / "git-filter-ran"
    git = ["git", "-c", "user.email=t@example.com", "-c", "user.name=t", "-c", "init.defaultBranch=main"]
    subprocess.run([*git, "init", "-q", "."], cwd=root, check=True)
    (root / "app.py").write_text(FACE + "enc = face_recognition.face_encodings(img)[0]\n", encoding="utf-8")
    subprocess.run([*git, "add", "app.py"], cwd=root, check=True)
    subprocess.run([*git, "commit", "-qm", "init"], cwd=root, check=True)
    # what a hostile checkout (a tarball with its .git, a shared work tree) can carry:
    subprocess.run(["git", "config", "filter.evil.clean", f"sh -c 'echo ran > {marker}; cat'"], cwd=root, check=True)
    subprocess.run(["git", "config", "diff.evil.textconv", f"sh -c 'echo ran > {marker}; cat'"], cwd=root, check=True)
    (root / ".gitattributes").write_text("* filter=evil diff=evil\n", encoding="utf-8")
    with open(root / "app.py", "a", encoding="utf-8") as fh:
        fh.write("print(enc)\n")
    run = run_bioaudit("scan", ".", "--diff-base", "HEAD", "--no-cache", "--format", "json", cwd=root)
    assert "Traceback" not in run.stderr, run
    assert not marker.exists(), "a command from the scanned repository's git config ran"
