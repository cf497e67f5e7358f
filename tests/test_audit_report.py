"""`bioaudit report` (HTML and Markdown audit report) and `bioaudit merge`, from the user's side.

The fixture projects are copied to a temporary directory (with a `.git` marker so root and
config discovery stop there) and reported on with the installed console script.
"""
from __future__ import annotations

import html
import importlib.resources
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from markdown_it import MarkdownIt

from bioaudit.regulations import load_catalog
from bioaudit.report import audit, inventory

BIOAUDIT = Path(sys.executable).parent / ("bioaudit.exe" if os.name == "nt" else "bioaudit")
REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures"
PAYLOAD = "</script><script>alert(1)</script>"
XSS_SOURCE = f'''import logging

import face_recognition

log = logging.getLogger(__name__)


def enrol(img):
    enc = face_recognition.face_encodings(img)[0]
    log.info("{PAYLOAD} %s", enc)
    return enc
'''
HOSTILE_NAMES = ("x</script><script>alert(1)<!--.py", "<script>alert(1)<!--.py", '"><img src=x onerror=alert(1)>.py')


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BIOAUDIT_")}
    env["NO_COLOR"] = "1"
    env["SOURCE_DATE_EPOCH"] = "1767225600"
    return subprocess.run([str(BIOAUDIT), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def no_traceback(proc: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in proc.stderr, proc.stderr


def copy_fixture(name: str, dest: Path) -> Path:
    target = dest / name
    shutil.copytree(FIXTURES / name, target)
    (target / ".git").mkdir()
    return target


def write_hostile_project(root: Path) -> list[str]:
    """A project whose file names and code carry markup; returns the names written."""
    root.mkdir(parents=True, exist_ok=True)
    (root / ".git").mkdir(exist_ok=True)
    written = []
    for name in HOSTILE_NAMES:
        try:
            (root / name).write_text(XSS_SOURCE, encoding="utf-8")
        except OSError:  # a file system that refuses the name ("/" never works on POSIX)
            continue
        written.append(name)
    assert written, "the file system refused every hostile file name"
    return written


@pytest.fixture(scope="module")
def flask_reports(tmp_path_factory):
    base = tmp_path_factory.mktemp("flask")
    project = copy_fixture("flask_face_login", base)
    out = {}
    for suffix in ("html", "md"):
        proc = run("report", ".", "-o", str(base / f"audit.{suffix}"), cwd=project)
        assert proc.returncode == 0, proc.stderr
        no_traceback(proc)
        out[suffix] = (base / f"audit.{suffix}").read_text(encoding="utf-8")
    proc = run("scan", ".", "--format", "json", "-o", str(base / "report.json"), cwd=project)
    assert proc.returncode == 1, proc.stderr
    out["json"] = json.loads((base / "report.json").read_text(encoding="utf-8"))
    return out


@pytest.fixture(scope="module")
def cloud_reports(tmp_path_factory):
    base = tmp_path_factory.mktemp("cloud")
    project = copy_fixture("cloud_face_apis", base)
    out = {}
    for suffix in ("html", "md"):
        proc = run("report", ".", "-o", str(base / f"audit.{suffix}"), cwd=project)
        assert proc.returncode == 0, proc.stderr
        out[suffix] = (base / f"audit.{suffix}").read_text(encoding="utf-8")
    return out


def section(text: str, start: str, end: str | None) -> str:
    i = text.index(start)
    j = text.index(end, i) if end else len(text)
    return text[i:j]


def strip_tags(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


# -- the HTML report -----------------------------------------------------------------------
def test_html_has_every_section(flask_reports):
    page = flask_reports["html"]
    assert page.startswith("<!DOCTYPE html>")
    for anchor in ("summary", "coverage", "findings-by-article", "findings", "checklist", "inventory"):
        assert f'<section id="{anchor}"' in page, anchor
    for title in ("1. Summary", "2. Scope and coverage", "3. Findings by article", "4. Findings with evidence",
                  "5. Obligations checklist", "Appendix A. Facial-data inventory"):
        assert title in page, title


def test_summary_counts_match_the_scan(flask_reports):
    doc = flask_reports["json"]
    summary = section(flask_reports["html"], '<section id="summary"', '<section id="coverage"')
    by_sev = section(summary, 'id="summary-severity"', 'id="summary-rule"')
    for sev, n in doc["summary"]["by_severity"].items():
        assert re.search(rf"<td>{sev}</td><td class=\"num\">{n}</td>", by_sev), (sev, n)
    by_rule = section(summary, 'id="summary-rule"', 'id="summary-article"')
    for rule_id, n in doc["summary"]["by_rule"].items():
        assert re.search(rf"<td>{rule_id}</td>.*?<td class=\"num\">{n}</td></tr>", by_rule), (rule_id, n)
    by_article = section(summary, 'id="summary-article"', "</section>")
    # every article a finding cites appears, with the number of findings citing it
    counts: dict[str, int] = {}
    for f in doc["findings"]:
        for a in f["articles"]:
            counts[f"{a['framework']}:{a['article']}"] = counts.get(f"{a['framework']}:{a['article']}", 0) + 1
    for ref, n in counts.items():
        anchor = "art-" + re.sub(r"[^a-z0-9]+", "-", ref)
        assert re.search(rf'href="#{anchor}">[^<]+</a></td><td>[^<]*</td><td class="num">{n}</td>', by_article), (ref, n)


def test_every_finding_has_its_excerpt_flow_articles_and_reasons(flask_reports):
    doc = flask_reports["json"]
    details = section(flask_reports["html"], '<section id="findings"', '<section id="checklist"')
    cards = re.findall(r'<article class="finding [a-z]+" id="f-\d+">.*?</article>', details, re.S)
    active = [f for f in doc["findings"] if not f["suppressed"]]
    assert len(cards) == len(active) > 0
    for finding, card in zip(active, cards):
        text = strip_tags(card)
        assert f"{finding['path']}:{finding['line']}" in text
        assert finding["rule_id"] in text
        # the code excerpt holds the reported line, marked, with its number
        hit = re.search(rf'<span class="l hit"><span class="n">{finding["line"]}</span>(.*?)</span>', card)
        assert hit and html.unescape(hit.group(1)).strip() == finding["snippet"].strip()
        # the data-flow path: source first, sink last, every step's location
        if finding["flow"]:
            flow = section(card, '<ol class="flow">', "</ol>")
            steps = re.findall(r"<li>(.*?)</li>", flow, re.S)
            assert len(steps) == len(finding["flow"])
            assert steps[0].startswith("<b>source</b>") and steps[-1].startswith("<b>sink</b>")
            for step, expected in zip(steps, finding["flow"]):
                assert f"{expected['path']}:{expected['line']}" in strip_tags(step)
        # every article with the one-line reason why this code breaks it
        for article in finding["articles"]:
            assert html.escape(article["reason"], quote=True) in card, article


def test_findings_grouped_by_article(flask_reports):
    doc = flask_reports["json"]
    grouped = section(flask_reports["html"], '<section id="findings-by-article"', '<section id="findings"')
    catalog = load_catalog()
    for finding in doc["findings"]:
        for article in finding["articles"]:
            ref = f"{article['framework']}:{article['article']}"
            anchor = "art-" + re.sub(r"[^a-z0-9]+", "-", ref)
            block = section(grouped, f'<h4 id="{anchor}">', "</ul>")
            assert f"{finding['path']}:{finding['line']}" in strip_tags(block), ref
            assert html.escape(catalog.resolve(ref).summary, quote=True) in block


def test_coverage_names_rules_versions_config_and_limits(flask_reports):
    coverage = strip_tags(section(flask_reports["html"], '<section id="coverage"', '<section id="findings-by-article"'))
    for rule in flask_reports["json"]["rules"]:
        assert rule["id"] in coverage and rule["name"] in coverage
    assert re.search(r"analysed\s*\d+", coverage) and "screened" in coverage
    assert "min-confidence" in coverage and "configuration file" in coverage
    assert "What this report does not cover" in coverage


def test_inventory_appendix_for_a_local_project(flask_reports):
    appendix = strip_tags(section(flask_reports["html"], '<section id="inventory"', "</section>"))
    inv = flask_reports["json"]["inventory"]
    for call in inv["face_calls"]:
        assert f"{call['path']}:{call['line']}" in appendix and call["api"] in appendix
    for store in inv["stored"]:
        assert f"{store['path']}:{store['line']}" in appendix
    assert "auth/services.py" in appendix and "auth/storage.py" in appendix
    assert "PIPL Art. 55-56" in appendix and "GDPR Art. 35" in appendix
    # the encrypted write is listed as encrypted, the pickle as not
    assert "pickle.dump" in appendix and "io.File.write" in appendix


def test_inventory_names_vendors_and_processing_countries(cloud_reports):
    page = cloud_reports["html"]
    vendors = strip_tags(section(page, '<h3 id="inv-vendors">', "</table>"))
    for vendor, region in (("Baidu AI Cloud", "China"), ("Tencent Cloud", "China"),
                           ("Amazon Web Services", "AWS region"), ("Microsoft Azure", "Azure region")):
        assert vendor in vendors and region in vendors, vendor
    sent = strip_tags(section(page, '<h3 id="inv-sent">', "</table>"))
    assert "requests.post" in sent and "aip.AipFace.search" in sent
    stored = strip_tags(section(page, '<h3 id="inv-stored">', "</table>"))
    assert "boto3.s3.put_object" in stored
    logged = strip_tags(section(page, '<h3 id="inv-logged">', "</table>"))
    assert "logging.Logger.debug" in logged


def test_obligations_checklist_items_carry_scan_evidence(cloud_reports):
    checklist = section(cloud_reports["html"], '<section id="checklist"', "</section>")
    items = dict(re.findall(r'<li id="check-([a-z0-9-]+)">(.*?)</ul></li>', checklist, re.S))
    assert {"impact-assessment", "filing-100k", "signage", "retention", "minors", "transfers"} <= set(items)
    assert "100,000" in strip_tags(items["filing-100k"]) and "uploads.py:20" in strip_tags(items["filing-100k"])
    assert "Baidu AI Cloud" in strip_tags(items["transfers"])
    assert "FRT Measures Art. 7" in strip_tags(items["minors"]) and "PIPL Art. 31" in strip_tags(items["minors"])
    assert "PIPL Art. 55" in strip_tags(items["impact-assessment"]) and "GDPR Art. 35" in strip_tags(items["impact-assessment"])
    assert "FRT Measures Art. 13" in strip_tags(items["signage"])
    assert "BIPA Sec. 15(a)" in strip_tags(items["retention"])


def test_html_is_self_contained_and_print_ready(flask_reports):
    page = flask_reports["html"]
    lowered = page.lower()
    for forbidden in ("<script", "<link", "<iframe", "<img", "@import", "url(", "src=", "http://", "https://"):
        assert forbidden not in lowered, forbidden
    assert 'http-equiv="Content-Security-Policy"' in page and "default-src 'none'" in page
    assert "@media print" in page and "@page" in page
    assert '<meta charset="utf-8">' in page


# -- Markdown ------------------------------------------------------------------------------
def test_markdown_has_the_same_content(flask_reports):
    md = flask_reports["md"]
    for title in ("## 1. Summary", "## 2. Scope and coverage", "## 3. Findings by article", "## 4. Findings with evidence",
                  "## 5. Obligations checklist", "## Appendix A. Facial-data inventory", "### A.1 ", "### A.6 "):
        assert title in md, title
    doc = flask_reports["json"]
    for finding in doc["findings"]:
        assert f"`{finding['path']}:{finding['line']}`" in md
    assert md.count("- [ ] **") >= 6
    rendered = MarkdownIt("commonmark").enable("table").render(md)
    assert "<table>" in rendered and "<pre><code" in rendered


def test_markdown_stdout_when_no_output_file(tmp_path):
    project = copy_fixture("flask_face_login", tmp_path)
    proc = run("report", ".", cwd=project)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("# Facial-biometrics audit")


# -- hostile input -------------------------------------------------------------------------
@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile")
    project = base / "proj"
    names = write_hostile_project(project)
    out = {"names": names}
    for suffix in ("html", "md"):
        proc = run("report", ".", "-o", str(base / f"audit.{suffix}"), cwd=project)
        assert proc.returncode == 0, proc.stderr
        no_traceback(proc)
        out[suffix] = (base / f"audit.{suffix}").read_text(encoding="utf-8")
    return out


def test_html_escapes_file_names_and_code(hostile):
    page = hostile["html"]
    lowered = page.lower()
    assert "<script" not in lowered and "<img" not in lowered and "<!--" not in page
    # the payload is shown, as text
    assert html.escape(PAYLOAD, quote=True) in page
    for name in hostile["names"]:
        assert html.escape(name, quote=True) in page
    # and reaches every part of the report: findings, excerpts, flows, inventory
    assert page.count(html.escape(hostile["names"][0], quote=True)) >= 5


def test_markdown_escapes_file_names_and_code(hostile):
    rendered = MarkdownIt("commonmark").enable("table").render(hostile["md"]).lower()
    assert "<script" not in rendered and "<img" not in rendered
    assert "&lt;script&gt;alert(1)" in rendered


# -- framework filter, unparsable files, config ---------------------------------------------
def test_framework_filter_limits_every_section(tmp_path):
    project = copy_fixture("flask_face_login", tmp_path)
    proc = run("report", ".", "-o", "audit.html", "--framework", "cn-pipl", cwd=project)
    assert proc.returncode == 0, proc.stderr
    page = (project / "audit.html").read_text(encoding="utf-8")
    text = strip_tags(section(page, '<section id="summary"', '<section id="inventory"'))
    assert "PIPL Art. 51" in text
    for other in ("GDPR Art.", "BIPA Sec.", "FRT Measures Art.", "AI Act Art."):
        assert other not in text, other
    # checklist items without a PIPL article are left out
    assert 'id="check-signage"' in page and 'id="check-alternative"' in page and 'id="check-inference"' not in page


def test_unparsable_files_are_listed_with_the_reason(tmp_path):
    project = copy_fixture("flask_face_login", tmp_path)
    (project / "legacy.py").write_text("import face_recognition\nprint 'hello'\n", encoding="utf-8")
    (project / "broken.py").write_bytes(b"import face_recognition\nx = '\xff\xfe\n")
    proc = run("report", ".", "-o", "audit.md", cwd=project)
    assert proc.returncode == 0, proc.stderr
    md = (project / "audit.md").read_text(encoding="utf-8")
    coverage = section(md, "## 2. Scope and coverage", "## 3.")
    assert "`legacy.py`" in coverage and "syntax-error" in coverage and "Python 2" in coverage
    assert "`broken.py`" in coverage


def test_config_used_is_shown(tmp_path):
    project = copy_fixture("flask_face_login", tmp_path)
    (project / "pyproject.toml").write_text(
        '[tool.bioaudit]\nignore = ["BIO002"]\nencrypt-functions = ["ourlib.crypto.seal"]\n', encoding="utf-8"
    )
    proc = run("report", ".", "-o", "audit.html", cwd=project)
    assert proc.returncode == 0, proc.stderr
    coverage = strip_tags(section((project / "audit.html").read_text(encoding="utf-8"), '<section id="coverage"', "</section>"))
    assert "pyproject.toml" in coverage and "ourlib.crypto.seal" in coverage and "BIO002" in coverage
    assert "no-fallback-verification" not in section(coverage, "Rules run", "Configuration")


@pytest.mark.parametrize(
    "args, message",
    [
        (("report", ".", "-o", "audit.txt"), "name it .html or .md"),
        (("report", "missing-dir", "-o", "audit.html"), "path not found"),
        (("report", ".", "-o", "a.html", "--framework", "eu-gpdr"), "eu-gdpr"),
    ],
)
def test_report_usage_errors_exit_2(tmp_path, args, message):
    (tmp_path / ".git").mkdir()
    proc = run(*args, cwd=tmp_path)
    assert proc.returncode == 2
    assert message in proc.stderr
    no_traceback(proc)


def test_format_option_overrides_the_suffix(tmp_path):
    project = copy_fixture("flask_face_login", tmp_path)
    proc = run("report", ".", "-o", "audit.txt", "--format", "html", cwd=project)
    assert proc.returncode == 0, proc.stderr
    assert (project / "audit.txt").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


# -- JSON inventory and merge --------------------------------------------------------------------
def test_json_report_carries_the_inventory_and_validates(flask_reports):
    schema = json.loads((importlib.resources.files("bioaudit") / "schema" / "report-1.schema.json").read_text(encoding="utf-8"))
    Draft202012Validator(schema).validate(flask_reports["json"])
    inv = flask_reports["json"]["inventory"]
    assert inv["version"] == 1
    apis = {c["api"] for c in inv["face_calls"]}
    assert {"face_recognition.face_encodings", "face_recognition.compare_faces"} <= apis
    assert any(s["sink"] == "pickle.dump" and s["kinds"] == ["template"] for s in inv["stored"])
    assert any(s["encrypted_kinds"] == ["template"] and not s["kinds"] for s in inv["stored"])
    assert flask_reports["json"]["config"]["settings"]["min-confidence"] == "low"


def test_inventory_kinds_from_categories():
    assert inventory.call_kinds("face_recognition.face_encodings", "template", False) == ["template", "face-image"]
    assert inventory.call_kinds("x.analyze", "analyze", False) == ["face-image", "attributes"]
    assert inventory.call_kinds("x.search", "identify", True) == ["face-image"]


def test_merge_builds_one_report_from_many(tmp_path):
    reports = []
    for name in ("flask_face_login", "cloud_face_apis"):
        project = copy_fixture(name, tmp_path)
        out = tmp_path / f"{name}.json"
        proc = run("scan", ".", "--format", "json", "-o", str(out), cwd=project)
        assert proc.returncode == 1, proc.stderr
        reports.append(out)
    docs = [json.loads(p.read_text(encoding="utf-8")) for p in reports]
    proc = run("merge", *map(str, reports), "-o", "org.html", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    page = (tmp_path / "org.html").read_text(encoding="utf-8")
    text = strip_tags(page)
    total = sum(d["summary"]["findings"] for d in docs)
    assert re.search(rf'<div class="card"><b>{total}</b>findings', page)
    for doc, label in zip(docs, ("flask_face_login", "cloud_face_apis")):
        for f in doc["findings"]:
            assert f"{label}/{f['path']}:{f['line']}" in text
    assert "Repositories merged" in text and "Baidu AI Cloud" in text
    assert "cloud_face_apis/baidu_face.py:31" in strip_tags(section(page, '<h3 id="inv-vendors">', "</table>"))
    # Markdown, with labels chosen on the command line
    proc = run("merge", f"web={reports[0]}", f"kiosk={reports[1]}", "-o", "org.md", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    md = (tmp_path / "org.md").read_text(encoding="utf-8")
    assert "`web/auth/services.py:" in md and "`kiosk/uploads.py:20`" in md


def test_merge_rejects_what_is_not_a_report(tmp_path):
    (tmp_path / "bad.json").write_text("{not json", encoding="utf-8")
    (tmp_path / "other.json").write_text('{"version": 1}', encoding="utf-8")
    for name, message in (("bad.json", "not a JSON file"), ("other.json", "not a bioaudit JSON report"), ("nope.json", "not found")):
        proc = run("merge", name, "-o", "org.html", cwd=tmp_path)
        assert proc.returncode == 2, name
        assert message in proc.stderr, (name, proc.stderr)
        no_traceback(proc)
    assert not (tmp_path / "org.html").exists()


def test_merge_of_hostile_json_is_escaped(tmp_path):
    doc = json.loads(json.dumps({
        "schema": "https://bioaudit.dev/schema/report-1.json", "version": 1, "tool": {"name": "bioaudit", "version": PAYLOAD},
        "root": f"/x/{PAYLOAD}", "summary": {"findings": 1},
        "findings": [{"rule_id": "BIO003", "rule_name": PAYLOAD, "severity": PAYLOAD, "confidence": "high", "path": PAYLOAD,
                      "line": 3, "message": PAYLOAD, "articles": [{"framework": PAYLOAD, "article": PAYLOAD, "title": PAYLOAD, "reason": PAYLOAD}],
                      "flow": [{"path": PAYLOAD, "line": 1, "note": PAYLOAD}], "snippet": PAYLOAD, "suppressed": False}],
        "not_analysed": [{"path": PAYLOAD, "reason": PAYLOAD, "detail": PAYLOAD}], "diagnostics": [],
        "rules": [{"id": PAYLOAD, "name": PAYLOAD, "version": PAYLOAD}], "config": {"source": PAYLOAD, "frameworks": [PAYLOAD]},
        "inventory": {"face_calls": [{"path": PAYLOAD, "line": 1, "api": PAYLOAD, "kinds": [PAYLOAD]}],
                      "third_parties": [{"vendor": PAYLOAD, "region": PAYLOAD, "apis": [PAYLOAD], "sites": []}]},
    }))
    (tmp_path / "evil.json").write_text(json.dumps(doc), encoding="utf-8")
    for out in ("org.html", "org.md"):
        proc = run("merge", "evil.json", "-o", out, cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
    page = (tmp_path / "org.html").read_text(encoding="utf-8").lower()
    assert "<script" not in page
    rendered = MarkdownIt("commonmark").enable("table").render((tmp_path / "org.md").read_text(encoding="utf-8")).lower()
    assert "<script" not in rendered


def test_render_functions_directly():
    catalog = load_catalog()
    doc = {"schema": "https://bioaudit.dev/schema/report-1.json", "version": 1, "findings": [], "summary": {}}
    for fmt in ("html", "md"):
        text = audit.render(doc, fmt, catalog=catalog)
        assert "No findings." in text
    with pytest.raises(ValueError):
        audit.render(doc, "pdf", catalog=catalog)


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="needs a file system that takes any bytes in names")
def test_file_name_that_is_not_utf8(tmp_path):
    (tmp_path / ".git").mkdir()
    name = os.fsencode(tmp_path) + b"/bad\xff.py"
    with open(name, "w", encoding="utf-8") as fh:
        fh.write(XSS_SOURCE)
    for out in ("audit.html", "audit.md"):
        proc = run("report", ".", "-o", out, cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
        no_traceback(proc)
        assert re.search(r"bad\\\\?(xff|udcff)\.py", (tmp_path / out).read_text(encoding="utf-8"))
