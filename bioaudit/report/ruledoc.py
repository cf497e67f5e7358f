"""A rule's documentation as markdown, and the regulation lines shown beside findings.

Shared by every reporter: SARIF `help.markdown`, `bioaudit rule BIO003`, the text, JSON
and GitHub reporters (which article lines a finding shows, filtered by `--framework`).
"""
from __future__ import annotations

import re
from typing import Any, Iterable, Sequence

from bioaudit.model import Finding

# Markdown sections a rule docstring may hold, in the order the style guide fixes.
DOC_SECTIONS = ("What it does", "Why is this bad?", "Options", "Known limitations", "References")

_HEADING = re.compile(r"^##\s+(.+?)\s*$")
_ROMAN = re.compile(r"^[ivxlcdm]+$")
_PREFIXES = {"art": "Art.", "sec": "Sec.", "annex": "Annex", "rec": "Recital", "para": "Para."}


# -- docstrings --------------------------------------------------------------------------
def doc_sections(rule_cls: type) -> list[tuple[str, str]]:
    """The `## Heading` sections of a rule's docstring, in order, bodies stripped."""
    text = rule_cls.docs() if hasattr(rule_cls, "docs") else (rule_cls.__doc__ or "")
    sections: list[tuple[str, list[str]]] = []
    for line in text.splitlines():
        match = _HEADING.match(line)
        if match:
            sections.append((match.group(1), []))
        elif sections:
            sections[-1][1].append(line)
        elif line.strip():
            # Text before the first heading belongs to "What it does".
            sections.append(("What it does", [line]))
    return [(title, "\n".join(body).strip()) for title, body in sections]


def doc_section(rule_cls: type, title: str) -> str:
    for name, body in doc_sections(rule_cls):
        if name.lower() == title.lower():
            return body
    return ""


def first_paragraph(text: str) -> str:
    """The first paragraph of `text`, re-flowed onto one line."""
    para = re.split(r"\n\s*\n", text.strip(), maxsplit=1)[0]
    return " ".join(para.split())


def full_description(rule_cls: type) -> str:
    return first_paragraph(doc_section(rule_cls, "What it does")) or getattr(rule_cls, "SUMMARY", "")


# -- regulation articles -----------------------------------------------------------------
def article_label(article_id: str) -> str:
    """How an article id is cited: `art-9-2-a` -> `Art. 9(2)(a)`, `sec-15-e` -> `Sec. 15(e)`,
    `annex-iii-1-a` -> `Annex III(1)(a)`, `1798-100-a` -> `§ 1798.100(a)`; anything else as is."""
    if re.match(r"^\d+-\d+", article_id):
        parts = article_id.split("-")
        return f"§ {parts[0]}.{parts[1]}" + "".join(f"({p})" for p in parts[2:])
    prefix, _, rest = article_id.partition("-")
    word = _PREFIXES.get(prefix)
    if word is None or not rest:
        return article_id
    parts = rest.split("-")
    head = parts[0].upper() if prefix == "annex" and _ROMAN.match(parts[0]) else parts[0]
    return f"{word} {head}" + "".join(f"({p})" for p in parts[1:])


def framework_of(catalog: Any, framework_id: str) -> Any:
    return getattr(catalog, "frameworks", {}).get(framework_id)


def framework_short(catalog: Any, framework_id: str) -> str:
    framework = framework_of(catalog, framework_id)
    return (getattr(framework, "short_title", "") or getattr(framework, "title", "") or framework_id) if framework else framework_id


def framework_title(catalog: Any, framework_id: str) -> str:
    framework = framework_of(catalog, framework_id)
    return (getattr(framework, "title", "") or framework_id) if framework else framework_id


def article_ref(article: Any) -> str:
    return getattr(article, "ref", "") or f"{article.framework}:{article.id}"


def article_name(article: Any, catalog: Any) -> str:
    """`GDPR Art. 32`: the framework's short title and the article's label."""
    label = getattr(article, "label", "") or article_label(article.id)
    return f"{framework_short(catalog, article.framework)} {label}"


def article_line(article: Any, reason: str, catalog: Any) -> str:
    """`GDPR Art. 32 — Security of processing: reason` (reason omitted when empty)."""
    line = f"{article_name(article, catalog)} — {article.title}"
    return f"{line}: {reason}" if reason else line


def reference_lines(
    refs: Iterable[str], reasons: dict[str, str], catalog: Any, frameworks: Sequence[str] | None
) -> list[tuple[Any, str]]:
    """Resolve `refs` through the catalog, keep those of `frameworks` (None = all), with reasons.

    A reference the catalog does not know is left out rather than failing the whole report
    (the rule registry is where unknown references are rejected).
    """
    refs = [ref for ref in dict.fromkeys(refs) if ref in catalog]
    articles = catalog.filter_refs(refs, list(frameworks) if frameworks is not None else None)
    return [(article, reasons.get(article_ref(article), "")) for article in articles]


def rule_reasons(rule_cls: type | None) -> dict[str, str]:
    refs = getattr(rule_cls, "REFERENCES", None) or {}
    if isinstance(refs, dict) or hasattr(refs, "items"):
        return {str(k): str(v) for k, v in refs.items()}
    return {str(r): "" for r in refs}


def article_lines(
    finding: Finding, rule_cls: type | None, catalog: Any, frameworks: Sequence[str] | None = None
) -> list[tuple[Any, str]]:
    """The articles a finding breaks, filtered to `frameworks` (None = all), with each reason.

    The finding's own references win; the rule's REFERENCES supply the one-line reasons.
    """
    reasons = rule_reasons(rule_cls)
    refs = finding.references or tuple(reasons)
    return reference_lines(refs, reasons, catalog, frameworks)


def rule_articles(rule_cls: type, catalog: Any, frameworks: Sequence[str] | None = None) -> list[tuple[Any, str]]:
    reasons = rule_reasons(rule_cls)
    return reference_lines(reasons, reasons, catalog, frameworks)


def rule_classes(rules: Iterable[Any]) -> dict[str, type]:
    """Rule id -> rule class, from the enabled Rule instances (or classes) of a scan."""
    out: dict[str, type] = {}
    for rule in rules:
        cls = rule if isinstance(rule, type) else type(rule)
        rule_id = getattr(cls, "ID", None)
        if rule_id and rule_id not in out:
            out[rule_id] = cls
    return out


def finding_fix(finding: Finding, rule_cls: type | None) -> str:
    return finding.fix or getattr(rule_cls, "FIX", "") or ""


# -- the rule reference --------------------------------------------------------------------
def _fence(code: str, lang: str = "python") -> str:
    ticks = "```"
    while ticks in code:
        ticks += "`"
    return f"{ticks}{lang}\n{code.rstrip()}\n{ticks}"


def _example_markdown(example: Any) -> str:
    files = example.files()
    if len(files) == 1 and "example.py" in files:
        return _fence(files["example.py"])
    return "\n\n".join(f"`{path}`:\n\n{_fence(code)}" for path, code in files.items())


def rule_title(rule_cls: type) -> str:
    return f"{rule_cls.ID} `{rule_cls.NAME}`"


def rule_markdown(rule_cls: type, catalog: Any, frameworks: Sequence[str] | None = None) -> str:
    """A rule's full reference page as markdown (SARIF `help.markdown`, `bioaudit rule ID`)."""
    severity = getattr(rule_cls, "SEVERITY", None)
    facts = [f"**Severity:** {severity.label if severity is not None else 'unknown'}"]
    tags = tuple(getattr(rule_cls, "TAGS", ()) or ())
    if tags:
        facts.append("**Tags:** " + ", ".join(f"`{t}`" for t in sorted(tags)))
    if not getattr(rule_cls, "DEFAULT_ENABLED", True):
        facts.append("**Opt-in** (off by default)")
    out = [f"# {rule_title(rule_cls)}", " · ".join(facts)]
    summary = getattr(rule_cls, "SUMMARY", "")
    if summary:
        out.append(summary)
    for title, body in doc_sections(rule_cls):
        out.append(f"## {title}")
        if body:
            out.append(body)
    invalid = list(getattr(rule_cls, "INVALID", []) or [])
    valid = list(getattr(rule_cls, "VALID", []) or [])
    if invalid:
        out += ["## Example", _example_markdown(invalid[0])]
    if valid:
        out += ["## Use instead", _example_markdown(valid[0])]
    fix = getattr(rule_cls, "FIX", "")
    if fix:
        out += ["## Fix", fix]
    lines = rule_articles(rule_cls, catalog, frameworks)
    if lines:
        out.append("## Regulations")
        out.append("\n".join(f"- {article_line(a, reason, catalog)}" for a, reason in lines))
    return "\n\n".join(out) + "\n"


def rule_text(rule_cls: type, catalog: Any, frameworks: Sequence[str] | None = None) -> str:
    """A short plain-text help (SARIF `help.text`)."""
    out = [f"{rule_cls.ID} {rule_cls.NAME}: {getattr(rule_cls, 'SUMMARY', '')}".rstrip(": ")]
    what = full_description(rule_cls)
    if what and what != getattr(rule_cls, "SUMMARY", ""):
        out.append(what)
    fix = getattr(rule_cls, "FIX", "")
    if fix:
        out.append(f"Fix: {fix}")
    lines = rule_articles(rule_cls, catalog, frameworks)
    if lines:
        out.append("Regulations:\n" + "\n".join(f"- {article_line(a, r, catalog)}" for a, r in lines))
    return "\n\n".join(out)
