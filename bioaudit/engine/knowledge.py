"""Everything bioaudit knows about face libraries, sinks and vocabulary, loaded from the
TOML catalogs in `rules/catalogs/` and extended from `[tool.bioaudit]`."""
from __future__ import annotations

import fnmatch
import functools
import re
import sys
from dataclasses import dataclass, field
from importlib import resources
from typing import Iterable, Mapping, NamedTuple

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

PROCESSING_CATEGORIES = frozenset(
    {"detect", "landmarks", "template", "verify", "identify", "analyze", "enroll", "liveness", "manipulate"}
)
DECISION_CATEGORIES = frozenset({"verify", "identify"})
DATA_KINDS = ("template", "landmarks", "face-image", "attributes")
RAW_KINDS = frozenset({"template", "landmarks", "face-image"})  # raw biometric data


class CatalogError(Exception):
    pass


def _has_wildcard(pattern: str) -> bool:
    return any(c in pattern for c in "*?[")


def _is_plain(pattern: str, head: str, tail: str) -> bool:
    """Is the pattern `head + word + tail` with no other wildcard in the word?"""
    word = pattern[len(head) : len(pattern) - len(tail)]
    return pattern.startswith(head) and pattern.endswith(tail) and len(pattern) > len(head) + len(tail) and not _has_wildcard(word)


class Globs:
    """A set of shell globs matched against a qualified name or its last part."""

    def __init__(self, patterns: Iterable[str]) -> None:
        self.patterns = tuple(dict.fromkeys(patterns))
        # Case-insensitive: `CONSENTS`, `hasConsent` and `has_consent` name the same thing.
        lowered = [p.lower() for p in self.patterns]
        self._exact = frozenset(p for p in lowered if not _has_wildcard(p))
        # `*word*`, `word*` and `*word` are string tests; a regex of many `.*` alternatives
        # backtracks through every alternative on every new name (5% of a face scan).
        self._contains = tuple(p[1:-1] for p in lowered if _is_plain(p, "*", "*"))
        self._prefixes = tuple(p[:-1] for p in lowered if _is_plain(p, "", "*"))
        self._suffixes = tuple(p[1:] for p in lowered if _is_plain(p, "*", ""))
        plain = {*self._exact, *(f"*{w}*" for w in self._contains), *(f"{w}*" for w in self._prefixes), *(f"*{w}" for w in self._suffixes)}
        wild = [p for p in lowered if p not in plain]
        self._regex = re.compile("|".join(fnmatch.translate(p) for p in wild)) if wild else None
        self._cache: dict[str, bool] = {}

    def __bool__(self) -> bool:
        return bool(self.patterns)

    def match(self, name: str) -> bool:
        """Does a pattern match the whole name or its last dotted part?"""
        hit = self._cache.get(name)
        if hit is None:
            lowered = name.lower()
            last = lowered.rsplit(".", 1)[-1]
            hit = (
                lowered in self._exact
                or last in self._exact
                or any(word in lowered for word in self._contains)
                or lowered.startswith(self._prefixes)
                or last.startswith(self._prefixes)
                or lowered.endswith(self._suffixes)
                or (self._regex is not None and bool(self._regex.match(lowered) or self._regex.match(last)))
            )
            self._cache[name] = hit
        return hit

    def extended(self, more: Iterable[str]) -> "Globs":
        return Globs((*self.patterns, *more))


class FileWrite(NamedTuple):
    target: tuple  # where the path is (positions and keywords)
    returns_name: bool  # the call returns the saved file's name (Django storage)


@dataclass(frozen=True)
class Library:
    id: str
    imports: tuple[str, ...]
    requires_text: tuple[str, ...] = ()
    cloud: bool = False
    vendor: str = ""
    region: str = ""


@dataclass(frozen=True)
class ApiSpec:
    call: str
    library: str = ""
    category: str = "load"
    returns: str = "none"
    fields: Mapping[str, str] = field(default_factory=dict)
    image_args: tuple[int, ...] = ()
    image_keywords: tuple[str, ...] = ()
    returns_type: str = ""
    taints_receiver: str = ""
    when: Mapping | None = None
    region_arg: Mapping | None = None
    attribute_args: Mapping[str, list] = field(default_factory=dict)
    keeps_taint: bool = False
    # for a field of kind "rows" (an array of per-face rows): kind of each column range
    row_columns: Mapping[str, str] = field(default_factory=dict)

    @property
    def processing(self) -> bool:
        return self.category in PROCESSING_CATEGORIES

    @property
    def decision(self) -> bool:
        return self.category in DECISION_CATEGORIES


@dataclass(frozen=True)
class SinkSpec:
    call: str
    category: str  # storage | network
    data: tuple = ()  # ints, keyword names, "receiver", "rest:N", "*"
    target: tuple = ()
    encrypting_keywords: tuple[str, ...] = ()  # given, the service encrypts the data at rest
    sql: bool = False  # the first argument is SQL: only writes store their parameters


_API_KEYS = {
    "call", "library", "category", "returns", "fields", "image-args", "image-keywords",
    "returns-type", "taints-receiver", "when", "region-arg", "attribute-args", "keeps-taint",
    "row-columns",
}


def api_from_table(table: Mapping, source: str) -> ApiSpec:
    unknown = set(table) - _API_KEYS
    if unknown:
        raise CatalogError(f"{source}: unknown key(s) in [[api]] {table.get('call', '?')}: {sorted(unknown)}")
    if "call" not in table:
        raise CatalogError(f"{source}: [[api]] entry without `call`")
    return ApiSpec(
        call=table["call"],
        library=table.get("library", ""),
        category=table.get("category", "load"),
        returns=table.get("returns", "none"),
        fields=dict(table.get("fields", {})),
        image_args=tuple(table.get("image-args", ())),
        image_keywords=tuple(table.get("image-keywords", ())),
        returns_type=table.get("returns-type", ""),
        taints_receiver=table.get("taints-receiver", ""),
        when=table.get("when"),
        region_arg=table.get("region-arg"),
        attribute_args=dict(table.get("attribute-args", {})),
        keeps_taint=bool(table.get("keeps-taint", False)),
        row_columns=dict(table.get("row-columns", {})),
    )


def _read(name: str) -> dict:
    try:
        text = resources.files("bioaudit.rules").joinpath("catalogs", name).read_text("utf-8")
    except FileNotFoundError:
        return {}
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError(f"catalog {name} is not valid TOML: {exc}") from None


class Knowledge:
    """Fast lookups over the catalogs. Built once per scan (and per worker process)."""

    def __init__(self, face: dict, sinks: dict, vocab: dict, extra: Mapping | None = None) -> None:
        extra = extra or {}
        self.libraries: dict[str, Library] = {}
        for lib in face.get("library", []):
            self.libraries[lib["id"]] = Library(
                id=lib["id"],
                imports=tuple(lib.get("imports", ())),
                requires_text=tuple(lib.get("requires-text", ())),
                cloud=bool(lib.get("cloud", False)),
                vendor=lib.get("vendor", ""),
                region=lib.get("region", ""),
            )
        aliases: dict[str, str] = {}
        for lib in face.get("library", []):
            aliases.update(lib.get("module-aliases", {}))
        self.module_aliases = aliases

        self.apis: dict[str, list[ApiSpec]] = {}
        for source, tables in (
            ("face_apis.toml", face.get("api", [])),
            ("sinks.toml", sinks.get("api", [])),
            ("[tool.bioaudit] face-apis", extra.get("face_apis", [])),
        ):
            for table in tables:
                spec = api_from_table(table, source)
                self.apis.setdefault(spec.call, []).append(spec)
        self.attributes: dict[tuple[str, str], str] = {}
        # one object per process that code writes into and reads back elsewhere
        # (`app.ctx.db = ...` in a start-up listener, `request.app.ctx.db` in a route)
        self.shared_attributes: set[tuple[str, str]] = set()
        for table in (*face.get("attribute", []), *sinks.get("attribute", [])):
            if table.get("shared"):
                self.shared_attributes.add((table["of"], table["name"]))
            else:
                self.attributes[(table["of"], table["name"])] = table["type"]
        # a type whose instances are one of those shared objects (Litestar's `State`)
        self.shared_types = {table["type"]: table["is"] for table in sinks.get("shared-type", [])}
        # objects shared by every request whose items are written in one place and read in
        # another (aiohttp's `app["db"] = ...`, `request.app["db"]`)
        self.shared_mappings = frozenset(table["type"] for table in sinks.get("shared-mapping", []))
        # what a framework passes as the first parameter of the functions it calls back
        self.handler_params = tuple((Globs(table["decorators"]), table["type"]) for table in sinks.get("handler-param", []))
        self.model_files = tuple(face.get("model-files", ()))

        log = sinks.get("log", {})
        self.log_calls = Globs((*log.get("calls", ()), *extra.get("log_functions", ())))
        self.logger_names = Globs(log.get("logger-names", ()))
        self.logger_methods = frozenset(log.get("logger-methods", ()))

        self.sinks: dict[str, SinkSpec] = {}
        for category in ("storage", "network"):
            for table in sinks.get(category, []):
                for call in table["calls"]:
                    self.sinks[call] = SinkSpec(
                        call=call,
                        category=category,
                        data=tuple(table.get("data", ())),
                        target=tuple(table.get("target", ())),
                        encrypting_keywords=tuple(table.get("encrypting-keywords", ())),
                        sql=bool(table.get("sql", False)),
                    )
        for call in extra.get("storage_functions", ()):
            self.sinks.setdefault(call, SinkSpec(call=call, category="storage", data=("rest:0", "*")))
        self.file_writes: dict[str, FileWrite] = {
            call: FileWrite(tuple(table.get("target", ())), bool(table.get("returns-name", False)))
            for table in sinks.get("file-write", []) for call in table["calls"]
        }
        self.path_views = frozenset(sinks.get("file-paths", {}).get("calls", ()))
        self.inherited_attributes = {
            (base, attr): typed for base, attrs in sinks.get("inherited-attributes", {}).items() for attr, typed in attrs.items()
        }
        self.inherited_attribute_names = frozenset(attr for _, attr in self.inherited_attributes)
        fwm = sinks.get("file-write-methods", {})
        self.file_write_methods = frozenset(fwm.get("names", ()))
        self.file_write_method_target = tuple(fwm.get("target", (0,)))
        self.image_loaders = frozenset(sinks.get("image-loaders", {}).get("calls", ()))
        self.image_loader_names = frozenset(call.rsplit(".", 1)[-1] for call in self.image_loaders)
        sm = sinks.get("storage-methods", {})
        self.storage_methods = frozenset(sm.get("names", ()))
        self.sql_write = re.compile(sm.get("sql-write", r"(?i)^\s*insert\b"))
        load = sinks.get("load", {})
        self.loads = frozenset(load.get("calls", ()))
        self.load_target = tuple(load.get("target", (0,)))

        transform = sinks.get("transform", {})
        self.encrypt = Globs((*transform.get("encrypt", ()), *extra.get("encrypt_functions", ())))
        self.decrypt = Globs(transform.get("decrypt", ()))
        self.clean_calls = frozenset(transform.get("clean", ()))
        self.clean_attributes = frozenset(transform.get("clean-attributes", ()))
        self.clean_methods = frozenset(transform.get("clean-methods", ()))
        self.compare_calls = frozenset(transform.get("compare", ()))
        self.image_views = frozenset(transform.get("image-views", ()))
        self.anonymizers = frozenset(transform.get("anonymizers", ()))
        self.record_readers = frozenset(transform.get("record-readers", ()))
        self.record_reader_methods = frozenset(transform.get("record-reader-methods", ()))
        self.image_view_methods = frozenset(transform.get("image-view-methods", ()))
        self.compare_methods = frozenset(transform.get("compare-methods", ()))
        self.reductions = frozenset(transform.get("reductions", ()))
        self.reduction_methods = frozenset(transform.get("reduction-methods", ()))
        self.insert_methods = frozenset(transform.get("insert-methods", ()))

        consent = vocab.get("consent", {})
        self.consent_attributes = Globs((*consent.get("attributes", ()), *extra.get("consent_attributes", ())))
        self.consent_functions = Globs((*consent.get("functions", ()), *extra.get("consent_functions", ())))
        self.consent_decorators = Globs((*consent.get("decorators", ()), *extra.get("consent_decorators", ())))
        self.exits = Globs(vocab.get("exits", {}).get("functions", ()))
        fallback = vocab.get("fallback", {})
        self.fallback_functions = Globs((*fallback.get("functions", ()), *extra.get("fallback_functions", ())))
        self.fallback_methods = frozenset(fallback.get("methods", ()))
        self.fallback_types = frozenset(fallback.get("types", ()))
        actions = vocab.get("actions", {})
        self.session_objects = frozenset(actions.get("session-objects", ()))
        self.identity_flags = Globs(actions.get("identity-flags", ()))
        self.actions: dict[str, Globs] = {
            end: Globs(patterns) for end, patterns in actions.items() if end not in ("session-objects", "identity-flags")
        }
        self.credential_fields = Globs(fallback.get("credential-fields", ()))
        if extra.get("auth_actions"):
            self.actions["login"] = self.actions.get("login", Globs(())).extended(extra["auth_actions"])
        entry = vocab.get("entry-points", {})
        self.entry_decorators = Globs(entry.get("decorators", ()))
        self.entry_classes = Globs(entry.get("classes", ()))
        self.consumer_classes = Globs(entry.get("consumers", ()))
        orm = vocab.get("orm", {})
        self.orm_bases = Globs(orm.get("bases", ()))
        self.encrypted_fields = Globs(orm.get("encrypted-fields", ()))
        self.orm_create_methods = frozenset(orm.get("create-methods", ()))
        self.orm_managers = frozenset(orm.get("managers", ("objects",)))
        self.queryset_methods = frozenset(orm.get("queryset-methods", ()))
        self.orm_class_queries = frozenset(orm.get("class-queries", ()))
        self.user_proxies = frozenset(f"ext:{name}" for name in orm.get("user-proxies", ()))
        self.user_bases = Globs(orm.get("user-bases", ()))
        self.file_fields = Globs(orm.get("file-fields", ()))
        self.file_field_attributes = frozenset(orm.get("file-field-attributes", ()))
        retention = vocab.get("retention", {})
        self.deletions = Globs(retention.get("functions", ()))
        self.deletion_methods = Globs(retention.get("methods", ()))
        keys = sinks.get("keys", {})
        self.key_sources = frozenset(keys.get("sources", ()))
        self.key_takers = frozenset(keys.get("takers", ()))
        self.key_decoders = frozenset(keys.get("decoders", ()))
        context = vocab.get("context", {})
        self.age_names = Globs(context.get("age", ()))
        self.guardian_names = Globs(context.get("guardian", ()))

        self._roots = self._import_roots()
        self._canonical: dict[str, str] = {}
        self._action_ends: dict[str, frozenset[str]] = {}

    # -- names --------------------------------------------------------------------------
    def canonical(self, qualname: str) -> str:
        """Map a library-internal module path to the name users import it by."""
        cached = self._canonical.get(qualname)
        if cached is None:
            cached = qualname
            # the longest aliased prefix wins ("a.b.c" over "a.b"): try the name, then its parents
            prefix = qualname
            while prefix:
                target = self.module_aliases.get(prefix)
                if target is not None:
                    cached = target + qualname[len(prefix):]
                    break
                prefix = prefix.rpartition(".")[0]
            self._canonical[qualname] = cached
        return cached

    def action_ends(self, qualname: str) -> frozenset[str]:
        cached = self._action_ends.get(qualname)
        if cached is None:
            cached = self._action_ends[qualname] = frozenset(end for end, globs in self.actions.items() if globs.match(qualname))
        return cached

    # -- prefilter ----------------------------------------------------------------------
    def _import_roots(self) -> dict[str, list[Library]]:
        roots: dict[str, list[Library]] = {}
        for lib in self.libraries.values():
            for imp in lib.imports:
                roots.setdefault(imp.split(".")[0], []).append(lib)
        for spec_list in self.apis.values():
            for spec in spec_list:
                if spec.processing:
                    root = spec.call.split(".")[0]
                    roots.setdefault(root, [])
        return roots

    @functools.cached_property
    def _import_regexes(self) -> tuple[re.Pattern[bytes], re.Pattern[bytes]]:
        return self._build_import_regexes()

    def face_import_statements(self, data: bytes) -> list[bytes]:
        """The imports of catalogued face libraries in a file's bytes (each from its
        optional BOM and leading whitespace to the library name)."""
        hint, statement = self._import_regexes
        if hint.search(data) is None:
            return []
        # A newline in front puts the file's first line on the same footing as the others.
        return [m.group(0)[1:] for m in statement.finditer(b"\n" + data)]

    def _build_import_regexes(self) -> tuple[re.Pattern[bytes], re.Pattern[bytes]]:
        """Two bytes regexes. The statement regex finds imports of any catalogued face
        library: at a line start (after an optional BOM or form feed), after `;` or a
        one-line `try:`/`if ...:`, in a comma list (`import os, dlib`), or after a backslash
        continuation. It starts with a character class so the regex engine can skip to
        candidates; even so it costs ~0.4 s on 41 MB, so a cheaper hint (a library name after
        `import`/`from` on the same logical line, a superset of the statements) screens
        files first: 0.2 s, and on code without face imports nothing else runs."""
        names = "|".join(sorted((re.escape(r) for r in self._roots), key=len, reverse=True))
        if not names:
            never = re.compile(rb"(?!x)x")
            return never, never
        ws = rb"(?:[ \t\f]|\\\r?\n)"
        lead = rb"[\n;:](?:\xef\xbb\xbf)?" + ws + rb"*"
        listed = rb"(?:[\w.]+" + ws + rb"*(?:as" + ws + rb"+\w+" + ws + rb"*)?," + ws + rb"*)*"
        statement = re.compile(
            lead + rb"(?:from" + ws + rb"+(?:" + names.encode() + rb")\b|import" + ws + rb"+\(?" + ws + rb"*" + listed + rb"(?:" + names.encode() + rb")\b)"
        )
        hint = re.compile(rb"(?:import|from)[ \t\f\\](?:[^\n]|\\\r?\n)*?\b(?:" + names.encode() + rb")\b")
        return hint, statement

    def fallback_regex(self) -> re.Pattern[bytes]:
        """A bytes regex for the non-face identity checks: modules that may hold a
        fallback are analysed even when nothing connects them to face code."""
        words = set()
        for pattern in (*self.fallback_functions.patterns, *self.fallback_methods):
            last = pattern.rsplit(".", 1)[-1].strip("*")
            # specific names only (`check_password`, `checkpw`): a bare `verify` is in every
            # other file and would pull whole unrelated projects into the analysis
            if ("_" in last or last in ("checkpw", "TOTP", "HOTP")) and not any(c in last for c in "*?["):
                words.add(re.escape(last))
        if not words:
            return re.compile(rb"(?!x)x")
        return re.compile(("|".join(sorted(words))).encode(), re.IGNORECASE)

    def library_for_import(self, root: str) -> list[Library]:
        return self._roots.get(root, [])


def load_knowledge(extra: Mapping | None = None) -> Knowledge:
    return Knowledge(_read("face_apis.toml"), _read("sinks.toml"), _read("vocabulary.toml"), extra)
