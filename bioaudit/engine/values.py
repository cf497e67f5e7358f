"""Abstract values: what the analysis knows about one Python value.

A value carries
- `kinds`: the facial data it holds (template, landmarks, face-image, attributes), raw;
- `sealed`: facial data it holds in encrypted form;
- `params` / `sealed_params`: for function summaries, which parameters of the function
  being analysed flow into it (raw or encrypted);
- `types`: what it is, when that matters (a module, a catalogued object, a project class
  instance, a project function, a file handle) as tagged strings;
- `gates`: what decisions it depends on, as a small formula in disjunctive normal form
  over labels (`M:<site>` a face match, `N:<site>` a non-face identity check, `P:<i>`
  a parameter), so that `password_ok and face_ok` (a second factor) differs from
  `password_ok or face_ok` (a fallback);
- `consent`: whether it is (derived from) a consent predicate;
- `fields`: per key/attribute values when they differ from the whole (`Face.bbox` is
  not a template even though `Face.embedding` is);
- `const`: a string constant it is known to equal (paths, SQL, URLs, model files);
- `store`: the storage key (file or table) a file handle or cursor points at;
- `trace`: one evidence path from the source (not part of equality).
"""
from __future__ import annotations

from typing import Iterable

from bioaudit.model import Step

Gates = frozenset  # frozenset[frozenset[str]]; frozenset() = no dependence
MAX_CONJUNCTS = 8
UNCHECKED = 1 << 30  # `Val._bound` before `bounded` has looked at the value


def gates_or(a: Gates, b: Gates) -> Gates:
    if not a:
        return b
    if not b:
        return a
    merged = a | b
    return merged if len(merged) <= MAX_CONJUNCTS else frozenset(sorted(merged, key=sorted)[:MAX_CONJUNCTS])


def gates_and(a: Gates, b: Gates) -> Gates:
    if not a:
        return b
    if not b:
        return a
    product = frozenset(x | y for x in a for y in b)
    return product if len(product) <= MAX_CONJUNCTS else frozenset(sorted(product, key=sorted)[:MAX_CONJUNCTS])


def gate_labels(g: Gates) -> frozenset[str]:
    out: set[str] = set()
    for conj in g:
        out |= conj
    return frozenset(out)


class Val:
    __slots__ = (
        "kinds", "sealed", "params", "sealed_params", "types", "gates", "consent",
        "fields", "const", "store", "trace", "conf", "_hash", "_bound", "_all_kinds", "_flat",
    )

    def __init__(
        self,
        kinds: frozenset = frozenset(),
        sealed: frozenset = frozenset(),
        params: frozenset = frozenset(),
        sealed_params: frozenset = frozenset(),
        types: frozenset = frozenset(),
        gates: Gates = frozenset(),
        consent: bool = False,
        fields: tuple = (),
        const: str | None = None,
        store: str | None = None,
        trace: tuple[Step, ...] = (),
        conf: int = 3,
    ) -> None:
        self.kinds = kinds
        self.sealed = sealed
        self.params = params
        self.sealed_params = sealed_params
        self.types = types
        self.gates = gates
        self.consent = consent
        self.fields = fields
        self.const = const
        self.store = store
        self.trace = trace
        self.conf = conf
        self._hash = None
        # caches (values never change once built): the field depth `bounded` has checked,
        # and the kinds of the whole field tree
        self._bound = UNCHECKED
        self._all_kinds = None
        self._flat = None

    # -- identity (trace excluded: it is evidence, not meaning) ---------------------------
    def _key(self) -> tuple:
        return (
            self.kinds, self.sealed, self.params, self.sealed_params, self.types, self.gates,
            self.consent, self.fields, self.const, self.store, self.conf if self.kinds else 0,
        )

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        if not isinstance(other, Val):
            return False
        if self._hash is not None and other._hash is not None and self._hash != other._hash:
            return False
        return self._key() == other._key()

    def __hash__(self) -> int:
        if self._hash is None:
            self._hash = hash(self._key())
        return self._hash

    def __reduce__(self) -> tuple:
        # the meaning only: the caches are rebuilt on demand (a third less to pickle and
        # unpickle for the analysis cache)
        return (Val, tuple(getattr(self, name) for name in _MEANING))

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        parts = [f"{name}={getattr(self, name)!r}" for name in ("kinds", "sealed", "params", "types", "gates", "consent", "const", "store") if getattr(self, name)]
        if self.fields:
            parts.append(f"fields={dict(self.fields)!r}")
        return f"Val({', '.join(parts)})"

    # -- queries --------------------------------------------------------------------------
    @property
    def tainted(self) -> bool:
        return bool(self.kinds or self.params or self.sealed or self.sealed_params or self.fields_tainted())

    def fields_tainted(self) -> bool:
        return any(v.tainted for _, v in self.fields)

    def all_kinds(self) -> frozenset:
        kinds = self._all_kinds
        if kinds is None:
            kinds = self.kinds
            for _, v in self.fields:
                kinds = kinds | v.all_kinds()
            self._all_kinds = kinds
        return kinds

    def all_sealed(self) -> frozenset:
        sealed = self.sealed
        for _, v in self.fields:
            sealed = sealed | v.all_sealed()
        return sealed

    def all_params(self) -> frozenset:
        params = self.params
        for _, v in self.fields:
            params = params | v.all_params()
        return params

    def all_sealed_params(self) -> frozenset:
        params = self.sealed_params
        for _, v in self.fields:
            params = params | v.all_sealed_params()
        return params

    def field(self, name: str) -> "Val | None":
        for key, value in self.fields:
            if key == name:
                return value
        return None

    def first_trace(self) -> tuple[Step, ...]:
        if self.trace:
            return self.trace
        for _, v in self.fields:
            if v.all_kinds() and v.first_trace():
                return v.first_trace()
        return ()

    def replace(self, **changes) -> "Val":
        # Called ~300k times per face-library scan: plain attribute copies, then the changes.
        new = Val.__new__(Val)
        new.kinds = self.kinds
        new.sealed = self.sealed
        new.params = self.params
        new.sealed_params = self.sealed_params
        new.types = self.types
        new.gates = self.gates
        new.consent = self.consent
        new.fields = self.fields
        new.const = self.const
        new.store = self.store
        new.trace = self.trace
        new.conf = self.conf
        for name, value in changes.items():
            setattr(new, name, value)
        new._hash = None
        new._bound = UNCHECKED
        new._all_kinds = None
        new._flat = None
        return new

    # -- derived values -------------------------------------------------------------------
    def data_only(self) -> "Val":
        """The same data, stripped of identity (types, constants, stores)."""
        if not (self.types or self.const or self.store):
            return self
        return self.replace(types=frozenset(), const=None, store=None)

    def clean(self) -> "Val":
        """A value derived from this one that carries no facial data (a count, a score, a
        boolean) but still depends on the same decisions and consent."""
        if not (self.gates or self.consent):
            return EMPTY
        return Val(gates=self.gates, consent=self.consent)

    def flattened(self) -> "Val":
        """All facial data inside, at top level (for a sink that writes the whole object)."""
        if not self.fields:
            return self
        if self._flat is None:
            self._flat = Val(
                kinds=self.all_kinds(), sealed=self.all_sealed(), params=self.all_params(),
                sealed_params=self.all_sealed_params(), gates=self.gates, consent=self.consent,
                trace=self.first_trace(), conf=self.conf_of_kinds(),
            )
        return self._flat

    def conf_of_kinds(self) -> int:
        confs = [self.conf] if self.kinds else []
        confs += [v.conf_of_kinds() for _, v in self.fields if v.all_kinds()]
        return max(confs) if confs else self.conf

    def sealed_version(self) -> "Val":
        flat = self.flattened()
        return Val(
            sealed=flat.kinds | flat.sealed,
            sealed_params=flat.params | flat.sealed_params,
            gates=flat.gates,
            trace=flat.trace,
            conf=flat.conf,
        )

    def unsealed_version(self) -> "Val":
        """The same data decrypted: what was encrypted facial data is facial data again."""
        flat = self.flattened()
        if not (flat.sealed or flat.sealed_params):
            return flat.data_only()
        return Val(
            kinds=flat.kinds | flat.sealed,
            params=flat.params | flat.sealed_params,
            gates=flat.gates,
            trace=flat.trace,
            conf=flat.conf,
        )

    def with_step(self, step: Step) -> "Val":
        if not self.tainted or (self.trace and self.trace[-1] == step):
            return self
        return self.replace(trace=(*self.trace, step)[-12:])


EMPTY = Val()


def join(a: Val, b: Val) -> Val:
    """The value that may be either a or b (branch merge, container element)."""
    if a is b or b is EMPTY:
        return a
    if a is EMPTY:
        return b
    if a == b:
        return a if len(a.trace) >= len(b.trace) else b
    fields = _join_fields(a.fields, b.fields)
    kinds = a.kinds | b.kinds
    trace = a.trace if (a.trace and (a.kinds or not b.kinds)) else (b.trace or a.trace)
    if a.kinds and b.kinds:
        conf = max(a.conf, b.conf)
    elif a.kinds:
        conf = a.conf
    elif b.kinds:
        conf = b.conf
    else:
        conf = max(a.conf, b.conf)
    return Val(
        kinds=kinds,
        sealed=a.sealed | b.sealed,
        params=a.params | b.params,
        sealed_params=a.sealed_params | b.sealed_params,
        types=a.types | b.types,
        gates=gates_or(a.gates, b.gates),
        consent=a.consent or b.consent,
        fields=fields,
        const=a.const if a.const == b.const else None,
        store=a.store if a.store == b.store else (a.store or b.store),
        trace=trace,
        conf=conf,
    )


def combine(values: Iterable[Val]) -> Val:
    """A value computed from all of these (f-string, arithmetic, unknown call): it holds
    their data and depends on all their decisions."""
    out = EMPTY
    gates: Gates = frozenset()
    for v in values:
        if v is EMPTY:
            continue
        gates = gates_and(gates, v.gates)
        if not (v.kinds or v.sealed or v.params or v.sealed_params or v.fields or v.consent or v.trace):
            continue  # stripped of identity and gates it is EMPTY: nothing to join
        flat = v.flattened().data_only()
        out = join(out, flat.replace(gates=frozenset()))
    if gates:
        out = out.replace(gates=gates)
    return out


MAX_FIELD_DEPTH = 3
MAX_FIELDS = 32


def bounded(value: Val, depth: int = MAX_FIELD_DEPTH) -> Val:
    """Keep value shapes finite: fields nested deeper than `depth` (a value that contains
    itself through a loop or recursion) are flattened into their parent, so joins and
    fixed points terminate."""
    if not value.fields or value._bound <= depth:
        return value  # already checked at this depth or a stricter one
    if depth <= 0 or len(value.fields) > MAX_FIELDS:
        return value.flattened().replace(types=value.types, const=value.const, store=value.store)
    changed = False
    fields = []
    for key, sub in value.fields:
        new = bounded(sub, depth - 1)
        changed |= new is not sub
        fields.append((key, new))
    out = value.replace(fields=tuple(fields)) if changed else value
    out._bound = depth
    return out


def without_params(value: Val) -> Val:
    """The value with no dependence on the analysed function's parameters, at any depth
    (what shared state keeps once the summary records which parameter went there)."""
    if not (value.params or value.sealed_params or value.fields):
        return value
    fields = tuple((key, without_params(sub)) for key, sub in value.fields)
    return value.replace(params=frozenset(), sealed_params=frozenset(), fields=fields)


def _join_fields(a: tuple, b: tuple) -> tuple:
    if not a:
        return b
    if not b or a == b:
        return a
    merged = dict(a)
    for key, value in b:
        merged[key] = join(merged[key], value) if key in merged else value
    return tuple(sorted((k, bounded(v, MAX_FIELD_DEPTH - 1)) for k, v in merged.items()))


def with_field(base: Val, name: str, value: Val, strong: bool) -> Val:
    fields = dict(base.fields)
    fields[name] = value if strong or name not in fields else join(fields[name], value)
    return bounded(base.replace(fields=tuple(sorted(fields.items()))))


# `Val.__init__`'s parameters in order: what a value means (its caches are not in it)
_MEANING = tuple(Val.__init__.__code__.co_varnames[1:Val.__init__.__code__.co_argcount])


def source(kind: str, step: Step, conf: int = 3) -> Val:
    return Val(kinds=frozenset({kind}), trace=(step,), conf=conf)
