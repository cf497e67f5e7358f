"""BIO008 no-retention-limit."""
from __future__ import annotations

import fnmatch
import re

from bioaudit import Confidence, Invalid, Rule, Severity, Valid
from bioaudit.engine.facts import ProjectFacts
from bioaudit.rules._support import RAW_KINDS, cap, catalog, glob_any, kinds_text

_PLACEHOLDER = re.compile(r"\{[^}]*\}|\*")


def _pattern(key: str) -> str | None:
    """A store key as an fnmatch pattern (run-time parts become `*`); None when nothing of
    it is literal enough to compare (`*`, `{subject_id}`)."""
    pattern = _PLACEHOLDER.sub("*", key.strip().lower())
    return pattern if len(pattern.replace("*", "")) >= 3 else None


def _same_store(a: str, b: str) -> bool:
    pa, pb = _pattern(a), _pattern(b)
    if pa is None or pb is None:
        return False
    return pa == pb or fnmatch.fnmatchcase(pa, pb) or fnmatch.fnmatchcase(pb, pa)


def _medium(flow) -> str:
    store = str((flow.details or {}).get("store") or "")
    sink = flow.sink or ""
    if store.startswith("table:"):
        return "table"
    if store.startswith("collection:"):
        return "collection"
    if sink.startswith("redis."):
        return "redis"
    if sink.startswith("boto3.s3"):
        return "s3"
    if sink == "shelve":
        return "shelve"
    return "file"


_MEDIUM_TEXT = {
    "file": "file", "table": "database row", "collection": "document", "redis": "Redis key",
    "s3": "S3 object", "shelve": "shelf entry",
}


def _deletion_medium(deletion) -> str:
    """What kind of store a deletion of unknown target can remove."""
    how = (deletion.how or "").lower()
    stores = [str(s) for s in (deletion.stores or ())]
    if re.match(r"^\s*(delete|truncate|drop)\b", how) or any(s.startswith("table:") for s in stores):
        return "table"
    if any(s.startswith("collection:") for s in stores) or how.endswith((".delete_one", ".delete_many")):
        return "collection"
    if how.startswith(("os.", "shutil.", "pathlib.", "pickle.", "json.", "numpy.", "joblib.", "torch.", "yaml.", "dill.", "io.File")):
        return "file"
    if how.rsplit(".", 1)[-1] in ("unlink", "rmtree", "rmdir"):
        return "file"  # `path.unlink()` on a path built at run time removes a file, not a row
    if how.startswith("redis.") or how.rsplit(".", 1)[-1] in ("hdel", "srem", "zrem", "expire", "expireat", "pexpire"):
        return "redis"
    if how.endswith((".delete_object", ".delete_objects", ".put_bucket_lifecycle_configuration", ".put_bucket_lifecycle")):
        return "s3"
    return "any"


class NoRetentionLimit(Rule):
    """
    ## What it does
    Flags each store of facial data (templates, landmarks or face images, encrypted or
    not) that nothing in the project ever deletes, expires or purges. Stores are files,
    database tables, ORM models, Redis keys, document collections and S3 objects, keyed by
    their literal name (`faces.pkl`, `table:faces`, `face:*`); a store counts as limited
    when some delete, `DELETE FROM`, `os.remove`, `.delete()`, `expire`, clean-up or purge
    call in the project names the same store, or when it is written with an expiry (Redis
    `ex=`/`setex`). Enrolment into a cloud vendor's gallery (Rekognition `index_faces`,
    Baidu `addUser`, Tencent `CreatePerson`...) is a store too, limited when the project
    calls the same client's delete operations.

    One finding per store, at its first write: medium confidence when the store's name is
    known and nothing deletes it; low confidence when its name is set at run time and the
    project never deletes that kind of store (file, database row, Redis key, document, S3
    object). When the project deletes stores of the same kind through names bioaudit
    cannot read (`os.remove(path)` in a loop over names), that deletion may be the
    retention path, and the store is not reported.

    ## Why is this bad?
    Facial data may be kept only as long as the purpose needs: BIPA requires a published
    retention schedule and destruction within three years of the last interaction, PIPL
    and the GDPR require deletion when the purpose is met or consent is withdrawn, and
    China's Measures require minimal retention. A store with no deletion path keeps every
    face forever, including those of people who left or withdrew consent.

    ## Known limitations
    Retention enforced outside the code (a bucket lifecycle rule, a database TTL, a cron
    job in another repository) is not visible; suppress with the reason. Deleting an entry
    by rewriting a whole file without it (`cache.pop(uid)` then `pickle.dump(cache, f)`),
    clearing an ORM field (`user.face = None`) or deleting through a vendor operation the
    catalog does not list (Azure `delete_person`) is not recognised as a deletion.
    Encrypted ORM fields are not storage facts of the engine and are not reported. Store
    names are compared by their last path component, so a directory removed with
    `shutil.rmtree` cannot be matched to the files in it (it counts as a deletion of
    unknown target). A clean-up job in a module that neither imports the face code nor
    names the store as a literal of its own (a table named inside SQL text does not count)
    is not analysed, and its deletions are not seen.
    """

    ID = "BIO008"
    NAME = "no-retention-limit"
    SEVERITY = Severity.MEDIUM
    SUMMARY = "Facial data is stored with no deletion, expiry or clean-up path anywhere in the project"
    FIX = "Give every store of facial data a retention limit: delete or expire entries when the purpose ends or consent is withdrawn (a scheduled purge, a TTL, a delete route), and document the schedule"
    TAGS = ("retention", "storage")
    REFERENCES = {
        "cn-frt-2025:art-8": "facial information is kept longer than the purpose strictly needs",
        "cn-pipl:art-19": "no retention limit keeps the data beyond the shortest period the purpose requires",
        "cn-pipl:art-47": "there is no way to delete the data when the purpose is met or consent is withdrawn",
        "eu-gdpr:art-5-1-e": "biometric data is kept in identifiable form with no storage limit",
        "eu-gdpr:art-17": "the controller cannot erase the data on request or when no longer needed",
        "us-il-bipa:sec-15-a": "no destruction path implements a retention schedule for biometric identifiers",
        "us-tx-cubi:503-001-c-3": "the biometric identifier is not destroyed within a year after the purpose expires",
    }
    VALID = [
        Valid("""
            import os
            import face_recognition
            import numpy

            def enrol(img):
                numpy.save("alice.npy", face_recognition.face_encodings(img)[0])

            def forget():
                os.remove("alice.npy")
        """),
    ]
    INVALID = [
        Invalid("""
            import face_recognition
            import numpy

            def enrol(img):
                numpy.save("alice.npy", face_recognition.face_encodings(img)[0])
        """, line=5),
    ]

    def check(self, facts: ProjectFacts):
        rules = catalog("retention.toml")
        lookalike = list(rules.get("not-deletions", ()))
        unscoped = list(rules.get("unscoped", ()))
        vendor_deletes = list(rules.get("gallery-deletions", ()))
        deletions = [d for d in facts.deletions if not glob_any(d.how or "", lookalike)]
        named: set[str] = set()
        unknown_media: set[str] = set()  # media of deletions whose target is not known
        for d in deletions:
            stores = [str(s) for s in (d.stores or ()) if s]
            if vendor_deletes and glob_any(d.how or "", vendor_deletes) and not stores:
                continue  # a vendor gallery operation (handled with enrolment below)
            scoped = [s for s in stores if _pattern(s) is not None]
            if not scoped or glob_any(d.how or "", unscoped):
                unknown_media.add(_deletion_medium(d))
            named.update(scoped)
        seen: set[tuple[str, str]] = set()
        # one finding per store: at a write of the data in the clear when there is one
        for flow in sorted(facts.sink_flows, key=lambda f: not (f.kinds & RAW_KINDS)):
            if flow.category != "storage":
                continue
            kinds = sorted((flow.kinds | flow.encrypted_kinds) & RAW_KINDS)
            if not kinds:
                continue
            details = flow.details or {}
            if details.get("ttl"):
                continue
            medium = _medium(flow)
            maybe_covered = bool(unknown_media & {medium, "any"})
            store = details.get("store")
            if store and _pattern(str(store)) is not None:
                # one finding per store; stores named alike in different directories
                # (`captures/*.png`, `unknown/*.png`) are different stores
                target = str(details.get("target") or "")
                ident = (medium, _pattern(str(store)) or "", target.rpartition("/")[0])
                if ident in seen:
                    continue
                seen.add(ident)
                if maybe_covered or any(_same_store(str(store), n) for n in named):
                    continue
                where = f"`{store}`"
                confidence = cap(flow.confidence, Confidence.MEDIUM)
                tail = "nothing in the project deletes, expires or purges it"
            else:
                if maybe_covered:
                    continue
                where = "a store whose name is set at run time"
                confidence = Confidence.LOW
                tail = f"no deletion, expiry or clean-up in the project could reach that {_MEDIUM_TEXT.get(medium, medium)}"
            field = details.get("orm_field")
            how = f"model field `{field}`" if field else f"`{flow.sink}`"
            yield self.report(
                flow.site,
                f"{kinds_text(kinds)} written to {where} by {how}, and {tail}",
                confidence=confidence,
                steps=flow.steps,
                properties={"kinds": kinds, "store": store or "", "sink": flow.sink, "medium": medium},
            )
        yield from self._galleries(facts, deletions)

    def _galleries(self, facts: ProjectFacts, deletions):
        """Enrolment into a cloud vendor's gallery, with no delete operation on that client."""
        seen: set[str] = set()
        for call in facts.face_calls:
            if not call.cloud or call.category != "enroll":
                continue
            client = str(call.api or "").rsplit(".", 1)[0]
            if client in seen:
                continue
            seen.add(client)
            if any((d.how or "").startswith(client + ".") for d in deletions):
                continue
            short = ".".join(call.api.rsplit(".", 2)[-2:])
            vendor = call.vendor or call.library
            yield self.report(
                call.site,
                f"`{short}` enrols faces into a gallery held by {vendor}, and the project never calls a delete "
                "operation of that client to remove them",
                confidence=Confidence.MEDIUM,
                properties={"api": call.api, "vendor": vendor, "store": f"vendor gallery ({client})"},
            )
