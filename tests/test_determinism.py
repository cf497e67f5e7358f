"""Determinism (issue 6): byte-identical output across runs, across --jobs 1 and --jobs N,
across a cold and a warm cache, for every format.

The project is every fixture project at once (60-odd analysed files in many independent
parts, enough for the runner to use its worker pool). Each run uses a different
PYTHONHASHSEED, so set or dict ordering that leaks into a report shows up.
(tests/test_cli.py checks plain repeated runs on a small project; this file covers the
parallel, cached, output-file and file-system-order variants.)
"""
from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest

from conftest import cli_env, has_option, run_bioaudit, scan_help

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures"


def formats() -> list[str]:
    match = re.search(r"--format \{([a-z,]+)\}", scan_help())
    return match.group(1).split(",") if match else ["text", "json", "sarif", "github"]


NO_CACHE = ("--no-cache",) if has_option("--no-cache") else ()


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("determinism") / "proj"
    shutil.copytree(FIXTURES, root, ignore=shutil.ignore_patterns("__pycache__", ".bioaudit_cache"))
    (root / ".git").mkdir()
    # something not analysed, a warning and a suppressed finding, so every section is filled
    (root / "zz_broken.py").write_text("import face_recognition\nprint 'x'\n", encoding="utf-8")
    (root / "zz_suppressed.py").write_text(
        "import face_recognition, logging\nlog = logging.getLogger()\n"
        "enc = face_recognition.face_encodings(img)[0]  # bioaudit: ignore[BIO001] -- consent at the kiosk\n"
        'log.info("x %s", enc)  # bioaudit: ignore[BIO003]\n',
        encoding="utf-8",
    )
    return root


def scan_bytes(root: Path, fmt: str, *options: str, seed: str, cwd: Path | None = None, target: str = ".", output: Path | None = None) -> bytes:
    cwd = cwd or root
    args = ["scan", target, "--format", fmt, "--show-suppressed", *options]
    if output is not None:
        args += ["-o", str(output)]
    run = run_bioaudit(*args, cwd=cwd, env=cli_env(PYTHONHASHSEED=seed))
    assert run.returncode == 1, run
    assert "Traceback" not in run.stderr, run
    data = (cwd / output).read_bytes() if output is not None else run.stdout
    assert len(data) > 1000, run
    return data


_REFERENCE: dict[str, bytes] = {}


def reference(project: Path, fmt: str) -> bytes:
    """The report every variant must reproduce: no cache, default jobs, hash seed 0."""
    if fmt not in _REFERENCE:
        _REFERENCE[fmt] = scan_bytes(project, fmt, *NO_CACHE, seed="0")
    return _REFERENCE[fmt]


def first_difference(a: bytes, b: bytes) -> str:
    la, lb = a.decode("utf-8", "replace").splitlines(), b.decode("utf-8", "replace").splitlines()
    for i, (x, y) in enumerate(zip(la, lb), 1):
        if x != y:
            return f"line {i}:\n  {x!r}\n  {y!r}"
    return f"lengths differ: {len(la)} vs {len(lb)} lines"


def assert_same(outputs: dict[str, bytes]) -> None:
    (first_name, first), *rest = outputs.items()
    for name, data in rest:
        assert data == first, f"{name} differs from {first_name}: {first_difference(first, data)}"


@pytest.mark.parametrize("fmt", formats())
def test_byte_identical_across_runs_and_jobs(project, fmt):
    outputs = {"reference (hash seed 0)": reference(project, fmt)}
    if has_option("--jobs"):
        outputs["--jobs 1, hash seed 1"] = scan_bytes(project, fmt, *NO_CACHE, "--jobs", "1", seed="1")
        outputs["--jobs 3, hash seed 2"] = scan_bytes(project, fmt, *NO_CACHE, "--jobs", "3", seed="2")
    else:
        outputs["hash seed 1"] = scan_bytes(project, fmt, *NO_CACHE, seed="1")
    assert_same(outputs)


@pytest.mark.skipif(not has_option("--no-cache"), reason="the analysis cache is not implemented yet")
@pytest.mark.parametrize("fmt", formats())
def test_byte_identical_across_cold_and_warm_cache(project, fmt):
    root = project  # the same directory: the scan root is part of some reports
    cache = root / ".bioaudit_cache"
    shutil.rmtree(cache, ignore_errors=True)
    touched = root / "zz_suppressed.py"
    original = touched.read_bytes()
    try:
        outputs = {"no cache": reference(project, fmt), "cold cache": scan_bytes(root, fmt, seed="2")}
        assert cache.exists(), "the cache was not written"
        outputs["warm cache"] = scan_bytes(root, fmt, seed="3")
        # one changed file: the rest comes from the cache, that file is analysed again
        touched.write_bytes(original + b"# a comment\n")
        scan_bytes(root, fmt, seed="4")
        touched.write_bytes(original)
        outputs["partly warm cache"] = scan_bytes(root, fmt, seed="5")
    finally:
        touched.write_bytes(original)
        shutil.rmtree(cache, ignore_errors=True)
    assert_same(outputs)


@pytest.mark.parametrize("fmt", formats())
def test_same_bytes_on_stdout_and_in_the_output_file_from_anywhere(project, fmt, tmp_path):
    """`-o FILE` writes what stdout shows; scanning `.` from inside or the absolute path
    from elsewhere gives the same report."""
    outputs = {
        "stdout, inside": reference(project, fmt),
        "-o, outside, absolute path": scan_bytes(project, fmt, *NO_CACHE, seed="2", cwd=tmp_path, target=str(project), output=tmp_path / f"report.{fmt}"),
        "-o, inside, relative output": scan_bytes(project, fmt, *NO_CACHE, seed="3", output=Path(os.path.relpath(tmp_path / f"r2.{fmt}", project))),
    }
    assert_same(outputs)


def _files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*")) if p.is_file() and ".bioaudit_cache" not in p.parts
    }


@pytest.mark.parametrize("fmt", ["json"])
def test_byte_identical_whatever_the_directory_listing_order(project, fmt, tmp_path):
    """The same files created in opposite orders (so `os.scandir` lists them differently on
    most file systems) give the same report."""
    files = _files(project)
    root = tmp_path / "proj"
    outputs = {}
    for order in ("forward", "reverse"):
        if root.exists():
            shutil.rmtree(root)
        root.mkdir()
        (root / ".git").mkdir()
        names = sorted(files, reverse=order == "reverse")
        for rel in names:
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(files[rel])
        outputs[order] = scan_bytes(root, fmt, *NO_CACHE, seed="1")
    assert_same(outputs)


def test_fingerprints_do_not_depend_on_where_the_checkout_is(project, tmp_path):
    """Same code in two directories: identical SARIF results (fingerprints, URIs relative
    to %SRCROOT%) and identical JSON findings."""
    other = tmp_path / "elsewhere" / "deeper checkout"
    shutil.copytree(project, other, ignore=shutil.ignore_patterns(".bioaudit_cache"))
    docs = {}
    for name, root in (("a", project), ("b", other)):
        sarif = json.loads(reference(project, "sarif") if name == "a" else scan_bytes(root, "sarif", *NO_CACHE, seed="1"))
        report = json.loads(reference(project, "json") if name == "a" else scan_bytes(root, "json", *NO_CACHE, seed="1"))
        docs[name] = (sarif["runs"][0]["results"], report["findings"], report["not_analysed"])
    assert docs["a"] == docs["b"]


def test_cached_values_keep_their_meaning_and_evidence_but_not_their_caches():
    import pickle

    from bioaudit.engine.values import Val, bounded
    from bioaudit.model import Step

    inner = Val(kinds=frozenset({"landmarks"}), trace=(Step("a.py", 3, 1, "landmarks from `detect`"),))
    value = Val(kinds=frozenset({"template"}), params=frozenset({1}), gates=frozenset({frozenset({"M:x"})}),
                fields=(("kps", inner),), const="faces.pkl", store="file:faces.pkl", conf=2)
    bounded(value)
    value.all_kinds(), value.flattened(), hash(value)  # fill the caches

    copy = pickle.loads(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))

    assert copy._flat is None and copy._all_kinds is None  # rebuilt on demand, not stored
    assert copy == value and hash(copy) == hash(value)
    assert copy.field("kps").trace == inner.trace
    assert copy.all_kinds() == {"template", "landmarks"}
    assert copy.flattened() == value.flattened()
