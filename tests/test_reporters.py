"""Reporters: text, json, sarif, github, and the rule reference markdown."""
from __future__ import annotations

import copy
import importlib.resources
import json
import random
import re
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from sarif_schema import assert_valid_sarif, sarif_errors

from bioaudit.model import (
    Confidence,
    Diagnostic,
    Finding,
    ScanResult,
    Severity,
    SkippedFile,
    Span,
    Step,
    Suppression,
    fingerprint,
)
from bioaudit.regulations import load_catalog
from bioaudit.report import FORMATS, github, json_report, render, ruledoc, sarif, text
from bioaudit.rule import Invalid, Rule, Valid

UNICODE_PATH = "app/face utils/vüe ñ#1.py"


class BiometricInLogs(Rule):
    """
    ## What it does
    Flags logging and output calls that receive facial data
    (templates, landmarks, face images).

    A second paragraph that SARIF's fullDescription leaves out.

    ## Why is this bad?
    Logs are copied, shipped and kept far longer than the data they describe.

    ## Options
    - `log-functions`: extra qualified names that count as logging.

    ## Known limitations
    Custom logging wrappers are only recognised through configuration.
    """

    ID = "BIO003"
    NAME = "biometric-in-logs"
    SEVERITY = Severity.HIGH
    SUMMARY = "Facial data written to logs or console output"
    FIX = "Log a count, shape or id instead of the facial data"
    REFERENCES = {
        "eu-gdpr:art-32": "logs hold unencrypted templates outside the protected store",
        "cn-pipl:art-51": "no security measure protects the logged biometric",
    }
    TAGS = ("logging", "template")
    VALID = [
        Valid("""
            import logging, face_recognition
            encs = face_recognition.face_encodings(img)
            logging.info("found %d faces", len(encs))
        """)
    ]
    INVALID = [
        Invalid("""
            import logging, face_recognition
            encs = face_recognition.face_encodings(img)
            logging.info("encodings: %s", encs)
        """, line=3)
    ]


class UnencryptedStorage(Rule):
    """
    ## What it does
    Flags calls that persist facial data without encrypting it first.

    ## Why is this bad?
    A leaked template cannot be rotated like a password.
    """

    ID = "BIO004"
    NAME = "unencrypted-biometric-storage"
    SEVERITY = Severity.MEDIUM
    SUMMARY = "Facial data persisted without encryption"
    FIX = "Encrypt the template before saving it"
    REFERENCES = {
        "eu-gdpr:art-32": "templates stored in clear",
        "us-il-bipa:sec-15-e": "no reasonable standard of care for stored biometrics",
    }
    TAGS = ("storage",)
    VALID = [Valid({"app/store.py": "vault.put(uid, fernet.encrypt(enc))\n"})]
    INVALID = [Invalid({"app/store.py": "numpy.save('a.npy', enc)\n"}, line=1, path="app/store.py")]


class QuietRule(Rule):
    """
    ## What it does
    Enabled, but with no findings in this scan.

    ## Why is this bad?
    It is not.
    """

    ID = "BIO099"
    NAME = "quiet-rule"
    SEVERITY = Severity.LOW
    SUMMARY = "A rule that found nothing"
    FIX = "Nothing to do"
    REFERENCES = {"eu-ai-act:art-5-1-f": "example reason"}


def _finding(rule, path, line, col, message, *, end_col=None, severity=None, confidence=Confidence.HIGH,
             steps=(), snippet="", suppression=None, function="handler", properties=None):
    statement = snippet.strip()
    return Finding(
        rule_id=rule.ID,
        name=rule.NAME,
        severity=severity or rule.SEVERITY,
        confidence=confidence,
        path=path,
        span=Span(line, col, line, end_col or col + 10),
        message=message,
        fix=rule.FIX,
        references=tuple(rule.REFERENCES),
        steps=tuple(steps),
        function=function,
        statement=statement,
        snippet=snippet,
        properties=dict(properties or {}),
        suppression=suppression,
        fingerprint=fingerprint(rule.ID, path, function, statement, 0),
    )


def make_result(root: str = "/tmp/my repo/ünï") -> ScanResult:
    leak = _finding(
        BiometricInLogs, UNICODE_PATH, 12, 5, "template `enc` logged by `logging.info`",
        end_col=32,
        snippet='    logging.info("enc=%s", enc)\n',
        steps=(
            Step(UNICODE_PATH, 10, 11, "`enc` receives a face template from `face_recognition.face_encodings`"),
            Step(UNICODE_PATH, 12, 28, "`enc` reaches `logging.info`"),
        ),
        properties={"sink": "logging.info", "kinds": ["template"]},
    )
    hidden = _finding(
        BiometricInLogs, "app/main.py", 30, 9, "face image `crop` printed by `print`",
        end_col=20, snippet="        print(crop)", confidence=Confidence.MEDIUM,
        suppression=Suppression(30, ("BIO003",), "debug build only, stripped in release"),
    )
    store = _finding(
        UnencryptedStorage, "app/a,b:c.py", 7, 1, "template stored unencrypted by `numpy.save`: 100% plain,\nsecond line",
        end_col=24, snippet="np.save('alice.npy', enc)", function="<module>",
    )
    low = _finding(
        UnencryptedStorage, "app/main.py", 3, 1, "landmarks stored unencrypted by `json.dump`",
        severity=Severity.LOW, confidence=Confidence.LOW, snippet="json.dump(marks, fh)",
    )
    return ScanResult(
        root=root,
        findings=[store, hidden, leak, low],
        skipped=[
            SkippedFile("vendor/lib.py", "excluded"),
            SkippedFile("broken.py", "syntax-error", "line 3: invalid syntax"),
            SkippedFile("node_modules/x.py", "gitignored"),
        ],
        diagnostics=[
            Diagnostic("warning", "bare-suppression", "`# bioaudit: ignore` without a rule id", "app/main.py", 4),
            Diagnostic("error", "rule-error", "BIO004 crashed on app/x.py: KeyError('x')", "app/x.py", 0),
        ],
        files_discovered=10,
        files_analysed=4,
        files_screened=3,
        rules=[BiometricInLogs(), UnencryptedStorage(), QuietRule()],
        frameworks=(),
        config_source="pyproject.toml",
        duration_s=0.12345,
    )


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


@pytest.fixture
def result():
    return make_result()


def _report_schema():
    path = importlib.resources.files("bioaudit") / "schema" / "report-1.schema.json"
    return json.loads(path.read_text(encoding="utf-8"))


# -- rule reference --------------------------------------------------------------------
def test_rule_markdown(catalog):
    md = ruledoc.rule_markdown(BiometricInLogs, catalog)
    assert md.startswith("# BIO003 `biometric-in-logs`\n")
    assert "**Severity:** high" in md
    headings = re.findall(r"^## (.+)$", md, re.M)
    assert headings == [
        "What it does", "Why is this bad?", "Options", "Known limitations",
        "Example", "Use instead", "Fix", "Regulations",
    ]
    example = md.split("## Example")[1].split("## Use instead")[0]
    assert 'logging.info("encodings: %s", encs)' in example and "```python" in example
    assert "len(encs)" in md.split("## Use instead")[1]
    assert "- GDPR Art. 32 — Security of processing: logs hold unencrypted templates" in md
    assert "- PIPL Art. 51 — Security measures: no security measure protects" in md
    assert md.endswith("\n") and not md.endswith("\n\n")


def test_rule_markdown_multifile_example_and_filter(catalog):
    md = ruledoc.rule_markdown(UnencryptedStorage, catalog, frameworks=["us-il-bipa"])
    assert "`app/store.py`:" in md and "numpy.save('a.npy', enc)" in md
    assert "BIPA Sec. 15(e)" in md and "GDPR" not in md


def test_article_lines_filter(catalog, result):
    leak = next(f for f in result.findings if f.path == UNICODE_PATH)
    lines = ruledoc.article_lines(leak, BiometricInLogs, catalog, None)
    assert [(a.ref, r[:4]) for a, r in lines] == [("eu-gdpr:art-32", "logs"), ("cn-pipl:art-51", "no s")]
    only = ruledoc.article_lines(leak, BiometricInLogs, catalog, ["cn-pipl"])
    assert [a.ref for a, _ in only] == ["cn-pipl:art-51"]


def test_article_label():
    assert ruledoc.article_label("art-9-2-a") == "Art. 9(2)(a)"
    assert ruledoc.article_label("sec-15-e") == "Sec. 15(e)"
    assert ruledoc.article_label("annex-iii-1-a") == "Annex III(1)(a)"
    assert ruledoc.article_label("1798-100-a") == "§ 1798.100(a)"


def test_unknown_reference_does_not_break_reports(catalog, result):
    result.findings[0].references += ("eu-gdpr:art-999",)
    for fmt in FORMATS:
        render(fmt, result, catalog=catalog)


# -- SARIF -----------------------------------------------------------------------------
def test_sarif_valid(catalog, result):
    doc = json.loads(sarif.render(result, catalog=catalog))
    assert_valid_sarif(doc)
    assert doc["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert doc["version"] == "2.1.0"
    assert len(doc["runs"]) == 1


def test_sarif_helper_rejects_bad_documents(catalog, result):
    doc = json.loads(sarif.render(result, catalog=catalog))
    bad = copy.deepcopy(doc)
    bad["runs"][0]["results"][0]["level"] = "fatal"
    assert sarif_errors(bad)
    bad = copy.deepcopy(doc)
    bad["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] = "a b.py"
    assert sarif_errors(bad)
    bad = copy.deepcopy(doc)
    bad["runs"][0]["results"][0]["ruleIndex"] = 2
    assert sarif_errors(bad)
    with pytest.raises(AssertionError):
        assert_valid_sarif({"version": "2.1.0"})


def test_sarif_rules(catalog, result):
    run = json.loads(sarif.render(result, catalog=catalog))["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "bioaudit" and driver["version"] and driver["semanticVersion"]
    assert driver["informationUri"].startswith("https://")
    rules = {r["id"]: r for r in driver["rules"]}
    assert list(rules) == ["BIO003", "BIO004", "BIO099"]  # every enabled rule, findings or not
    bio3 = rules["BIO003"]
    assert bio3["name"] == "biometric-in-logs"
    assert bio3["shortDescription"]["text"] == BiometricInLogs.SUMMARY
    assert bio3["fullDescription"]["text"] == (
        "Flags logging and output calls that receive facial data (templates, landmarks, face images)."
    )
    assert bio3["help"]["markdown"] == ruledoc.rule_markdown(BiometricInLogs, catalog)
    assert bio3["help"]["text"]
    assert bio3["helpUri"].startswith("https://")
    assert bio3["defaultConfiguration"]["level"] == "error"
    assert rules["BIO004"]["defaultConfiguration"]["level"] == "warning"
    assert rules["BIO099"]["defaultConfiguration"]["level"] == "note"
    assert [rules[i]["properties"]["security-severity"] for i in ("BIO003", "BIO004", "BIO099")] == ["8.0", "5.5", "3.0"]
    tags = bio3["properties"]["tags"]
    assert {"security", "privacy", "biometrics", "logging", "template"} <= set(tags)
    assert bio3["properties"]["regulations"][0] == {
        "ref": "eu-gdpr:art-32",
        "framework": "eu-gdpr",
        "article": "art-32",
        "title": "Security of processing",
        "reason": BiometricInLogs.REFERENCES["eu-gdpr:art-32"],
    }


def test_sarif_results(catalog, result, tmp_path):
    result.root = str(tmp_path / "my repo" / "ünï")
    doc = json.loads(sarif.render(result, catalog=catalog))
    assert_valid_sarif(doc)
    run = doc["runs"][0]
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    results = run["results"]
    assert [r["ruleId"] for r in results] == ["BIO004", "BIO003", "BIO004", "BIO003"]  # sorted by path, line
    for r in results:
        assert rule_ids[r["ruleIndex"]] == r["ruleId"]
        assert r["partialFingerprints"]["bioauditFingerprint/v1"]
        assert r["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
    leak = next(r for r in results if "logging.info" in r["message"]["text"])
    assert leak["level"] == "error"
    assert leak["message"]["text"] == "template `enc` logged by `logging.info` [eu-gdpr:art-32, cn-pipl:art-51]"
    loc = leak["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"] == "app/face%20utils/v%C3%BCe%20%C3%B1%231.py"
    assert loc["region"] == {
        "startLine": 12, "startColumn": 5, "endLine": 12, "endColumn": 32,
        "snippet": {"text": '    logging.info("enc=%s", enc)\n'},
    }
    assert leak["properties"]["confidence"] == "high"
    assert leak["properties"]["articles"] == ["eu-gdpr:art-32", "cn-pipl:art-51"]
    flow = leak["codeFlows"][0]["threadFlows"][0]["locations"]
    assert [s["location"]["message"]["text"] for s in flow] == [
        "`enc` receives a face template from `face_recognition.face_encodings`",
        "`enc` reaches `logging.info`",
    ]
    assert flow[0]["location"]["physicalLocation"]["region"] == {"startLine": 10, "startColumn": 11}
    assert "suppressions" not in leak
    hidden = next(r for r in results if "print" in r["message"]["text"])
    assert hidden["suppressions"] == [{"kind": "inSource", "justification": "debug build only, stripped in release"}]
    assert "codeFlows" not in hidden
    assert [r["level"] for r in results if r["ruleId"] == "BIO004"] == ["warning", "note"]
    comma = next(r for r in results if "numpy.save" in r["message"]["text"])
    assert comma["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "app/a%2Cb%3Ac.py"

    base = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert base.startswith("file:///") and base.endswith("/my%20repo/%C3%BCn%C3%AF/")


def test_sarif_invocation(catalog, result):
    run = json.loads(sarif.render(result, catalog=catalog))["runs"][0]
    inv = run["invocations"][0]
    assert inv["executionSuccessful"] is False  # an error diagnostic
    notes = inv["toolExecutionNotifications"]
    by_id = {}
    for n in notes:
        by_id.setdefault(n["descriptor"]["id"], []).append(n)
    assert by_id["rule-error"][0]["level"] == "error"
    assert by_id["bare-suppression"][0]["level"] == "warning"
    assert by_id["bare-suppression"][0]["locations"][0]["physicalLocation"]["region"] == {"startLine": 4}
    skipped = by_id["skipped-file"]
    assert {n["level"] for n in skipped} == {"note"}
    assert [n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for n in skipped] == [
        "broken.py", "node_modules/x.py", "vendor/lib.py",
    ]
    assert "syntax-error" in skipped[0]["message"]["text"] and "line 3" in skipped[0]["message"]["text"]

    result.diagnostics = [d for d in result.diagnostics if d.level != "error"]
    run = json.loads(sarif.render(result, catalog=catalog))["runs"][0]
    assert run["invocations"][0]["executionSuccessful"] is True


def test_sarif_empty_scan(catalog):
    doc = json.loads(sarif.render(ScanResult(root="."), catalog=catalog))
    assert_valid_sarif(doc)
    assert doc["runs"][0]["results"] == []


# -- JSON ------------------------------------------------------------------------------
def test_json_schema_is_valid_and_report_validates(catalog, result):
    schema = _report_schema()
    Draft202012Validator.check_schema(schema)
    assert schema["$id"] == json_report.SCHEMA_URL
    doc = json.loads(json_report.render(result, catalog=catalog))
    Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER).validate(doc)
    empty = json.loads(json_report.render(ScanResult(root="."), catalog=catalog))
    Draft202012Validator(schema).validate(empty)


def test_json_fields(catalog, result):
    out = json_report.render(result, catalog=catalog)
    assert out.endswith("}\n")
    doc = json.loads(out)
    assert list(doc)[:2] == ["schema", "version"]
    assert doc["schema"] == "https://bioaudit.dev/schema/report-1.json" and doc["version"] == 1
    assert doc["tool"]["name"] == "bioaudit"
    assert doc["root"] == result.root
    assert doc["summary"] == {
        "files_discovered": 10, "files_analysed": 4, "files_screened": 3, "files_skipped": 3,
        "findings": 3, "suppressed": 1,
        "by_severity": {"high": 1, "medium": 1, "low": 1},
        "by_rule": {"BIO003": 1, "BIO004": 2},
    }
    assert "duration_s" not in json.dumps(doc), "timings would make reports differ run to run"
    assert [(f["path"], f["line"]) for f in doc["findings"]] == [
        ("app/a,b:c.py", 7), ("app/face utils/vüe ñ#1.py", 12), ("app/main.py", 3), ("app/main.py", 30),
    ]
    leak = doc["findings"][1]
    assert leak == {
        "rule_id": "BIO003",
        "rule_name": "biometric-in-logs",
        "severity": "high",
        "confidence": "high",
        "path": UNICODE_PATH,
        "line": 12,
        "column": 5,
        "end_line": 12,
        "end_column": 32,
        "message": "template `enc` logged by `logging.info`",
        "fix": BiometricInLogs.FIX,
        "articles": [
            {"framework": "eu-gdpr", "framework_title": catalog.frameworks["eu-gdpr"].title, "article": "art-32",
             "title": "Security of processing", "reason": BiometricInLogs.REFERENCES["eu-gdpr:art-32"], "verified": True},
            {"framework": "cn-pipl", "framework_title": catalog.frameworks["cn-pipl"].title, "article": "art-51",
             "title": "Security measures", "reason": BiometricInLogs.REFERENCES["cn-pipl:art-51"], "verified": True},
        ],
        "flow": [
            {"path": UNICODE_PATH, "line": 10, "column": 11,
             "note": "`enc` receives a face template from `face_recognition.face_encodings`"},
            {"path": UNICODE_PATH, "line": 12, "column": 28, "note": "`enc` reaches `logging.info`"},
        ],
        "fingerprint": result.findings[2].fingerprint,
        "function": "handler",
        "snippet": '    logging.info("enc=%s", enc)\n',
        "properties": {"kinds": ["template"], "sink": "logging.info"},
        "suppressed": False,
        "suppression": None,
    }
    hidden = doc["findings"][3]
    assert hidden["suppressed"] is True
    assert hidden["suppression"] == {"reason": "debug build only, stripped in release", "rules": ["BIO003"], "line": 30}
    assert doc["not_analysed"] == [
        {"path": "broken.py", "reason": "syntax-error", "detail": "line 3: invalid syntax"},
        {"path": "node_modules/x.py", "reason": "gitignored", "detail": ""},
        {"path": "vendor/lib.py", "reason": "excluded", "detail": ""},
    ]
    assert doc["diagnostics"][0] == {
        "level": "error", "code": "rule-error", "message": "BIO004 crashed on app/x.py: KeyError('x')",
        "path": "app/x.py", "line": 0,
    }
    assert doc["config"] == {"source": "pyproject.toml", "frameworks": list(catalog.frameworks)}
    assert [r["id"] for r in doc["rules"]] == ["BIO003", "BIO004", "BIO099"]


def test_json_format_doc_covers_every_field():
    doc = (Path(__file__).resolve().parent.parent / "docs" / "json-format.md").read_text(encoding="utf-8")
    schema = _report_schema()
    names = set()

    def walk(node):  # a schema node
        if isinstance(node, list):
            for v in node:
                walk(v)
        elif isinstance(node, dict):
            for key, value in node.items():
                if key in ("properties", "$defs"):
                    if key == "properties":
                        names.update(value)
                    for sub in value.values():
                        walk(sub)
                elif isinstance(value, (dict, list)):
                    walk(value)

    walk(schema)
    missing = sorted(n for n in names if f"`{n}`" not in doc)
    assert not missing, f"docs/json-format.md does not describe: {missing}"


# -- --framework filtering -----------------------------------------------------------------
def test_framework_filter_every_format(catalog, result):
    only = ["cn-pipl"]
    doc = json.loads(json_report.render(result, catalog=catalog, frameworks=only))
    assert doc["config"]["frameworks"] == only
    for f in doc["findings"]:
        assert {a["framework"] for a in f["articles"]} <= {"cn-pipl"}
    assert [a["article"] for a in doc["findings"][1]["articles"]] == ["art-51"]
    assert doc["findings"][0]["articles"] == []  # BIO004 cites GDPR and BIPA only

    sdoc = json.loads(sarif.render(result, catalog=catalog, frameworks=only))
    assert_valid_sarif(sdoc)
    blob = json.dumps(sdoc, ensure_ascii=False)
    assert "eu-gdpr" not in blob and "GDPR" not in blob and "BIPA" not in blob
    run = sdoc["runs"][0]
    leak = next(r for r in run["results"] if "logging.info" in r["message"]["text"])
    assert leak["message"]["text"].endswith("[cn-pipl:art-51]")
    assert leak["properties"]["articles"] == ["cn-pipl:art-51"]
    storage = next(r for r in run["results"] if "numpy.save" in r["message"]["text"])
    assert "[" not in storage["message"]["text"]

    gh = github.render(result, catalog=catalog, frameworks=only)
    assert "GDPR" not in gh and "BIPA" not in gh and "PIPL Art. 51" in gh

    txt = text.render(result, catalog=catalog, frameworks=only, color=False, show_suppressed=True)
    assert "GDPR" not in txt and "BIPA" not in txt and "PIPL Art. 51 — Security measures" in txt

    with pytest.raises(ValueError):
        json_report.render(result, catalog=catalog, frameworks=["eu-gpdr"])


# -- GitHub ----------------------------------------------------------------------------
def test_github_annotations(catalog, result):
    out = github.render(result, catalog=catalog)
    all_lines = out.splitlines()
    assert out.endswith("\n")
    lines = [line for line in all_lines if "title=bioaudit " not in line]
    assert len(lines) == 3  # the suppressed finding is left out
    # the scan's own problems follow as annotations, so a failing gate says why
    diagnostics = [line for line in all_lines if "title=bioaudit " in line]
    assert len(diagnostics) == len(result.diagnostics)
    assert any(line.startswith("::error ") and "rule-error" in line for line in diagnostics)
    assert lines[0] == (
        "::warning file=app/a%2Cb%3Ac.py,line=7,col=1,endLine=7,endColumn=24,"
        "title=BIO004 unencrypted-biometric-storage::"
        "template stored unencrypted by `numpy.save`: 100%25 plain,%0Asecond line (GDPR Art. 32, BIPA Sec. 15(e))"
        "%0AFix: Encrypt the template before saving it"
    )
    assert lines[1].startswith(
        f"::error file={UNICODE_PATH},line=12,col=5,endLine=12,endColumn=32,title=BIO003 biometric-in-logs::"
        "template `enc` logged by `logging.info` (GDPR Art. 32, PIPL Art. 51)"
    )
    assert lines[2].startswith("::notice file=app/main.py,line=3,")
    assert all(line.count("::") == 2 for line in lines)


def test_github_escaping():
    assert github.escape_data("a%b\r\nc:d,e") == "a%25b%0D%0Ac:d,e"
    assert github.escape_property("a%b\r\nc:d,e") == "a%25b%0D%0Ac%3Ad%2Ce"


# -- text ------------------------------------------------------------------------------
def test_text_plain(catalog, result):
    out = text.render(result, catalog=catalog, color=False, width=120)
    assert "\x1b" not in out
    assert f"{UNICODE_PATH}:12:5 BIO003 [high/high-confidence] template `enc` logged by `logging.info`" in out
    assert '12 |     logging.info("enc=%s", enc)' in out
    assert "   |     " + "^" * 27 + "\n" in out  # columns 5..31
    assert "= GDPR Art. 32 — Security of processing: logs hold unencrypted templates" in out
    assert "= PIPL Art. 51 — Security measures:" in out
    assert "= fix: Log a count, shape or id instead of the facial data" in out
    assert "1. " + f"{UNICODE_PATH}:10:11 `enc` receives a face template" in out
    assert "print(crop)" not in out  # suppressed, hidden by default
    assert "1 suppressed" in out
    assert "BIO004" in out and "unencrypted-biometric-storage" in out
    summary = out[out.index("Found"):]
    assert "Found 3 findings in 3 files" in summary
    assert "4 analysed" in summary and "3 screened" in summary and "3 skipped" in summary
    assert "3 files not analysed: 1 excluded, 1 gitignored, 1 syntax-error" in out
    assert "broken.py: syntax-error (line 3: invalid syntax)" in out
    assert "vendor/lib.py" not in out  # excluded files are counted, not listed
    assert "error[rule-error] app/x.py: BIO004 crashed" in out
    assert "warning[bare-suppression] app/main.py:4:1:" in out
    # the summary table
    assert re.search(r"BIO004\s+unencrypted-biometric-storage\s+medium\s+2", out)
    assert re.search(r"BIO003\s+biometric-in-logs\s+high\s+1", out)
    # grouped by file: one header per file, in path order
    headers = [line for line in out.splitlines() if line in {UNICODE_PATH, "app/main.py", "app/a,b:c.py"}]
    assert headers == ["app/a,b:c.py", UNICODE_PATH, "app/main.py"]


def test_text_markup_is_not_interpreted(catalog, result):
    result.findings[0].message = "value [bold]x[/bold] and [/] stray"
    out = text.render(result, catalog=catalog, color=False)
    assert "value [bold]x[/bold] and [/] stray" in out


def test_text_show_suppressed(catalog, result):
    out = text.render(result, catalog=catalog, color=False, show_suppressed=True)
    assert "app/main.py:30:9 BIO003 [high/medium-confidence] face image `crop` printed by `print`" in out
    assert "(suppressed: debug build only, stripped in release)" in out


def test_text_color(catalog, result):
    out = text.render(result, catalog=catalog, color=True, width=120)
    assert "\x1b[" in out
    plain = re.sub(r"\x1b\[[0-9;]*m", "", out)
    assert plain == text.render(result, catalog=catalog, color=False, width=120)


def test_text_no_findings(catalog):
    out = text.render(ScanResult(root=".", files_discovered=2, files_screened=2), catalog=catalog, color=False)
    assert "No findings." in out and "2 screened" in out


def test_text_caret_with_tabs_and_wide_chars(catalog):
    f = _finding(BiometricInLogs, "x.py", 1, 6, "m", end_col=11, snippet="\t人人= log(enc)")
    out = text.render(ScanResult(root=".", findings=[f], rules=[BiometricInLogs()]), catalog=catalog, color=False)
    code = next(line for line in out.splitlines() if line.startswith("1 | "))
    caret = next(line for line in out.splitlines() if "^" in line)
    assert code == "1 |     人人= log(enc)"
    assert caret == "  | " + " " * 10 + "^" * 5  # tab = 4 cells, each CJK char = 2


# -- determinism and the registry ------------------------------------------------------------
@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_deterministic(catalog, fmt):
    kw = {"color": False} if fmt == "text" else {}
    first = render(fmt, make_result(), catalog=catalog, **kw)
    second = render(fmt, make_result(), catalog=catalog, **kw)
    assert first == second
    shuffled = make_result()
    random.Random(4).shuffle(shuffled.findings)
    shuffled.skipped.reverse()
    shuffled.diagnostics.reverse()
    shuffled.rules.reverse()
    assert render(fmt, shuffled, catalog=catalog, **kw) == first


def test_render_dispatch(catalog, result):
    assert set(FORMATS) == {"text", "json", "sarif", "github", "gitlab"}
    assert render("json", result, catalog=catalog) == json_report.render(result, catalog=catalog)
    # options meant for the text reporter are accepted (and ignored) by the others
    for fmt in FORMATS:
        render(fmt, result, catalog=catalog, show_suppressed=True, color=False, width=80)
    assert render("github", result) == github.render(result, catalog=catalog)  # catalog loaded on demand
    with pytest.raises(ValueError, match="unknown report format"):
        render("xml", result, catalog=catalog)
