"""BIO011 key-beside-ciphertext."""
from __future__ import annotations

import re

from bioaudit import Confidence, Invalid, Rule, Severity, Valid
from bioaudit.engine.facts import ProjectFacts
from bioaudit.rules._support import RAW_KINDS, cap, kinds_text

# Key material that can only be a key, and generic random bytes (a key, a nonce, an IV or a salt).
KEY_GENERATORS = re.compile(r"generate_key|generate_private_key|PrivateKey\.generate|SigningKey\.generate")
NONCE_WORDS = re.compile(r"(?i)(?<![a-z])(nonce|iv|salt|tag|counter|ctr)(?![a-z])|_(nonce|iv|salt)\b")
KEY_STEP = re.compile(r"key material from `([^`]+)`")


def _key_source(steps) -> str:
    for step in steps:
        match = KEY_STEP.search(step.note or "")
        if match:
            return match.group(1)
    return ""


def _related(a: str, b: str) -> bool:
    """Two store names that sit side by side: `face:42` and `face:42:key`, `bob.bin` and `bob.key`."""
    a, b = a.lower(), b.lower()
    if a == b:
        return False
    for sep in (":", "/", "_", "-"):
        if a.startswith(b + sep) or b.startswith(a + sep):
            return True
    stem_a, _, ext_a = a.rpartition(".")
    stem_b, _, ext_b = b.rpartition(".")
    return bool(stem_a) and stem_a == stem_b and "key" in (ext_a, ext_b)


class KeyBesideCiphertext(Rule):
    """
    ## What it does
    Flags facial data that is encrypted but kept with the key that decrypts it:

    - the key and the ciphertext written by the same call (one database row, one pickled
      dict, one file write, one JSON envelope handed to an upload helper), or to the same
      store in separate writes; the storage service's own encryption at rest (S3
      `ServerSideEncryption`) does not help, since whoever reads the object gets both;
    - the key written next to the ciphertext (`face:42:key` beside `face:42`, `alice.key`
      beside `alice.bin`), at low confidence;
    - a key given to a cipher as a literal in the source code (`Fernet(b"...")`), also
      key-sized bytes decoded from a literal (`bytes.fromhex("8f1c...")`) that reach a
      cipher through variables and functions (a development key a loader falls back to),
      reported where they are written.

    Key material is what `Fernet.generate_key()`, `AESGCM.generate_key()` and similar
    return, and random bytes (`os.urandom`, `secrets.token_bytes`) that reach a storage
    call together with the ciphertext. Random bytes that were also passed to the encrypt
    call, or whose name says nonce, IV or salt, are a nonce stored beside its ciphertext
    (which is how AEAD works) and are not reported.

    ## Why is this bad?
    Encryption protects only as well as its key is kept apart from the data. A key in the
    same row, file or repository goes wherever the ciphertext goes (a backup, a dump, a
    leaked bucket, a public repository), so the templates are effectively stored in the
    clear, with none of the protection the law requires of them.

    ## Known limitations
    Keys and ciphertext written to two fields of one ORM row are not storage facts of the
    engine and are not seen, nor is a key that reaches the storing function as a parameter
    while the data is encrypted inside it (the engine keeps only the encrypted value). Key
    material made in a helper and returned to the storing function is seen. A literal key held in a module constant of type `bytes`
    (rather than written in the cipher call) is not recognised. Whether a literal key
    protects facial data is inferred from the project (high confidence when encrypted
    facial data is stored from the same file, medium when it is stored elsewhere in the
    project, low when no encrypted facial data is seen).
    """

    ID = "BIO011"
    NAME = "key-beside-ciphertext"
    SEVERITY = Severity.HIGH
    SUMMARY = "Encrypted facial data is stored together with its key, or the key is in the source code"
    FIX = "Keep the key out of the data store and the source: load it from a KMS, HSM or secret manager at run time and store only a key id beside the ciphertext"
    TAGS = ("encryption", "key-management")
    REFERENCES = {
        "cn-frt-2025:art-14": "the encryption the Measures require is defeated by keeping the key with the data",
        "cn-pipl:art-51": "the key management does not protect the encrypted sensitive data",
        "eu-gdpr:art-32": "encryption with an exposed key is not an appropriate security measure",
        "eu-gdpr:art-5-1-f": "anyone who obtains the ciphertext also obtains the key",
        "us-il-bipa:sec-15-e": "the biometric identifier is not protected with the reasonable standard of care",
        "us-ca-ccpa:1798-150": "data whose key is exposed with it counts as non-encrypted when breached",
    }
    VALID = [
        Valid("""
            import os
            import face_recognition
            from cryptography.fernet import Fernet

            fernet = Fernet(os.environ["FACE_KEY"])
            enc = face_recognition.face_encodings(img)[0]
            with open("alice.bin", "wb") as f:
                f.write(fernet.encrypt(enc.tobytes()))
        """),
    ]
    INVALID = [
        Invalid("""
            import pickle
            import face_recognition
            from cryptography.fernet import Fernet

            key = Fernet.generate_key()
            token = Fernet(key).encrypt(face_recognition.face_encodings(img)[0].tobytes())
            with open("alice.enc", "wb") as f:
                pickle.dump({"key": key, "token": token}, f)
        """, line=8),
    ]

    def check(self, facts: ProjectFacts):
        sealed = [f for f in facts.sink_flows if f.encrypted_kinds & RAW_KINDS]
        reported: set[tuple[str, int]] = set()
        # the key and the ciphertext in one write: a storage flow that carries both (the
        # engine's "key-stored" KeyUse marks the same calls when both are made in one function)
        for flow in facts.sink_flows:
            if flow.category != "storage" or "key" not in flow.kinds or not flow.encrypted_kinds & RAW_KINDS:
                continue
            where = (flow.site.path, flow.site.line)
            if where in reported:
                continue
            finding = self._stored_together(flow)
            if finding is not None:
                reported.add(where)
                yield finding
        for use in facts.key_uses:
            where = (use.site.path, use.site.line)
            if use.kind not in ("literal-key", "literal-key-source") or where in reported:
                continue
            reported.add(where)
            yield self._literal(use, sealed)
        yield from self._same_store(facts, reported)

    # -- the key and the ciphertext in one write ------------------------------------------
    def _stored_together(self, flow):
        source = _key_source(flow.steps)
        text = " ".join(str(x) for x in (flow.site.statement, (flow.details or {}).get("sql") or ""))
        if source and KEY_GENERATORS.search(source):
            confidence = flow.confidence
        else:
            if "key" in flow.encrypted_kinds or NONCE_WORDS.search(text):
                return None  # random bytes that went into the encryption: a nonce or IV
            confidence = cap(flow.confidence, Confidence.MEDIUM if source else Confidence.LOW)
        kinds = sorted(flow.encrypted_kinds & RAW_KINDS)
        store = (flow.details or {}).get("store")
        place = f" (`{store}`)" if store else ""
        origin = f" from `{source}`" if source else ""
        return self.report(
            flow.site,
            f"encrypted {kinds_text(kinds)} stored by `{flow.sink}`{place} together with the key{origin} that decrypts them",
            confidence=confidence,
            steps=flow.steps,
            properties={"kinds": kinds, "sink": flow.sink, "store": store or "", "key_source": source, "how": "same write"},
        )

    # -- a literal key --------------------------------------------------------------------
    def _literal(self, use, sealed):
        here = [f for f in sealed if f.site.path == use.site.path or any(s.path == use.site.path for s in f.steps)]
        if here:
            confidence, protects = Confidence.HIGH, f"; encrypted facial data is stored from this file ({here[0].site.path}:{here[0].site.line})"
        elif sealed:
            confidence, protects = Confidence.MEDIUM, "; the project stores encrypted facial data"
        else:
            confidence, protects = Confidence.LOW, ""
        cipher = use.detail or "cipher"
        what = (
            f"key bytes written in the source code are given to `{cipher}` as its key" if use.kind == "literal-key-source"
            else f"`{cipher}` is given its key as a literal in the source code"
        )
        return self.report(
            use.site,
            f"{what}{protects}",
            confidence=confidence,
            properties={"cipher": cipher, "how": "literal key"},
        )

    # -- the key and the ciphertext in separate writes to the same (or an adjacent) store ---
    def _same_store(self, facts: ProjectFacts, reported):
        keys = [f for f in facts.sink_flows if f.category == "storage" and "key" in f.kinds and (f.details or {}).get("store")]
        data = [f for f in facts.sink_flows if f.category == "storage" and f.encrypted_kinds & RAW_KINDS and (f.details or {}).get("store")]
        for key_flow in keys:
            where = (key_flow.site.path, key_flow.site.line)
            if where in reported:
                continue
            source = _key_source(key_flow.steps)
            if not (source and KEY_GENERATORS.search(source)):
                continue  # random bytes written alone are as likely a salt or nonce
            store = str(key_flow.details["store"])
            same = [f for f in data if str(f.details["store"]).lower() == store.lower() and (f.site.path, f.site.line) != where]
            near = [f for f in data if _related(store, str(f.details["store"]))]
            if same:
                other, confidence, how = same[0], cap(key_flow.confidence, Confidence.HIGH), "same store"
            elif near:
                other, confidence, how = near[0], Confidence.LOW, "adjacent store"
            else:
                continue
            reported.add(where)
            kinds = sorted(other.encrypted_kinds & RAW_KINDS)
            where_text = f"`{store}`" if how == "same store" else f"`{store}`, next to `{other.details['store']}`"
            yield self.report(
                key_flow.site,
                f"the key from `{source}` is written to {where_text} where the encrypted {kinds_text(kinds)} are kept "
                f"({other.site.path}:{other.site.line})",
                confidence=confidence,
                steps=key_flow.steps,
                properties={"store": store, "ciphertext_store": other.details["store"], "key_source": source, "how": how},
            )
