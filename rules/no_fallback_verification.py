"""BIO002 no-fallback-verification."""
from __future__ import annotations

from bioaudit import Invalid, Rule, Severity, Valid
from bioaudit.engine.facts import ProjectFacts


class NoFallbackVerification(Rule):
    """
    ## What it does
    Flags each face verification or identification call whose result decides an
    outcome (it gates a login, a session or token, a door or lock, attendance, an
    identity approval, a payment) when the project offers no non-face way to reach the same end:
    no password, OTP, PIN, card or document check that gates the same kind of action
    anywhere in the project, and no fallback declared in config. A similarity or distance
    computed by hand between two face templates (`np.dot(known, probe)`,
    `np.linalg.norm(a - b)`, `known @ probe`, `cosine(...)`, `np.sum(known * probe)`,
    `((known - probe) ** 2).sum()`, `np.sum(gallery * probe, axis=1)`) is a verification
    too, also inside a project helper (`cosine_similarity(a, b)`, `def sim(a, b): return
    a @ b`) when a call passes it templates. Face calls in one function that gate the same
    action (`compare_faces` and `face_distance` on one probe, a detector's guess confirmed
    by a recogniser) are one finding, at the first of them, naming the others. A helper
    that raises (or returns early) unless the face matches gates what its caller does
    after calling it, as if the caller had made the decision.

    A second factor that still requires the face (`password_ok and face_ok`) is not a
    fallback; an alternative (`password_ok or face_ok`, an `else` branch, another
    route) is. Face identification that only displays a name decides nothing and is
    not reported.

    ## Why is this bad?
    People may refuse face recognition, and some cannot use it (injury, disability,
    twins, poor lighting). When the face is the only way in, refusing it means losing
    the service, so consent is not freely given, and China's Measures forbid making
    face recognition the only option where another method would do.

    ## Options
    - `fallback-functions`: extra names or globs of non-face identity checks.
    - `auth-actions`: extra names or globs of calls that log a user in.
    - `declared-fallback`: `{ reason = "...", ends = ["login"] }` when the fallback lives
      in another service.

    ## Known limitations
    Ends are matched by kind (login, access, attendance, identity, payment), not by the exact
    resource; a password login to an admin page counts as a login fallback. A stored
    template on the other side is recognised by its name (`face_encoding`, `embeddings`).
    Where a test compares a score with a number (`if dist < 0.6: ... else: ...`) bioaudit
    cannot tell the matching branch from the other, so a PIN checked in its `else` counts
    as a second factor; tested as a boolean (`if match:`, `if user is None:`) the failed
    branch is known and a check there is a fallback.
    """

    ID = "BIO002"
    NAME = "no-fallback-verification"
    SEVERITY = Severity.MEDIUM
    SUMMARY = "Face verification is the only way to authenticate, enter or be recorded"
    FIX = "Offer a non-face path to the same outcome (password, PIN, card, document or staff check) and tell people they may use it"
    TAGS = ("fallback", "verification")
    REFERENCES = {
        "cn-frt-2025:art-10": "face recognition is the only verification option although a non-face method could serve",
        "cn-frt-2025:art-12": "people who decline face recognition have no other way, which coerces them into it",
        "cn-pipl:art-16": "the service is refused to people who do not consent to face processing",
        "eu-gdpr:art-7": "consent is not freely given when refusing it blocks the service (Art. 7(4))",
        "eu-gdpr:art-9-2-a": "explicit consent is not freely given without a real alternative",
    }
    VALID = [
        Valid("""
            import face_recognition
            from flask_login import login_user
            from werkzeug.security import check_password_hash

            def login(user, image, password=None):
                if password is not None:
                    if check_password_hash(user.password_hash, password):
                        login_user(user)
                    return
                probe = face_recognition.face_encodings(image)[0]
                if face_recognition.compare_faces([user.encoding], probe)[0]:
                    login_user(user)
        """),
    ]
    INVALID = [
        Invalid("""
            import face_recognition
            from flask_login import login_user

            def login(user, image):
                probe = face_recognition.face_encodings(image)[0]
                if face_recognition.compare_faces([user.encoding], probe)[0]:
                    login_user(user)
        """, line=6),
    ]

    def check(self, facts: ProjectFacts):
        covered: set[str] = set()
        for fallback in facts.fallbacks:
            covered |= fallback.ends
        # Several face calls often make one decision (`compare_faces` and `face_distance`
        # on the same probe, gating the same action): one finding, at the first of them.
        grouped: dict[tuple, list] = {}
        for decision in facts.decisions:
            missing = sorted(decision.ends - covered)
            if missing:
                key = (decision.site.path, decision.site.function, decision.action.line, decision.action.column, tuple(missing))
                grouped.setdefault(key, []).append(decision)
        for (*_, missing), decisions in grouped.items():
            decision, others = decisions[0], decisions[1:]
            also = "".join(f" (with `{o.api.rsplit('.', 1)[-1]}`, line {o.site.line})" for o in others)
            yield self.report(
                decision.site,
                f"`{decision.api}`{also} decides {', '.join(missing)} and the project offers no non-face way to the same end",
                confidence=max(d.confidence for d in decisions),
                steps=decision.steps,
                properties={"api": decision.api, "ends": list(missing), "also": [o.api for o in others]},
            )
