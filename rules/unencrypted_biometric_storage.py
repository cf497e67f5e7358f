"""BIO004 unencrypted-biometric-storage."""
from __future__ import annotations

from bioaudit import Invalid, Rule, Severity, Valid
from bioaudit.engine.facts import ProjectFacts
from bioaudit.rules._support import RAW_KINDS, kinds_text


class UnencryptedBiometricStorage(Rule):
    """
    ## What it does
    Flags calls that persist facial data (templates, landmarks, face images) without
    encrypting it first: files (`open().write`, csv writers, `pickle.dump`, `np.save`, `json.dump`,
    `joblib.dump`, `torch.save`, `cv2.imwrite`, PIL `Image.save`, a face recognizer's
    `write`), databases (DB-API `execute` with the value in its parameters, SQLAlchemy
    and Django model fields, MongoDB, Redis, shelve, the Firebase Realtime Database and
    Firestore, vector databases: ChromaDB, Pinecone, Qdrant, Milvus) and object stores (`put_object` without server-side encryption, Cloud
    Storage blobs).

    A file whose content is not known to be a face when it is written is a stored face
    image once a face API reads it: an upload saved to a path (`photo.save(path)`, `open(path,
    "wb")`, `shutil.copy`) and that path, or an image loaded from it (`cv2.imread`,
    `load_image_file`), given to `DeepFace.verify` or `face_encodings`, in the same function
    or through project helpers that write or read the path; likewise an upload assigned to
    a Django `FileField`/`ImageField` whose `.path` a face API reads (`case.selfie.path`).
    Data itself stored before it is known to be a face (a base64 selfie inserted into a
    table, then decoded for `DeepFace.represent`) is reported the same way.

    Data that went through a recognised encryption call first (Fernet, AES-GCM,
    ChaCha20-Poly1305, PyNaCl, pycryptodome, a KMS client, or a configured
    `encrypt-functions` entry, directly or through a project helper) is not reported.
    Hashing is not encryption.

    ## Why is this bad?
    A face template identifies a person for life and cannot be rotated like a password.
    One leaked backup, bucket or database dump exposes every enrolled face.

    ## Options
    - `encrypt-functions`: extra qualified names whose result counts as encrypted.
    - `storage-functions`: extra qualified names that persist their arguments.

    ## Known limitations
    Encryption at rest configured outside the code (an encrypted volume, a database
    with transparent encryption) is not visible; suppress with the reason. A saved upload
    is linked to the face API that reads it through the variable holding its path: a path
    rebuilt from its parts before the read (`os.path.join(folder, name)` twice), or kept in
    an attribute or a global (other than a model's file field), is not followed.
    """

    ID = "BIO004"
    NAME = "unencrypted-biometric-storage"
    SEVERITY = Severity.HIGH
    SUMMARY = "Facial data is persisted without encryption"
    FIX = "Encrypt the facial data before it is stored (e.g. Fernet or AES-GCM with a key from a KMS), or store it in an encrypted field"
    TAGS = ("storage", "encryption")
    REFERENCES = {
        "cn-frt-2025:art-14": "facial information is stored without the encryption the Measures require",
        "cn-pipl:art-51": "sensitive personal information is stored without encryption",
        "cn-pipl:art-28": "biometric data is stored without strict protection",
        "eu-gdpr:art-32": "biometric data at rest is not encrypted (Art. 32(1)(a))",
        "eu-gdpr:art-5-1-f": "stored biometric data is not protected against unauthorised access",
        "us-il-bipa:sec-15-e": "the biometric identifier is stored below the reasonable standard of care",
        "us-ca-ccpa:1798-150": "a breach of non-encrypted biometric data gives consumers a private right of action",
    }
    VALID = [
        Valid("""
            import face_recognition
            from cryptography.fernet import Fernet

            fernet = Fernet(key)
            enc = face_recognition.face_encodings(img)[0]
            with open("alice.bin", "wb") as f:
                f.write(fernet.encrypt(enc.tobytes()))
        """),
    ]
    INVALID = [
        Invalid("""
            import face_recognition
            import numpy

            enc = face_recognition.face_encodings(img)[0]
            numpy.save("alice.npy", enc)
        """, line=5),
    ]

    def check(self, facts: ProjectFacts):
        for flow in facts.sink_flows:
            if flow.category != "storage":
                continue
            kinds = sorted(flow.kinds & RAW_KINDS)
            if not kinds:
                continue
            where = flow.details.get("orm_field")
            how = f"model field `{where}`" if where else f"`{flow.sink}`"
            yield self.report(
                flow.site,
                f"{kinds_text(kinds)} stored unencrypted by {how}",
                confidence=flow.confidence,
                steps=flow.steps,
                properties={"kinds": kinds, "sink": flow.sink, "store": flow.details.get("store")},
            )
