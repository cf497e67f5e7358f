"""BIO009 raw-face-image-stored."""
from __future__ import annotations

from bioaudit import Confidence, Invalid, Rule, Severity, Valid
from bioaudit.engine.facts import ProjectFacts
from bioaudit.rules._support import cap

TEMPLATE_CATEGORIES = frozenset({"template", "enroll"})


class RawFaceImageStored(Rule):
    """
    ## What it does
    Flags calls that persist face images (crops, aligned faces, frames or photos that were
    passed to a face detector or recogniser), encrypted or not, where the same code also
    computes a face template or enrols the face: `cv2.imwrite` of an unknown visitor's
    crop next to `face_encodings`, a dataset of crops kept after the recogniser was
    trained, a probe photo archived after a cloud match.

    Confidence follows the evidence: medium (at most the storage flow's confidence) when
    a template is computed, or the face enrolled, in the function that stores the image or
    in a function the image came from; low when the template is computed elsewhere in the
    same module (or in a module the image passed through). Never high: whether the image
    itself is needed is a question of purpose the code does not answer. A project that never computes a template or
    enrols a face is not reported: there the image may be the only reference it has.

    ## Why is this bad?
    A face image holds far more than a template: it can be re-run through any recogniser,
    reveals age, health and ethnicity, and can be used for deepfakes. When the code already
    computes the template it needs, keeping the photos as well is data it does not need;
    minimisation and the Measures' minimal-retention rule call for discarding them.

    ## Known limitations
    The "same code" test uses the function and module of the storage call and of the face
    calls on the flow's evidence path, not the full set of paths the image took. Images
    stored with a purpose bioaudit cannot see (a profile photo shown to other users,
    dispute handling, a legal hold, a human review queue) are still reported; suppress
    with the reason.
    """

    ID = "BIO009"
    NAME = "raw-face-image-stored"
    SEVERITY = Severity.MEDIUM
    SUMMARY = "Face images are kept where the code already computes a template"
    FIX = "Keep the template and discard the face image once it is computed; if the image is needed, state why, encrypt it and give it a short retention"
    TAGS = ("minimisation", "storage")
    REFERENCES = {
        "eu-gdpr:art-5-1-c": "the face image is kept although the template serves the purpose",
        "eu-gdpr:art-25": "keeping raw images by default defeats data protection by design",
        "cn-frt-2025:art-4": "storing face images is not the least intrusive means when a template suffices",
        "cn-frt-2025:art-8": "raw facial information is retained beyond what the purpose strictly needs",
        "cn-pipl:art-6": "raw face images exceed the minimum scope of collection",
        "us-ca-ccpa:1798-140-c": "face imagery from which a template can be extracted is biometric information",
    }
    VALID = [
        Valid("""
            import face_recognition
            import numpy

            def enrol(path):
                img = face_recognition.load_image_file(path)
                return face_recognition.face_encodings(img)[0]
        """),
    ]
    INVALID = [
        Invalid("""
            import cv2
            import face_recognition

            def enrol(path, out):
                img = face_recognition.load_image_file(path)
                enc = face_recognition.face_encodings(img)[0]
                cv2.imwrite(out, img)
                return enc
        """, line=7),
    ]

    def check(self, facts: ProjectFacts):
        templates = [c for c in facts.face_calls if c.category in TEMPLATE_CATEGORIES]
        if not templates:
            return
        by_location = {(c.site.path, c.site.line): c for c in facts.face_calls}
        for flow in facts.sink_flows:
            if flow.category != "storage" or "face-image" not in (flow.kinds | flow.encrypted_kinds):
                continue
            functions = {(flow.site.path, flow.site.function)}
            modules = {flow.site.path}
            for step in flow.steps:
                call = by_location.get((step.path, step.line))
                if call is not None:
                    functions.add((call.site.path, call.site.function))
                if call is None or call.category != "verify":
                    # (a helper module that only compared the picture with another, a
                    # verify, is not where templates are made from it)
                    modules.add(step.path)
            near = [c for c in templates if (c.site.path, c.site.function) in functions]
            if near:
                template = min(near, key=lambda c: (c.site.path != flow.site.path, c.site.path, c.site.line))
                confidence = cap(flow.confidence, Confidence.MEDIUM)
                where = "the same code"
            else:
                around = [c for c in templates if c.site.path in modules]
                if not around:
                    continue
                template = min(around, key=lambda c: (c.site.path != flow.site.path, c.site.path, c.site.line))
                confidence = Confidence.LOW
                where = "the same module"
            encrypted = "face-image" not in flow.kinds
            short = ".".join(template.api.rsplit(".", 2)[-2:])
            does = "enrols the face with" if template.category == "enroll" else "computes a template with"
            location = f"{template.site.path}:{template.site.line}" if template.site.path != flow.site.path else f"line {template.site.line}"
            yield self.report(
                flow.site,
                f"face image{' (encrypted)' if encrypted else ''} stored by `{flow.sink}` although {where} "
                f"{does} `{short}` ({location})",
                confidence=confidence,
                steps=flow.steps,
                properties={"sink": flow.sink, "store": (flow.details or {}).get("store") or "", "template_api": template.api,
                            "encrypted": encrypted},
            )
