"""Read a Python source file the way the interpreter would decode it.

The bytes are read once; the encoding comes from the UTF-8 BOM or the PEP 263 cookie via
``tokenize.detect_encoding`` (UTF-8 otherwise) and decoding is strict, so a file bioaudit
reads is a file Python could compile and vice versa.  Anything that cannot be read becomes a
``SkippedFile`` with a short reason, never an exception.
"""
from __future__ import annotations

import io
import os
import tokenize
from dataclasses import dataclass
from pathlib import Path

from bioaudit.model import SkippedFile

MAX_BYTES = 20_000_000

# Signatures of binary formats (all start with a byte no Python source starts with).
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"PK\x03\x04", "ZIP archive"),
    (b"\x1f\x8b", "gzip data"),
    (b"\x7fELF", "ELF executable"),
    (b"\xfe\xed\xfa", "Mach-O binary"),
    (b"\xcf\xfa\xed\xfe", "Mach-O binary"),
    (b"\xca\xfe\xba\xbe", "Java class or Mach-O binary"),
    (b"MZ\x90\x00", "Windows executable"),
    (b"%PDF-", "PDF document"),
)
_UTF16_32_BOMS = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")


@dataclass
class Source:
    path: Path
    rel: str
    text: str  # decoded, BOM stripped, newlines exactly as in the file
    encoding: str  # as Python names it: "utf-8", "utf-8-sig" (had a BOM), "iso-8859-1", ...
    lines: list[str]  # physical lines as Python numbers them (line N is lines[N - 1])


def split_lines(text: str) -> list[str]:
    """Lines as the tokenizer counts them: only ``\\n``, ``\\r\\n`` and ``\\r`` end a line
    (``str.splitlines`` also splits at form feeds, ``\\x1c``-``\\x1e``, ``\\x85``, U+2028 and
    U+2029, which would shift every later line number)."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return lines


def _binary_kind(data: bytes) -> str:
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    if data.startswith(b"GIF89a") or data.startswith(b"GIF87a"):
        return "GIF image"
    if data.startswith(b"RIFF") and data[8:12] in (b"WEBP", b"WAVE", b"AVI "):
        return {b"WEBP": "WebP image", b"WAVE": "WAV audio", b"AVI ": "AVI video"}[data[8:12]]
    if data[4:8] == b"ftyp":
        return "MP4/HEIF media"
    if data[2:4] == b"\r\n" and data[1:2] in (b"\x0c", b"\x0d", b"\x0e"):
        return "compiled Python bytecode (.pyc)"
    return ""


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def read_source(path: Path, rel: str, *, max_bytes: int = MAX_BYTES) -> Source | SkippedFile:
    """Read and decode one file, or say why it cannot be analysed.

    Reasons: ``unreadable`` (OS error), ``too-large`` (over ``max_bytes``), ``binary``
    (a known binary format such as an image), ``null-bytes`` (any other file containing a
    NUL byte, which Python refuses to compile) and ``decode-error`` (an unknown or invalid
    encoding declaration, or bytes that are invalid in the declared encoding).
    """
    try:
        with open(path, "rb") as fh:
            data = fh.read(max_bytes + 1)
            size = os.fstat(fh.fileno()).st_size if len(data) > max_bytes else len(data)
    except OSError as exc:
        return SkippedFile(rel, "unreadable", exc.strerror or str(exc))
    if len(data) > max_bytes:
        return SkippedFile(rel, "too-large", f"{max(size, len(data))} bytes, limit {max_bytes}")

    if data.startswith(_UTF16_32_BOMS):
        return SkippedFile(
            rel,
            "decode-error",
            "UTF-16/UTF-32 byte order mark; Python source must use UTF-8 or an "
            "ASCII-compatible encoding",
        )
    nul = data.find(b"\x00")
    kind = _binary_kind(data[:16])
    if kind and (nul != -1 or _utf8_error(data) is not None):
        return SkippedFile(rel, "binary", f"{kind}, not Python source")
    if nul != -1:
        return SkippedFile(
            rel, "null-bytes", f"NUL byte at offset {nul} (line {_line_of(data, nul)})"
        )

    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:  # unknown codec, BOM/cookie clash, or undecodable first lines
        bad_utf8 = _utf8_error(data) if "invalid or missing" in str(exc) else None
        if bad_utf8 is not None:
            return SkippedFile(rel, "decode-error", _decode_detail(data, "utf-8", bad_utf8))
        return SkippedFile(rel, "decode-error", f"encoding declaration: {exc.msg or exc}")
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        return SkippedFile(rel, "decode-error", _decode_detail(data, encoding, exc))
    except LookupError as exc:  # detect_encoding validates the codec; belt and braces
        return SkippedFile(rel, "decode-error", str(exc))
    return Source(Path(path), rel, text, encoding, split_lines(text))


def _utf8_error(data: bytes) -> UnicodeDecodeError | None:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc
    return None


def _decode_detail(data: bytes, encoding: str, exc: UnicodeDecodeError) -> str:
    return (
        f"invalid {encoding} data at byte offset {exc.start} "
        f"(line {_line_of(data, exc.start)}): {exc.reason}"
    )
