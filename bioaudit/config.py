"""Reading and validating bioaudit configuration.

Configuration lives in the ``[tool.bioaudit]`` table of the nearest ``pyproject.toml``
(searched from the scan root upward, stopping at the repository root, i.e. a directory
holding ``.git``), or in a file given with ``--config FILE``: either a pyproject-shaped
file with ``[tool.bioaudit]``, or a ``bioaudit.toml`` (any ``.toml``) whose top level *is*
the configuration table. Fixture option files (``fixtures/BIO004_x.toml``) use the latter
shape.

TOML keys are kebab-case. Every key is checked: an unknown key, a value of the wrong type
or a value outside its allowed set is a :class:`ConfigError` that names the full key path
(``tool.bioaudit.face-apis[0].category``) and, where one is close, suggests the intended
key or value. Nothing is silently ignored.

Example::

    [tool.bioaudit]
    select = ["BIO"]
    ignore = ["BIO003"]
    frameworks = ["eu-gdpr", "us-il-bipa"]
    fail-on = "medium"
    encrypt-functions = ["ourlib.crypto.seal"]

    [tool.bioaudit.per-file-ignores]
    "research/**" = ["BIO001"]

    [tool.bioaudit.declared-fallback]
    reason = "PIN login is served by the identity service (auth.example.com)"
    ends = ["login"]

    [tool.bioaudit.rules.BIO004]
    allow-hashing = false

    [[tool.bioaudit.face-apis]]
    call = "ourlib.faces.embed"
    library = "ourlib"
    category = "template"
    returns = "template"
    image-args = [0]
"""
from __future__ import annotations

import copy
import dataclasses
import difflib
import enum
import functools
import hashlib
import json
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any, Callable, Iterable, Mapping

if sys.version_info >= (3, 11):  # pragma: no cover - version dependent
    import tomllib
else:  # pragma: no cover - version dependent
    import tomli as tomllib

import pathspec

__all__ = [
    "CONFIG_KEYS",
    "Config",
    "ConfigError",
    "LEVELS",
    "find_config",
    "ignored_for_path",
    "is_selected",
    "load_config",
    "merge_cli",
    "validate_table",
]

#: Values accepted by ``fail-on`` and ``min-confidence``, lowest first.
LEVELS: tuple[str, ...] = ("low", "medium", "high")

#: ``[[api]]`` categories of ``rules/catalogs/face_apis.toml`` (docs/catalogs.md).
FACE_API_CATEGORIES: tuple[str, ...] = (
    "load", "detect", "landmarks", "template", "verify", "identify", "analyze",
    "enroll", "liveness", "manipulate", "admin",
)
#: Facial-data kinds a face API result (or one of its fields) can carry.
DATA_KINDS: tuple[str, ...] = ("template", "landmarks", "face-image", "attributes", "none")

PYPROJECT = "pyproject.toml"
_PYPROJECT_ROOT: tuple[str | int, ...] = ("tool", "bioaudit")
_CLI_SOURCE = "command line"


# -- errors ---------------------------------------------------------------------------


class ConfigError(Exception):
    """A configuration problem, reported to the user without a traceback (exit code 2).

    ``str(error)`` is the full message, e.g.
    ``pyproject.toml: [tool.bioaudit] unknown key 'fail_on' (did you mean 'fail-on'?)``.
    ``source`` is the file (or ``"command line"``), ``key`` the full dotted key path,
    ``suggestion`` the closest valid key or value, if any.
    """

    def __init__(self, message: str, *, source: str = "", key: str = "", suggestion: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.source = source
        self.key = key
        self.suggestion = suggestion

    def __str__(self) -> str:
        return self.message


# -- the configuration ----------------------------------------------------------------


@dataclass
class Config:
    """The validated configuration. Field names are the snake_case of the TOML keys."""

    source: str = ""  # path of the file read, "" for defaults
    select: list[str] = field(default_factory=lambda: ["ALL"])  # rule ids, id prefixes or "ALL"
    ignore: list[str] = field(default_factory=list)
    frameworks: list[str] | None = None  # None = all
    fail_on: str = "low"  # low | medium | high
    min_confidence: str = "low"  # low | medium | high
    exclude: list[str] | None = None  # None = the discovery defaults
    extend_exclude: list[str] = field(default_factory=list)
    respect_gitignore: bool = True
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)  # glob -> rule ids
    jobs: int | None = None  # None = one per core
    cache: bool = True
    timeout_per_file: float = 20.0
    # vocabulary extensions: qualified names or fnmatch-style patterns of names
    consent_functions: list[str] = field(default_factory=list)
    consent_decorators: list[str] = field(default_factory=list)
    consent_attributes: list[str] = field(default_factory=list)
    encrypt_functions: list[str] = field(default_factory=list)
    fallback_functions: list[str] = field(default_factory=list)
    auth_actions: list[str] = field(default_factory=list)
    log_functions: list[str] = field(default_factory=list)
    storage_functions: list[str] = field(default_factory=list)
    face_apis: list[dict] = field(default_factory=list)  # extra [[api]] catalog entries
    declared_fallback: dict | None = None  # {"reason": str, "ends": list[str]}
    rule_options: dict[str, dict] = field(default_factory=dict)  # rule id -> options table

    @property
    def root(self) -> Path | None:
        """Directory of the config file: the base of relative globs; None for defaults."""
        return Path(self.source).parent if self.source else None

    def options_for(self, rule_id: str) -> dict:
        """The ``[tool.bioaudit.rules.<id>]`` table of a rule (a copy), ``{}`` if none."""
        return copy.deepcopy(self.rule_options.get(rule_id, {}))

    def cache_key(self) -> str:
        """A stable hash of every setting that can change analysis results.

        Excludes ``source``, ``jobs``, ``cache``, ``fail_on`` and output-only settings, so
        moving the config file or changing the exit threshold keeps a warm cache.
        """
        skip = {"source", "jobs", "cache", "fail_on", "frameworks", "min_confidence"}
        data = {k: v for k, v in dataclasses.asdict(self).items() if k not in skip}
        text = json.dumps(data, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()


# -- key paths and error reporting ----------------------------------------------------

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
KeyPath = tuple  # of str (table keys) and int (array indices)


def _render(path: Iterable[str | int]) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            seg = part if _BARE_KEY.fullmatch(part) else json.dumps(part, ensure_ascii=False)
            out += ("." if out else "") + seg
    return out


def _type_name(value: Any) -> str:
    if isinstance(value, dict):
        return "table"
    if isinstance(value, bool):
        return "bool"
    return type(value).__name__


def _closest(word: str, candidates: Iterable[str], *, cutoff: float = 0.6) -> str:
    cands = list(dict.fromkeys(candidates))
    if not cands:
        return ""
    exact_ci = [c for c in cands if c.lower() == word.lower()]
    if exact_ci:
        return exact_ci[0]
    matches = difflib.get_close_matches(word, cands, n=1, cutoff=cutoff)
    if not matches:
        matches = difflib.get_close_matches(word.lower(), [c.lower() for c in cands], n=1, cutoff=cutoff)
        if matches:
            matches = [next(c for c in cands if c.lower() == matches[0])]
    return matches[0] if matches else ""


@dataclass
class _Ctx:
    source: str
    known_rules: Mapping[str, str] | None = None
    known_frameworks: tuple[str, ...] | None = None

    def _prefix(self) -> str:
        return f"{self.source}: " if self.source else ""

    def error(self, path: KeyPath, problem: str, *, suggestion: str = "") -> ConfigError:
        hint = f" (did you mean {suggestion!r}?)" if suggestion else ""
        key = _render(path)
        where = f"{key}: " if key else ""
        return ConfigError(
            f"{self._prefix()}{where}{problem}{hint}",
            source=self.source, key=key, suggestion=suggestion,
        )

    def unknown_key(self, parent: KeyPath, key: str, valid: Iterable[str]) -> ConfigError:
        valid = list(valid)
        kebab = key.replace("_", "-")
        suggestion = kebab if kebab in valid and kebab != key else _closest(kebab, valid)
        if not suggestion and key in _KEY_HINTS and _KEY_HINTS[key] in valid:
            suggestion = _KEY_HINTS[key]
        hint = f" (did you mean {suggestion!r}?)" if suggestion else ""
        table = _render(parent)
        where = f"[{table}] " if table else ""
        return ConfigError(
            f"{self._prefix()}{where}unknown key {key!r}{hint}",
            source=self.source, key=_render((*parent, key)), suggestion=suggestion,
        )


# Keys other tools use for the same thing, or earlier drafts of this one.
_KEY_HINTS = {
    "per-path-ignores": "per-file-ignores",
    "extend-ignore": "ignore",
    "extend-select": "select",
    "exclude-paths": "exclude",
    "framework": "frameworks",
    "options": "rules",
}


# -- value validators -----------------------------------------------------------------
# Each takes (value, path, ctx) and returns the normalised value or raises ConfigError.

Validator = Callable[[Any, KeyPath, _Ctx], Any]


def _v_bool(value: Any, path: KeyPath, ctx: _Ctx) -> bool:
    if not isinstance(value, bool):
        raise ctx.error(path, f"expected true or false, got {_type_name(value)}")
    return value


def _v_str(value: Any, path: KeyPath, ctx: _Ctx, *, nonempty: bool = True) -> str:
    if not isinstance(value, str):
        raise ctx.error(path, f"expected a string, got {_type_name(value)}")
    if nonempty and not value.strip():
        raise ctx.error(path, "expected a non-empty string")
    return value


def _v_int(value: Any, path: KeyPath, ctx: _Ctx, *, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ctx.error(path, f"expected an integer, got {_type_name(value)}")
    if value < minimum:
        raise ctx.error(path, f"expected an integer >= {minimum}, got {value}")
    return value


def _v_str_list(
    value: Any, path: KeyPath, ctx: _Ctx, *, item: Callable[[str, KeyPath, _Ctx], str] | None = None,
) -> list[str]:
    if isinstance(value, str):
        raise ctx.error(path, f"expected a list of strings, got str (write [{json.dumps(value)}])")
    if not isinstance(value, (list, tuple)):
        raise ctx.error(path, f"expected a list of strings, got {_type_name(value)}")
    out: list[str] = []
    for i, entry in enumerate(value):
        if not isinstance(entry, str):
            raise ctx.error((*path, i), f"expected a list of strings, got {_type_name(entry)} in the list")
        if not entry.strip():
            raise ctx.error((*path, i), "expected a non-empty string")
        entry = item(entry, (*path, i), ctx) if item else entry
        if entry not in out:
            out.append(entry)
    return out


def _v_int_list(value: Any, path: KeyPath, ctx: _Ctx) -> list[int]:
    if not isinstance(value, (list, tuple)):
        raise ctx.error(path, f"expected a list of integers, got {_type_name(value)}")
    out = []
    for i, entry in enumerate(value):
        if isinstance(entry, bool) or not isinstance(entry, int):
            raise ctx.error((*path, i), f"expected a list of integers, got {_type_name(entry)} in the list")
        if entry < 0:
            raise ctx.error((*path, i), f"expected a non-negative argument index, got {entry}")
        out.append(entry)
    return out


def _v_choice(choices: tuple[str, ...]) -> Validator:
    def check(value: Any, path: KeyPath, ctx: _Ctx) -> str:
        if isinstance(value, enum.Enum):  # Severity.HIGH / Confidence.LOW from the CLI
            value = value.name
        if not isinstance(value, str):
            raise ctx.error(path, f"expected one of {', '.join(choices)}, got {_type_name(value)}")
        norm = value.strip().lower()
        if norm in choices:
            return norm
        raise ctx.error(
            path,
            f"invalid value {value!r} (expected one of: {', '.join(choices)})",
            suggestion=_closest(norm, choices),
        )

    return check


def _table(value: Any, path: KeyPath, ctx: _Ctx) -> dict:
    if not isinstance(value, dict):
        raise ctx.error(path, f"expected a table, got {_type_name(value)}")
    return value


def _check_keys(table: dict, path: KeyPath, ctx: _Ctx, valid: Iterable[str]) -> None:
    valid = tuple(valid)
    for key in table:
        if key not in valid:
            raise ctx.unknown_key(path, key, valid)


_NAME_PATTERN = re.compile(r"[A-Za-z0-9_.*?\[\]!-]+")
_QUALNAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")


def _name_pattern(entry: str, path: KeyPath, ctx: _Ctx) -> str:
    entry = entry.strip()
    if not _NAME_PATTERN.fullmatch(entry):
        raise ctx.error(
            path,
            f"invalid name pattern {entry!r} (expected a qualified name such as "
            "'myapp.privacy.require_consent' or a glob such as '*consent*')",
        )
    return entry


def _v_vocabulary(value: Any, path: KeyPath, ctx: _Ctx) -> list[str]:
    return _v_str_list(value, path, ctx, item=_name_pattern)


@functools.lru_cache(maxsize=1024)
def _compile_glob(pattern: str) -> pathspec.PathSpec:
    return pathspec.GitIgnoreSpec.from_lines([pattern])


def _glob(entry: str, path: KeyPath, ctx: _Ctx) -> str:
    entry = entry.strip()
    body = entry[1:] if entry.startswith("!") else entry
    if body.startswith("./"):
        body = body[1:]  # "./tests/*" -> "/tests/*": anchored at the config root
        entry = ("!" if entry.startswith("!") else "") + body
    if not body:
        raise ctx.error(path, "expected a non-empty glob")
    try:
        _compile_glob(body)
    except Exception as exc:  # pathspec raises its own pattern errors
        raise ctx.error(path, f"invalid glob {entry!r}: {exc}") from None
    return entry


def _v_globs(value: Any, path: KeyPath, ctx: _Ctx) -> list[str]:
    return _v_str_list(value, path, ctx, item=_glob)


def _v_exclude(value: Any, path: KeyPath, ctx: _Ctx) -> list[str] | None:
    return None if value is None else _v_globs(value, path, ctx)


_RULE_ID = re.compile(r"[A-Z]+[0-9]*")
_RULE_NAME = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*")


def _resolve_rule(entry: str, path: KeyPath, ctx: _Ctx, *, allow_prefix: bool = True) -> str:
    """Normalise a rule selector to an id (or id prefix); names map to their id."""
    text = entry.strip()
    if text.upper() == "ALL":
        return "ALL"
    known = ctx.known_rules
    if known is None:
        if _RULE_ID.fullmatch(text.upper()):
            return text.upper()
        if _RULE_NAME.fullmatch(text):
            return text
        raise ctx.error(path, f"invalid rule selector {entry!r} (expected a rule id such as 'BIO004', "
                              "an id prefix such as 'BIO', or a rule name)")
    by_name = {name.lower(): rid for rid, name in known.items()}
    if text.lower() in by_name:
        return by_name[text.lower()]
    upper = text.upper()
    if upper in known:
        return upper
    if _RULE_ID.fullmatch(upper) and any(rid.startswith(upper) for rid in known):
        if allow_prefix:
            return upper
        raise ctx.error(path, f"{entry!r} is a prefix; rule options apply to one rule, "
                              "name it by id or name")
    if _RULE_ID.fullmatch(upper):
        candidates = list(known)
        if allow_prefix and not any(ch.isdigit() for ch in upper):
            candidates += [m.group(0) for rid in known if (m := re.match(r"[A-Z]+", rid))]
        suggestion = _closest(upper, candidates)
    else:
        suggestion = _closest(text.lower(), list(known.values()))
    raise ctx.error(path, f"unknown rule {entry!r}", suggestion=suggestion)


def _v_rules(value: Any, path: KeyPath, ctx: _Ctx) -> list[str]:
    return _v_str_list(value, path, ctx, item=_resolve_rule)


def _framework(entry: str, path: KeyPath, ctx: _Ctx) -> str:
    text = entry.strip().lower()
    known = ctx.known_frameworks
    if known is None or text in known:
        return text
    raise ctx.error(
        path,
        f"unknown framework {entry!r} (known: {', '.join(sorted(known))})",
        suggestion=_closest(text, known),
    )


def _v_frameworks(value: Any, path: KeyPath, ctx: _Ctx) -> list[str] | None:
    return None if value is None else _v_str_list(value, path, ctx, item=_framework)


def _v_jobs(value: Any, path: KeyPath, ctx: _Ctx) -> int | None:
    if value is None or (isinstance(value, str) and value.strip().lower() == "auto"):
        return None
    if isinstance(value, str):
        raise ctx.error(path, f"expected a positive integer or \"auto\", got {value!r}")
    return _v_int(value, path, ctx, minimum=1)


def _v_timeout(value: Any, path: KeyPath, ctx: _Ctx) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ctx.error(path, f"expected a number of seconds, got {_type_name(value)}")
    if not value > 0 or value != value or value == float("inf"):
        raise ctx.error(path, f"expected a positive number of seconds, got {value}")
    return float(value)


def _v_per_file_ignores(value: Any, path: KeyPath, ctx: _Ctx) -> dict[str, list[str]]:
    table = _table(value, path, ctx)
    out: dict[str, list[str]] = {}
    for pattern, rules in table.items():
        glob = _glob(pattern, (*path, pattern), ctx)
        out.setdefault(glob, [])
        for rid in _v_rules(rules, (*path, pattern), ctx):
            if rid not in out[glob]:
                out[glob].append(rid)
    return out


_FALLBACK_KEYS = ("reason", "ends")


def _v_declared_fallback(value: Any, path: KeyPath, ctx: _Ctx) -> dict | None:
    if value is None:
        return None
    table = _table(value, path, ctx)
    _check_keys(table, path, ctx, _FALLBACK_KEYS)
    if "reason" not in table:
        raise ctx.error((*path, "reason"), "required key missing: a declared fallback needs a "
                                           "reason saying where the non-face alternative lives")
    reason = _v_str(table["reason"], (*path, "reason"), ctx).strip()
    ends = _v_vocabulary(table.get("ends", []), (*path, "ends"), ctx)
    return {"reason": reason, "ends": ends}


def _v_rule_options(value: Any, path: KeyPath, ctx: _Ctx) -> dict[str, dict]:
    table = _table(value, path, ctx)
    out: dict[str, dict] = {}
    for name, options in table.items():
        rid = _resolve_rule(name, (*path, name), ctx, allow_prefix=False)
        opts = _table(options, (*path, name), ctx)
        if rid in out:
            raise ctx.error((*path, name), f"options for {rid} given twice (by id and by name)")
        out[rid] = copy.deepcopy(opts)
    return out


# [[face-apis]] entries: same shape as [[api]] in rules/catalogs/face_apis.toml.
_WHEN_KEYS = ("arg", "keyword", "equals", "contains")
_REGION_KEYS = ("arg", "keyword")


def _v_arg_selector(value: Any, path: KeyPath, ctx: _Ctx, keys: tuple[str, ...]) -> dict:
    table = _table(value, path, ctx)
    _check_keys(table, path, ctx, keys)
    out: dict[str, Any] = {}
    if "arg" in table:
        out["arg"] = _v_int(table["arg"], (*path, "arg"), ctx)
    if "keyword" in table:
        out["keyword"] = _v_str(table["keyword"], (*path, "keyword"), ctx)
    if not out:
        raise ctx.error(path, "needs `arg` (a position) or `keyword` (a name), or both")
    for key in ("equals", "contains"):
        if key in keys and key in table:
            out[key] = _v_str_list(table[key], (*path, key), ctx)
    if "equals" in keys and "equals" not in out and "contains" not in out:
        raise ctx.error(path, "needs `equals` or `contains`, the literal values the entry applies to")
    return out


def _v_fields(value: Any, path: KeyPath, ctx: _Ctx) -> dict[str, str]:
    table = _table(value, path, ctx)
    kind = _v_choice(DATA_KINDS)
    return {name: kind(k, (*path, name), ctx) for name, k in table.items()}


def _v_qualname(value: Any, path: KeyPath, ctx: _Ctx) -> str:
    text = _v_str(value, path, ctx).strip()
    if not _QUALNAME.fullmatch(text):
        raise ctx.error(path, f"expected a qualified name such as 'ourlib.faces.embed' or "
                              f"'ourlib.FaceModel.predict', got {value!r}")
    return text


_FACE_API_FIELDS: dict[str, Validator] = {
    "call": _v_qualname,
    "library": _v_str,
    "category": _v_choice(FACE_API_CATEGORIES),
    "returns": _v_choice(DATA_KINDS),
    "fields": _v_fields,
    "image-args": _v_int_list,
    "image-keywords": _v_str_list,
    "returns-type": lambda v, p, c: _v_str(v, p, c, nonempty=False),
    "taints-receiver": lambda v, p, c: "" if v == "" else _v_choice(DATA_KINDS)(v, p, c),
    "when": lambda v, p, c: _v_arg_selector(v, p, c, _WHEN_KEYS),
    "region-arg": lambda v, p, c: _v_arg_selector(v, p, c, _REGION_KEYS),
}
_FACE_API_REQUIRED = ("call", "category")


def _v_face_apis(value: Any, path: KeyPath, ctx: _Ctx) -> list[dict]:
    if isinstance(value, dict):
        raise ctx.error(path, "expected an array of tables ([[tool.bioaudit.face-apis]]), got table")
    if not isinstance(value, (list, tuple)):
        raise ctx.error(path, f"expected an array of tables, got {_type_name(value)}")
    out = []
    for i, entry in enumerate(value):
        epath = (*path, i)
        if not isinstance(entry, dict):
            raise ctx.error(epath, f"expected a table, got {_type_name(entry)}")
        _check_keys(entry, epath, ctx, _FACE_API_FIELDS)
        for key in _FACE_API_REQUIRED:
            if key not in entry:
                raise ctx.error((*epath, key), "missing required key")
        out.append({key: _FACE_API_FIELDS[key](val, (*epath, key), ctx) for key, val in entry.items()})
    return out


# TOML key -> (Config field, validator). Order is the documented order.
CONFIG_KEYS: dict[str, tuple[str, Validator]] = {
    "select": ("select", _v_rules),
    "ignore": ("ignore", _v_rules),
    "frameworks": ("frameworks", _v_frameworks),
    "fail-on": ("fail_on", _v_choice(LEVELS)),
    "min-confidence": ("min_confidence", _v_choice(LEVELS)),
    "exclude": ("exclude", _v_exclude),
    "extend-exclude": ("extend_exclude", _v_globs),
    "respect-gitignore": ("respect_gitignore", _v_bool),
    "per-file-ignores": ("per_file_ignores", _v_per_file_ignores),
    "jobs": ("jobs", _v_jobs),
    "cache": ("cache", _v_bool),
    "timeout-per-file": ("timeout_per_file", _v_timeout),
    "consent-functions": ("consent_functions", _v_vocabulary),
    "consent-decorators": ("consent_decorators", _v_vocabulary),
    "consent-attributes": ("consent_attributes", _v_vocabulary),
    "encrypt-functions": ("encrypt_functions", _v_vocabulary),
    "fallback-functions": ("fallback_functions", _v_vocabulary),
    "auth-actions": ("auth_actions", _v_vocabulary),
    "log-functions": ("log_functions", _v_vocabulary),
    "storage-functions": ("storage_functions", _v_vocabulary),
    "face-apis": ("face_apis", _v_face_apis),
    "declared-fallback": ("declared_fallback", _v_declared_fallback),
    "rules": ("rule_options", _v_rule_options),
}
_FIELD_TO_KEY = {fname: key for key, (fname, _) in CONFIG_KEYS.items()}


# -- public API -----------------------------------------------------------------------


def validate_table(
    table: Mapping,
    *,
    source: str,
    known_rules: Mapping[str, str] | None = None,
    known_frameworks: Iterable[str] | None = None,
    root: Iterable[str | int] = _PYPROJECT_ROOT,
) -> Config:
    """Validate a ``[tool.bioaudit]``-shaped table and build a :class:`Config`.

    ``root`` is the key path of the table inside its file, used in messages:
    ``("tool", "bioaudit")`` for pyproject.toml (the default), ``()`` for a standalone
    bioaudit.toml. ``known_rules`` maps rule id -> rule name; ``known_frameworks`` lists
    framework ids. Without them, rule selectors and framework ids are only checked for
    shape.
    """
    ctx = _Ctx(source, known_rules, tuple(known_frameworks) if known_frameworks is not None else None)
    root = tuple(root)
    if not isinstance(table, Mapping):
        raise ctx.error(root, f"expected a table, got {_type_name(table)}")
    values: dict[str, Any] = {"source": source}
    for key, value in table.items():
        if key not in CONFIG_KEYS:
            raise ctx.unknown_key(root, key, CONFIG_KEYS)
        fname, validator = CONFIG_KEYS[key]
        values[fname] = validator(value, (*root, key), ctx)
    return Config(**values)


def find_config(start: Path) -> Path | None:
    """The nearest ``pyproject.toml`` with a ``[tool.bioaudit]`` table, from ``start`` up.

    ``start`` may be a file or a directory. The search stops after the first directory
    holding ``.git`` (the repository root; a ``.git`` file, as in worktrees and
    submodules, counts) or at the filesystem root. A pyproject.toml without the table
    (e.g. a sub-package's) is passed over; one that is not valid TOML is returned if it
    mentions bioaudit, so that loading it reports the error.
    """
    here = Path(start).resolve()
    if not here.is_dir():
        here = here.parent
    for directory in (here, *here.parents):
        candidate = directory / PYPROJECT
        if candidate.is_file() and _has_bioaudit_table(candidate):
            return candidate
        if (directory / ".git").exists():
            return None
    return None


def _has_bioaudit_table(path: Path) -> bool:
    try:
        data = path.read_bytes()
    except OSError:
        return False
    try:
        doc = tomllib.loads(data.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError):
        return b"bioaudit" in data
    tool = doc.get("tool")
    return isinstance(tool, dict) and "bioaudit" in tool


def load_config(
    path: Path | None,
    *,
    known_rules: Mapping[str, str] | None = None,
    known_frameworks: Iterable[str] | None = None,
) -> Config:
    """Read and validate a config file; ``None`` gives the defaults.

    A file named ``pyproject.toml`` is read for its ``[tool.bioaudit]`` table (absent:
    defaults, ``source == ""``). Any other file is read for ``[tool.bioaudit]`` if it has
    one, else its top level is the configuration table (``bioaudit.toml``).
    """
    if path is None:
        return Config()
    path = Path(path)
    source = str(path)
    if not path.exists():
        raise ConfigError(f"config file not found: {source}", source=source)
    if path.is_dir():
        raise ConfigError(f"config path is a directory, not a file: {source}", source=source)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read config file {source}: {exc.strerror or exc}", source=source) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{source}: not valid UTF-8 (byte {exc.start})", source=source) from None
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _toml_error(exc, text, source) from None

    tool = doc.get("tool")
    ctx = _Ctx(source)
    if path.name == PYPROJECT or (isinstance(tool, dict) and "bioaudit" in tool):
        if tool is None:
            return Config()
        if not isinstance(tool, dict):
            raise ctx.error(("tool",), f"expected a table, got {_type_name(tool)}")
        if "bioaudit" not in tool:
            return Config()
        table, root = tool["bioaudit"], _PYPROJECT_ROOT
    else:
        table, root = doc, ()
    return validate_table(
        table, source=source, known_rules=known_rules, known_frameworks=known_frameworks, root=root,
    )


_TOML_POS = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_TOML_END = re.compile(r"\s*\(at end of document\)\s*$")


def _toml_error(exc: Exception, text: str, source: str) -> ConfigError:
    msg = str(getattr(exc, "msg", "") or exc)
    line, col = getattr(exc, "lineno", None), getattr(exc, "colno", None)
    if m := _TOML_POS.search(msg):
        line, col = int(m.group(1)), int(m.group(2))
        msg = msg[: m.start()]
    elif m := _TOML_END.search(msg):
        msg = msg[: m.start()]
    if line is None:  # end of document
        lines = text.split("\n")
        line, col = len(lines), len(lines[-1]) + 1
    return ConfigError(
        f"{source}: invalid TOML at line {line}, column {col}: {msg.strip()}", source=source,
    )


_EXTENDING = {
    "extend_select": "select",
    "extend_ignore": "ignore",
    "extend_exclude": "extend_exclude",
}


# Config fields whose command-line option is spelled differently.
_CLI_FLAGS = {"frameworks": "--framework", "cache": "--no-cache", "extend_exclude": "--extend-exclude"}


def merge_cli(
    config: Config,
    *,
    known_rules: Mapping[str, str] | None = None,
    known_frameworks: Iterable[str] | None = None,
    **overrides: Any,
) -> Config:
    """A copy of ``config`` with the non-None command-line values applied.

    Keyword names are :class:`Config` field names (``select``, ``ignore``, ``frameworks``,
    ``fail_on``, ``min_confidence``, ``exclude``, ``jobs``, ``cache``, ...); they replace
    the config value. ``extend_exclude``, ``extend_select`` and ``extend_ignore`` add to
    it instead. Values are validated like the TOML ones (errors name ``--fail-on`` etc.;
    pass ``known_rules`` / ``known_frameworks`` to check ids). Unknown names are a
    ``TypeError`` (a programming error, not a user one).
    """
    ctx = _Ctx(_CLI_SOURCE, known_rules, tuple(known_frameworks) if known_frameworks is not None else None)
    field_names = {f.name for f in dataclasses.fields(Config)} - {"source"}
    result = copy.deepcopy(config)
    for name, value in overrides.items():
        if name not in field_names and name not in _EXTENDING:
            raise TypeError(f"merge_cli() got an unknown override {name!r}")
        if value is None:
            continue
        target = _EXTENDING.get(name, name)
        flag = _CLI_FLAGS.get(name, "--" + name.replace("_", "-"))
        validator = CONFIG_KEYS[_FIELD_TO_KEY[target]][1]
        if isinstance(value, (set, frozenset)):
            value = sorted(value)
        new = validator(value, (flag,), ctx)
        if name in _EXTENDING:
            current = list(getattr(result, target))
            new = current + [v for v in new if v not in current]
        setattr(result, target, new)
    return result


def _matching_prefix(rule_id: str, selectors: Iterable[str]) -> int:
    """Length of the longest selector that is a prefix of ``rule_id``; -1 if none."""
    best = -1
    for sel in selectors:
        if rule_id.startswith(sel) and len(sel) > best:
            best = len(sel)
    return best


def is_selected(rule_id: str, config: Config, *, default_enabled: bool = True) -> bool:
    """Whether ``rule_id`` runs under ``config``'s ``select`` / ``ignore`` (ruff logic).

    The longest selector that prefixes the id decides; on a tie ``ignore`` wins. A rule
    that no ``select`` entry matches is off. An opt-in rule (``default_enabled=False``,
    i.e. ``DEFAULT_ENABLED = False``) must be selected by its exact id.
    """
    # "ALL" (the default) selects every rule that is on by default, plugins' included.
    selected = _matching_prefix(rule_id, ["" if s == "ALL" else s for s in config.select])
    ignored = _matching_prefix(rule_id, ["" if s == "ALL" else s for s in config.ignore])
    if selected < 0 or ignored >= selected:
        return False
    return default_enabled or selected == len(rule_id)


def _relative_posix(rel_path: str | PurePath, config: Config) -> str:
    path = PurePath(rel_path)
    if path.is_absolute() and config.root is not None:
        try:
            path = Path(path).relative_to(config.root.resolve())
        except ValueError:
            try:
                path = Path(path).relative_to(config.root)
            except ValueError:
                pass
    text = path.as_posix()
    while text.startswith("./"):
        text = text[2:]
    return text


def _glob_matches(glob: str, rel_posix: str) -> bool:
    if glob.startswith("!"):
        return not _compile_glob(glob[1:]).match_file(rel_posix)
    return _compile_glob(glob).match_file(rel_posix)


def ignored_for_path(rule_id: str, rel_path: str | os.PathLike, config: Config) -> bool:
    """Whether a ``per-file-ignores`` entry turns ``rule_id`` off for ``rel_path``.

    Globs are gitignore-style, relative to the config file's directory: ``tests/**`` and
    ``tests/`` cover everything under ``tests``, ``tests/*.py`` only its direct children,
    a pattern without a slash (``conftest.py``, ``*_test.py``) matches at any depth, a
    leading ``/`` anchors at the root, and a leading ``!`` applies the ignore to every
    path the rest of the glob does *not* match. Values are rule ids or id prefixes.
    """
    if not config.per_file_ignores:
        return False
    rel = _relative_posix(rel_path, config)
    for glob, rules in config.per_file_ignores.items():
        if _matching_prefix(rule_id, rules) >= 0 and _glob_matches(glob, rel):
            return True
    return False
