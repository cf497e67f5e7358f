"""BIO003 biometric-in-logs."""
from __future__ import annotations

from bioaudit import Invalid, Rule, Severity, Valid
from bioaudit.engine.facts import ProjectFacts
from bioaudit.rules._support import RAW_KINDS, kinds_text



class BiometricInLogs(Rule):
    """
    ## What it does
    Flags logging and output calls (`logging`, logger objects, `print`,
    `sys.stdout/stderr.write`, `warnings.warn`, loguru, structlog, rich, exception
    messages) that receive a face template, landmarks or a face image, or a string built
    from one (f-strings, `%`, `.format`, `str()`, `json.dumps`, `.tolist()`, base64).
    A value logged before anything knows it is a face (a camera frame printed, a base64
    selfie logged) is reported once the same variable, or what is decoded from it, is
    given to a face API as its image.

    Counts, lengths, shapes, names, ids, boxes, distances, scores and match booleans are
    not biometric data and are fine to log, and so is one number a whole array reduces to
    (`embedding.mean()`, `np.sum(a * b)`); an array reduced along an axis
    (`np.mean(encodings, axis=0)`, an averaged template) is still facial data.

    ## Why is this bad?
    Logs are copied to log aggregators, support tickets and third-party services, kept
    for years and read by people with no need to see biometric data. A template in a log
    line is a permanent identifier of a person that was never meant to leave the
    database.

    ## Options
    - `log-functions`: extra qualified names of logging calls.

    ## Known limitations
    Output through a custom handler object bioaudit cannot resolve is recognised only by
    common logger names (`log`, `logger`, `*_logger`).

    A record instance (a dataclass without its own `__repr__`/`__str__`) logged as it is
    shows its fields, except those declared `field(repr=False)`; a custom `__repr__` is
    not read (such instances are not reported). Facial data that reaches a callback
    parameter callers fill with different functions (`on_result(result)`) is reported at
    low confidence: only one of them may run.
    """

    ID = "BIO003"
    NAME = "biometric-in-logs"
    SEVERITY = Severity.HIGH
    SUMMARY = "Raw facial data (template, landmarks or face image) is written to logs or output"
    FIX = "Log an identifier, a count or a score instead of the facial data itself"
    TAGS = ("logging", "confidentiality")
    REFERENCES = {
        "eu-gdpr:art-32": "biometric data is copied to logs outside the protected store",
        "eu-gdpr:art-5-1-c": "logs keep facial data the purpose does not need",
        "cn-pipl:art-51": "logging sensitive biometric data defeats the required security measures",
        "cn-frt-2025:art-14": "facial information leaves the encrypted, access-controlled system through logs",
        "us-il-bipa:sec-15-e": "log files do not protect the biometric identifier with the required standard of care",
        "us-il-bipa:sec-15-d": "logs shipped to third parties disclose the biometric identifier",
    }
    VALID = [
        Valid("""
            import logging
            import face_recognition

            log = logging.getLogger(__name__)
            encodings = face_recognition.face_encodings(image)
            log.info("found %d faces", len(encodings))
        """),
    ]
    INVALID = [
        Invalid("""
            import logging
            import face_recognition

            log = logging.getLogger(__name__)
            encodings = face_recognition.face_encodings(image)
            log.debug(f"encodings: {encodings}")
        """, line=6),
    ]

    def check(self, facts: ProjectFacts):
        for flow in facts.sink_flows:
            if flow.category != "log":
                continue
            kinds = sorted(flow.kinds & RAW_KINDS)
            if not kinds:
                continue
            yield self.report(
                flow.site,
                f"{kinds_text(kinds)} written to output by `{flow.sink}`",
                confidence=flow.confidence,
                steps=flow.steps,
                properties={"kinds": kinds, "sink": flow.sink},
            )
