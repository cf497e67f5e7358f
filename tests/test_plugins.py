"""Third-party rule packages, tested the way a user installs and runs them.

Each test builds a tiny rule package in `tmp_path` (a pyproject declaring a
`bioaudit.rules` entry point), installs it with pip into its own target directory and runs
the installed `bioaudit` command with that directory on `PYTHONPATH`.
"""
from __future__ import annotations

import base64
import hashlib
import importlib.util
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

BIOAUDIT = Path(sys.executable).parent / ("bioaudit.exe" if os.name == "nt" else "bioaudit")

LOG_APP = (
    "import face_recognition\n"
    "import logging\n"
    "log = logging.getLogger(__name__)\n"
    "enc = face_recognition.face_encodings(img)[0]\n"
    'log.info("enc %s", enc)\n'
)

DEMO_RULES = '''\
"""A third-party bioaudit rule package used by bioaudit's own tests."""
from bioaudit import Confidence, Rule, Severity


class FaceCallAnywhere(Rule):
    """
    ## What it does
    Reports every call into a face API, wherever it is.

    ## Why is this bad?
    Every face API call processes biometric data and needs a documented purpose.
    """

    ID = "DEMO001"
    NAME = "face-call-anywhere"
    SEVERITY = Severity.LOW
    SUMMARY = "A face API is called"
    FIX = "Document the purpose of the face processing"
    REFERENCES = {"eu-gdpr:art-9-1": "biometric data for identification is processed"}

    def check(self, facts):
        for call in facts.face_calls:
            yield self.report(call.site, f"demo: `{call.api}` called", confidence=Confidence.HIGH)
'''

BROKEN_IMPORT = '''\
"""A rule package that cannot even be imported."""
raise ImportError("bioaudit_broken_rules needs its model file")
'''

CRASHING_RULE = '''\
"""A rule package whose rule crashes while checking."""
from bioaudit import Rule, Severity


class AlwaysCrashes(Rule):
    """
    ## What it does
    Crashes.

    ## Why is this bad?
    It is a test double.
    """

    ID = "CRASH001"
    NAME = "always-crashes"
    SEVERITY = Severity.HIGH
    SUMMARY = "Crashes on every project"
    FIX = "Fix the plugin"
    REFERENCES = {"eu-gdpr:art-32": "test double"}

    def check(self, facts):
        raise RuntimeError("boom inside the demo plugin")
        yield  # a generator, like real rules
'''


# -- building and installing a plugin --------------------------------------------------------


def _local_build_backend() -> bool:
    """Whether setuptools can build a wheel here without downloading anything."""
    try:
        import setuptools
    except ImportError:
        return False
    if importlib.util.find_spec("wheel") is not None:
        return True
    major, minor = (int(x) for x in re.findall(r"\d+", setuptools.__version__)[:2])
    return (major, minor) >= (70, 1)  # bdist_wheel moved into setuptools in 70.1


def _handmade_wheel(pkg_dir: Path, dist: str, module: str, ep_name: str, out: Path) -> Path:
    """The wheel setuptools would build from `pkg_dir` (offline fallback)."""
    version = "0.1.0"
    dist_info = f"{dist.replace('-', '_')}-{version}.dist-info"
    files = {f"{module}/__init__.py": (pkg_dir / module / "__init__.py").read_bytes()}
    files[f"{dist_info}/METADATA"] = f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n".encode()
    files[f"{dist_info}/WHEEL"] = b"Wheel-Version: 1.0\nGenerator: bioaudit-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    files[f"{dist_info}/entry_points.txt"] = f"[bioaudit.rules]\n{ep_name} = {module}\n".encode()
    files[f"{dist_info}/top_level.txt"] = f"{module}\n".encode()
    record = []
    for name, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{name},sha256={digest},{len(data)}")
    record.append(f"{dist_info}/RECORD,,")
    files[f"{dist_info}/RECORD"] = ("\n".join(record) + "\n").encode()
    wheel = out / f"{dist.replace('-', '_')}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return wheel


def install_plugin(tmp_path: Path, dist: str, module: str, ep_name: str, source: str) -> Path:
    """Write a rule package, pip-install it into `<tmp>/<dist>-site`, return that directory."""
    pkg = tmp_path / dist
    (pkg / module).mkdir(parents=True)
    (pkg / module / "__init__.py").write_text(source, encoding="utf-8")
    (pkg / "pyproject.toml").write_text(
        f"""\
[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "{dist}"
version = "0.1.0"
requires-python = ">=3.10"

[project.entry-points."bioaudit.rules"]
{ep_name} = "{module}"

[tool.setuptools]
packages = ["{module}"]
""",
        encoding="utf-8",
    )
    site = tmp_path / f"{dist}-site"
    pip = [sys.executable, "-m", "pip", "install", "--no-deps", "--no-input", "--disable-pip-version-check",
           "--no-cache-dir", "--target", str(site)]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    if _local_build_backend():
        proc = subprocess.run([*pip, "--no-build-isolation", str(pkg)], capture_output=True, text=True, env=env, timeout=300)
    else:
        # No local wheel builder (setuptools < 70.1 without `wheel`): let pip fetch one,
        # and if that is impossible (offline), install the equivalent wheel built by hand.
        proc = subprocess.run([*pip, str(pkg)], capture_output=True, text=True, env=env, timeout=300)
        if proc.returncode != 0:
            wheel = _handmade_wheel(pkg, dist, module, ep_name, tmp_path)
            proc = subprocess.run([*pip, str(wheel)], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (site / module / "__init__.py").is_file()
    assert list(site.glob("*.dist-info/entry_points.txt"))
    return site


def run(*args: str, cwd: Path, site: Path | None) -> subprocess.CompletedProcess:
    env = os.environ.copy()
    for var in ("NO_COLOR", "BIOAUDIT_DEBUG", "PYTHONPATH"):
        env.pop(var, None)
    if site is not None:
        env["PYTHONPATH"] = str(site)
    return subprocess.run(
        [str(BIOAUDIT), *args], cwd=cwd, env=env, capture_output=True, text=True,
        encoding="utf-8", errors="replace", timeout=120,
    )


@pytest.fixture
def log_app(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    (root / ".git").mkdir(parents=True)
    (root / "app.py").write_text(LOG_APP, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory) -> Path:
    return install_plugin(tmp_path_factory.mktemp("demo"), "bioaudit-demo-rules", "bioaudit_demo_rules", "demo", DEMO_RULES)


@pytest.fixture(scope="module")
def broken_site(tmp_path_factory) -> Path:
    return install_plugin(tmp_path_factory.mktemp("broken"), "bioaudit-broken-rules", "bioaudit_broken_rules", "broken", BROKEN_IMPORT)


@pytest.fixture(scope="module")
def crash_site(tmp_path_factory) -> Path:
    return install_plugin(tmp_path_factory.mktemp("crash"), "bioaudit-crash-rules", "bioaudit_crash_rules", "crash", CRASHING_RULE)


def findings(proc: subprocess.CompletedProcess) -> list[tuple[str, int]]:
    return sorted((f["rule_id"], f["line"]) for f in json.loads(proc.stdout)["findings"])


# -- a working plugin -------------------------------------------------------------------------


def test_plugin_is_not_there_without_the_install(log_app):
    proc = run("rule", "DEMO001", cwd=log_app, site=None)
    assert proc.returncode == 2
    assert "unknown rule 'DEMO001'" in proc.stderr


def test_plugin_rule_is_listed(demo_site, log_app):
    proc = run("rules", cwd=log_app, site=demo_site)
    assert proc.returncode == 0, proc.stderr
    assert re.search(r"DEMO001\W+face-call-anywhere\W+low\b", proc.stdout), proc.stdout
    for rid in ("BIO001", "BIO002", "BIO003", "BIO004"):
        assert rid in proc.stdout
    assert "warning" not in proc.stderr


def test_plugin_rule_docs(demo_site, log_app):
    proc = run("rule", "face-call-anywhere", cwd=log_app, site=demo_site)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("# DEMO001")
    assert "## What it does" in proc.stdout and "Reports every call into a face API" in proc.stdout
    assert "GDPR Art. 9(1)" in proc.stdout


def test_plugin_rule_reports_on_a_face_call(demo_site, log_app):
    proc = run("scan", ".", "--select", "BIO,DEMO", "--format", "json", cwd=log_app, site=demo_site)
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    assert report["diagnostics"] == []
    (demo,) = [f for f in report["findings"] if f["rule_id"] == "DEMO001"]
    assert (demo["path"], demo["line"], demo["column"]) == ("app.py", 4, 7)
    assert demo["rule_name"] == "face-call-anywhere"
    assert demo["severity"] == "low" and demo["confidence"] == "high"
    assert demo["message"] == "demo: `face_recognition.face_encodings` called"
    assert [(a["framework"], a["article"]) for a in demo["articles"]] == [("eu-gdpr", "art-9-1")]
    assert re.fullmatch(r"[0-9a-f]{32}", demo["fingerprint"])
    # the built-in rules still run beside it
    assert {"BIO001", "BIO003"} <= {f["rule_id"] for f in report["findings"]}


def test_plugin_installed_after_a_scan_still_reports(demo_site, log_app):
    # the first scan may leave an analysis cache behind; the plugin must still run
    before = run("scan", ".", "--format", "json", cwd=log_app, site=None)
    assert findings(before) == [("BIO001", 4), ("BIO003", 5)]
    after = run("scan", ".", "--select", "BIO,DEMO", "--format", "json", cwd=log_app, site=demo_site)
    assert findings(after) == [("BIO001", 4), ("BIO003", 5), ("DEMO001", 4)]
    again = run("scan", ".", "--format", "json", cwd=log_app, site=None)
    assert again.stdout == before.stdout


def test_plugin_rule_in_text_and_sarif(demo_site, log_app):
    text = run("scan", ".", "--select", "DEMO001", cwd=log_app, site=demo_site)
    assert text.returncode == 1, text.stderr
    assert "app.py:4:7 DEMO001" in text.stdout
    assert "BIO003" not in text.stdout

    sarif = run("scan", ".", "--select", "DEMO001", "--format", "sarif", cwd=log_app, site=demo_site)
    from sarif_schema import assert_valid_sarif

    doc = json.loads(sarif.stdout)
    assert_valid_sarif(doc)
    (result,) = doc["runs"][0]["results"]
    assert result["ruleId"] == "DEMO001"
    assert [r["id"] for r in doc["runs"][0]["tool"]["driver"]["rules"]] == ["DEMO001"]


def test_plugin_rule_can_be_ignored_and_suppressed(demo_site, log_app):
    ignored = run("scan", ".", "--select", "BIO,DEMO", "--ignore", "face-call-anywhere", "--format", "json", cwd=log_app, site=demo_site)
    assert "DEMO001" not in {r for r, _ in findings(ignored)}
    source = LOG_APP.replace("[0]\n", "[0]  # bioaudit: ignore[DEMO001] -- purpose documented in DPIA-7\n", 1)
    (log_app / "app.py").write_text(source, encoding="utf-8")
    proc = run("scan", ".", "--select", "DEMO", "--format", "json", cwd=log_app, site=demo_site)
    assert proc.returncode == 0, proc.stdout
    (demo,) = json.loads(proc.stdout)["findings"]
    assert demo["suppressed"] and demo["suppression"]["reason"] == "purpose documented in DPIA-7"


def test_plugin_rule_selected_in_config(demo_site, log_app):
    (log_app / "pyproject.toml").write_text('[tool.bioaudit]\nselect = ["DEMO"]\n', encoding="utf-8")
    proc = run("scan", ".", "--format", "json", cwd=log_app, site=demo_site)
    assert proc.returncode == 1, proc.stderr
    assert findings(proc) == [("DEMO001", 4)]


# -- a plugin that cannot be imported ---------------------------------------------------------


def test_broken_plugin_does_not_stop_the_builtin_rules(broken_site, log_app):
    proc = run("scan", ".", cwd=log_app, site=broken_site)
    assert proc.returncode == 2  # part of the scan did not run
    out = proc.stdout + proc.stderr
    assert "app.py:5:1 BIO003" in proc.stdout
    assert "app.py:4:7 BIO001" in proc.stdout
    assert re.search(r"plugin.*broken.*bioaudit_broken_rules.*ImportError", out), out
    assert "needs its model file" in out
    assert "Traceback" not in out


def test_broken_plugin_in_json_and_output_file(broken_site, log_app):
    proc = run("scan", ".", "--format", "json", "-o", "report.json", cwd=log_app, site=broken_site)
    assert proc.returncode == 2
    report = json.loads((log_app / "report.json").read_text("utf-8"))  # written despite exit 2
    assert {f["rule_id"] for f in report["findings"]} == {"BIO001", "BIO003"}
    (diag,) = report["diagnostics"]
    assert diag["level"] == "error" and diag["code"] == "plugin-error"
    assert "bioaudit_broken_rules" in diag["message"]


def test_broken_plugin_in_sarif(broken_site, log_app):
    proc = run("scan", ".", "--format", "sarif", cwd=log_app, site=broken_site)
    assert proc.returncode == 2
    invocation = json.loads(proc.stdout)["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    assert any("bioaudit_broken_rules" in n["message"]["text"] for n in invocation["toolExecutionNotifications"])


def test_broken_plugin_exit_zero_still_exits_2(broken_site, log_app):
    assert run("scan", ".", "--exit-zero", cwd=log_app, site=broken_site).returncode == 2


def test_broken_plugin_rules_command_warns(broken_site, log_app):
    proc = run("rules", cwd=log_app, site=broken_site)
    assert proc.returncode == 0
    assert "BIO003" in proc.stdout
    assert "bioaudit_broken_rules" in proc.stderr and "warning" in proc.stderr


def test_broken_plugin_is_named_with_github_format(broken_site, log_app):
    proc = run("scan", ".", "--format", "github", cwd=log_app, site=broken_site)
    assert proc.returncode == 2
    assert "bioaudit_broken_rules" in proc.stdout + proc.stderr


# -- a plugin rule that crashes -----------------------------------------------------------------


def test_crashing_rule_does_not_hide_other_findings(crash_site, log_app):
    proc = run("scan", ".", "--select", "BIO,CRASH", cwd=log_app, site=crash_site)
    assert proc.returncode == 2
    out = proc.stdout + proc.stderr
    assert "app.py:5:1 BIO003" in proc.stdout
    assert "app.py:4:7 BIO001" in proc.stdout
    assert re.search(r"CRASH001.*crashed.*RuntimeError.*boom inside the demo plugin", out), out
    assert "Traceback" not in out


def test_crashing_rule_in_json(crash_site, log_app):
    proc = run("scan", ".", "--select", "BIO,CRASH", "--format", "json", cwd=log_app, site=crash_site)
    assert proc.returncode == 2
    report = json.loads(proc.stdout)
    assert findings(proc) == [("BIO001", 4), ("BIO003", 5)]
    (diag,) = report["diagnostics"]
    assert (diag["level"], diag["code"]) == ("error", "rule-error")
    assert "CRASH001" in diag["message"]


def test_crashing_rule_not_selected_is_harmless(crash_site, log_app):
    proc = run("scan", ".", "--select", "BIO", "--format", "json", cwd=log_app, site=crash_site)
    assert proc.returncode == 1
    assert json.loads(proc.stdout)["diagnostics"] == []
