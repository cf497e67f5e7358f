"""Fuzzing (issue 6): generated valid Python programs (hypothesmith) and mutated fixture
files (lines deleted, duplicated, indented, dedented, swapped, truncated) never crash the
scanner, never make the analysis or a rule fail, and always give valid SARIF and JSON.

The scan runs in-process (`bioaudit.engine.runner.scan` + `bioaudit.report.render`), so an
engine exception fails the test with its traceback. Generated programs get a face-library
import and a face call, so the engine analyses them instead of screening them out.

Budget: BIOAUDIT_FUZZ_EXAMPLES (default 200) examples in total across these tests, with
a fixed seed so CI is reproducible. A longer, randomised run:

    BIOAUDIT_FUZZ_EXAMPLES=5000 pytest tests/test_fuzz.py
"""
from __future__ import annotations

import functools
import importlib.resources
import json
import os
import random
import shutil
import sys
import tempfile
import warnings
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from jsonschema import Draft202012Validator

from sarif_schema import assert_valid_sarif

hypothesmith = pytest.importorskip("hypothesmith")

from bioaudit.config import Config  # noqa: E402
from bioaudit.engine.runner import scan  # noqa: E402
from bioaudit.registry import load_registry  # noqa: E402
from bioaudit.report import FORMATS, render  # noqa: E402
from bioaudit.testing import fixture_units  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::SyntaxWarning")  # hypothesmith compiles odd code

# the CLI runs with this limit (and scan() raises it too): set it up front so Hypothesis
# does not see it change during a test
sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
TOTAL = int(os.environ.get("BIOAUDIT_FUZZ_EXAMPLES", "200"))
LONG_RUN = "BIOAUDIT_FUZZ_EXAMPLES" in os.environ and TOTAL > 200
# where the budget goes: from_node is ~4x slower per example than from_grammar
GRAMMAR_EXAMPLES = max(1, TOTAL * 45 // 100)
NODE_EXAMPLES = max(1, TOTAL * 15 // 100)
MUTATION_EXAMPLES = max(1, TOTAL * 40 // 100)

FUZZ_SETTINGS = settings(
    deadline=None,
    derandomize=not LONG_RUN,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)

HEADER = "import face_recognition, logging\nenc = face_recognition.face_encodings(img)[0]\nlogging.info('%s', enc)\n"
ENGINE_FAILURES = {"analysis-error", "rule-error", "plugin-error", "internal-error"}


@functools.lru_cache(maxsize=1)
def _registry():
    return load_registry()


@functools.lru_cache(maxsize=1)
def _json_validator():
    schema = json.loads((importlib.resources.files("bioaudit") / "schema" / "report-1.schema.json").read_text("utf-8"))
    return Draft202012Validator(schema)


def compiles(text: str) -> bool:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            compile(text, "<fuzz>", "exec", dont_inherit=True)
        except (SyntaxError, ValueError, MemoryError, RecursionError):
            return False
    return True


def scan_and_check(root: Path):
    """Scan `root` in-process, render every format, validate SARIF and JSON, and fail on
    any engine error. Returns the result."""
    result = scan([root], Config(cache=False, jobs=1), _registry(), root=root)
    failures = [d for d in result.diagnostics if d.level == "error" and d.code in ENGINE_FAILURES]
    assert not failures, failures
    assert result.files_analysed + result.files_screened + len([s for s in result.skipped if s.path in _py_files(root)]) == result.files_discovered, (
        result.files_discovered, result.files_analysed, result.files_screened, result.skipped,
    )
    for fmt in FORMATS:
        out = render(fmt, result, color=False) if fmt == "text" else render(fmt, result)
        assert isinstance(out, str)
        if fmt == "sarif":
            assert_valid_sarif(json.loads(out))
        elif fmt == "json":
            _json_validator().validate(json.loads(out))
    return result


def _py_files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*.py")}


@pytest.fixture(scope="module")
def workdir():
    path = Path(tempfile.mkdtemp(prefix="bioaudit-fuzz-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _check_generated(workdir: Path, program: str) -> None:
    try:
        program.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates cannot be written as a source file
        assume(False)
    # the face header first, unless the program needs to start the module (__future__)
    text = HEADER + program if compiles(HEADER + program) else program.rstrip("\\\n") + "\n" + HEADER
    assume(compiles(text))
    root = workdir / "gen"
    shutil.rmtree(root, ignore_errors=True)
    (root / ".git").mkdir(parents=True)
    (root / "gen.py").write_text(text, encoding="utf-8")
    result = scan_and_check(root)
    # Python compiles it, so bioaudit must have parsed and analysed it (or timed out on it)
    skipped = {s.path: s for s in result.skipped}
    assert "gen.py" not in skipped or skipped["gen.py"].reason == "timeout", skipped.get("gen.py")
    assert result.files_analysed == 1


@settings(FUZZ_SETTINGS, max_examples=GRAMMAR_EXAMPLES)
@given(program=hypothesmith.from_grammar())
def test_generated_programs_from_the_grammar(workdir, program):
    _check_generated(workdir, program)


@settings(FUZZ_SETTINGS, max_examples=NODE_EXAMPLES)
@given(program=hypothesmith.from_node())
def test_generated_programs_from_libcst_nodes(workdir, program):
    _check_generated(workdir, program)


# -- mutated fixtures -----------------------------------------------------------------------------

UNITS = fixture_units(FIXTURES)
ALL_FIXTURE_FILES = sum(len(list(u.rglob("*.py"))) if u.is_dir() else 1 for u in UNITS)


def _mutate(lines: list[str], rng: random.Random) -> tuple[list[str], str]:
    if not lines:
        return ["    x = 1\n"], "indent empty"
    i = rng.randrange(len(lines))
    kind = rng.choice(["delete", "duplicate", "indent", "indent", "dedent", "swap", "truncate", "delete-block"])
    out = list(lines)
    if kind == "delete":
        del out[i]
    elif kind == "delete-block":
        del out[i:i + rng.randint(2, 6)]
    elif kind == "duplicate":
        out.insert(i, out[i])
    elif kind == "indent":
        out[i] = rng.choice(["    ", " ", "\t", "        "]) + out[i]
    elif kind == "dedent":
        out[i] = out[i].lstrip(" \t")
    elif kind == "swap" and i + 1 < len(out):
        out[i], out[i + 1] = out[i + 1], out[i]
    elif kind == "truncate":
        cut = rng.randrange(len(out[i]) + 1)
        out = out[:i] + [out[i][:cut]]
    return out, f"{kind} line {i + 1}"


@pytest.mark.parametrize("unit", UNITS, ids=[u.name for u in UNITS])
def test_mutated_fixtures(unit: Path, tmp_path: Path):
    rng = random.Random(f"bioaudit-mutations-{unit.name}" if not LONG_RUN else None)
    root = tmp_path / unit.stem
    if unit.is_dir():
        shutil.copytree(unit, root, ignore=shutil.ignore_patterns("__pycache__"))
    else:
        root.mkdir()
        shutil.copy(unit, root / unit.name)
    (root / ".git").mkdir()
    originals = {p: p.read_text("utf-8") for p in sorted(root.rglob("*.py"))}
    files = list(originals)
    # every file of the unit is mutated at least once; the budget is shared by file count
    rounds = max(len(files), round(MUTATION_EXAMPLES * len(files) / ALL_FIXTURE_FILES))
    for n in range(rounds):
        for path, text in originals.items():
            path.write_text(text, encoding="utf-8")
        applied = []
        targets = [files[n % len(files)]]
        if len(files) > 1 and rng.random() < 0.3:  # sometimes a second file too
            targets.append(rng.choice([f for f in files if f != targets[0]]))
        for path in targets:
            lines = path.read_text("utf-8").splitlines(keepends=True)
            for _ in range(rng.randint(1, 3)):
                lines, what = _mutate(lines, rng)
                applied.append(f"{path.relative_to(root)}: {what}")
            path.write_text("".join(lines), encoding="utf-8")
        try:
            result = scan_and_check(root)
        except Exception as exc:  # name the mutations that broke it
            raise AssertionError(f"scan failed after mutations {applied}: {type(exc).__name__}: {exc}") from exc
        for s in result.skipped:
            text = (root / s.path).read_text("utf-8")
            assert s.reason in {"syntax-error", "timeout"}, (s, applied)
            if s.reason == "syntax-error":
                assert not compiles(text), f"{s.path} compiles but was reported as a syntax error: {s.detail} after {applied}"
                assert s.detail, s
