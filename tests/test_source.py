from __future__ import annotations

import ast
import errno
import os
import struct
import zlib
from pathlib import Path

import pytest

from bioaudit.engine import source as source_mod
from bioaudit.engine.source import Source, read_source, split_lines
from bioaudit.model import SkippedFile


def write(tmp_path: Path, data: bytes, name: str = "m.py") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def png_bytes() -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + body))
        return struct.pack(">I", len(body)) + kind + body + crc

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00\xff\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def test_plain_utf8(tmp_path: Path) -> None:
    path = write(tmp_path, "face = 'caf\u00e9'\nprint(face)\n".encode())
    src = read_source(path, "m.py")
    text = "face = 'caf\u00e9'\nprint(face)\n"
    assert src == Source(path, "m.py", text, "utf-8", ["face = 'caf\u00e9'", "print(face)"])


def test_utf8_bom_is_stripped(tmp_path: Path) -> None:
    path = write(tmp_path, b"\xef\xbb\xbfx = 1\n")
    src = read_source(path, "m.py")
    assert isinstance(src, Source)
    assert src.text == "x = 1\n"
    assert src.encoding == "utf-8-sig"
    assert src.lines == ["x = 1"]


def test_latin1_cookie(tmp_path: Path) -> None:
    path = write(tmp_path, b"# -*- coding: latin-1 -*-\nname = 'Ren\xe9'\n")
    src = read_source(path, "m.py")
    assert isinstance(src, Source)
    assert src.encoding == "iso-8859-1"
    assert src.lines[1] == "name = 'Ren\u00e9'"
    assert ast.parse(src.text).body  # the decoded text is what Python would compile


def test_invalid_utf8_is_a_decode_error_with_offset(tmp_path: Path) -> None:
    path = write(tmp_path, b"x = 1\ny = '\xff'\n")
    assert read_source(path, "m.py") == SkippedFile(
        "m.py", "decode-error", "invalid utf-8 data at byte offset 11 (line 2): invalid start byte"
    )


def test_invalid_utf8_on_the_first_line(tmp_path: Path) -> None:
    path = write(tmp_path, b"# \xe9t\xe9\nx = 1\n")  # detect_encoding itself rejects this
    result = read_source(path, "m.py")
    detail = "invalid utf-8 data at byte offset 2 (line 1): invalid continuation byte"
    assert result == SkippedFile("m.py", "decode-error", detail)


def test_bytes_invalid_for_the_declared_encoding(tmp_path: Path) -> None:
    path = write(tmp_path, b"# coding: ascii\nx = '\xc3\xa9'\n")
    result = read_source(path, "m.py")
    assert isinstance(result, SkippedFile)
    assert result.reason == "decode-error"
    assert result.detail.startswith("invalid ascii data at byte offset 21 (line 2)")


def test_unknown_encoding_cookie(tmp_path: Path) -> None:
    path = write(tmp_path, b"# coding: klingon-8\nx = 1\n")
    assert read_source(path, "m.py") == SkippedFile(
        "m.py", "decode-error", "encoding declaration: unknown encoding: klingon-8"
    )


def test_null_bytes(tmp_path: Path) -> None:
    path = write(tmp_path, b"x = 1\ny = 2\x00\n")
    assert read_source(path, "m.py") == SkippedFile(
        "m.py", "null-bytes", "NUL byte at offset 11 (line 2)"
    )


def test_png_named_py_is_binary(tmp_path: Path) -> None:
    path = write(tmp_path, png_bytes(), "face.py")
    assert read_source(path, "face.py") == SkippedFile(
        "face.py", "binary", "PNG image, not Python source"
    )


def test_jpeg_without_nul_is_binary(tmp_path: Path) -> None:
    path = write(tmp_path, b"\xff\xd8\xff\xe0JFIF-ish\xc8\xc9", "photo.py")
    result = read_source(path, "photo.py")
    assert result == SkippedFile("photo.py", "binary", "JPEG image, not Python source")


def test_utf16_file_is_explained(tmp_path: Path) -> None:
    path = write(tmp_path, "x = 1\n".encode("utf-16"))
    result = read_source(path, "m.py")
    assert isinstance(result, SkippedFile)
    assert result.reason == "decode-error"
    assert "UTF-16" in result.detail


def test_empty_file(tmp_path: Path) -> None:
    path = write(tmp_path, b"")
    assert read_source(path, "m.py") == Source(path, "m.py", "", "utf-8", [])


def test_crlf_is_preserved(tmp_path: Path) -> None:
    path = write(tmp_path, b"a = 1\r\nb = 2\r\n\r\nc = 3")
    src = read_source(path, "m.py")
    assert isinstance(src, Source)
    assert src.text == "a = 1\r\nb = 2\r\n\r\nc = 3"
    assert src.lines == ["a = 1", "b = 2", "", "c = 3"]
    tree = ast.parse(src.text)
    assert [node.lineno for node in tree.body] == [1, 2, 4]


def test_lines_follow_python_line_numbers(tmp_path: Path) -> None:
    # Form feeds and U+2028 are not line breaks for Python (str.splitlines says they are).
    text = "a = 1\n\x0c\nb = '\u2028'\rc = 3\n"
    path = write(tmp_path, text.encode())
    src = read_source(path, "m.py")
    assert isinstance(src, Source)
    tree = ast.parse(src.text)
    assert [src.lines[n.lineno - 1] for n in tree.body] == ["a = 1", "b = '\u2028'", "c = 3"]
    assert split_lines("") == [] and split_lines("x\n\n") == ["x", ""]


def test_five_megabyte_file(tmp_path: Path) -> None:
    line = "embedding = [0.1, 0.2, 0.3]  # " + "x" * 60 + "\n"
    text = line * (5_000_000 // len(line) + 1)
    path = write(tmp_path, text.encode())
    src = read_source(path, "big.py")
    assert isinstance(src, Source)
    assert len(src.text) > 5_000_000
    assert len(src.lines) == text.count("\n")


def test_too_large(tmp_path: Path) -> None:
    path = write(tmp_path, b"x = 1\n" * 100)
    assert read_source(path, "m.py", max_bytes=100) == SkippedFile(
        "m.py", "too-large", "600 bytes, limit 100"
    )
    assert isinstance(read_source(path, "m.py", max_bytes=600), Source)


def test_unreadable_file(tmp_path: Path, monkeypatch) -> None:
    path = write(tmp_path, b"x = 1\n")
    path.chmod(0)
    if getattr(os, "geteuid", lambda: -1)() == 0:  # root reads anything: simulate EACCES

        def denied(file, *args, **kwargs):
            raise PermissionError(errno.EACCES, "Permission denied", os.fspath(file))

        monkeypatch.setattr(source_mod, "open", denied, raising=False)
    try:
        result = read_source(path, "m.py")
    finally:
        path.chmod(0o644)
    assert result == SkippedFile("m.py", "unreadable", "Permission denied")


def test_missing_file_is_unreadable(tmp_path: Path) -> None:
    result = read_source(tmp_path / "gone.py", "gone.py")
    assert result == SkippedFile("gone.py", "unreadable", "No such file or directory")


@pytest.mark.parametrize("name", ["with space.py", "caf\u00e9.py", "new\nline.py"])
def test_odd_file_names(tmp_path: Path, name: str) -> None:
    path = write(tmp_path, b"x = 1\n", name)
    src = read_source(path, name)
    assert isinstance(src, Source) and src.rel == name and src.text == "x = 1\n"
