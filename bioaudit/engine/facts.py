"""What the project-wide analysis knows, in the shape rules consume.

The engine computes these once per scan; rules only filter and phrase them, so adding a
rule never adds another walk over the code.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from bioaudit.model import Confidence, Step


@dataclass(frozen=True)
class Site:
    """A place in the scanned code (a call or statement)."""

    path: str  # posix, relative to the scan root
    line: int
    column: int  # 1-based character column
    end_line: int
    end_column: int
    function: str  # qualified name of the enclosing function, or "<module>"
    statement: str  # normalised source text of the statement (for fingerprints)

    def step(self, note: str) -> Step:
        return Step(self.path, self.line, self.column, note)


@dataclass(frozen=True)
class FaceCall:
    """A call that processes facial data through a catalogued face API."""

    site: Site
    api: str  # qualified name, e.g. "face_recognition.face_encodings"
    category: str  # detect | landmarks | template | verify | identify | analyze | enroll | liveness | ...
    library: str
    cloud: bool
    vendor: str = ""
    region: str = ""
    # None when every path from every entry point checks consent first; otherwise one
    # unguarded path, entry point first.
    unguarded_path: tuple[Step, ...] | None = None
    guard_confidence: Confidence = Confidence.HIGH
    arguments: dict = field(default_factory=dict)  # literal keyword/positional values of interest
    # catalog: keyword -> values that enable attribute inference (race, emotion, age, ...)
    attribute_args: dict = field(default_factory=dict)
    region_arg: str = ""  # processing region named in the client's constructor, if literal
    # what the enclosing function's code shows, for rules that need context:
    # "age" (reads or estimates an age), "guardian" (checks a guardian/parental consent)
    context: frozenset = frozenset()


@dataclass(frozen=True)
class SinkFlow:
    """Facial data reaching a sink (log, storage, network...)."""

    site: Site
    sink: str  # qualified name or description of the sink call
    category: str  # "log" | "storage" | "network" | ...
    kinds: frozenset[str]  # facial data kinds that reach it (raw, not encrypted)
    steps: tuple[Step, ...]  # evidence: source ... -> sink
    confidence: Confidence
    encrypted_kinds: frozenset[str] = frozenset()  # kinds that arrive encrypted
    details: dict = field(default_factory=dict)  # sink-specific facts (store key, url, ...)


@dataclass(frozen=True)
class Deletion:
    """A call that deletes, expires or purges stored data (a retention path)."""

    site: Site
    how: str  # the call ("os.remove", "redis.Redis.delete", "DELETE FROM faces", ...)
    stores: frozenset[str]  # store keys it touches ("faces.pkl", "table:faces"); empty if unknown


@dataclass(frozen=True)
class KeyUse:
    """Where encryption keys come from: a literal in the source, or generated key material
    that reaches a sink (stored beside what it encrypts)."""

    site: Site
    kind: str  # "literal-key" (at the cipher) | "literal-key-source" (at the literal) | "key-stored"
    detail: str = ""


@dataclass(frozen=True)
class Decision:
    """A face verification/identification whose result decides an outcome."""

    site: Site  # the face call
    api: str
    ends: frozenset[str]  # "login" | "access" | "attendance" | "identity" | ...
    action: Step  # the action that the result gates
    steps: tuple[Step, ...]
    confidence: Confidence


@dataclass(frozen=True)
class Fallback:
    """A non-face way to reach an end (password, OTP, PIN, card, document, declared)."""

    ends: frozenset[str]
    where: Step
    how: str


@dataclass
class ProjectFacts:
    face_calls: list[FaceCall] = field(default_factory=list)
    sink_flows: list[SinkFlow] = field(default_factory=list)
    decisions: list[Decision] = field(default_factory=list)
    fallbacks: list[Fallback] = field(default_factory=list)
    deletions: list[Deletion] = field(default_factory=list)
    key_uses: list[KeyUse] = field(default_factory=list)

    def merge(self, other: "ProjectFacts") -> None:
        """Add the facts of another, independently analysed part of the project."""
        self.face_calls.extend(other.face_calls)
        self.sink_flows.extend(other.sink_flows)
        self.decisions.extend(other.decisions)
        self.fallbacks.extend(other.fallbacks)
        self.deletions.extend(other.deletions)
        self.key_uses.extend(other.key_uses)
