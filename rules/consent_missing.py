"""BIO001 consent-missing."""
from __future__ import annotations

from bioaudit import Invalid, Rule, Severity, Valid
from bioaudit.engine.facts import ProjectFacts


class ConsentMissing(Rule):
    """
    ## What it does
    Flags each call that processes facial data (detect, embed, compare, identify,
    analyse, enrol, send to a face API) that some path from an entry point reaches
    without a consent check first. Entry points are module-level code,
    `if __name__ == "__main__":` blocks, web routes, CLI commands and functions nothing
    in the project calls. Test code (`tests/`, `test/`, `testing/`, `test_*.py`,
    `*_test.py`, `conftest.py`) is not an entry point and its calls do not count: tests
    run on test data, not on people's faces. A function that only tests call is one
    nothing in the project calls, so its own face calls are still reported.

    A consent check is a condition on a consent predicate that the call sits inside
    (`if user.biometric_consent:`), an earlier early exit when consent is missing
    (`if not has_consent(uid): abort(403)`, `raise`, `return`), an earlier call on every
    path to a function that enforces consent (one that raises or aborts without it), or
    a consent decorator or FastAPI dependency on the function or on every caller up the
    call graph (FastAPI dependencies also count on the app or router the route is declared
    on, and on the `include_router` call that mounts that router; a Litestar route's
    `guards=[...]` count when one of them raises without consent). A class-based view's
    handlers are guarded by a `dispatch` (Django, DRF) or `initial` (DRF) that returns only
    once consent holds, that answers a request without consent itself and hands on only
    the others (a consent mixin's `return super().dispatch(...)`), or that a consent
    decorator wraps (`@method_decorator(check)`, also
    on the class with `name="dispatch"`), by a Flask view's `decorators = [check]`, by a
    DRF permission class in `permission_classes` whose `has_permission` is a consent
    check, and by a `UserPassesTestMixin` whose `test_func` returns consent. A check after
    the call, or in a sibling branch, does not count.

    ## Why is this bad?
    Facial data is sensitive personal data everywhere bioaudit's frameworks apply.
    Processing it needs separate, explicit, informed consent before the first frame is
    analysed; a check that runs afterwards, or only on some paths, does not protect the
    person on the other paths.

    ## Options
    - `consent-functions`, `consent-decorators`, `consent-attributes`: extra names or
      globs for library calls, decorators and attributes that check consent. Functions
      defined in the project are judged by their code, not their names.

    ## Known limitations
    Consent enforced outside the Python code (an API gateway, a separate service) is not
    visible; declare it with a suppression that gives the reason. Dynamic dispatch
    (`getattr`, plugin registries) hides call edges. A `dispatch` that checks consent only
    after `super().dispatch()` has run the handler still counts as a guard. An aiohttp or
    Starlette middleware (`@web.middleware`, `@app.middleware("http")`) that stops requests
    without consent guards every route, also when it checks only some paths (the paths it
    picks are not evaluated); Django middleware classes are not read.
    """

    ID = "BIO001"
    NAME = "consent-missing"
    SEVERITY = Severity.HIGH
    SUMMARY = "Facial data is processed on a path with no consent check before it"
    FIX = "Check the person's separate consent before the face call on every path (decorator, dependency or early exit), and offer a way to withdraw it"
    TAGS = ("consent", "lawful-basis")
    REFERENCES = {
        "cn-frt-2025:art-6": "facial information is processed without the separate consent the Measures require",
        "cn-frt-2025:art-5": "no point before processing where the person is told and agrees",
        "cn-pipl:art-29": "sensitive personal information (biometrics) is processed without separate consent",
        "cn-pipl:art-14": "no consent that is voluntary, explicit and informed precedes the processing",
        "eu-gdpr:art-9-1": "biometric data for unique identification is processed with no Art. 9(2) condition established",
        "eu-gdpr:art-9-2-a": "explicit consent is not checked before the biometric processing",
        "us-il-bipa:sec-15-b": "the face geometry is captured before a written release is confirmed",
        "us-tx-cubi:503-001-b": "the biometric identifier is captured before consent is confirmed",
    }
    VALID = [
        Valid("""
            import face_recognition
            from flask import abort

            def enrol(user, image):
                if not user.biometric_consent:
                    abort(403)
                return face_recognition.face_encodings(image)
        """),
    ]
    INVALID = [
        Invalid("""
            import face_recognition

            def enrol(user, image):
                encodings = face_recognition.face_encodings(image)
                if not user.biometric_consent:
                    raise PermissionError("no consent")
                return encodings
        """, line=4),
    ]

    def check(self, facts: ProjectFacts):
        for call in facts.face_calls:
            if call.unguarded_path is None:
                continue
            entry = call.unguarded_path[0]
            via = " -> ".join(step.note.split("`")[1] for step in call.unguarded_path[1:-1] if "`" in step.note)
            route = f" (path: {via})" if via else ""
            yield self.report(
                call.site,
                f"`{call.api}` ({call.category}) runs without a prior consent check on a path from `{_entry_name(entry.note)}`{route}",
                confidence=call.guard_confidence,
                steps=call.unguarded_path,
                properties={"api": call.api, "category": call.category},
            )


def _entry_name(note: str) -> str:
    parts = note.split("`")
    return parts[1] if len(parts) > 1 else note
