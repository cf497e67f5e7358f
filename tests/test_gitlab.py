"""`--format gitlab`: GitLab Code Quality JSON."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bioaudit.model import Confidence, Finding, ScanResult, Severity, Span, Suppression, fingerprint
from bioaudit.regulations import load_catalog
from bioaudit.report import FORMATS, gitlab, render

BIOAUDIT = Path(sys.executable).parent / ("bioaudit.exe" if os.name == "nt" else "bioaudit")
GITLAB_SEVERITIES = {"info", "minor", "major", "critical", "blocker"}

from analysis_helpers import APP  # noqa: E402



def _finding(rule="BIO003", sev=Severity.HIGH, line=10, path="app/views.py", suppressed=False, occurrence=0) -> Finding:
    return Finding(
        rule_id=rule, name="biometric-in-logs", severity=sev, confidence=Confidence.HIGH, path=path,
        span=Span(line, 5, line, 30), message="template logged by `logging.info`",
        references=("eu-gdpr:art-32", "cn-pipl:art-51"), function="app.views.enrol", statement="logging.info(enc)",
        fingerprint=fingerprint(rule, path, "app.views.enrol", "logging.info(enc)", occurrence),
        suppression=Suppression(line, (rule,), "fixture") if suppressed else None,
    )


def test_registered_as_a_format():
    assert "gitlab" in FORMATS


def test_issue_shape_and_severity_mapping():
    result = ScanResult(root=".", findings=[
        _finding(sev=Severity.HIGH), _finding(sev=Severity.MEDIUM, line=20, occurrence=1),
        _finding(sev=Severity.LOW, line=30, occurrence=2), _finding(line=40, suppressed=True, occurrence=3),
    ])
    issues = json.loads(render("gitlab", result, catalog=load_catalog()))
    assert isinstance(issues, list) and len(issues) == 3  # the suppressed finding is not an issue
    assert [i["severity"] for i in issues] == ["critical", "major", "minor"]
    for issue, line in zip(issues, (10, 20, 30)):
        assert {"description", "check_name", "fingerprint", "severity", "location"} <= set(issue)
        assert issue["severity"] in GITLAB_SEVERITIES
        assert issue["check_name"] == "BIO003 biometric-in-logs"
        assert issue["location"] == {"path": "app/views.py", "lines": {"begin": line, "end": line}}
        assert issue["description"].startswith("BIO003 template logged by `logging.info`")
        assert "GDPR Art. 32" in issue["description"] and "PIPL Art. 51" in issue["description"]
    assert len({i["fingerprint"] for i in issues}) == 3


def test_fingerprints_do_not_depend_on_line_numbers():
    a = json.loads(render("gitlab", ScanResult(root=".", findings=[_finding(line=10)]), catalog=load_catalog()))
    b = json.loads(render("gitlab", ScanResult(root=".", findings=[_finding(line=50)]), catalog=load_catalog()))
    assert a[0]["fingerprint"] == b[0]["fingerprint"]


def test_colliding_fingerprints_are_made_unique():
    f1, f2 = _finding(line=10), _finding(line=11)
    issues = gitlab.build(ScanResult(root=".", findings=[f1, f2]), catalog=load_catalog())
    assert len({i["fingerprint"] for i in issues}) == 2


def test_framework_filter():
    issues = gitlab.build(ScanResult(root=".", findings=[_finding()]), catalog=load_catalog(), frameworks=["cn-pipl"])
    assert "PIPL Art. 51" in issues[0]["description"] and "GDPR" not in issues[0]["description"]


def test_command_line(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / "app.py").write_text(APP, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("BIOAUDIT_")}
    proc = subprocess.run([str(BIOAUDIT), "scan", ".", "--format", "gitlab", "-o", "gl-code-quality-report.json"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1, proc.stderr
    issues = json.loads((tmp_path / "gl-code-quality-report.json").read_text(encoding="utf-8"))
    assert {(i["check_name"].split()[0], i["location"]["path"], i["location"]["lines"]["begin"]) for i in issues} == {
        ("BIO001", "app.py", 9), ("BIO003", "app.py", 10)
    }
    proc = subprocess.run([str(BIOAUDIT), "scan", ".", "--format", "gitlab"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1 and json.loads(proc.stdout) and proc.stderr == ""


@pytest.mark.parametrize("findings", [[], [_finding(suppressed=True)]])
def test_no_issues_is_an_empty_list(findings):
    assert json.loads(render("gitlab", ScanResult(root=".", findings=findings), catalog=load_catalog())) == []
