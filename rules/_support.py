"""Shared helpers of the built-in rules BIO005-BIO011: the rule catalogs they read
(`rules/catalogs/vendors.toml`, `attributes.toml`, `retention.toml`), URL and host parsing,
word splitting for settings, and which face attributes a call switches on.

Not a rule module: it holds no Rule class and is not listed in `RULES`.
"""
from __future__ import annotations

import ast
import fnmatch
import functools
import re
import sys
from dataclasses import dataclass
from importlib import resources
from typing import Any, Iterable, Mapping

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from bioaudit.model import Confidence

RAW_KINDS = frozenset({"template", "landmarks", "face-image"})
KIND_LABELS = {"template": "templates", "landmarks": "landmarks", "face-image": "face images", "attributes": "face attributes"}


@functools.lru_cache(maxsize=None)
def catalog(name: str) -> dict:
    """A TOML catalog shipped beside the rules (`bioaudit.rules/catalogs/<name>`); {} if absent."""
    try:
        text = resources.files("bioaudit.rules").joinpath("catalogs", name).read_text("utf-8")
    except (FileNotFoundError, ModuleNotFoundError):
        return {}
    return tomllib.loads(text)


def kinds_text(kinds: Iterable[str]) -> str:
    names = [KIND_LABELS.get(k, k) for k in sorted(kinds)]
    return " and ".join(names) if names else "facial data"


def glob_any(name: str, patterns: Iterable[str]) -> bool:
    """Case-insensitive shell-glob match against the whole name or its last dotted part."""
    low = name.lower()
    last = low.rsplit(".", 1)[-1]
    return any(fnmatch.fnmatchcase(low, p.lower()) or fnmatch.fnmatchcase(last, p.lower()) for p in patterns)


# -- URLs and hosts -----------------------------------------------------------------------
_URL = re.compile(r"^\s*([A-Za-z][A-Za-z0-9+.-]*)://(?:[^@/?#]*@)?(\[[^\]]*\]|[^:/?#]*)")
LOOPBACK = re.compile(r"^(localhost|localhost\.localdomain|127(?:\.\d{1,3}){0,3}|::1|\[::1\]|0\.0\.0\.0|host\.docker\.internal)$", re.I)


def url_parts(url: Any) -> tuple[str, str]:
    """(scheme, host) of a URL literal, lower-cased; ("", "") when it is not a URL.

    Unknown parts of a URL built at run time appear as `*` (the engine's notation), so
    `http://*/upload` has the scheme `http` and the unknown host `*`."""
    if not isinstance(url, str):
        return "", ""
    match = _URL.match(url)
    if not match:
        return "", ""
    return match.group(1).lower(), match.group(2).strip("[]").lower()


def host_of(text: Any) -> str:
    """The host of a URL, or of a bare host name (`compreface.example.com:8000`)."""
    if not isinstance(text, str) or not text:
        return ""
    scheme, host = url_parts(text)
    if scheme:
        return host
    return re.split(r"[:/]", text.strip(), maxsplit=1)[0].lower()


def is_loopback(host: str) -> bool:
    return bool(host) and bool(LOOPBACK.match(host))


def is_private(host: str) -> bool:
    """A loopback, private-network or link-local address, or a name that only resolves
    inside a site (`.local`, `.internal`, `.lan`, no dot at all)."""
    if not host or "*" in host:
        return False
    if is_loopback(host):
        return True
    if re.match(r"^(10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|169\.254\.|fc|fd)", host):
        return True
    return host.endswith((".local", ".internal", ".lan", ".localdomain")) or ("." not in host and ":" not in host)


# -- words of paths and function names ---------------------------------------------------------
def words(*texts: str) -> set[str]:
    """Lower-cased words of identifiers and paths: `StaffMoodView.post` -> staff, mood, view, post."""
    out: set[str] = set()
    for text in texts:
        if not text:
            continue
        spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", text)
        spaced = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1 \2", spaced)
        out.update(w for w in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if w)
    return out


def setting_of(path: str, function: str, extra: Iterable[str] = ()) -> tuple[str, str]:
    """("workplace" | "education", the word that shows it), or ("", "") for neither."""
    settings = catalog("attributes.toml").get("settings", {})
    vocabularies = {
        "education": set(settings.get("education", ())),
        "workplace": set(settings.get("workplace", ())) | {w.lower() for w in extra},
    }
    # the function's own name first (most specific), then its module path
    for found in (words(function), words(path)):
        for setting in ("education", "workplace"):
            hit = sorted(found & vocabularies[setting])
            if hit:
                return setting, hit[0]
    return "", ""


# -- the shape of a call, from its (first) source line ----------------------------------------
@dataclass(frozen=True)
class CallShape:
    keywords: frozenset[str]
    positional: int
    star: bool  # *args or **kwargs: anything may be passed


def call_shape(site: Any, api: str) -> CallShape | None:
    """The keywords and positional-argument count of the call at `site`, when its whole
    source is on the reported line (the engine keeps the first line of a statement only);
    None when the call spans lines or the line cannot be read."""
    if getattr(site, "end_line", site.line) != site.line:
        return None
    text = getattr(site, "statement", "") or ""
    last = api.rsplit(".", 1)[-1]
    tree = None
    opened = re.sub(r"^\s*elif\b", "if", text)
    for candidate in (text, text.rstrip(":") + ": pass", text + "\n    pass", opened.rstrip(":") + ": pass"):
        try:
            tree = ast.parse(candidate)
            break
        except SyntaxError:
            continue
    if tree is None:
        return None
    calls = [
        n for n in ast.walk(tree)
        if isinstance(n, ast.Call) and (
            (isinstance(n.func, ast.Attribute) and n.func.attr == last) or (isinstance(n.func, ast.Name) and n.func.id == last)
        )
    ]
    if len(calls) != 1:
        # aliases (`from deepface.DeepFace import analyze as az`) or several calls: take the
        # only call on the line, if there is exactly one
        calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
        if len(calls) != 1:
            return None
    node = calls[0]
    star = any(isinstance(a, ast.Starred) for a in node.args) or any(k.arg is None for k in node.keywords)
    return CallShape(frozenset(k.arg for k in node.keywords if k.arg), sum(1 for a in node.args if not isinstance(a, ast.Starred)), star)


# -- attribute inference -----------------------------------------------------------------
@dataclass(frozen=True)
class Inference:
    attribute: str  # race | emotion | age | gender | smile
    how: str  # the argument (or default) that switches it on, for messages
    confidence: Confidence
    keyword: str = ""


def _api_entries(api: str) -> list[dict]:
    return [e for e in catalog("attributes.toml").get("api", []) if fnmatch.fnmatchcase(api, e.get("call", ""))]


def _token_map(entries: list[dict]) -> dict[str, str]:
    tokens = {k.lower(): v for k, v in catalog("attributes.toml").get("tokens", {}).items()}
    for entry in entries:
        tokens.update({k.lower(): v for k, v in entry.get("tokens", {}).items()})
    return tokens


def _split(value: Any) -> list[str]:
    if isinstance(value, str):
        return [t for t in re.split(r"[\s,;|]+", value.strip().lower()) if t]
    if isinstance(value, (list, tuple, set)):
        return [t for v in value for t in _split(v)]
    return []


def _labels(values: Iterable[str], tokens: Mapping[str, str], all_labels: Iterable[str]) -> list[str]:
    out: list[str] = []
    for token in values:
        label = tokens.get(token)
        if label == "all":
            out.extend(all_labels)
        elif label:
            out.append(label)
    return sorted(set(out))


def _find_argument(arguments: Mapping, keyword: str, position: int | None) -> tuple[bool, Any]:
    if keyword in arguments:
        return True, arguments[keyword]
    if position is not None and str(position) in arguments:
        return True, arguments[str(position)]
    # a key of an options dict (Baidu `options`, CompreFace `options`)
    for value in arguments.values():
        if isinstance(value, dict) and keyword in value:
            return True, value[keyword]
    return False, None


def _show(value: Any) -> str:
    text = repr(tuple(value) if isinstance(value, list) and len(value) != 1 else value)
    if isinstance(value, list) and len(value) == 1:
        text = f"[{value[0]!r}]"
    return text if len(text) <= 60 else text[:57] + "..."


def inferences(call: Any) -> list[Inference]:
    """The attributes a face call infers, each with the argument that switches it on.

    Literal arguments decide with high confidence; a keyword that is absent from a call
    whose whole source is on one line gets the API's default with high confidence, from a
    call spanning lines with medium confidence (a non-literal value may hide on another
    line); a keyword given a non-literal value may enable anything the catalog lists, with
    low confidence."""
    try:
        return _inferences(call)
    except Exception:  # a rule never crashes on odd facts
        return []


def _inferences(call: Any) -> list[Inference]:
    api = str(getattr(call, "api", "") or "")
    entries = _api_entries(api)
    tokens = _token_map(entries)
    all_labels = sorted({label for e in entries for label in e.get("all", ())})
    arguments = dict(getattr(call, "arguments", {}) or {})
    attribute_args = dict(getattr(call, "attribute_args", {}) or {})
    out: list[Inference] = []
    for entry in entries:
        categories = entry.get("categories")
        if entry.get("always") and (not categories or getattr(call, "category", "") in categories):
            level = Confidence.parse(entry["confidence"]) if entry.get("confidence") else Confidence.HIGH
            for label in entry["always"]:
                out.append(Inference(label, entry.get("note") or "every call of this API", level))
    defaults: dict[str, list[str]] = {}
    flags: dict[str, list[str]] = {}
    positions: dict[str, int] = {}
    for entry in entries:
        defaults.update(entry.get("defaults", {}))
        flags.update(entry.get("flags", {}))
        positions.update(entry.get("positions", {}))
    keywords = list(dict.fromkeys([*attribute_args, *defaults, *flags]))
    shape = None
    shape_read = False
    for keyword in keywords:
        found, value = _find_argument(arguments, keyword, positions.get(keyword))
        if found:
            if isinstance(value, bool) or isinstance(value, (int, float)):
                if value:
                    labels = flags.get(keyword) or _labels([keyword.lower()], tokens, all_labels)
                    out.extend(Inference(label, f"{keyword}={value!r}", Confidence.HIGH, keyword) for label in labels)
                continue
            labels = _labels(_split(value), tokens, all_labels)
            out.extend(Inference(label, f"{keyword}={_show(value)}", Confidence.HIGH, keyword) for label in labels)
            continue
        if not shape_read:
            shape, shape_read = call_shape(call.site, api), True
        position = positions.get(keyword)
        if shape is not None and not shape.star:
            given = keyword in shape.keywords or (position is not None and shape.positional > position)
            if not given:
                for label in defaults.get(keyword, ()):
                    out.append(Inference(label, f"`{keyword}` not given, so its default applies", Confidence.HIGH, keyword))
                continue
            possible = defaults.get(keyword) or flags.get(keyword) or _labels(_split(attribute_args.get(keyword, [])), tokens, all_labels)
            for label in possible:
                out.append(Inference(label, f"`{keyword}` is set from a value bioaudit cannot read, which may enable it", Confidence.LOW, keyword))
            continue
        # the call spans lines (or passes *args/**kwargs): the keyword may be on another line
        for label in defaults.get(keyword, ()):
            out.append(Inference(label, f"`{keyword}` not given as a literal, so its default probably applies", Confidence.MEDIUM, keyword))
    return out


# -- confidence arithmetic -------------------------------------------------------------------
def cap(confidence: Any, ceiling: Confidence) -> Confidence:
    try:
        value = Confidence(int(confidence))
    except Exception:
        value = Confidence.LOW
    return Confidence(min(int(value), int(ceiling)))
