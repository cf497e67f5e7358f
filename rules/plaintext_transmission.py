"""BIO005 plaintext-transmission."""
from __future__ import annotations

import re

from bioaudit import Confidence, Invalid, Rule, Severity, Valid
from bioaudit.engine.facts import ProjectFacts
from bioaudit.rules._support import RAW_KINDS, cap, glob_any, is_loopback, kinds_text, url_parts

PLAIN_SCHEMES = {"http", "ws", "ftp", "mqtt", "tcp", "amqp", "telnet"}
UNVERIFIED = re.compile(r"_create_unverified_context|CERT_NONE|check_hostname\s*=\s*False|verify_ssl\s*=\s*False|ssl\s*=\s*False")


class PlaintextTransmission(Rule):
    """
    ## What it does
    Flags calls that send facial data (templates, landmarks, face images) over the network
    without transport encryption, or with it disabled:

    - to an `http://` (or `ws://`, `ftp://`, `mqtt://`) URL on another machine;
    - with TLS certificate verification off: `verify=False` (requests, httpx), an
      unverified SSL context (`ssl._create_unverified_context()`, `CERT_NONE`) or
      `ssl=False` on the sending call;
    - over a plain `socket.socket` (no `ssl` wrapping), or an MQTT client (paho) on which
      `tls_set()` was never called;
    - through a Kafka producer (kafka-python, aiokafka, confluent-kafka) whose
      `security_protocol` (`"security.protocol"`) is not SSL or SASL_SSL: PLAINTEXT is the
      clients' default (low confidence when the setting comes from a mapping bioaudit
      cannot read, `KafkaProducer(**profiles[name])`).

    Loopback URLs (`localhost`, `127.0.0.1`) are not reported: the data does not leave
    the machine.

    ## Why is this bad?
    Anyone on the path (a Wi-Fi network, a compromised switch, a proxy) can read and keep
    a face image or template sent in the clear; with verification off, anyone who can
    redirect traffic can pose as the server and collect every face. Facial data must be
    transmitted with encryption and the care owed to the most confidential data.

    ## Options
    - `allowed-hosts`: host globs where plaintext is acceptable (e.g. a sidecar on a
      private link you document).

    ## Known limitations
    A URL built at run time from configuration (`f"{settings.MATCHER_URL}/v1"`) has an
    unknown scheme and is not reported. TLS terminated by a proxy on the same host, a
    socket of family `AF_UNIX`, and MQTT clients configured for TLS in code bioaudit
    cannot follow are reported at medium confidence at most. `verify` is followed when it is
    `False` or may be (`verify=ca_bundle or False`, also on the client or session the
    data is sent through, and `session.verify = False`), not when it comes from a
    variable; `urllib.request.Request` objects are not followed; an
    unverified context is only seen when it is created on the sending line.
    """

    ID = "BIO005"
    NAME = "plaintext-transmission"
    SEVERITY = Severity.HIGH
    SUMMARY = "Facial data is sent over the network without TLS, or with certificate verification off"
    FIX = "Send facial data only over HTTPS/TLS with certificate verification on (remove verify=False, wrap sockets with ssl, call tls_set() on MQTT clients)"
    TAGS = ("transmission", "encryption")
    REFERENCES = {
        "cn-frt-2025:art-14": "facial information is transmitted without the encryption the Measures require",
        "cn-pipl:art-51": "sensitive personal information travels without encryption",
        "eu-gdpr:art-32": "biometric data in transit is not encrypted (Art. 32(1)(a))",
        "eu-gdpr:art-5-1-f": "facial data in transit is exposed to interception",
        "us-il-bipa:sec-15-e": "the biometric identifier is transmitted below the reasonable standard of care",
        "us-tx-cubi:503-001-c-2": "the biometric identifier is not transmitted with reasonable care",
        "us-ca-ccpa:1798-150": "intercepted non-encrypted biometric data gives consumers a private right of action",
    }
    VALID = [
        Valid("""
            import face_recognition
            import requests

            def upload(img):
                enc = face_recognition.face_encodings(img)[0]
                requests.post("https://matcher.example.com/v1/templates", json={"enc": enc.tolist()}, timeout=10)
        """),
    ]
    INVALID = [
        Invalid("""
            import face_recognition
            import requests

            def upload(img):
                enc = face_recognition.face_encodings(img)[0]
                requests.post("http://matcher.example.com/v1/templates", json={"enc": enc.tolist()}, timeout=10)
        """, line=6),
    ]

    def check(self, facts: ProjectFacts):
        allowed = [str(h).lower() for h in self.options.get("allowed-hosts", ()) or ()]
        for flow in facts.sink_flows:
            if flow.category != "network":
                continue
            kinds = sorted(flow.kinds & RAW_KINDS)
            if not kinds:
                continue
            details = flow.details or {}
            url = details.get("url")
            scheme, host = url_parts(url)
            if host and allowed and glob_any(host, allowed):
                continue
            reasons: list[str] = []
            confidence = flow.confidence
            if scheme in PLAIN_SCHEMES and not is_loopback(host):
                reasons.append(f"over plaintext `{scheme}://`" + (f" to `{host}`" if host and host != "*" else ""))
            verify = details.get("verify")
            if "verify" in details and verify is not None and not verify:
                reasons.append(f"with TLS certificate verification off (`verify={verify!r}`)")
            statement = flow.site.statement or ""
            if UNVERIFIED.search(statement) and not is_loopback(host):
                reasons.append("through an unverified SSL context")
            types = set(details.get("receiver_types") or ())
            if "inst:socket.socket" in types and not any(t.startswith("inst:ssl.") for t in types):
                reasons.append("over a plain TCP socket without TLS")
                confidence = cap(confidence, Confidence.MEDIUM)
            if "inst:paho.mqtt.client.Client" in types and "tls:on" not in types:
                reasons.append("over MQTT without TLS (`tls_set()` is never called on the client)")
                confidence = cap(confidence, Confidence.MEDIUM)
            if "tls:kafka-plain" in types and "tls:on" not in types:
                reasons.append("over Kafka without TLS (`security_protocol` is not SSL or SASL_SSL)")
                confidence = cap(confidence, Confidence.MEDIUM)
            elif "tls:kafka-unknown" in types and "tls:on" not in types:
                reasons.append("over Kafka, maybe without TLS (the producer's `security_protocol` comes from a mapping bioaudit cannot read)")
                confidence = Confidence.LOW
            if flow.sink == "paho.mqtt.publish.single" and not re.search(r"\btls\s*=", statement):
                reasons.append("over MQTT without a `tls=` setting")
                confidence = cap(confidence, Confidence.MEDIUM if flow.site.end_line == flow.site.line else Confidence.LOW)
            if not reasons:
                continue
            yield self.report(
                flow.site,
                f"{kinds_text(kinds)} sent by `{flow.sink}` {' and '.join(reasons)}",
                confidence=confidence,
                steps=flow.steps,
                properties={"kinds": kinds, "sink": flow.sink, "url": url or "", "reasons": reasons},
            )
