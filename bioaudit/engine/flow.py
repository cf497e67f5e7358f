"""The abstract interpreter: one forward pass over one function's `ast`, tracking facial
data, consent, decisions and object types, and producing the function's summary and the
events rules care about.

Flow-sensitive within a function (branches joined, loops iterated to stability, early
exits respected); interprocedural through summaries the `Analysis` keeps to a fixed point.
"""
from __future__ import annotations

import ast
import functools
import json
import re
import time
import zlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterator

from bioaudit.engine.facts import Site
from bioaudit.engine.index import MODULE_BODY, SCOPES, ClassInfo, FunctionInfo, children
from bioaudit.engine.knowledge import RAW_KINDS, ApiSpec
from bioaudit.engine.values import (
    EMPTY, Gates, Val, bounded, combine, gate_labels, gates_and, gates_or, join, source, with_field, without_params,
)
from bioaudit.model import Step

if TYPE_CHECKING:  # pragma: no cover
    from bioaudit.engine.analysis import Analysis

HIGH, MEDIUM, LOW = 3, 2, 1
TEMPLATE_NAMES = re.compile(
    r"(?i)(^|_)((known_?)?(face_?)?(encodings?|embeddings?|descriptors?|descs|embs|encs|templates?|face_?db|face_?vectors?|face_?features?)|known|gallery)($|_)"
)
_STRINGISH = ("str", "repr", "format")
# builtins whose result is a number, not the data it was computed from (unless a template)
_NUMERIC_BUILTINS = ("int", "float", "round", "abs", "sum")
# calls that hand a function over with collections of its arguments, not the arguments
_MAPPING_HANDOVERS = frozenset({"map", "starmap", "imap", "imap_unordered", "map_async", "starmap_async", "filter", "sorted", "min", "max"})
# isinstance() classes that say a value is text (a path, URL or base64), or pixel data
_TEXT_TYPES = frozenset({"str", "bytes", "Path", "PurePath", "PosixPath", "PathLike"})
_PIXEL_TYPES = frozenset({"ndarray"})
# parameter index offset for "parameter i where it is known to be text" (see `_narrow`)
TEXT_PARAM = 1000
# parameter indices for what a `**kwargs` parameter holds under one key (`context.get(
# "score")`): `keyword_param(key)`, so that a caller's `score=` keyword binds there and its
# other keywords do not (see `_bind_args`); KWARGS_SPLAT holds a caller's `**mapping`, which
# may hold any key
KEYWORD_PARAM = 500
KWARGS_SPLAT = KEYWORD_PARAM - 1


def keyword_param(key: str) -> int:
    # a stable hash (summaries are cached across runs); two keys sharing a slot only join
    return KEYWORD_PARAM + zlib.crc32(key.encode("utf-8", "surrogatepass")) % 400


# An attribute of a parameter (`face.bbox` in `def draw(face)`) is a parameter of its own,
# with a negative index that spells out (parameter, attribute name): a caller passing an
# insightface face gives the helper its `bbox` there, not every attribute the face has.
_ATTRIBUTE_PARAMS = 64  # parameters 0..63 can have their attributes followed


@functools.lru_cache(maxsize=65536)
def attribute_param(index: int, attr: str) -> int | None:
    raw = attr.encode("utf-8", "surrogatepass")
    if not 0 <= index < _ATTRIBUTE_PARAMS or not raw or len(raw) > 48:
        return None
    return -(1 + index + _ATTRIBUTE_PARAMS * int.from_bytes(raw, "big"))


# parameter index offset for "parameter i converted to a number" (see `_as_number`);
# an attribute parameter's number is the attribute named with a leading NUMBER_MARK
NUMBER_PARAM = 1_000_000
NUMBER_MARK = "#"
TEXT_MARK = "$"  # an attribute parameter where it is known to be text
SEALED_MARK = "%"  # a parameter (or a part of one) encrypted: what callers pass, sealed
OPENED_MARK = "!"  # a parameter decrypted: what callers pass, unsealed (`unseal(blob)`)
_MARKS = NUMBER_MARK + TEXT_MARK + SEALED_MARK + OPENED_MARK


@functools.lru_cache(maxsize=65536)
def _marked_part(param: int, mark: str) -> int | None:
    """A part of a parameter (see `attribute_param`) under `mark`: None when `param` is not
    such a part or is marked already."""
    decoded = param_of_attribute(param)
    if decoded is None or decoded[1].startswith(tuple(_MARKS)):
        return None
    return attribute_param(decoded[0], mark + decoded[1])


def sealed_param(param: int, mark: str = SEALED_MARK) -> int | None:
    """Parameter `param` as encrypted data (written to shared state sealed), or with
    `OPENED_MARK` as decrypted data."""
    if 0 <= param < _ATTRIBUTE_PARAMS:
        return attribute_param(param, mark)
    return _marked_part(param, mark)


def _decrypted(value: Val) -> Val:
    """What decrypting `value` gives: its encrypted facial data in the clear, and a
    parameter's as whatever callers pass decrypted (`def unseal(blob): return
    f.decrypt(blob)` given a sealed template returns the template)."""
    out = value.unsealed_version()
    opened = frozenset(q for q in (sealed_param(p, OPENED_MARK) for p in value.flattened().params) if q is not None)
    return out.replace(params=(out.params - value.flattened().params) | opened) if opened else out


@functools.lru_cache(maxsize=65536)
def _text_param(param: int) -> int:
    """Parameter `param` where it is known to be text (see `_narrow`)."""
    if 0 <= param < TEXT_PARAM:
        return param + TEXT_PARAM
    return _marked_part(param, TEXT_MARK) or param


@functools.lru_cache(maxsize=65536)
def number_param(param: int) -> int | None:
    if 0 <= param < TEXT_PARAM:
        return NUMBER_PARAM + param
    marked = _marked_part(param, NUMBER_MARK)
    if marked is not None:
        return marked
    return param if param >= NUMBER_PARAM or param_of_attribute(param) is not None else None


@functools.lru_cache(maxsize=65536)
def param_part(param: int, segment: str) -> int | None:
    """The parameter index for a part of what `param` stands for: `segment` is an
    attribute name, `[*]` (an element) or `[k]` (a position or key), appended to the path
    of an attribute parameter (`face.items`, then its elements `items[*]`)."""
    if 0 <= param < TEXT_PARAM:
        return attribute_param(param, segment)
    decoded = param_of_attribute(param)
    if decoded is None or decoded[1].startswith(tuple(_MARKS)):
        return None
    if segment in ("[*]", "[?]") and decoded[1].endswith(("[*]", "[?]")):
        # an item of a collection made of items (`[f for f in faces if ...]`) is such an
        # item: paths do not grow with every pass over a loop
        return param
    path = decoded[1] + (segment if segment.startswith("[") else "." + segment)
    if path.count("[") + path.count(".") >= _MAX_PATH_SEGMENTS:
        return None
    return attribute_param(decoded[0], path)


_MAX_PATH_SEGMENTS = 4
_PATH_SEGMENT = re.compile(r"\[[^\]]*\]|[^.\[]+")


def _part_of(value: Val, segment: str) -> Val | None:
    """`value` is (a part of) exactly one parameter and nothing else: the parameter for its
    part `segment` (see `param_part`), as a value; None otherwise."""
    if len(value.params) != 1 or value.kinds or value.fields or value.sealed or value.sealed_params:
        return None
    index = param_part(next(iter(value.params)), segment)
    return Val(params=frozenset({index}), gates=value.gates, consent=value.consent) if index is not None else None


def _holder_param(param: int) -> int:
    """The parameter whose attribute `param` is (itself for a plain parameter)."""
    decoded = param_of_attribute(param)
    return decoded[0] if decoded is not None else param


@functools.lru_cache(maxsize=65536)
def param_of_attribute(param: int) -> tuple[int, str] | None:
    """(parameter, attribute) an `attribute_param` index stands for; None for others."""
    if param >= 0:
        return None
    n = -param - 1
    code = n // _ATTRIBUTE_PARAMS
    try:
        return n % _ATTRIBUTE_PARAMS, code.to_bytes((code.bit_length() + 7) // 8, "big").decode("utf-8", "surrogatepass")
    except (UnicodeDecodeError, OverflowError):
        return None
# keys under which a store known only by its name may keep the templates themselves
_DATA_KEYS = re.compile(r"(?i)(^|_)(data|vectors?|values|feats?|features?|embs?|encs?|encodings?|embeddings?|descriptors?|templates?|faces?)($|_)")
_ONE_ITEM_INSERTS = frozenset({"append", "appendleft", "add", "insert", "put", "put_nowait", "push"})
# type tag of a path a file was written to: `wrote:<sink id>` (see `_file_written`)
WROTE = "wrote:"
# type tag of a variable whose value reached a sink before it was known to be a face image
# (`held:<sink id>`, see `_remember_sent`)
HELD = "held:"
WRITTEN = ":written"  # suffix of the sink id of such a write or send
# type tag of a file object (an upload) a face API read a face image from: saving it
# stores a face image (see `_saved`)
FACE_FILE = "face-file"
# type tag of a client built with `verify=False` (see `api_call`)
TLS_OFF = "tls:off"
# store of the files a model's `FileField`/`ImageField` keeps, and type tag of that field's
# value (`field:SelfieUpload.image`): deleting through the field deletes from that store
FILE_FIELD = "field:"
# prefix of a record shape's field declared `field(repr=False)` (see `_record_shape`)
REPR_HIDDEN = "~"
# type tag of the rows an ORM query returns (`queryset:<class key>`, see `manager_call`)
QUERYSET = "queryset:"
# type tag of key-sized bytes written in the source (a literal, or decoded from one:
# `bytes.fromhex("8f1c...")`), `literal:<id>` with the literal's site in `sink_sites`: a
# cipher given them has its key in the source code
LITERAL = "literal:"
# type tag of a picture whose face regions were blurred, pixelated or blanked out (may
# be, on some path): what is written of it is not a face image (see `assign`)
ANONYMISED = "anonymised"
# type tag of an in-memory buffer (`io.BytesIO()`): writing into it stores nothing, it
# holds what was written (`img.save(buf)`, `np.save(buf, emb)`), `buf.getvalue()` gives it
MEMORY = "memory"
_MEMORY_BUFFERS = frozenset({"io.BytesIO", "io.StringIO"})
# type tags that mark a value without saying what object it is
# SQLAlchemy's SELECT statement, and session methods that run a statement: method ->
# whether it gives one row (else the rows)
_SQLALCHEMY_SELECT = frozenset({"sqlalchemy.select", "sqlalchemy.sql.select", "sqlalchemy.sql.expression.select", "sqlalchemy.future.select"})
_SESSION_RUNS = {"scalars": False, "execute": False, "stream_scalars": False, "scalar": True, "scalar_one": True, "scalar_one_or_none": True}
_KAFKA_PRODUCERS = frozenset({"kafka.KafkaProducer", "aiokafka.AIOKafkaProducer", "confluent_kafka.Producer"})
# str/bytes methods that give back the same characters (a key literal stays one)
_SAME_TEXT_METHODS = frozenset({"encode", "decode", "strip", "rstrip", "lstrip"})
# serialisers: the text or bytes hold the same record, read back by the matching loader
# (a session dict `json.dumps`-ed into Redis keeps its keys: `state["basket_id"]` is not
# the template stored beside it)
_SAME_RECORD_CALLS = frozenset({
    "json.dumps", "json.loads", "orjson.dumps", "orjson.loads", "ujson.dumps", "ujson.loads",
    "pickle.dumps", "pickle.loads", "msgpack.packb", "msgpack.unpackb",
})
# DB-API fetches: method -> whether it returns one row (else a list of rows)
_ROW_FETCHES = {"fetchall": False, "fetchmany": False, "fetchone": True}
_MARKER_TAGS = (WROTE, HELD, FACE_FILE, FILE_FIELD, LITERAL, ANONYMISED, MEMORY, "tls:")
# keys of an image argument that say where a stored picture is (Rekognition's `S3Object`)
_IMAGE_LOCATION_KEYS = frozenset({"S3Object", "Bucket", "bucket", "source", "gcsImageUri", "imageUri"})
_PATHLIKE = re.compile(r"(?i)(path|file|fname|filename|url|uri|dir|name)s?$")
# Methods that return their receiver (or an equivalent object): `model.eval()`, `.to(dev)`.
_FLUENT = frozenset({"eval", "to", "cuda", "cpu", "half", "float", "double", "requires_grad_", "train"})


# -- summaries and events --------------------------------------------------------------
@dataclass
class SinkHit:
    site: Site
    sink: str
    category: str  # log | storage | network | exception
    value: Val
    details: dict = field(default_factory=dict)


@dataclass
class FaceEvent:
    site: Site
    spec: ApiSpec
    consented: bool
    arguments: dict


@dataclass
class CallEvent:
    callee: str  # function key
    site: Site
    consented: bool


@dataclass
class ActionEvent:
    site: Site
    ends: frozenset
    gates: frozenset  # DNF over labels at the action


@dataclass
class Summary:
    ret: Val = EMPTY
    # (param index, sink id) -> trace inside the function, for raw data reaching a sink
    param_sinks: dict = field(default_factory=dict)
    # (param index, state key) for parameters stored into shared state
    param_state: frozenset = frozenset()
    enforces_consent: bool = False
    always_exits: bool = False
    # ends of auth actions performed, with the gates (may contain P:<i>) they sit under
    actions: frozenset = frozenset()
    # decorator wrappers: calls of the wrapped function and whether consent held there
    wrapped_calls: tuple = ()
    # parameters the function passes to a face API as images (callers' arguments are face
    # images from that call on, as if they had passed them to the API themselves)
    image_params: frozenset = frozenset()
    # (parameter, step of the face API call that reads it as an image), for callers'
    # traces (BIO009 sees the template computed from the same picture in the helper)
    image_param_steps: tuple = ()
    # parameters given to a face API as the path of its image (a file the caller wrote there
    # holds a face), and (parameter, sink id) for parameters naming a file the function writes
    path_params: frozenset = frozenset()
    written_params: frozenset = frozenset()
    # parameters given to a cipher as its key (a caller passing bytes from the source code
    # has its key in the source)
    key_params: frozenset = frozenset()
    # some path exits where consent is missing and goes on where it holds (a middleware
    # that checks consent for some requests)
    checks_consent: bool = False
    # (parameter, name) for ages read from parameters (`face.age`, `face["age"]`): a
    # caller passing a face a model described reads the age it estimated
    age_params: frozenset = frozenset()
    # decisions every normal return depends on (`if dist > t: raise` before returning): the
    # caller goes on only under them, as if it had made the decision itself
    exit_gates: frozenset = frozenset()
    # (parameter, class, attribute) for text parameters stored as they are on an object
    # (`self.base_url = base_url.rstrip("/")`): callers' constants are the attribute's
    const_fields: frozenset = frozenset()

    def key(self) -> tuple:
        return (
            self.ret, frozenset(self.param_sinks), self.param_state, self.enforces_consent,
            self.always_exits, self.actions, self.wrapped_calls, self.image_params,
            self.path_params, self.written_params, self.key_params, self.checks_consent,
            self.image_param_steps, self.exit_gates, self.age_params, self.const_fields,
        )


@dataclass
class Events:
    face_calls: dict = field(default_factory=dict)  # site key -> FaceEvent
    calls: dict = field(default_factory=dict)  # (site key, callee) -> CallEvent
    sinks: dict = field(default_factory=dict)  # (site key, category) -> SinkHit
    actions: dict = field(default_factory=dict)  # site key -> ActionEvent
    decisions: dict = field(default_factory=dict)  # label -> (Site, api)
    fallbacks: dict = field(default_factory=dict)  # label -> (Site, how)
    deletions: dict = field(default_factory=dict)  # site key -> (Site, how, stores)
    key_uses: dict = field(default_factory=dict)  # site key -> (Site, kind, detail)
    # site key -> (Site, Step of the face call): an age a face model estimated, read here
    age_reads: dict = field(default_factory=dict)


# -- state -----------------------------------------------------------------------------
class State:
    __slots__ = ("env", "consented", "gates", "dead")

    def __init__(self, env: dict, consented: bool = False, gates=frozenset(), dead: bool = False):
        self.env = env
        self.consented = consented
        self.gates = gates
        self.dead = dead

    def copy(self) -> "State":
        return State(dict(self.env), self.consented, self.gates, self.dead)


def join_states(states: list[State], base_gates) -> State:
    live = [s for s in states if not s.dead]
    if not live:
        dead = State(dict(states[0].env) if states else {}, True, base_gates, True)
        return dead
    if len(live) == 1:
        return live[0]
    env: dict = {}
    for s in live:
        for name, value in s.env.items():
            env[name] = join(env[name], value) if name in env else value
    consented = all(s.consented for s in live)
    return State(env, consented, base_gates, False)


class _Exit(Exception):
    pass


# -- the interpreter -------------------------------------------------------------------
class FunctionAnalyzer:
    def __init__(self, analysis: "Analysis", func: FunctionInfo) -> None:
        self.a = analysis
        self.k = analysis.knowledge
        self.f = func
        self.module = func.module
        self.is_module = func.qualname == MODULE_BODY
        self.summary = Summary()
        self.events = Events()
        self.ret = EMPTY
        self.exit_consents: list[bool] = []
        self.exit_gates: list = []  # the path's gates at each normal exit
        self.normal_exits = 0
        self.reads: set = set()  # state keys and summaries read (dependencies)
        self.globals_declared: set[str] = set()
        self.param_sinks: dict = {}
        self.param_state: set = set()
        self.actions: set = set()
        self.wrapped_calls: list = []
        self.image_params: set = set()
        self.image_param_steps: dict = {}
        self.path_params: set = set()
        self.written_params: set = set()
        self.key_params: set = set()
        self.age_params: set = set()
        self.const_fields: set = set()
        self.checks_consent = False
        # the `**kwargs` parameter's index, as the parameter set of its value
        last = func.params[-1] if func.params and not self.is_module else ""
        self._kwargs_param = frozenset({len(func.params) - 1}) if last.startswith("**") else frozenset()
        # local name -> the local name it is a view of (`gray = cv2.cvtColor(img, ...)`)
        self.image_sources: dict[str, str] = {}
        self.image_files: dict[str, str] = {}  # image local -> the file object it was loaded from
        self.loop_exits: list[list[State]] = []
        self.loop_continues: list[list[State]] = []
        self.memo: dict[int, Val] = {}
        self.face_module = analysis.face_modules.get(self.module.key, False)
        self.steps = 0
        self.deadline = 0.0  # perf_counter() time past which analysis of this file stops

    # ---------------------------------------------------------------------------------
    def run(self) -> tuple[Summary, Events]:
        st = State(self._entry_env())
        body = self.f.node.body if not isinstance(self.f.node, ast.Lambda) else [ast.Return(self.f.node.body)]
        st = self.block(body, st)
        self.final_env = st.env
        if not st.dead:
            self.exit_consents.append(st.consented)
            self.exit_gates.append(st.gates)
            self.normal_exits += 1
        s = self.summary
        s.ret = bounded(self.ret)
        s.param_sinks = self.param_sinks
        s.param_state = frozenset(self.param_state)
        s.enforces_consent = bool(self.exit_consents) and all(self.exit_consents)
        s.always_exits = self.normal_exits == 0 and not self.is_module
        s.actions = frozenset(self.actions)
        s.wrapped_calls = tuple(sorted(set(self.wrapped_calls)))
        s.image_params = frozenset(self.image_params)
        s.image_param_steps = tuple(sorted(self.image_param_steps.items(), key=lambda kv: kv[0]))
        s.path_params = frozenset(self.path_params)
        s.written_params = frozenset(self.written_params)
        s.key_params = frozenset(self.key_params)
        s.age_params = frozenset(self.age_params)
        s.const_fields = frozenset(self.const_fields)
        s.checks_consent = self.checks_consent or s.enforces_consent
        if self.exit_gates and all(self.exit_gates) and not self.is_module:
            s.exit_gates = gates_or_all(self.exit_gates)
        return s, self.events

    def _entry_env(self) -> dict:
        env: dict = {}
        if self.is_module:
            return env
        params = self.f.params
        annotations = self._annotations()
        defaults = self._defaults()
        receivers = self._receiver_params()
        for i, name in enumerate(params):
            clean = name.lstrip("*")
            types = frozenset()
            # Only parameters whose type changes what a call on them means depend on the
            # types callers pass (`r.set(...)`); others need no re-analysis when they change.
            if clean in receivers:
                passed = self.a.read_state(("paramtypes", self.f.key, i), self)
                if passed is not None:
                    types = passed.types
            if clean in annotations:
                types = types | self._annotation_types(annotations[clean])
            if clean in defaults:
                types = types | self._dependency_types(defaults[clean])
            if i == 0 and not types:
                types = self._handler_param_types()
            env[clean] = Val(params=frozenset({i}), gates=frozenset({frozenset({f"P:{i}"})}), types=types)
        if self.f.cls is not None and params and not self._is_static():
            first = params[0].lstrip("*")
            kind = "cls" if self._is_classmethod() else "pinst"
            # `sub:` marks that `self` may be an instance of a subclass (see `attribute`)
            types = {f"{kind}:{self.f.cls.key}"} | ({f"sub:{self.f.cls.key}"} if kind == "pinst" else set())
            env[first] = Val(types=frozenset(types))
        # FastAPI-style dependencies: `user = Depends(get_user)` is evaluated per call.
        return env

    def _handler_param_types(self) -> frozenset:
        """The first parameter of a function a framework calls back: the request of a
        Sanic route, the app of a start-up listener (`@app.before_server_start`)."""
        for dec in self.f.decorators:
            name = self.a.decorator_qualname(self.module, dec, self)
            for decorators, type_name in self.k.handler_params:
                if decorators.match(name) and "." in name:
                    return frozenset({f"inst:{type_name}"})
        return frozenset()

    def _receiver_params(self) -> set[str]:
        syntax = self.f.syntax
        # `case.selfie.path`: which model the parameter is decides whether that file holds a face
        files = {root for root, attr in syntax.deep if attr in self.k.file_field_attributes}
        return syntax.receivers | files if files else syntax.receivers

    def _annotations(self) -> dict:
        args = getattr(self.f.node, "args", None)
        if args is None:
            return {}
        return {a.arg: a.annotation for a in (*args.posonlyargs, *args.args, *args.kwonlyargs) if a.annotation is not None}

    def _defaults(self) -> dict:
        args = getattr(self.f.node, "args", None)
        if args is None:
            return {}
        positional = [*args.posonlyargs, *args.args]
        out = {a.arg: d for a, d in zip(positional[len(positional) - len(args.defaults):], args.defaults)}
        out.update({a.arg: d for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is not None})
        return out

    def _dependency_types(self, node: ast.expr) -> frozenset:
        """`r = Depends(get_redis)`: the parameter is what the dependency returns."""
        if not is_dependency_call(node):
            return frozenset()
        target = self.a.resolve_function(self.module, node.args[0], reader=self)
        if target is None:
            return frozenset()
        out = set(self.a.summary_for(target, self).ret.types)
        returns = getattr(target.node, "returns", None)
        if returns is not None:
            out |= set(FunctionAnalyzer(self.a, target)._annotation_types(returns))
        return frozenset(out)

    def _annotation_types(self, node: ast.expr) -> frozenset:
        """Object types a parameter annotation names (`r: redis.Redis`, `app: FaceAnalysis`)."""
        out: set[str] = set()
        for sub in ast.walk(node):
            if not isinstance(sub, (ast.Name, ast.Attribute)):
                continue
            dotted = _dotted(sub)
            if not dotted:
                continue
            root, _, rest = dotted.partition(".")
            value = self.a.read_state(("global", self.module.key, root), self)
            if value is None:
                continue
            for t in value.types:
                kind, _, name = t.partition(":")
                if kind == "ext":
                    qual = self.k.canonical(f"{name}.{rest}" if rest else name)
                    for spec in self.k.apis.get(qual, ()):
                        if spec.category == "load" and spec.returns_type and not spec.when:
                            out.add(f"inst:{spec.returns_type}")
                elif kind == "cls" and not rest:
                    out.add(f"pinst:{name}")
                elif kind == "mod" and rest and "." not in rest:
                    cls = self.a.index.module_class(name, rest)
                    if cls is not None:
                        out.add(f"pinst:{cls.key}")
        # `state: State` in a Litestar handler is the app's shared state object
        return frozenset(f"{SHARED_EXT}{self.k.shared_types[t[5:]]}" if t[5:] in self.k.shared_types else t for t in out)

    def _is_static(self) -> bool:
        return any(_decorator_name(d) == "staticmethod" for d in self.f.decorators)

    def _is_classmethod(self) -> bool:
        return any(_decorator_name(d) == "classmethod" for d in self.f.decorators)

    # -- sites --------------------------------------------------------------------------
    def site(self, node: ast.AST, stmt_node: ast.AST | None = None) -> Site:
        line = getattr(node, "lineno", 1)
        end_line = getattr(node, "end_lineno", line) or line
        col = self._char_col(line, getattr(node, "col_offset", 0))
        end_col = self._char_col(end_line, getattr(node, "end_col_offset", 0) or 0)
        text = self.module.lines[line - 1].strip() if 0 < line <= len(self.module.lines) else ""
        return Site(self.module.key, line, col + 1, end_line, end_col + 1, self.f.display, text)

    def _char_col(self, line: int, byte_col: int) -> int:
        if 0 < line <= len(self.module.lines):
            text = self.module.lines[line - 1]
            if text.isascii():
                return byte_col
            return len(text.encode("utf-8")[:byte_col].decode("utf-8", "replace"))
        return byte_col

    def step(self, node: ast.AST, note: str) -> Step:
        return Step(self.module.key, getattr(node, "lineno", 1), self._char_col(getattr(node, "lineno", 1), getattr(node, "col_offset", 0)) + 1, note)

    @staticmethod
    def skey(node: ast.AST) -> str:
        return f"{getattr(node, 'lineno', 0)}:{getattr(node, 'col_offset', 0)}"

    def label(self, node: ast.AST) -> str:
        return f"{self.module.key}:{self.skey(node)}"

    # -- statements ---------------------------------------------------------------------
    def block(self, stmts: list[ast.stmt], st: State) -> State:
        for stmt in stmts:
            if st.dead:
                break
            st = self.stmt(stmt, st)
        return st

    def stmt(self, node: ast.stmt, st: State) -> State:
        self.steps += 1
        if self.deadline and not self.steps & 255 and time.perf_counter() > self.deadline:
            raise TimeoutError(self.f.module.key)
        method = _STMT_DISPATCH.get(type(node))
        if method is None:
            for child in children(node):
                if isinstance(child, ast.expr):
                    self.expr(child, st)
            return st
        return method(self, node, st)

    def s_Expr(self, node: ast.Expr, st: State) -> State:
        value = node.value
        if isinstance(value, ast.Call):
            self.expr(value, st, statement=True)
        else:
            self.expr(value, st)
        return st

    def s_Assign(self, node: ast.Assign, st: State) -> State:
        value = self.expr(node.value, st)
        for target in node.targets:
            self.assign(target, value, st, node.value)
        return st

    def s_AnnAssign(self, node: ast.AnnAssign, st: State) -> State:
        if node.value is not None:
            self.assign(node.target, self.expr(node.value, st), st, node.value)
        return st

    def s_AugAssign(self, node: ast.AugAssign, st: State) -> State:
        current = self.expr(node.target, st)
        value = combine([current, self.expr(node.value, st)])
        self.assign(node.target, value, st, None)
        return st

    def s_Return(self, node: ast.Return, st: State) -> State:
        if node.value is not None:
            value = self.expr(node.value, st)
            self.ret = join(self.ret, value.replace(gates=gates_and(value.gates, st.gates)) if st.gates else value)
        self.exit_consents.append(st.consented)
        self.exit_gates.append(st.gates)
        self.normal_exits += 1
        st.dead = True
        return st

    def s_Raise(self, node: ast.Raise, st: State) -> State:
        if node.exc is not None:
            exc = node.exc
            self.expr(exc, st)
            if isinstance(exc, ast.Call):
                carried = combine(self.memo.get(id(a), EMPTY) for a in [*exc.args, *(k.value for k in exc.keywords)])
                self.sink(exc, "exception message", "log", carried, st)
        st.dead = True
        return st

    def s_Assert(self, node: ast.Assert, st: State) -> State:
        self.expr(node.test, st)
        return self.refine(node.test, st, True)

    def s_If(self, node: ast.If, st: State) -> State:
        self.expr(node.test, st)
        if _is_main_guard(node.test):
            body = self.block(node.body, st.copy())
            return join_states([body, self.block(node.orelse, st.copy())], st.gates)
        true_state = self.block(node.body, self.refine(node.test, st, True))
        false_state = self.block(node.orelse, self.refine(node.test, st, False))
        if true_state.dead != false_state.dead and self.consent_of(node.test, not true_state.dead):
            self.checks_consent = True  # `if not consented: raise`, maybe only for some requests
        return self._merge_branches([true_state, false_state], st)

    def _merge_branches(self, states: list[State], before: State) -> State:
        live = [s for s in states if not s.dead]
        if len(live) == len(states):
            merged = join_states(live, before.gates)
            merged.gates = before.gates
            return merged
        return join_states(states, gates_or_all([s.gates for s in live]) if live else before.gates)

    def s_While(self, node: ast.While, st: State) -> State:
        self.expr(node.test, st)
        return self._loop(node, st, lambda s: self.refine(node.test, s, True), lambda s: self.refine(node.test, s, False), infinite=_is_true(node.test))

    def s_For(self, node: ast.For, st: State) -> State:
        iterable = self.expr(node.iter, st)
        element = _element(iterable)

        def enter(s: State) -> State:
            s = s.copy()
            self.assign(node.target, element, s, None)
            return s

        # a loop over items written in the code runs at least once: `for purpose in
        # (IDENTITY, MONITORING): consents.require(driver, purpose)` checks consent
        once = isinstance(node.iter, (ast.Tuple, ast.List, ast.Set)) and bool(node.iter.elts) and not any(isinstance(e, ast.Starred) for e in node.iter.elts)
        return self._loop(node, st, enter, lambda s: s, infinite=False, at_least_once=once)

    s_AsyncFor = s_For

    def _loop(self, node, st: State, enter, leave, infinite: bool, at_least_once: bool = False) -> State:
        self.loop_exits.append([])
        entry = st
        body_end = st
        read = self._carried_names(node)
        for _ in range(3):
            start = join_states([entry, body_end], entry.gates) if body_end is not entry else entry
            start.consented = entry.consented
            self.loop_continues.append([])
            body_end = self.block(node.body, enter(start.copy()))
            continued = self.loop_continues.pop()
            if continued:
                # `continue` starts the next iteration too: what it carries must flow on
                body_end = join_states([body_end, *continued], start.gates)
            if body_end.dead:
                break
            # Another pass would start from join(entry, body_end): when every name the body
            # reads ends as it started, that pass would compute the same thing.
            if all(body_end.env.get(n) == start.env.get(n) for n in read):
                break
        breaks = self.loop_exits.pop()
        exits = [leave(entry)] if not infinite and not at_least_once else []
        if not body_end.dead and not infinite:
            exits.append(leave(body_end))
        exits.extend(breaks)
        after = join_states(exits, entry.gates) if exits else State(dict(entry.env), entry.consented, entry.gates, True)
        after = self.block(getattr(node, "orelse", []), after) if not after.dead else after
        if not after.dead:
            after.consented = after.consented and entry.consented if not (infinite or at_least_once) else after.consented
            after.gates = entry.gates
        return after

    def _carried_names(self, loop: ast.AST) -> frozenset:
        """Names whose value may pass from one pass over the loop body into the next: those
        an iteration may read before assigning them, and, when the loop has its own `break`
        or `continue`, those a jump may carry before their assignment (into the next pass or
        out of the loop). A name every iteration assigns first (the loop target, `face =
        faces[i]` at the top of the body) starts each pass afresh, so a pass that changed
        only such names would compute the same again."""
        cache = self.f.__dict__.setdefault("_loop_reads", {})
        names = cache.get(id(loop))
        if names is None:
            assigned: set[str] = set()
            if isinstance(loop, (ast.For, ast.AsyncFor)):
                assigned.update(_target_names(loop.target))
            found: set[str] = set(_names_loaded(loop.test)) if isinstance(loop, ast.While) else set()
            jumped = False
            for stmt in loop.body:
                found.update(n for n in _names_loaded(stmt) if n not in assigned)
                jumped = jumped or _has_own_jump([stmt])
                if not jumped and isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.value is not None:
                    for target in stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]:
                        assigned.update(_target_names(target))
            if jumped:
                found.update(n for stmt in loop.body for n in _names_stored(stmt) if n not in assigned)
            names = cache[id(loop)] = frozenset(found)
        return names

    def s_Break(self, node: ast.Break, st: State) -> State:
        if self.loop_exits:
            self.loop_exits[-1].append(st.copy())
        st.dead = True
        return st

    def s_Continue(self, node: ast.Continue, st: State) -> State:
        if self.loop_continues:
            self.loop_continues[-1].append(st.copy())
        st.dead = True
        return st

    def s_With(self, node: ast.With, st: State) -> State:
        for item in node.items:
            value = self.expr(item.context_expr, st)
            if item.optional_vars is not None:
                self.assign(item.optional_vars, value, st, None)
        return self.block(node.body, st)

    s_AsyncWith = s_With

    def s_Try(self, node: ast.Try, st: State) -> State:
        body_end = self.block(node.body, st.copy())
        # A handler may start anywhere in the body: data as joined, consent as at entry.
        handler_start = join_states([st, body_end], st.gates) if not body_end.dead else st.copy()
        handler_start = handler_start.copy()
        handler_start.consented = st.consented
        handler_start.dead = False
        ends = []
        for handler in node.handlers:
            h = handler_start.copy()
            if handler.name:
                h.env[handler.name] = EMPTY
            ends.append(self.block(handler.body, h))
        normal = self.block(node.orelse, body_end) if not body_end.dead else body_end
        merged = self._merge_branches([normal, *ends], st)
        if node.finalbody:
            if merged.dead:
                self.block(node.finalbody, handler_start.copy())
                return merged
            merged = self.block(node.finalbody, merged)
        return merged

    s_TryStar = s_Try

    def s_Match(self, node: ast.Match, st: State) -> State:
        subject = self.expr(node.subject, st)
        ends = []
        exhaustive = False
        for case in node.cases:
            s = st.copy()
            for name in _pattern_names(case.pattern):
                s.env[name] = subject
            if subject.consent and _consent_pattern(case.pattern):
                s.consented = True
            if case.guard is not None:
                self.expr(case.guard, s)
                s = self.refine(case.guard, s, True)
            ends.append(self.block(case.body, s))
            if isinstance(case.pattern, ast.MatchAs) and case.pattern.pattern is None and case.guard is None:
                exhaustive = True
        if not exhaustive:
            ends.append(st.copy())
        return self._merge_branches(ends, st)

    def s_FunctionDef(self, node, st: State) -> State:
        key = f"{self.module.key}::{self._nested_qual(node.name)}"
        info = self.a.index.functions.get(key)
        if info is not None:
            self.bind(node.name, Val(types=frozenset({f"func:{info.key}"})), st)
        for dec in node.decorator_list:
            # `@routes.delete("/users/{user_id}")` registers a handler; it deletes nothing
            # when the module runs: the decorator's parts are evaluated, not the call
            for part in ([dec.func, *dec.args, *(kw.value for kw in dec.keywords)] if isinstance(dec, ast.Call) else [dec]):
                self.expr(part, st)
        return st

    s_AsyncFunctionDef = s_FunctionDef

    def s_ClassDef(self, node: ast.ClassDef, st: State) -> State:
        key = f"{self.module.key}::{self._nested_qual(node.name)}"
        for base in node.bases:
            self.expr(base, st)
        if key in self.a.index.classes:
            self.bind(node.name, Val(types=frozenset({f"cls:{key}"})), st)
            # class-level values (`face_key: str = os.environ.get("KEY", "...")`, a
            # dataclass default) are what instances hold until set otherwise
            inner = st.copy()
            for stmt in node.body:
                if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.value is not None:
                    value = self.expr(stmt.value, inner)
                    if value is EMPTY or not (value.tainted or value.types):
                        continue
                    for target in stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]:
                        if isinstance(target, ast.Name):
                            self.a.write_state(("field", key, target.id), value, self)
        return st

    def _nested_qual(self, name: str) -> str:
        if self.is_module:
            return name
        return f"{self.f.qualname}.<locals>.{name}"

    def s_Import(self, node: ast.Import, st: State) -> State:
        for alias in node.names:
            if alias.asname:
                self.bind(alias.asname, self.a.import_value(self.module, alias.name, 0), st)
            else:
                root = alias.name.split(".")[0]
                self.bind(root, self.a.import_value(self.module, root, 0), st)
        return st

    def s_ImportFrom(self, node: ast.ImportFrom, st: State) -> State:
        for alias in node.names:
            if alias.name == "*":
                continue
            self.bind(alias.asname or alias.name, self.a.import_from_value(self.module, node.module or "", alias.name, node.level), st)
        return st

    def s_Global(self, node: ast.Global, st: State) -> State:
        self.globals_declared.update(node.names)
        return st

    s_Nonlocal = s_Global

    def s_Delete(self, node: ast.Delete, st: State) -> State:
        for target in node.targets:
            if isinstance(target, ast.Subscript):
                self._entry_removed(target, self.expr(target.value, st))
        return st

    def _entry_removed(self, node: ast.AST, container: Val) -> None:
        """An entry removed from data loaded from a store (`del cache[uid]`,
        `cache.pop(uid)`): once written back, that is the store's deletion path."""
        for t in sorted(container.types):
            if t.startswith("loaded:"):
                loader, _, key = t[7:].partition("|")
                how = f"{loader}: entry removed from the loaded data"
                self.events.deletions[self.skey(node)] = (self.site(node), how, frozenset({key} if key else ()))
                return

    # -- assignment ---------------------------------------------------------------------
    def bind(self, name: str, value: Val, st: State) -> None:
        st.env[name] = value
        if self.is_module or name in self.globals_declared:
            self.a.write_state(("global", self.module.key, name), value, self)

    def assign(self, target: ast.expr, value: Val, st: State, value_node: ast.expr | None) -> None:
        if isinstance(target, ast.Name):
            source_name = self._image_view_of(value_node)
            if source_name is not None:
                self.image_sources[target.id] = source_name
            else:
                self.image_sources.pop(target.id, None)
            file_name = self._image_file_of(value_node)
            if file_name is not None:
                self.image_files[target.id] = file_name
            else:
                self.image_files.pop(target.id, None)
            if (
                value_node is not None
                and isinstance(value_node, ast.Call)
                and not value.all_kinds()
                and self.face_module
                and TEMPLATE_NAMES.search(target.id)
                and self._is_loader_call(value_node)
            ):
                value = join(value, source("template", self.step(value_node, f"`{target.id}` loaded from an unknown store (name suggests face templates)"), LOW))
            self.bind(target.id, value, st)
        elif isinstance(target, (ast.Tuple, ast.List)):
            elts = target.elts
            if isinstance(value_node, (ast.Tuple, ast.List)) and len(value_node.elts) == len(elts) and not any(isinstance(e, ast.Starred) for e in elts):
                for elt, sub in zip(elts, value_node.elts):
                    self.assign(elt, self.memo.get(id(sub), EMPTY), st, sub)
            elif not any(isinstance(e, ast.Starred) for e in elts) and all(value.field(str(i)) is not None for i in range(len(elts))):
                for i, elt in enumerate(elts):
                    item = value.field(str(i))
                    if value.gates:
                        # the decisions the tuple as a whole depends on (`return best_id,
                        # dist` under `if dist < threshold`) hold for each of its items
                        item = item.replace(gates=gates_and(item.gates, value.gates))
                    self.assign(elt, item, st, None)
            elif not any(isinstance(e, ast.Starred) for e in elts) and not isinstance(value_node, (ast.Call, ast.BinOp, ast.Await)) and (positions := _param_positions(value, len(elts))) is not None:
                # positions of a parameter's item: what callers' tuples hold there
                for elt, item in zip(elts, positions):
                    self.assign(elt, item, st, None)
            else:
                element = _element(value)
                for elt in elts:
                    self.assign(elt.value if isinstance(elt, ast.Starred) else elt, element, st, None)
        elif isinstance(target, ast.Starred):
            self.assign(target.value, value, st, None)
        elif isinstance(target, ast.Attribute):
            base = self._with_user_model(self.expr(target.value, st))
            self._store_attribute(target, base, value, st)
            kept = self._param_text(value_node)
            if kept is not None:
                self.const_fields.update((kept, t.split(":", 1)[1], target.attr) for t in base.types if t.startswith("pinst:"))
            if target.attr == "verify" and _may_be_false(value_node):
                # `session.verify = False` (or `self.http.verify = ...`): what the session
                # sends goes unverified
                if isinstance(target.value, ast.Name) and target.value.id in st.env:
                    name = target.value.id
                    st.env[name] = st.env[name].replace(types=st.env[name].types | {TLS_OFF})
                elif isinstance(target.value, ast.Attribute):
                    owner = self.expr(target.value.value, st)
                    for t in sorted(owner.types):
                        if t.startswith(("pinst:", "cls:")):
                            self.a.write_state(("field", t.split(":", 1)[1], target.value.attr), Val(types=frozenset({TLS_OFF})), self)
            if isinstance(value_node, ast.Constant) and value_node.value is None:
                # `user.face_encoding = None` (then committed) deletes what the field held
                tables = frozenset(f"table:{self.a.index.classes[t[6:]].qualname}" for t in base.types
                                   if t.startswith("pinst:") and t[6:] in self.a.index.classes and self.a.is_orm_model(self.a.index.classes[t[6:]]))
                if tables:
                    self.events.deletions[self.skey(target)] = (self.site(target), f"{ast.unparse(target)} = None", tables)
            if isinstance(value_node, ast.Constant) and value_node.value is True and self.k.identity_flags.match(target.attr):
                self.action(target, frozenset({"identity"}), st)
        elif isinstance(target, ast.Subscript):
            base = self.expr(target.value, st)
            key = self.expr(target.slice, st)
            self._store_subscript(target, base, key, value, st)
            if isinstance(target.value, ast.Name) and target.value.id in st.env and self._anonymising(value_node):
                # `img[y1:y2, x1:x2] = cv2.GaussianBlur(...)`: a face region blurred,
                # pixelated or blanked out; the picture written afterwards is anonymised
                self._tag(target.value.id, ANONYMISED, st.env[target.value.id], st)

    def _param_text(self, node: ast.expr | None) -> int | None:
        """The index of the parameter `node` is the text or the items of (`base_url`,
        `base_url.rstrip("/")`, `tuple(actions)`), when it is one."""
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _SAME_TEXT_METHODS:
            node = node.func.value
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("tuple", "list") and len(node.args) == 1 and not node.keywords:
            node = node.args[0]
        if isinstance(node, ast.Name) and node.id in self._param_names() and not self.is_module:
            names = [p.lstrip("*") for p in self.f.params]
            return names.index(node.id)
        return None

    def _image_view_of(self, node: ast.expr | None) -> str | None:
        """The local name `node` shows the same picture as: `cv2.cvtColor(img, ...)`,
        `img.convert("L")`, `img[y:y + h, x:x + w]` give `img`."""
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
            return node.value.id
        if not isinstance(node, ast.Call):
            return None
        func = node.func
        callee = self.memo.get(id(func), EMPTY)
        if isinstance(func, ast.Attribute) and func.attr in self.k.image_view_methods and isinstance(func.value, ast.Name):
            if not any(t.startswith(("ext:", "func:", "bound:", "cls:")) for t in callee.types):
                return func.value.id
        for t in callee.types:
            kind, _, name = t.partition(":")
            if kind in ("ext", "meth") and self.k.canonical(name) in self.k.image_views:
                if node.args and isinstance(node.args[0], ast.Name):
                    return node.args[0].id
                if node.args and isinstance(node.args[0], ast.Call):
                    return self._image_view_of(node.args[0])  # `cv2.imdecode(np.frombuffer(raw, ...))`
                if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and kind == "meth":
                    return func.value.id
        return None

    def _anonymising(self, node: ast.expr | None) -> bool:
        """A value that hides what it replaces: a blur or a downscale of the region (the
        catalog's `anonymizers`) or a constant fill."""
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            return True
        if not isinstance(node, ast.Call):
            return False
        callee = self.memo.get(id(node.func), EMPTY)
        return any(t.startswith("ext:") and self.k.canonical(t[4:]) in self.k.anonymizers for t in callee.types)

    def _image_file_of(self, node: ast.expr | None) -> str | None:
        """The local name of the file object an image loader reads (`load_image_file(upload)`
        gives `upload`); a path is the file's name, not the file (`_file_written` follows
        those)."""
        if not (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Name)):
            return None
        if (node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)) not in self.k.image_loader_names:
            return None
        name = node.args[0].id
        if _PATHLIKE.search(name):
            return None
        callee = self.memo.get(id(node.func), EMPTY)
        if any(t.startswith("ext:") and self.k.canonical(t[4:]) in self.k.image_loaders for t in callee.types):
            return name
        return None

    def _is_loader_call(self, node: ast.Call) -> bool:
        callee = self.memo.get(id(node.func), EMPTY)
        for t in callee.types:
            kind, _, name = t.partition(":")
            if kind in ("ext", "meth") and self.k.canonical(name) in self.k.loads:
                return True
        return False

    def _store_attribute(self, target: ast.Attribute, base: Val, value: Val, st: State) -> None:
        attr = target.attr
        for t in base.types:
            if t.startswith("pinst:") or t.startswith("cls:"):
                cls_key = t.split(":", 1)[1]
                self.a.write_state(("field", cls_key, attr), value, self)
                cls = self.a.index.classes.get(cls_key)
                if cls is not None and t.startswith("pinst:") and self.a.is_orm_model(cls):
                    self._orm_field_write(target, cls, {attr: value}, st)
            elif t.startswith("mod:"):
                self.a.write_state(("global", t[4:], attr), value, self)
            elif t.startswith("ext:"):
                # an attribute of a library's module-level object (`flask.g.db = conn`):
                # shared by every function that reads it back
                self.a.write_state(("field", t, attr), value, self)
        if isinstance(target.value, ast.Name) and target.value.id in st.env:
            holder = st.env[target.value.id]
            st.env[target.value.id] = with_field(holder, attr, value, strong=True)

    def _store_subscript(self, target: ast.Subscript, base: Val, key: Val, value: Val, st: State) -> None:
        types = base.types
        if any(t in self.k.session_objects or t.startswith("ext:") and t[4:] in self.k.session_objects for t in types) or (
            _dotted(target.value) in self.k.session_objects
        ):
            self.action(target, frozenset({"login"}), st)
        if any(t == "inst:shelve.Shelf" for t in types):
            self.sink(target, "shelve", "storage", value, st, details={"store": key.const})
        if isinstance(key.const, str):
            for t in types:
                if t.startswith("inst:") and t[5:] in self.k.shared_mappings:
                    # `app["shift"] = shift` on an aiohttp application: what handlers read back
                    self.a.write_state(("field", f"{SHARED_EXT}{t[5:]}", key.const), value, self)
        for t in types:
            if t.startswith("pinst:"):
                self.a.write_state(("field", t[6:], "[]"), value, self)
        name = _root_name(target.value)
        if name is None:
            return
        # what is kept under a key not known here: its data, and what object it is
        # (`clients[name] = KafkaProducer(...)`, read back as `clients[name]`)
        kept = value.data_only()
        objects = frozenset(t for t in value.types if t.startswith(("inst:", "pinst:", "tls:")))
        if objects:
            kept = kept.replace(types=objects)
        if isinstance(target.value, ast.Name) and name in st.env:
            holder = st.env[name]
            if key.const is not None:
                st.env[name] = with_field(holder, key.const, value, strong=True)
            else:
                st.env[name] = with_field(holder, MAPPED, kept, strong=False)
        elif isinstance(target.value, ast.Name) and name not in self._locals() and (kept.tainted or objects):
            # a module-level mapping filled by a function (a cache of clients or templates)
            self.a.write_state(("global", self.module.key, name), Val(fields=((MAPPED, kept),)), self)
        elif isinstance(target.value, ast.Attribute):
            # `self.gallery[name] = enc`: the container attribute holds the data now
            self._mutate(target.value, Val(fields=((MAPPED, value.data_only()),)) if key.const is None else value, st)

    def _mutate(self, receiver: ast.expr, added: Val, st: State) -> None:
        """`receiver` (a container or model) now also holds `added`."""
        added = added.data_only()
        if not added.tainted:
            return
        if isinstance(receiver, ast.Name):
            holder = st.env.get(receiver.id)
            if holder is None:
                holder = self._global_read(receiver.id)
            st.env[receiver.id] = join(holder, added)
            if self.is_module or receiver.id in self.globals_declared or receiver.id not in self._locals():
                self.a.write_state(("global", self.module.key, receiver.id), added, self)
        elif isinstance(receiver, ast.Attribute):
            base = self.expr(receiver.value, st)
            for t in base.types:
                if t.startswith("pinst:") or t.startswith("cls:"):
                    self.a.write_state(("field", t.split(":", 1)[1], receiver.attr), added, self)
                elif t.startswith("mod:"):
                    self.a.write_state(("global", t[4:], receiver.attr), added, self)
        elif isinstance(receiver, ast.Subscript):
            key = receiver.slice.value if isinstance(receiver.slice, ast.Constant) and isinstance(receiver.slice.value, str) else None
            holder = st.env.get(receiver.value.id) if isinstance(receiver.value, ast.Name) and key is not None else None
            if holder is not None and receiver.value.id in self._locals() and not self.is_module:
                # `state["approved_for"].append(check)`: that key of a record grows
                current = holder.field(key)
                st.env[receiver.value.id] = with_field(holder, key, added if current is None else join(current, added), strong=True)
            else:
                self._mutate(receiver.value, added, st)
        elif isinstance(receiver, ast.Call) and isinstance(receiver.func, ast.Attribute) and receiver.func.attr in ("setdefault", "get"):
            # `groups.setdefault(kind, []).append(row.payload)` adds to `groups`
            self._mutate(receiver.func.value, added, st)

    def _param_names(self) -> frozenset:
        cached = getattr(self, "_params_cache", None)
        if cached is None:
            cached = self._params_cache = frozenset(p.lstrip("*") for p in self.f.params)
        return cached

    def _locals(self) -> set[str]:
        cached = getattr(self, "_local_names", None)
        if cached is None:
            cached = set(p.lstrip("*") for p in self.f.params)
            if not self.is_module:
                cached |= self.f.syntax.stored
            self._local_names = cached
        return cached

    # -- conditions ---------------------------------------------------------------------
    def refine(self, test: ast.expr, st: State, truthy: bool) -> State:
        out = st.copy()
        if self.consent_of(test, truthy):
            out.consented = True
        gates = self.memo.get(id(test), EMPTY).gates
        if gates and not _failed_branch(test, truthy):
            out.gates = gates_and(st.gates, gates)
        self._narrow(test, out, truthy)
        return out

    def _narrow(self, test: ast.expr, st: State, truthy: bool) -> None:
        """Where `isinstance(img, str)` holds, or `isinstance(img, np.ndarray)` does not,
        `img` is a path, URL or encoded text, not pixels: it holds no face image, and a
        parameter there stands for what callers pass minus its face images
        (`TEXT_PARAM + i`). So `raise FileNotFoundError(img)` after
        `if isinstance(img, np.ndarray): return img` leaks no image."""
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            self._narrow(test.operand, st, not truthy)
            return
        if not (isinstance(test, ast.Call) and isinstance(test.func, ast.Name) and test.func.id == "isinstance"
                and len(test.args) == 2 and isinstance(test.args[0], ast.Name)):
            return
        classes = test.args[1].elts if isinstance(test.args[1], ast.Tuple) else [test.args[1]]
        names = {_last_name(c) for c in classes}
        if not ((truthy and names <= _TEXT_TYPES) or (not truthy and names <= _PIXEL_TYPES)):
            return
        name = test.args[0].id
        value = st.env.get(name)
        if value is None or not ("face-image" in value.kinds or any(p < TEXT_PARAM for p in value.params)):
            return
        st.env[name] = _as_text(value)

    def consent_of(self, test: ast.expr, truthy: bool) -> bool:
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            return self.consent_of(test.operand, not truthy)
        if isinstance(test, ast.BoolOp):
            parts = [self.consent_of(v, truthy) for v in test.values]
            if isinstance(test.op, ast.And):
                return any(parts) if truthy else all(parts)
            return all(parts) if truthy else any(parts)
        if isinstance(test, ast.Compare) and len(test.ops) == 1:
            left, right, op = test.left, test.comparators[0], test.ops[0]
            lv, rv = self.memo.get(id(left), EMPTY), self.memo.get(id(right), EMPTY)
            subject, other = (left, right) if lv.consent else (right, left) if rv.consent else (None, None)
            if subject is None:
                return False
            if isinstance(op, (ast.In, ast.NotIn)):
                return truthy if isinstance(op, ast.In) else not truthy
            polarity = not _is_falsy_const(other)
            if isinstance(op, (ast.NotEq, ast.IsNot)):
                polarity = not polarity
            elif not isinstance(op, (ast.Eq, ast.Is)):
                return False
            return truthy if polarity else not truthy
        if isinstance(test, ast.NamedExpr):
            return self.consent_of(test.value, truthy)
        value = self.memo.get(id(test), EMPTY)
        return value.consent and truthy

    # -- expressions --------------------------------------------------------------------
    def expr(self, node: ast.expr, st: State, statement: bool = False) -> Val:
        self.steps += 1
        if self.deadline and not self.steps & 1023 and time.perf_counter() > self.deadline:
            raise TimeoutError(self.f.module.key)
        method = _EXPR_DISPATCH.get(type(node))
        if method is None:
            value = combine(self.expr(c, st) for c in children(node) if isinstance(c, ast.expr))
        elif statement:
            value = method(self, node, st, statement=True)
        else:
            value = method(self, node, st)
        self.memo[id(node)] = value
        return value

    def e_Constant(self, node: ast.Constant, st: State) -> Val:
        if isinstance(node.value, str):
            if node.value[:40].lstrip()[:8].lower().startswith(("delete", "truncate", "drop")):
                self._sql_deletion_text(node)
            # A literal naming consent (a key, a column, a query on a consent table)
            # makes what is read with it a consent predicate.
            return Val(const=node.value, consent=len(node.value) < 400 and self.k.consent_attributes.match(node.value))
        if isinstance(node.value, bytes):
            # `KEY = b"..."` given to a cipher later, maybe through a function
            return Val(const=node.value.decode("latin-1"), types=self._literal_key(node, node.value))
        return EMPTY

    def _sql_deletion_text(self, node: ast.Constant) -> None:
        """A `DELETE FROM t ...` statement written in the code (also in a table of
        retention rules run in a loop, `for sql in RULES: db.execute(sql)`): the project
        deletes from `t`."""
        sql = node.value
        table = _sql_table(sql) if _SQL_DELETION.match(sql) else None
        if table:
            self.events.deletions[self.skey(node)] = (self.site(node), sql.strip().split("\n")[0][:80], frozenset({f"table:{table}"}))

    def e_Name(self, node: ast.Name, st: State) -> Val:
        name = node.id
        if name in st.env:
            value = st.env[name]
            if self.is_module:
                value = self._with_function_writes(name, value)
        else:
            value = self._global_read(name)
        if not value.consent and self.k.consent_attributes.match(name) and name not in ("consent_required",):
            value = value.replace(consent=True)
        return value

    def _with_function_writes(self, name: str, value: Val) -> Val:
        """A module-level name that functions also assign (`global face_detector` in an
        init function run by a thread): at module level it may hold what they wrote."""
        if name not in self.a.assigned_by_functions(self.module):
            return value
        key = ("global", self.module.key, name)
        self.a.read_state(key, self)  # re-run when they write something new
        for writer, written in sorted(self.a.contributions.get(key, {}).items()):
            if writer != self.f.key and not writer.endswith("::<defs>"):
                value = join(value, written)
        return value

    def _global_read(self, name: str) -> Val:
        value = self.a.read_state(("global", self.module.key, name), self)
        if value is not None:
            return value
        closure = self.a.closure_value(self.f, name)
        if closure is not None:
            return closure
        return Val(types=frozenset({f"ext:builtins.{name}"}))

    def e_Attribute(self, node: ast.Attribute, st: State) -> Val:
        base = self.expr(node.value, st)
        value = self.attribute(base, node.attr, node)
        if isinstance(node.ctx, ast.Load) and any(t.startswith("bound:") for t in value.types):
            value = self._property_read(node, base, value, st)
        return value

    def _property_read(self, node: ast.Attribute, base: Val, value: Val, st: State) -> Val:
        """`capture.primary_crop` of a `@property`: reading it runs the method."""
        props = sorted(
            t for t in value.types
            if t.startswith("bound:") and (info := self.a.index.functions.get(t[6:])) is not None
            and any(_decorator_name(d) in ("property", "cached_property") for d in info.decorators)
        )
        if not props:
            return value
        call_node = node.__dict__.get("_property_call")
        if call_node is None:
            # one synthetic call per attribute node, so the call's events keep their key
            call_node = node.__dict__["_property_call"] = ast.copy_location(ast.Call(func=node, args=[], keywords=[]), node)
        out = value.replace(types=value.types - frozenset(props))
        for t in props:
            call = _Call(call_node, value, base, node.attr, [], {}, False)
            out = join(out, self.project_call(self.a.index.functions[t[6:]], call, st, bound=True, consented_before=st.consented))
        return out

    def _with_user_model(self, base: Val) -> Val:
        """`current_user` (Flask-Login) is an instance of the project's user model."""
        if base.types and not base.types.isdisjoint(self.k.user_proxies):
            return base.replace(types=base.types | self.a.user_models())
        return base

    def attribute(self, base: Val, attr: str, node: ast.AST) -> Val:
        base = self._with_user_model(base)  # `current_user.face_encoding`
        types: set[str] = set()
        out = EMPTY
        for t in base.types:
            kind, _, name = t.partition(":")
            if kind == "ext":
                if not t.startswith(SHARED_EXT):  # what a shared object holds is only what was stored on it
                    types.add(f"ext:{self.k.canonical(name + '.' + attr)}")
                typed = self.k.attributes.get((name, attr))
                if typed:
                    types.add(f"inst:{typed}")
                state = self.a.read_state(("field", t, attr), self)
                if state is not None:
                    out = join(out, state)  # `flask.g.db`, set by another function
            elif kind == "func" and attr == "delay":
                types.add(f"task:{name}")  # a Celery task queued for a worker
            elif kind == "inst":
                if (name, attr) in self.k.shared_attributes:
                    # what is stored on it is read back, as on `flask.g`
                    types.add(f"{SHARED_EXT}{name}.{attr}")
                    continue
                typed = self.k.attributes.get((name, attr))
                types.add(f"inst:{typed}" if typed else f"meth:{name}.{attr}")
            elif kind == "mod":
                value = self.a.module_attribute(name, attr, self)
                out = join(out, value)
            elif kind in ("pinst", "cls"):
                cls = self.a.index.classes.get(name)
                if cls is not None:
                    method = self.a.find_method(cls, attr)
                    if method is not None:
                        # `Engine.faces(img)` on a classmethod binds the class like `self`
                        classmethod_ = kind == "cls" and any(_decorator_name(d) == "classmethod" for d in method.decorators)
                        types.add(f"bound:{method.key}" if kind == "pinst" or classmethod_ else f"func:{method.key}")
                        if kind == "pinst" and f"sub:{name}" in base.types:
                            types.update(f"bound:{m.key}" for m in self.a.overrides(method))
                    elif kind == "cls" and attr in self.k.orm_managers and self.a.is_orm_model(cls):
                        types.add(f"manager:{name}")
                    elif kind == "cls" and attr in self.k.orm_class_queries and self.a.is_orm_model(cls):
                        types.add(f"managerop:{name}.{attr}")  # peewee `Template.select()`
                    state = None
                    for owner in self.a.mro(cls):
                        # what a base class's methods (its `__init__`) stored on `self`
                        # is on instances of subclasses too
                        written = self.a.read_state(("field", owner.key, attr), self)
                        if written is not None:
                            state = written if state is None else join(state, written)
                        const = self.a.read_state(("fieldconst", owner.key, attr), self) if kind == "pinst" else None
                        if const is not None and isinstance(const.const, str) and (state is None or state.const is None):
                            # every instance was given the same text (`Client(BASE_URL)`)
                            state = (state or EMPTY).replace(const=const.const)
                    if state is not None:
                        out = join(out, state)
                        if self.a.is_file_field(cls, attr):
                            types.add(f"{FILE_FIELD}{cls.qualname}.{attr}")  # `selfie.image.delete()`
                    elif method is None and kind == "pinst" and attr in self.k.inherited_attribute_names:
                        # `self.wfile` of a `socketserver.StreamRequestHandler` subclass
                        types.update(f"inst:{typed}" for typed in (self.k.inherited_attributes.get((b, attr)) for b in self.a.external_bases(cls)) if typed)
            elif kind == "manager" or (kind == "queryset" and attr in self.k.queryset_methods):
                types.add(f"managerop:{name}.{attr}")
        if base.kinds or base.params or base.fields or base.sealed or base.sealed_params:
            if attr in self.k.clean_attributes:
                data = base.clean()
            else:
                fld = base.field(attr)
                if fld is None:
                    fld = base.field(REPR_HIDDEN + attr)  # a record field left out of its repr
                if fld is not None:
                    data = fld
                    self._age_read(node, attr, fld)
                elif base.kinds and base.fields:
                    # a level of an API result the item fields apply below
                    # (`results.detections[0].location_data.relative_bounding_box`)
                    data = base.data_only()
                elif (part := _part_of(base.replace(fields=()), attr)) is not None:
                    # `face.bbox` of a parameter: what callers pass there has it
                    data = base.data_only().replace(fields=(), params=part.params)
                    self._param_age_read(base, attr)
                else:
                    # an attribute never assigned facial data holds what the whole object
                    # holds, not what its other attributes hold (`case.pk`)
                    data = base.data_only().replace(fields=())
            out = join(out, data)
        elif base.gates or base.consent:
            out = join(out, base.clean())
        if self.k.consent_attributes.match(attr):
            out = out.replace(consent=True)
        if attr in self.k.file_field_attributes:
            types.update(t for t in base.types if t.startswith(WROTE))  # `case.selfie.path`
        if types:
            out = out.replace(types=out.types | frozenset(types))
        return out

    def e_Subscript(self, node: ast.Subscript, st: State) -> Val:
        base = self.expr(node.value, st)
        key = self.expr(node.slice, st)
        columns = _columns(base, node.slice)
        rows = base.field(ROWS)
        if columns is None and rows is not None and isinstance(node.slice, ast.Tuple) and len(node.slice.elts) == 2:
            columns = _columns(rows, node.slice.elts[1])  # faces[:, :4], faces[0, 4:14]
        if columns is not None:
            return columns
        if isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, int) and base.field(str(node.slice.value)) is not None:
            return base.field(str(node.slice.value))
        if key.const is not None:
            value = self._keyed(base, key.const, node)
        elif base.field(MAPPED) is not None:
            value = base.flattened().data_only()
            kept = frozenset(t for t in base.field(MAPPED).types if t.startswith("tls:") or not t.startswith(_MARKER_TAGS))
            if kept:
                value = value.replace(types=kept)  # objects kept by key (`clients[name]`) stay what they are
        elif isinstance(node.slice, ast.Slice) or (isinstance(node.slice, ast.Tuple) and any(isinstance(e, ast.Slice) for e in node.slice.elts)):
            # a slice, also of an array's axes (`frame[:, :, ::-1]`, the same picture in
            # another channel order): the same data
            value = base.data_only()
        else:
            # an item of a parameter: a value callers' mappings or sequences hold
            value = _part_of(base, "[?]") or _element(base)
        if key.gates:
            value = value.replace(gates=gates_and(value.gates, key.gates))
        return value

    def _age_read(self, node: ast.AST | None, name: str, value: Val) -> None:
        """`face.age`, `face["age"]` of a face a model described: the age it estimated is
        read here (BIO010 reports the face call that estimated it)."""
        if node is not None and "attributes" in value.kinds and value.trace and self.k.age_names.match(name):
            self.events.age_reads[self.skey(node)] = (self.site(node), value.trace[0])

    def _param_age_read(self, base: Val, name: str) -> None:
        """An age read from a parameter: decided at each call by what the caller passes."""
        if base.params and self.k.age_names.match(name):
            self.age_params.update((p, name) for p in base.params if p < TEXT_PARAM)

    def _keyed(self, base: Val, key: str, node: ast.AST | None = None) -> Val:
        """`base[key]` (or `base.get(key)`) for a key known as a constant."""
        shared = [t[5:] for t in base.types if t.startswith("inst:") and t[5:] in self.k.shared_mappings]
        if shared and isinstance(key, str):
            # `request.app["shift"]`: what the application was given under that key
            out = EMPTY
            for name in shared:
                stored = self.a.read_state(("field", f"{SHARED_EXT}{name}", key), self)
                if stored is not None:
                    out = join(out, stored)
            return out
        if base.params and base.params == self._kwargs_param and not base.fields:
            # one keyword of the `**kwargs` parameter: what callers pass by that name
            index = keyword_param(str(key))
            return Val(params=frozenset({index}), gates=frozenset({frozenset({f"P:{index}"})}), types=base.types, consent=self.k.consent_attributes.match(key))
        fld = base.field(key)
        if fld is not None:
            self._age_read(node, str(key), fld)
        elif node is not None and not base.fields:
            self._param_age_read(base, str(key))
        # other keys of a parameter the code set some keys on (`state["method"] = m`) are
        # still the parameter's
        rest = base.replace(fields=()) if base.fields and base.field(MAPPED) is None else base
        if fld is None and "]" not in str(key) and "." not in str(key) and (part := _part_of(rest, f"[{key}]")) is not None:
            # `visit["keypoints"]` of a parameter: what callers' mappings hold there
            return part.replace(consent=True) if self.k.consent_attributes.match(key) else part
        value = fld if fld is not None else _element(base)
        if fld is None and not base.fields and base.conf == LOW and base.kinds and not _DATA_KEYS.search(str(key)):
            # templates known only by a store's name (`encodings = json.load(f)`): a
            # record's `id` or `label` is not the template, its `data` may be
            value = base.clean()
        if fld is None and base.fields:
            mapped = base.field(MAPPED)
            # a key the shape does not name: a value stored under a computed key, or a
            # level of an API response the item fields apply below
            # (`resp["FaceDetails"][0]["BoundingBox"]`, `faces["face_1"]["score"]`)
            value = join(mapped, base.replace(fields=tuple(f for f in base.fields if f[0] != MAPPED)).data_only()) if mapped is not None else base.data_only()
        if self.k.consent_attributes.match(key):
            value = value.replace(consent=True)
        return value

    def e_BinOp(self, node: ast.BinOp, st: State) -> Val:
        left, right = self.expr(node.left, st), self.expr(node.right, st)
        value = combine([left, right])
        if isinstance(node.op, ast.MatMult):
            matched = self._face_match(node, [node.left, node.right], "operator @", combine([left.clean(), right.clean()]), value)
            if matched is not None:
                return matched
        if left.const is not None or right.const is not None:
            if isinstance(node.op, ast.Add) and (isinstance(node.left, (ast.Constant, ast.JoinedStr)) or isinstance(node.right, (ast.Constant, ast.JoinedStr)) or (left.const is not None and right.const is not None)):
                value = value.replace(const=(left.const or "*") + (right.const or "*"))
        if isinstance(node.op, ast.Div) and isinstance(right.const, str):
            # `HISTORY_DIR / "history.key"`: a path (a number is not divided by text)
            value = value.replace(const=f"{left.const}/{right.const}" if left.const is not None else right.const, types=frozenset({"inst:pathlib.Path"}))
        elif isinstance(node.op, ast.Div) and "inst:pathlib.Path" in left.types:
            # `self.root / Path(ref).name`: still a path, under a name set at run time
            value = value.replace(const=f"{left.const}/*" if isinstance(left.const, str) else None, types=frozenset({"inst:pathlib.Path"}))
        elif isinstance(node.op, ast.Mod) and left.const is not None:
            value = value.replace(const=left.const)
        return value

    def e_BoolOp(self, node: ast.BoolOp, st: State) -> Val:
        # short-circuit: `consented and fr.face_locations(img)` runs the face call only once
        # consent holds (and `not consented or ...` only once it does too)
        values = []
        current = st
        truthy = isinstance(node.op, ast.And)
        for v in node.values:
            values.append(self.expr(v, current))
            if v is not node.values[-1] and self.consent_of(v, truthy):
                current = self.refine(v, current, truthy)
        out = EMPTY
        gates = frozenset()
        for v in values:
            out = join(out, v.replace(gates=frozenset()))
            gates = gates_and(gates, v.gates) if isinstance(node.op, ast.And) else gates_or(gates, v.gates)
        return out.replace(gates=gates) if gates else out

    def e_Compare(self, node: ast.Compare, st: State) -> Val:
        values = [self.expr(node.left, st), *(self.expr(c, st) for c in node.comparators)]
        out = combine(v.clean() for v in values)
        if len(node.ops) == 1 and isinstance(node.ops[0], (ast.Eq, ast.NotEq)) and self._credential_compared(node.left, node.comparators[0]):
            # `booking.code == code`: a secret the person gave, checked without the face
            out = out.replace(gates=gates_and(out.gates, self._non_face_check(node, f"`{ast.unparse(node)[:60]}`").gates))
        return out

    def _credential_compared(self, left: ast.expr, right: ast.expr) -> bool:
        """One side a stored credential field (`row.code`, `user["pin"]`), the other not a
        literal: a comparison of what the person typed with what they were given."""
        for stored, given in ((left, right), (right, left)):
            if isinstance(given, ast.Constant) or self.memo.get(id(given), EMPTY).const is not None:
                continue
            if isinstance(stored, ast.Attribute):
                name = stored.attr
            elif isinstance(stored, ast.Subscript) and isinstance(stored.slice, ast.Constant) and isinstance(stored.slice.value, str):
                name = stored.slice.value
            else:
                continue
            if self.k.credential_fields.match(name):
                return True
        return False

    def e_UnaryOp(self, node: ast.UnaryOp, st: State) -> Val:
        value = self.expr(node.operand, st)
        return value.clean() if isinstance(node.op, ast.Not) else value

    def e_IfExp(self, node: ast.IfExp, st: State) -> Val:
        test = self.expr(node.test, st)
        value = join(self.expr(node.body, self.refine(node.test, st, True)), self.expr(node.orelse, self.refine(node.test, st, False)))
        return value.replace(gates=gates_and(value.gates, test.gates)) if test.gates else value

    def e_JoinedStr(self, node: ast.JoinedStr, st: State) -> Val:
        parts = []
        const_parts = []
        for v in node.values:
            value = self.expr(v, st)
            parts.append(value)
            const_parts.append(value.const if value.const is not None else "*")
        out = combine(parts)
        return out.replace(const="".join(const_parts))

    def e_FormattedValue(self, node: ast.FormattedValue, st: State) -> Val:
        value = self.expr(node.value, st)
        if node.format_spec is not None:
            self.expr(node.format_spec, st)
        out = value.flattened().data_only()
        if value.const is not None and node.format_spec is None:
            out = out.replace(const=value.const)  # f"{BASE_URL}/v1" keeps what it knows
        if _PATHLIKE.search(_last_name(node.value)):
            # f"... {img_path} does not exist": what is formatted is the path, not pixels
            # (APIs that take "a path or an array" under one name)
            out = _as_text(out)
        return out

    def e_List(self, node, st: State) -> Val:
        raw = [self.expr(e, st) for e in node.elts]
        values = [self._record_shape(v) for v in raw]
        out = EMPTY
        for v in values:
            out = join(out, v.data_only())  # elements keep their shape: records in a list
        out = bounded(out)
        if isinstance(node, ast.Tuple) and 1 < len(values) <= 8 and not any(isinstance(e, ast.Starred) for e in node.elts):
            # A tuple keeps its positions: `(enc, name)[1]` is the name, not the template;
            # and what each position is (`probe, age = engine.probe_with_age(img)`)
            # (an object in a position stays that object: `vault, registry = _stores(cfg)`)
            positions = tuple(sorted((str(i), v.data_only().replace(types=r.types) if r.types else v.data_only()) for i, (v, r) in enumerate(zip(values, raw))))
            out = bounded(Val(fields=positions, gates=out.gates, consent=out.consent))
        return out

    e_Tuple = e_List
    e_Set = e_List

    def e_Dict(self, node: ast.Dict, st: State) -> Val:
        fields = {}
        rest = EMPTY
        for k, v in zip(node.keys, node.values):
            value = self.expr(v, st)
            key = self.expr(k, st) if k is not None else EMPTY
            if k is not None and key.const is not None:
                fields[key.const] = value
            elif k is None and value.fields and value.field(MAPPED) is None and not value.kinds:
                fields.update(value.fields)  # `**profile(obs)` of a mapping with known keys
            else:
                rest = join(rest, Val(fields=((MAPPED, value.data_only()),)))
        out = rest
        if fields:
            out = bounded(out.replace(fields=tuple(sorted(fields.items()))))
        return out

    def _comprehension(self, node, st: State, elements: list[ast.expr]) -> Val:
        inner = st.copy()
        decided: Gates = frozenset()  # the elements kept are those the conditions decided
        items: list[tuple[Val, set[str]]] = []  # each loop's elements and target names
        for gen in node.generators:
            iterable = self.expr(gen.iter, inner)
            items.append((_element(iterable), _target_names(gen.target)))
            self.assign(gen.target, _element(iterable), inner, None)
            for cond in gen.ifs:
                decided = gates_and(decided, self.expr(cond, inner).gates)
                inner = self.refine(cond, inner, True)
        out = EMPTY
        for e in elements:
            v = self._record_shape(self.expr(e, inner))  # `[Rec(e) for e in ...]` holds Rec's fields, as a list literal does
            out = join(out, v.data_only() if len(elements) == 1 else v.flattened().data_only())
        if decided:
            out = out.replace(gates=gates_and(out.gates, decided))
        if len(elements) == 1 and len(items) == 1 and _numbers_of_names(elements[0], items[0][1]):
            # `[[round(x, 5), round(y, 5)] for x, y in face.landmarks]`: every point of
            # the mesh, rounded, is still the mesh (one number alone is not)
            kept = items[0][0].flattened().kinds & {"landmarks", "template"}
            if kept:
                out = join(out, Val(kinds=kept, trace=items[0][0].flattened().trace, conf=items[0][0].flattened().conf))
        return bounded(out)

    def e_ListComp(self, node, st: State) -> Val:
        return self._comprehension(node, st, [node.elt])

    e_SetComp = e_ListComp
    e_GeneratorExp = e_ListComp

    def _over_literal_names(self, node) -> list | None:
        """The names a comprehension's one loop runs over when they are written in the
        code (`for name in VISIT_FIELDS`, a module constant tuple of strings)."""
        if len(node.generators) != 1 or node.generators[0].ifs or not isinstance(node.generators[0].target, ast.Name):
            return None
        names = self._literal_of(node.generators[0].iter)
        if isinstance(names, list) and 0 < len(names) <= 16 and all(isinstance(n, str) for n in names):
            return names
        return None

    def e_DictComp(self, node: ast.DictComp, st: State) -> Val:
        names = self._over_literal_names(node)
        if names is not None and isinstance(node.key, ast.Name) and node.key.id == node.generators[0].target.id:
            # `{name: visit.get(name) for name in FIELDS}`: a record of those fields
            self.expr(node.generators[0].iter, st)
            fields = {}
            for name in names:
                inner = st.copy()
                inner.env[node.key.id] = Val(const=name)
                fields[name] = self.expr(node.value, inner)
            # (still a mapping: iterating it gives its keys, see `_element`)
            fields[MAPPED] = EMPTY
            return bounded(Val(fields=tuple(sorted(fields.items()))))
        # a mapping like `{k: v}` with a computed key: its values under the keys, the keys
        # (what iterating it gives) only as far as they hold data themselves
        both = self._comprehension(node, st, [node.key, node.value])
        keys = self.memo.get(id(node.key), EMPTY).flattened()
        values = self.memo.get(id(node.value), EMPTY).data_only()
        out = Val(kinds=keys.kinds, sealed=keys.sealed, params=keys.params, gates=both.gates, consent=both.consent,
                  fields=((MAPPED, values),))
        return bounded(out)

    def e_Lambda(self, node: ast.Lambda, st: State) -> Val:
        return EMPTY

    def e_NamedExpr(self, node: ast.NamedExpr, st: State) -> Val:
        value = self.expr(node.value, st)
        self.assign(node.target, value, st, node.value)
        return value

    def e_Await(self, node: ast.Await, st: State) -> Val:
        return self.expr(node.value, st)

    def e_Yield(self, node, st: State) -> Val:
        if node.value is not None:
            self.ret = join(self.ret, self.expr(node.value, st))
        return EMPTY

    e_YieldFrom = e_Yield

    def e_Starred(self, node: ast.Starred, st: State) -> Val:
        return self.expr(node.value, st)

    # -- calls --------------------------------------------------------------------------
    def e_Call(self, node: ast.Call, st: State, statement: bool = False) -> Val:
        func = node.func
        receiver = EMPTY
        method = None
        if isinstance(func, ast.Attribute):
            receiver = self.expr(func.value, st)
            callee = self.attribute(receiver, func.attr, func)
            self.memo[id(func)] = callee
            method = func.attr
        else:
            callee = self.expr(func, st)
        args = [self.expr(a, st) for a in node.args]
        kwargs = {}
        for kw in node.keywords:
            value = self.expr(kw.value, st)
            if kw.arg is None:
                kwargs.setdefault("**", EMPTY)
                kwargs["**"] = join(kwargs["**"], value)
            else:
                kwargs[kw.arg] = value
        call = _Call(node, callee, receiver, method, args, kwargs, statement)

        result = EMPTY
        resolved = False
        consented_before = st.consented
        dead_before = st.dead
        # Several project functions may be the target (a method and its overrides): the
        # path ends, or consent holds, after the call only if it does for every one.
        project_outcomes: list[tuple[bool, bool]] = []
        # a callable parameter that callers fill with different functions (`on_result(
        # result)`): which one runs depends on the caller, so sinks reached are only maybe
        callback = (
            len(callee.types) > 1
            and isinstance(node.func, ast.Name)
            and sum(1 for t in callee.types if t.startswith(("func:", "bound:"))) > 1
            and node.func.id in self._param_names()
        )
        for t in sorted(callee.types):
            kind, _, name = t.partition(":")
            if kind == "ext":
                resolved = True
                qualname = self.k.canonical(name)
                result = join(result, self.external_call(qualname, call, st))
                if qualname in self.k.image_loaders:
                    # the image remembers the files written at its path (see `_file_written`)
                    result = _with_writes(result, call.args[0] if call.args else EMPTY)
            elif kind == "meth":
                resolved = True
                result = join(result, self.external_call(name, call, st))
            elif kind == "inst":
                resolved = True
                result = join(result, self.external_call(f"{name}.__call__", call, st))
            elif kind in ("func", "bound"):
                info = self.a.index.functions.get(name)
                if info is not None:
                    resolved = True
                    static = kind == "bound" and any(_decorator_name(d) == "staticmethod" for d in info.decorators)
                    st.dead, st.consented = dead_before, consented_before
                    result = join(result, self.project_call(info, call, st, bound=kind == "bound" and not static, consented_before=consented_before, callback=callback))
                    project_outcomes.append((st.dead, st.consented))
                    vendored = self.a.catalogued(info)
                    if vendored:
                        result = join(result, self.external_call(vendored, call, st))
            elif kind == "task":
                # `refresh.delay(pk, vector)`: a Celery worker runs the task with these
                # arguments (a `bind=True` task gets itself first)
                info = self.a.index.functions.get(name)
                if info is not None:
                    resolved = True
                    bind = any(isinstance(d, ast.Call) and any(kw.arg == "bind" and _literal(kw.value) is True for kw in d.keywords) for d in info.decorators)
                    queued = _Call(call.node, callee, EMPTY, None, call.args, call.kwargs, call.statement)
                    st.dead, st.consented = dead_before, consented_before
                    result = join(result, self.project_call(info, queued, st, bound=bind, consented_before=consented_before))
                    # the worker's exits and checks happen later, elsewhere: not on this path
                    st.dead, st.consented = dead_before, consented_before
            elif kind == "cls":
                cls = self.a.index.classes.get(name)
                if cls is not None:
                    resolved = True
                    result = join(result, self.instantiate(cls, call, st, consented_before))
            elif kind == "managerop":
                resolved = True
                result = join(result, self.manager_call(name, call, st))
            elif kind == "closure":
                resolved = True
                self.wrapped_calls.append((name, st.consented))
                result = join(result, combine(args))
        if len(project_outcomes) > 1:
            st.dead = dead_before or all(dead for dead, _ in project_outcomes)
            st.consented = all(consented for _, consented in project_outcomes)
        if not resolved:
            result = self.unresolved_call(call, st)
        if not resolved or not any(t.startswith("ext:") and self.k.apis.get(self.k.canonical(t[4:])) for t in callee.types):
            passed = self._passed_api_calls(node, args, kwargs, st, statement)
            if passed is not EMPTY:
                result = passed  # what the API returns is what the hand-over gives back
        if not result.consent and (call.receiver.consent or any(a.consent for a in args) or any(v.consent for v in kwargs.values())):
            result = result.replace(consent=True)
        return result

    # Calls into the project ---------------------------------------------------------------
    @staticmethod
    def _caller_url(details: dict, argvals: "_ArgValues") -> dict:
        """The URL a callee sends to, when this call's argument supplies its start."""
        url_param = details.get("url_param")
        if url_param is None or url_param[0] not in argvals:
            return {}
        start = argvals[url_param[0]].const
        return {"url": start + url_param[1]} if start and not start.startswith("*") else {}

    def _passed_api_calls(self, node: ast.Call, args: list, kwargs: dict, st: State, statement: bool) -> Val:
        """A face API, or a project function, handed over with its arguments to be called
        by someone else (`loop.run_in_executor(None, client.detect, img)`,
        `run_in_threadpool(find_matches, path)`, `pool.submit(app.get, frame)`, a project
        helper `_run(fn, *args)`): the call, as if made here. Not for `pool.map(fn,
        items)` and the like, whose arguments are collections of arguments."""
        result = EMPTY
        for i, arg in enumerate(node.args):
            if isinstance(arg, ast.Starred):
                break
            value = args[i]
            if not value.types or value.all_kinds():
                continue  # only a reference to a function itself (not a result of it)
            last = arg.attr if isinstance(arg, ast.Attribute) else arg.id if isinstance(arg, ast.Name) else None
            if last is None:
                continue
            call = None
            for t in sorted(value.types):
                kind, _, name = t.partition(":")
                if kind in ("func", "bound"):
                    if not (node.args[i + 1:] and name.endswith(last) and name.rsplit("::", 1)[-1].rsplit(".", 1)[-1] == last):
                        continue
                    info = self.a.index.functions.get(name)
                    if info is None or info.key == self.f.key:
                        continue
                elif kind in ("ext", "meth") and name.endswith(last):
                    qualname = self.k.canonical(name) if kind == "ext" else name
                    specs = self.k.apis.get(qualname) if qualname.rsplit(".", 1)[-1] == last else None
                    if not specs or not any(spec.processing for spec in specs):
                        continue
                else:
                    continue
                if call is None:
                    if _last_name(node.func) in _MAPPING_HANDOVERS:
                        return EMPTY
                    passed = ast.copy_location(ast.Call(func=arg, args=node.args[i + 1:], keywords=node.keywords), node)
                    receiver = self.memo.get(id(arg.value), EMPTY) if isinstance(arg, ast.Attribute) else EMPTY
                    call = _Call(passed, value, receiver, arg.attr if isinstance(arg, ast.Attribute) else None, args[i + 1:], kwargs, statement)
                if kind in ("func", "bound"):
                    result = join(result, self.project_call(info, call, st, bound=kind == "bound", consented_before=st.consented))
                else:
                    result = join(result, self.external_call(qualname, call, st))
            if result is not EMPTY:
                break
        return result

    def project_call(self, info: FunctionInfo, call: "_Call", st: State, bound: bool, consented_before: bool, callback: bool = False) -> Val:
        summary = self.a.summary_for(info, self)
        site = self.site(call.node)
        self.events.calls[(self.skey(call.node), info.key)] = CallEvent(info.key, site, consented_before)
        argvals = self._bind_args(info, call, bound)
        for index, arg in argvals.items():
            passed = frozenset(t for t in arg.types if t.split(":", 1)[0] in ("inst", "pinst", "cls", "mod", "func") or t.startswith(SHARED_EXT))
            if passed:
                self.a.write_state(("paramtypes", info.key, index), Val(types=passed), self)
        note = f"passed to `{info.display.rsplit('.', 1)[-1]}()`"
        # Parameters that reach sinks inside the callee.
        for (index, sink_id), inner_trace in summary.param_sinks.items():
            arg = argvals.get(index)
            if arg is None:
                continue
            if ANONYMISED in arg.types:
                arg = _without_face_images(arg)  # a picture with its faces blurred (as in `sink`)
            flat = arg.flattened()
            if flat.kinds & RAW_KINDS or flat.sealed:  # encrypted by the caller: still kept (BIO008, BIO009)
                hit = self.a.sink_sites.get(sink_id)
                if hit is not None:
                    trace = (*flat.trace, self.step(call.node, note), *inner_trace)
                    key_trace = hit[3].get("key_trace")
                    if key_trace:
                        flat = join(flat, Val(kinds=frozenset({"key"}), trace=key_trace))
                        trace = (*key_trace, *trace)
                    override = self._caller_url(hit[3], argvals)
                    target_param = hit[3].get("target_param")
                    if target_param is not None and target_param in argvals:
                        key = _store_key(argvals[target_param])
                        if key and not key.startswith(PARAM_STORE):
                            # the caller names the store: facial data is written to it
                            override = {"store": key, "target": argvals[target_param].const}
                            self.a.write_state(("store", key), flat.with_step(self.step(call.node, f"written to `{key}`")), self)
                    store = hit[3].get("store")
                    if not override and store and hit[2] == "storage":
                        # the callee names the store: what this call gives it is kept there
                        # (encrypted if the callee encrypts it), for code that reads it back;
                        # where in a record it sits is not known, hence low confidence
                        kept = _downgrade(flat.sealed_version() if hit[3].get("sealed") else flat, LOW)
                        placed = (hit[3].get("param_fields") or {}).get(str(index))
                        if placed:
                            kept = bounded(Val(fields=tuple((name, kept) for name in placed)))  # `SELECT name` is not the template
                        self.a.write_state(("store", store), kept.with_step(self.step(call.node, f"written to `{store}`")), self)
                    conf = LOW if callback else max(MEDIUM if flat.conf >= MEDIUM else LOW, min(flat.conf, MEDIUM))
                    self.a.record_remote_sink(sink_id, flat, trace, conf, self, override)
            for p in flat.params:
                self.param_sinks.setdefault((p, sink_id), (self.step(call.node, note), *inner_trace))
            if flat.sealed_params and sink_id in self.a.sink_sites:
                # what this function's callers give it, encrypted here and passed on to a
                # helper that stores it: stored encrypted (with the key, when the key is in
                # the argument too: a site of its own, for this function's callers only)
                site, sink_name, category, details = self.a.sink_sites[sink_id]
                sealed_id = sink_id if sink_id.endswith(":sealed") else sink_id + ":sealed"
                # (the callee's parameter naming the store means nothing to these callers)
                sealed_details = {k: v for k, v in details.items() if k != "target_param"} | {"sealed": True}
                if "key" in flat.kinds and category == "storage":
                    sealed_id = f"{sealed_id}@{self.f.key}"
                    sealed_details["key_trace"] = flat.trace[:1]
                self.a.sink_sites.setdefault(sealed_id, (site, sink_name, category, sealed_details))
                for p in flat.sealed_params:
                    self.param_sinks.setdefault((p, sealed_id), (self.step(call.node, note), *inner_trace))
        arg_nodes = self._arg_nodes(info, call, bound) if summary.const_fields else {}
        for index, cls_key, attr in sorted(summary.const_fields):
            arg = argvals.get(index)
            if index in arg_nodes:
                # a list of names given to the constructor (`Classifier(cfg.ACTIONS)`): the
                # attribute's literal, for API arguments (see `_literal_of`)
                literal = self._literal_of(arg_nodes[index])
                self.a.write_state(
                    ("fieldliteral", cls_key, attr),
                    Val(const=json.dumps(literal)) if isinstance(literal, list) else Val(types=frozenset({FIELD_CONST_UNKNOWN})),
                    self,
                )
            if arg is not None:
                # the constant this caller gives the attribute; a value not known here
                # makes it unknown for every instance (`FIELD_CONST_UNKNOWN` joins away
                # the constants)
                known = arg.const if isinstance(arg.const, str) and not arg.const.startswith("*") else None
                self.a.write_state(("fieldconst", cls_key, attr), Val(const=known) if known else Val(types=frozenset({FIELD_CONST_UNKNOWN})), self)
        for index, key in summary.param_state:
            arg = argvals.get(index)
            if arg is not None and arg.tainted:
                self.a.write_state(key, _downgrade(arg.flattened().with_step(self.step(call.node, note)), LOW if callback else MEDIUM), self)
        if summary.image_params:
            nodes = self._arg_nodes(info, call, bound)
            for index in sorted(summary.image_params):
                if index in nodes:
                    inner = dict(summary.image_param_steps).get(index)
                    self._mark_image(nodes[index], st, f"`{info.display.rsplit('.', 1)[-1]}()`, which gives it to a face API", (inner,) if inner else ())
        if summary.path_params or summary.written_params:
            nodes = self._arg_nodes(info, call, bound)
            where = f"`{info.display.rsplit('.', 1)[-1]}()`, which gives it to a face API"
            for index in sorted(summary.path_params):
                # `case.selfie.path` read in the helper: the object passed holds the file too
                holder = _holder_param(index)
                inner = dict(summary.image_param_steps).get(index)
                for i in dict.fromkeys((index, holder)):
                    if i in argvals:
                        self._read_as_face_image(argvals[i], call.node, where, inner=(inner,) if inner else ())
                        # a path this function was given, passed on to be read as a face image
                        self.path_params.update(p for p in argvals[i].params if p < TEXT_PARAM)
                if isinstance(nodes.get(holder), ast.Name) and nodes[holder].id in st.env:
                    name = nodes[holder].id
                    self._tag(name, FACE_FILE, st.env[name], st)
            for index, sink_id in sorted(summary.written_params):
                index = _holder_param(index)
                if isinstance(nodes.get(index), ast.Name):
                    name = nodes[index].id
                    self._tag(name, WROTE + sink_id, st.env.get(name, argvals.get(index, EMPTY)), st)
        for index in sorted(summary.key_params):
            if index in argvals:
                # the key this call passes on to a cipher may be bytes from the source code
                self._literal_key_used(argvals[index], f"{info.display.rsplit('.', 1)[-1]}()")
                self.key_params.update(p for p in argvals[index].params if p < TEXT_PARAM)
        for index, name in sorted(summary.age_params):
            arg = argvals.get(index)
            fld = arg.field(name) if arg is not None else None
            if fld is not None:
                self._age_read(call.node, name, fld)  # `is_minor(face)` reads the face's age
        if summary.enforces_consent:
            st.consented = True
        if summary.always_exits:
            st.dead = True
        match = _asked_once(functools.partial(self._match_at_call, info, call, bound, argvals))
        if summary.exit_gates and not st.dead:
            st.gates = gates_and(st.gates, _subst_gates(summary.exit_gates, argvals, match))
        for end, gates in summary.actions:
            self.action(call.node, frozenset({end}), st, extra_gates=_subst_gates(gates, argvals, match))
        method = info.qualname.rsplit(".", 1)[-1]
        named = self.k.action_ends(method)
        if not named and info.cls is not None:
            # `Turnstile.pulse()` by its class and name, not by the class's name alone
            # (every method of `AttendanceService` is not attendance)
            cls_name = info.cls.qualname.rsplit(".", 1)[-1]
            named = self.k.action_ends(f"{cls_name}.{method}") - self.k.action_ends(cls_name)
        if named:
            self.action(call.node, named, st)
        ret = summary.ret
        result = self._substitute(ret, argvals, match)
        if ANONYMISED in ret.types and ANONYMISED not in result.types:
            result = result.replace(types=result.types | {ANONYMISED})  # `blur_faces(img)` gives it back blurred
        if not (summary.enforces_consent or ret.consent) and self.k.consent_functions.match(info.qualname.rsplit(".", 1)[-1]):
            # Its code does not show the check (it asks another service): trust the name.
            if call.statement:
                st.consented = True
            result = result.replace(consent=True)
        if ret.kinds:
            result = _downgrade(result).with_step(self.step(call.node, f"returned by `{info.display.rsplit('.', 1)[-1]}()`"))
        return result

    def _match_at_call(self, info: FunctionInfo, call: "_Call", bound: bool, argvals: dict[int, Val], indices: list[int], how: str) -> str | None:
        """A callee compares its parameters `indices` as face templates (see `_face_match`):
        a match decided here when this call passes templates (one traced, the others traced
        or named like stored templates), a comparison of this function's own parameters when
        it passes those, nothing otherwise."""
        args = [argvals.get(i) for i in indices]
        if any(a is None for a in args):
            return None
        if any("template" in a.all_kinds() for a in args):
            nodes = self._arg_nodes(info, call, bound)
            # stored templates known by name: the argument's, or the parameter's
            # (`def match(ids, gallery_matrix, probe)`)
            names = [p.lstrip("*") for p in info.params]
            if all(
                "template" in a.all_kinds() or _named_like_template(nodes.get(i)) or (0 <= i < len(names) and TEMPLATE_NAMES.search(names[i]))
                for i, a in zip(indices, args)
            ):
                label = f"M:{self.label(call.node)}"
                self.events.decisions[label] = (self.site(call.node), f"{info.display.rsplit('.', 1)[-1]}()")
                return label
            # a traced template against this function's parameters (`similarity(probe,
            # reference)`): a match where callers pass templates for those
            others = [a.all_params() for a in args if "template" not in a.all_kinds()]
            if all(others):
                return f"Q:{','.join(str(min(p)) for p in others)}|{how}"
            return None
        if all(a.all_params() for a in args):
            return f"Q:{','.join(str(min(a.all_params())) for a in args)}|{how}"
        return None

    def _arg_nodes(self, info: FunctionInfo, call: "_Call", bound: bool) -> dict[int, ast.expr]:
        """The argument expression each of the callee's parameters is given, where one
        expression is (not for `*args`/`**kwargs` parameters or starred arguments)."""
        return {index: node for index, node, _, single in _arg_slots(info, call, bound) if single}

    def _bind_args(self, info: FunctionInfo, call: "_Call", bound: bool) -> dict[int, Val]:
        """What each of the callee's parameters holds at this call (the receiver for a bound
        method's first; `*args`/`**kwargs` parameters join what they collect)."""
        out = _ArgValues({0: call.receiver} if bound and info.params else {})
        out.analyzer = self
        for index, _, value, single in _arg_slots(info, call, bound):
            out[index] = value if single else join(out.get(index, EMPTY), value)
        if info.params and info.params[-1].startswith("**"):
            named = set(p.lstrip("*") for p in info.params)
            for kw in call.node.keywords:
                if kw.arg is None:
                    out[KWARGS_SPLAT] = join(out.get(KWARGS_SPLAT, EMPTY), call.kwargs["**"])
                elif kw.arg not in named:
                    index = keyword_param(kw.arg)
                    out[index] = join(out[index], call.kwargs[kw.arg]) if dict.__contains__(out, index) else call.kwargs[kw.arg]
        return out

    def _substitute(self, ret: Val, argvals: dict[int, Val], match=None) -> Val:
        if ret is EMPTY:
            return EMPTY
        out = ret.replace(params=frozenset(), sealed_params=frozenset(), gates=_subst_gates(ret.gates, argvals, match), fields=tuple((k, self._substitute(v, argvals, match)) for k, v in ret.fields))
        # `def similarity(a, b): return a @ b` given two templates returns a score
        scored = _matched_params(ret.gates, match) if ret.params and match is not None else frozenset()
        for p in ret.params:
            arg = argvals.get(p)
            if arg is not None:
                if p in scored:
                    arg = arg.clean()
                out = join(out, arg.replace(gates=frozenset()) if ret.gates else arg)
        for p in ret.sealed_params:
            arg = argvals.get(p)
            if arg is not None:
                out = join(out, arg.sealed_version())
        return bounded(out)

    def instantiate(self, cls: ClassInfo, call: "_Call", st: State, consented_before: bool) -> Val:
        instance = Val(types=frozenset({f"pinst:{cls.key}"}))
        named = self.k.action_ends(cls.qualname.rsplit(".", 1)[-1])
        if named:  # creating an `Attendance(...)` row records attendance
            self.action(call.node, named, st)
        init = self.a.find_method(cls, "__init__")
        if init is not None:
            bound_call = _Call(call.node, EMPTY, instance, "__init__", call.args, call.kwargs, call.statement)
            self.project_call(init, bound_call, st, bound=True, consented_before=consented_before)
        else:
            # a record class (dataclass, attrs, NamedTuple, pydantic): the generated
            # constructor assigns its arguments to the declared fields, in order
            fields = self._record_fields(cls)
            nodes = {**dict(zip(fields, call.node.args)), **{kw.arg: kw.value for kw in call.node.keywords if kw.arg}}
            given = [*zip(fields, call.args), *((name, v) for name, v in call.kwargs.items() if name in fields)]
            for name, value in given:
                if value.params and not isinstance(nodes.get(name), ast.Name) and not all(p < 0 or p >= NUMBER_PARAM for p in value.all_params()):
                    # a part of a parameter the analysis does not follow (`ref.items[0]`):
                    # callers would write their whole argument here, not that part; keep
                    # only what is known here (an attribute, `face.normed_embedding`, and
                    # a number made of a parameter are followed: see `attribute_param`)
                    value = without_params(value)
                if value is not EMPTY:
                    self.a.write_state(("field", cls.key, name), value, self)
            # the decisions the arguments carry stay with this instance (class-level
            # fields drop them): `Outcome(similarity >= 90, ...)`, then `if outcome.matched:`
            decided = tuple(
                (name, Val(gates=value.gates)) for name, value in given
                if value.gates and any(not label.startswith("P:") for label in gate_labels(value.gates))
            )
            if decided:
                instance = instance.replace(fields=decided)
        if self.a.is_orm_model(cls) and call.kwargs:
            self._orm_field_write(call.node, cls, call.kwargs, st)
        return instance

    def _record_fields(self, cls: ClassInfo) -> tuple[str, ...]:
        """The annotated class-level fields of `cls` and its project bases, bases first
        (the order a dataclass's generated `__init__` takes them in)."""
        return self._record_layout(cls)[0]

    def _record_layout(self, cls: ClassInfo) -> tuple[tuple[str, ...], frozenset]:
        """The record's fields in order, and those left out of its repr
        (`field(repr=False)`); cached on the class (the index is rebuilt on every run)."""
        cached = cls.__dict__.get("_record_layout")
        if cached is None:
            fields: list[str] = []
            hidden: set[str] = set()
            for current in reversed(list(self.a.mro(cls))):
                for stmt in current.node.body:
                    if not (isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name)) or "ClassVar" in ast.unparse(stmt.annotation):
                        continue
                    if stmt.target.id not in fields:
                        fields.append(stmt.target.id)
                    if isinstance(stmt.value, ast.Call) and any(
                        kw.arg == "repr" and isinstance(kw.value, ast.Constant) and kw.value.value is False for kw in stmt.value.keywords
                    ):
                        hidden.add(stmt.target.id)
            cached = cls.__dict__["_record_layout"] = (tuple(fields), frozenset(hidden))
        return cached

    def _record_fields_held(self, value: Val, printed: bool = False) -> Val:
        """What the project record instances `value` may be hold in their declared fields,
        as a shape (a field left out of the repr is named `~field`). `printed`: only what
        the generated repr shows (none of a class with its own `__repr__`/`__str__`)."""
        out = EMPTY
        for t in sorted(value.types):
            if not t.startswith("pinst:"):
                continue
            cls = self.a.index.classes.get(t[6:])
            if cls is None or printed and any(self.a.find_method(cls, m) is not None for m in ("__repr__", "__str__")):
                continue
            names, hidden = self._record_layout(cls)
            fields = []
            for name in names:
                if printed and name in hidden:
                    continue
                held = self.a.read_state(("field", cls.key, name), self)
                if held is not None and held.tainted:
                    fields.append((REPR_HIDDEN + name if name in hidden else name, held.data_only()))
            if fields:
                out = join(out, bounded(Val(fields=tuple(fields))))
        return out

    def _printed(self, value: Val) -> Val:
        """`value` as text: a record instance (a dataclass with the generated repr) shows
        its fields, except those declared `field(repr=False)` (also in a record's shape)."""
        if any(name.startswith(REPR_HIDDEN) for name, _ in value.fields):
            value = value.replace(fields=tuple(f for f in value.fields if not f[0].startswith(REPR_HIDDEN)))
        return join(value, self._record_fields_held(value, printed=True))

    def _printed_args(self, call: "_Call") -> Val:
        """What a print or log call writes: its arguments as text."""
        return combine(self._printed(v) for v in (*call.args, *call.kwargs.values()))

    def _record_shape(self, value: Val) -> Val:
        """`value` as data, with what a project record instance holds in its declared
        fields as the record's fields: an instance put in a list loses its type, so
        `for obs in observations: obs.embedding` reads the field from the shape, and
        `dataclasses.asdict(obs)` holds all of them."""
        return join(value.data_only(), self._record_fields_held(value))

    def manager_call(self, name: str, call: "_Call", st: State) -> Val:
        """`Model.objects.<op>(...)` (or a queryset's): rows of the model, as an instance
        that also iterates and chains as a queryset."""
        cls_key, _, op = name.rpartition(".")
        cls = self.a.index.classes.get(cls_key)
        # a chained query keeps what the query it refines was decided by (`.filter(code=
        # typed).order_by(...).first()` is still the row the typed code found)
        rows = Val(types=frozenset({f"pinst:{cls_key}", f"{QUERYSET}{cls_key}"}), gates=call.receiver.gates)
        if self.k.deletion_methods.match(op):
            self._deletion(call, f"{cls.qualname if cls else cls_key}.{op}", st)
        if cls is not None and op in self.k.orm_create_methods and self.a.is_orm_model(cls):
            values = dict(call.kwargs)
            for key in ("defaults", "create_defaults"):
                # `update_or_create(pk=..., defaults={"embedding": e})` writes those fields
                if key in values and values[key].fields:
                    values.update(values.pop(key).fields)
            self._orm_field_write(call.node, cls, values, st)
            return rows
        if any(self.k.credential_fields.match(key.split("__", 1)[0]) and value.const is None for key, value in call.kwargs.items()):
            # the row found by a code the person typed (`LoginOTP.objects.filter(code=...)`):
            # whatever it gates is reached without the face
            return join(self._non_face_check(call.node, f"{cls.qualname if cls else cls_key}.{op}({', '.join(call.kwargs)})"), rows)
        return rows

    def _orm_field_write(self, node: ast.AST, cls: ClassInfo, values: dict, st: State) -> None:
        for name, value in values.items():
            if name == "**":
                continue
            if self.a.is_encrypted_field(cls, name):
                continue
            flat = value.flattened()
            if flat.kinds & RAW_KINDS or flat.params or flat.sealed or flat.sealed_params:
                # (encrypted too: kept, for BIO008, BIO009 and BIO011)
                self.sink(node, f"{cls.qualname}.{name}", "storage", value, st, details={"store": f"table:{cls.qualname}", "orm_field": name})
            if not (flat.kinds & RAW_KINDS or flat.sealed) and self.a.is_file_field(cls, name):
                # an upload saved to disk by the field (also one taken straight from a
                # parameter, `request.FILES["selfie"]`): a face image if a face API reads it
                sink_id = self._pending_sink(node, f"{cls.qualname}.{name}", {"store": f"{FILE_FIELD}{cls.qualname}.{name}", "target": None, "orm_field": name}, part=name)
                value = value.replace(types=value.types | {WROTE + sink_id})
            self.a.write_state(("field", cls.key, name), value, self)

    # Calls into libraries ----------------------------------------------------------------
    def _orm_statement(self, qualname: str, call: "_Call") -> Val | None:
        """SQLAlchemy 2.0 queries: `select(Template)` is a query of the model's rows, and a
        session running it (`session.scalars(q)`, `.execute(q)`, `.scalar(q)`) gives them."""
        if qualname in _SQLALCHEMY_SELECT:
            keys = sorted(t[4:] for a in call.args for t in a.types if t.startswith("cls:") and t[4:] in self.a.index.classes and self.a.is_orm_model(self.a.index.classes[t[4:]]))
            if keys:
                return Val(types=frozenset({f"{QUERYSET}{k}" for k in keys}))
            return None
        if call.method in _SESSION_RUNS and call.args:
            keys = sorted(t[len(QUERYSET):] for t in call.args[0].types if t.startswith(QUERYSET))
            if keys:
                one = _SESSION_RUNS[call.method]
                return Val(types=frozenset({f"pinst:{k}" for k in keys} | (set() if one else {f"{QUERYSET}{k}" for k in keys})), gates=call.args[0].gates)
        return None

    def external_call(self, qualname: str, call: "_Call", st: State) -> Val:
        k = self.k
        rows = self._orm_statement(qualname, call)
        if rows is not None:
            return rows
        if call.method in ("tls_set", "tls_set_context") and isinstance(call.node.func, ast.Attribute) and isinstance(call.node.func.value, ast.Name):
            name = call.node.func.value.id
            current = st.env.get(name, call.receiver)
            st.env[name] = current.replace(types=current.types | {"tls:on"})
        result = EMPTY
        handled = False
        specs = k.apis.get(qualname)
        if not specs:
            if qualname in ("os.environ.get", "os.getenv") and len(call.args) > 1 and call.args[1].const is not None:
                # `os.environ.get("KEY", "szQI...")`: the default is written in the source,
                # and it is what runs wherever the variable is not set (an `http://` URL)
                return Val(types=self._literal_key(call.node.args[1], call.args[1].const), const=call.args[1].const)
            if qualname in k.key_decoders and call.args and call.args[0].const is not None:
                return Val(types=self._literal_key(call.node, call.args[0].const))  # `bytes.fromhex("8f1c...")`
            if qualname in k.key_decoders and call.args and any(t.startswith(LITERAL) for t in call.args[0].types):
                return Val(types=frozenset(t for t in call.args[0].types if t.startswith(LITERAL)))
            if qualname in k.fallback_types:
                # a one-time-password or card reader object: its `verify`/`read` are
                # non-face checks (`pyotp.TOTP.verify`, `mfrc522.SimpleMFRC522.read`)
                return Val(types=frozenset({f"inst:{qualname}"}))
            if qualname in _SAME_RECORD_CALLS and call.args and call.args[0].fields:
                return call.args[0].data_only()
            if qualname in _MEMORY_BUFFERS:
                return Val(types=frozenset({MEMORY})) if not call.args else call.args[0].data_only().replace(types=frozenset({MEMORY}))
            if qualname in k.image_views and call.args:
                # the same picture: coordinates or angles that steer the transform (an
                # alignment computed from the eyes) are not in the pixels it returns
                return call.args[0].data_only()
            if call.method in k.image_view_methods and qualname.startswith("PIL."):
                return call.receiver.data_only()
            if qualname in k.path_views and call.args:
                # the same file's path (`default_storage.path(name)`): the writes it remembers
                return _with_writes(call.args[0].data_only(), call.args[0])
            if qualname == "typing.cast" and len(call.args) == 2:
                return call.args[1]  # the value itself, shape and all
            if qualname in k.record_readers and call.args:
                return join(self._record_shape(call.args[0]).flattened(), combine(call.args[1:]))
        if specs:
            for spec in specs:
                if spec.when and not self._when_matches(spec.when, call):
                    continue
                handled = True
                result = join(result, self.api_call(spec, call, st))
        sink = k.sinks.get(qualname)
        if sink is not None and sink.sql and call.args and call.args[0].const is not None:
            result = join(result, self._sql_call(call, st, _dotted(call.node.func.value) if isinstance(call.node.func, ast.Attribute) else ""))
            handled = True
        elif sink is not None and sink.category == "storage" and self._written_to_memory(call, sink.target, sink.data, st):
            handled = True
        elif sink is not None:
            data = self._select(call, sink.data)
            if _encrypting(call, sink.encrypting_keywords):
                # the service encrypts it at rest: not plaintext, but still kept (BIO008).
                # A key written inside stays a key beside what it decrypts: whoever reads
                # the object gets both (BIO011)
                keys = data.flattened()
                data = data.sealed_version()
                if "key" in keys.kinds:
                    data = join(data, Val(kinds=frozenset({"key"}), trace=keys.trace))
            target = self._select(call, sink.target)
            details = {"store": _store_key(target) if sink.category == "storage" else None, "target": target.const}
            if sink.category == "network":
                details["url"] = target.const
                if (target.const is None or target.const.startswith("*")) and target.params:
                    # the URL starts with what callers pass (`f"{self.base_url}/upload"`):
                    # each call site supplies the scheme (see `project_call`)
                    details["url_param"] = (min(target.params), (target.const or "*")[1:])
                verify = call.kwargs.get("verify")
                if verify is not None:
                    details["verify"] = _literal_keyword(call.node, "verify")
                    if _may_be_false(next(kw.value for kw in call.node.keywords if kw.arg == "verify")):
                        details["verify"] = False
                elif TLS_OFF in call.receiver.types:
                    details["verify"] = False  # a session or client made without verification
                details["receiver_types"] = sorted(call.receiver.types)
            if "ex" in call.kwargs or "px" in call.kwargs or qualname.endswith(("setex", "psetex")):
                details["ttl"] = True
            self.sink(call.node, qualname, sink.category, data, st, details=details)
            if sink.category == "storage" and "receiver" not in sink.target:
                self._file_written(call, sink.target, qualname, data, st)
            handled = True
        elif qualname in k.file_writes:
            write = k.file_writes[qualname]
            result = self._saved(call, qualname, write.target, st, returns_name=write.returns_name)
            handled = True
        if k.log_calls.match(qualname) and "." in qualname or qualname == "builtins.print":
            data = self._printed_args(call)
            self.sink(call.node, qualname, "log", data, st)
            return EMPTY
        if qualname in k.loads:
            target = self._select(call, k.load_target)
            key = _store_key(target) or target.store
            if key:
                stored = self.a.read_state(("store", key), self)
                if stored is not None and stored.tainted:
                    result = join(result, _downgrade(stored).with_step(self.step(call.node, f"read back from `{key}`")))
            # remember where it came from: removing an entry and writing it back deletes
            result = result.replace(types=result.types | {f"loaded:{qualname}|{key or ''}"})
            handled = True
        if k.encrypt.match(qualname) and qualname.rsplit(".", 1)[-1] not in ("Fernet",):
            return combine([*call.args, *call.kwargs.values()]).sealed_version()
        if k.decrypt.match(qualname):
            return _decrypted(combine([*call.args, *call.kwargs.values()]))
        if qualname in k.reductions and call.args:
            reduced = self._reduction(call.node, call.node.args[0], call.args[0], qualname, _whole_reduction(call))
            if reduced is not None:
                return reduced
        if qualname == "os.path.join" and call.args:
            # (listed as clean: it carries no facial data, only the path it names)
            return Val(const="/".join(a.const if a.const is not None else "*" for a in call.args))
        if qualname in ("glob.glob", "glob.iglob") and call.args and call.args[0].const:
            # the files matched are named by the pattern: `os.remove` of each deletes from
            # the store the pattern names (`dataset/User.{id}.*.jpg`)
            return Val(fields=((ROWS, Val(const=call.args[0].const)),))
        if qualname in k.clean_calls:
            result = combine(a.clean() for a in [*call.args, *call.kwargs.values()])
            if qualname in k.compare_calls:
                matched = self._face_match(call.node, [*call.node.args, *(kw.value for kw in call.node.keywords)], qualname, result, result)
                return result if matched is None else matched
            return result
        if k.exits.match(qualname) and qualname.split(".")[0] != "builtins" or qualname in ("builtins.exit", "builtins.quit"):
            st.dead = True
            return EMPTY
        if qualname in ("builtins.max", "builtins.min", "builtins.next") and len(call.args) == 1:
            return _element(call.args[0])
        if qualname in ("builtins.sorted", "builtins.reversed", "builtins.list", "builtins.tuple") and len(call.args) == 1 and call.args[0].field(MAPPED) is None:
            # the same items (`list(session.scalars(q))`: the same rows of the model; a
            # parameter's items: `list(gallery)` of a mapping callers pass is its keys)
            rows = frozenset(t for t in call.args[0].types if t.startswith((QUERYSET, "pinst:"))) if any(t.startswith(QUERYSET) for t in call.args[0].types) else frozenset()
            if rows:
                return call.args[0].data_only().replace(types=rows)
            items = _element(call.args[0]) if len(call.args[0].params) == 1 and not call.args[0].all_kinds() else None
            return items if items is not None and items.params != call.args[0].params else call.args[0].data_only()
        if qualname == "builtins.enumerate" and call.args:
            return _positions([EMPTY, _element(call.args[0])])
        if qualname in ("builtins.sorted", "builtins.list", "builtins.set", "builtins.tuple", "builtins.iter") and len(call.args) == 1 and call.args[0].field(MAPPED) is not None and not call.args[0].kinds:
            return call.args[0].clean()
        if qualname == "builtins.map" and len(call.node.args) == 2 and _dotted(call.node.args[0]) in _NUMERIC_BUILTINS:
            # `map(int, row[:8])` converts each item as `int(item)` would
            data = call.args[1]
            return _as_number(data.flattened()) if "template" not in data.all_kinds() else data.data_only()
        if qualname == "asyncio.gather" and call.args:
            return _positions(list(call.args))  # `a, b = await asyncio.gather(f(), g())`
        if qualname == "builtins.zip" and call.args:
            return _positions([_element(a) for a in call.args])
        if qualname.startswith("builtins.") and qualname[9:] in _STRINGISH + ("list", "tuple", "dict", "set", "bytes", "bytearray", "sorted", "reversed", "iter", "next", "zip", "enumerate", "map", "filter", "min", "max", "sum", "abs", "round", "float", "int"):
            data = combine([*call.args, *call.kwargs.values()])
            if qualname == "builtins.str" and call.args:
                data = _with_writes(data, call.args[0])  # `str(dest)` names the file written at `dest`
            return _as_number(data) if qualname[9:] in _NUMERIC_BUILTINS and not (data.kinds & {"template"}) else data
        if k.deletions.match(qualname) or (call.method and k.deletion_methods.match(call.method)):
            self._deletion(call, qualname, st)
        if qualname in k.key_sources:
            result = join(result, source("key", self.step(call.node, f"key material from `{_short(qualname)}`")))
            handled = True
        if qualname in k.key_takers and call.node.args:
            first = call.node.args[0]
            written_elsewhere = any(t.startswith(LITERAL) for t in call.args[0].types)
            if isinstance(first, ast.Constant) and isinstance(first.value, (str, bytes)) or call.args[0].const is not None and not written_elsewhere:
                site = self.site(call.node)
                self.events.key_uses[self.skey(call.node)] = (site, "literal-key", _short(qualname))
            else:
                self._literal_key_used(call.args[0], _short(qualname))
            self.key_params.update(p for p in call.args[0].params if p < TEXT_PARAM)
        # Vocabulary leaves ------------------------------------------------------------------
        if not handled and k.consent_functions.match(qualname):
            return self._consent_check(call, st)
        if not handled and k.fallback_functions.match(qualname):
            return self._non_face_check(call.node, qualname)
        ends = k.action_ends(qualname)
        if ends and not handled:
            self.action(call.node, ends, st)
        if handled:
            return result
        if call.method in _FLUENT and call.receiver.types:
            return call.receiver
        if qualname == "django.shortcuts.get_object_or_404" and call.args:
            model = call.args[0]
            return Val(types=frozenset(t.replace("cls:", "pinst:", 1) for t in model.types if t.startswith("cls:")))
        if qualname.startswith("builtins."):
            return EMPTY if qualname[9:] in ("open", "super", "getattr", "setattr", "vars", "globals", "locals", "isinstance", "print") else combine([*call.args, *call.kwargs.values()]).data_only()
        # An unknown library call: its result may carry its inputs.
        if call.method and call.method in k.insert_methods and isinstance(call.node.func, ast.Attribute):
            self._mutate(call.node.func.value, combine([*call.args, *call.kwargs.values()]), st)
            return EMPTY
        return combine([call.receiver, *call.args, *call.kwargs.values()]).data_only()

    def api_call(self, spec: ApiSpec, call: "_Call", st: State) -> Val:
        node = call.node
        result = EMPTY
        if spec.category == "load":
            types = frozenset({f"inst:{spec.returns_type}"}) if spec.returns_type else frozenset()
            region = self._region(spec, call)
            if region:
                types = types | {f"region:{region}"}
            if _may_be_false(next((kw.value for kw in call.node.keywords if kw.arg == "verify"), None)):
                types = types | {TLS_OFF}  # `boto3.client("rekognition", verify=False)`, `httpx.Client(verify=ca or False)`
            if spec.returns_type in _KAFKA_PRODUCERS:
                types = types | {self._kafka_security(call)}
            result = Val(types=types)
            if spec.keeps_taint:
                result = join(result, combine([call.receiver, *call.args, *call.kwargs.values()]).data_only())
            if spec.returns and spec.returns != "none":
                result = join(result, source(spec.returns, self.step(node, f"{spec.returns} loaded by `{_short(spec.call)}`")))
            if spec.returns_type == "io.File" and spec.call.endswith("Path.open"):
                result = result.replace(store=_store_key(call.receiver))
                if _writing_mode(call, 0) and isinstance(call.node.func, ast.Attribute):
                    self._path_written(call.node.func.value, call.receiver, call.node, spec.call, st)
            elif spec.returns_type in _FILE_HANDLES:
                target = call.args[0] if call.args else call.kwargs.get("file", call.kwargs.get("name", EMPTY))
                result = result.replace(store=_store_key(target))
                if _writing_mode(call):
                    self._file_written(call, (0, "file"), spec.call, EMPTY, st)
            elif call.args and call.args[0].store:
                # built on a file handle (`csv.writer(fh)`): it writes to the same file
                result = result.replace(store=call.args[0].store)
            return result
        site = self.site(node)
        if spec.processing:
            arguments = self._literal_arguments(call)
            key = self.skey(node)
            previous = self.events.face_calls.get(key)
            consented = st.consented if previous is None else (previous.consented and st.consented)
            region = next((t[7:] for t in sorted(call.receiver.types) if t.startswith("region:")), "")
            if region:
                arguments = {**arguments, "__region__": region}
            self.events.face_calls[key] = FaceEvent(site, spec, consented, arguments)
            if TLS_OFF in call.receiver.types and (spec.image_args or spec.image_keywords):
                # a cloud face API called through a client that does not check certificates
                sent = source("face-image", self.step(node, f"face image given to `{_short(spec.call)}`"))
                self.sink(node, _short(spec.call), "network", sent, st, details={"verify": False, "url": None})
            # Images passed to a face API are face images from here on.
            for index in spec.image_args:
                if index < len(node.args):
                    self._mark_image(node.args[index], st, f"`{_short(spec.call)}`")
            for kw in node.keywords:
                if kw.arg in spec.image_keywords:
                    self._mark_image(kw.value, st, f"`{_short(spec.call)}`")
        if spec.returns and spec.returns != "none":
            result = source(spec.returns, self.step(node, f"{spec.returns} from `{_short(spec.call)}`"))
        if spec.fields:
            fields = []
            for name, kind in sorted(spec.fields.items()):
                if kind == "rows":
                    value = self._rows(spec, node)
                else:
                    value = EMPTY if kind == "none" else source(kind, self.step(node, f"{kind} from `{_short(spec.call)}` (`{name}`)"))
                fields.append((name, value))
            result = result.replace(fields=tuple(fields))
            if not spec.returns or spec.returns == "none":
                result = result.replace(kinds=frozenset())
        if spec.returns_type:
            result = result.replace(types=frozenset({f"inst:{spec.returns_type}"}))
        if spec.decision:
            label = f"M:{self.label(node)}"
            self.events.decisions[label] = (site, spec.call)
            result = result.replace(gates=frozenset({frozenset({label})}))
        if spec.taints_receiver and isinstance(node.func, ast.Attribute):
            self._mutate(node.func.value, source(spec.taints_receiver, self.step(node, f"{spec.taints_receiver} stored in the model by `{_short(spec.call)}`")), st)
        return result

    def _kafka_security(self, call: "_Call") -> str:
        """`tls:on` for a Kafka producer configured for SSL or SASL_SSL, `tls:kafka-plain`
        when it is not (the clients' default is PLAINTEXT), `tls:kafka-unknown` when the
        setting comes from a mapping bioaudit cannot read (`**profiles[name]`)."""
        node = call.node
        protocol = next((self._literal_of(kw.value) for kw in node.keywords if kw.arg == "security_protocol"), None)
        if protocol is None and node.args:
            config = self._literal_of(node.args[0])
            if isinstance(config, dict):
                protocol = config.get("security.protocol", "PLAINTEXT")
        if protocol is None and (any(kw.arg is None for kw in node.keywords) or node.args):
            return "tls:kafka-unknown"
        return "tls:on" if str(protocol or "PLAINTEXT").upper() in ("SSL", "SASL_SSL") else "tls:kafka-plain"

    def _rows(self, spec: ApiSpec, node: ast.AST) -> Val:
        """An array with one row per face whose columns hold different things (YuNet:
        box, five landmark points, score): the row's column ranges are fields `[a:b]`."""
        columns = []
        for span, kind in sorted(spec.row_columns.items(), key=lambda item: int(item[0].split(":")[0])):
            value = EMPTY if kind == "none" else source(kind, self.step(node, f"{kind} from `{_short(spec.call)}` (columns {span})"))
            columns.append((f"[{span}]", value))
        kinds = frozenset(k for k in spec.row_columns.values() if k != "none")
        row = Val(kinds=kinds, fields=tuple(columns), trace=(self.step(node, f"{'/'.join(sorted(kinds))} from `{_short(spec.call)}`"),))
        return Val(kinds=kinds, fields=((ROWS, row),), trace=row.trace)

    def _region(self, spec: ApiSpec, call: "_Call") -> str:
        where = spec.region_arg
        if not where:
            return ""
        index = where.get("arg")
        if index is not None and index < len(call.args) and call.args[index].const:
            return call.args[index].const
        keyword = where.get("keyword")
        if keyword and keyword in call.kwargs and call.kwargs[keyword].const:
            return call.kwargs[keyword].const
        return ""

    def _mark_image(self, arg: ast.expr, st: State, where: str, inner: tuple = ()) -> None:
        """`arg` is given to a face API as its image (`inner`: the steps inside a helper
        that does so, down to the API call)."""
        step = self.step(arg, f"image passed to {where}")
        value = self.memo.get(id(arg), EMPTY)
        # Face APIs also take file paths and URLs: a path is not a face image.
        if value.const is not None or _PATHLIKE.search(_last_name(arg)) or "inst:pathlib.Path" in value.types:
            self._read_as_face_image(value, arg, where, held=False, inner=inner)
            for p in value.params:
                if p < TEXT_PARAM:
                    self.path_params.add(p)
                    self.image_param_steps.setdefault(p, inner[-1] if inner else step)
            return
        self._read_as_face_image(value, arg, where)
        for p in value.params:
            if p < TEXT_PARAM:
                self.image_params.add(p)
                self.image_param_steps.setdefault(p, inner[-1] if inner else step)
        image = source("face-image", step)
        if inner:
            image = image.replace(trace=(step, *inner))
        if isinstance(arg, ast.Name):
            current = st.env.get(arg.id, EMPTY)
            if "face-image" not in current.kinds:
                st.env[arg.id] = join(current, image)
            # the picture it was converted from shows the same face
            self._file_of_image(arg.id, st, where)
            seen = {arg.id}
            name = self.image_sources.get(arg.id)
            while name is not None and name not in seen and name in st.env:
                seen.add(name)
                current = st.env[name]
                if current.const is not None or _PATHLIKE.search(name):
                    # `Image.open(path)`: the file at the path holds the face, the path does not
                    self._read_as_face_image(current, arg, where, held=False)
                    break
                self._read_as_face_image(current, arg, where)
                if "face-image" not in current.kinds:
                    st.env[name] = join(current, source("face-image", self.step(arg, f"image passed to {where} (as `{arg.id}`)")))
                self._file_of_image(name, st, where)
                name = self.image_sources.get(name)
        elif isinstance(arg, ast.Attribute):
            self._mutate(arg, image, st)
        elif isinstance(arg, ast.Dict):
            for key, sub in zip(arg.keys, arg.values):
                if isinstance(key, ast.Constant) and isinstance(key.value, str) and (key.value in _IMAGE_LOCATION_KEYS or _PATHLIKE.search(key.value)):
                    continue  # `{"S3Object": {"Bucket": b, "Name": k}}`: where the picture is, not it
                if sub is not None:
                    self._mark_image(sub, st, where, inner)
        elif isinstance(arg, (ast.List, ast.Tuple)):
            for sub in arg.elts:
                self._mark_image(sub, st, where, inner)

    def _file_of_image(self, image_name: str, st: State, where: str) -> None:
        """The file object `image_name` was loaded from holds a face image: saving the
        file object stores one (`_saved`), and a parameter it came from is read
        as a face image (`path_params`). Its own value is not facial data: printing an
        upload object prints its file name."""
        name = self.image_files.get(image_name)
        if name is None or name not in st.env:
            return
        current = st.env[name]
        self._read_as_face_image(current, ast.Name(id=name), where, held=False)
        self.path_params.update(p for p in current.params if p < TEXT_PARAM)
        self._tag(name, FACE_FILE, current, st)

    def _literal_key(self, node: ast.AST, text) -> frozenset:
        """The tag of key-sized bytes written in the source at `node` (see `LITERAL`)."""
        if len(text) < 16:
            return frozenset()  # separators, magic numbers, short constants
        tag = f"{LITERAL}{self.module.key}:{self.skey(node)}"
        self.a.sink_sites[tag] = (self.site(node), "key literal", "key", {})
        return frozenset({tag})

    def _literal_key_used(self, key: Val, taker: str) -> None:
        """`key`, given to a cipher (or to a function that gives it to one), may be bytes
        written in the source: reported once, where they are written."""
        for t in sorted(key.types):
            hit = self.a.sink_sites.get(t) if t.startswith(LITERAL) else None
            if hit is not None:
                self.events.key_uses[t] = (hit[0], "literal-key-source", taker)

    def _remember_sent(self, node: ast.Call, sink: str, category: str, details: dict, st: State) -> None:
        """Data not known to be facial reached a sink (a base64 upload logged or inserted
        before it is decoded): the variables passed remember it, so that if one turns out
        to hold a face image (`_mark_image`), this sink got a face image."""
        # registered only where a local can remember it (the cache keeps every registration)
        names = [name for name in _passed_names(node) if name in st.env]
        if not names:
            return
        sink_id = self._pending_sink(node, sink, details, category=category)
        for name in names:
            self._tag(name, HELD + sink_id, st.env[name], st)

    def _file_written(self, call: "_Call", target: tuple, sink: str, data: Val, st: State, returns_name: bool = False) -> str | None:
        """A file written at a path, with content not known to be facial (an upload saved
        to disk). The path variable remembers the write: if the path, or an image loaded
        from it, is given to a face API as its image later, the write stored a face image
        (`_read_as_face_image`). With `returns_name` the call's result names the file
        (Django's `storage.save`): the write's sink id, for the result to remember."""
        flat = data.flattened()
        if flat.kinds or flat.sealed:
            return None  # facial data: `sink` reported it; encrypted: not an image a face API reads
        sink_id = None
        for node, value in self._target_arguments(call, target):
            sink_id = self._path_written(node, value, call.node, sink, st, returns_name) or sink_id
        return sink_id

    def _path_written(self, node: ast.expr, value: Val, at: ast.AST, sink: str, st: State, returns_name: bool = False) -> str | None:
        """The file at the path `node` holds was written by the call `at` (`open(dest,
        "wb")`, `dest.open("wb")`): the path variable (or the parameter) remembers it."""
        params = [p for p in value.params if p < TEXT_PARAM]
        if not (params or isinstance(node, ast.Name) or returns_name):
            return None  # nothing can remember the write (`open("log.txt", "w")`)
        sink_id = self._pending_sink(at, sink, {"store": _store_key(value) if value.const else None, "target": value.const})
        self.written_params.update((p, sink_id) for p in params)
        if isinstance(node, ast.Name):
            self._tag(node.id, WROTE + sink_id, st.env.get(node.id, value), st)
        return sink_id

    def _saved(self, call: "_Call", sink: str, target: tuple, st: State, returns_name: bool = False) -> Val:
        """`upload.save(path)`, `storage.save(name, content)`, `shutil.copy(src, dst)`: what
        is saved is the receiver and the arguments other than the target path. Known facial
        data (an upload a face API already read) is stored now; anything else may turn out
        to be a face image later (`_file_written`). The call's result: the saved file's
        name where the call returns it (`returns_name`)."""
        targets = list(self._target_arguments(call, target))
        paths = {id(node) for node, _ in targets}
        if not paths:
            return EMPTY  # `record.save()`: an ORM save, its fields are the sinks
        kwargs = {kw.arg: kw.value for kw in call.node.keywords if kw.arg}
        content = [
            call.receiver,
            *(v for n, v in zip(call.node.args, call.args) if id(n) not in paths),
            *(v for name, v in call.kwargs.items() if name in kwargs and id(kwargs[name]) not in paths),
        ]
        data = combine(content)
        if FACE_FILE in call.receiver.types:
            data = join(data, source("face-image", self.step(call.node.func, "a file a face API read a face image from"), MEDIUM))
        if MEMORY in targets[-1][1].types:
            self._mutate(targets[-1][0], data, st)  # `img.save(buf)`: the buffer holds it
            return EMPTY
        flat = data.flattened()
        if flat.kinds or flat.sealed:
            value = targets[-1][1]
            self.sink(call.node, sink, "storage", data, st, details={"store": _store_key(value) if value.const else None, "target": value.const})
        sink_id = self._file_written(call, target, sink, data, st, returns_name=returns_name)
        return Val(types=frozenset({WROTE + sink_id})) if returns_name and sink_id else EMPTY

    def _written_to_memory(self, call: "_Call", target: tuple, data: tuple, st: State) -> bool:
        """`np.save(buf, emb)`, `pickle.dump(obj, buf)` into an `io.BytesIO`: the buffer
        now holds the data (stored when the buffer's content is written somewhere)."""
        targets = list(self._target_arguments(call, target))
        if not targets or MEMORY not in targets[-1][1].types:
            return False
        self._mutate(targets[-1][0], self._select(call, data), st)
        return True

    def _pending_sink(self, node: ast.AST, sink: str, details: dict, part: str = "", category: str = "storage") -> str:
        """Register a write (or send) whose content is not known to be facial; its sink id
        (`part` tells apart the files one call writes, as `objects.create` does per field)."""
        # its own id: the call may also be a sink of its data (`pickle.dump(obj, path)`)
        sink_id = f"{self.module.key}:{self.skey(node)}:{category}{':' + part if part else ''}{WRITTEN}"
        self.a.sink_sites[sink_id] = (self.site(node), sink, category, details)
        return sink_id

    def _target_arguments(self, call: "_Call", target: tuple):
        """(node, value) of the arguments a catalog's `target` names."""
        node = call.node
        for item in target:
            if isinstance(item, int) and item < len(node.args) and not isinstance(node.args[item], ast.Starred):
                yield node.args[item], call.args[item]
                return
            if isinstance(item, str):
                for kw in node.keywords:
                    if kw.arg == item:
                        yield kw.value, call.kwargs[item]
                        return

    @staticmethod
    def _tag(name: str, tag: str, current: Val, st: State) -> None:
        """The local `name` (holding `current`) remembers a pending sink."""
        if tag not in current.types:
            st.env[name] = current.replace(types=current.types | {tag})

    def _read_as_face_image(self, value: Val, node: ast.AST, where: str, held: bool = True, inner: tuple = ()) -> None:
        """A face API reads `value` as its image: the files written at that path (as
        `_file_written` remembered) hold a face image, and so did every sink the value
        itself reached before (`_remember_sent`; `held=False` for a path, whose own
        sinks saw only its name)."""
        for t in sorted(value.types):
            if t.startswith(WROTE):
                sink_id = t[len(WROTE):]
            elif held and t.startswith(HELD):
                sink_id = t[len(HELD):]
            else:
                continue
            hit = self.a.sink_sites.get(sink_id)
            if hit is None:
                continue
            site, sink, _, details = hit
            if t.startswith(WROTE):
                image = source("face-image", self.step(node, f"the file is read as a face image by {where}"), MEDIUM)
                trace = (*image.trace, *inner, site.step(f"the face image was written to the file by `{sink}`"))
            else:
                image = source("face-image", self.step(node, f"the same data is given to {where} as a face image"), MEDIUM)
                trace = (*image.trace, *inner, site.step(f"it reached `{sink}` before"))
            if details.get("store"):
                self.a.write_state(("store", details["store"]), image.with_step(trace[-1]), self)
            self.a.record_remote_sink(sink_id, image, trace, MEDIUM, self)

    def _literal_of(self, node: ast.expr):
        """A literal argument, or the module-level constant a name (`ACTIONS`) or a project
        module's attribute (`cfg.ACTIONS`) is bound to."""
        lit = _literal(node)
        if lit is not None:
            return lit
        if isinstance(node, ast.Name) and node.id not in self._locals():
            return self.a.module_literal(self.module, node.id)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id not in self._locals():
            source = self.a._imported_module(self.module, node.value.id)
            if source in self.a.index.modules:
                return self.a.module_literal(self.a.index.modules[source], node.attr)
        if isinstance(node, ast.Attribute):
            # an attribute of an instance bound once to a literal (`self._actions`, a
            # settings object's dataclass default)
            owner = self.memo.get(id(node.value), EMPTY)
            keys = sorted({t.split(":", 1)[1] for t in owner.types if t.startswith(("pinst:", "cls:"))} & set(self.a.index.classes))
            literals = [self._instance_literal(k, node.attr) for k in keys]
            if len(literals) == 1 or (literals and all(lit == literals[0] for lit in literals)):
                return literals[0]
        return None

    def _instance_literal(self, cls_key: str, attr: str):
        """What an attribute of the class's instances is bound to in the code, or the list
        every constructor call gives it (`self._actions = tuple(actions)`)."""
        found = self.a.class_literal(self.a.index.classes[cls_key], attr)
        if found is not None:
            return found
        given = self.a.read_state(("fieldliteral", cls_key, attr), self)
        return json.loads(given.const) if given is not None and isinstance(given.const, str) else None

    def _literal_arguments(self, call: "_Call") -> dict:
        out = {}
        for i, a in enumerate(call.node.args):
            lit = self._literal_of(a)
            if lit is not None:
                out[str(i)] = lit
        for kw in call.node.keywords:
            if kw.arg:
                lit = self._literal_of(kw.value)
                if lit is not None:
                    out[kw.arg] = lit
                else:
                    const = self.memo.get(id(kw.value), EMPTY).const
                    if const is not None:
                        out[kw.arg] = const
        return out

    def _when_matches(self, when, call: "_Call") -> bool:
        """Whether a catalog entry's `when` condition holds: the argument is a string
        constant (`equals`/`contains`) or a literal (`landmarks=True`, `equals`); with
        `negate`, whether it does not (also when the argument is not given)."""
        return self._when_holds(when, call) != bool(when.get("negate"))

    def _when_holds(self, when, call: "_Call") -> bool:
        value = None
        index = when.get("arg")
        if index is not None and index < len(call.args):
            value = call.args[index].const
            if value is None:
                value = self._literal_of(call.node.args[index])
        keyword = when.get("keyword")
        if value is None and keyword and keyword in call.kwargs:
            value = call.kwargs[keyword].const
            if value is None:
                value = next((self._literal_of(kw.value) for kw in call.node.keywords if kw.arg == keyword), None)
        if value is None:
            return False
        if "equals" in when:
            return any(value == wanted and type(value) is type(wanted) for wanted in when["equals"])
        if "contains" in when:
            return isinstance(value, str) and any(part in value for part in when["contains"])
        return True

    def _select(self, call: "_Call", spec: tuple) -> Val:
        out = EMPTY
        for item in spec:
            if item == "receiver":
                out = join(out, call.receiver)
            elif isinstance(item, int):
                if item < len(call.args):
                    out = join(out, call.args[item])
            elif isinstance(item, str) and item.startswith("rest:"):
                start = int(item[5:])
                for a in call.args[start:]:
                    out = join(out, a.data_only())
            elif item == "*":
                for name, value in call.kwargs.items():
                    out = join(out, value.data_only())
            elif item in call.kwargs:
                out = join(out, call.kwargs[item])
        return out

    def _deletion(self, call: "_Call", how: str, st: State) -> None:
        stores = set()
        # (an S3 bucket's name says which bucket, not which of its objects are deleted)
        for value in (*call.args, *(v for k, v in call.kwargs.items() if k not in ("Bucket", "bucket", "bucket_name")), call.receiver):
            key = _store_key(value) if value.const or value.store else None
            if key:
                stores.add(key)
        for t in call.receiver.types:
            if t.startswith(FILE_FIELD):
                stores.add(t)  # the files a model's file field keeps
            if t.startswith(("pinst:", "manager:", "managerop:")):
                cls = self.a.index.classes.get(t.split(":", 1)[1].rsplit(".", 1)[0] if t.startswith("managerop:") else t.split(":", 1)[1])
                if cls is not None:
                    stores.add(f"table:{cls.qualname}")
        # a model class or row given to the deletion (SQLAlchemy `delete(Template)`,
        # `session.delete(row)`)
        for value in (*call.args, *call.kwargs.values()):
            for t in value.types:
                if t.startswith(("pinst:", "cls:")):
                    cls = self.a.index.classes.get(t.split(":", 1)[1])
                    if cls is not None and self.a.is_orm_model(cls):
                        stores.add(f"table:{cls.qualname}")
        self.events.deletions[self.skey(call.node)] = (self.site(call.node), how, frozenset(stores))

    def _sql_call(self, call: "_Call", st: State, receiver_name: str | None) -> Val:
        """`cursor.execute(SQL, params)`: a write stores the parameters; a read of a table
        that facial data was written to makes the cursor hold that data, and so does the
        cursor the call returns (`for row in conn.execute("SELECT ...")`)."""
        node = call.node
        sql = call.args[0].const
        table = _sql_table(sql)
        receiver = node.func.value if isinstance(node.func, ast.Attribute) else None
        label = f"{receiver_name}.{call.method}" if receiver_name else (call.method or "execute")
        if _SQL_DELETION.match(sql):
            self.events.deletions[self.skey(node)] = (self.site(node), sql.split("\n")[0][:80], frozenset({f"table:{table}"} if table else ()))
            return EMPTY
        if self.k.sql_write.match(sql):
            data = combine([*call.args[1:], *(v for k, v in call.kwargs.items() if k in ("params", "parameters", "args", "vars"))])
            columns = _sql_written_columns(sql)
            params = node.args[1] if len(node.args) > 1 else None
            if columns and isinstance(params, (ast.Tuple, ast.List)) and len(params.elts) >= len(columns):
                # keep which column holds what, so `SELECT name` later is not the template
                by_column: dict[str, Val] = {}
                for column, element in zip(columns, params.elts):
                    # a column named twice (`SET %s = %s, %s = %s` built at run time) holds both
                    by_column[column] = join(by_column.get(column, EMPTY), self.memo.get(id(element), EMPTY).data_only())
                data = bounded(Val(fields=tuple(sorted(by_column.items()))))
            self.sink(node, label, "storage", data, st, details={"store": f"table:{table}" if table else None, "sql": sql})
            return EMPTY
        read = Val(consent=True) if call.args[0].consent else EMPTY
        if table:
            stored = self.a.read_state(("store", f"table:{table}"), self)
            if stored is not None:
                selected = _sql_selected_columns(sql)
                step = self.step(node, f"read back from table `{table}`")
                if stored.fields and selected is not None:
                    # rows of the selected columns: `row["probe"]` is that column, `row["id"]`
                    # holds none of it
                    row = {c: _downgrade(stored.field(c).flattened()).with_step(step) if stored.field(c) is not None else EMPTY for c in selected}
                    if any(v.tainted for v in row.values()):
                        read = join(read, bounded(Val(fields=((ROWS, Val(fields=tuple(sorted(row.items())))),))))
                elif stored.tainted:
                    read = join(read, _downgrade(stored.flattened()).with_step(step))
        if isinstance(receiver, ast.Name):
            st.env[receiver.id] = join(st.env.get(receiver.id, EMPTY), read)
        return read

    def unresolved_call(self, call: "_Call", st: State) -> Val:
        """A call whose target is not known (a method on an untyped object)."""
        k = self.k
        rows = self._orm_statement("", call)
        if rows is not None:
            return rows
        if MEMORY in call.receiver.types and call.method in ("write", "writelines") and isinstance(call.node.func, ast.Attribute):
            self._mutate(call.node.func.value, combine(call.args), st)  # `buf.write(data)`
            return EMPTY
        if call.method in _SAME_TEXT_METHODS and any(t.startswith(LITERAL) for t in call.receiver.types):
            # `KEY.encode()`: the same key bytes written in the source
            return Val(types=frozenset(t for t in call.receiver.types if t.startswith(LITERAL)))
        method = call.method
        node = call.node
        data = combine([*call.args, *call.kwargs.values()])
        if method in k.record_reader_methods and any(t.startswith("pinst:") for t in call.receiver.types):
            # `event.model_dump()`, `event.json()`: every field of the record, or those
            # `include=`/`exclude=` name (`model_dump(exclude={"embedding"})`)
            shape = self._record_shape(call.receiver)
            for keyword, keep in (("include", True), ("exclude", False)):
                named = next((_literal(kw.value) for kw in node.keywords if kw.arg == keyword), None)
                if isinstance(named, (set, frozenset, list, tuple, dict)):
                    names = {str(n).lstrip(REPR_HIDDEN) for n in named}
                    shape = shape.replace(fields=tuple(f for f in shape.fields if (f[0].lstrip(REPR_HIDDEN) in names) == keep))
            return shape.flattened()
        if method == "get" and call.args and isinstance(call.args[0].const, str) and (call.receiver.fields or (len(call.receiver.params) == 1 and not call.receiver.kinds)):
            # `resp.get("result", [])` is `resp["result"]` (or the default): the fields of
            # an API result keep their kinds; `kwargs.get("score")` is the `score=` keyword
            return join(self._keyed(call.receiver, call.args[0].const), combine(call.args[1:]))
        if method is not None:
            receiver_name = _dotted(node.func.value) or ""
            if method in k.logger_methods and receiver_name and k.logger_names.match(receiver_name):
                self.sink(node, f"{receiver_name}.{method}", "log", self._printed_args(call), st)
                return EMPTY
            if method in ("pop", "popitem", "remove", "discard", "clear"):
                self._entry_removed(node, call.receiver)
            if k.deletion_methods.match(method):
                self._deletion(call, f"{receiver_name}.{method}" if receiver_name else method, st)
            if method in k.file_write_methods:
                self._saved(call, f"{receiver_name}.{method}" if receiver_name else method, k.file_write_method_target, st)
            if method in k.storage_methods:
                self.sink(node, f"{receiver_name}.{method}" if receiver_name else method, "storage", data, st, details={"store": f"collection:{receiver_name}"})
                return EMPTY
            if method in ("execute", "executemany") and call.args and call.args[0].const:
                return self._sql_call(call, st, receiver_name)
            if method in k.fallback_methods:
                return self._non_face_check(call.node, f"{receiver_name}.{method}")
            if k.consent_functions.match(method):
                return self._consent_check(call, st)
            ends = k.action_ends(method) or (k.action_ends(f"{receiver_name}.{method}") or k.action_ends(receiver_name) if receiver_name else frozenset())
            if ends:
                self.action(node, ends, st)
            if method in k.insert_methods and isinstance(node.func, ast.Attribute):
                if method in _ONE_ITEM_INSERTS and call.args and not call.kwargs:
                    # one item goes in as it is: a list of per-face records keeps each
                    # record's shape (`faces.append({"embedding": e, "img": crop})`)
                    self._mutate(node.func.value, self._record_shape(call.args[-1]), st)
                elif method == "extend" and len(call.args) == 1 and not call.kwargs:
                    # its items go in as items: `faces.extend(process(img))` keeps each
                    # record's shape
                    self._mutate(node.func.value, self._record_shape(call.args[0]), st)
                else:
                    self._mutate(node.func.value, data, st)
                return EMPTY
            if method in k.compare_methods:
                # `probe.dot(known)` is a similarity score; `landmarks.dot(projection)` is
                # still facial geometry
                how = f"{receiver_name}.{method}" if receiver_name else method
                score = combine([call.receiver.clean(), data.clean()])
                matched = self._face_match(node, [node.func.value, *node.args], how, score, combine([call.receiver, data]).data_only())
                if matched is not None:
                    return matched
            if method in k.reduction_methods:
                how = f"{receiver_name}.{method}" if receiver_name else method
                reduced = self._reduction(node, node.func.value, call.receiver, how, _whole_reduction(call, of_receiver=True))
                if reduced is not None:
                    return reduced
            if method in k.clean_methods:
                return combine([call.receiver.clean(), data.clean()])
            if method == "item" and not call.args:
                # `loss.item()`: the number in a one-element tensor or array
                return _number_of(call.receiver)
            if call.receiver.field(ROWS) is not None and method in _ROW_FETCHES:
                # rows of a query keep their columns (`cur.fetchall()`, `.fetchone()`)
                return _element(call.receiver) if _ROW_FETCHES[method] else call.receiver.data_only()
            if method == "items" and not call.args:
                return _positions([EMPTY, call.receiver.flattened().data_only()])
            if method == "values" and not call.args:
                return call.receiver.flattened().data_only()
            if method == "get" and call.args and call.args[0].const is not None:
                fld = call.receiver.field(call.args[0].const)
                value = fld if fld is not None else call.receiver.flattened().data_only()
                if k.consent_attributes.match(call.args[0].const):
                    value = value.replace(consent=True)
                return value
            return combine([call.receiver, data]).data_only()
        name = _dotted(node.func) or ""
        if name and k.consent_functions.match(name):
            return self._consent_check(call, st)
        return data.data_only()

    def _face_match(self, at: ast.AST, nodes: list[ast.expr], how: str, score: Val, otherwise: Val) -> Val | None:
        """Two face templates compared by hand (`np.dot(known, probe) > 0.5`,
        `norm(a - b)`, `known @ probe`): `score` deciding a face match, like a catalogued
        `verify` call at `at`. One side must hold a template the analysis traced; the other
        may be a stored one it only knows by name (`user.face_encoding`). When parameters
        stand where templates would, `otherwise` (the value as if nothing were compared)
        carries a conditional match that callers passing templates decide. None when
        `nodes` cannot be two templates."""
        def traced(node: ast.expr) -> bool:
            return "template" in self.memo.get(id(node), EMPTY).all_kinds()

        def template_like(node: ast.expr) -> bool:
            return traced(node) or _named_like_template(node)

        if len(nodes) == 1 and isinstance(nodes[0], ast.BinOp) and isinstance(nodes[0].op, ast.Sub):
            nodes = [nodes[0].left, nodes[0].right]  # norm(a - b)
        elif len(nodes) < 2:
            return None
        if any(traced(n) for n in nodes) and sum(1 for n in nodes if template_like(n)) >= 2:
            label = f"M:{self.label(at)}"
            self.events.decisions[label] = (self.site(at), how)
            return score.replace(gates=gates_and(score.gates, frozenset({frozenset({label})})))
        # Inside a helper (`def similarity(a, b): return np.dot(a, b)`) it is a match where
        # callers pass templates for those parameters: decided at their calls.
        params = [self.memo.get(id(n), EMPTY).all_params() for n in nodes]
        if not any(params) or not all(p or template_like(n) for p, n in zip(params, nodes)):
            return None
        label = f"Q:{','.join(str(min(p)) for p in params if p)}|{how}"
        return otherwise.replace(gates=gates_and(otherwise.gates, frozenset({frozenset({label})})))

    def _reduction(self, at: ast.AST, array: ast.expr, value: Val, how: str, whole: bool) -> Val | None:
        """A reduction of an array: a face match when the array is the product or
        difference of two templates (`np.sum(a * b)`, `((a - b) ** 2).sum()`, also along
        an axis: `np.sum(gallery * probe, axis=1)` scores a probe against each stored
        face); otherwise no facial data when the whole array becomes one number. None when
        it is still an array of the data (`np.mean(encodings, axis=0)`)."""
        score = value.clean()
        matched = self._face_match(at, _operands(array), how, score, score if whole else value.data_only())
        if matched is not None:
            return matched
        return score if whole else None

    def _consent_check(self, call: "_Call", st: State) -> Val:
        """A consent call whose code bioaudit cannot read: called as a statement it
        enforces consent; used in a condition it is a predicate."""
        if call.statement:
            st.consented = True
        return Val(consent=True)

    def _non_face_check(self, node: ast.AST, how: str) -> Val:
        """A password/OTP/PIN/card/document check at `node`: its result gates with a
        non-face label."""
        label = f"N:{self.label(node)}"
        self.events.fallbacks[label] = (self.site(node), how)
        return Val(gates=frozenset({frozenset({label})}))

    # -- events -------------------------------------------------------------------------
    def sink(self, node: ast.AST, sink: str, category: str, value: Val, st: State, details: dict | None = None) -> None:
        if ANONYMISED in value.types:
            value = _without_face_images(value)
        flat = value.flattened()
        raw = flat.kinds
        details = dict(details or {})
        sink_id = f"{self.module.key}:{self.skey(node)}:{category}"
        site = self.site(node)
        if str(details.get("store") or "").startswith(PARAM_STORE):
            details["target_param"] = int(details.pop("store")[len(PARAM_STORE):])
            details["store"] = None
        if category in ("storage", "network") and details.get("store") and (raw or flat.sealed):
            kept = value.data_only() if value.fields else flat
            self.a.write_state(("store", details["store"]), kept.with_step(self.step(node, f"written to `{details['store']}`")), self)
        if "key" in raw and (flat.sealed or raw & RAW_KINDS) and category == "storage":
            self.events.key_uses[self.skey(node)] = (site, "key-stored", sink)
        if not (raw or flat.sealed) and isinstance(node, ast.Call):
            self._remember_sent(node, sink, category, details, st)
        if not (raw or flat.sealed or flat.params or flat.sealed_params):
            return
        if value.fields and category == "storage" and details.get("store"):
            # where each parameter sits in the record written (a table's column, a key of
            # the JSON written): callers keep their data there (see `project_call`)
            placed = {
                str(p): sorted(name for name, sub in value.fields if p in sub.all_params() or p in sub.flattened().sealed_params)
                for p in flat.params | flat.sealed_params if p < TEXT_PARAM
            }
            details["param_fields"] = {p: names for p, names in placed.items() if names}
        self.a.sink_sites[sink_id] = (site, sink, category, details)
        if raw or flat.sealed:
            hit = SinkHit(site, sink, category, flat.with_step(self.step(node, f"reaches `{sink}`")), details)
            key = (self.skey(node), category)
            if key not in self.events.sinks:
                self.events.sinks[key] = hit
            else:
                prev = self.events.sinks[key]
                self.events.sinks[key] = SinkHit(site, sink, category, join(prev.value, hit.value), details)
        for p in flat.params:
            self.param_sinks.setdefault((p, sink_id), (self.step(node, f"reaches `{sink}`"),))
        for p in flat.sealed_params:
            self.param_sinks.setdefault((p, sink_id + ":sealed"), (self.step(node, f"reaches `{sink}` encrypted"),))
            sealed_details = {**details, "sealed": True}
            if "key" in raw and category == "storage":
                # the key is written with what callers encrypt here (one JSON envelope)
                sealed_details["key_trace"] = flat.trace[:1]
            self.a.sink_sites[sink_id + ":sealed"] = (site, sink, category, sealed_details)

    def action(self, node: ast.AST, ends: frozenset, st: State, extra_gates=frozenset()) -> None:
        gates = gates_and(st.gates, extra_gates) if extra_gates else st.gates
        # one event per end set: a call reaching attendance only after a face match and
        # the door also after a card keeps the card from covering attendance
        key = (self.skey(node), ends)
        prev = self.events.actions.get(key)
        if prev is not None:
            gates = gates_or(prev.gates, gates)
        self.events.actions[key] = ActionEvent(self.site(node), ends, gates)
        for end in ends:
            self.actions.add((end, gates))


def _names_loaded(node: ast.AST) -> set[str]:
    """Names a statement reads (an augmented assignment's target too; nested scopes not)."""
    found: set[str] = set()
    todo = [node]
    while todo:
        current = todo.pop()
        kind = type(current)
        if kind is ast.Name:
            if type(current.ctx) is not ast.Store:
                found.add(current.id)
        elif kind is ast.AugAssign and type(current.target) is ast.Name:
            found.add(current.target.id)
            todo.append(current.value)
        elif not isinstance(current, SCOPES):
            todo.extend(children(current))
    return found


def _names_stored(node: ast.AST) -> set[str]:
    """Names a statement may assign (nested scopes not)."""
    found: set[str] = set()
    todo = [node]
    while todo:
        current = todo.pop()
        if type(current) is ast.Name:
            if type(current.ctx) is not ast.Load:
                found.add(current.id)
        elif not isinstance(current, SCOPES):
            todo.extend(children(current))
    return found


def _target_names(target: ast.expr) -> list[str]:
    """The names an assignment target binds outright (`a`, `a, (b, *c)`), not `a.x` or `a[i]`."""
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, ast.Starred):
        return _target_names(target.value)
    if isinstance(target, (ast.Tuple, ast.List)):
        return [n for element in target.elts for n in _target_names(element)]
    return []


def _has_own_jump(body: list[ast.stmt]) -> bool:
    """A `break` or `continue` of this loop (not of a nested loop or function)."""
    todo = list(body)
    while todo:
        current = todo.pop()
        if isinstance(current, (ast.Break, ast.Continue)):
            return True
        if isinstance(current, (ast.For, ast.AsyncFor, ast.While)):
            todo.extend(current.orelse)  # a jump in a nested loop's `else` is this loop's
        elif isinstance(current, ast.stmt) and not isinstance(current, SCOPES):
            todo.extend(c for c in children(current) if isinstance(c, (ast.stmt, ast.excepthandler, ast.match_case)))
        elif isinstance(current, (ast.excepthandler, ast.match_case)):
            todo.extend(current.body)
    return False


def _dispatch(prefix: str) -> dict:
    """Node type -> handler, built once (getattr per node is measurably slower)."""
    table = {}
    for name in dir(FunctionAnalyzer):
        if name.startswith(prefix):
            node_type = getattr(ast, name[len(prefix):], None)
            if isinstance(node_type, type):
                table[node_type] = getattr(FunctionAnalyzer, name)
    return table


_STMT_DISPATCH = _dispatch("s_")
_EXPR_DISPATCH = _dispatch("e_")


class _Call:
    __slots__ = ("node", "callee", "receiver", "method", "args", "kwargs", "statement")

    def __init__(self, node, callee, receiver, method, args, kwargs, statement):
        self.node = node
        self.callee = callee
        self.receiver = receiver
        self.method = method
        self.args = args
        self.kwargs = kwargs
        self.statement = statement


# -- helpers ---------------------------------------------------------------------------
def gates_or_all(gates_list):
    out = frozenset()
    for g in gates_list:
        out = gates_or(out, g)
    return out


class _ArgValues(dict):
    """A call's argument values by the callee's parameter index. Index `TEXT_PARAM + i` is
    argument i where the callee knows it is text (see `_narrow`), built only when a
    summary asks for it."""

    __slots__ = ("analyzer",)

    def __missing__(self, index: int) -> Val:
        if index < 0:
            # an attribute of an argument (see `attribute_param`), maybe as a number
            decoded = param_of_attribute(index)
            if decoded is not None and decoded[0] in self:
                path = decoded[1]
                marks = path[: len(path) - len(path.lstrip(_MARKS))]
                value = whole = self[decoded[0]]
                for segment in _PATH_SEGMENT.findall(path[len(marks):]):
                    if segment == "[*]":
                        value = _element(value)
                    elif segment == "[?]":
                        # an item at a key or position not known: a mapping's values
                        value = value.flattened().data_only() if value.field(MAPPED) is not None else _element(value)
                    elif segment.startswith("["):
                        # a key or position: what the argument holds there
                        value = self.analyzer._keyed(value, segment[1:-1])
                    else:
                        value = self.analyzer.attribute(value, segment, None)
                for mark in reversed(marks):
                    value = _number_of(value) if mark == NUMBER_MARK else _as_text(value) if mark == TEXT_MARK else value.sealed_version() if mark == SEALED_MARK else _decrypted(value)
                if ANONYMISED in whole.types and ANONYMISED not in value.types:
                    value = value.replace(types=value.types | {ANONYMISED})  # a part of a blurred picture
                self[index] = value
                return value
            raise KeyError(index)
        if index >= NUMBER_PARAM and (index - NUMBER_PARAM) in self:
            value = self[index] = _number_of(self[index - NUMBER_PARAM])
            return value
        if index >= TEXT_PARAM and dict.__contains__(self, index - TEXT_PARAM):
            value = self[index] = _as_text(dict.__getitem__(self, index - TEXT_PARAM))
            return value
        if KEYWORD_PARAM <= index < TEXT_PARAM and dict.__contains__(self, KWARGS_SPLAT):
            return dict.__getitem__(self, KWARGS_SPLAT)  # `**mapping` may hold any key
        raise KeyError(index)

    def __contains__(self, index: object) -> bool:
        if dict.__contains__(self, index):
            return True
        if not isinstance(index, int):
            return False
        if index < 0:
            decoded = param_of_attribute(index)
            return decoded is not None and decoded[0] in self
        if index >= NUMBER_PARAM:
            return (index - NUMBER_PARAM) in self
        return (index >= TEXT_PARAM and dict.__contains__(self, index - TEXT_PARAM)) or (KEYWORD_PARAM <= index < TEXT_PARAM and dict.__contains__(self, KWARGS_SPLAT))

    def get(self, index: int, default: Val | None = None) -> Val | None:  # type: ignore[override]
        try:
            return self[index]
        except KeyError:
            return default


def _arg_slots(info: FunctionInfo, call: "_Call", bound: bool) -> list[tuple[int, ast.expr, Val, bool]]:
    """How `call`'s arguments bind to the callee's parameters: (parameter index, argument
    expression, its value, whether it is the parameter's only argument) for each argument
    that binds; a bound method's receiver takes parameter 0. Arguments collected by
    `*args`/`**kwargs`, and starred or `**` arguments, are not a parameter's only one."""
    params = info.params
    offset = 1 if bound and params else 0
    star = next((i for i, p in enumerate(params) if p.startswith("*") and not p.startswith("**")), None)
    kwstar = next((i for i, p in enumerate(params) if p.startswith("**")), None)
    names = {p.lstrip("*"): i for i, p in enumerate(params)}
    slots = []
    for position, (node, value) in enumerate(zip(call.node.args, call.args)):
        index = position + offset
        if star is not None and index >= star:
            slots.append((star, node, value, False))
        elif index < len(params):
            slots.append((index, node, value, not isinstance(node, ast.Starred)))
    for kw in call.node.keywords:
        name = kw.arg or "**"
        if name in names:
            slots.append((names[name], kw.value, call.kwargs[name], True))
        elif kwstar is not None:
            slots.append((kwstar, kw.value, call.kwargs[name], False))
    return slots


def _subst_gates(gates, argvals: dict[int, Val], match=None):
    """Gates of a callee's result or action, in the caller: `P:<i>` becomes what argument
    i depends on; `Q:<i,j>|how` (a face match if the arguments are templates) becomes
    what `match(indices, how)` decides at the call (an `M:` label, a `Q:` label over the
    caller's own parameters, or nothing)."""
    if not gates or not any(label.startswith(("P:", "Q:")) for label in gate_labels(gates)):
        return gates
    out = frozenset()
    for conj in gates:
        base = frozenset({frozenset(l for l in conj if not l.startswith(("P:", "Q:")))})
        for label in conj:
            if label.startswith("P:"):
                arg = argvals.get(int(label[2:]))
                if arg is not None and arg.gates:
                    base = gates_and(base, arg.gates)
            elif label.startswith("Q:") and match is not None:
                decided = match(*_compared(label))
                if decided:
                    base = gates_and(base, frozenset({frozenset({decided})}))
        out = gates_or(out, frozenset(c for c in base if c) or frozenset())
    return out


def _asked_once(match):
    """`match` evaluated once per (parameters, how) at a call: the result's gates, each of
    its fields' gates and `_matched_params` all ask about the same `Q:` labels."""
    answers: dict = {}

    def once(indices: list[int], how: str) -> str | None:
        key = (tuple(indices), how)
        if key not in answers:
            answers[key] = match(indices, how)
        return answers[key]

    return once


def _compared(label: str) -> tuple[list[int], str]:
    """The parameters a `Q:<i,j>|how` label compares, and how."""
    indices, _, how = label[2:].partition("|")
    return [int(i) for i in indices.split(",")], how


def _matched_params(gates, match) -> frozenset:
    """The parameters a callee's result compares as templates (`Q:` labels in every
    conjunct of its gates) where this call's `match` decides that they are templates."""
    common = None
    for conj in gates:
        found: set[int] = set()
        for label in conj:
            if label.startswith("Q:"):
                params, how = _compared(label)
                if (match(params, how) or "").startswith("M:"):
                    found.update(params)
        common = found if common is None else common & found
    return frozenset(common or ())


def _as_text(value: Val) -> Val:
    """What `value` can be where it is known to be text: no face image (pixels), at any
    depth, and the caller's own parameters in it known to be text too."""
    if "face-image" not in value.all_kinds() and not any(p < TEXT_PARAM for p in value.all_params()):
        return value
    fields = tuple((key, _as_text(sub)) for key, sub in value.fields)
    params = frozenset(_text_param(p) for p in value.params)
    return value.replace(kinds=value.kinds - {"face-image"}, params=params, fields=fields)


def _as_number(value: Val) -> Val:
    """A number computed from `value` (`float(x)`, `int(v)`): a template's items stay the
    template (`[float(x) for x in emb]`), other facial data (a landmark, a box coordinate)
    becomes a plain number. Parameters become "parameter i as a number" (see
    `number_param`): callers passing a template still pass it."""
    if not value.params:
        return value.clean()
    # parameters compared as face templates (`float(gallery @ probe)`) give a score
    scored = {i for label in gate_labels(value.gates) if label.startswith("Q:") for i in _compared(label)[0]}
    params = frozenset(q for q in (number_param(p) for p in value.params if p not in scored) if q is not None)
    return value.clean().replace(params=params) if params else value.clean()


def _number_of(value: Val) -> Val:
    return value if "template" in value.all_kinds() else _as_number(value.flattened())


def _without_face_images(value: Val) -> Val:
    """`value` with no face image at any depth (an anonymised picture)."""
    if "face-image" not in value.all_kinds():
        return value
    fields = tuple((key, _without_face_images(sub)) for key, sub in value.fields)
    return value.replace(kinds=value.kinds - {"face-image"}, fields=fields)


def _downgrade(value: Val, cap: int = MEDIUM) -> Val:
    """Facial data that crossed a function boundary or shared state: medium confidence
    (`cap`: low where it crossed into a callback that is only maybe the one called)."""
    if value.conf > cap and value.all_kinds():
        return value.replace(conf=cap, fields=tuple((k, _downgrade(v, cap)) for k, v in value.fields))
    return value


MAPPED = "*"  # field holding the values stored under keys not known statically
ROWS = "#rows"  # field holding one row of an array of per-face rows (see `_rows`)


def _columns(row: Val, index: ast.expr) -> Val | None:
    """`row[:4]`, `row[4:14]`, `row[-1]` on a per-face row with column fields: what those
    columns hold. None when `row` has no columns or the index is not a constant."""
    spans = []
    for key, value in row.fields:
        if key.startswith("[") and key.endswith("]") and ":" in key:
            start, _, stop = key[1:-1].partition(":")
            spans.append((int(start), int(stop), value))
    if not spans:
        return None
    width = max(stop for _, stop, _ in spans)

    def position(node: ast.expr | None, default: int) -> int | None:
        if node is None:
            return default
        number = _literal(node)
        if isinstance(number, bool) or not isinstance(number, int):
            return None
        return number + width if number < 0 else number

    if isinstance(index, ast.Slice):
        if index.step is not None:
            return None
        low, high = position(index.lower, 0), position(index.upper, width)
    else:
        low = position(index, 0)
        high = None if low is None else low + 1
    if low is None or high is None:
        return None
    out = EMPTY
    for start, stop, value in spans:
        if start < high and low < stop:
            out = join(out, value)
    return out


def _element(container: Val) -> Val:
    """An element of a container (iteration, indexing): same data, same item fields.
    Iterating a mapping yields its keys, which hold none of its values; an array of
    per-face rows yields a row."""
    if container is EMPTY:
        return EMPTY
    rows = container.field(ROWS)
    if rows is not None:
        return rows
    if container.field(MAPPED) is not None and not container.kinds:
        return container.clean()
    if not container.tainted and any(not t.startswith(_MARKER_TAGS) for t in container.types):
        # an object (an instance, a module): its items are not data it was given; the
        # rows of a queryset are instances of its model; the items of a parameter typed
        # by its annotation (`templates: list[Template]`) are what callers put in it
        rows = frozenset(f"pinst:{t[len(QUERYSET):]}" for t in container.types if t.startswith(QUERYSET))
        return Val(types=rows, params=container.params, gates=container.gates, consent=container.consent)
    # an element of a parameter: what callers' containers hold (`for name, enc in known:`
    # in a helper gets the names and templates its callers pass, apart)
    part = _part_of(container, "[*]")
    if part is not None:
        return part
    return container.replace(types=frozenset(), const=None, store=None)


def _param_positions(value: Val, count: int) -> list[Val] | None:
    """`a, b = value` where `value` is (a part of) one parameter: each position a part of
    its own (see `param_part`)."""
    parts = [_part_of(value, f"[{i}]") for i in range(count)]
    return None if any(p is None for p in parts) else parts


_NUMBER_CALLS = frozenset(_NUMERIC_BUILTINS) - {"sum"}  # a sum of a point's coordinates is not the point


def _numbers_of_names(node: ast.expr, names: set[str]) -> bool:
    """Is `node` numbers made of the loop's own names (`round(x, 5)`, `[float(p.x), float(p.y)]`)?"""
    if isinstance(node, (ast.Tuple, ast.List)):
        return bool(node.elts) and all(_numbers_of_names(e, names) for e in node.elts)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _NUMBER_CALLS and node.args:
        root = node.args[0]
        while isinstance(root, (ast.Attribute, ast.Subscript)):
            root = root.value
        return isinstance(root, ast.Name) and root.id in names
    return False


def _positions(values: list[Val]) -> Val:
    """A tuple shape (each iteration item of `enumerate`, `zip`, `dict.items`)."""
    return bounded(Val(fields=tuple(sorted((str(i), v) for i, v in enumerate(values)))))


def _passed_names(node: ast.Call) -> list[str]:
    """Local names a call's arguments pass as they are: plain names, the items of tuple and
    list literals (`execute(sql, (photo,))`) and the pieces of f-strings and `%`/`+`
    formatting (`log.info(f"photo {photo}")`)."""
    names: list[str] = []
    todo = [*node.args, *(kw.value for kw in node.keywords)]
    while todo:
        arg = todo.pop()
        if isinstance(arg, ast.Name):
            names.append(arg.id)
        elif isinstance(arg, (ast.Tuple, ast.List)):
            todo.extend(arg.elts)
        elif isinstance(arg, ast.JoinedStr):
            todo.extend(v.value for v in arg.values if isinstance(v, ast.FormattedValue))
        elif isinstance(arg, ast.BinOp) and isinstance(arg.op, (ast.Mod, ast.Add)):
            todo.extend((arg.left, arg.right))
        elif isinstance(arg, ast.Starred):
            todo.append(arg.value)
    return names


def _with_writes(result: Val, path: Val) -> Val:
    """`result` (an image loaded from `path`) with the file writes `path` remembers."""
    written = frozenset(t for t in path.types if t.startswith(WROTE))
    return result.replace(types=result.types | written) if written else result


def _encrypting(call: "_Call", keywords: tuple) -> bool:
    """The call asks the service to encrypt at rest: one of `keywords` is given, or for
    "Keyword.Key" the keyword's dict holds that key (`ExtraArgs={"ServerSideEncryption":
    ...}`; a dict whose keys are not known counts)."""
    for keyword in keywords:
        name, _, key = keyword.partition(".")
        value = call.kwargs.get(name)
        if value is not None and (not key or not value.fields or value.field(key) is not None):
            return True
    return False


def _writing_mode(call: "_Call", position: int = 1) -> bool:
    """`open(path, "wb")` and friends: the mode (second argument, or the first of
    `path.open("wb")`, or `mode=`) writes."""
    mode = call.args[position] if len(call.args) > position else call.kwargs.get("mode")
    return mode is not None and mode.const is not None and any(c in mode.const for c in "wax+")


def _short(qualname: str) -> str:
    parts = qualname.split(".")
    return ".".join(parts[-2:]) if len(parts) > 1 else qualname


_FILE_HANDLES = frozenset({"io.File", "h5py.File"})  # opened at the path in their first argument
FIELD_CONST_UNKNOWN = "const:unknown"  # a caller gives an attribute a value not known statically
SHARED_EXT = "ext:shared:"  # a framework object shared by every request (`app.ctx`), passed on to helpers
PARAM_STORE = "@param:"  # a store named by the enclosing function's parameter i


def _store_key(value: Val) -> str | None:
    if value.store:
        return value.store
    if value.const:
        name = value.const.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
        return name or None
    if value.params:
        # named by the caller: resolved at each call site (`save(obj, "faces.pkl")`)
        return f"{PARAM_STORE}{min(value.params)}"
    return None


_SQL_TABLE = re.compile(r"(?i)\b(?:into|update|from|table)\s+[\"'`\[]?([A-Za-z_][\w.]*)")


_SQL_INSERT_COLUMNS = re.compile(r"(?is)^\s*(?:insert|replace|upsert)\b.*?\(\s*([\w\s,\"`\[\]]+?)\s*\)\s*values\b")
_SQL_UPDATE_SET = re.compile(r"(?is)^\s*update\b.*?\bset\b(.*?)(?:\bwhere\b|$)")
_SQL_SELECT = re.compile(r"(?is)^\s*select\s+(.*?)\s+from\b")


def _sql_written_columns(sql: str) -> list[str] | None:
    """Columns an INSERT or UPDATE writes, in the order of its parameters."""
    match = _SQL_INSERT_COLUMNS.match(sql)
    if match:
        return [c.strip().strip('"`[]').lower() for c in match.group(1).split(",")]
    match = _SQL_UPDATE_SET.match(sql)
    if match:
        return [part.split("=")[0].strip().strip('"`[]').lower() for part in match.group(1).split(",") if "=" in part]
    return None


_SQL_DISTANCE = re.compile(r"<=>|<->|<#>|<\+>")


def _sql_selected_columns(sql: str) -> list[str] | None:
    """Columns a SELECT reads; None when it reads them all (or cannot tell)."""
    match = _SQL_SELECT.match(sql)
    if not match:
        return None
    columns = []
    for part in match.group(1).split(","):
        if _SQL_DISTANCE.search(part):
            continue  # `embedding <=> %s AS distance`: a pgvector distance, a number
        name = part.strip().split()[0] if part.strip() else ""
        name = name.rsplit(".", 1)[-1].strip('"`[]').lower()
        if name == "*" or "(" in name:
            return None
        columns.append(name)
    return columns


_SQL_DELETION = re.compile(r"(?i)^\s*(delete|truncate|drop)\b")


def _sql_table(sql: str) -> str | None:
    match = _SQL_TABLE.search(sql)
    return match.group(1).lower() if match else None


def _dotted(node: ast.AST) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    if isinstance(node, ast.Call):
        inner = _dotted(node.func)
        if inner:
            parts.append(inner + "()")
            return ".".join(reversed(parts))
    return None


def _failed_branch(test: ast.expr, truthy: bool) -> bool:
    """The branch runs where the decision the test reads did not hold: the `else` of `if
    match:`, `if user is None:`, `if not ok: ...` (its fall-through is where `ok` held).
    What the test depends on does not gate that branch: a PIN checked there is a fallback,
    not a second factor. Unknown for comparisons with numbers (`dist < 0.6` may be a match
    or a miss) and combined conditions: those gate both branches."""
    while isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        test, truthy = test.operand, not truthy
    if isinstance(test, (ast.Name, ast.Attribute, ast.Subscript, ast.Call)):
        return not truthy
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.comparators[0], ast.Constant):
        const, op = test.comparators[0].value, test.ops[0]
        if const is None or const is True or const is False:
            holds_when_equal = const is True
            if isinstance(op, (ast.Is, ast.Eq)):
                return truthy != holds_when_equal
            if isinstance(op, (ast.IsNot, ast.NotEq)):
                return truthy == holds_when_equal
    return False


def _whole_reduction(call: "_Call", of_receiver: bool = False) -> bool:
    """A reduction given no axis (`np.sum(x)`, `x.sum()`, `x.mean(dtype=float)`): it
    reduces the whole array to one number."""
    return len(call.args) == (0 if of_receiver else 1) and all(name == "dtype" for name in call.kwargs)


def _operands(node: ast.expr) -> list[ast.expr]:
    """What a reduced array combines: `a * b` and `a - b` (also squared) give [a, b]."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
        node = node.left
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mult, ast.Sub)):
        return [node.left, node.right]
    return [node]


def _last_name(node: ast.AST | None) -> str:
    """The last part of a (dotted) name: `user.face_encoding` -> `face_encoding`; "" for
    anything else."""
    return (_dotted(node) or "").rpartition(".")[2] if node is not None else ""


def _named_like_template(node: ast.AST | None) -> bool:
    """A stored template known by its name (`user.face_encoding`, `known_embeddings`)."""
    return bool(TEMPLATE_NAMES.search(_last_name(node)))


def _root_name(node: ast.AST) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def is_dependency_call(node: ast.AST) -> bool:
    """A FastAPI dependency: `Depends(f)` or `Security(f)`."""
    return isinstance(node, ast.Call) and bool(node.args) and _last_name(node.func) in ("Depends", "Security")


def _decorator_name(node: ast.expr) -> str:
    if isinstance(node, ast.Call):
        node = node.func
    return _dotted(node) or ""


def _is_main_guard(test: ast.expr) -> bool:
    return (
        isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and test.left.id == "__name__"
        and len(test.comparators) == 1
        and isinstance(test.comparators[0], ast.Constant)
        and test.comparators[0].value == "__main__"
    )


def _is_true(test: ast.expr) -> bool:
    return isinstance(test, ast.Constant) and bool(test.value) is True


def _is_falsy_const(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, str):
            return value.lower() in ("", "no", "false", "n", "0", "denied", "declined", "withdrawn", "revoked")
        return not value
    return False


def _may_be_false(node: ast.expr | None) -> bool:
    """`False`, or an expression that is `False` when a setting is missing (`ca_bundle or
    False`, `ca if ca else False`): certificate verification off on some configuration."""
    if isinstance(node, ast.Constant):
        return node.value is False
    if isinstance(node, ast.BoolOp):
        return _may_be_false(node.values[-1]) if isinstance(node.op, ast.Or) else any(_may_be_false(v) for v in node.values)
    if isinstance(node, ast.IfExp):
        return _may_be_false(node.body) or _may_be_false(node.orelse)
    return False


def _literal_keyword(call: ast.Call, name: str):
    """The literal value of keyword `name` of `call` (None if absent or not a literal)."""
    return next((_literal(kw.value) for kw in call.keywords if kw.arg == name), None)


def _literal(node: ast.expr):
    try:
        value = ast.literal_eval(node)
    except Exception:
        return None
    if isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (list, tuple, set)) and all(isinstance(v, (str, int, float, bool)) for v in value):
        return list(value)
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {k: v for k, v in value.items() if isinstance(v, (str, int, float, bool, list))}
    return None


def _consent_pattern(pattern: ast.pattern) -> bool:
    """`case True:` / `case "granted":` on a consent value: consent holds in that case."""
    if isinstance(pattern, ast.MatchSingleton):
        return pattern.value is True
    if isinstance(pattern, ast.MatchValue):
        return not _is_falsy_const(pattern.value)
    if isinstance(pattern, ast.MatchOr):
        return all(_consent_pattern(p) for p in pattern.patterns)
    return False


def _pattern_names(pattern: ast.pattern) -> Iterator[str]:
    for node in ast.walk(pattern):
        name = getattr(node, "name", None)
        if isinstance(name, str):
            yield name
        rest = getattr(node, "rest", None)
        if isinstance(rest, str):
            yield rest
