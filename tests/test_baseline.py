"""`bioaudit baseline` and `scan --baseline`: adopt the gate on an existing codebase."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bioaudit import baseline as baselines
from bioaudit.model import Confidence, Finding, ScanResult, Severity, Span, Suppression

BIOAUDIT = Path(sys.executable).parent / ("bioaudit.exe" if os.name == "nt" else "bioaudit")

from analysis_helpers import APP  # noqa: E402

# BIO001 at line 9 (no consent before the face call), BIO003 at line 10 (template logged)


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BIOAUDIT_")}
    env["NO_COLOR"] = "1"
    return subprocess.run([str(BIOAUDIT), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def no_traceback(proc) -> None:
    assert "Traceback" not in proc.stderr, proc.stderr


@pytest.fixture
def project(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / "app.py").write_text(APP, encoding="utf-8")
    return tmp_path


def record(project: Path, *extra: str) -> dict:
    proc = run("baseline", *extra, cwd=project)
    assert proc.returncode == 0, proc.stderr
    assert "recorded 2 findings" in proc.stderr
    return json.loads((project / ".bioaudit-baseline.json").read_text(encoding="utf-8"))


def scan_json(project: Path, *extra: str) -> tuple[int, dict, str]:
    proc = run("scan", ".", "--format", "json", "--baseline", ".bioaudit-baseline.json", *extra, cwd=project)
    no_traceback(proc)
    assert proc.returncode in (0, 1), proc.stderr
    return proc.returncode, json.loads(proc.stdout), proc.stderr


def test_baseline_file_format(project):
    doc = record(project)
    assert doc["schema"] == baselines.SCHEMA_URL and doc["version"] == 1 and doc["findings"] == 2
    assert [(e["rule"], e["path"], e["function"], e["count"]) for e in doc["entries"]] == [
        ("BIO001", "app.py", "app.enrol", 1),
        ("BIO003", "app.py", "app.enrol", 1),
    ]
    assert doc["entries"][1]["statement"] == 'log.info("enc %s", enc)'
    # keyed without line numbers, and written the same way every time
    assert all(set(e) == {"rule", "path", "function", "statement", "count", "message"} for e in doc["entries"])
    first = (project / ".bioaudit-baseline.json").read_bytes()
    record(project)
    assert (project / ".bioaudit-baseline.json").read_bytes() == first


def test_output_option(project):
    proc = run("baseline", "-o", "ci/base.json", cwd=project)
    assert proc.returncode == 0, proc.stderr
    assert json.loads((project / "ci" / "base.json").read_text(encoding="utf-8"))["findings"] == 2


def test_known_findings_do_not_fail_the_gate(project):
    record(project)
    code, doc, stderr = scan_json(project)
    assert code == 0 and doc["findings"] == []
    assert any(d["code"] == "baseline" and "2 known findings hidden, 0 new" in d["message"] for d in doc["diagnostics"])
    proc = run("scan", ".", "--baseline", ".bioaudit-baseline.json", cwd=project)
    assert proc.returncode == 0 and "No findings." in proc.stdout


def test_moving_and_reformatting_code_keeps_findings_known(project):
    record(project)
    moved = APP.replace("def enrol(img):", "def helper():\n    return 1\n\n\n\n\ndef enrol(img):")
    moved = moved.replace('log.info("enc %s", enc)', 'log.info( "enc %s",  enc )  # still here')
    (project / "app.py").write_text("# header\n\n" + moved, encoding="utf-8")
    code, doc, _ = scan_json(project)
    assert code == 0 and doc["findings"] == []


def test_one_old_finding_cannot_hide_a_new_identical_one(project):
    record(project)
    (project / "app.py").write_text(APP.replace('    log.info("enc %s", enc)\n', '    log.info("enc %s", enc)\n    log.info("enc %s", enc)\n'), encoding="utf-8")
    code, doc, _ = scan_json(project)
    assert code == 1
    assert [(f["rule_id"], f["line"]) for f in doc["findings"]] == [("BIO003", 11)]


def test_new_findings_elsewhere_are_reported(project):
    record(project)
    (project / "app.py").write_text(APP + '\n\ndef debug(img):\n    log.warning("%s", face_recognition.face_encodings(img))\n', encoding="utf-8")
    code, doc, _ = scan_json(project)
    assert code == 1
    assert {(f["rule_id"], f["function"]) for f in doc["findings"]} == {("BIO001", "app.debug"), ("BIO003", "app.debug")}


def test_stale_entries_are_listed(project):
    record(project)
    (project / "app.py").write_text(APP.replace('    log.info("enc %s", enc)\n', ""), encoding="utf-8")
    code, doc, stderr = scan_json(project)
    assert code == 0
    stale = [d for d in doc["diagnostics"] if d["code"] == "baseline-stale"]
    assert len(stale) == 1 and stale[0]["level"] == "warning" and stale[0]["path"] == "app.py"
    assert "BIO003 in app.py (app.enrol)" in stale[0]["message"] and 'log.info("enc %s", enc)' in stale[0]["message"]
    assert "baseline entry no longer matches" in stderr
    text = run("scan", ".", "--baseline", ".bioaudit-baseline.json", cwd=project)
    assert "baseline-stale" in text.stdout and text.returncode == 0


def test_scanning_one_file_does_not_call_other_entries_stale(project):
    (project / "other.py").write_text(APP, encoding="utf-8")
    proc = run("baseline", cwd=project)
    assert proc.returncode == 0, proc.stderr
    proc = run("scan", "app.py", "--format", "json", "--baseline", ".bioaudit-baseline.json", cwd=project)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["findings"] == [] and not [d for d in doc["diagnostics"] if d["code"] == "baseline-stale"]


def test_suppressed_findings_are_not_recorded(project):
    (project / "app.py").write_text(APP.replace('log.info("enc %s", enc)', 'log.info("enc %s", enc)  # bioaudit: ignore[BIO003] test data only'), encoding="utf-8")
    proc = run("baseline", cwd=project)
    assert proc.returncode == 0
    doc = json.loads((project / ".bioaudit-baseline.json").read_text(encoding="utf-8"))
    assert [e["rule"] for e in doc["entries"]] == ["BIO001"]


@pytest.mark.parametrize(
    "content, message",
    [
        ("{ not json", "is not valid JSON"),
        ('{"entries": []}', "is not a bioaudit baseline"),
        (json.dumps({"schema": baselines.SCHEMA_URL, "version": 9, "entries": []}), "has version 9"),
        (json.dumps({"schema": baselines.SCHEMA_URL, "version": 1, "entries": {}}), '"entries" must be a list'),
        (json.dumps({"schema": baselines.SCHEMA_URL, "version": 1, "entries": [{"rule": "BIO003"}]}), "entries[0].path must be a string"),
        (json.dumps({"schema": baselines.SCHEMA_URL, "version": 1, "entries": [
            {"rule": "BIO003", "path": "a.py", "function": "f", "statement": "x", "count": 0}]}), "count must be a positive integer"),
    ],
)
def test_corrupt_baseline_exits_2_with_a_clear_message(project, content, message):
    (project / ".bioaudit-baseline.json").write_text(content, encoding="utf-8")
    proc = run("scan", ".", "--baseline", ".bioaudit-baseline.json", cwd=project)
    assert proc.returncode == 2
    assert message in proc.stderr and ".bioaudit-baseline.json" in proc.stderr
    no_traceback(proc)


def test_missing_or_binary_baseline_exits_2(project):
    proc = run("scan", ".", "--baseline", "nope.json", cwd=project)
    assert proc.returncode == 2 and "not found" in proc.stderr and "bioaudit baseline -o nope.json" in proc.stderr
    (project / "bin.json").write_bytes(b"\xff\xfe\x00")
    proc = run("scan", ".", "--baseline", "bin.json", cwd=project)
    assert proc.returncode == 2 and "not UTF-8" in proc.stderr
    no_traceback(proc)


# -- unit level ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "a, b",
    [
        ('log.info("x %s", enc)', 'log.info( "x %s" ,enc )'),
        ('log.info("x %s", enc)  # note', 'log.info("x %s", enc)'),
        ("resp = client.search(  # expect: BIO001", "resp = client.search("),
        ('x = f"{a} # {b}"  # real comment', 'x = f"{a} # {b}"'),
    ],
)
def test_statement_keys_ignore_layout_and_comments(a, b):
    assert baselines.statement_key(a) == baselines.statement_key(b)


def test_statement_keys_keep_string_content():
    assert baselines.statement_key('log.info("a # b")') != baselines.statement_key('log.info("a")')
    assert baselines.normalise_statement('log.info("a # b")  # c') == 'log.info("a # b")'


def _finding(line: int, statement: str = "log.info(enc)", function: str = "m.f", suppressed: bool = False) -> Finding:
    return Finding(
        rule_id="BIO003", name="biometric-in-logs", severity=Severity.HIGH, confidence=Confidence.HIGH,
        path="m.py", span=Span(line, 1, line, 10), message="template logged", function=function, statement=statement,
        suppression=Suppression(line, ("BIO003",), "ok") if suppressed else None,
    )


def test_apply_counts_per_key():
    base = baselines.from_findings([_finding(5), _finding(9)])
    assert base.total == 2 and len(base.counts) == 1
    result = ScanResult(root=".", findings=[_finding(7), _finding(20), _finding(30), _finding(40, suppressed=True)])
    outcome = baselines.apply(result, base)
    assert outcome.matched == 2 and outcome.new == 1 and outcome.stale == []
    assert [f.span.line for f in result.findings] == [30, 40]  # the last beyond the count, and the suppressed one
    result = ScanResult(root=".", findings=[])
    outcome = baselines.apply(result, base)
    assert outcome.stale and outcome.stale[0][1] == 2


def test_round_trip_through_the_file(tmp_path):
    base = baselines.from_findings([_finding(5), _finding(9, statement="print(enc)  # c", function="m.g")])
    path = tmp_path / "b.json"
    path.write_text(baselines.to_json(base), encoding="utf-8")
    loaded = baselines.load(path)
    assert loaded.counts == base.counts
    assert loaded.statements[("BIO003", "m.py", "m.g", "print(enc)")] == "print(enc)"
