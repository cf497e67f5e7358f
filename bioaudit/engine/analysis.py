"""Project-wide analysis: runs the function analyzer over every function to a fixed point
(summaries and shared state), then derives the facts rules consume: face calls with their
consent status and one unguarded path, facial data reaching sinks with evidence, face
decisions gating outcomes, and non-face fallbacks."""
from __future__ import annotations

import ast
import time
from collections import deque
from typing import Iterable

from bioaudit.engine.facts import Decision, Deletion, FaceCall, Fallback, KeyUse, ProjectFacts, SinkFlow, Site
from bioaudit.engine.flow import HIGH, LOW, WRITTEN, Events, FunctionAnalyzer, Summary, _dotted, _last_name, _literal, is_dependency_call, sealed_param
from bioaudit.engine.index import MODULE_BODY, ClassInfo, FunctionInfo, ModuleInfo, ProjectIndex, walk_own
from bioaudit.engine.knowledge import RAW_KINDS, Knowledge
from bioaudit.engine.values import EMPTY, Val, bounded, join, without_params
from bioaudit.model import Confidence, Step

MAX_ROUNDS_PER_FUNCTION = 12
DEEP = "expressions nested too deeply to analyse"


class Analysis:
    def __init__(self, index: ProjectIndex, knowledge: Knowledge, face_modules: dict[str, bool], declared_fallback: dict | None = None, budget: float = 0.0) -> None:
        self.budget = budget  # seconds of analysis per file; 0 = unlimited
        self.spent: dict[str, float] = {}
        self.timed_out: set[str] = set()
        self.index = index
        self.knowledge = knowledge
        self.face_modules = face_modules
        self.declared_fallback = declared_fallback
        self.state: dict[tuple, Val] = {}
        self.summaries: dict[str, Summary] = {}
        self.events: dict[str, Events] = {}
        self.remote_sinks: dict[str, dict] = {}  # analysing function -> sink id -> (value, trace, conf)
        self.sink_sites: dict[str, tuple] = {}
        self.closure_envs: dict[str, dict] = {}
        self._readers: dict[tuple, set[str]] = {}
        self._callers: dict[str, set[str]] = {}
        self._queue: deque[str] = deque()
        self._queued: set[str] = set()
        self._current: FunctionAnalyzer | None = None
        self._rounds: dict[str, int] = {}
        # functions still changing when they reached MAX_ROUNDS_PER_FUNCTION (reported)
        self.capped: set[str] = set()
        self._bases_cache: dict[str, list] = {}
        # static, from the index: names functions declare `global` (per module), classes by
        # the last names in their bases, and each class's possible subclasses
        self._global_targets: dict[str, frozenset[str]] = {}
        self._derived_by_name: dict[str, list[ClassInfo]] | None = None
        self._derived_cache: dict[str, list[ClassInfo]] = {}
        self.errors: list[tuple[FunctionInfo, str]] = []  # functions the analysis failed on
        # Shared state is the join of what each function wrote in its latest analysis, so
        # re-analysing a changed function withdraws what it no longer writes.
        self.contributions: dict[tuple, dict[str, Val]] = {}
        self._written: dict[str, set[tuple]] = {}  # function -> keys it wrote last time
        self._run_writes: dict[tuple, Val] | None = None

    # -- driving --------------------------------------------------------------------------
    def run(self) -> ProjectFacts:
        self.solve()
        return self.facts()

    def solve(self, modules: Iterable[str] | None = None) -> None:
        """Analyse the given modules (default: all) and everything they affect, to a fixed
        point. Can be called again with modules added to the index later."""
        keys = set(modules) if modules is not None else set(self.index.modules)
        self._predeclare(keys)
        for key in self._bottom_up(keys):
            self._enqueue(key)
        while self._queue:
            key = self._queue.popleft()
            self._queued.discard(key)
            self._analyse(key)

    # -- incremental analysis ---------------------------------------------------------------
    _SNAPSHOT_FIELDS = (
        "state", "contributions", "_written", "summaries", "events", "remote_sinks",
        "sink_sites", "closure_envs", "_readers", "_callers", "timed_out", "capped",
    )

    def snapshot(self) -> dict:
        """Everything the fixed point computed, without syntax trees (picklable)."""
        snap = {name: getattr(self, name) for name in self._SNAPSHOT_FIELDS}
        snap["errors"] = [(info.key, message) for info, message in self.errors]
        return snap

    def restore(self, snap: dict) -> None:
        for name in self._SNAPSHOT_FIELDS:
            setattr(self, name, snap[name])
        self.errors = [(self.index.functions[k], m) for k, m in snap["errors"] if k in self.index.functions]

    def update(self, changed: set[str]) -> None:
        """Re-analyse changed modules and exactly what depends on them: their callers,
        the readers of state they wrote, and whatever those changes reach in turn."""
        def in_changed(key: str) -> bool:
            return key.split("::", 1)[0] in changed

        affected: set[str] = set()
        for key in [k for k in self.summaries if in_changed(k)]:
            affected |= self._callers.get(key, set())
            for table in (self.summaries, self.events, self.remote_sinks, self.closure_envs):
                table.pop(key, None)
        # Functions of a changed module may be gone (renamed, deleted): forget them as
        # readers and callers before withdrawn writes wake the readers up.
        for readers in self._readers.values():
            readers.difference_update([r for r in readers if in_changed(r)])
        for callers in self._callers.values():
            callers.difference_update([c for c in callers if in_changed(c)])
        for writer in [w for w in self._written if in_changed(w)]:
            for key in self._written.pop(writer):
                self.contributions.get(key, {}).pop(writer, None)
                self._recompute(key)
        self.timed_out -= changed
        self.capped -= {k for k in self.capped if in_changed(k) or k in affected}
        self.errors = [(info, m) for info, m in self.errors if info.module.key not in changed]
        for key in sorted(affected):
            if key in self.index.functions and not in_changed(key):
                self._enqueue(key)
        self.solve(changed)

    def _bottom_up(self, modules: set[str]) -> list[str]:
        """Module bodies first, then functions callees-before-callers (by a syntactic call
        graph on names), so that most summaries are final when their callers are analysed
        and few functions need a second round."""
        functions = sorted(k for k, f in self.index.functions.items() if f.module.key in modules)
        bodies = [k for k in functions if k.endswith("::" + MODULE_BODY)]
        # constructors first: they set the attributes the other methods read
        rest = sorted((k for k in functions if not k.endswith("::" + MODULE_BODY)), key=lambda k: (not k.endswith(".__init__"), k))
        by_name: dict[str, list[str]] = {}
        for key in rest:
            by_name.setdefault(key.rsplit(".", 1)[-1].rsplit("::", 1)[-1], []).append(key)
        callees: dict[str, list[str]] = {}
        for key in rest:
            names = self.index.functions[key].syntax.called
            callees[key] = sorted({c for n in names for c in by_name.get(n, ()) if c != key})
        order: list[str] = []
        seen: set[str] = set()
        for root in rest:
            if root in seen:
                continue
            stack = [(root, iter(callees[root]))]
            seen.add(root)
            while stack:
                node, children = stack[-1]
                for child in children:
                    if child not in seen:
                        seen.add(child)
                        stack.append((child, iter(callees.get(child, ()))))
                        break
                else:
                    stack.pop()
                    order.append(node)
        return bodies + order

    def assigned_by_functions(self, module: ModuleInfo) -> frozenset[str]:
        """Module-level names some function of the module declares `global`."""
        names = self._global_targets.get(module.key)
        if names is None:
            prefix = module.key + "::"
            names = self._global_targets[module.key] = frozenset(
                n for key, f in self.index.functions.items()
                if key.startswith(prefix) and f.qualname != MODULE_BODY for n in f.syntax.globals
            )
        return names

    def store_keys(self) -> set[str]:
        """Files and tables facial data was written to."""
        return {key[1] for key, value in self.state.items() if key[0] == "store" and value.all_kinds()}

    def _predeclare(self, keys: set[str]) -> None:
        for module in (self.index.modules[k] for k in sorted(keys)):
            writer = f"{module.key}::<defs>"
            written = set()
            for node in module.tree.body:
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    value = Val(types=frozenset({f"func:{module.key}::{node.name}"}))
                elif isinstance(node, ast.ClassDef):
                    value = Val(types=frozenset({f"cls:{module.key}::{node.name}"}))
                else:
                    continue
                key = ("global", module.key, node.name)
                self.contributions.setdefault(key, {})[writer] = value
                self.state[key] = join(self.state[key], value) if key in self.state else value
                written.add(key)
            self._written[writer] = written

    def _enqueue(self, key: str) -> None:
        if key in self._queued or key not in self.index.functions:
            return
        if self._rounds.get(key, 0) >= MAX_ROUNDS_PER_FUNCTION:
            self.capped.add(key)
            return
        self._queued.add(key)
        self._queue.append(key)

    def _analyse(self, key: str) -> None:
        info = self.index.functions[key]
        module = info.module.key
        if module in self.timed_out:
            return
        self._rounds[key] = self._rounds.get(key, 0) + 1
        began = time.perf_counter()
        self._run_writes = {}
        analyzer = FunctionAnalyzer(self, info)
        if self.budget:
            analyzer.deadline = began + max(0.0, self.budget - self.spent.get(module, 0.0))
        previous = self._current
        self._current = analyzer
        self.remote_sinks[key] = {}
        try:
            summary, events = analyzer.run()
        except TimeoutError:
            summary, events = Summary(), Events()
            self.timed_out.add(module)
        except RecursionError:
            summary, events = Summary(), Events()
            self.errors.append((info, DEEP))
        except Exception as exc:  # one function's analysis bug must not stop the scan
            summary, events = Summary(), Events()
            self.errors.append((info, f"{type(exc).__name__}: {exc}"))
        finally:
            self._current = previous
        self.spent[module] = self.spent.get(module, 0.0) + time.perf_counter() - began
        self._settle_writes(key, self._run_writes or {})
        self._run_writes = None
        self.events[key] = events
        if info.nested:
            self.closure_envs[key] = _final_env(analyzer)
        old = self.summaries.get(key)
        self.summaries[key] = summary
        if old is None or old.key() != summary.key():
            # sorted: the worklist order decides which of several equal traces is kept,
            # and set order changes with the interpreter's hash seed
            for caller in sorted(self._callers.get(key, ())):
                self._enqueue(caller)
            if info.nested:
                for child in info.nested.values():
                    self._enqueue(child.key)

    # -- services for the function analyzer -----------------------------------------------
    def summary_for(self, info: FunctionInfo, analyzer: FunctionAnalyzer) -> Summary:
        self._callers.setdefault(info.key, set()).add(analyzer.f.key)
        summary = self.summaries.get(info.key)
        if summary is None:
            return Summary()
        return summary

    def read_state(self, key: tuple, analyzer: FunctionAnalyzer) -> Val | None:
        self._readers.setdefault(key, set()).add(analyzer.f.key)
        return self.state.get(key)

    def write_state(self, key: tuple, value: Val, analyzer: FunctionAnalyzer) -> None:
        if key[0] == "store":
            # a store outlives the call: the writer's parameters mean nothing to its readers
            # (callers write their own data there, see `FunctionAnalyzer.project_call`)
            value = without_params(value)
        params = value.all_params() if key[0] != "store" else frozenset()
        sealed = value.flattened().sealed_params if key[0] != "store" else frozenset()
        if params or sealed:
            # A parameter stored into shared state (also inside a record: `self.items.
            # append({"enc": enc})`), or stored encrypted (`Template.create(sealed=
            # seal(feature))`): record it in the summary so each caller writes its own
            # argument there.
            for p in params:
                analyzer.param_state.add((p, key))
            for p in sealed:
                q = sealed_param(p)
                if q is not None:
                    analyzer.param_state.add((q, key))
            # Callers write their whole argument there, not its place in the record, so
            # the record's shape would claim fields empty that are not: keep it flat.
            value = without_params(value.flattened())
        value = value.replace(gates=frozenset()) if value.gates and key[0] != "global" else value
        value = bounded(value)
        if self._run_writes is not None:
            previous = self._run_writes.get(key)
            self._run_writes[key] = value if previous is None else join(previous, value)
        old = self.state.get(key)
        new = value if old is None else join(old, value)
        if old is None or new != old:
            self.state[key] = new
            for reader in sorted(self._readers.get(key, ())):
                if reader != analyzer.f.key or old is not None:
                    self._enqueue(reader)

    def _settle_writes(self, writer: str, writes: dict[tuple, Val]) -> None:
        """Make `writer`'s contribution to shared state exactly what its latest analysis
        wrote; state it no longer writes is withdrawn and its readers re-analysed."""
        before = self._written.get(writer, set())
        for key in sorted(before | set(writes), key=repr):
            contrib = self.contributions.setdefault(key, {})
            previous = contrib.get(writer)
            current = writes.get(key)
            if current is None:
                contrib.pop(writer, None)
            else:
                contrib[writer] = current
            if previous is None:
                continue  # a new contribution: `write_state` joined it in already
            if current is not None and (current == previous or join(previous, current) == current):
                # the same or more: the state already holds it, and what it held of the
                # previous contribution is still true. Only a withdrawn or narrowed
                # contribution needs the join over every writer (quadratic when thousands
                # of callers write one parameter's types, as in sympy).
                continue
            self._recompute(key)
        self._written[writer] = set(writes)

    def _recompute(self, key: tuple) -> None:
        merged = None
        for value in self.contributions.get(key, {}).values():
            merged = value if merged is None else join(merged, value)
        old = self.state.get(key)
        if merged is None:
            if old is not None:
                del self.state[key]
                for reader in sorted(self._readers.get(key, ())):
                    self._enqueue(reader)
            return
        if old is None or merged != old:
            self.state[key] = merged
            for reader in sorted(self._readers.get(key, ())):
                self._enqueue(reader)

    def record_remote_sink(self, sink_id: str, value: Val, trace: tuple, conf: int, analyzer: FunctionAnalyzer, details: dict | None = None) -> None:
        bucket = self.remote_sinks.setdefault(analyzer.f.key, {})
        # the first flow found is kept, unless a later one brings data in the clear and it
        # brought only encrypted data (one argument sealed, another not)
        if sink_id not in bucket or (value.kinds & RAW_KINDS and not bucket[sink_id][0].kinds & RAW_KINDS):
            bucket[sink_id] = (value, trace, conf, details or {})

    def closure_value(self, func: FunctionInfo, name: str) -> Val | None:
        parent = func.parent
        while parent is not None:
            if name in [p.lstrip("*") for p in parent.params]:
                index = [p.lstrip("*") for p in parent.params].index(name)
                env = self.closure_envs.get(parent.key, {})
                value = env.get(name, EMPTY)
                return value.replace(types=value.types | frozenset({f"closure:{parent.key}:{index}"}))
            env = self.closure_envs.get(parent.key)
            if env is not None and name in env:
                return env[name]
            if name in parent.nested:
                return Val(types=frozenset({f"func:{parent.nested[name].key}"}))
            parent = parent.parent
        return None

    def import_value(self, module: ModuleInfo, name: str, level: int) -> Val:
        key = self.index.resolve_import(module, name, level)
        if key is not None:
            return Val(types=frozenset({f"mod:{key}"}))
        if level:
            return EMPTY
        return Val(types=frozenset({f"ext:{self.knowledge.canonical(name)}"}))

    def import_from_value(self, module: ModuleInfo, modname: str, name: str, level: int) -> Val:
        key = self.index.resolve_import(module, modname, level)
        if key is not None:
            value = self.state.get(("global", key, name))
            if self._current is not None:
                self._readers.setdefault(("global", key, name), set()).add(self._current.f.key)
            if value is not None:
                return value
            sub = self.index.resolve_import(module, f"{modname}.{name}" if modname else name, level)
            if sub is not None:
                return Val(types=frozenset({f"mod:{sub}"}))
            return EMPTY
        # `from pkg import mod` where `pkg` is a namespace package (no `__init__.py`)
        sub = self.index.resolve_import(module, f"{modname}.{name}" if modname else name, level)
        if sub is not None:
            return Val(types=frozenset({f"mod:{sub}"}))
        if level:
            return EMPTY
        return Val(types=frozenset({f"ext:{self.knowledge.canonical(f'{modname}.{name}')}"}))

    def module_attribute(self, module_key: str, attr: str, analyzer: FunctionAnalyzer) -> Val:
        value = self.read_state(("global", module_key, attr), analyzer)
        if value is not None:
            return value
        module = self.index.modules.get(module_key)
        if module is not None:
            sub = self.index.resolve_import(module, f"{module.name}.{attr}", 0)
            if sub is not None:
                return Val(types=frozenset({f"mod:{sub}"}))
        return EMPTY

    # -- classes --------------------------------------------------------------------------
    def class_bases(self, cls: ClassInfo) -> list:
        """Resolved bases: ClassInfo for project classes, dotted strings for the rest."""
        keys = [("global", cls.module.key, root.id) for root in map(_root_of, cls.node.bases) if root is not None]
        if self._current is not None:
            # the analysis that asks depends on these names: re-run it when they resolve
            for key in keys:
                self._readers.setdefault(key, set()).add(self._current.f.key)
        version = tuple(id(self.state.get(key)) for key in keys)
        cached = self._bases_cache.get(cls.key)
        if cached is not None and cached[0] == version:
            return cached[1]
        out: list = []
        for base in cls.node.bases:
            resolved = None
            if isinstance(base, ast.Name):
                value = self.state.get(("global", cls.module.key, base.id))
                if value is not None:
                    for t in value.types:
                        if t.startswith("cls:") and t[4:] in self.index.classes:
                            resolved = self.index.classes[t[4:]]
                        elif t.startswith("ext:"):
                            resolved = t[4:]
                        elif t.startswith("inst:"):
                            resolved = t[5:]
            elif isinstance(base, ast.Attribute):
                root = base
                while isinstance(root, ast.Attribute):
                    root = root.value
                if isinstance(root, ast.Name):
                    value = self.state.get(("global", cls.module.key, root.id))
                    dotted = _dotted(base) or ""
                    if value is not None:
                        for t in value.types:
                            if t.startswith("ext:"):
                                resolved = t[4:] + dotted[len(root.id):]
                            elif t.startswith("inst:"):
                                typed = self.knowledge.attributes.get((t[5:], base.attr))
                                resolved = typed or t[5:] + dotted[len(root.id):]
                            elif t.startswith("mod:"):
                                target = self.index.module_class(t[4:], base.attr)
                                if target is not None:
                                    resolved = target
            if resolved is None:
                resolved = _dotted(base) or ""
            out.append(resolved)
        # valid while the names the bases come from keep their values
        self._bases_cache[cls.key] = (version, out)
        return out

    def mro(self, cls: ClassInfo) -> Iterable[ClassInfo]:
        seen: set[str] = set()
        todo = [cls]
        while todo:
            current = todo.pop(0)
            if current.key in seen:
                continue
            seen.add(current.key)
            yield current
            todo.extend(b for b in self.class_bases(current) if isinstance(b, ClassInfo))

    def catalogued(self, info: FunctionInfo) -> str:
        """The catalogued API a project function is, when the scanned tree contains the face
        library itself (a vendored `insightface/app/face_analysis.py` defining
        `FaceAnalysis.get`): calls to it are that API as well as project code."""
        cached = getattr(info, "_catalogued", None)
        if cached is None:
            cached = ""
            module = info.module.name
            if "." not in module:
                # a single top-level module that shares a library's name is the project's
                # own code shadowing it (`face_recognition.py` about cube faces), not the library
                info._catalogued = cached
                return cached
            candidates = [f"{module}.{info.qualname}"]
            package = module.rpartition(".")[0]
            while package:
                candidates.append(f"{package}.{info.qualname}")
                package = package.rpartition(".")[0]
            for name in candidates:
                name = self.knowledge.canonical(name)
                specs = self.knowledge.apis.get(name)
                if specs and any(s.processing for s in specs):
                    cached = name
                    break
            info._catalogued = cached
        return cached

    def overrides(self, method: FunctionInfo) -> list[FunctionInfo]:
        """For an abstract method (`raise NotImplementedError`, `pass`, `...`,
        `@abstractmethod`): the methods of that name project subclasses define, the code
        `self.method()` in the base class really runs (`self._add()` in a template method).
        Concrete methods keep their own summary: following every override of every
        method costs more than it finds."""
        cls = method.cls
        if cls is None or not _is_abstract(method):
            return []
        name = method.qualname.rpartition(".")[2]
        out = [
            sub.methods[name] for sub in self._derived_candidates(cls)
            if name in sub.methods and cls in self.mro(sub)
        ]
        return sorted(out, key=lambda f: f.key)

    def _derived_candidates(self, cls: ClassInfo) -> list[ClassInfo]:
        """Classes that may derive from `cls`, by the names in their base expressions
        (static, so cached; `mro` confirms a candidate when it matters)."""
        found = self._derived_cache.get(cls.key)
        if found is None:
            by_name = self._derived_by_name
            if by_name is None:
                by_name = self._derived_by_name = {}
                for other in self.index.classes.values():
                    for base in other.node.bases:
                        last = _last_name(base)
                        if last:
                            by_name.setdefault(last, []).append(other)
            found, todo, seen = [], [cls], {cls.key}
            while todo:
                current = todo.pop()
                for sub in by_name.get(current.qualname.rpartition(".")[2], ()):
                    if sub.key not in seen:
                        seen.add(sub.key)
                        found.append(sub)
                        todo.append(sub)
            self._derived_cache[cls.key] = found
        return found

    def find_method(self, cls: ClassInfo, name: str) -> FunctionInfo | None:
        for current in self.mro(cls):
            if name in current.methods:
                return current.methods[name]
        return None

    def external_bases(self, cls: ClassInfo) -> list[str]:
        return [b for c in self.mro(cls) for b in self.class_bases(c) if isinstance(b, str)]

    def user_models(self) -> frozenset:
        """`pinst:` types of the project's user models (Flask-Login `UserMixin` classes):
        what `current_user` is."""
        found = getattr(self, "_user_models", None)
        if found is None:
            found = self._user_models = frozenset(
                f"pinst:{cls.key}" for cls in self.index.classes.values()
                if any(self.knowledge.user_bases.match(b) for b in self.external_bases(cls))
            )
        return found

    def is_orm_model(self, cls: ClassInfo) -> bool:
        # not cached: the bases it rests on may still resolve (class_bases is cached per
        # version of the names they come from)
        return any(self.knowledge.orm_bases.match(b) for b in self.external_bases(cls))

    def is_encrypted_field(self, cls: ClassInfo, name: str) -> bool:
        for current in self.mro(cls):
            node = current.field_calls.get(name)
            if node is not None:
                return any(
                    self.knowledge.encrypted_fields.match(_dotted(n) or "")
                    for n in ast.walk(node)
                    if isinstance(n, (ast.Name, ast.Attribute))
                )
        return False

    def is_file_field(self, cls: ClassInfo, name: str) -> bool:
        """A model field that stores an uploaded file on disk (Django `ImageField`)."""
        for current in self.mro(cls):
            node = current.field_calls.get(name)
            if node is not None:
                return isinstance(node, ast.Call) and self.knowledge.file_fields.match(_dotted(node.func) or "")
        return False

    # -- facts ----------------------------------------------------------------------------
    def facts(self) -> ProjectFacts:
        facts = ProjectFacts()
        unguarded = self._unguarded_paths()
        # face calls whose estimated age is read somewhere: (path, line) -> the first read
        age_read_at: dict[tuple[str, int], Site] = {}
        for key in sorted(self.events):
            if not self.events[key].age_reads or "guardian" in self._context(key):
                continue  # none read, or the code reading the age checks a guardian's consent
            for site, origin in sorted(self.events[key].age_reads.values(), key=lambda r: (r[0].path, r[0].line, r[0].column)):
                age_read_at.setdefault((origin.path, origin.line), site)
        for key in sorted(self.events):
            events = self.events[key]
            path_to_func = unguarded.get(key)
            for event in events.face_calls.values():
                spec = event.spec
                lib = self.knowledge.libraries.get(spec.library)
                path = None
                if not event.consented and path_to_func is not None:
                    path = (*path_to_func, event.site.step(f"`{spec.call}` processes facial data without a consent check"))
                arguments = dict(event.arguments)
                region_arg = arguments.pop("__region__", "")
                facts.face_calls.append(
                    FaceCall(
                        site=event.site, api=spec.call, category=spec.category,
                        library=spec.library, cloud=bool(lib and lib.cloud),
                        vendor=lib.vendor if lib else "", region=lib.region if lib else "",
                        unguarded_path=path, arguments=arguments,
                        guard_confidence=Confidence.HIGH,
                        attribute_args=dict(spec.attribute_args), region_arg=region_arg,
                        context=self._context(key) | _age_read_context(age_read_at.get((event.site.path, event.site.line))),
                    )
                )
            for site, how, stores in events.deletions.values():
                facts.deletions.append(Deletion(site, how, stores))
            for site, kind, detail in events.key_uses.values():
                facts.key_uses.append(KeyUse(site, kind, detail))
        facts.sink_flows = self._sink_flows()
        facts.decisions, facts.fallbacks = self._decisions()
        facts.face_calls.sort(key=lambda c: (c.site.path, c.site.line, c.site.column))
        return facts

    def _context(self, key: str) -> frozenset:
        """What a function's code shows beyond data flow: it reads or estimates an age, it
        checks a guardian's consent (names in its code and its callers' conditions)."""
        info = self.index.functions.get(key)
        if info is None:
            return frozenset()
        cached = getattr(info, "_context", None)
        if cached is not None:
            return cached
        k = self.knowledge
        found = set()
        for name in info.syntax.words:
            if "age" not in found and k.age_names.match(name):
                found.add("age")
            if "guardian" not in found and k.guardian_names.match(name):
                found.add("guardian")
        if "guardian" not in found and self._caller_names_guardian(key):
            found.add("guardian-caller")
        info._context = frozenset(found)
        return info._context

    def _caller_names_guardian(self, key: str) -> bool:
        """Some function that calls this one, directly or not, checks a guardian's
        consent (`if is_minor(pid) and not has_guardian_consent(pid): continue` before the
        call): it may be on this call's path, or not."""
        seen, todo = {key}, list(self._callers.get(key, ()))
        while todo:
            caller = todo.pop()
            if caller in seen:
                continue
            seen.add(caller)
            info = self.index.functions.get(caller)
            if info is not None and any(self.knowledge.guardian_names.match(name) for name in info.syntax.words):
                return True
            todo.extend(self._callers.get(caller, ()))
        return False

    def _sink_flows(self) -> list[SinkFlow]:
        # Flows that tests drive (the data or the sink is in test code) are test data, not
        # people's faces, as for BIO001's entry points.
        def driven_by_tests(site, trace) -> bool:
            return _is_test(site.path) or any(_is_test(step.path) for step in trace)

        merged: dict[str, SinkFlow] = {}
        for key in sorted(self.events):
            for (skey, category), hit in sorted(self.events[key].sinks.items()):
                if driven_by_tests(hit.site, hit.value.trace):
                    continue
                sink_id = f"{hit.site.path}:{skey}:{category}"
                self._merge_flow(merged, sink_id, hit.site, hit.sink, category, hit.value, hit.value.trace, hit.value.conf, hit.details)
        for key in sorted(self.remote_sinks):
            for sink_id, (value, trace, conf, override) in sorted(self.remote_sinks[key].items(), key=lambda kv: kv[0]):
                site_info = self.sink_sites.get(sink_id)
                if site_info is None:
                    continue
                site, sink, category, details = site_info
                if driven_by_tests(site, trace):
                    continue
                if override:
                    details = {**details, **override}
                self._merge_flow(merged, sink_id.removesuffix(":sealed").removesuffix(WRITTEN), site, sink, category, value, trace, conf, details)
        return sorted(merged.values(), key=lambda f: (f.site.path, f.site.line, f.site.column, f.category))

    def _merge_flow(self, merged, sink_id, site, sink, category, value: Val, trace, conf, details) -> None:
        sealed = bool(details.get("sealed"))
        # a caller's data encrypted at the sink is stored encrypted; the key written with it
        # (`key_trace`, see `FunctionAnalyzer.sink`) is stored as it is
        raw = (value.all_kinds() & {"key"} if details.get("key_trace") else frozenset()) if sealed else value.all_kinds()
        enc = value.all_kinds() - raw if sealed else value.all_sealed()
        if not raw and not enc:
            return
        confidence = Confidence(max(LOW, min(HIGH, conf)))
        existing = merged.get(sink_id)
        if existing is None:
            merged[sink_id] = SinkFlow(site, sink, category, raw, tuple(trace), confidence, enc, dict(details))
        else:
            better = confidence > existing.confidence or (raw and not existing.kinds)
            merged[sink_id] = SinkFlow(
                site, sink, category, existing.kinds | raw,
                tuple(trace) if better else existing.steps,
                max(confidence, existing.confidence) if raw else existing.confidence,
                existing.encrypted_kinds | enc, existing.details,
            )

    # -- consent --------------------------------------------------------------------------
    def _unguarded_paths(self) -> dict[str, tuple[Step, ...]]:
        """Functions reachable from an entry point through calls made without consent, each
        with one such path (entry point first)."""
        # Test code is not an entry point: consent is owed to the people whose faces are
        # processed, and tests run on test data. A function only tests call is one nothing
        # in the project calls, so its own face calls are still reported.
        called: dict[str, list] = {}
        for key, events in self.events.items():
            if _is_test(key):
                continue
            for call in events.calls.values():
                called.setdefault(call.callee, []).append((key, call))
        entries = []
        for key in sorted(self.index.functions):
            info = self.index.functions[key]
            if _is_test(key) or self._guarded(info):
                continue
            if info.qualname == MODULE_BODY or key not in called or self._is_entry(info):
                entries.append(key)
        paths: dict[str, tuple[Step, ...]] = {}
        queue = deque()
        for key in entries:
            info = self.index.functions[key]
            paths[key] = (self._entry_step(info),)
            queue.append(key)
        self._bfs(queue, paths)
        # Functions nothing reaches (cycles without an outside caller) are entry points too.
        unreached = [
            k for k in sorted(self.index.functions)
            if k not in paths and not _is_test(k) and not self._guarded(self.index.functions[k]) and k not in called
        ]
        for key in unreached:
            paths[key] = (self._entry_step(self.index.functions[key]),)
            queue.append(key)
        self._bfs(queue, paths)
        return paths

    def _bfs(self, queue: deque, paths: dict) -> None:
        out_edges: dict[str, list] = {}
        for key, events in self.events.items():
            if _is_test(key):
                continue
            for call in events.calls.values():
                out_edges.setdefault(key, []).append(call)
        while queue:
            key = queue.popleft()
            for call in sorted(out_edges.get(key, ()), key=lambda c: (c.site.line, c.site.column, c.callee)):
                if call.consented or call.callee in paths:
                    continue
                callee = self.index.functions.get(call.callee)
                if callee is None or self._guarded(callee):
                    continue
                paths[call.callee] = (*paths[key], call.site.step(f"calls `{callee.display.rsplit('.', 1)[-1]}()` without a consent check"))
                queue.append(call.callee)

    def _entry_step(self, info: FunctionInfo) -> Step:
        node = info.node
        line = getattr(node, "lineno", 1)
        col = getattr(node, "col_offset", 0) + 1
        if info.qualname == MODULE_BODY:
            return Step(info.module.key, 1, 1, f"module `{info.module.name}` runs at import or as a script")
        kind = "entry point" if self._is_entry(info) else "function nothing in the project calls"
        return Step(info.module.key, line, col, f"`{info.display}` is an {kind}" if kind == "entry point" else f"`{info.display}` is a {kind}")

    def _is_entry(self, info: FunctionInfo) -> bool:
        k = self.knowledge
        for dec in info.decorators:
            name = self.decorator_qualname(info.module, dec)
            if k.entry_decorators.match(name):
                return True
        if info.cls is not None:
            return any(k.entry_classes.match(b) for b in self.external_bases(info.cls))
        return False

    def decorator_qualname(self, module: ModuleInfo, dec: ast.expr, reader: FunctionAnalyzer | None = None) -> str:
        """`app.post` as `sanic.Sanic.post` when `app = Sanic(...)` (a reader is
        analysed again when the module's value of `app` changes)."""
        target = dec.func if isinstance(dec, ast.Call) else dec
        dotted = _dotted(target) or ""
        root = dotted.split(".")[0]
        key = ("global", module.key, root)
        value = self.read_state(key, reader) if reader is not None else self.state.get(key)
        if value is not None:
            for t in value.types:
                if t.startswith(("ext:", "inst:")):
                    # `flask.Blueprint.route`, `sanic.Sanic.post` (`app = Sanic(...)`)
                    return t.partition(":")[2] + dotted[len(root):]
        return dotted

    def _guarded(self, info: FunctionInfo) -> bool:
        """A consent guard wraps every call of this function (decorator or dependency)."""
        cached = getattr(info, "_guard", None)
        if cached is not None:
            return cached
        info._guard = False  # recursion guard
        result = (
            any(self._decorator_guards(info.module, dec) for dec in info.decorators)
            or self._depends_guard(info)
            or self._hook_guards(info)
            or self._view_guards(info)
        )
        info._guard = result
        return result

    def _view_guards(self, info: FunctionInfo) -> bool:
        """A class-based view runs every handler through `dispatch` (Django, DRF) or
        `initial` (DRF): one of them that returns only once consent holds, or that a
        consent decorator wraps, guards the handlers. So do `@method_decorator(check,
        name="dispatch")` on the class, a Flask view's `decorators = [check]`, a DRF
        permission class whose `has_permission` is a consent check, and the `test_func` of
        Django's `UserPassesTestMixin` when it returns consent."""
        cls = info.cls
        method = info.qualname.rsplit(".", 1)[-1]
        if cls is not None and method != "connect" and any(self.knowledge.consumer_classes.match(b) for b in self.external_bases(cls)):
            # a socket consumer's handlers run only on a connection `connect` accepted
            connect = self.find_method(cls, "connect")
            summary = self.summaries.get(connect.key) if connect is not None else None
            if summary is not None and summary.checks_consent:
                return True
        if cls is None or method in (*_VIEW_FRONTS, "__init__", "setup", "test_func") or not self._is_entry(info):
            return False
        for name in _VIEW_FRONTS:
            front = self.find_method(cls, name)
            summary = self.summaries.get(front.key) if front is not None else None
            # `dispatch` that refuses the request without consent and hands it on with
            # consent (`return super().dispatch(...)`) guards the handlers it hands it to
            if summary is not None and (summary.enforces_consent or summary.checks_consent) or front is not None and self._guarded(front):
                return True
        if any(b.endswith("UserPassesTestMixin") for b in self.external_bases(cls)):
            test = self.find_method(cls, "test_func")
            summary = self.summaries.get(test.key) if test is not None else None
            if summary is not None and summary.ret.consent:
                return True
        permissions_seen = False
        for current in self.mro(cls):
            for dec in current.node.decorator_list:
                named = next((kw.value for kw in getattr(dec, "keywords", ()) if kw.arg == "name"), None)
                if isinstance(named, ast.Constant) and named.value in ("dispatch", method) and self._decorator_guards(current.module, dec):
                    return True
            decorators = current.field_calls.get("decorators")
            if isinstance(decorators, (ast.List, ast.Tuple)) and any(self._decorator_guards(current.module, d) for d in decorators.elts):
                return True
            listed = current.field_calls.get("permission_classes")
            if isinstance(listed, (ast.List, ast.Tuple)) and not permissions_seen:
                permissions_seen = True  # the nearest class that sets permission_classes decides
                for element in listed.elts:
                    permission = self._resolve_class(current.module, element)
                    check = self.find_method(permission, "has_permission") if permission is not None else None
                    summary = self.summaries.get(check.key) if check is not None else None
                    if summary is not None and summary.ret.consent:
                        return True
        return False

    def _decorator_guards(self, module: ModuleInfo, dec: ast.expr) -> bool:
        if isinstance(dec, ast.Call) and _last_name(dec.func) == "method_decorator" and dec.args:
            # Django: @method_decorator(consent_required) (or a list of decorators)
            wrapped = dec.args[0]
            elements = wrapped.elts if isinstance(wrapped, (ast.List, ast.Tuple)) else [wrapped]
            return any(self._decorator_guards(module, d) for d in elements)
        target = dec.func if isinstance(dec, ast.Call) else dec
        func = self.resolve_function(module, target)
        if func is not None:
            return self._wrapper_checks_consent(func)
        name = self.decorator_qualname(module, dec)
        if self.knowledge.consent_decorators.match(name):
            return True
        if isinstance(dec, ast.Call):
            # FastAPI: @router.get("/x", dependencies=[Depends(require_consent)])
            if self._dependencies_guard(module, dec.keywords) or self._route_guards(module, dec.keywords):
                return True
            # ... or on the router / app the route is declared on, or where it is included
            if isinstance(dec.func, ast.Attribute) and isinstance(dec.func.value, ast.Name):
                return self._router_guards(module, dec.func.value.id)
        return False

    def _dependencies_guard(self, module: ModuleInfo, keywords: list[ast.keyword]) -> bool:
        return any(
            kw.arg == "dependencies" and isinstance(kw.value, (ast.List, ast.Tuple))
            and any(self._dependency_guards(module, d) for d in kw.value.elts)
            for kw in keywords
        )

    def _route_guards(self, module: ModuleInfo, keywords: list[ast.keyword]) -> bool:
        """Litestar: `@post("/x", guards=[consent_guard])`, a guard that raises unless
        consent holds runs before the handler."""
        return any(
            kw.arg == "guards" and isinstance(kw.value, (ast.List, ast.Tuple))
            and any(self._enforces_consent(module, guard) for guard in kw.value.elts)
            for kw in keywords
        )

    def _enforces_consent(self, module: ModuleInfo, node: ast.expr) -> bool | None:
        """Whether the project function `node` names enforces consent (None: not one)."""
        func = self.resolve_function(module, node)
        if func is None:
            return None
        summary = self.summaries.get(func.key)
        return bool(summary and summary.enforces_consent)

    def _router_guards(self, module: ModuleInfo, name: str) -> bool:
        """A FastAPI router or app whose every route runs a consent dependency: created
        with `dependencies=[Depends(check)]` (`APIRouter(...)`, `FastAPI(...)`), or
        included with them (`app.include_router(router, dependencies=[...])`)."""
        for node in module.tree.body:
            if (
                isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
                and any(isinstance(t, ast.Name) and t.id == name for t in node.targets)
                and self._dependencies_guard(module, node.value.keywords)
            ):
                return True
        return (module.key, name) in self._guarded_inclusions()

    def _guarded_inclusions(self) -> set[tuple[str, str]]:
        """(module, name) of the routers `include_router(..., dependencies=[consent])`
        includes, wherever in the project that happens."""
        found = getattr(self, "_inclusions", None)
        if found is None:
            found = self._inclusions = set()
            for info in self.index.functions.values():
                if "include_router" not in info.syntax.called:
                    continue
                for node in walk_own(info.node):
                    if (
                        isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                        and node.func.attr == "include_router" and node.args
                        and self._dependencies_guard(info.module, node.keywords)
                    ):
                        router = self._router_named(info.module, node.args[0])
                        if router is not None:
                            found.add(router)
        return found

    def _router_named(self, module: ModuleInfo, node: ast.expr) -> tuple[str, str] | None:
        """Where the router an expression names is defined: (module, name) for `router`
        (defined here or imported with `from m import router`) or `m.router`."""
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            target = self._imported_module(module, node.value.id)
            return (target, node.attr) if target is not None else None
        if not isinstance(node, ast.Name):
            return None
        for stmt in module.tree.body:
            if isinstance(stmt, ast.ImportFrom):
                for alias in stmt.names:
                    if (alias.asname or alias.name) == node.id:
                        source = self.index.resolve_import(module, stmt.module or "", stmt.level)
                        return (source, alias.name) if source is not None else None
        return (module.key, node.id)

    def _imported_module(self, module: ModuleInfo, name: str) -> str | None:
        """The project module a module-level name of `module` holds (`from pkg import m`,
        `import m`)."""
        value = self.state.get(("global", module.key, name))
        for t in sorted(value.types if value is not None else ()):
            if t.startswith("mod:"):
                return t[4:]
        return None

    def module_literal(self, module: ModuleInfo, name: str, depth: int = 0):
        """The literal a module-level name is bound to once (`ACTIONS = ("emotion",)`,
        `A, B = 7, 30`), also through `from .config import ACTIONS`; None when the name is
        bound more than once or inside a block, a function assigns it (`global`), or its
        value is not a literal. For API arguments given as a named constant."""
        cache = self.__dict__.setdefault("_module_literals", {})
        key = (module.key, name)
        if key in cache:
            return cache[key]
        cache[key] = None  # import cycles
        bindings, found = _bindings(module.tree.body, name)
        for stmt in module.tree.body:
            if isinstance(stmt, ast.ImportFrom) and depth < 4:
                for alias in stmt.names:
                    if (alias.asname or alias.name) == name:
                        bindings += 1
                        source = self.index.resolve_import(module, stmt.module or "", stmt.level)
                        found = self.module_literal(self.index.modules[source], alias.name, depth + 1) if source in self.index.modules else None
        if bindings != 1 or name in self.assigned_by_functions(module):
            found = None
        cache[key] = found
        return found

    def class_literal(self, cls: ClassInfo, attr: str):
        """The literal an attribute of instances of `cls` is bound to once: a class-level
        `ACTIONS = ("emotion",)` (a dataclass default), or the one `self.actions = (...)` in
        its methods; None when bound more than once or to something else."""
        cache = self.__dict__.setdefault("_class_literals", {})
        key = (cls.key, attr)
        if key in cache:
            return cache[key]
        for current in self.mro(cls):
            bindings, found = _bindings(current.node.body, attr)
            for method in current.node.body:
                if not isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    continue
                for node in ast.walk(method):
                    targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, (ast.AnnAssign, ast.AugAssign)) else ()
                    for t in targets:
                        if isinstance(t, ast.Attribute) and t.attr == attr and isinstance(t.value, ast.Name) and t.value.id == "self":
                            bindings += 1
                            found = _literal(node.value) if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None else None
            if bindings:
                break  # the nearest class that binds it decides
        cache[key] = found if bindings == 1 else None
        return cache[key]

    def _request_hooks(self) -> list[tuple[str, str, bool]]:
        """Flask `before_request` hooks that enforce consent, and aiohttp/Starlette
        middlewares that stop requests without consent: (module, receiver, app-wide). A
        middleware that checks consent only for some paths still counts for every route
        (the paths it picks are not evaluated; BIO001's documented limitation)."""
        hooks = getattr(self, "_hooks", None)
        if hooks is None:
            hooks = []
            for info in self.index.functions.values():
                for dec in info.decorators:
                    dotted = _dotted(dec.func if isinstance(dec, ast.Call) else dec) or ""
                    receiver, _, hook = dotted.rpartition(".")
                    summary = self.summaries.get(info.key)
                    if summary is None:
                        continue
                    if hook in ("before_request", "before_app_request") and receiver and summary.enforces_consent:
                        hooks.append((info.module.key, receiver, hook == "before_app_request"))
                    elif hook == "middleware" and summary.checks_consent:
                        hooks.append((info.module.key, receiver, True))
            self._hooks = hooks
        return hooks

    def _hook_guards(self, info: FunctionInfo) -> bool:
        hooks = self._request_hooks()
        if not hooks:
            return False
        for dec in info.decorators:
            dotted = _dotted(dec.func if isinstance(dec, ast.Call) else dec) or ""
            receiver, _, verb = dotted.rpartition(".")
            if not receiver or not self.knowledge.entry_decorators.match(dotted):
                continue
            for module, hook_receiver, app_wide in hooks:
                if app_wide or (module == info.module.key and hook_receiver == receiver):
                    return True
        return False

    def _depends_guard(self, info: FunctionInfo) -> bool:
        args = getattr(info.node, "args", None)
        if args is None:
            return False
        defaults = [*args.defaults, *(d for d in args.kw_defaults if d is not None)]
        annotations = [a.annotation for a in (*args.args, *args.kwonlyargs) if a.annotation is not None]
        for node in (*defaults, *annotations):
            for sub in ast.walk(node):
                if isinstance(sub, ast.Call) and self._dependency_guards(info.module, sub):
                    return True
        return False

    def _dependency_guards(self, module: ModuleInfo, node: ast.expr) -> bool:
        if not is_dependency_call(node):
            return False
        dep = node.args[0]
        enforces = self._enforces_consent(module, dep)
        if enforces is not None:
            return enforces
        return self.knowledge.consent_functions.match(_dotted(dep) or "")

    def resolve_function(self, module: ModuleInfo, node: ast.expr, reader: FunctionAnalyzer | None = None) -> FunctionInfo | None:
        """The project function a name or dotted name in `module` refers to (`f`,
        `helpers.f`, `helpers.Class.method`). With a `reader`, that analysis is re-run when
        the names it rests on change; fact building passes none, as it must not register
        dependencies once the fixed point is reached."""
        return self._resolve_global(module, node, "func", self.index.functions, reader)

    def _resolve_class(self, module: ModuleInfo, node: ast.expr) -> ClassInfo | None:
        """The project class a name or dotted name in `module` refers to (`C`,
        `models.C`), for fact building."""
        return self._resolve_global(module, node, "cls", self.index.classes)

    def _resolve_global(self, module: ModuleInfo, node: ast.expr, kind: str, table: dict, reader: FunctionAnalyzer | None = None):
        dotted = _dotted(node)
        if not dotted:
            return None
        root, _, rest = dotted.partition(".")

        def lookup(key: tuple) -> Val | None:
            return self.read_state(key, reader) if reader is not None else self.state.get(key)

        value = lookup(("global", module.key, root))
        if value is None:
            return None
        for t in sorted(value.types):
            tag, _, name = t.partition(":")
            if tag == kind and not rest:
                return table.get(name)
            if tag == "mod" and rest:
                inner = lookup(("global", name, rest)) if "." not in rest else None
                for t2 in sorted(inner.types if inner is not None else ()):
                    if t2.startswith(kind + ":") and t2[len(kind) + 1:] in table:
                        return table[t2[len(kind) + 1:]]
                found = table.get(f"{name}::{rest}")  # `helpers.Class.method`, `models.C`
                if found is not None:
                    return found
        return None

    def _wrapper_checks_consent(self, decorator: FunctionInfo) -> bool:
        """A project decorator guards when its wrapper calls the wrapped function only
        after consent is established (or when it enforces consent itself, as a
        decorator factory's returned decorator may)."""
        calls = []
        todo = [decorator]
        while todo:
            current = todo.pop()
            summary = self.summaries.get(current.key)
            if summary is not None:
                calls.extend(summary.wrapped_calls)
            todo.extend(current.nested.values())
        relevant = [c for c in calls if c[0].startswith(decorator.key)]
        return bool(relevant) and all(consented for _, consented in relevant)

    # -- decisions and fallbacks ------------------------------------------------------------
    def _decisions(self) -> tuple[list[Decision], list[Fallback]]:
        decisions_by_label: dict[str, tuple] = {}
        fallback_labels: dict[str, tuple] = {}
        for key in sorted(self.events):
            decisions_by_label.update(self.events[key].decisions)
            fallback_labels.update(self.events[key].fallbacks)
        decisions: dict[tuple, Decision] = {}
        fallbacks: list[Fallback] = []
        for key in sorted(self.events):
            for action in sorted(self.events[key].actions.values(), key=lambda a: (a.site.line, a.site.column)):
                for conj in sorted(action.gates, key=sorted):
                    matches = sorted(l for l in conj if l.startswith("M:"))
                    nonface = sorted(l for l in conj if l.startswith("N:"))
                    if nonface and not matches:
                        site, how = fallback_labels.get(nonface[0], (action.site, "non-face check"))
                        fallbacks.append(Fallback(action.ends, action.site.step(f"`{how}` gates this without a face"), how))
                    for label in matches:
                        found = decisions_by_label.get(label)
                        if found is None:
                            continue
                        site, api = found
                        dkey = (site.path, site.line, site.column)
                        previous = decisions.get(dkey)
                        ends = action.ends | (previous.ends if previous else frozenset())
                        step = previous.action if previous else action.site.step(f"the match result gates `{action.site.statement}`")
                        decisions[dkey] = Decision(site, api, ends, step, (site.step(f"face match by `{api}`"), step), Confidence.HIGH if site.path == action.site.path else Confidence.MEDIUM)
        if self.declared_fallback:
            ends = frozenset(self.declared_fallback.get("ends") or ("login", "access", "attendance", "identity"))
            fallbacks.append(Fallback(ends, Step("", 0, 0, f"declared in config: {self.declared_fallback.get('reason', '')}"), "declared"))
        return sorted(decisions.values(), key=lambda d: (d.site.path, d.site.line, d.site.column)), fallbacks


def _is_abstract(method: FunctionInfo) -> bool:
    """A method with no behaviour of its own, for subclasses to supply."""
    cached = method.__dict__.get("_abstract")
    if cached is None:
        node = method.node
        body = list(getattr(node, "body", ()))
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
            body = body[1:]  # docstring

        def empty(stmt: ast.stmt) -> bool:
            if isinstance(stmt, ast.Pass) or (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and stmt.value.value is Ellipsis):
                return True
            if isinstance(stmt, ast.Raise) and stmt.exc is not None:
                exc = stmt.exc.func if isinstance(stmt.exc, ast.Call) else stmt.exc
                return _last_name(exc) == "NotImplementedError"
            return False

        decorated = any(_last_name(d) == "abstractmethod" for d in getattr(node, "decorator_list", ()))
        cached = method.__dict__["_abstract"] = decorated or (bool(body) and all(empty(stmt) for stmt in body))
    return cached


def _is_test(key: str) -> bool:
    path = key.split("::", 1)[0]
    parts = path.split("/")
    return any(p in ("tests", "test", "testing") for p in parts[:-1]) or parts[-1].startswith("test_") or parts[-1].endswith("_test.py") or parts[-1] == "conftest.py"


def _root_of(node: ast.AST) -> ast.Name | None:
    while isinstance(node, ast.Attribute):
        node = node.value
    return node if isinstance(node, ast.Name) else None


# methods through which a class-based view runs each request's handler
_VIEW_FRONTS = ("dispatch", "initial")


def _bindings(body: list[ast.stmt], name: str) -> tuple[int, object]:
    """How often the statements `body` (a module's or a class's) bind `name`, and the
    literal of the binding when it is a literal (`A = ("x",)`, `A, B = 7, 30`). A binding
    that cannot be followed (unpacking, inside `if`/`try`/`for`) counts twice: which value
    holds is not known. Imports are the caller's to count."""
    found = None
    bindings = 0
    for stmt in body:
        if isinstance(stmt, ast.AnnAssign) and stmt.value is None:
            continue  # `actions: tuple` declares, it binds nothing
        if isinstance(stmt, (ast.Assign, ast.AnnAssign)):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            for target in targets:
                if isinstance(target, ast.Name) and target.id == name:
                    bindings += 1
                    found = _literal(stmt.value)
                elif isinstance(target, ast.Tuple) and isinstance(stmt.value, ast.Tuple) and len(target.elts) == len(stmt.value.elts):
                    for element, value in zip(target.elts, stmt.value.elts):
                        if isinstance(element, ast.Name) and element.id == name:
                            bindings += 1
                            found = _literal(value)
                elif any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(target)):
                    bindings += 2
        elif not isinstance(stmt, (ast.Expr, ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if any(isinstance(n, ast.Name) and n.id == name and not isinstance(n.ctx, ast.Load) for n in ast.walk(stmt)):
                bindings += 2
    return bindings, found


def _age_read_context(site: Site | None) -> frozenset:
    """`age-read:<path>:<line>`: where the age this face call estimated is read."""
    return frozenset({f"age-read:{site.path}:{site.line}"}) if site is not None else frozenset()


def _final_env(analyzer: FunctionAnalyzer) -> dict:
    return dict(getattr(analyzer, "final_env", {}))
