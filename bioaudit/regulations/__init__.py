"""Regulation catalog: the legal provisions bioaudit findings point at.

The data lives next to this module as TOML, one file per framework
(``eu-gdpr.toml``, ``us-il-bipa.toml``, ...) plus ``categories.toml`` holding the
finding-category -> provision matrix. A provision is named by a *reference*,
``"<framework-id>:<article-id>"``, e.g. ``"eu-gdpr:art-9-2-a"`` or
``"us-il-bipa:sec-15-e"``.

    >>> catalog = load_catalog()
    >>> catalog.resolve("us-il-bipa:sec-15-b").title
    'Notice + written release'
    >>> [a.ref for a in catalog.filter_refs(["eu-gdpr:art-32", "cn-pipl:art-51"], ["cn-pipl"])]
    ['cn-pipl:art-51']

Summaries are paraphrases, not quotations; ``Article.verified`` is False where the
article numbering itself is not confirmed (marked (M) in the source reference).
"""
from __future__ import annotations

import datetime
import difflib
import functools
import re
import sys
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Mapping

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

__all__ = [
    "Article",
    "Framework",
    "Category",
    "RegulationCatalog",
    "CatalogError",
    "UnknownReference",
    "UnknownFramework",
    "load_catalog",
    "read_catalog",
    "DEFAULT_FRAMEWORKS",
]

#: Frameworks listed first, in this order; any other framework file follows alphabetically.
_PREFERRED_ORDER = (
    "cn-frt-2025",
    "cn-pipl",
    "eu-gdpr",
    "eu-ai-act",
    "us-il-bipa",
    "us-tx-cubi",
    "us-ca-ccpa",
    "us-coppa",
    "uk-gdpr",
)
_PACKAGE = "bioaudit.regulations"
_CATEGORIES_FILE = "categories.toml"
_ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_CATEGORY_ID_RE = re.compile(r"^C[0-9]+$")

_FRAMEWORK_KEYS = {"id", "title", "short-title", "jurisdiction", "url", "checked", "note"}
_FRAMEWORK_REQUIRED = _FRAMEWORK_KEYS - {"note"}
_ARTICLE_KEYS = {"title", "summary", "verified"}
_CATEGORY_KEYS = {"name", "smell", "refs", "anchors", "note", "ref-notes"}
_CATEGORY_REQUIRED = {"name", "smell", "refs", "anchors"}


# --------------------------------------------------------------------------- errors


class CatalogError(Exception):
    """The packaged regulation data is missing or malformed (message names the file)."""


class UnknownReference(KeyError):
    """A ``framework:article`` reference that is not in the catalog."""

    def __init__(self, ref: str, suggestions: Iterable[str] = (), reason: str = "") -> None:
        self.ref = ref
        self.suggestions: tuple[str, ...] = tuple(suggestions)
        message = f"unknown regulation reference {ref!r}"
        if reason:
            message += f": {reason}"
        if self.suggestions:
            message += "; did you mean " + " or ".join(repr(s) for s in self.suggestions) + "?"
        self.message = message
        super().__init__(message)

    def __str__(self) -> str:  # KeyError would repr() the message
        return self.message


class UnknownFramework(ValueError):
    """One or more framework ids that are not in the catalog."""

    def __init__(self, unknown: Iterable[str], suggestions: Mapping[str, tuple[str, ...]], known: Iterable[str]) -> None:
        self.unknown: tuple[str, ...] = tuple(unknown)
        self.suggestions: dict[str, tuple[str, ...]] = dict(suggestions)
        parts = []
        for fid in self.unknown:
            text = repr(fid)
            close = self.suggestions.get(fid)
            if close:
                text += " (did you mean " + " or ".join(repr(s) for s in close) + "?)"
            parts.append(text)
        noun = "framework" if len(parts) == 1 else "frameworks"
        message = f"unknown {noun} {', '.join(parts)}; known frameworks: {', '.join(known)}"
        self.message = message
        super().__init__(message)

    def __str__(self) -> str:
        return self.message


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Article:
    framework: str
    id: str
    title: str
    summary: str
    verified: bool

    @property
    def ref(self) -> str:
        """``"framework:id"``, the form used in rule catalogs and reports."""
        return f"{self.framework}:{self.id}"


@dataclass(frozen=True)
class Framework:
    id: str
    title: str
    short_title: str
    jurisdiction: str
    url: str
    checked: str  # ISO date the article ids were last checked
    note: str
    articles: dict[str, Article]  # in file order


@dataclass(frozen=True)
class Category:
    id: str  # "C1".."C9"
    name: str  # "no-consent"
    smell: str
    refs: tuple[str, ...]  # every implicated provision, "framework:article"
    anchors: tuple[str, ...]  # strongest provisions for a one-line message (subset of refs)
    note: str = ""
    ref_notes: Mapping[str, str] = field(default_factory=dict)  # ref -> when/why it applies


# --------------------------------------------------------------------------- catalog


def _norm(text: str) -> str:
    return text.strip().lower()


class RegulationCatalog:
    """All frameworks and categories; look references up with :meth:`resolve`."""

    def __init__(self, frameworks: Mapping[str, Framework], categories: Mapping[str, Category]) -> None:
        self.frameworks: dict[str, Framework] = dict(frameworks)
        self.categories: dict[str, Category] = dict(categories)

    def __repr__(self) -> str:
        count = sum(len(fw.articles) for fw in self.frameworks.values())
        return f"<RegulationCatalog {len(self.frameworks)} frameworks, {count} articles, {len(self.categories)} categories>"

    # ---- lookup

    def resolve(self, ref: str) -> Article:
        """The article for ``"framework:article"``; raises :class:`UnknownReference`."""
        if isinstance(ref, Article):
            ref = ref.ref
        if not isinstance(ref, str):
            raise UnknownReference(repr(ref), reason="expected a 'framework:article' string")
        key = _norm(ref)
        if ":" not in key:
            close = difflib.get_close_matches(key, [a.id for a in self.articles()], n=1, cutoff=0.8)
            hints = [a.ref for a in self.articles() if close and a.id == close[0]][:3]
            raise UnknownReference(ref, hints, reason="expected 'framework:article'")
        fid, _, aid = key.partition(":")
        framework = self.frameworks.get(fid)
        if framework is None:
            fw_close = difflib.get_close_matches(fid, list(self.frameworks), n=1, cutoff=0.6)
            hints = []
            if fw_close and aid in self.frameworks[fw_close[0]].articles:
                hints.append(f"{fw_close[0]}:{aid}")
            hints += [s for s in self._close_refs(key) if s not in hints]
            reason = f"no framework {fid!r}"
            if fw_close and not hints:
                reason += f" (did you mean framework {fw_close[0]!r}?)"
            raise UnknownReference(ref, hints[:3], reason=reason)
        article = framework.articles.get(aid)
        if article is None:
            local = [f"{fid}:{a}" for a in difflib.get_close_matches(aid, list(framework.articles), n=3, cutoff=0.6)]
            hints = local + [s for s in self._close_refs(key) if s not in local]
            raise UnknownReference(ref, hints[:3], reason=f"{fid} has no article {aid!r}")
        return article

    def _close_refs(self, key: str) -> list[str]:
        return difflib.get_close_matches(key, [a.ref for a in self.articles()], n=3, cutoff=0.75)

    def __contains__(self, ref: object) -> bool:
        if not isinstance(ref, (str, Article)):
            return False
        try:
            self.resolve(ref)  # type: ignore[arg-type]
        except UnknownReference:
            return False
        return True

    def articles(self) -> Iterator[Article]:
        """Every article, frameworks in catalog order, articles in file order."""
        for framework in self.frameworks.values():
            yield from framework.articles.values()

    # ---- frameworks

    def framework_ids(self) -> list[str]:
        return list(self.frameworks)

    def check_framework_ids(self, ids: Iterable[str] | str) -> None:
        """Raise :class:`UnknownFramework` naming every id not in the catalog."""
        if isinstance(ids, str):
            ids = [ids]
        unknown: list[str] = []
        suggestions: dict[str, tuple[str, ...]] = {}
        for fid in ids:
            if isinstance(fid, str) and _norm(fid) in self.frameworks:
                continue
            shown = fid if isinstance(fid, str) else repr(fid)
            if shown in unknown:
                continue
            unknown.append(shown)
            if isinstance(fid, str):
                suggestions[shown] = tuple(difflib.get_close_matches(_norm(fid), list(self.frameworks), n=2, cutoff=0.5))
        if unknown:
            raise UnknownFramework(unknown, suggestions, self.frameworks)

    def filter_refs(self, refs: Iterable[str], frameworks: Iterable[str] | str | None = None) -> list[Article]:
        """Resolve ``refs`` and keep those whose framework is selected.

        Order of ``refs`` is kept (duplicates dropped); ``frameworks=None`` selects all.
        Every ref must resolve even when its framework is not selected, so typos are
        never hidden by a narrow selection. Raises :class:`UnknownReference` /
        :class:`UnknownFramework`.
        """
        if isinstance(refs, str):
            refs = [refs]
        selected: set[str] | None = None
        if frameworks is not None:
            if isinstance(frameworks, str):
                frameworks = [frameworks]
            frameworks = list(frameworks)
            self.check_framework_ids(frameworks)
            selected = {_norm(f) for f in frameworks}
        out: list[Article] = []
        seen: set[str] = set()
        for ref in refs:
            article = self.resolve(ref)
            if article.ref in seen:
                continue
            seen.add(article.ref)
            if selected is None or article.framework in selected:
                out.append(article)
        return out

    def category_articles(self, category_id: str, frameworks: Iterable[str] | str | None = None) -> list[Article]:
        """``filter_refs`` over a category's refs (``"C1"``..``"C9"``, case-insensitive)."""
        category = self.categories.get(category_id.strip().upper())
        if category is None:
            close = difflib.get_close_matches(category_id, list(self.categories), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise KeyError(f"unknown finding category {category_id!r}{hint}")
        return self.filter_refs(category.refs, frameworks)


# --------------------------------------------------------------------------- loading


def _parse_toml(node: Traversable, label: str) -> dict[str, Any]:
    try:
        raw = node.read_bytes()
    except OSError as exc:
        raise CatalogError(f"{label}: cannot read: {exc}") from exc
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise CatalogError(f"{label}: not UTF-8: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError(f"{label}: malformed TOML: {exc}") from exc


def _text(table: Mapping[str, Any], key: str, where: str, *, required: bool = True, one_line: bool = True) -> str:
    value = table.get(key)
    if value is None:
        if required:
            raise CatalogError(f"{where}: missing key {key!r}")
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise CatalogError(f"{where}: {key!r} must be a non-empty string")
    if one_line and ("\n" in value or "\r" in value):
        raise CatalogError(f"{where}: {key!r} must be a single line")
    return value.strip()


def _check_keys(table: Mapping[str, Any], allowed: set[str], required: set[str], where: str) -> None:
    missing = sorted(required - table.keys())
    if missing:
        raise CatalogError(f"{where}: missing key(s) {', '.join(missing)}")
    extra = sorted(table.keys() - allowed)
    if extra:
        raise CatalogError(f"{where}: unknown key(s) {', '.join(extra)} (allowed: {', '.join(sorted(allowed))})")


def _load_framework(node: Traversable, stem: str) -> Framework:
    label = node.name
    data = _parse_toml(node, label)
    extra = sorted(data.keys() - {"framework", "articles"})
    if extra:
        raise CatalogError(f"{label}: unknown top-level table(s) {', '.join(extra)}")
    meta = data.get("framework")
    if not isinstance(meta, dict):
        raise CatalogError(f"{label}: missing [framework] table")
    where = f"{label} [framework]"
    _check_keys(meta, _FRAMEWORK_KEYS, _FRAMEWORK_REQUIRED, where)
    fid = _text(meta, "id", where)
    if fid != stem:
        raise CatalogError(f"{where}: id {fid!r} does not match the file name (expected {stem!r})")
    checked = meta["checked"]
    if isinstance(checked, datetime.date) and not isinstance(checked, datetime.datetime):
        checked_text = checked.isoformat()
    elif isinstance(checked, str):
        try:
            checked_text = datetime.date.fromisoformat(checked).isoformat()
        except ValueError as exc:
            raise CatalogError(f"{where}: 'checked' must be a date (YYYY-MM-DD), got {checked!r}") from exc
    else:
        raise CatalogError(f"{where}: 'checked' must be a date (YYYY-MM-DD), got {checked!r}")

    raw_articles = data.get("articles")
    if not isinstance(raw_articles, dict) or not raw_articles:
        raise CatalogError(f"{label}: no [articles.*] tables")
    articles: dict[str, Article] = {}
    for aid, table in raw_articles.items():
        where = f"{label} [articles.{aid}]"
        if not _ID_RE.match(aid):
            raise CatalogError(f"{where}: article id must be lowercase, hyphen-separated (e.g. 'art-9-2-a')")
        if not isinstance(table, dict):
            raise CatalogError(f"{where}: must be a table")
        _check_keys(table, _ARTICLE_KEYS, _ARTICLE_KEYS, where)
        if not isinstance(table["verified"], bool):
            raise CatalogError(f"{where}: 'verified' must be true or false")
        articles[aid] = Article(
            framework=fid,
            id=aid,
            title=_text(table, "title", where),
            summary=_text(table, "summary", where),
            verified=table["verified"],
        )
    return Framework(
        id=fid,
        title=_text(meta, "title", where),
        short_title=_text(meta, "short-title", where),
        jurisdiction=_text(meta, "jurisdiction", where),
        url=_text(meta, "url", where),
        checked=checked_text,
        note=_text(meta, "note", where, required=False),
        articles=articles,
    )


def _load_categories(node: Traversable, catalog: RegulationCatalog) -> dict[str, Category]:
    label = node.name
    data = _parse_toml(node, label)
    extra = sorted(data.keys() - {"categories"})
    if extra:
        raise CatalogError(f"{label}: unknown top-level table(s) {', '.join(extra)}")
    raw = data.get("categories")
    if not isinstance(raw, dict) or not raw:
        raise CatalogError(f"{label}: no [categories.*] tables")
    out: dict[str, Category] = {}
    for cid, table in raw.items():
        where = f"{label} [categories.{cid}]"
        if not _CATEGORY_ID_RE.match(cid):
            raise CatalogError(f"{where}: category id must look like 'C1'")
        if not isinstance(table, dict):
            raise CatalogError(f"{where}: must be a table")
        _check_keys(table, _CATEGORY_KEYS, _CATEGORY_REQUIRED, where)
        lists: dict[str, tuple[str, ...]] = {}
        for key in ("refs", "anchors"):
            value = table[key]
            if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
                raise CatalogError(f"{where}: {key!r} must be a non-empty list of 'framework:article' strings")
            if len(set(value)) != len(value):
                dupes = sorted({v for v in value if value.count(v) > 1})
                raise CatalogError(f"{where}: duplicate {key} {', '.join(dupes)}")
            for ref in value:
                try:
                    article = catalog.resolve(ref)
                except UnknownReference as exc:
                    raise CatalogError(f"{where}: {key}: {exc}") from None
                if article.ref != ref:
                    raise CatalogError(f"{where}: {key}: write {ref!r} as {article.ref!r}")
            lists[key] = tuple(value)
        missing = [a for a in lists["anchors"] if a not in lists["refs"]]
        if missing:
            raise CatalogError(f"{where}: anchors not listed in refs: {', '.join(missing)}")
        ref_notes = table.get("ref-notes", {})
        if not isinstance(ref_notes, dict) or not all(isinstance(v, str) for v in ref_notes.values()):
            raise CatalogError(f"{where}: 'ref-notes' must be a table of ref = \"note\"")
        stray = [r for r in ref_notes if r not in lists["refs"]]
        if stray:
            raise CatalogError(f"{where}: ref-notes for refs not in refs: {', '.join(stray)}")
        out[cid] = Category(
            id=cid,
            name=_text(table, "name", where),
            smell=_text(table, "smell", where),
            refs=lists["refs"],
            anchors=lists["anchors"],
            note=_text(table, "note", where, required=False),
            ref_notes=dict(ref_notes),
        )
    return dict(sorted(out.items(), key=lambda item: int(item[0][1:])))


def _framework_files(root: Traversable) -> list[tuple[str, Traversable]]:
    try:
        entries = [e for e in root.iterdir() if e.is_file() and e.name.endswith(".toml")]
    except OSError as exc:
        raise CatalogError(f"cannot list regulation data in {root}: {exc}") from exc
    found = {e.name[: -len(".toml")]: e for e in entries if e.name != _CATEGORIES_FILE}

    def rank(stem: str) -> tuple[int, str]:
        return (_PREFERRED_ORDER.index(stem), "") if stem in _PREFERRED_ORDER else (len(_PREFERRED_ORDER), stem)

    return [(stem, found[stem]) for stem in sorted(found, key=rank)]


def read_catalog(root: Traversable | str | Path) -> RegulationCatalog:
    """Load a catalog from a directory of framework TOML files plus ``categories.toml``.

    :func:`load_catalog` is this over the packaged data; tests use it on a copy.
    Raises :class:`CatalogError` naming the offending file.
    """
    if isinstance(root, (str, Path)):
        root = Path(root)
    files = _framework_files(root)
    if not files:
        raise CatalogError(f"no framework TOML files in {root}")
    frameworks: dict[str, Framework] = {}
    for stem, node in files:
        if not _ID_RE.match(stem):
            raise CatalogError(f"{node.name}: framework file names must be lowercase, hyphen-separated ids")
        frameworks[stem] = _load_framework(node, stem)
    catalog = RegulationCatalog(frameworks, {})
    categories_node = root.joinpath(_CATEGORIES_FILE)
    if not categories_node.is_file():
        raise CatalogError(f"{_CATEGORIES_FILE}: missing from {root}")
    catalog.categories.update(_load_categories(categories_node, catalog))
    return catalog


@functools.cache
def load_catalog() -> RegulationCatalog:
    """The packaged regulation catalog (parsed once, then cached)."""
    return read_catalog(resources.files(_PACKAGE))


def _discover_default_frameworks() -> tuple[str, ...]:
    try:
        return tuple(stem for stem, _ in _framework_files(resources.files(_PACKAGE)))
    except CatalogError:  # pragma: no cover - broken install; load_catalog() reports it
        return _PREFERRED_ORDER


#: Every framework id shipped with bioaudit, in catalog order (the default selection).
DEFAULT_FRAMEWORKS: tuple[str, ...] = _discover_default_frameworks()
