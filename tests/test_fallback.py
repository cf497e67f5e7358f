"""BIO002: a face decision needs a non-face way to the same end somewhere in the project."""
from __future__ import annotations

from analysis_helpers import lines, marked, run

from bioaudit.config import Config

LOGIN = """
import face_recognition
from flask_login import login_user

def face_login(user, img):
    probe = face_recognition.face_encodings(img)[0]
    if face_recognition.compare_faces([user.encoding], probe)[0]:  # HERE
        login_user(user)
"""


def test_face_only_login_is_reported(tmp_path):
    files = {"auth.py": LOGIN}
    assert lines(tmp_path, files, "BIO002") == marked(files)


def test_password_route_elsewhere_is_a_fallback(tmp_path):
    files = {
        "auth.py": LOGIN.replace("  # HERE", ""),
        "password.py": """
            from flask_login import login_user
            from werkzeug.security import check_password_hash

            def password_login(user, password):
                if check_password_hash(user.password_hash, password):
                    login_user(user)
        """,
    }
    assert lines(tmp_path, files, "BIO002") == set()


def test_second_factor_that_still_needs_the_face_is_not_a_fallback(tmp_path):
    files = {
        "auth.py": """
            import face_recognition
            from flask_login import login_user
            from werkzeug.security import check_password_hash

            def login(user, img, password):
                probe = face_recognition.face_encodings(img)[0]
                face_ok = face_recognition.compare_faces([user.encoding], probe)[0]  # HERE
                if check_password_hash(user.password_hash, password) and face_ok:
                    login_user(user)
        """,
    }
    assert lines(tmp_path, files, "BIO002") == marked(files)


def test_alternative_in_the_same_function_is_a_fallback(tmp_path):
    files = {
        "auth.py": """
            import face_recognition
            from flask_login import login_user
            from werkzeug.security import check_password_hash

            def login(user, img, password):
                if password:
                    ok = check_password_hash(user.password_hash, password)
                else:
                    probe = face_recognition.face_encodings(img)[0]
                    ok = face_recognition.compare_faces([user.encoding], probe)[0]
                if ok:
                    login_user(user)
        """,
    }
    assert lines(tmp_path, files, "BIO002") == set()


def test_early_exit_on_no_match_gates_what_follows(tmp_path):
    files = {
        "door.py": """
            import face_recognition

            def open_door():
                pass

            def on_frame(known, frame):
                encs = face_recognition.face_encodings(frame)
                if not encs:
                    return
                matches = face_recognition.compare_faces(known, encs[0])  # HERE
                if True not in matches:
                    return
                open_door()
        """,
    }
    assert lines(tmp_path, files, "BIO002") == marked(files)


def test_passive_identification_decides_nothing(tmp_path):
    files = {
        "cctv.py": """
            import cv2
            import face_recognition

            def annotate(frame, known, names):
                for enc in face_recognition.face_encodings(frame):
                    matches = face_recognition.compare_faces(known, enc)
                    name = names[matches.index(True)] if True in matches else "?"
                    cv2.putText(frame, name, (10, 10), cv2.FONT_HERSHEY_SIMPLEX, 1, (0, 255, 0))
                    print(name)
        """,
    }
    assert lines(tmp_path, files, "BIO002") == set()


def test_decision_returned_through_a_helper(tmp_path):
    files = {
        "match.py": """
            import face_recognition

            def is_same_person(known, img):
                probe = face_recognition.face_encodings(img)[0]
                return face_recognition.compare_faces([known], probe)[0]  # HERE
        """,
        "views.py": """
            from flask import session
            from match import is_same_person

            def login(user, img):
                if is_same_person(user.encoding, img):
                    session["user_id"] = user.id
        """,
    }
    assert lines(tmp_path, files, "BIO002") == marked(files)


def test_declared_fallback_in_config(tmp_path):
    files = {"auth.py": LOGIN}
    config = Config(declared_fallback={"reason": "PIN login at the identity service", "ends": ["login"]})
    result = run(tmp_path, files, config=config)
    assert [f for f in result.findings if f.rule_id == "BIO002"] == []


def test_face_calls_gating_one_action_are_one_finding(tmp_path):
    """`compare_faces` and `face_distance` on the same probe make one decision: reported once,
    at the first call, naming the other; a second action they gate elsewhere is its own."""
    files = {
        "gate.py": """
            import face_recognition
            import numpy as np

            def open_door(known, probe, door):
                matches = face_recognition.compare_faces(known, probe)  # HERE
                distances = face_recognition.face_distance(known, probe)
                best = int(np.argmin(distances))
                if matches[best]:
                    door.open()

            def side_door(known, probe, door):
                if face_recognition.compare_faces(known, probe)[0]:  # HERE
                    door.open()
        """,
    }
    result = run(tmp_path, files)
    found = [f for f in result.findings if f.rule_id == "BIO002"]
    assert {(f.path, f.span.line) for f in found} == marked(files)
    first = min(found, key=lambda f: f.span.line)
    assert f"(with `face_distance`, line {first.span.line + 1})" in first.message
    assert first.properties["also"] == ["face_recognition.face_distance"]
