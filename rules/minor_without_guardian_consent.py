"""BIO010 minor-without-guardian-consent."""
from __future__ import annotations

from bioaudit import Confidence, Invalid, Rule, Severity, Valid
from bioaudit.engine.facts import ProjectFacts
from bioaudit.rules._support import inferences


class MinorWithoutGuardianConsent(Rule):
    """
    ## What it does
    Flags face processing in functions that estimate or read a person's age when nothing
    in the function checks a parent's or guardian's consent. Age estimation from the face
    (`DeepFace.analyze` with `age` in its actions or by default, Rekognition
    `AGE_RANGE`/`ALL`, Azure or Baidu `age` attributes, insightface's age model, Alibaba
    `age=True`, CompreFace's `age` plugin) is reported at that call with medium
    confidence, and so is a face call whose estimated age the code reads (`face.age` of an
    insightface face, `face["age"]`), also in another function it hands the face to; a
    function whose code only reads an age (`age`, `*_age`, `birth`, `dob`,
    `years_old`) and processes a face is reported at its first face call with low
    confidence. One finding per function.

    A function whose code names a guardian or parental consent (`guardian_consent`,
    `parental_approval`, ...) is not reported. When some other face-processing function
    of the project, or a function that calls this one (directly or not), checks a
    guardian's consent, the findings drop to low confidence, because that check may sit
    on the same path.

    ## Why is this bad?
    A face whose age is estimated or asked for may belong to a child. Children's facial
    data is sensitive personal information; for children under 14, China's Measures and
    PIPL require a parent's or guardian's consent and dedicated processing rules, the
    GDPR requires parental authorisation for online services to children, and COPPA
    requires verifiable parental consent before collecting a child's faceprint.

    ## Known limitations
    Guardian checks are recognised by names in the same function only (for an age read
    elsewhere: in the face call's function or the reading one); a check in a
    decorator, a caller or another service is not seen (suppress with the reason). Names
    such as `max_age` of a cookie also count as reading an age, which is why name-only
    evidence is reported at low confidence. The code cannot show who the users are: an
    adults-only service that estimates age to keep children out is still reported, since
    the child's face is processed before the age is known.
    """

    ID = "BIO010"
    NAME = "minor-without-guardian-consent"
    SEVERITY = Severity.HIGH
    SUMMARY = "Faces are processed on a path that estimates or reads age, with no guardian-consent check for children"
    FIX = "Before processing the face of a possible minor, check a parent's or guardian's consent (for under-14s) and route children to a non-face alternative or dedicated rules"
    TAGS = ("minors", "consent")
    REFERENCES = {
        "cn-frt-2025:art-7": "a child's face may be processed without the guardian's consent the Measures require for under-14s",
        "cn-pipl:art-31": "personal information of a child under 14 is processed without guardian consent",
        "cn-pipl:art-28": "children's data and biometrics are sensitive personal information",
        "eu-gdpr:art-8": "no parental authorisation is checked for a child's data",
        "eu-gdpr:art-35": "processing children's biometric data needs a DPIA",
        "us-coppa:312-5": "no verifiable parental consent before a child's faceprint is collected",
        "us-coppa:312-2": "a child's facial template is personal information under COPPA",
        "us-il-bipa:sec-15-b": "the written release for a minor must come from the legally authorised representative",
    }
    VALID = [
        Valid("""
            from deepface import DeepFace

            def register(child, img):
                if not child.guardian_consent:
                    raise PermissionError("guardian consent needed")
                return DeepFace.analyze(img, actions=["age"])
        """),
    ]
    INVALID = [
        Invalid("""
            from deepface import DeepFace

            def register(child, img):
                age = DeepFace.analyze(img, actions=["age"])[0]["age"]
                return age
        """, line=4),
    ]

    def check(self, facts: ProjectFacts):
        guardian_somewhere = any("guardian" in (c.context or ()) for c in facts.face_calls)
        by_function: dict[tuple[str, str], list] = {}
        for call in facts.face_calls:
            by_function.setdefault((call.site.path, call.site.function), []).append(call)
        for (path, function), calls in sorted(by_function.items()):
            calls.sort(key=lambda c: (c.site.line, c.site.column))
            context = frozenset().union(*(c.context or frozenset() for c in calls))
            if "guardian" in context:
                continue
            estimating = []
            for call in calls:
                ages = [i for i in inferences(call) if i.attribute == "age"]
                if ages:
                    estimating.append((call, max(ages, key=lambda i: i.confidence)))
            read = next(((call, item[len("age-read:"):]) for call in calls for item in sorted(call.context or ()) if item.startswith("age-read:")), None)
            if estimating:
                call, why = estimating[0]
                confidence = Confidence.MEDIUM if why.confidence >= Confidence.MEDIUM else Confidence.LOW
                short = _short(call.api)
                verb = "may estimate" if why.confidence == Confidence.LOW else "estimates"
                message = (
                    f"`{short}` {verb} age from the face ({why.how}) and nothing here checks a parent's "
                    "or guardian's consent for children under 14"
                )
                properties = {"api": call.api, "evidence": "age estimated from the face", "argument": why.how}
            elif read is not None:
                call, where = read
                path, _, line = where.rpartition(":")
                where = f"line {line}" if path == call.site.path else where
                confidence = Confidence.MEDIUM
                message = (
                    f"`{_short(call.api)}` estimates age from the face, read at {where}, and nothing here checks "
                    "a parent's or guardian's consent for children under 14"
                )
                properties = {"api": call.api, "evidence": "the age the face model estimated is read", "read_at": where}
            elif "age" in context:
                call = calls[0]
                confidence = Confidence.LOW
                message = (
                    f"`{_short(call.api)}` processes a face in code that reads a person's age, and nothing here "
                    "checks a parent's or guardian's consent for children under 14"
                )
                properties = {"api": call.api, "evidence": "age read in the same function"}
            else:
                continue
            if guardian_somewhere or "guardian-caller" in context:
                confidence = Confidence.LOW
                properties["guardian_check_elsewhere"] = True
            yield self.report(call.site, message, confidence=confidence, properties=properties)


def _short(api: str) -> str:
    parts = api.rsplit(".", 2)
    return ".".join(parts[-2:]) if len(parts) > 2 else api
