"""BIO006 third-party-transfer."""
from __future__ import annotations

import re

from bioaudit import Confidence, Invalid, Rule, Severity, Valid
from bioaudit.engine.facts import ProjectFacts
from bioaudit.rules._support import RAW_KINDS, catalog, glob_any, host_of, is_private, kinds_text, url_parts


def _vendors() -> list[dict]:
    return list(catalog("vendors.toml").get("vendor", []))


def _regions() -> dict[str, str]:
    return dict(catalog("vendors.toml").get("regions", {}))


def _vendor_for_library(library: str) -> dict | None:
    return next((v for v in _vendors() if library in v.get("libraries", ())), None)


def _vendor_for_host(host: str) -> dict | None:
    if not host or "*" in host:
        return None
    return next((v for v in _vendors() if any(_host_match(host, p) for p in v.get("hosts", ()))), None)


def _path_of(url) -> str:
    """The path of a URL or of a path written alone (`/face/v1.0/detect`)."""
    text = str(url or "")
    if "://" in text:
        text = "/" + text.split("://", 1)[1].partition("/")[2]
    return text.split("?", 1)[0]


def _vendor_for_path(url) -> dict | None:
    path = _path_of(url)
    if not path.startswith("/"):
        return None
    return next((v for v in _vendors() if glob_any(path, v.get("paths", ()))), None)


def _host_match(host: str, pattern: str) -> bool:
    regex = "^" + re.escape(pattern.lower()).replace(r"\*", r"[a-z0-9-]+(?:\.[a-z0-9-]+)*?") + "$"
    return re.match(regex, host) is not None


def _region_from(vendor: dict, host: str = "", region_arg: str = "") -> str:
    if host and vendor.get("region-host"):
        match = re.match(vendor["region-host"], host)
        if match:
            return match.group(1)
    if region_arg:
        if vendor.get("region-url"):
            match = re.match(vendor["region-url"], region_arg, re.I)
            if match:
                return match.group(1).lower()
        if "://" in region_arg or "/" in region_arg or "." in region_arg:
            return ""  # an endpoint URL that does not name its region
        return region_arg
    return ""


def _where(vendor: dict, region: str, fallback: str) -> tuple[str, str]:
    """(text for the message, location for properties)."""
    if region:
        location = _regions().get(region.lower(), "")
        return (f"{location} (region `{region}`)" if location else f"region `{region}`"), location or region
    text = vendor.get("processing") or fallback or "a processing location bioaudit does not know"
    return text, ""


class ThirdPartyTransfer(Rule):
    """
    ## What it does
    Flags each place where facial data leaves for a third-party or cloud face service:
    every call into a catalogued cloud face SDK (AWS Rekognition, Azure AI Face, Google
    Cloud Vision, Baidu, Tencent, Alibaba), and every network call that sends facial data
    to a known face-service host (Face++, Rekognition, Azure, Google Vision, Baidu,
    Tencent, Alibaba, Huawei, Kairos, Luxand endpoints called with an ordinary HTTP
    client; the hosts are in `rules/catalogs/vendors.toml`), or, when the host is set at
    run time (a client's `base_url` from the configuration), to a path only that vendor's
    face API uses (Azure `/face/v1.0/...`, Face++ `/facepp/v3/...`, Baidu
    `/rest/2.0/face/...`). The finding names the vendor, the country where it is
    established and, where the code shows it (`region_name`, a Tencent region, an Azure
    regional endpoint, a regional host name), the processing region. Enrolment calls
    (`index_faces`, `addUser`, `CreatePerson`, `add_face`...) are named as enrolment into
    the vendor's gallery, where the vendor keeps the face or template.

    CompreFace is usually run by its user: calls to a CompreFace server on this machine
    or a private network, or whose server address bioaudit cannot read, are not reported;
    calls to a server named by a public host are reported at low confidence.

    ## Why is this bad?
    Sending a face to another company is a disclosure to a processor that needs a
    contract and, under PIPL, separate consent; sending it abroad is a cross-border
    transfer that needs a legal mechanism (a security assessment, certification or
    standard contract under PIPL; adequacy or standard contractual clauses under the
    GDPR). China's Measures keep facial information on the device unless a law or the
    person's separate consent allows otherwise. A reviewer needs the list of vendors and
    processing countries for the PIPIA or DPIA and the transfer records.

    ## Options
    - `own-hosts`: host globs of face servers you run yourself (not reported).

    ## Known limitations
    The processing region is known only when it is a literal in the code (or a constant
    bioaudit resolves); otherwise the vendor's usual location from the catalog is named.
    The server address of a CompreFace client made with
    `CompreFace(domain, port).init_face_recognition(key)` is not carried to the service
    object, so such calls are not reported even when the server is remote. Where the data
    is collected is not visible, so every transfer is reported and the
    reviewer decides which ones cross a border. Facial data sent with a plain HTTP client
    is recognised only when bioaudit already knows it is facial data (it came from a face
    API, or was passed to one) and the URL's host is a literal.
    """

    ID = "BIO006"
    NAME = "third-party-transfer"
    SEVERITY = Severity.MEDIUM
    SUMMARY = "Facial data is sent to a third-party or cloud face service"
    FIX = "Keep face processing on the device where you can; otherwise record the vendor and processing country, sign a processing contract, get separate consent and put a lawful transfer mechanism in place (security assessment, certification or standard contract)"
    TAGS = ("transfer", "third-party", "cross-border")
    REFERENCES = {
        "cn-frt-2025:art-8": "facial information leaves the recognition device for a vendor's servers",
        "cn-pipl:art-21": "the face service is an entrusted processor that needs a contract and supervision",
        "cn-pipl:art-23": "sharing faces with another processor needs notice and separate consent",
        "cn-pipl:art-38": "a transfer abroad needs a security assessment, certification or standard contract",
        "cn-pipl:art-39": "a transfer abroad needs the person's separate consent and notice of the recipient",
        "cn-pipl:art-55": "entrusting or exporting sensitive personal information needs a prior impact assessment",
        "eu-gdpr:art-28": "the face service processes biometric data as a processor and needs a contract",
        "eu-gdpr:art-44": "a transfer outside the EEA is allowed only under Chapter V",
        "eu-gdpr:art-45": "the transfer relies on an adequacy decision for the processing country, which must exist",
        "eu-gdpr:art-46": "without adequacy, the transfer needs appropriate safeguards such as standard contractual clauses",
        "us-il-bipa:sec-15-d": "the biometric identifier is disclosed to a third party",
    }
    VALID = [
        Valid("""
            import face_recognition

            def enrol(img):
                return face_recognition.face_encodings(img)[0]
        """),
    ]
    INVALID = [
        Invalid("""
            import boto3

            rekognition = boto3.client("rekognition", region_name="eu-west-1")

            def enrol(visitor_id, image_bytes):
                return rekognition.index_faces(CollectionId="visitors", Image={"Bytes": image_bytes}, ExternalImageId=visitor_id)
        """, line=6),
    ]

    def check(self, facts: ProjectFacts):
        own = [str(h).lower() for h in self.options.get("own-hosts", ()) or ()]
        for call in facts.face_calls:
            if not call.cloud:
                continue
            finding = self._face_call(call, own)
            if finding is not None:
                yield finding
        for flow in facts.sink_flows:
            if flow.category != "network" or not (flow.kinds | flow.encrypted_kinds) & (RAW_KINDS | {"attributes"}):
                continue
            url = (flow.details or {}).get("url")
            scheme, host = url_parts(url)
            if own and host and glob_any(host, own):
                continue
            vendor = _vendor_for_host(host)
            at = f" at `{host}`"
            if vendor is None and (not host or "*" in host):
                # the host is set at run time, the path is the vendor's own API
                vendor = _vendor_for_path(url)
                at = f" (`{_path_of(url)}`)"
            if vendor is None:
                continue
            region = _region_from(vendor, host=host)
            where, location = _where(vendor, region, "")
            kinds = sorted((flow.kinds | flow.encrypted_kinds) & (RAW_KINDS | {"attributes"}))
            yield self.report(
                flow.site,
                f"{kinds_text(kinds)} sent by `{flow.sink}` to {_who(vendor)}{at}; processing in {where}",
                confidence=flow.confidence,
                steps=flow.steps,
                properties=_props(vendor, region, location, host=host, kinds=kinds, sink=flow.sink),
            )

    def _face_call(self, call, own):
        vendor = _vendor_for_library(str(call.library or "")) or {
            "name": call.vendor or call.library, "country": "", "processing": call.region, "gallery": "",
        }
        confidence = Confidence.HIGH
        host = ""
        if vendor.get("self-hosted"):
            host = host_of(call.region_arg)
            if not host or is_private(host) or (own and glob_any(host, own)):
                return None  # usually run by its user; reported only on a named remote host
            confidence = Confidence.LOW
        region = "" if vendor.get("self-hosted") else _region_from(vendor, region_arg=call.region_arg)
        where, location = _where(vendor, region, call.region)
        short = ".".join(str(call.api or "").rsplit(".", 2)[-2:])
        if vendor.get("self-hosted"):
            server = f" at `{host}`" if host else ""
            message = f"`{short}` sends faces to a {vendor['name']}{server} (a third party unless you run it yourself)"
        elif call.category == "enroll":
            gallery = vendor.get("gallery") or "the vendor's face gallery"
            message = f"`{short}` enrols faces into {gallery} held by {_who(vendor, service=False)}; processing in {where}"
        else:
            message = f"`{short}` sends faces to {_who(vendor)}; processing in {where}"
        props = _props(vendor, region, location, host=host, api=call.api, enrolment=call.category == "enroll")
        return self.report(call.site, message, confidence=confidence, properties=props)


def _who(vendor: dict, service: bool = True) -> str:
    """`Amazon Web Services Rekognition (vendor based in the United States)`."""
    name = vendor.get("name", "")
    if service and vendor.get("service"):
        name = f"{name} {vendor['service']}"
    country = vendor.get("country") or ""
    if country:
        article = "the " if country in ("United States", "United Kingdom", "Netherlands") else ""
        name += f" (vendor based in {article}{country})"
    return name


def _props(vendor: dict, region: str, location: str, **extra) -> dict:
    out = {
        "vendor": vendor.get("name", ""),
        "service": vendor.get("service", ""),
        "vendor_country": vendor.get("country", ""),
        "region": region,
        "processing": location or vendor.get("processing", ""),
    }
    out.update({k: v for k, v in extra.items() if v not in ("", None)})
    return out
