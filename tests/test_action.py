"""The reusable GitHub Action (`action.yml`) and the CI documentation.

The action's shell steps are run here with bash against a real project, the way the runner
would run them (inputs as environment variables, `$GITHUB_OUTPUT` a file): the scan step
writes SARIF and records the exit code without failing, and the gate step fails afterwards.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
ACTION = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
STEPS = {step.get("name") or step.get("uses"): step for step in ACTION["runs"]["steps"]}
from analysis_helpers import APP  # noqa: E402

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")


def test_composite_action_uploads_sarif_even_when_the_gate_fails():
    assert ACTION["runs"]["using"] == "composite"
    names = list(STEPS)
    upload = STEPS["Upload SARIF"]
    assert upload["uses"].startswith("github/codeql-action/upload-sarif@")
    assert upload["if"].startswith("always()")
    assert STEPS["Gate"]["if"] == "always()"
    assert names.index("Scan") < names.index("Upload SARIF") < names.index("Gate")
    assert {"path", "format", "fail-on", "baseline"} <= set(ACTION["inputs"])
    # inputs reach the scripts through the environment, never spliced into the script text
    for step in ACTION["runs"]["steps"]:
        assert "${{ inputs." not in step.get("run", "")


def _run_step(name: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    script = STEPS[name]["run"]
    step_env = {k: str(v) for k, v in (STEPS[name].get("env") or {}).items()}
    full = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}", **env}
    for key in step_env:  # the runner would substitute ${{ inputs.x }}; the test passes them in `env`
        full.setdefault(key, "")
    return subprocess.run(["bash", "-e", "-o", "pipefail", "-c", script], cwd=cwd, env=full,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("baseline, expected", [(False, "1"), (True, "0")])
def test_scan_and_gate_steps(tmp_path, baseline, expected):
    (tmp_path / ".git").mkdir()
    (tmp_path / "app.py").write_text(APP, encoding="utf-8")
    output = tmp_path / "github_output"
    output.write_text("", encoding="utf-8")
    env = {
        "GITHUB_OUTPUT": str(output), "INPUT_PATH": ".", "INPUT_FORMAT": "github", "INPUT_FAIL_ON": "low",
        "INPUT_SARIF": "bioaudit.sarif", "NO_COLOR": "1",
    }
    if baseline:
        bioaudit = Path(sys.executable).parent / "bioaudit"
        subprocess.run([str(bioaudit), "baseline"], cwd=tmp_path, check=True, capture_output=True)
        env["INPUT_BASELINE"] = ".bioaudit-baseline.json"
    scan = _run_step("Scan", tmp_path, env)
    assert scan.returncode == 0, scan.stderr  # never fails: the upload comes first
    assert (tmp_path / "bioaudit.sarif").exists()
    assert f"exit-code={expected}" in output.read_text(encoding="utf-8")
    if not baseline:
        assert "::error file=app.py,line=10" in scan.stdout  # annotations in the log
    gate = _run_step("Gate", tmp_path, {"EXIT_CODE": expected})
    assert gate.returncode == int(expected)


def test_gate_step_reports_a_scan_error():
    gate = subprocess.run(["bash", "-c", STEPS["Gate"]["run"]], env={**os.environ, "EXIT_CODE": "2"},
                          capture_output=True, text=True)
    assert gate.returncode == 2 and "could not complete the scan" in gate.stdout


def test_ci_docs_show_the_always_upload_workflows():
    doc = (REPO / "docs" / "ci.md").read_text(encoding="utf-8")
    assert "upload-sarif@v3" in doc and doc.count("if: always()") >= 3
    assert "--format gitlab" in doc and "codequality:" in doc and "when: always" in doc
    assert "bioaudit baseline" in doc and "--diff-base" in doc
    workflows = [block.split("```", 1)[0] for block in doc.split("```yaml\n")[1:]]
    for block in workflows:
        yaml.safe_load(block)  # every snippet is valid YAML
