"""The reviewer's audit report: one self-contained HTML file, or Markdown with the same content.

    bioaudit report . -o audit.html
    bioaudit report . -o audit.md
    bioaudit merge web.json api.json -o org.html

Sections: summary (findings by severity, rule and framework article); scope and coverage
(files analysed, screened, not analysed and why, rules and versions, configuration, what the
report cannot see); findings grouped by article; every finding with its code excerpt and its
data-flow path; an obligations checklist for what code cannot show; and, as an appendix a
reviewer can paste into a PIPIA (PIPL Art. 55-56, FRT Measures Art. 9) or DPIA (GDPR Art.
35), the facial-data inventory.

Both renderers work from the JSON report document (`json_report.build`) plus optional
extras (code excerpts, generation time, merged repositories), so `bioaudit merge` rebuilds
the same report from JSON files written anywhere.

Everything taken from the scanned project (paths, code, messages, identifiers) is escaped:
`html.escape` for HTML, backslash escapes and code spans/fences sized to their content for
Markdown. The HTML has no scripts, fonts, images or links to other sites, and its
Content-Security-Policy forbids them anyway.
"""
from __future__ import annotations

import datetime
import html
import os
import re
from collections import Counter
from pathlib import Path
from typing import Any, Iterable, Sequence

from bioaudit.report import json_report, ruledoc
from bioaudit.report.inventory import CATEGORY_LABELS, KINDS, empty_inventory, merge_inventories, prefix_inventory

SEVERITIES = ("high", "medium", "low")
#: Skip reasons the user chose (counted, not listed one by one unless few).
QUIET_REASONS = frozenset({"excluded", "gitignored", "not-python", "symlink-loop", "duplicate"})
MAX_LISTED = 200
EXCERPT_BEFORE, EXCERPT_AFTER, EXCERPT_MAX = 3, 2, 16
KIND_LABELS = {
    "template": "template (embedding)",
    "landmarks": "landmarks (geometry)",
    "face-image": "face image",
    "attributes": "attributes (age, gender, emotion...)",
}

LIMITATIONS = (
    "Only Python source is analysed; templates, SQL migrations, infrastructure code, mobile or web clients and other services are not.",
    "Files listed as not analysed above were not read as code; screened files were read and judged not to touch facial data (they import no face library and exchange no data with code that does).",
    "Consent, encryption or retention enforced outside this code (an API gateway, database or disk encryption, bucket policies, a separate service) is not visible; findings it covers need a suppression with the reason.",
    "Calls through dynamic dispatch (getattr, plugin registries, callbacks registered at runtime) and values only known at runtime (configuration, environment) may hide data flows.",
    "The obligations checklist lists what no code can show; the scan only supplies evidence for it.",
    "Summaries of the law are paraphrases to guide engineers, not legal advice; check the official text before relying on an article.",
)


# -- small helpers ------------------------------------------------------------------------
def _s(value: Any) -> str:
    text = "" if value is None else str(value)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a file name that is not UTF-8 (surrogate escapes): show, don't crash
        text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def _i(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else (plural or word + 's')}"


def _one_line(text: Any) -> str:
    return " ".join(_s(text).split())


def _loc(path: Any, line: Any) -> str:
    line = _i(line)
    return f"{_s(path)}:{line}" if line > 0 else _s(path)


def generated_at() -> str:
    """UTC time of generation; SOURCE_DATE_EPOCH (reproducible builds) wins when set."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        moment = datetime.datetime.fromtimestamp(int(epoch), tz=datetime.timezone.utc)
    else:
        moment = datetime.datetime.now(tz=datetime.timezone.utc)
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")


# -- the document -------------------------------------------------------------------------
def config_settings(config: Any) -> dict:
    """The settings of a `Config` that shape findings, by [tool.bioaudit] key (for reports)."""
    out: dict[str, Any] = {
        "select": list(getattr(config, "select", []) or []),
        "ignore": list(getattr(config, "ignore", []) or []),
        "fail-on": getattr(config, "fail_on", "low"),
        "min-confidence": getattr(config, "min_confidence", "low"),
        "exclude": list(config.exclude) if getattr(config, "exclude", None) is not None else "(defaults)",
        "extend-exclude": list(getattr(config, "extend_exclude", []) or []),
        "respect-gitignore": bool(getattr(config, "respect_gitignore", True)),
    }
    optional = {
        "per-file-ignores": getattr(config, "per_file_ignores", None),
        "consent-functions": getattr(config, "consent_functions", None),
        "consent-decorators": getattr(config, "consent_decorators", None),
        "consent-attributes": getattr(config, "consent_attributes", None),
        "encrypt-functions": getattr(config, "encrypt_functions", None),
        "fallback-functions": getattr(config, "fallback_functions", None),
        "auth-actions": getattr(config, "auth_actions", None),
        "log-functions": getattr(config, "log_functions", None),
        "storage-functions": getattr(config, "storage_functions", None),
        "face-apis": [api.get("call", "?") for api in getattr(config, "face_apis", None) or []],
        "declared-fallback": getattr(config, "declared_fallback", None),
        "rules": getattr(config, "rule_options", None),
    }
    out.update({k: v for k, v in optional.items() if v})
    return out


def _excerpt(root: Path, path: str, first: int, last: int, cache: dict) -> dict | None:
    lines = cache.get(path)
    if lines is None:
        try:
            data = (root / path).read_bytes()
        except (OSError, ValueError):
            cache[path] = []
            return None
        lines = data.decode("utf-8", "replace").splitlines()
        cache[path] = lines
    if not lines or first < 1 or first > len(lines):
        return None
    start = max(1, first - EXCERPT_BEFORE)
    end = min(len(lines), max(first, last) + EXCERPT_AFTER, start + EXCERPT_MAX - 1)
    return {"start": start, "lines": [line.expandtabs(4) for line in lines[start - 1 : end]]}


def audit_doc(result: Any, *, catalog: Any, frameworks: Sequence[str] | None = None, excerpts: bool = True) -> dict:
    """The JSON report of `result`, plus code excerpts read from the scanned files (the
    reported lines with a little context, and each flow step's line) and the time."""
    doc = json_report.build(result, catalog=catalog, frameworks=frameworks)
    doc["generated"] = generated_at()
    if excerpts and result.root:
        root = Path(result.root)
        cache: dict[str, list[str]] = {}
        for finding in doc["findings"]:
            ex = _excerpt(root, finding["path"], finding["line"], finding["end_line"] or finding["line"], cache)
            if ex is not None:
                finding["excerpt"] = ex
            for step in finding["flow"]:
                lines = cache.get(step["path"])
                if lines is None:
                    _excerpt(root, step["path"], 1, 1, cache)
                    lines = cache.get(step["path"]) or []
                if 0 < step["line"] <= len(lines):
                    step["code"] = lines[step["line"] - 1].strip()
    return doc


class MergeError(Exception):
    """A file given to `bioaudit merge` is not a bioaudit JSON report (exit code 2)."""


def check_report(doc: Any, where: str) -> dict:
    if not isinstance(doc, dict) or doc.get("schema") != json_report.SCHEMA_URL:
        raise MergeError(
            f"{where} is not a bioaudit JSON report (no \"schema\": \"{json_report.SCHEMA_URL}\"); "
            "write one with `bioaudit scan --format json -o report.json`"
        )
    if doc.get("version") != json_report.SCHEMA_VERSION:
        raise MergeError(f"{where} is a version {doc.get('version')!r} report; this bioaudit merges version {json_report.SCHEMA_VERSION}")
    for key in ("findings", "not_analysed", "diagnostics"):
        if not isinstance(doc.get(key, []), list):
            raise MergeError(f"{where}: \"{key}\" must be a list")
    if not isinstance(doc.get("summary", {}), dict):
        raise MergeError(f"{where}: \"summary\" must be an object")
    return doc


def _prefixed(path: Any, label: str) -> str:
    return f"{label}/{_s(path)}" if label else _s(path)


def merge_docs(reports: Iterable[tuple[str, dict]], *, frameworks: Sequence[str] | None = None) -> dict:
    """One report document from several repositories' JSON reports, `(label, doc)` each.
    Paths become `label/path`; counts are summed; each repository keeps its own row in
    `repositories` (root, tool version, configuration, counts)."""
    reports = list(reports)
    findings, not_analysed, diagnostics, inventories, repositories = [], [], [], [], []
    rules: dict[str, dict] = {}
    summary = {
        "files_discovered": 0, "files_analysed": 0, "files_screened": 0, "files_skipped": 0,
        "findings": 0, "suppressed": 0, "by_severity": {s: 0 for s in SEVERITIES}, "by_rule": {},
    }
    frameworks_seen: list[str] = []
    for label, doc in reports:
        summ = _dict(doc.get("summary"))
        for key in ("files_discovered", "files_analysed", "files_screened", "files_skipped", "findings", "suppressed"):
            summary[key] += _i(summ.get(key))
        for finding in _list(doc.get("findings")):
            if not isinstance(finding, dict):
                continue
            f = dict(finding)
            f["path"] = _prefixed(f.get("path"), label)
            f["flow"] = [
                {**step, "path": _prefixed(step.get("path"), label)} for step in _list(f.get("flow")) if isinstance(step, dict)
            ]
            f["repository"] = label
            findings.append(f)
            if not f.get("suppressed"):
                sev = _s(f.get("severity"))
                if sev in summary["by_severity"]:
                    summary["by_severity"][sev] += 1
                rid = _s(f.get("rule_id"))
                summary["by_rule"][rid] = summary["by_rule"].get(rid, 0) + 1
        for item in _list(doc.get("not_analysed")):
            if isinstance(item, dict):
                not_analysed.append({**item, "path": _prefixed(item.get("path"), label)})
        for item in _list(doc.get("diagnostics")):
            if isinstance(item, dict):
                diagnostics.append({**item, "path": _prefixed(item.get("path"), label) if item.get("path") else ""})
        for rule in _list(doc.get("rules")):
            if not isinstance(rule, dict):
                continue
            rid = _s(rule.get("id"))
            entry = rules.setdefault(rid, {**rule, "version": ""})
            versions = [v for v in entry["version"].split(", ") if v]
            version = _s(rule.get("version"))
            if version and version not in versions:
                versions.append(version)
            entry["version"] = ", ".join(versions)
        config = _dict(doc.get("config"))
        for fid in _list(config.get("frameworks")):
            if isinstance(fid, str) and fid not in frameworks_seen:
                frameworks_seen.append(fid)
        inventories.append(prefix_inventory(_dict(doc.get("inventory")), label))
        repositories.append(
            {
                "label": label,
                "root": _s(doc.get("root")),
                "tool_version": _s(_dict(doc.get("tool")).get("version")),
                "config_source": _s(config.get("source")),
                "frameworks": [f for f in _list(config.get("frameworks")) if isinstance(f, str)],
                "settings": _dict(config.get("settings")),
                "findings": _i(summ.get("findings")),
                "files_analysed": _i(summ.get("files_analysed")),
                "files_skipped": _i(summ.get("files_skipped")),
            }
        )
    summary["by_rule"] = dict(sorted(summary["by_rule"].items()))
    findings.sort(key=lambda f: (_s(f.get("path")), _i(f.get("line")), _i(f.get("column")), _s(f.get("rule_id"))))
    return {
        "schema": json_report.SCHEMA_URL,
        "version": json_report.SCHEMA_VERSION,
        "tool": {"name": "bioaudit", "version": json_report.tool_version()},
        "root": ", ".join(label for label, _ in reports),
        "summary": summary,
        "findings": findings,
        "not_analysed": sorted(not_analysed, key=lambda s: (_s(s.get("path")), _s(s.get("reason")))),
        "diagnostics": diagnostics,
        "rules": [rules[k] for k in sorted(rules)],
        "config": {"source": "", "frameworks": list(frameworks) if frameworks is not None else frameworks_seen},
        "inventory": merge_inventories(inventories),
        "repositories": repositories,
        "generated": generated_at(),
    }


# -- the content both renderers lay out ----------------------------------------------------
class _Article:
    """An article as ruledoc's helpers expect it (framework, id, title)."""

    def __init__(self, framework: str, id: str, title: str) -> None:
        self.framework, self.id, self.title = framework, id, title


def _article_info(catalog: Any, framework: str, article: str, title: str = "") -> dict:
    ref = f"{framework}:{article}"
    summary, verified = "", True
    try:
        found = catalog.resolve(ref)
        title = title or found.title
        summary, verified = found.summary, found.verified
    except Exception:
        pass
    obj = _Article(framework, article, title)
    return {
        "ref": ref,
        "framework": framework,
        "article": article,
        "name": ruledoc.article_name(obj, catalog),
        "label": ruledoc.article_label(article),
        "title": title,
        "summary": summary,
        "verified": verified,
        "anchor": "art-" + re.sub(r"[^a-z0-9]+", "-", ref.lower()).strip("-"),
    }


def _framework_order(catalog: Any, frameworks: Sequence[str]) -> list[str]:
    known = list(getattr(catalog, "frameworks", {}) or {})
    return sorted(frameworks, key=lambda f: (known.index(f) if f in known else len(known), f))


# Obligations no code can show, with the articles they come from and what the scan finds
# that bears on them (filled in by `_checklist`).
CHECKLIST = (
    {
        "id": "impact-assessment",
        "title": "Personal information protection impact assessment (PIPIA) / data protection impact assessment (DPIA)",
        "refs": ("cn-pipl:art-55", "cn-pipl:art-56", "cn-frt-2025:art-9", "eu-gdpr:art-35"),
        "todo": "Carry out and record the assessment before processing; keep the report and processing records for at least 3 years (PIPL, FRT Measures); reassess on material change. Appendix A is the technical part of its evidence.",
    },
    {
        "id": "filing-100k",
        "title": "Filing with the provincial cyberspace administration at 100,000 people",
        "refs": ("cn-frt-2025:art-15",),
        "todo": "Count the distinct people whose facial information the stores below hold. At 100,000 or more, file within 30 working days (purpose, method, volume, safeguards, PIPIA report) and file changes and deregistration.",
    },
    {
        "id": "signage",
        "title": "Signage and public-place limits for face capture devices",
        "refs": ("cn-frt-2025:art-13", "cn-pipl:art-26"),
        "todo": "Where capture runs on cameras in public places: a public-safety necessity, a bounded capture zone and conspicuous signs; never in private spaces (hotel rooms, changing rooms, toilets).",
    },
    {
        "id": "retention",
        "title": "Written retention policy and deletion of facial data",
        "refs": ("us-il-bipa:sec-15-a", "cn-frt-2025:art-8", "cn-pipl:art-19", "cn-pipl:art-47", "eu-gdpr:art-5-1-e", "eu-gdpr:art-17", "us-tx-cubi:503-001-c-3", "us-coppa:312-10"),
        "todo": "Publish a retention schedule (BIPA: destroy when the purpose is met or within 3 years of the last interaction) and make sure every store below has a deletion path that follows it, including backups and caches.",
    },
    {
        "id": "minors",
        "title": "Guardian consent for children (under 14 in China, under 13 for COPPA, under 16 by default in the EU)",
        "refs": ("cn-frt-2025:art-7", "cn-pipl:art-31", "eu-gdpr:art-8", "us-coppa:312-5"),
        "todo": "Decide whether children can reach this processing. If so: verifiable parent or guardian consent before capture and dedicated processing rules; an estimated age is not consent.",
    },
    {
        "id": "notice-consent",
        "title": "Notice, separate consent and its records",
        "refs": ("cn-frt-2025:art-5", "cn-frt-2025:art-6", "cn-pipl:art-29", "eu-gdpr:art-9-2-a", "eu-gdpr:art-13", "us-il-bipa:sec-15-b", "us-tx-cubi:503-001-b"),
        "todo": "Keep the notice text (processor, purpose, method, retention, rights) and the written release / separate consent records; offer an easy way to withdraw. Code can show where consent is checked, not what the person was told.",
    },
    {
        "id": "transfers",
        "title": "Processors, third parties and cross-border transfers",
        "refs": ("cn-pipl:art-21", "cn-pipl:art-23", "cn-pipl:art-38", "cn-pipl:art-39", "cn-frt-2025:art-8", "eu-gdpr:art-28", "eu-gdpr:art-44", "eu-gdpr:art-46", "us-il-bipa:sec-15-d"),
        "todo": "For each service below: a processing contract, the transfer mechanism (security assessment, certification or standard contract under PIPL; adequacy or SCCs under GDPR), separate consent where required, and the processing country confirmed with the vendor.",
    },
    {
        "id": "alternative",
        "title": "A non-face alternative for everyone who declines face recognition",
        "refs": ("cn-frt-2025:art-10", "cn-pipl:art-16"),
        "todo": "Confirm the alternative is offered in practice (staffed desk, card, PIN, document check) and that declining face recognition does not degrade the service.",
    },
    {
        "id": "inference",
        "title": "Emotion recognition and sensitive categorisation",
        "refs": ("eu-ai-act:art-5-1-f", "eu-ai-act:art-5-1-g", "eu-ai-act:art-50-3"),
        "todo": "Confirm no emotion is inferred at work or in education and no race, religion, politics or orientation is inferred from faces; where other attributes are inferred, tell the people exposed.",
    },
)


def _checklist(inv: dict, findings: list[dict], catalog: Any, frameworks: Sequence[str]) -> list[dict]:
    calls = [c for c in _list(inv.get("face_calls")) if isinstance(c, dict)]
    stored = [s for s in _list(inv.get("stored")) if isinstance(s, dict)]
    logged = _list(inv.get("logged"))
    sent = [s for s in _list(inv.get("sent")) if isinstance(s, dict)]
    services = [s for s in _list(inv.get("third_parties")) if isinstance(s, dict)]
    decisions = [d for d in _list(inv.get("decisions")) if isinstance(d, dict)]
    fallbacks = [f for f in _list(inv.get("fallbacks")) if isinstance(f, dict)]
    modules = {_s(c.get("path")) for c in calls}
    kinds = sorted({k for m in _list(inv.get("modules")) if isinstance(m, dict) for k in _list(m.get("kinds"))}, key=lambda k: KINDS.index(k) if k in KINDS else 9)
    by_rule = Counter(_s(f.get("rule_id")) for f in findings)
    unguarded = [c for c in calls if not c.get("consent_checked", True)]
    plain = [s for s in stored if _list(s.get("kinds"))]
    enrol = [c for c in calls if c.get("category") == "enroll"]
    identify = [c for c in calls if c.get("category") == "identify"]
    detect = [c for c in calls if c.get("category") in ("detect", "template", "landmarks", "enroll", "analyze")]
    analyze = [c for c in calls if c.get("category") == "analyze" or "attributes" in _list(c.get("kinds"))]

    def places(items: list[dict], limit: int = 6) -> str:
        text = ", ".join(
            f"`{_loc(i.get('path'), i.get('line'))}`" + (f" (`{_s(i.get('store'))}`)" if i.get("store") else "") for i in items[:limit]
        )
        return text + (f" and {len(items) - limit} more" if len(items) > limit else "")

    def service_text() -> str:
        return "; ".join(f"{_s(s.get('vendor'))} ({_s(s.get('region')) or 'processing country not catalogued'})" for s in services)

    evidence: dict[str, list[str]] = {
        "impact-assessment": [
            f"{_plural(len(calls), 'face-processing call')} in {_plural(len(modules), 'module')}" + (f", handling {', '.join(KIND_LABELS.get(k, k) for k in kinds)}" if kinds else "") + ".",
            f"Facial data stored in {_plural(len(stored), 'place')} ({len(plain)} unencrypted), logged in {len(logged)}, sent out of the process in {len(sent)}.",
            (f"Third-party face services: {service_text()}." if services else "No third-party face service called."),
            f"Findings: {sum(by_rule.values())} active (see section 3). Appendix A lists every place.",
        ],
        "filing-100k": [
            (f"Facial data is persisted in {_plural(len(stored), 'place')}: {places(stored)}." if stored else "No code that persists facial data was found."),
            (f"{_plural(len(enrol), 'enrolment call')} ({places(enrol)}): these build a face database." if enrol else "No enrolment call found."),
            *( [f"Face databases may also be held by vendors: {service_text()}."] if services else [] ),
        ],
        "signage": [
            (f"{_plural(len(identify), '1:N identification call')}: {places(identify)}." if identify else "No 1:N identification call found."),
            f"{_plural(len(detect), 'call')} detect or capture faces from images or frames.",
            *([f"{_plural(len(decisions), 'face match')} decide access, login or attendance: {places(decisions)}."] if decisions else []),
        ],
        "retention": [
            (f"Stores to cover: {places(stored, 12)}." if stored else "No store of facial data found in the code."),
            f"{_plural(len(logged), 'log or console output')} receive facial data (logs are stores too; see BIO003 findings).",
            f"{by_rule.get('BIO008', 0)} BIO008 no-retention-limit findings: stores with no deletion, expiry or clean-up path in the code.",
        ],
        "minors": [
            (f"{_plural(len(analyze), 'call')} infer attributes (age estimation possible): {places(analyze)}." if analyze else "No attribute inference (age estimation) found."),
            f"{_plural(len(calls), 'face-processing call')} in total; the code cannot show who the users are.",
            f"{by_rule.get('BIO010', 0)} BIO010 minor-without-guardian-consent findings: age read or estimated with no guardian-consent check.",
        ],
        "notice-consent": [
            f"{len(calls) - len(unguarded)} of {_plural(len(calls), 'face-processing call')} check consent on every path; {len(unguarded)} do not" + (f" ({places(unguarded)})." if unguarded else "."),
            f"{by_rule.get('BIO001', 0)} BIO001 consent-missing findings.",
        ],
        "transfers": [
            (f"Third-party face services: {service_text()}." if services else "No third-party face service called."),
            (f"Facial data leaves the process at {_plural(len(sent), 'place')}: {places(sent)}." if sent else "No network transfer of facial data found."),
        ],
        "alternative": [
            (f"{_plural(len(decisions), 'face match')} decide an outcome: {places(decisions)}." if decisions else "No face match decides an outcome in the code."),
            (f"Non-face ways found: {', '.join(sorted({_s(f.get('how')) for f in fallbacks}))}." if fallbacks else "No non-face way to the same outcomes found."),
            f"{by_rule.get('BIO002', 0)} BIO002 no-fallback-verification findings.",
        ],
        "inference": [
            (f"{_plural(len(analyze), 'call')} infer face attributes: {places(analyze)}." if analyze else "No face attribute inference found."),
        ],
    }
    selected = set(frameworks)
    items = []
    for item in CHECKLIST:
        refs = [r for r in item["refs"] if r.split(":", 1)[0] in selected]
        if not refs:
            continue
        articles = [_article_info(catalog, *ref.split(":", 1)) for ref in refs]
        items.append({**item, "articles": articles, "evidence": evidence.get(item["id"], [])})
    return items


def content(doc: dict, *, catalog: Any, frameworks: Sequence[str] | None = None, title: str | None = None) -> dict:
    """Everything the report shows, computed once for both renderers."""
    config = _dict(doc.get("config"))
    shown = list(frameworks) if frameworks is not None else [f for f in _list(config.get("frameworks")) if isinstance(f, str)]
    if not shown:
        shown = list(getattr(catalog, "frameworks", {}) or {})
    shown = _framework_order(catalog, shown)
    selected = set(shown)

    all_findings = [f for f in _list(doc.get("findings")) if isinstance(f, dict)]
    active = [f for f in all_findings if not f.get("suppressed")]
    suppressed = [f for f in all_findings if f.get("suppressed")]
    numbered = []
    for n, finding in enumerate(active, 1):
        arts = [
            {**_article_info(catalog, _s(a.get("framework")), _s(a.get("article")), _s(a.get("title"))), "reason": _s(a.get("reason"))}
            for a in _list(finding.get("articles"))
            if isinstance(a, dict) and _s(a.get("framework")) in selected
        ]
        numbered.append({**finding, "n": n, "anchor": f"f-{n}", "arts": arts})

    # by framework -> article (catalog order), the findings that break it
    groups: dict[str, dict[str, dict]] = {}
    for finding in numbered:
        for art in finding["arts"]:
            fw = groups.setdefault(art["framework"], {})
            entry = fw.setdefault(art["article"], {**art, "findings": []})
            entry["findings"].append((finding, art["reason"]))
    by_article = []
    for fid in shown:
        arts = groups.get(fid)
        if not arts:
            continue
        framework = getattr(catalog, "frameworks", {}).get(fid)
        order = list(framework.articles) if framework is not None else []
        items = sorted(arts.values(), key=lambda a: (order.index(a["article"]) if a["article"] in order else len(order), a["article"]))
        by_article.append(
            {
                "id": fid,
                "title": ruledoc.framework_title(catalog, fid),
                "short": ruledoc.framework_short(catalog, fid),
                "anchor": "fw-" + re.sub(r"[^a-z0-9]+", "-", fid.lower()).strip("-"),
                "articles": items,
            }
        )

    rules = {(_s(r.get("id"))): r for r in _list(doc.get("rules")) if isinstance(r, dict)}
    rule_counts = Counter(_s(f.get("rule_id")) for f in active)
    by_rule = []
    for rid in sorted(set(rule_counts) | set(rules)):
        meta = rules.get(rid, {})
        name = _s(meta.get("name")) or next((_s(f.get("rule_name")) for f in active if f.get("rule_id") == rid), "")
        by_rule.append({"id": rid, "name": name, "severity": _s(meta.get("severity")), "summary": _s(meta.get("summary")), "count": rule_counts.get(rid, 0)})
    by_rule.sort(key=lambda r: (-r["count"], r["id"]))
    sev = Counter(_s(f.get("severity")) for f in active)

    skipped = [s for s in _list(doc.get("not_analysed")) if isinstance(s, dict)]
    reasons = Counter(_s(s.get("reason")) for s in skipped)
    inventory = _dict(doc.get("inventory")) or empty_inventory()
    summary = _dict(doc.get("summary"))
    root = _s(doc.get("root"))
    return {
        "title": title or (f"Facial-biometrics audit: {root}" if root else "Facial-biometrics audit"),
        "root": root,
        "tool_version": _s(_dict(doc.get("tool")).get("version")),
        "generated": _s(doc.get("generated")),
        "frameworks": [
            {"id": f, "title": ruledoc.framework_title(catalog, f), "short": ruledoc.framework_short(catalog, f)} for f in shown
        ],
        "summary": summary,
        "severity_counts": {s: sev.get(s, 0) for s in SEVERITIES},
        "active": numbered,
        "suppressed": suppressed,
        "by_rule": by_rule,
        "by_article": by_article,
        "files_with": len({_s(f.get("path")) for f in active}),
        "skipped": skipped,
        "skip_reasons": sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0])),
        "unparsable": [s for s in skipped if _s(s.get("reason")) not in QUIET_REASONS],
        "quiet": [s for s in skipped if _s(s.get("reason")) in QUIET_REASONS],
        "diagnostics": [d for d in _list(doc.get("diagnostics")) if isinstance(d, dict)],
        "rules": [rules[k] for k in sorted(rules)],
        "config": config,
        "repositories": [r for r in _list(doc.get("repositories")) if isinstance(r, dict)],
        "inventory": inventory,
        "checklist": _checklist(inventory, numbered, catalog, shown),
    }


def _kinds_text(kinds: Any) -> str:
    return ", ".join(KIND_LABELS.get(_s(k), _s(k)) for k in _list(kinds)) or "—"


def _settings_rows(settings: dict) -> list[tuple[str, str]]:
    rows = []
    for key, value in settings.items():
        if isinstance(value, list):
            text = ", ".join(_s(v) for v in value) or "(none)"
        elif isinstance(value, dict):
            text = "; ".join(f"{k} = {v}" for k, v in value.items()) or "(none)"
        elif isinstance(value, bool):
            text = "true" if value else "false"
        else:
            text = _s(value)
        rows.append((_s(key), text))
    return rows


def _inventory_tables(inv: dict, findings: list[dict]) -> list[dict]:
    """The appendix as (title, intro, header, rows) tables; every cell a plain string
    (code-like cells are marked by their header in `CODE_COLUMNS`)."""
    at: dict[tuple[str, int], set[str]] = {}
    for f in findings:
        at.setdefault((_s(f.get("path")), _i(f.get("line"))), set()).add(_s(f.get("rule_id")))

    def rules_at(item: dict) -> str:
        return ", ".join(sorted(at.get((_s(item.get("path")), _i(item.get("line"))), ()))) or "—"

    def rows(key: str) -> list[dict]:
        return [i for i in _list(inv.get(key)) if isinstance(i, dict)]

    tables = [
        {
            "id": "inv-capture",
            "title": "A.1 Where faces are captured and processed",
            "intro": "Every call to a face library or face service: what it does, which facial data it reads or produces, and whether every path to it checks consent first.",
            "header": ("location", "function", "API", "purpose", "facial data", "consent checked", "findings"),
            "rows": [
                (
                    _loc(c.get("path"), c.get("line")), _s(c.get("function")), _s(c.get("api")),
                    CATEGORY_LABELS.get(_s(c.get("category")), _s(c.get("category"))) + (" (third-party service)" if c.get("cloud") else ""),
                    _kinds_text(c.get("kinds")), "yes" if c.get("consent_checked") else "no", rules_at(c),
                )
                for c in rows("face_calls")
            ],
        },
        {
            "id": "inv-modules",
            "title": "A.2 Facial data handled by each module",
            "intro": "Kinds of facial data per module, and how many places in it capture, store, log or send them.",
            "header": ("module", *(KIND_LABELS[k].split(" (")[0] for k in KINDS), "captures", "stores", "logs", "sends"),
            "rows": [
                (
                    _s(m.get("path")), *("yes" if k in _list(m.get("kinds")) else "" for k in KINDS),
                    str(_i(m.get("captures"))), str(_i(m.get("stores"))), str(_i(m.get("logs"))), str(_i(m.get("sends"))),
                )
                for m in rows("modules")
            ],
        },
        {
            "id": "inv-stored",
            "title": "A.3 Where facial data is stored",
            "intro": "Files, databases, caches and object stores that receive facial data.",
            "header": ("location", "function", "sink", "store", "unencrypted", "encrypted", "findings"),
            "rows": [
                (
                    _loc(s.get("path"), s.get("line")), _s(s.get("function")), _s(s.get("sink")), _s(s.get("store")) or "—",
                    _kinds_text(s.get("kinds")) if _list(s.get("kinds")) else "—",
                    _kinds_text(s.get("encrypted_kinds")) if _list(s.get("encrypted_kinds")) else "—", rules_at(s),
                )
                for s in rows("stored")
            ],
        },
        {
            "id": "inv-logged",
            "title": "A.4 Where facial data is logged",
            "intro": "Logging and console output that receives facial data.",
            "header": ("location", "function", "sink", "facial data", "findings"),
            "rows": [
                (_loc(s.get("path"), s.get("line")), _s(s.get("function")), _s(s.get("sink")), _kinds_text(s.get("kinds")), rules_at(s))
                for s in rows("logged")
            ],
        },
        {
            "id": "inv-sent",
            "title": "A.5 Where facial data is sent",
            "intro": "Network calls that carry facial data, and calls that hand faces to a third-party face service.",
            "header": ("location", "function", "call", "destination", "processing country / region", "facial data", "findings"),
            "rows": [
                (
                    _loc(s.get("path"), s.get("line")), _s(s.get("function")), _s(s.get("sink")), _s(s.get("target")) or "—",
                    _s(s.get("region")) or "—",
                    _kinds_text([*_list(s.get("kinds")), *_list(s.get("encrypted_kinds"))]), rules_at(s),
                )
                for s in rows("sent")
            ],
        },
        {
            "id": "inv-vendors",
            "title": "A.6 Third-party face services",
            "intro": "Vendors that receive faces, where they process them (from bioaudit's catalog: confirm with the vendor and your contract), and the calls.",
            "header": ("vendor", "library", "processing country / region", "APIs", "call sites"),
            "rows": [
                (
                    _s(s.get("vendor")), _s(s.get("library")), _s(s.get("region")) or "not catalogued",
                    ", ".join(_s(a) for a in _list(s.get("apis"))),
                    ", ".join(_loc(x.get("path"), x.get("line")) for x in _list(s.get("sites")) if isinstance(x, dict)),
                )
                for s in rows("third_parties")
            ],
        },
        {
            "id": "inv-decisions",
            "title": "A.7 Decisions made on a face match, and the non-face alternatives",
            "intro": "Face matches whose result logs someone in, opens a door, marks attendance or approves an identity, and the non-face ways to the same end found in the code.",
            "header": ("location", "API", "decides", "action", "non-face alternative"),
            "rows": [],
        },
    ]
    fallbacks = rows("fallbacks")
    for d in rows("decisions"):
        ends = {_s(e) for e in _list(d.get("ends"))}
        alts = sorted({f"{_s(f.get('how'))} ({_loc(f.get('path'), f.get('line'))})" for f in fallbacks if ends & {_s(e) for e in _list(f.get("ends"))}})
        action = _dict(d.get("action"))
        tables[-1]["rows"].append(
            (
                _loc(d.get("path"), d.get("line")), _s(d.get("api")), ", ".join(sorted(ends)),
                f"{_loc(action.get('path'), action.get('line'))} {_s(action.get('note'))}".strip(),
                "; ".join(alts) or "none found",
            )
        )
    others = rows("other_sinks")
    if others:
        tables.append(
            {
                "id": "inv-other",
                "title": "A.8 Other places facial data reaches",
                "intro": "Sinks of other kinds the engine knows.",
                "header": ("location", "function", "sink", "kind of sink", "facial data", "findings"),
                "rows": [
                    (_loc(s.get("path"), s.get("line")), _s(s.get("function")), _s(s.get("sink")), _s(s.get("category")), _kinds_text(s.get("kinds")), rules_at(s))
                    for s in others
                ],
            }
        )
    return tables


#: Inventory columns whose cells are code (identifiers, paths): shown in code style.
CODE_COLUMNS = frozenset({"location", "function", "API", "sink", "call", "module", "APIs", "call sites", "store"})


# -- HTML ---------------------------------------------------------------------------------
CSS = """
:root{--fg:#1b1f24;--muted:#57606a;--line:#d0d7de;--bg-soft:#f6f8fa;--high:#b42318;--medium:#9a6700;--low:#0969da;--ok:#1a7f37}
*{box-sizing:border-box}
html{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--fg);background:#fff}
body{margin:0 auto;max-width:1100px;padding:24px}
h1{font-size:1.7rem;margin:0 0 .3rem}
h2{font-size:1.35rem;margin:2.2rem 0 .6rem;padding-bottom:.25rem;border-bottom:2px solid var(--line)}
h3{font-size:1.1rem;margin:1.5rem 0 .4rem}
h4{font-size:1rem;margin:1.1rem 0 .3rem}
p,ul,ol,dl{margin:.4rem 0 .8rem}
a{color:#0550ae}
code,pre,.code{font-family:ui-monospace,SFMono-Regular,"DejaVu Sans Mono",Menlo,Consolas,monospace;font-size:.86em}
code{overflow-wrap:anywhere}
table{border-collapse:collapse;width:100%;margin:.4rem 0 1rem;font-size:.9rem}
th,td{border:1px solid var(--line);padding:.3rem .45rem;text-align:left;vertical-align:top;overflow-wrap:anywhere}
th{background:var(--bg-soft)}
td.num,th.num{text-align:right;white-space:nowrap}
.meta{color:var(--muted);margin:0 0 1rem}
.meta dt{font-weight:600;float:left;clear:left;width:11rem}
.meta dd{margin:0 0 .1rem 11rem}
.muted{color:var(--muted)}
.sev{display:inline-block;padding:0 .4rem;border:1px solid currentColor;border-radius:3px;font-size:.8rem;font-weight:700;text-transform:uppercase}
.sev-high{color:var(--high)}.sev-medium{color:var(--medium)}.sev-low{color:var(--low)}
.cards{display:flex;flex-wrap:wrap;gap:.6rem;margin:.6rem 0 1rem}
.card{border:1px solid var(--line);border-radius:6px;padding:.5rem .8rem;min-width:8rem}
.card b{display:block;font-size:1.5rem}
.finding{border:1px solid var(--line);border-left:5px solid var(--line);border-radius:4px;padding:.6rem .9rem;margin:0 0 1rem}
.finding.high{border-left-color:var(--high)}.finding.medium{border-left-color:var(--medium)}.finding.low{border-left-color:var(--low)}
.finding h3{margin:0 0 .3rem;font-size:1.02rem}
pre.excerpt{background:var(--bg-soft);border:1px solid var(--line);border-radius:4px;padding:.4rem 0;margin:.4rem 0 .6rem;white-space:pre-wrap;overflow-wrap:anywhere}
pre.excerpt span.l{display:block;padding:0 .6rem}
pre.excerpt span.hit{background:#fff1c2;border-left:3px solid var(--medium);padding-left:calc(.6rem - 3px)}
pre.excerpt span.n{display:inline-block;min-width:3.2em;color:var(--muted);user-select:none}
ol.flow li{margin:.15rem 0}
ol.flow .code{display:block;color:var(--muted);white-space:pre-wrap;overflow-wrap:anywhere}
ul.articles li{margin:.15rem 0}
.unverified{color:var(--medium);font-size:.85em}
ul.checklist{list-style:none;padding-left:0}
ul.checklist>li{border:1px solid var(--line);border-radius:6px;padding:.5rem .8rem;margin:0 0 .8rem;break-inside:avoid}
.box{font-size:1.2rem;margin-right:.4rem}
nav.toc ol{columns:2}
.appendix{border-top:3px double var(--line);margin-top:2.5rem}
footer{margin-top:3rem;color:var(--muted);font-size:.85rem;border-top:1px solid var(--line);padding-top:.6rem}
@page{size:A4;margin:16mm 14mm}
@media print{
  html{font-size:10.5pt}
  body{max-width:none;padding:0}
  nav.toc{display:none}
  a{color:inherit;text-decoration:none}
  h2{break-after:avoid}
  h3,h4{break-after:avoid}
  .finding,tr,.card,ul.checklist>li{break-inside:avoid}
  #findings-by-article,#findings,#checklist,#inventory{break-before:page}
  pre.excerpt span.hit{background:none;font-weight:700}
  *{-webkit-print-color-adjust:exact;print-color-adjust:exact}
}
"""

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"


def _e(value: Any) -> str:
    return html.escape(_s(value), quote=True)


_TICKED = re.compile(r"(`+)(.+?)\1", re.S)


def _segments(text: str) -> list[tuple[bool, str]]:
    """Split text on `backticked` spans: [(is_code, text), ...]."""
    out, pos = [], 0
    for match in _TICKED.finditer(text):
        if match.start() > pos:
            out.append((False, text[pos : match.start()]))
        out.append((True, match.group(2).strip() or match.group(2)))
        pos = match.end()
    if pos < len(text):
        out.append((False, text[pos:]))
    return out


def _collapse(value: Any) -> str:
    return re.sub(r"\s+", " ", _s(value)).strip()


def _rich(value: Any) -> str:
    """Escaped HTML for a message or note: `identifiers` in backticks become <code>."""
    return "".join(_code(seg) if is_code else _e(seg) for is_code, seg in _segments(_collapse(value)))


def _code(value: Any) -> str:
    return f"<code>{_e(value)}</code>"


def _sev(sev: Any) -> str:
    s = _s(sev)
    cls = s if s in SEVERITIES else "low"
    return f'<span class="sev sev-{cls}">{_e(s or "?")}</span>'


def _table_html(header: Sequence[str], rows: Iterable[Sequence[str]], code_cols: Iterable[int] = (), num_cols: Iterable[int] = ()) -> str:
    code_cols, num_cols = set(code_cols), set(num_cols)
    num = ' class="num"'
    head = "".join(f"<th{num if i in num_cols else ''}>{_e(h)}</th>" for i, h in enumerate(header))
    body = []
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            text = _s(cell)
            inner = _code(text) if i in code_cols and text and text != "—" else _rich(text)
            cells.append(f"<td{num if i in num_cols else ''}>{inner}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    if not body:
        return '<p class="muted">None found.</p>'
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _excerpt_html(finding: dict) -> str:
    ex = _dict(finding.get("excerpt"))
    first, last = _i(finding.get("line")), max(_i(finding.get("line")), _i(finding.get("end_line")))
    lines = [(_i(ex.get("start")) + i, _s(text)) for i, text in enumerate(_list(ex.get("lines")))] if ex else []
    if not lines:
        snippet = _s(finding.get("snippet")).rstrip("\r\n")
        if not snippet.strip():
            return ""
        lines = [(first, snippet.expandtabs(4))]
    out = []
    for number, text in lines:
        hit = " hit" if first <= number <= last else ""
        out.append(f'<span class="l{hit}"><span class="n">{number}</span>{_e(text)}</span>')
    return '<pre class="excerpt">' + "".join(out) + "</pre>"


def _flow_html(finding: dict) -> str:
    steps = [s for s in _list(finding.get("flow")) if isinstance(s, dict)]
    if not steps:
        return ""
    items = []
    last = len(steps)
    for i, step in enumerate(steps, 1):
        role = "source" if i == 1 else "sink" if i == last else "step"
        code = f'<span class="code">{_e(step.get("code"))}</span>' if step.get("code") else ""
        items.append(f"<li><b>{role}</b> {_code(_loc(step.get('path'), step.get('line')))} {_rich(step.get('note'))}{code}</li>")
    return '<p><b>Data flow</b> (source to sink):</p><ol class="flow">' + "".join(items) + "</ol>"


def _finding_html(f: dict) -> str:
    sev = _s(f.get("severity"))
    parts = [
        f'<article class="finding {_e(sev if sev in SEVERITIES else "low")}" id="{f["anchor"]}">',
        f"<h3>F{f['n']} · {_e(f.get('rule_id'))} <span class=\"muted\">{_e(f.get('rule_name'))}</span> {_sev(sev)}</h3>",
        f"<p>{_code(_loc(f.get('path'), f.get('line')))} in {_code(f.get('function') or '<module>')}"
        f' · confidence {_e(f.get("confidence"))}</p>',
        f"<p>{_rich(f.get('message'))}</p>",
        _excerpt_html(f),
        _flow_html(f),
    ]
    if f["arts"]:
        parts.append("<p><b>Breaks</b>:</p><ul class=\"articles\">")
        for a in f["arts"]:
            unverified = ' <span class="unverified">(article number to re-check)</span>' if not a["verified"] else ""
            reason = f": {_rich(a['reason'])}" if a["reason"] else ""
            parts.append(f'<li><a href="#{a["anchor"]}">{_e(a["name"])}</a> — {_e(a["title"])}{reason}{unverified}</li>')
        parts.append("</ul>")
    if f.get("fix"):
        parts.append(f"<p><b>Fix</b>: {_rich(f.get('fix'))}</p>")
    if f.get("fingerprint"):
        parts.append(f'<p class="muted">fingerprint {_code(f.get("fingerprint"))}</p>')
    parts.append("</article>")
    return "\n".join(p for p in parts if p)


def render_html(doc: dict, *, catalog: Any, frameworks: Sequence[str] | None = None, title: str | None = None) -> str:
    c = content(doc, catalog=catalog, frameworks=frameworks, title=title)
    out: list[str] = []
    w = out.append
    w("<!DOCTYPE html>")
    w('<html lang="en">')
    w("<head>")
    w('<meta charset="utf-8">')
    w(f'<meta http-equiv="Content-Security-Policy" content="{CSP}">')
    w('<meta name="viewport" content="width=device-width, initial-scale=1">')
    w(f'<meta name="generator" content="bioaudit {_e(c["tool_version"])}">')
    w('<meta name="referrer" content="no-referrer">')
    w(f"<title>{_e(c['title'])}</title>")
    w(f"<style>{CSS}</style>")
    w("</head>")
    w("<body>")

    # header
    w('<header id="top">')
    w(f"<h1>{_e(c['title'])}</h1>")
    w('<dl class="meta">')
    rows = [
        ("Scanned", _code(c["root"]) if c["root"] else "—"),
        ("Generated", _e(c["generated"] or "—")),
        ("Tool", f"bioaudit {_e(c['tool_version'])}"),
        ("Frameworks shown", ", ".join(f"{_e(f['short'])} ({_code(f['id'])})" for f in c["frameworks"])),
    ]
    for term, value in rows:
        w(f"<dt>{_e(term)}</dt><dd>{value}</dd>")
    w("</dl>")
    w(
        '<p class="muted">Produced by static analysis of the source code: it shows where the code breaks '
        "the articles below and gives the evidence; it is not legal advice, and section 2 says what it "
        "does not cover.</p>"
    )
    w("</header>")
    w('<nav class="toc"><h2>Contents</h2><ol>')
    for anchor, label in (
        ("summary", "Summary"), ("coverage", "Scope and coverage"), ("findings-by-article", "Findings by article"),
        ("findings", "Findings with evidence"), ("checklist", "Obligations checklist"),
        ("inventory", "Appendix A: facial-data inventory (PIPIA / DPIA)"),
    ):
        w(f'<li><a href="#{anchor}">{label}</a></li>')
    w("</ol></nav>")

    # 1. summary
    summ = c["summary"]
    active = c["active"]
    w('<section id="summary">')
    w("<h2>1. Summary</h2>")
    w('<div class="cards">')
    w(f'<div class="card"><b>{len(active)}</b>findings in {_plural(c["files_with"], "file")}</div>')
    for s in SEVERITIES:
        w(f'<div class="card"><b class="sev-{s}">{c["severity_counts"][s]}</b>{s} severity</div>')
    w(f'<div class="card"><b>{_i(summ.get("files_analysed"))}</b>files analysed</div>')
    w(f'<div class="card"><b>{len(c["skipped"])}</b>files not analysed</div>')
    w("</div>")
    if c["suppressed"]:
        w(f'<p class="muted">{_plural(len(c["suppressed"]), "further finding")} silenced by inline suppressions are listed at the end of section 4.</p>')
    w('<h3 id="summary-severity">By severity</h3>')
    w(_table_html(("severity", "findings"), [(s, str(c["severity_counts"][s])) for s in SEVERITIES], num_cols=[1]))
    w('<h3 id="summary-rule">By rule</h3>')
    w(_table_html(("rule", "name", "severity", "what it finds", "findings"), [(r["id"], r["name"], r["severity"], r["summary"], str(r["count"])) for r in c["by_rule"]], code_cols=[1], num_cols=[4]))
    w('<h3 id="summary-article">By framework article</h3>')
    art_rows = []
    for fw in c["by_article"]:
        for a in fw["articles"]:
            art_rows.append((fw["short"], a["label"], a["title"], str(len(a["findings"])), a["anchor"]))
    if art_rows:
        w("<table><thead><tr><th>framework</th><th>article</th><th>title</th><th class=\"num\">findings</th></tr></thead><tbody>")
        for fw_short, name, atitle, count, anchor in art_rows:
            w(f'<tr><td>{_e(fw_short)}</td><td><a href="#{anchor}">{_e(name)}</a></td><td>{_e(atitle)}</td><td class="num">{_e(count)}</td></tr>')
        w("</tbody></table>")
    else:
        w('<p class="muted">No finding breaks an article of the frameworks shown.</p>')
    w("</section>")

    # 2. coverage
    w('<section id="coverage">')
    w("<h2>2. Scope and coverage</h2>")
    if c["repositories"]:
        w("<h3>Repositories merged</h3>")
        w(_table_html(
            ("repository", "root", "bioaudit", "configuration", "frameworks", "files analysed", "not analysed", "findings"),
            [
                (r.get("label"), r.get("root"), r.get("tool_version"), r.get("config_source") or "defaults",
                 ", ".join(_s(x) for x in _list(r.get("frameworks"))), str(_i(r.get("files_analysed"))),
                 str(_i(r.get("files_skipped"))), str(_i(r.get("findings"))))
                for r in c["repositories"]
            ],
            code_cols=[0, 1, 3], num_cols=[5, 6, 7],
        ))
    w("<h3>Files</h3>")
    w(_table_html(
        ("files", "count", "meaning"),
        [
            ("discovered", str(_i(summ.get("files_discovered"))), "Python files found under the scanned paths"),
            ("analysed", str(_i(summ.get("files_analysed"))), "parsed and analysed in depth (they touch facial data, or data flows to or from them)"),
            ("screened", str(_i(summ.get("files_screened"))), "read and judged not to touch facial data by the relevance check"),
            ("not analysed", str(len(c["skipped"])), "skipped: excluded, ignored, unreadable or unparsable (below)"),
        ],
        num_cols=[1],
    ))
    w('<h3 id="not-analysed">Not analysed</h3>')
    if c["skipped"]:
        w(_table_html(("reason", "files"), [(r, str(n)) for r, n in c["skip_reasons"]], code_cols=[0], num_cols=[1]))
        if c["unparsable"]:
            w("<p>Files bioaudit could not read or parse (their code is not covered by this report):</p>")
            w(_table_html(("file", "reason", "detail"), [(s.get("path"), s.get("reason"), s.get("detail")) for s in c["unparsable"][:MAX_LISTED]], code_cols=[0, 1]))
            if len(c["unparsable"]) > MAX_LISTED:
                w(f'<p class="muted">... and {len(c["unparsable"]) - MAX_LISTED} more (see the JSON report).</p>')
        if c["quiet"]:
            w("<p>Files skipped by configuration or .gitignore:</p>")
            w(_table_html(("file", "reason", "detail"), [(s.get("path"), s.get("reason"), s.get("detail")) for s in c["quiet"][:MAX_LISTED]], code_cols=[0, 1]))
            if len(c["quiet"]) > MAX_LISTED:
                w(f'<p class="muted">... and {len(c["quiet"]) - MAX_LISTED} more (see the JSON report).</p>')
    else:
        w("<p>Every discovered file was read.</p>")
    if c["diagnostics"]:
        w('<h3 id="diagnostics">Scan warnings and errors</h3>')
        w(_table_html(("level", "code", "where", "message"), [(d.get("level"), d.get("code"), _loc(d.get("path"), d.get("line")) if d.get("path") else "", d.get("message")) for d in c["diagnostics"]], code_cols=[1, 2]))
    w('<h3 id="rules">Rules run</h3>')
    w(_table_html(("rule", "name", "version", "severity", "what it finds"), [(r.get("id"), r.get("name"), r.get("version"), r.get("severity"), r.get("summary")) for r in c["rules"]], code_cols=[0, 1]))
    w('<p class="muted">Rules not listed were not run.</p>')
    w('<h3 id="configuration">Configuration</h3>')
    config = c["config"]
    settings = _dict(config.get("settings"))
    cfg_rows = [("configuration file", _s(config.get("source")) or "none (defaults)"), ("frameworks", ", ".join(f["id"] for f in c["frameworks"]))]
    cfg_rows += _settings_rows(settings)
    w(_table_html(("setting", "value"), cfg_rows))
    w('<h3 id="limitations">What this report does not cover</h3><ul>')
    for text in LIMITATIONS:
        w(f"<li>{_e(text)}</li>")
    w("</ul>")
    w("</section>")

    # 3. by article
    w('<section id="findings-by-article">')
    w("<h2>3. Findings by article</h2>")
    if not c["by_article"]:
        w('<p class="muted">No findings.</p>')
    for fw in c["by_article"]:
        w(f'<h3 id="{fw["anchor"]}">{_e(fw["short"])} <span class="muted">— {_e(fw["title"])}</span></h3>')
        for a in fw["articles"]:
            unverified = ' <span class="unverified">(article number to re-check against the official text)</span>' if not a["verified"] else ""
            w(f'<h4 id="{a["anchor"]}">{_e(a["name"])} — {_e(a["title"])} <span class="muted">({_plural(len(a["findings"]), "finding")})</span>{unverified}</h4>')
            if a["summary"]:
                w(f'<p class="muted">{_e(a["summary"])}</p>')
            w("<ul>")
            for f, reason in a["findings"]:
                why = f" <i>Why:</i> {_rich(reason)}" if reason else ""
                w(
                    f'<li><a href="#{f["anchor"]}">F{f["n"]}</a> {_sev(f.get("severity"))} {_e(f.get("rule_id"))} '
                    f"{_code(_loc(f.get('path'), f.get('line')))}: {_rich(f.get('message'))}.{why}</li>"
                )
            w("</ul>")
    w("</section>")

    # 4. findings
    w('<section id="findings">')
    w("<h2>4. Findings with evidence</h2>")
    if not active:
        w('<p class="muted">No findings.</p>')
    for f in active:
        w(_finding_html(f))
    if c["suppressed"]:
        w('<h3 id="suppressed">Suppressed findings</h3>')
        w("<p>Silenced in the code by <code># bioaudit: ignore[...]</code> comments; the reason is the team's own.</p>")
        w(_table_html(
            ("location", "rule", "message", "reason given"),
            [(_loc(f.get("path"), f.get("line")), f.get("rule_id"), _one_line(f.get("message")), _s(_dict(f.get("suppression")).get("reason")) or "no reason given") for f in c["suppressed"]],
            code_cols=[0],
        ))
    w("</section>")

    # 5. checklist
    w('<section id="checklist">')
    w("<h2>5. Obligations checklist</h2>")
    w("<p>What no code can show. Each item names the articles it comes from, what to do, and what the scan found that bears on it.</p>")
    w('<ul class="checklist">')
    for item in c["checklist"]:
        refs = ", ".join(f"{_e(a['name'])}" for a in item["articles"])
        w(f'<li id="check-{_e(item["id"])}"><p><span class="box" aria-hidden="true">☐</span><b>{_e(item["title"])}</b> <span class="muted">({refs})</span></p>')
        w(f"<p>{_rich(item['todo'])}</p>")
        w("<p><b>What the scan found</b>:</p><ul>" + "".join(f"<li>{_rich(line)}</li>" for line in item["evidence"]) + "</ul></li>")
    w("</ul>")
    w("</section>")

    # appendix
    inv = c["inventory"]
    w('<section id="inventory" class="appendix">')
    w("<h2>Appendix A. Facial-data inventory</h2>")
    w(
        "<p>Evidence for a personal information protection impact assessment (PIPL Art. 55-56, FRT Measures Art. 9) "
        "or a data protection impact assessment (GDPR Art. 35): where the code captures facial data, which kinds each "
        "module handles, where it is stored, logged and sent, and which third-party face services receive it. "
        "Derived from the code only: confirm volumes, retention and vendor locations with the system owner.</p>"
    )
    if inv.get("error"):
        w(f'<p class="unverified">The inventory is incomplete: {_e(inv.get("error"))}</p>')
    for table in _inventory_tables(inv, active):
        w(f'<h3 id="{table["id"]}">{_e(table["title"])}</h3>')
        w(f"<p>{_e(table['intro'])}</p>")
        code_cols = [i for i, h in enumerate(table["header"]) if h in CODE_COLUMNS]
        w(_table_html(table["header"], table["rows"], code_cols=code_cols))
    w("</section>")
    w(f"<footer>bioaudit {_e(c['tool_version'])} · {_e(c['generated'])} · static analysis, not legal advice.</footer>")
    w("</body>")
    w("</html>")
    return "\n".join(out) + "\n"


# -- Markdown -----------------------------------------------------------------------------
# Markdown-active characters; `_` only where it could open or close emphasis (not inside
# a word such as `face_recognition`, where CommonMark keeps it literal).
_MD_SPECIAL = re.compile(r"([\\`*\[\]<>|~&#!$]|(?<!\w)_|_(?!\w))")


def md(value: Any) -> str:
    """Text from the scanned project as inert Markdown: one line, markup characters escaped."""
    return _MD_SPECIAL.sub(r"\\\1", _one_line(value))


def md_rich(value: Any, *, table: bool = False) -> str:
    """A message or note as Markdown: `identifiers` stay code spans, the rest is escaped."""
    return "".join(
        md_code(seg, table=table) if is_code else _MD_SPECIAL.sub(r"\\\1", seg)
        for is_code, seg in _segments(_collapse(value))
    )


def md_code(value: Any, *, table: bool = False) -> str:
    """An inline code span that holds any text (backtick runs, pipes in tables)."""
    text = _one_line(value)
    if not text:
        return ""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    if text.startswith("`") or text.endswith("`") or longest:
        text = f" {text} "
    if table:
        text = text.replace("|", "\\|")
    return f"{fence}{text}{fence}"


def _md_table(header: Sequence[str], rows: Iterable[Sequence[str]], code_cols: Iterable[int] = ()) -> list[str]:
    code_cols = set(code_cols)
    rows = list(rows)
    if not rows:
        return ["None found.", ""]
    out = ["| " + " | ".join(md(h) for h in header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            text = _s(cell)
            cells.append(md_code(text, table=True) if i in code_cols and text and text != "—" else md_rich(text, table=True))
        out.append("| " + " | ".join(cells) + " |")
    out.append("")
    return out


def _md_fence(lines: list[str], lang: str = "python") -> list[str]:
    body = "\n".join(lines)
    longest = max((len(run) for run in re.findall(r"`{3,}", body)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{fence}{lang}", *lines, fence]


def render_markdown(doc: dict, *, catalog: Any, frameworks: Sequence[str] | None = None, title: str | None = None) -> str:
    c = content(doc, catalog=catalog, frameworks=frameworks, title=title)
    out: list[str] = []
    w = out.append
    summ = c["summary"]
    active = c["active"]
    w(f"# {md(c['title'])}")
    w("")
    w(f"- **Scanned:** {md_code(c['root']) if c['root'] else '—'}")
    w(f"- **Generated:** {md(c['generated'] or '—')} by bioaudit {md(c['tool_version'])}")
    w("- **Frameworks shown:** " + ", ".join(f"{md(f['short'])} ({md_code(f['id'])})" for f in c["frameworks"]))
    w("")
    w("Produced by static analysis of the source code: it shows where the code breaks the articles below and gives the evidence; it is not legal advice, and section 2 says what it does not cover.")
    w("")
    w("Contents: 1. Summary · 2. Scope and coverage · 3. Findings by article · 4. Findings with evidence · 5. Obligations checklist · Appendix A. Facial-data inventory")
    w("")

    w("## 1. Summary")
    w("")
    w(
        f"**{_plural(len(active), 'finding')}** in {_plural(c['files_with'], 'file')}: "
        + ", ".join(f"{c['severity_counts'][s]} {s}" for s in SEVERITIES)
        + f" severity. {_i(summ.get('files_analysed'))} files analysed, {len(c['skipped'])} not analysed."
    )
    if c["suppressed"]:
        w("")
        w(f"{_plural(len(c['suppressed']), 'further finding')} silenced by inline suppressions are listed at the end of section 4.")
    w("")
    w("### By severity")
    w("")
    out.extend(_md_table(("severity", "findings"), [(s, str(c["severity_counts"][s])) for s in SEVERITIES]))
    w("### By rule")
    w("")
    out.extend(_md_table(("rule", "name", "severity", "what it finds", "findings"), [(r["id"], r["name"], r["severity"], r["summary"], str(r["count"])) for r in c["by_rule"]], code_cols=[1]))
    w("### By framework article")
    w("")
    out.extend(_md_table(
        ("framework", "article", "title", "findings"),
        [(fw["short"], a["label"], a["title"], str(len(a["findings"]))) for fw in c["by_article"] for a in fw["articles"]],
    ))

    w("## 2. Scope and coverage")
    w("")
    if c["repositories"]:
        w("### Repositories merged")
        w("")
        out.extend(_md_table(
            ("repository", "root", "bioaudit", "configuration", "frameworks", "files analysed", "not analysed", "findings"),
            [
                (r.get("label"), r.get("root"), r.get("tool_version"), r.get("config_source") or "defaults",
                 ", ".join(_s(x) for x in _list(r.get("frameworks"))), str(_i(r.get("files_analysed"))),
                 str(_i(r.get("files_skipped"))), str(_i(r.get("findings"))))
                for r in c["repositories"]
            ],
            code_cols=[0, 1, 3],
        ))
    w("### Files")
    w("")
    out.extend(_md_table(
        ("files", "count", "meaning"),
        [
            ("discovered", str(_i(summ.get("files_discovered"))), "Python files found under the scanned paths"),
            ("analysed", str(_i(summ.get("files_analysed"))), "parsed and analysed in depth (they touch facial data, or data flows to or from them)"),
            ("screened", str(_i(summ.get("files_screened"))), "read and judged not to touch facial data by the relevance check"),
            ("not analysed", str(len(c["skipped"])), "skipped: excluded, ignored, unreadable or unparsable (below)"),
        ],
    ))
    w("### Not analysed")
    w("")
    if c["skipped"]:
        out.extend(_md_table(("reason", "files"), [(r, str(n)) for r, n in c["skip_reasons"]], code_cols=[0]))
        if c["unparsable"]:
            w("Files bioaudit could not read or parse (their code is not covered by this report):")
            w("")
            out.extend(_md_table(("file", "reason", "detail"), [(s.get("path"), s.get("reason"), s.get("detail")) for s in c["unparsable"][:MAX_LISTED]], code_cols=[0, 1]))
            if len(c["unparsable"]) > MAX_LISTED:
                w(f"... and {len(c['unparsable']) - MAX_LISTED} more (see the JSON report).")
                w("")
        if c["quiet"]:
            w("Files skipped by configuration or .gitignore:")
            w("")
            out.extend(_md_table(("file", "reason", "detail"), [(s.get("path"), s.get("reason"), s.get("detail")) for s in c["quiet"][:MAX_LISTED]], code_cols=[0, 1]))
            if len(c["quiet"]) > MAX_LISTED:
                w(f"... and {len(c['quiet']) - MAX_LISTED} more (see the JSON report).")
                w("")
    else:
        w("Every discovered file was read.")
        w("")
    if c["diagnostics"]:
        w("### Scan warnings and errors")
        w("")
        out.extend(_md_table(("level", "code", "where", "message"), [(d.get("level"), d.get("code"), _loc(d.get("path"), d.get("line")) if d.get("path") else "", d.get("message")) for d in c["diagnostics"]], code_cols=[1, 2]))
    w("### Rules run")
    w("")
    out.extend(_md_table(("rule", "name", "version", "severity", "what it finds"), [(r.get("id"), r.get("name"), r.get("version"), r.get("severity"), r.get("summary")) for r in c["rules"]], code_cols=[0, 1]))
    w("Rules not listed were not run.")
    w("")
    w("### Configuration")
    w("")
    config = c["config"]
    cfg_rows = [("configuration file", _s(config.get("source")) or "none (defaults)"), ("frameworks", ", ".join(f["id"] for f in c["frameworks"]))]
    cfg_rows += _settings_rows(_dict(config.get("settings")))
    out.extend(_md_table(("setting", "value"), cfg_rows))
    w("### What this report does not cover")
    w("")
    for text in LIMITATIONS:
        w(f"- {md(text)}")
    w("")

    w("## 3. Findings by article")
    w("")
    if not c["by_article"]:
        w("No findings.")
        w("")
    for fw in c["by_article"]:
        w(f"### {md(fw['short'])} — {md(fw['title'])}")
        w("")
        for a in fw["articles"]:
            unverified = " (article number to re-check against the official text)" if not a["verified"] else ""
            w(f"#### {md(a['name'])} — {md(a['title'])} ({_plural(len(a['findings']), 'finding')}){unverified}")
            w("")
            if a["summary"]:
                w(f"*{md(a['summary'])}*")
                w("")
            for f, reason in a["findings"]:
                why = f" *Why:* {md_rich(reason)}" if reason else ""
                w(f"- [F{f['n']}](#{f['anchor']}) **{md(f.get('severity'))}** {md(f.get('rule_id'))} {md_code(_loc(f.get('path'), f.get('line')))}: {md_rich(f.get('message'))}.{why}")
            w("")

    w("## 4. Findings with evidence")
    w("")
    if not active:
        w("No findings.")
        w("")
    for f in active:
        w(f'<a id="{f["anchor"]}"></a>')
        w("")
        w(f"### F{f['n']} · {md(f.get('rule_id'))} {md(f.get('rule_name'))} · {md(f.get('severity'))}")
        w("")
        w(f"{md_code(_loc(f.get('path'), f.get('line')))} in {md_code(f.get('function') or '<module>')} · confidence {md(f.get('confidence'))}")
        w("")
        w(md_rich(f.get("message")))
        w("")
        ex = _dict(f.get("excerpt"))
        first, last = _i(f.get("line")), max(_i(f.get("line")), _i(f.get("end_line")))
        lines = [(_i(ex.get("start")) + i, _s(t)) for i, t in enumerate(_list(ex.get("lines")))] if ex else []
        if not lines and _s(f.get("snippet")).strip():
            lines = [(first, _s(f.get("snippet")).rstrip("\r\n").expandtabs(4))]
        if lines:
            width = len(str(lines[-1][0]))
            out.extend(_md_fence([f"{'>' if first <= n <= last else ' '}{str(n).rjust(width)} | {t}" for n, t in lines]))
            w("")
        steps = [s for s in _list(f.get("flow")) if isinstance(s, dict)]
        if steps:
            w("**Data flow** (source to sink):")
            w("")
            for i, step in enumerate(steps, 1):
                role = "source" if i == 1 else "sink" if i == len(steps) else "step"
                code = f" — {md_code(step.get('code'))}" if step.get("code") else ""
                w(f"{i}. **{role}** {md_code(_loc(step.get('path'), step.get('line')))} {md_rich(step.get('note'))}{code}")
            w("")
        if f["arts"]:
            w("**Breaks:**")
            w("")
            for a in f["arts"]:
                unverified = " *(article number to re-check)*" if not a["verified"] else ""
                reason = f": {md_rich(a['reason'])}" if a["reason"] else ""
                w(f"- {md(a['name'])} — {md(a['title'])}{reason}{unverified}")
            w("")
        if f.get("fix"):
            w(f"**Fix:** {md_rich(f.get('fix'))}")
            w("")
    if c["suppressed"]:
        w("### Suppressed findings")
        w("")
        w("Silenced in the code by `# bioaudit: ignore[...]` comments; the reason is the team's own.")
        w("")
        out.extend(_md_table(
            ("location", "rule", "message", "reason given"),
            [(_loc(f.get("path"), f.get("line")), f.get("rule_id"), _one_line(f.get("message")), _s(_dict(f.get("suppression")).get("reason")) or "no reason given") for f in c["suppressed"]],
            code_cols=[0],
        ))

    w("## 5. Obligations checklist")
    w("")
    w("What no code can show. Each item names the articles it comes from, what to do, and what the scan found that bears on it.")
    w("")
    for item in c["checklist"]:
        refs = ", ".join(md(a["name"]) for a in item["articles"])
        w(f"- [ ] **{md(item['title'])}** ({refs})")
        w(f"  {md_rich(item['todo'])}")
        w("  What the scan found:")
        for line in item["evidence"]:
            w(f"  - {md_rich(line)}")
        w("")

    inv = c["inventory"]
    w("## Appendix A. Facial-data inventory")
    w("")
    w(
        "Evidence for a personal information protection impact assessment (PIPL Art. 55-56, FRT Measures Art. 9) "
        "or a data protection impact assessment (GDPR Art. 35): where the code captures facial data, which kinds each "
        "module handles, where it is stored, logged and sent, and which third-party face services receive it. "
        "Derived from the code only: confirm volumes, retention and vendor locations with the system owner."
    )
    w("")
    if inv.get("error"):
        w(f"**The inventory is incomplete:** {md(inv.get('error'))}")
        w("")
    for table in _inventory_tables(inv, active):
        w(f"### {md(table['title'])}")
        w("")
        w(md(table["intro"]))
        w("")
        code_cols = [i for i, h in enumerate(table["header"]) if h in CODE_COLUMNS]
        out.extend(_md_table(table["header"], table["rows"], code_cols=code_cols))
    w(f"*bioaudit {md(c['tool_version'])} · {md(c['generated'])} · static analysis, not legal advice.*")
    return "\n".join(out).rstrip("\n") + "\n"


def render(doc: dict, fmt: str, *, catalog: Any, frameworks: Sequence[str] | None = None, title: str | None = None) -> str:
    """`fmt` is "html" or "md"."""
    if fmt == "html":
        return render_html(doc, catalog=catalog, frameworks=frameworks, title=title)
    if fmt == "md":
        return _no_controls(render_markdown(doc, catalog=catalog, frameworks=frameworks, title=title))
    raise ValueError(f"unknown audit report format {fmt!r}; choose html or md")


_CONTROLS = {c: f"\\x{c:02x}" for c in (*range(0, 9), 11, 12, *range(14, 32), 127, *range(128, 160))}


def _no_controls(text: str) -> str:
    """Control characters from the scanned code (ESC sequences) shown as escapes: the
    Markdown report is often printed to a terminal."""
    return text.translate(_CONTROLS)
