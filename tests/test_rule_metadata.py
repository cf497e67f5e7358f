"""Lint the rules themselves: ids, names, docs and regulation references."""
from __future__ import annotations

import pytest

from bioaudit.registry import RULE_ID, RULE_NAME, load_registry, validate_rule
from bioaudit.regulations import load_catalog

REGISTRY = load_registry()
RULES = list(REGISTRY.rules.values())
SECTIONS = ["## What it does", "## Why is this bad?", "## Options", "## Known limitations"]


def test_builtin_rules_load_through_the_entry_point():
    assert {"BIO001", "BIO002", "BIO003", "BIO004"} <= set(REGISTRY.rules)
    assert all(REGISTRY.origins[r].endswith("bioaudit.rules") for r in ("BIO001", "BIO004"))
    assert REGISTRY.errors == []


def test_mission_rule_names():
    names = {rid: cls.NAME for rid, cls in REGISTRY.rules.items()}
    assert names["BIO001"] == "consent-missing"
    assert names["BIO002"] == "no-fallback-verification"
    assert names["BIO003"] == "biometric-in-logs"
    assert names["BIO004"] == "unencrypted-biometric-storage"


@pytest.mark.parametrize("cls", RULES, ids=[c.ID for c in RULES])
def test_rule_metadata_is_well_formed(cls):
    assert validate_rule(cls) == []
    assert RULE_ID.match(cls.ID) and RULE_NAME.match(cls.NAME)
    assert cls.SUMMARY and not cls.SUMMARY.endswith(".")
    assert cls.FIX
    # class name is the CamelCase of the rule name
    assert cls.__name__ == "".join(part.capitalize() for part in cls.NAME.split("-"))
    module = cls.__module__.rsplit(".", 1)[-1]
    assert module == cls.NAME.replace("-", "_")


@pytest.mark.parametrize("cls", RULES, ids=[c.ID for c in RULES])
def test_docstring_sections_in_order(cls):
    doc = cls.docs()
    positions = [doc.find(s) for s in SECTIONS]
    assert positions[0] == 0, "docs start with ## What it does"
    assert positions[1] > positions[0], "## Why is this bad? follows"
    present = [p for p in positions if p >= 0]
    assert present == sorted(present), "sections in the documented order"


@pytest.mark.parametrize("cls", RULES, ids=[c.ID for c in RULES])
def test_references_resolve_and_give_reasons(cls):
    catalog = load_catalog()
    assert cls.REFERENCES, "a rule cites at least one article"
    for ref, reason in cls.REFERENCES.items():
        catalog.resolve(ref)  # raises on a dangling reference
        assert reason and "\n" not in reason


def test_ids_and_names_are_unique():
    assert len({c.ID for c in RULES}) == len(RULES)
    assert len({c.NAME for c in RULES}) == len(RULES)


def test_unknown_reference_is_caught():
    from bioaudit.regulations import UnknownReference

    with pytest.raises(UnknownReference):
        load_catalog().resolve("eu-gdpr:art-999")
