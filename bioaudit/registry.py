"""Rule discovery: built-in and third-party rules load through the `bioaudit.rules`
entry-point group. An entry point names a Rule subclass, or a module whose `RULES` lists
them (or, failing that, whose Rule subclasses are taken in definition order)."""
from __future__ import annotations

import inspect
import re
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from types import ModuleType

from bioaudit.rule import Rule

GROUP = "bioaudit.rules"
RULE_ID = re.compile(r"^[A-Z]{2,}[0-9]{3}$")
RULE_NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
# Ids that were used once and must never come back with a different meaning.
RETIRED_IDS: frozenset[str] = frozenset()


class RegistryError(Exception):
    pass


@dataclass
class Registry:
    rules: dict[str, type[Rule]] = field(default_factory=dict)  # id -> class, in id order
    origins: dict[str, str] = field(default_factory=dict)  # id -> entry point "name = value"
    errors: list[str] = field(default_factory=list)  # plugins that failed to load

    def by_name(self) -> dict[str, str]:
        return {cls.NAME: rid for rid, cls in self.rules.items()}

    def known(self) -> dict[str, str]:
        return {rid: cls.NAME for rid, cls in self.rules.items()}

    def get(self, key: str) -> type[Rule] | None:
        key = key.strip()
        if key.upper() in self.rules:
            return self.rules[key.upper()]
        rid = self.by_name().get(key.lower())
        return self.rules.get(rid) if rid else None


def _rules_in(obj) -> list[type[Rule]]:
    if inspect.isclass(obj) and issubclass(obj, Rule):
        return [obj]
    if isinstance(obj, ModuleType):
        listed = getattr(obj, "RULES", None)
        if listed is not None:
            return list(listed)
        return [
            v for v in vars(obj).values()
            if inspect.isclass(v) and issubclass(v, Rule) and v is not Rule and v.__module__ == obj.__name__
        ]
    if isinstance(obj, (list, tuple)):
        return [r for item in obj for r in _rules_in(item)]
    return []


def validate_rule(cls: type[Rule]) -> list[str]:
    """Problems with a rule's metadata (empty list when it is well-formed)."""
    problems = []
    for attr in ("ID", "NAME", "SEVERITY", "SUMMARY", "FIX", "REFERENCES"):
        if not hasattr(cls, attr):
            problems.append(f"{cls.__name__} has no {attr}")
    if problems:
        return problems
    if not RULE_ID.match(cls.ID):
        problems.append(f"{cls.__name__}: id {cls.ID!r} is not like 'BIO001'")
    if cls.ID in RETIRED_IDS:
        problems.append(f"{cls.__name__}: id {cls.ID} is retired")
    if not RULE_NAME.match(cls.NAME):
        problems.append(f"{cls.__name__}: name {cls.NAME!r} is not kebab-case")
    if not (cls.__doc__ or "").strip():
        problems.append(f"{cls.__name__} has no docstring")
    return problems


def load_registry() -> Registry:
    registry = Registry()
    found: list[tuple[type[Rule], str]] = []
    for ep in sorted(entry_points(group=GROUP), key=lambda e: (e.value != "bioaudit.rules", e.name)):
        try:
            obj = ep.load()
        except Exception as exc:  # a broken plugin must not take the scanner down
            registry.errors.append(f"rule plugin {ep.name} = {ep.value} failed to load: {type(exc).__name__}: {exc}")
            continue
        for cls in _rules_in(obj):
            found.append((cls, f"{ep.name} = {ep.value}"))
    for cls, origin in found:
        problems = validate_rule(cls)
        if problems:
            registry.errors.extend(f"rule plugin {origin}: {p}" for p in problems)
            continue
        if cls.ID in registry.rules and registry.rules[cls.ID] is not cls:
            registry.errors.append(f"rule plugin {origin}: id {cls.ID} already used by {registry.origins[cls.ID]}")
            continue
        if cls.NAME in registry.by_name() and registry.by_name()[cls.NAME] != cls.ID:
            registry.errors.append(f"rule plugin {origin}: name {cls.NAME} already used")
            continue
        registry.rules[cls.ID] = cls
        registry.origins[cls.ID] = origin
    registry.rules = dict(sorted(registry.rules.items()))
    return registry
