"""BIO007 sensitive-attribute-inference."""
from __future__ import annotations

from bioaudit import Confidence, Invalid, Rule, Severity, Valid
from bioaudit.engine.facts import ProjectFacts
from bioaudit.rules._support import inferences, setting_of

SENSITIVE = ("race", "emotion")
ATTRIBUTE_TEXT = {"race": "race or ethnicity", "emotion": "emotion"}

# Which references a finding cites, by what it infers (the rule's REFERENCES give the reasons).
COMMON_REFS = (
    "eu-gdpr:art-5-1-b", "eu-gdpr:art-35", "eu-ai-act:art-50-3",
    "cn-frt-2025:art-4", "cn-pipl:art-6", "cn-pipl:art-55",
)
RACE_REFS = ("eu-ai-act:art-5-1-g", "eu-ai-act:annex-iii-1-b", "eu-gdpr:art-9-1", "us-ca-ccpa:1798-140-ae")
EMOTION_REFS = ("eu-ai-act:annex-iii-1-c",)
SETTING_REFS = ("eu-ai-act:art-5-1-f",)


class SensitiveAttributeInference(Rule):
    """
    ## What it does
    Flags face calls that infer race or ethnicity, or emotion, from a face, and names the
    argument that switches it on: `DeepFace.analyze` (its `actions` default to emotion,
    age, gender and race), `DeepFace.stream` (face analysis on by default), fer's emotion
    detector, Google Cloud Vision face detection (every result carries joy, sorrow, anger
    and surprise likelihoods), Alibaba's expression recognition, and the attribute
    switches of cloud APIs: Rekognition `Attributes=["ALL"]`/`["EMOTIONS"]`, Azure
    `return_face_attributes=["emotion"]`, Baidu `face_field` with `race` or `emotion`,
    Alibaba `expression=True`.

    A call that asks only for age, gender, smile, glasses, head pose or quality is not
    reported (age estimation is BIO010's concern). When the call's file path or function
    name shows a workplace or education setting (words such as employee, staff, hr,
    interview, student, school, classroom, exam, teacher, lecture, university), emotion
    inference is reported as falling under the EU AI Act's Art. 5(1)(f) prohibition and
    the finding carries `"setting"` and `"eu-ai-act": "art-5-1-f"` properties.

    Confidence is high when a literal argument (or the API's default, on a call whose
    arguments are all visible) enables the inference, medium when the call spans several
    lines and the switch is not a literal (the default probably applies), and low when the
    switch is set from a variable that may name a sensitive attribute.

    ## Why is this bad?
    Racial or ethnic origin is special-category data in the GDPR and sensitive personal
    information in the CCPA; inferring it from faces is biometric categorisation that the
    EU AI Act prohibits. Emotion recognition is a high-risk AI system, and in workplaces
    and education it is prohibited outright (except for medical or safety reasons). Both
    go beyond what identifying or verifying a person needs.

    ## Options
    - `workplace-words`: extra words of paths or function names that mark a workplace.

    ## Known limitations
    Switches set on a request object (Tencent `req.FaceAttributesType = "Emotion"`) or
    held in a variable (`actions=ACTIONS`) are not read: the first is not reported, the
    second is reported at low confidence because it may enable them. The engine keeps
    the first source line of a statement only, so a keyword on a later line of a
    multi-line call is taken to be absent (medium confidence). Model-level attribute
    inference (`DeepFace.build_model("Emotion").predict`) and insightface's attribute
    model (age and gender only) are not reported. The workplace or education setting is
    read from names only; a school app whose paths and functions say nothing of it is
    reported without the Art. 5(1)(f) note.
    """

    ID = "BIO007"
    NAME = "sensitive-attribute-inference"
    SEVERITY = Severity.HIGH
    SUMMARY = "Race, ethnicity or emotion is inferred from faces"
    FIX = "Drop race and emotion from the requested attributes (e.g. actions=[\"age\"]), or remove the inference; never infer emotions of employees or students"
    TAGS = ("inference", "special-category", "ai-act")
    REFERENCES = {
        "eu-ai-act:art-5-1-f": "emotions of people at work or in education are inferred from their faces",
        "eu-ai-act:art-5-1-g": "race or ethnicity is inferred from biometric data (prohibited biometric categorisation)",
        "eu-ai-act:annex-iii-1-b": "categorising people by sensitive attributes inferred from faces is a high-risk AI system",
        "eu-ai-act:annex-iii-1-c": "emotion recognition from faces is a high-risk AI system where it is not prohibited",
        "eu-ai-act:art-50-3": "people exposed to emotion recognition or biometric categorisation must be told",
        "eu-gdpr:art-9-1": "racial or ethnic origin derived from a face is special-category data",
        "eu-gdpr:art-5-1-b": "the inference serves a purpose the face was not collected for",
        "eu-gdpr:art-35": "systematic sensitive inference from faces needs a DPIA",
        "cn-frt-2025:art-4": "inferring race or emotion is not necessary for the face recognition purpose",
        "cn-pipl:art-6": "the inferred sensitive attributes exceed the minimum the purpose needs",
        "cn-pipl:art-55": "sensitive personal information is derived without a prior impact assessment",
        "us-ca-ccpa:1798-140-ae": "racial or ethnic origin is sensitive personal information",
    }
    VALID = [
        Valid("""
            from deepface import DeepFace

            def estimate(img):
                return DeepFace.analyze(img, actions=["age", "gender"])[0]["age"]
        """),
    ]
    INVALID = [
        Invalid("""
            from deepface import DeepFace

            def classroom_mood(frame):
                faces = DeepFace.analyze(frame)
                return [f["dominant_emotion"] for f in faces]
        """, line=4),
    ]

    def check(self, facts: ProjectFacts):
        extra = [str(w) for w in self.options.get("workplace-words", ()) or ()]
        for call in facts.face_calls:
            found = [i for i in inferences(call) if i.attribute in SENSITIVE]
            if not found:
                continue
            attributes = sorted({i.attribute for i in found})
            confidence = max(i.confidence for i in found)
            # the strongest reason per attribute, for the message
            how = []
            for attribute in attributes:
                best = max((i for i in found if i.attribute == attribute), key=lambda i: i.confidence)
                if best.how not in how:
                    how.append(best.how)
            short = call.api.rsplit(".", 2)
            name = ".".join(short[-2:]) if len(short) > 2 else call.api
            what = " and ".join(ATTRIBUTE_TEXT[a] for a in attributes)
            verb = "may infer" if confidence == Confidence.LOW else "infers"
            message = f"`{name}` {verb} {what} from faces ({'; '.join(how)})"
            properties = {"api": call.api, "attributes": attributes, "argument": "; ".join(how)}
            refs = list(COMMON_REFS)
            if "race" in attributes:
                refs += RACE_REFS
            if "emotion" in attributes:
                refs += EMOTION_REFS
                setting, word = setting_of(call.site.path, call.site.function, extra)
                if setting:
                    message += (
                        f"; in {setting} code (`{word}`) emotion recognition is prohibited by EU AI Act "
                        "Art. 5(1)(f) unless for medical or safety reasons"
                    )
                    properties.update({"setting": setting, "setting_word": word, "eu-ai-act": "art-5-1-f"})
                    refs = list(SETTING_REFS) + refs
            finding = self.report(call.site, message, confidence=confidence, properties=properties)
            finding.references = tuple(r for r in self.REFERENCES if r in set(refs))
            yield finding
