"""The text screen that decides which files import a face library (before any parsing)."""
from pathlib import Path

import pytest

from bioaudit.engine.knowledge import load_knowledge

KNOWLEDGE = load_knowledge()
ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    "source",
    [
        b"import dlib\n",
        b"\xef\xbb\xbfimport face_recognition\n",
        b"x = 1\nfrom insightface.app import FaceAnalysis\n",
        b"import os; import dlib\n",
        b"try: import dlib\nexcept ImportError: dlib = None\n",
        b"import os, sys as system, face_recognition\n",
        b"from \\\n    deepface import DeepFace\n",
        b"import \\\n  mediapipe as mp\n",
        b"if True:\n\f    import mtcnn\n",
        b"import (os,\\\n dlib)\n",
    ],
)
def test_face_imports_are_found_in_every_spelling(source):
    statements = KNOWLEDGE.face_import_statements(source)
    assert statements, source
    assert all(s.strip().startswith((b"import", b"from", b"\xef\xbb\xbf")) for s in statements)


@pytest.mark.parametrize(
    "source",
    [
        b"import os\nimport buffer_tools\n",  # `fer` inside another name
        b"# import dlib\n",  # a comment
        b"from .dlib import helpers\n",  # a relative import of the project's own module
        b"print('import dlib')\n",
        b"importlib.import_module(name)\n",
        b"from mypkg import dlib_like\n",
    ],
)
def test_lookalikes_are_not_face_imports(source):
    assert KNOWLEDGE.face_import_statements(source) == []


def test_the_cheap_hint_is_a_superset_of_the_statements():
    hint, statement = KNOWLEDGE._import_regexes
    checked = 0
    for path in [*ROOT.joinpath("fixtures").rglob("*.py"), *ROOT.joinpath("tests").rglob("*.py")]:
        data = path.read_bytes()
        if statement.search(b"\n" + data):
            assert hint.search(data), path
            checked += 1
    assert checked > 20
