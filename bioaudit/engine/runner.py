"""The scan pipeline: discover -> read + relevance -> parse -> index -> analyse -> rules ->
suppressions -> result. Never imports or executes scanned code: it is read as text and
parsed with `ast.parse` only."""
from __future__ import annotations

import ast
import gc
import hashlib
import io
import multiprocessing
import os
import re
import sys
import time
import tokenize
import warnings
from collections import Counter, deque
from dataclasses import dataclass
from pathlib import Path

from bioaudit.config import Config, ignored_for_path, is_selected
from bioaudit.engine import suppress
from bioaudit.engine.analysis import DEEP, MAX_ROUNDS_PER_FUNCTION, Analysis
from bioaudit.engine.facts import ProjectFacts
from bioaudit.engine.discover import discover, find_root
from bioaudit.engine.index import ProjectIndex
from bioaudit.engine.knowledge import Knowledge, load_knowledge
from bioaudit.engine.source import Source, read_source
from bioaudit.model import Confidence, Diagnostic, Finding, ScanResult, SkippedFile, fingerprint
from bioaudit.registry import Registry
from bioaudit.report.inventory import build_inventory
from bioaudit.rule import Rule

MAX_FILE_BYTES = 20_000_000
_IMPORT_LINE = re.compile(rb"^[ \t]*(?:from[ \t]+(\.*)([\w.]*)[ \t]+import[ \t]+([^\n#]+)|import[ \t]+([^\n#]+))", re.M)


def knowledge_for(config: Config) -> Knowledge:
    return load_knowledge(
        {
            "face_apis": config.face_apis,
            "consent_functions": config.consent_functions,
            "consent_decorators": config.consent_decorators,
            "consent_attributes": config.consent_attributes,
            "encrypt_functions": config.encrypt_functions,
            "fallback_functions": config.fallback_functions,
            "auth_actions": config.auth_actions,
            "log_functions": config.log_functions,
            "storage_functions": config.storage_functions,
        }
    )


def enabled_rules(registry: Registry, config: Config) -> list[Rule]:
    out = []
    for rid, cls in registry.rules.items():
        if is_selected(rid, config, default_enabled=cls.DEFAULT_ENABLED):
            out.append(cls(config.options_for(rid)))
    return out


def scan(paths: list[Path], config: Config, registry: Registry, *, root: Path | None = None, progress: bool = False) -> ScanResult:
    # Parsing and analysis allocate millions of objects that live until the end of the
    # scan; the cyclic GC walking them costs a third of the run (docs/performance.md).
    enabled = gc.isenabled()
    limit = sys.getrecursionlimit()
    gc.disable()
    try:
        return _scan(paths, config, registry, root=root, progress=progress)
    finally:
        sys.setrecursionlimit(limit)  # deep trees need more; callers keep what they had
        if enabled:
            gc.enable()


def _scan(paths: list[Path], config: Config, registry: Registry, *, root: Path | None, progress: bool) -> ScanResult:
    started = time.perf_counter()
    paths = [Path(p) for p in paths] or [Path(".")]
    given_files = [p for p in paths if p.is_file()]
    only_given = bool(given_files) and len(given_files) == len(paths)
    if root is None:
        root = find_root(paths)
    root = root.resolve()
    result = ScanResult(root=str(root), config_source=config.source, frameworks=tuple(config.frameworks or ()))
    result.rules = enabled_rules(registry, config)
    result.diagnostics.extend(Diagnostic("error", "plugin-error", e) for e in registry.errors)

    # 1. discover. Given single files, still read the project around them (a consent
    #    decorator elsewhere counts) but report only on the given files.
    scan_paths = [root] if only_given else paths
    found = discover(
        scan_paths, root, exclude=config.exclude, extend_exclude=config.extend_exclude,
        respect_gitignore=config.respect_gitignore,
    )
    result.diagnostics.extend(found.errors)
    result.skipped.extend(found.skipped)
    # Names that are not valid UTF-8 are shown with escapes (the file is still read by
    # its real path): every output format must be able to carry them.
    found.files = [(path, _printable_name(rel)) for path, rel in found.files]
    report_only: set[str] | None = None
    if only_given:
        report_only = set()
        known = {rel for _, rel in found.files}
        for p in given_files:
            resolved = p.resolve()
            rel = resolved.relative_to(root).as_posix() if resolved.is_relative_to(root) else p.as_posix()
            report_only.add(rel)
            if rel not in known and resolved.is_relative_to(root):
                found.files.append((resolved, rel))
    result.files_discovered = len(found.files)
    knowledge = knowledge_for(config)

    # 2. read everything (cheap) and screen it: only modules connected to face code are
    #    parsed and analysed.
    raw: dict[str, bytes] = {}
    abs_paths: dict[str, Path] = {}
    for path, rel in found.files:
        try:
            size = path.stat().st_size
            if size > MAX_FILE_BYTES:
                result.skipped.append(SkippedFile(rel, "too-large", f"{size:,} bytes (limit {MAX_FILE_BYTES:,})"))
                continue
            data = path.read_bytes()
        except OSError as exc:
            result.skipped.append(SkippedFile(rel, "unreadable", exc.strerror or str(exc)))
            continue
        if b"\0" in data:
            # binary, UTF-16 or NUL-damaged: say why it cannot be analysed, never just skip it
            verdict = read_source(path, rel)
            result.skipped.append(verdict if isinstance(verdict, SkippedFile) else SkippedFile(rel, "null-bytes", "contains NUL bytes"))
            continue
        raw[rel] = data
        abs_paths[rel] = path
    root_name = root_package_name(abs_paths)
    relevant, seeds = relevance(raw, knowledge, root_name)
    units = components(relevant, import_graph_cached(raw, root_name)) if relevant else []

    # 3-4. parse and analyse each independent part of the project (cached, in parallel)
    findings: list[Finding] = []
    outcomes = run_units(units, seeds, raw, abs_paths, config, knowledge, root, progress=progress)
    facts = ProjectFacts()
    analysed: set[str] = set()
    for outcome in outcomes:
        facts.merge(outcome.facts)
        result.skipped.extend(s for s in outcome.skipped if s.path not in analysed)
        result.diagnostics.extend(outcome.diagnostics)
        analysed |= set(outcome.analysed)
    result.skipped = _dedupe(result.skipped, key=lambda s: (s.path, s.reason))
    result.diagnostics = _dedupe(result.diagnostics, key=lambda d: (d.level, d.code, d.path, d.line, d.message))
    result.files_analysed = len(analysed)
    skipped_paths = {s.path for s in result.skipped}
    result.files_screened = len([r for r in raw if r not in analysed and r not in skipped_paths])

    # 5. run the rules over the facts of the whole project
    if analysed and result.rules:
        for rule in result.rules:
            try:
                findings.extend(rule.check(facts))
            except Exception as exc:  # one rule's crash must not hide the others
                result.diagnostics.append(Diagnostic("error", "rule-error", f"{rule.ID} {rule.NAME} crashed: {type(exc).__name__}: {exc}"))
        result.inventory = build_inventory(facts, result)
    findings = _dedupe(findings, key=lambda f: (f.rule_id, f.path, f.span.line, f.span.column))

    # 6. filter, suppress, fingerprint
    min_conf = Confidence.parse(config.min_confidence)
    findings = [
        f for f in findings
        if f.confidence >= min_conf and not ignored_for_path(f.rule_id, f.path, config)
        and (report_only is None or f.path in report_only)
    ]
    texts = {rel: decode_for_comments(raw[rel]) for rel in sorted(analysed) if rel in raw and (report_only is None or rel in report_only)}
    comments = {rel: suppress.parse_comments(text, rel) for rel, text in texts.items()}
    for f in findings:
        text = texts.get(f.path)
        if text is not None:
            lines = text.splitlines()
            if 0 < f.span.line <= len(lines):
                f.snippet = lines[f.span.line - 1].rstrip("\r\n")
    result.diagnostics.extend(suppress.apply(findings, comments, set(registry.rules), {r.ID for r in result.rules}))
    assign_fingerprints(findings)
    findings.sort(key=Finding.sort_key)
    result.findings = findings
    result.skipped.sort(key=lambda s: (s.path, s.reason))
    result.diagnostics.sort(key=lambda d: (d.level != "error", d.path, d.line, d.code, d.message))
    result.duration_s = time.perf_counter() - started
    return result


def _printable_name(rel: str) -> str:
    try:
        rel.encode("utf-8")
        return rel
    except UnicodeEncodeError:
        return rel.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _dedupe(items, key):
    seen = set()
    out = []
    for item in items:
        k = key(item)
        if k not in seen:
            seen.add(k)
            out.append(item)
    return out


def decode_for_comments(data: bytes) -> str:
    try:
        encoding = tokenize.detect_encoding(io.BytesIO(data).readline)[0]
        return data.decode(encoding).lstrip("\ufeff")
    except (SyntaxError, LookupError, UnicodeDecodeError):
        return data.decode("utf-8", "replace")


# -- units of analysis -----------------------------------------------------------------
@dataclass
class UnitOutcome:
    """What analysing one connected part of the project produced (cached as a whole)."""

    facts: ProjectFacts
    analysed: list[str]
    skipped: list[SkippedFile]
    diagnostics: list[Diagnostic]
    snapshot: dict | None = None  # the analysis state, for an incremental next run


def components(relevant: set[str], graph: dict[str, set[str]]) -> list[list[str]]:
    """Connected components of the relevant modules in the undirected import graph: parts
    of the project no call or import connects, which can be analysed independently."""
    undirected: dict[str, set[str]] = {rel: set() for rel in relevant}
    for rel, targets in graph.items():
        if rel not in relevant:
            continue
        for t in targets:
            if t in relevant:
                undirected[rel].add(t)
                undirected[t].add(rel)
    seen: set[str] = set()
    out = []
    for rel in sorted(relevant):
        if rel in seen:
            continue
        comp = _closure({rel}, undirected)
        seen |= comp
        out.append(sorted(comp))
    return out


def unit_key(unit: list[str], raw: dict[str, bytes], config: Config, knowledge_digest: str, contents: bool = True) -> str:
    """Cache key of a unit: its files' content (`contents=True`, for finished results) or
    only their names (for the snapshot an incremental run starts from)."""
    from bioaudit import __version__

    h = hashlib.blake2b(digest_size=20)
    h.update(f"{__version__}\0{config.cache_key()}\0{knowledge_digest}\0{'c' if contents else 'n'}\0".encode())
    for rel in unit:
        h.update(rel.encode("utf-8", "surrogateescape") + b"\0")
        if contents:
            h.update(_digest(raw[rel]))
    # the whole project's file list matters for import resolution and store readers
    h.update(hashlib.blake2b("\0".join(sorted(raw)).encode("utf-8", "surrogateescape"), digest_size=16).digest())
    return h.hexdigest()


_FORK_STATE: dict = {}


def run_units(units, seeds, raw, abs_paths, config: Config, knowledge: Knowledge, root: Path, progress: bool = False) -> list[UnitOutcome]:
    from bioaudit.engine.cache import Cache

    cache = Cache(root, warn=None) if config.cache else None
    digest = knowledge_digest(config)
    keys = [unit_key(u, raw, config, digest) for u in units]
    name_keys = [unit_key(u, raw, config, digest, contents=False) for u in units]
    outcomes: dict[int, UnitOutcome] = {}
    previous: dict[int, dict] = {}
    todo = []
    for i, (unit, key) in enumerate(zip(units, keys)):
        cached = cache.get(key) if cache is not None else None
        if isinstance(cached, UnitOutcome):
            outcomes[i] = cached
        else:
            todo.append(i)
            snap = cache.get(name_keys[i]) if cache is not None else None
            if isinstance(snap, dict) and "modules" in snap and "analysis" in snap:
                previous[i] = snap
    # A scanned repository's config may ask for any number of workers: never more than cores.
    cores = os.cpu_count() or 1
    jobs = min(config.jobs or cores, cores)
    work_files = sum(len(units[i]) for i in todo)
    _FORK_STATE.update(
        units=units, seeds=seeds, raw=raw, abs_paths=abs_paths, config=config, knowledge=knowledge,
        previous=previous, cache=cache, keys=keys, name_keys=name_keys,
    )
    problems: list[str] = []
    try:
        bar = _progress(progress and work_files > 200, len(todo))
        if jobs > 1 and len(todo) > 1 and work_files > 40 and "fork" in multiprocessing.get_all_start_methods():
            ctx = multiprocessing.get_context("fork")
            with ctx.Pool(min(jobs, len(todo))) as pool:
                # biggest parts first so the slowest one starts early
                order = sorted(todo, key=lambda i: -len(units[i]))
                for i, outcome, unit_problems in pool.imap_unordered(_analyse_unit_by_index, order):
                    outcomes[i] = outcome
                    problems.extend(unit_problems)
                    bar.advance()
        else:
            for i in todo:
                _, outcomes[i], unit_problems = _analyse_unit_by_index(i)
                problems.extend(unit_problems)
                bar.advance()
        bar.close()
    finally:
        _FORK_STATE.clear()
    if cache is not None:
        cache.problems.extend(problems)
        cache.note_warnings()
    return [outcomes[i] for i in range(len(units))]


def _analyse_unit_by_index(i: int) -> tuple[int, UnitOutcome, list[str]]:
    """Analyse one unit and cache it where it was computed (a worker returns only the
    facts, not the bulky analysis state)."""
    st = _FORK_STATE
    outcome = analyse_unit(st["units"][i], st["seeds"], st["raw"], st["abs_paths"], st["config"], st["knowledge"], st["previous"].get(i))
    snapshot, outcome.snapshot = outcome.snapshot, None
    cache = st["cache"]
    if cache is None:
        return i, outcome, []
    before = len(cache.problems)
    cache.put(st["keys"][i], outcome)
    if snapshot is not None:
        cache.put(st["name_keys"][i], snapshot)
    return i, outcome, cache.problems[before:]


def analyse_unit(unit: list[str], seeds: set[str], raw: dict[str, bytes], abs_paths: dict[str, Path], config: Config, knowledge: Knowledge, previous: dict | None = None) -> UnitOutcome:
    """Parse one connected part of the project and analyse it to a fixed point. With the
    snapshot of a previous analysis of the same files, only the modules whose content
    changed, and what depends on them, are analysed again."""
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    skipped: list[SkippedFile] = []
    diagnostics: list[Diagnostic] = []
    index = ProjectIndex()
    index.set_files(sorted(raw), root_package_name(abs_paths))
    sources: dict[str, Source] = {}
    budget = config.timeout_per_file

    def add(rels) -> list[str]:
        added = []
        for rel in sorted(rels):
            source = read_source(abs_paths[rel], rel)
            if isinstance(source, SkippedFile):
                skipped.append(source)
                continue
            began = time.perf_counter()
            tree = parse(source, skipped)
            if tree is None:
                continue
            if budget and time.perf_counter() - began > budget:
                skipped.append(SkippedFile(rel, "timeout", f"parsing took longer than the {budget:g} s budget (--timeout-per-file)"))
                continue
            sources[rel] = source
            index.add_module(rel, tree, source.lines)
            added.append(rel)
        return added

    add(sorted(set(unit) | set(previous["modules"]) if previous else unit))
    facts = ProjectFacts()
    snapshot = None
    if sources:
        face_modules = {rel: rel in seeds for rel in sources}
        analysis = Analysis(index, knowledge, face_modules, config.declared_fallback, budget=budget)
        try:
            changed = None
            if previous is not None and set(previous["modules"]) == set(sources):
                changed = {rel for rel in sources if previous["modules"][rel] != _digest(raw[rel])}
            if changed is not None:
                try:
                    analysis.restore(previous["analysis"])
                    analysis.update(changed)
                except Exception as exc:  # a bug in the incremental path must not stop the scan
                    diagnostics.append(Diagnostic("warning", "cache-fallback", f"re-using the cached analysis failed ({type(exc).__name__}: {exc}); this part was analysed from scratch"))
                    analysis = Analysis(index, knowledge, face_modules, config.declared_fallback, budget=budget)
                    analysis.solve()
            else:
                analysis.solve()
            # Modules that read back a file or table facial data was written to hold
            # facial data too, whatever they import: add them and carry on.
            for _ in range(3):
                readers = store_readers(analysis.store_keys(), raw, set(sources) | {s.path for s in skipped})
                added = add(readers - set(sources) - {s.path for s in skipped})
                if not added:
                    break
                for rel in added:
                    face_modules[rel] = rel in seeds
                analysis.solve(added)
            facts = analysis.facts()
            snapshot = {"modules": {rel: _digest(raw[rel]) for rel in sources}, "analysis": analysis.snapshot()}
        except RecursionError:
            diagnostics.append(Diagnostic("error", "analysis-error", "analysis exceeded the recursion limit; results are incomplete"))
        for info, message in analysis.errors:
            if message == DEEP:
                # a pathological file, not a bioaudit failure: listed as partly analysed
                skipped.append(SkippedFile(info.module.key, "too-deeply-nested", f"`{info.display}` (line {getattr(info.node, 'lineno', 0)}) nests expressions too deeply to analyse; the rest of the file was analysed"))
                continue
            diagnostics.append(Diagnostic("error", "analysis-error", f"analysis of `{info.display}` failed: {message}", info.module.key, getattr(info.node, "lineno", 0)))
        if analysis.capped:
            capped = sorted(analysis.capped)
            first = index.functions[capped[0]]
            names = ", ".join(f"`{index.functions[k].display}`" for k in capped[:3]) + (f" and {len(capped) - 3} more" if len(capped) > 3 else "")
            diagnostics.append(Diagnostic(
                "warning", "analysis-limit",
                f"{len(capped)} function(s) still changed after {MAX_ROUNDS_PER_FUNCTION} analyses each and were not analysed again; findings that depend on them may be incomplete: {names}",
                first.module.key, getattr(first.node, "lineno", 0),
            ))
        for rel in sorted(analysis.timed_out):
            skipped.append(SkippedFile(rel, "timeout", f"analysis took longer than the {budget:g} s budget (--timeout-per-file); findings in this file may be incomplete"))
    outcome = UnitOutcome(facts, sorted(sources), skipped, diagnostics)
    outcome.snapshot = snapshot
    return outcome


def _digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


def knowledge_digest(config: Config) -> str:
    from importlib import resources

    h = hashlib.blake2b(digest_size=16)
    for name in ("face_apis.toml", "sinks.toml", "vocabulary.toml"):
        try:
            h.update(resources.files("bioaudit.rules").joinpath("catalogs", name).read_bytes())
        except FileNotFoundError:
            pass
    # The engine's own code: a changed analysis (or value layout, for the pickled
    # snapshots) must not reuse results cached by another build of the same version.
    for path in sorted(Path(__file__).resolve().parent.glob("*.py")):
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


class _NoBar:
    def advance(self) -> None:
        pass

    def close(self) -> None:
        pass


class _RichBar:
    def __init__(self, total: int) -> None:
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        self.progress = Progress(TextColumn("analysing"), BarColumn(), TextColumn("{task.completed}/{task.total} parts"), TimeElapsedColumn(), transient=True)
        self.progress.start()
        self.task = self.progress.add_task("analyse", total=total)

    def advance(self) -> None:
        self.progress.advance(self.task)

    def close(self) -> None:
        self.progress.stop()


def _progress(enabled: bool, total: int):
    return _RichBar(total) if enabled and total > 0 else _NoBar()


def parse(source: Source, skipped: list[SkippedFile]) -> ast.Module | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarning for odd escapes is not ours to report
            return ast.parse(source.text, filename=source.rel, type_comments=False)
    except SyntaxError as exc:
        detail = f"line {exc.lineno}: {exc.msg}" if exc.lineno else str(exc.msg)
        if _looks_like_python2(source.text):
            detail += " (looks like Python 2 code)"
        skipped.append(SkippedFile(source.rel, "syntax-error", detail))
    except MemoryError:
        skipped.append(SkippedFile(source.rel, "too-deeply-nested", "the parser ran out of memory: expressions nested too deeply"))
    except ValueError as exc:
        skipped.append(SkippedFile(source.rel, "parse-error", str(exc) or type(exc).__name__))
    except RecursionError:
        skipped.append(SkippedFile(source.rel, "too-deeply-nested", "expressions nested too deeply for the parser"))
    return None


def _looks_like_python2(text: str) -> bool:
    return bool(re.search(r"^\s*print\s+[\"'\w]", text, re.M) or re.search(r"except\s+\w+\s*,\s*\w+\s*:", text))


def assign_fingerprints(findings: list[Finding]) -> None:
    seen: Counter = Counter()
    for f in sorted(findings, key=Finding.sort_key):
        key = (f.rule_id, f.path, f.function, " ".join(f.statement.split()))
        f.fingerprint = fingerprint(f.rule_id, f.path, f.function, f.statement, seen[key])
        seen[key] += 1


# -- relevance -------------------------------------------------------------------------
def relevance(raw: dict[str, bytes], knowledge: Knowledge, root_name: str = "") -> tuple[set[str], set[str]]:
    """The modules worth parsing: those importing a face library (seeds), the project
    modules that (transitively) import them, and everything those import. A helper that
    never imports a face library is still analysed when face code calls it."""
    seeds: set[str] = set()
    for rel, data in raw.items():
        statements = knowledge.face_import_statements(data)
        if statements and _requires_text_ok(data, statements, knowledge):
            seeds.add(rel)
    if not seeds:
        return set(), set()
    imports = import_graph_cached(raw, root_name)
    # Calls and data can travel both ways along an import and through any module two
    # others share (a `state.py` written by face code and read by a report): the
    # connected component of the seeds in the project's import graph.
    undirected: dict[str, set[str]] = {}
    for rel, targets in imports.items():
        for t in targets:
            undirected.setdefault(rel, set()).add(t)
            undirected.setdefault(t, set()).add(rel)
    up = _closure(seeds, undirected)
    down = up
    # A non-face login elsewhere in the project is a fallback (BIO002) even when no import
    # connects it to the face code.
    fallback = knowledge.fallback_regex()
    others = {rel for rel, data in raw.items() if rel not in up and rel not in down and fallback.search(data)}
    return up | down | others, seeds


_GRAPH_CACHE: dict[tuple, dict] = {}


def import_graph_cached(raw: dict[str, bytes], root_name: str = "") -> dict[str, set[str]]:
    key = (id(raw), root_name)
    if key not in _GRAPH_CACHE:
        _GRAPH_CACHE.clear()
        _GRAPH_CACHE[key] = import_graph(raw, root_name)
    return _GRAPH_CACHE[key]


def root_package_name(abs_paths: dict[str, Path]) -> str:
    """The scan root's directory name when the root is itself a package."""
    init = abs_paths.get("__init__.py")
    return init.parent.name if init is not None else ""


def store_readers(keys: set[str], raw: dict[str, bytes], done: set[str]) -> set[str]:
    """Unanalysed modules that mention a store facial data was written to."""
    names = {k.split(":", 1)[-1] for k in keys if k and "*" not in k}
    # Only specific names (a file name with an extension, a table name), as a quoted literal.
    names = {n for n in names if len(n) >= 5 and ("." in n or "_" in n)}
    if not names:
        return set()
    # one regex over each file rather than a substring search per name (6x faster on 20 names)
    mention = re.compile(b"[\"'/](?:" + b"|".join(re.escape(n.encode("utf-8")) for n in sorted(names)) + b")")
    return {rel for rel, data in raw.items() if rel not in done and mention.search(data)}


def _requires_text_ok(data: bytes, statements: list[bytes], knowledge: Knowledge) -> bool:
    """Generic roots (boto3, cv2, azure) count only with their face-specific literal."""
    for statement in statements:
        text = statement.decode("utf-8", "replace")
        names = re.findall(r"[A-Za-z_][\w]*", text.split("import", 1)[-1] if text.lstrip("\ufeff;: \t\f").startswith("import") else text.split("from", 1)[-1])
        for root in names:
            libs = knowledge.library_for_import(root)
            if not libs:
                continue
            for lib in libs:
                if not lib.requires_text or any(t.encode() in data for t in lib.requires_text):
                    return True
    return False


def _closure(start: set[str], edges: dict[str, set[str]]) -> set[str]:
    seen = set(start)
    todo = deque(start)
    while todo:
        for nxt in edges.get(todo.popleft(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def import_graph(raw: dict[str, bytes], root_name: str = "") -> dict[str, set[str]]:
    """Project-internal imports found by a line regex (no parsing)."""
    index = ProjectIndex()
    index.set_files(sorted(raw), root_name)
    from bioaudit.engine.index import ModuleInfo, module_name_for

    graph: dict[str, set[str]] = {}
    for rel, data in raw.items():
        name, is_pkg, root = module_name_for(rel, index._package_dirs)
        mod = ModuleInfo(rel, name, None, [], is_pkg, root)  # type: ignore[arg-type]
        targets: set[str] = set()
        for m in _IMPORT_LINE.finditer(data):
            if m.group(4) is not None:
                for part in m.group(4).decode("utf-8", "replace").split(","):
                    modname = part.strip().split(" as ")[0].strip().strip("()\\")
                    if modname:
                        _add_target(index, mod, modname, 0, targets)
            else:
                level = len(m.group(1))
                modname = m.group(2).decode("utf-8", "replace")
                _add_target(index, mod, modname, level, targets)
                for part in m.group(3).decode("utf-8", "replace").strip("()\\ \t\r").split(","):
                    sub = part.strip().split(" as ")[0].strip().strip("()")
                    if sub and sub != "*" and sub.isidentifier():
                        _add_target(index, mod, f"{modname}.{sub}" if modname else sub, level, targets)
        targets.discard(rel)
        if targets:
            graph[rel] = targets
    return graph


def _add_target(index: ProjectIndex, mod, modname: str, level: int, targets: set[str]) -> None:
    key = index.resolve_import(mod, modname, level)
    if key is not None:
        targets.add(key)
        # importing a.b.c runs a/__init__ and a/b/__init__ too
        parts = key.split("/")
        for i in range(1, len(parts)):
            init = "/".join(parts[:i]) + "/__init__.py"
            if init in index._files:
                targets.add(init)

