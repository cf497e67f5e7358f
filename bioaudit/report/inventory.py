"""The facial-data inventory: where a project captures, keeps, logs and sends facial data.

Built once per scan from the engine's facts (`build_inventory`), carried on
`ScanResult.inventory`, written to the JSON report under `"inventory"` (so `bioaudit merge`
can rebuild it) and laid out by the audit report as the PIPIA / DPIA appendix.

Every value is plain JSON (strings, ints, bools, lists, dicts); lists are sorted so that the
same project always gives the same inventory. Paths are relative to the scan root.
"""
from __future__ import annotations

import functools
from typing import Any, Iterable

INVENTORY_VERSION = 1

#: The facial data kinds, most sensitive first (the engine's DATA_KINDS).
KINDS = ("template", "landmarks", "face-image", "attributes")

#: What a face call of each category handles, when the API catalog says nothing more.
#: Detection and analysis read a face image; embedding and enrolment turn one into a template.
CATEGORY_KINDS: dict[str, tuple[str, ...]] = {
    "detect": ("face-image",),
    "landmarks": ("face-image", "landmarks"),
    "template": ("face-image", "template"),
    "verify": ("template",),
    "identify": ("template",),
    "enroll": ("face-image", "template"),
    "analyze": ("face-image", "attributes"),
    "liveness": ("face-image",),
    "manipulate": ("face-image",),
}

#: Human names of the face-call categories (the purpose a reviewer writes down).
CATEGORY_LABELS = {
    "detect": "face detection",
    "landmarks": "facial landmarks",
    "template": "face template (embedding) extraction",
    "verify": "1:1 verification",
    "identify": "1:N identification",
    "enroll": "enrolment into a face database",
    "analyze": "attribute inference (age, gender, emotion...)",
    "liveness": "liveness / anti-spoofing",
    "manipulate": "face image manipulation",
}


def _site(site: Any) -> dict:
    return {"path": site.path, "line": int(site.line), "function": site.function or "<module>"}


def _sorted_kinds(kinds: Iterable[str]) -> list[str]:
    order = {k: i for i, k in enumerate(KINDS)}
    # only facial data kinds: the engine also tracks key material, which is not an inventory item
    return sorted({k for k in kinds if k in order}, key=lambda k: (order.get(k, len(order)), k))


@functools.lru_cache(maxsize=1)
def _api_returns() -> dict[str, str]:
    """qualified API name -> facial data kind it returns, from the shipped face-API catalog."""
    try:
        from bioaudit.engine.knowledge import load_knowledge

        knowledge = load_knowledge()
    except Exception:  # the inventory must never break a scan
        return {}
    out: dict[str, str] = {}
    for call, specs in knowledge.apis.items():
        for spec in specs:
            if spec.returns and spec.returns != "none" and spec.returns in KINDS:
                out.setdefault(call, spec.returns)
    return out


def call_kinds(api: str, category: str, cloud: bool) -> list[str]:
    """The kinds of facial data a face call handles (reads or produces)."""
    kinds = set(CATEGORY_KINDS.get(category, ()))
    if cloud and category in ("verify", "identify"):
        kinds = {"face-image"}  # cloud services are sent images, not local templates
    returned = _api_returns().get(api)
    if returned:
        kinds.add(returned)
    return _sorted_kinds(kinds)


def _target(details: dict) -> str:
    for key in ("target", "store", "url"):
        value = details.get(key)
        if value:
            return str(value)
    return ""


def _store(details: dict) -> str:
    for key in ("store", "orm_field", "target"):
        value = details.get(key)
        if value:
            return str(value)
    return ""


def build_inventory(facts: Any, result: Any = None) -> dict:
    """The inventory of a scan, from the engine's `ProjectFacts` (the whole project the
    engine analysed). `result` is the ScanResult being built; it is not read today.

    Never raises: a problem yields an empty inventory whose `error` says what went wrong,
    so the report shows the inventory as incomplete instead of the scan failing."""
    try:
        return _build(facts)
    except Exception as exc:  # pragma: no cover - defensive
        return {**empty_inventory(), "error": f"inventory could not be built: {type(exc).__name__}: {exc}"}


def _build(facts: Any) -> dict:
    face_calls = []
    for call in getattr(facts, "face_calls", ()):
        face_calls.append(
            {
                **_site(call.site),
                "api": call.api,
                "category": call.category,
                "library": call.library,
                "cloud": bool(call.cloud),
                "vendor": call.vendor or "",
                "region": call.region or "",
                "kinds": call_kinds(call.api, call.category, bool(call.cloud)),
                "consent_checked": call.unguarded_path is None,
            }
        )

    stored, logged, sent, other = [], [], [], []
    for flow in getattr(facts, "sink_flows", ()):
        details = dict(flow.details or {})
        entry = {
            **_site(flow.site),
            "sink": flow.sink,
            "kinds": _sorted_kinds(flow.kinds),
            "encrypted_kinds": _sorted_kinds(flow.encrypted_kinds),
        }
        if flow.category == "storage":
            stored.append({**entry, "store": _store(details)})
        elif flow.category == "log":
            logged.append(entry)
        elif flow.category == "network":
            sent.append({**entry, "target": _target(details), "vendor": "", "region": ""})
        else:
            other.append({**entry, "category": str(flow.category)})

    network = list(sent)
    # A call to a cloud face API sends the face to the vendor: a transfer too.
    for call in face_calls:
        if call["cloud"]:
            sent.append(
                {
                    "path": call["path"], "line": call["line"], "function": call["function"],
                    "sink": call["api"], "kinds": ["face-image"], "encrypted_kinds": [],
                    "target": call["vendor"] or call["library"],
                    "vendor": call["vendor"], "region": call["region"],
                }
            )

    services: dict[tuple[str, str, str], dict] = {}
    for call in face_calls:
        if not call["cloud"]:
            continue
        key = (call["vendor"] or call["library"], call["library"], call["region"])
        service = services.setdefault(
            key,
            {"vendor": key[0], "library": call["library"], "region": call["region"], "apis": [], "sites": []},
        )
        if call["api"] not in service["apis"]:
            service["apis"].append(call["api"])
        service["sites"].append({"path": call["path"], "line": call["line"], "function": call["function"], "api": call["api"]})

    modules: dict[str, dict] = {}

    def module(path: str) -> dict:
        return modules.setdefault(
            path,
            {"path": path, "kinds": set(), "apis": set(), "captures": 0, "stores": 0, "logs": 0, "sends": 0},
        )

    for call in face_calls:
        m = module(call["path"])
        m["kinds"].update(call["kinds"])
        m["apis"].add(call["api"])
        m["captures"] += 1
    for key, items in (("stores", stored), ("logs", logged), ("sends", network)):
        for item in items:
            m = module(item["path"])
            m["kinds"].update(item["kinds"])
            m["kinds"].update(item["encrypted_kinds"])
            m[key] += 1
    for call in face_calls:  # cloud calls count as sends of their module
        if call["cloud"]:
            module(call["path"])["sends"] += 1
    for item in other:
        m = module(item["path"])
        m["kinds"].update(item["kinds"])

    decisions = [
        {
            **_site(d.site),
            "api": d.api,
            "ends": sorted(d.ends),
            "action": {"path": d.action.path, "line": int(d.action.line), "note": d.action.note},
        }
        for d in getattr(facts, "decisions", ())
    ]
    fallbacks = [
        {"path": fb.where.path, "line": int(fb.where.line), "ends": sorted(fb.ends), "how": fb.how}
        for fb in getattr(facts, "fallbacks", ())
    ]

    def by_place(item: dict) -> tuple:
        return (item["path"], item["line"], item.get("api") or item.get("sink") or "")

    return {
        "version": INVENTORY_VERSION,
        "face_calls": sorted(face_calls, key=by_place),
        "modules": [
            {
                "path": m["path"],
                "kinds": _sorted_kinds(m["kinds"]),
                "apis": sorted(m["apis"]),
                "captures": m["captures"],
                "stores": m["stores"],
                "logs": m["logs"],
                "sends": m["sends"],
            }
            for m in sorted(modules.values(), key=lambda m: m["path"])
        ],
        "stored": sorted(stored, key=by_place),
        "logged": sorted(logged, key=by_place),
        "sent": sorted(sent, key=by_place),
        "other_sinks": sorted(other, key=by_place),
        "third_parties": sorted(services.values(), key=lambda s: (s["vendor"], s["library"], s["region"])),
        "decisions": sorted(decisions, key=by_place),
        "fallbacks": sorted(fallbacks, key=lambda f: (f["path"], f["line"], f["how"])),
    }


def empty_inventory() -> dict:
    return {
        "version": INVENTORY_VERSION,
        "face_calls": [], "modules": [], "stored": [], "logged": [], "sent": [], "other_sinks": [],
        "third_parties": [], "decisions": [], "fallbacks": [],
    }


def prefix_inventory(inventory: dict, prefix: str) -> dict:
    """A copy of `inventory` with every path under `prefix/` (for `bioaudit merge`)."""
    if not inventory:
        return empty_inventory()

    def fix(value: Any) -> Any:
        if isinstance(value, dict):
            out = {k: fix(v) for k, v in value.items()}
            if isinstance(out.get("path"), str):
                out["path"] = f"{prefix}/{out['path']}" if prefix else out["path"]
            return out
        if isinstance(value, list):
            return [fix(v) for v in value]
        return value

    return fix(inventory)


def merge_inventories(inventories: Iterable[dict]) -> dict:
    """One inventory from several (already prefixed) ones. Third-party services with the same
    vendor, library and region are combined. Tolerates hand-edited or foreign input: entries
    that are not objects are dropped."""
    merged = empty_inventory()
    services: dict[tuple, dict] = {}

    def items(value: Any) -> list[dict]:
        return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []

    for inv in inventories:
        if not isinstance(inv, dict):
            continue
        for key in ("face_calls", "modules", "stored", "logged", "sent", "other_sinks", "decisions", "fallbacks"):
            merged[key].extend(items(inv.get(key)))
        for service in items(inv.get("third_parties")):
            key = tuple(str(service.get(k) or "") for k in ("vendor", "library", "region"))
            into = services.setdefault(key, {"vendor": key[0], "library": key[1], "region": key[2], "apis": [], "sites": []})
            for api in service.get("apis") if isinstance(service.get("apis"), list) else []:
                if api not in into["apis"]:
                    into["apis"].append(api)
            into["sites"].extend(items(service.get("sites")))
    merged["third_parties"] = [services[k] for k in sorted(services)]
    return merged
