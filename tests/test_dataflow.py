"""Facial data followed through assignments, containers, attributes, state, stores and
modules (BIO003 and BIO004), and the confidence each finding carries."""
from __future__ import annotations

import textwrap

from analysis_helpers import found, lines, marked, run

from bioaudit.config import Config
from bioaudit.model import Confidence


def test_helper_module_without_face_imports_gets_the_storage_finding(tmp_path):
    files = {
        "storage.py": """
            import pickle

            def save(name, vector):
                with open("faces.pkl", "ab") as fh:
                    pickle.dump({"name": name, "vector": vector}, fh)  # HERE
        """,
        "services.py": """
            import face_recognition
            import storage

            def enrol(name, img):
                enc = face_recognition.face_encodings(img)[0]
                storage.save(name, enc)
                storage.save(name, len(enc))
        """,
    }
    result = run(tmp_path, files)
    bio004 = [f for f in result.findings if f.rule_id == "BIO004"]
    assert {(f.path, f.span.line) for f in bio004} == marked(files)
    assert bio004[0].confidence == Confidence.MEDIUM  # derived through a project summary
    notes = [s.note for s in bio004[0].steps]
    assert notes[0].startswith("template from `face_recognition.face_encodings`")
    assert any("passed to `save()`" in n for n in notes)
    assert bio004[0].steps[0].path == "services.py" and bio004[0].steps[-1].path == "storage.py"


def test_direct_flow_is_high_confidence_and_min_confidence_filters(tmp_path):
    files = {
        "a.py": """
            import face_recognition, numpy as np
            enc = face_recognition.face_encodings(img)[0]
            np.save("a.npy", enc)
        """,
    }
    result = run(tmp_path, files)
    assert [f.confidence for f in result.findings if f.rule_id == "BIO004"] == [Confidence.HIGH]


def test_object_attributes_and_methods(tmp_path):
    files = {
        "gallery.py": """
            import logging
            import pickle
            import face_recognition

            log = logging.getLogger(__name__)

            class Gallery:
                def __init__(self):
                    self.known_encodings = []
                    self.names = []

                def add(self, name, img):
                    self.known_encodings.append(face_recognition.face_encodings(img)[0])
                    self.names.append(name)

                def dump(self, path):
                    log.info("gallery of %d: %s", len(self.names), self.names)
                    log.debug("vectors %s", self.known_encodings)  # HERE
                    with open(path, "wb") as fh:
                        pickle.dump(self.known_encodings, fh)  # HERE
        """,
    }
    found = {(p, l) for p, l in lines(tmp_path, files, "BIO003") | lines(tmp_path, files, "BIO004")}
    assert found == marked(files)


def test_module_globals_across_modules(tmp_path):
    files = {
        "state.py": """
            KNOWN = {}
        """,
        "enrol.py": """
            import face_recognition
            import state

            def enrol(name, img):
                state.KNOWN[name] = face_recognition.face_encodings(img)[0]
        """,
        "report.py": """
            import state

            def show():
                print(sorted(state.KNOWN))
                print(state.KNOWN)  # HERE
        """,
    }
    assert lines(tmp_path, files, "BIO003") == marked(files)


def test_values_read_back_from_a_store_the_project_wrote(tmp_path):
    files = {
        "writer.py": """
            import face_recognition, pickle
            DB = "encodings.pickle"

            def build(imgs):
                data = {"encodings": [face_recognition.face_encodings(i)[0] for i in imgs], "names": []}
                with open(DB, "wb") as f:
                    f.write(pickle.dumps(data))  # HERE
        """,
        "reader.py": """
            import pickle

            def load():
                with open("encodings.pickle", "rb") as f:
                    data = pickle.load(f)
                print(data["encodings"])  # HERE
                print(len(data["names"]))
        """,
    }
    result = run(tmp_path, files)
    found = {(f.path, f.span.line) for f in result.findings if f.rule_id in ("BIO003", "BIO004")}
    assert found == marked(files)


def test_encryption_before_storage_including_through_a_helper(tmp_path):
    files = {
        "crypto.py": """
            from cryptography.fernet import Fernet
            _f = Fernet(KEY)

            def seal(data):
                return _f.encrypt(data)
        """,
        "store.py": """
            import face_recognition, hashlib, numpy as np
            from crypto import seal

            enc = face_recognition.face_encodings(img)[0]
            np.save("sealed.npy", seal(enc.tobytes()))
            np.save("hashed.npy", hashlib.sha256(enc.tobytes()).hexdigest())  # HERE
            open("raw.bin", "wb").write(enc.tobytes())  # HERE
        """,
    }
    assert lines(tmp_path, files, "BIO004") == marked(files)


def test_orm_fields_sqlalchemy_and_django(tmp_path):
    files = {
        "models.py": """
            from django.db import models
            from sqlalchemy import Column, LargeBinary
            from sqlalchemy.orm import declarative_base
            from sqlalchemy_utils import StringEncryptedType

            Base = declarative_base()

            class Face(Base):
                __tablename__ = "faces"
                vector = Column(LargeBinary)
                sealed = Column(StringEncryptedType(LargeBinary, KEY))

            class Profile(models.Model):
                embedding = models.BinaryField()
        """,
        "enrol.py": """
            import face_recognition
            from models import Face, Profile

            def enrol(img, profile_id):
                enc = face_recognition.face_encodings(img)[0]
                Face(vector=enc.tobytes())  # HERE
                Face(sealed=enc.tobytes())
                Profile.objects.create(embedding=enc.tobytes())  # HERE
                p = Profile.objects.get(pk=profile_id)
                p.embedding = enc.tobytes()  # HERE
                p.save()
        """,
    }
    assert lines(tmp_path, files, "BIO004") == marked(files)


def test_strings_and_serialisation_keep_the_data(tmp_path):
    files = {
        "m.py": """
            import base64, json, logging
            import face_recognition
            log = logging.getLogger("x")
            enc = face_recognition.face_encodings(img)[0]
            log.info("a " + str(enc))  # HERE
            log.info("b %s" % (enc,))  # HERE
            log.info("c {}".format(enc.tolist()))  # HERE
            log.info(json.dumps({"v": enc.tolist()}))  # HERE
            log.info(base64.b64encode(enc.tobytes()))  # HERE
            log.info("shape %s dims %d", enc.shape, len(enc))
            dist = face_recognition.face_distance([enc], enc)
            log.info("distance %s", dist)
        """,
    }
    assert lines(tmp_path, files, "BIO003") == marked(files)


def test_name_heuristic_is_low_confidence(tmp_path):
    files = {
        "m.py": """
            import pickle
            import face_recognition
            known_encodings = pickle.load(open(path, "rb"))
            print(known_encodings)
        """,
    }
    result = run(tmp_path, files)
    bio003 = [f for f in result.findings if f.rule_id == "BIO003"]
    assert [f.confidence for f in bio003] == [Confidence.LOW]
    result = run(tmp_path, files, config=Config(min_confidence="medium"))
    assert [f for f in result.findings if f.rule_id == "BIO003"] == []


def test_project_module_shadowing_a_library_name_is_project_code(tmp_path):
    files = {
        "face_recognition.py": """
            def face_encodings(cube):
                return [side for side in cube]
        """,
        "main.py": """
            import logging
            import face_recognition
            print(face_recognition.face_encodings(cube))
        """,
    }
    assert run(tmp_path, files).findings == []


def test_namespace_packages_and_src_layout(tmp_path):
    files = {
        "src/acme/faces/embed.py": """
            import face_recognition

            def embed(img):
                return face_recognition.face_encodings(img)[0]
        """,
        "src/acme/storage/__init__.py": "",
        "src/acme/storage/disk.py": """
            import numpy as np
            from acme.faces.embed import embed

            def keep(img):
                np.save("x.npy", embed(img))  # HERE
        """,
    }
    assert lines(tmp_path, files, "BIO004") == marked(files)


def test_values_that_contain_themselves_keep_a_finite_shape(tmp_path):
    """A value rebuilt from itself through calls and object state (a running min/max
    pair) must not grow without bound: the analysis terminates quickly."""
    import time

    files = {
        "m.py": """
            import face_recognition

            def upd(b, x):
                if b is None:
                    return x, x
                lo, hi = b
                return min(lo, x), max(hi, x)

            class Pen:
                def __init__(self):
                    self.b = None

                def add(self, x):
                    b = self.b
                    b = upd(b, x)
                    b = upd(b, x)
                    b = upd(b, face_recognition.face_encodings(x)[0])
                    self.b = b

                def show(self):
                    print(self.b)  # HERE
        """,
    }
    began = time.perf_counter()
    assert lines(tmp_path, files, "BIO003") == marked(files)
    assert time.perf_counter() - began < 10


def test_image_paths_are_not_face_images(tmp_path):
    files = {
        "kyc.py": """
            import logging
            from deepface import DeepFace
            log = logging.getLogger(__name__)

            def check(id_photo_path, selfie_path, selfie_array):
                result = DeepFace.verify(img1_path=id_photo_path, img2_path=selfie_array)
                log.info("compared %s", id_photo_path)
                log.info("selfie %s", selfie_array)  # HERE
                return result["verified"]
        """,
    }
    assert lines(tmp_path, files, "BIO003") == marked(files)


def test_records_in_lists_and_read_back_stores_keep_their_fields(tmp_path):
    files = {
        "m.py": """
            import pickle
            import face_recognition

            def build(imgs, names):
                people = [{"name": n, "enc": face_recognition.face_encodings(i)[0]} for n, i in zip(names, imgs)]
                for p in people:
                    print(p["name"])
                    print(p["enc"])  # HERE
                with open("known.pkl", "wb") as fh:
                    pickle.dump({"encodings": [p["enc"] for p in people], "names": names}, fh)  # HERE

            def show():
                data = pickle.load(open("known.pkl", "rb"))
                print(data["names"])
                print(data["encodings"])  # HERE
        """,
    }
    result = run(tmp_path, files)
    found = {(f.path, f.span.line) for f in result.findings if f.rule_id in ("BIO003", "BIO004")}
    assert found == marked(files)


def test_classifier_answers_and_the_largest_face_are_not_templates(tmp_path):
    files = {
        "m.py": """
            from insightface.app import FaceAnalysis
            from sklearn.svm import SVC

            app = FaceAnalysis()

            def train(imgs, names):
                encs = [app.get(i)[0].normed_embedding for i in imgs]
                clf = SVC()
                clf.fit(encs, names)
                print(clf.predict(encs[:1]))
                face = max(app.get(imgs[0]), key=lambda f: f.det_score)
                print(face.bbox, face.det_score)
                print(face.normed_embedding)  # HERE
        """,
    }
    assert lines(tmp_path, files, "BIO003") == marked(files)


def test_static_methods_called_through_self_keep_their_arguments(tmp_path):
    files = {
        "store.py": """
            import sqlite3
            import face_recognition

            class Store:
                @staticmethod
                def _save(conn, name, vector):
                    conn.execute("INSERT INTO faces (name, vec) VALUES (?, ?)", (name, vector.tobytes()))  # HERE

                def add(self, conn, name, img):
                    self._save(conn, name, face_recognition.face_encodings(img)[0])
        """,
    }
    assert lines(tmp_path, files, "BIO004") == marked(files)


def test_a_vendored_face_library_is_still_the_face_library(tmp_path):
    files = {
        "insightface/__init__.py": "",
        "insightface/app/__init__.py": "from .face_analysis import FaceAnalysis\n",
        "insightface/app/face_analysis.py": """
            class FaceAnalysis:
                def __init__(self, name="buffalo_l"):
                    self.models = {}

                def get(self, img):
                    return [model(img) for model in self.models.values()]
        """,
        "gui/library.py": """
            import logging
            from insightface.app import FaceAnalysis
            log = logging.getLogger(__name__)
            app = FaceAnalysis()

            def enrol(img):
                faces = app.get(img)
                log.info("embedding %s", faces[0].embedding)  # HERE
        """,
    }
    assert lines(tmp_path, files, "BIO003") == marked(files)


def test_values_carried_by_continue_reach_the_next_iteration(tmp_path):
    files = {
        "m.py": """
            import face_recognition

            def scan(frames):
                last = None
                for frame in frames:
                    encs = face_recognition.face_encodings(frame)
                    if encs:
                        last = encs[0]
                        continue
                    print(len(encs))
                print(last)  # HERE
        """,
    }
    assert lines(tmp_path, files, "BIO003") == marked(files)


def test_a_value_from_the_previous_iteration_is_seen(tmp_path):
    """A loop pass is repeated only for names one iteration may pass to the next. Those
    are names read before they are assigned (`previous`), and names a `break` carries out
    of the loop before their assignment (`emb` after `while True`). A name assigned at
    the top of every iteration (`frame`) does not need another pass."""
    files = {
        "m.py": """
            import face_recognition

            def track(frames):
                previous = None
                for frame in frames:
                    if previous is not None:
                        print(previous)  # HERE
                    encs = face_recognition.face_encodings(frame)
                    previous = encs

            def drain(camera):
                emb = None
                while True:
                    frame = camera.read()
                    if frame is None:
                        break
                    emb = face_recognition.face_encodings(frame)
                print(emb)  # HERE

            def fresh(frames):
                for frame in frames:
                    size = len(frame)
                    print(size)
                    face_recognition.face_encodings(frame)
        """,
    }
    assert lines(tmp_path, files, "BIO003") == marked(files)


def test_a_kwargs_key_is_the_keyword_of_that_name(tmp_path):
    """`def record(event, **context)` reading `context.get("score")` sees what callers pass
    as `score=`, not every keyword they pass; a caller's `**mapping` may hold any key. The
    whole `context` (dumped into the log) is everything passed."""
    files = {
        "audit.py": """
            import json
            import logging

            log = logging.getLogger(__name__)

            def record(event, *, actor="kiosk", **context):
                log.info("%s score=%s", event, context.get("score"))  # HERE
                log.debug("%s %s", event, json.dumps(context, default=str))  # HERE
        """,
        "views.py": """
            import face_recognition
            from audit import record

            def checkin(img, ok):
                if not ok:
                    return
                encs = face_recognition.face_encodings(img)
                record("seen", face=encs, score=0.4)

            def enrol(img, ok):
                if ok:
                    extra = {"score": face_recognition.face_encodings(img)}
                    record("enrol", **extra)
        """,
    }
    assert lines(tmp_path, files, "BIO003") == marked(files)
    files["views.py"] = files["views.py"].replace('record("enrol", **extra)', 'record("enrol")')
    assert lines(tmp_path / "2", files, "BIO003") == {("audit.py", 8)}


def test_where_a_stored_picture_is_is_not_the_picture(tmp_path):
    """Rekognition reads a picture from S3 (`{"S3Object": {"Bucket": b, "Name": k}}`): the
    bucket and key name where it is, and logging them logs no face. Bytes given to it are
    the face."""
    files = {
        "faces.py": """
            import logging
            import boto3

            log = logging.getLogger(__name__)
            client = boto3.client("rekognition")

            def compare_with_stored(bucket, key, selfie):
                return client.compare_faces(SourceImage={"S3Object": {"Bucket": bucket, "Name": key}},
                                            TargetImage={"Bytes": selfie})

            def reissue(bucket, key, selfie, consented):
                if consented:
                    compare_with_stored(bucket, key, selfie)
                    log.info("compared against %s/%s", bucket, key)
                    log.debug("selfie %r", selfie)  # HERE
        """,
    }
    assert lines(tmp_path, files, "BIO003") == marked(files)


def test_a_helper_reading_one_attribute_of_a_face_gets_that_attribute(tmp_path):
    """`def log_box(face): log.info(face.bbox)` given an insightface face logs the box, not
    the embedding and landmarks the face also has; a record built from `face.bbox` and
    `face.normed_embedding` keeps each in its own field."""
    files = {
        "m.py": """
            import logging
            from insightface.app import FaceAnalysis

            log = logging.getLogger(__name__)
            app = FaceAnalysis()

            def log_landmarks(face):
                log.info("kps %s", face.kps)  # HERE

            def log_box(face):
                log.info("box %s", face.bbox)

            def to_row(face):
                return {"embedding": face.normed_embedding.tolist(), "box": face.bbox.tolist()}

            def run(img, consent):
                if not consent:
                    return
                for face in app.get(img):
                    log_landmarks(face)
                    log_box(face)
                    row = to_row(face)
                    log.info("box %s", row["box"])
                    log.info("embedding %s", row["embedding"])  # HERE
        """,
    }
    found = sorted((f for f in run(tmp_path, files).findings if f.rule_id == "BIO003"), key=lambda f: f.span.line)
    assert {(f.path, f.span.line) for f in found} == marked(files)
    assert [f.message.split(" written")[0] for f in found] == ["landmarks", "templates"]


def test_flask_g_connection_rows_by_column_and_table_driven_retention(tmp_path):
    """`g.db = sqlite3.connect(...)` in one function is the connection `get_db()` returns to
    others; rows selected by column keep their columns (`r["id"]` is not the template
    stored in `probe`); a `DELETE FROM` statement kept in a table of retention rules and
    run in a loop deletes from that table; `session.verify = False` turns certificate
    checks off for what the session sends."""
    files = {
        "app/__init__.py": "",
        "app/storage.py": """
            import sqlite3
            import numpy as np
            from flask import g

            def get_db():
                if "db" not in g:
                    g.db = sqlite3.connect("attendance.db")
                return g.db

            def save_unmatched(kiosk_id, probe):
                db = get_db()
                db.execute("INSERT INTO unmatched (kiosk_id, probe) VALUES (?, ?)", (kiosk_id, np.asarray(probe).tobytes()))  # BIO004
                db.commit()
        """,
        "app/kiosk.py": """
            import face_recognition as fr
            from . import storage

            def checkin(img, consent):
                if consent:
                    storage.save_unmatched("k1", fr.face_encodings(img)[0])
        """,
        "app/nightly.py": """
            import base64
            import requests
            from . import storage

            RETENTION = [("unmatched", "DELETE FROM unmatched WHERE seen_at < ?", 7)]

            def push(db):
                rows = db.execute("SELECT id, probe FROM unmatched").fetchall()
                batch = [{"probe": base64.b64encode(r["probe"]).decode("ascii")} for r in rows]
                session = requests.Session()
                session.verify = False
                session.post("https://district.example.org/faces", json=batch)  # BIO005
                db.executemany("UPDATE unmatched SET synced = 1 WHERE id = ?", [(r["id"],) for r in rows])

            def nightly():
                db = storage.get_db()
                push(db)
                for name, sql, days in RETENTION:
                    db.execute(sql, (days,))
        """,
    }
    expected = {(path, line, rule) for rule in ("BIO004", "BIO005") for path, line in marked(files, f"# {rule}")}
    assert found(tmp_path, files) == expected


def test_records_and_numbers_built_from_a_parameter_keep_what_callers_pass(tmp_path):
    """A helper builds a record from a face it is given (`Probe(embedding=face.
    normed_embedding, det_score=float(face.det_score))`) and returns it in a tuple with
    the age: the caller's record holds the template in `embedding` and nothing in
    `det_score`. `[float(x) for x in embedding]` stored by a helper is the template its
    caller passes; a number made of the face's score, or of two templates compared, is not
    facial data, and neither is a key of the gallery mapping (`list(gallery)[i]`)."""
    files = {
        "eng.py": """
            from dataclasses import dataclass
            import numpy as np
            from insightface.app import FaceAnalysis

            @dataclass
            class Probe:
                embedding: object
                det_score: float

            @dataclass
            class Match:
                key: str
                score: float

            class Engine:
                def __init__(self):
                    self._app = FaceAnalysis()

                @staticmethod
                def _to_probe(face):
                    return Probe(embedding=face.normed_embedding, det_score=float(face.det_score))

                @staticmethod
                def best(probe, gallery):
                    keys = list(gallery)
                    sims = np.stack([gallery[k] for k in keys]) @ probe
                    i = int(np.argmax(sims))
                    return Match(key=keys[i], score=float(sims[i]))

                def probe_with_age(self, img):
                    face = self._app.get(img)[0]
                    return self._to_probe(face), int(face.age)
        """,
        "outbox.py": """
            import json

            def enqueue(path, number, embedding, score):
                with open(path, "w") as fh:
                    json.dump({"n": number, "embedding": [float(x) for x in embedding]}, fh)  # HERE
                with open(path + ".score", "w") as fh:
                    json.dump({"n": number, "score": round(float(score), 3)}, fh)
        """,
        "api.py": """
            import logging
            from eng import Engine
            from outbox import enqueue

            log = logging.getLogger(__name__)

            def enrol(img, consent):
                if not consent:
                    return
                probe, age = Engine().probe_with_age(img)
                log.info("embedding %s", probe.embedding)  # HERE
                log.info("score %s age %s", probe.det_score, age)
                enqueue("outbox.json", "n1", probe.embedding, probe.det_score)
                best = Engine.best(probe.embedding, {number: probe.embedding for number in ("n1",)})
                log.info("best %s similarity %s", best.key, best.score)
        """,
    }
    assert {(p, l) for p, l, r in found(tmp_path, files) if r in ("BIO003", "BIO004")} == marked(files)


def test_sqlalchemy_2_statements_rows_and_deletes(tmp_path):
    """`select(Model)` run by a session (`scalars`, `execute`, `scalar`) gives the model's
    rows, so their fields are what was stored; `delete(Model)` is a retention path for the
    model's table; `groups.setdefault(k, []).append(v)` adds to `groups`."""
    files = {
        "models.py": """
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

            class Base(DeclarativeBase):
                pass

            class Outbox(Base):
                __tablename__ = "outbox"
                id: Mapped[int] = mapped_column(primary_key=True)
                kind: Mapped[str]
                payload: Mapped[dict]
        """,
        "sync.py": """
            import httpx
            from sqlalchemy import delete, select
            from models import Outbox

            def enqueue(session, embedding):
                session.add(Outbox(kind="template", payload={"embedding": [float(x) for x in embedding]}))  # BIO004

            async def push(session, ca_bundle=None):
                client = httpx.AsyncClient(verify=ca_bundle or False)
                rows = (await session.scalars(select(Outbox).order_by(Outbox.id).limit(100))).all()
                groups = {}
                for row in rows:
                    groups.setdefault(row.kind, []).append(row.payload)
                for kind, items in groups.items():
                    await client.post(f"https://hq.example.com/{kind}", json={"items": items})  # BIO005
                    await client.post(f"https://hq.example.com/{kind}/count", json={"n": len(items)})
                await session.execute(delete(Outbox).where(Outbox.id.in_([r.id for r in rows])))
        """,
        "api.py": """
            from insightface.app import FaceAnalysis
            from sync import enqueue

            app = FaceAnalysis()

            def enrol(session, img, consent):
                if consent:
                    enqueue(session, app.get(img)[0].normed_embedding)
        """,
    }
    expected = {(path, line, rule) for rule in ("BIO004", "BIO005") for path, line in marked(files, f"# {rule}")}
    assert {f for f in found(tmp_path, files) if f[2] != "BIO006"} == expected  # no BIO008: delete(Outbox)


def test_names_paired_with_templates_stay_names_through_helpers(tmp_path):
    """`for name, enc in known:` in a helper given `[(name, template), ...]` returns a
    name, not a template; `name, enc = pairs[0]` likewise. The template half still is one."""
    files = {
        "m.py": """
            import logging
            import numpy as np
            import face_recognition

            log = logging.getLogger(__name__)

            def best_match(probe, known):
                best, best_dist = None, 0.6
                for name, enc in known:
                    dist = np.linalg.norm(enc - probe)
                    if dist < best_dist:
                        best, best_dist = name, dist
                return best

            def first(pairs):
                name, enc = pairs[0]
                return name, enc

            def run(img, consent, gallery_imgs):
                if not consent:
                    return
                probe = face_recognition.face_encodings(img)[0]
                known = [(n, face_recognition.face_encodings(i)[0]) for n, i in gallery_imgs]
                log.info("matched %s", best_match(probe, known))
                name, enc = first(known)
                log.info("first %s", name)
                log.info("first encoding %s", enc)  # HERE
        """,
    }
    assert lines(tmp_path, files, "BIO003") == marked(files)


def test_in_memory_buffers_hold_what_is_written_into_them(tmp_path):
    """Writing into an `io.BytesIO` stores nothing (`crop.save(buf)`, `np.save(buf, enc)`,
    `buf.write(...)`); writing the buffer's content to a file stores what it holds,
    encrypted or not."""
    files = {
        "m.py": """
            import io
            import os
            import numpy as np
            import face_recognition
            from PIL import Image
            from cryptography.fernet import Fernet

            fernet = Fernet(os.environ["FACE_KEY"])

            def store(img, consent):
                if not consent:
                    return
                enc = face_recognition.face_encodings(img)[0]
                buf = io.BytesIO()
                Image.fromarray(img).save(buf, format="JPEG")
                with open("crop.jpg.enc", "wb") as fh:
                    fh.write(fernet.encrypt(buf.getvalue()))  # BIO008 BIO009
                raw = io.BytesIO()
                np.save(raw, enc)
                with open("enc.npy", "wb") as fh:
                    fh.write(raw.getvalue())  # BIO004 BIO008
                text = io.BytesIO()
                text.write(enc.tobytes())
                with open("enc.bin", "wb") as fh:
                    fh.write(text.getvalue())  # BIO004 BIO008
        """,
    }
    expected = set()
    for number, line in enumerate(textwrap.dedent(files["m.py"]).lstrip("\n").splitlines(), 1):
        if "# BIO" in line:  # the rules each line is expected to break
            expected |= {("m.py", number, rule) for rule in line.split("# ", 1)[1].split()}
    assert found(tmp_path, files) == expected


def test_sealed_in_helpers_stored_by_peewee_and_opened_again(tmp_path):
    """`seal(feature)` in a helper stored through peewee's `Template.create` keeps the
    caller's template encrypted in the table; `Template.select()` rows give it back, and a
    helper `unseal(blob)` decrypting it gives the template in the clear (logged: BIO003)."""
    files = {
        "models.py": """
            import os
            import numpy as np
            from cryptography.fernet import Fernet
            from peewee import BlobField, Model, SqliteDatabase

            db = SqliteDatabase("gym.db")
            _fernet = Fernet(os.environ["TEMPLATE_KEY"])

            class Template(Model):
                sealed = BlobField()

                class Meta:
                    database = db

            def seal(feature):
                return _fernet.encrypt(np.asarray(feature, dtype=np.float32).tobytes())

            def unseal(blob):
                return np.frombuffer(_fernet.decrypt(bytes(blob)), dtype=np.float32)

            def store(feature):
                return Template.create(sealed=seal(feature))
        """,
        "app.py": """
            import logging
            import face_recognition
            from models import Template, store, unseal

            log = logging.getLogger(__name__)

            def enrol(img, consent):
                if consent:
                    store(face_recognition.face_encodings(img)[0])

            def dump():
                for row in Template.select():
                    log.debug("template %s", unseal(row.sealed))  # HERE
                    log.debug("row %s", row.sealed)
        """,
    }
    assert lines(tmp_path, files, "BIO003") == marked(files)


def test_parts_of_parameters_do_not_grow_without_end(tmp_path):
    """Items of items through recursion (`flatten(item)` for each item of `items`) keep
    one path: the analysis converges (no `analysis-limit` warning) and the template
    still reaches the log."""
    files = {
        "m.py": """
            import logging
            from insightface.app import FaceAnalysis

            log = logging.getLogger(__name__)
            app = FaceAnalysis()

            def flatten(items):
                out = []
                for item in items:
                    if isinstance(item, list):
                        out.extend(flatten(item))
                    else:
                        out.append(float(item))
                return out

            def run(img, consent):
                if consent:
                    kept = flatten([app.get(img)[0].normed_embedding])
                    log.info("kept %s", kept)  # HERE
        """,
    }
    result = run(tmp_path, files)
    assert not [d for d in result.diagnostics if d.code == "analysis-limit"]
    assert {(f.path, f.span.line) for f in result.findings if f.rule_id == "BIO003"} == marked(files)


def test_rows_listed_decrypted_in_a_helper_and_mapped_by_id(tmp_path):
    """`list(db.scalars(select(Face)))` are Face rows; a helper decrypting each row's
    sealed encoding (`open_vector(face.encoding_ct)`) and putting it in an exception message
    leaks the template; a `{face.id: vector}` mapping iterated gives ids, not vectors."""
    files = {
        "models.py": """
            from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

            class Base(DeclarativeBase):
                pass

            class Face(Base):
                __tablename__ = "faces"
                id: Mapped[int] = mapped_column(primary_key=True)
                encoding_ct: Mapped[bytes]
        """,
        "crypto.py": """
            import os
            import numpy as np
            from cryptography.fernet import Fernet

            _fernet = Fernet(os.environ["ALBUM_KEY"])

            def seal_vector(vec):
                return _fernet.encrypt(np.asarray(vec).tobytes())

            def open_vector(token):
                return np.frombuffer(_fernet.decrypt(token))
        """,
        "tasks.py": """
            import logging
            import face_recognition
            from sqlalchemy import select
            import crypto
            from models import Face

            log = logging.getLogger(__name__)

            def add(db, img, consent):
                if consent:
                    db.add(Face(encoding_ct=crypto.seal_vector(face_recognition.face_encodings(img)[0])))

            def load(rows):
                vectors = []
                for face in rows:
                    vec = crypto.open_vector(face.encoding_ct)
                    if vec.shape != (128,):
                        raise ValueError(f"face {face.id}: got {vec}")  # HERE
                    vectors.append(vec)
                return {face.id: vec for face, vec in zip(rows, vectors)}

            def report(by_id):
                for face_id in sorted(by_id):
                    log.info("face %s", face_id)

            def recluster(db):
                rows = list(db.scalars(select(Face).order_by(Face.id)))
                report(load(rows))
        """,
    }
    assert lines(tmp_path, files, "BIO003") == marked(files)


def test_a_helper_picking_named_keys_of_a_mapping_gets_those_keys(tmp_path):
    """`{name: visit.get(name) for name in FIELDS}` in a helper keeps only those keys of
    the mapping its caller passes (the landmarks under another key stay out), also keys a
    `**profile(...)` added; `visit["keypoints"]` gets the landmarks."""
    files = {
        "events.py": """
            import json
            import logging

            log = logging.getLogger(__name__)
            FIELDS = ("visitor_id", "age_band")

            def publish(visit):
                event = {name: visit.get(name) for name in FIELDS}
                log.info("visit %s", json.dumps(event))
                log.debug("points %s", visit["keypoints"])  # HERE
        """,
        "tasks.py": """
            import mediapipe as mp
            import events

            def profile(face):
                return {"age_band": "adult", "mood": "calm"}

            def handle(frame, visitor_id, signage):
                if not signage:
                    return
                result = mp.solutions.face_mesh.FaceMesh().process(frame)
                landmarks = result.multi_face_landmarks[0]
                visit = {"visitor_id": visitor_id, "keypoints": landmarks, **profile(frame)}
                events.publish(visit)
        """,
    }
    assert lines(tmp_path, files, "BIO003") == marked(files)


def test_a_store_named_by_the_caller_is_that_store(tmp_path):
    """`save(obj, "faces.pkl")` in one module, `pickle.dump(obj, open(path))` in the
    helper: the helper writes faces.pkl, and reading faces.pkl back is facial data."""
    files = {
        "store.py": """
            import pickle

            def save(obj, path):
                with open(path, "wb") as fh:
                    pickle.dump(obj, fh)  # HERE
        """,
        "enrol.py": """
            import face_recognition
            import store

            def enrol(img):
                store.save(face_recognition.face_encodings(img)[0], "faces.pkl")
        """,
        "report.py": """
            import pickle

            def show():
                print(pickle.load(open("faces.pkl", "rb")))  # HERE
        """,
    }
    result = run(tmp_path, files)
    found = {(f.path, f.span.line) for f in result.findings if f.rule_id in ("BIO003", "BIO004")}
    assert found == marked(files)
    (flow,) = [f for f in result.findings if f.rule_id == "BIO004"]
    assert flow.properties.get("store") == "faces.pkl"


def test_sql_read_back_follows_the_columns(tmp_path):
    files = {
        "db.py": """
            import sqlite3
            import face_recognition

            conn = sqlite3.connect("people.db")

            def enrol(name, img):
                enc = face_recognition.face_encodings(img)[0]
                conn.execute("INSERT INTO persons (name, template) VALUES (?, ?)", (name, enc.tobytes()))  # HERE

            def names():
                cur = conn.cursor()
                cur.execute("SELECT id, name FROM persons")
                for row in cur.fetchall():
                    print(row)

            def dump():
                cur = conn.cursor()
                cur.execute("SELECT name, template FROM persons")
                print(cur.fetchall())  # HERE
        """,
    }
    result = run(tmp_path, files)
    found = {(f.path, f.span.line) for f in result.findings if f.rule_id in ("BIO003", "BIO004")}
    assert found == marked(files)


def test_api_response_levels_keep_their_item_fields(tmp_path):
    files = {
        "m.py": """
            import boto3
            from retinaface import RetinaFace

            rek = boto3.client("rekognition")

            def check(img_bytes, path):
                resp = rek.detect_faces(Image={"Bytes": img_bytes}, Attributes=["DEFAULT"])
                print(resp["FaceDetails"][0]["BoundingBox"], resp["FaceDetails"][0]["Confidence"])
                print(resp["FaceDetails"][0]["Landmarks"])  # HERE
                faces = RetinaFace.detect_faces(path)
                print(faces["face_1"]["score"], faces["face_1"]["facial_area"])
                print(faces["face_1"]["landmarks"])  # HERE
        """,
    }
    assert lines(tmp_path, files, "BIO003") == marked(files)


def test_mediapipe_detection_boxes_and_scores_are_not_landmarks(tmp_path):
    files = {
        "m.py": """
            import mediapipe as mp

            detector = mp.solutions.face_detection.FaceDetection(min_detection_confidence=0.5)

            def boxes(rgb):
                results = detector.process(rgb)
                for det in results.detections:
                    print(det.score, det.location_data.relative_bounding_box)
                    print(det.location_data.relative_keypoints)  # HERE
        """,
    }
    assert lines(tmp_path, files, "BIO003") == marked(files)


def test_flows_that_tests_drive_are_not_findings(tmp_path):
    files = {
        "app/log.py": """
            import logging
            log = logging.getLogger(__name__)

            def debug(value):
                log.debug("value %s", value)  # HERE
        """,
        "app/enrol.py": """
            import face_recognition
            from app.log import debug

            def enrol(img):
                enc = face_recognition.face_encodings(img)[0]
                debug(enc)
                return enc
        """,
        # tests feed facial data to the same logger, and log it themselves
        "tests/test_enrol.py": """
            import face_recognition
            from app.log import debug

            def test_logs():
                enc = face_recognition.face_encodings(load("alice.jpg"))[0]
                debug(enc)
                print(enc)
        """,
    }
    result = run(tmp_path, files)
    bio003 = [f for f in result.findings if f.rule_id == "BIO003"]
    assert {(f.path, f.span.line) for f in bio003} == marked(files)
    # the evidence is the production flow, never the test's
    assert all(not step.path.startswith("tests/") for f in bio003 for step in f.steps)


def test_a_list_of_per_face_records_keeps_each_records_shape(tmp_path):
    files = {
        "faces.py": """
            import logging
            import face_recognition

            log = logging.getLogger(__name__)

            def build(images):
                faces = []
                for img in images:
                    for enc in face_recognition.face_encodings(img):
                        faces.append({"id": len(faces), "embedding": enc, "img": img, "rect": (0, 0, 1, 1)})
                for face in faces:
                    log.info("face %s at %s", face["id"], face["rect"])
                    log.info("crop %s", face["img"])  # HERE
                    log.info("template %s", face["embedding"])  # HERE
        """,
    }
    assert lines(tmp_path, files, "BIO003") == marked(files)


def test_records_stored_through_a_method_keep_their_facial_data(tmp_path):
    # Callers write their whole argument into the shared list, so the record is kept flat
    # there (conservative: `record["name"]` counts as holding the template too).
    files = {
        "gallery.py": """
            import logging
            import face_recognition

            log = logging.getLogger(__name__)

            class Gallery:
                def __init__(self):
                    self.records = []

                def add(self, name, enc):
                    self.records.append({"name": name, "enc": enc})

            def build(images):
                gallery = Gallery()
                for img in images:
                    for enc in face_recognition.face_encodings(img):
                        gallery.add("someone", enc)
                for record in gallery.records:
                    log.info("template %s", record["enc"])  # HERE
        """,
    }
    assert marked(files) <= lines(tmp_path, files, "BIO003")


def test_module_level_names_assigned_by_functions_through_global(tmp_path):
    # Howdy's compare.py: the detector is None at module level until a thread runs the
    # init function that assigns it through `global`.
    files = {
        "compare.py": """
            import threading
            import dlib

            face_detector = None
            face_encoder = None

            def init_detector():
                global face_detector, face_encoder
                face_detector = dlib.get_frontal_face_detector()
                face_encoder = dlib.face_recognition_model_v1("model.dat")

            threading.Thread(target=init_detector).start()
            frame = grab()
            for box in face_detector(frame, 1):  # HERE
                print(box)
        """,
    }
    assert lines(tmp_path, files, "BIO001") == marked(files)


def test_a_store_known_only_by_its_name_keeps_templates_under_data_keys_only(tmp_path):
    # Howdy's cli/add.py: the model file holds records {"id", "label", "time", "data"}
    files = {
        "add.py": """
            import json
            import dlib

            encoder = dlib.face_recognition_model_v1("model.dat")
            encodings = json.load(open(MODEL_FILE))
            next_id = encodings[-1]["id"] + 1 if encodings else 0
            print("Using default label Model #" + str(next_id))
            print("last label", encodings[-1]["label"])
            print("last model", encodings[-1]["data"])  # HERE
            print("all", encodings)  # HERE
        """,
    }
    assert lines(tmp_path, files, "BIO003") == marked(files)


def test_sql_naming_a_column_twice_keeps_both_values(tmp_path):
    # Django's cache backend builds `UPDATE %s SET %s = %%s, %s = %%s` at run time: the
    # parsed column names repeat, which once crashed the function's analysis
    files = {
        "store.py": """
            import sqlite3
            import face_recognition

            def save(conn, name, img):
                vector = face_recognition.face_encodings(img)[0]
                conn.execute("UPDATE %s SET %s = ?, %s = ? WHERE id = 1", (name, vector.tobytes()))  # HERE
        """,
    }
    assert lines(tmp_path, files, "BIO004") == marked(files)


def test_functions_stopped_by_the_round_limit_are_reported_not_silently_dropped(tmp_path, monkeypatch):
    from bioaudit.engine import analysis

    files = {
        "app.py": """
            import face_recognition

            class Store:
                def save(self, vector):
                    with open("faces.bin", "wb") as fh:
                        fh.write(vector.tobytes())

            def enrol(store, img):
                store.save(face_recognition.face_encodings(img)[0])

            def main(img):
                enrol(Store(), img)
        """,
    }
    quiet = run(tmp_path / "a", files)
    assert not [d for d in quiet.diagnostics if d.code == "analysis-limit"]
    assert {f.rule_id for f in quiet.findings} >= {"BIO004"}

    # `enrol` learns what `store` is only from `main`, analysed after it: a second round
    monkeypatch.setattr(analysis, "MAX_ROUNDS_PER_FUNCTION", 1)
    limited = run(tmp_path / "b", files)
    [warning] = [d for d in limited.diagnostics if d.code == "analysis-limit"]
    assert warning.level == "warning" and warning.path == "app.py"
    assert "`app.enrol`" in warning.message and "may be incomplete" in warning.message


def test_an_upload_saved_in_one_module_and_read_by_a_face_api_in_another_is_a_stored_face(tmp_path):
    """The write happens before anything knows the file is a face: the path carries the
    write through the helper that saves it, the view, and the helper that verifies it."""
    files = {
        "uploads.py": """
            import os

            def save_upload(upload):
                path = os.path.join("/srv/uploads", upload.filename)
                upload.save(path)  # HERE
                return path
        """,
        "faces.py": """
            from deepface import DeepFace

            def same_person(probe_path, reference_path):
                return DeepFace.verify(probe_path, reference_path)["verified"]
        """,
        "views.py": """
            from faces import same_person
            from uploads import save_upload

            def login(request):
                path = save_upload(request.files["photo"])
                return same_person(path, "/srv/ids/alice.jpg")

            def attach(request):
                path = save_upload(request.files["document"])
                return open(path, "rb").read()
        """,
    }
    result = run(tmp_path, files)
    stores = [f for f in result.findings if f.rule_id == "BIO004"]
    assert {(f.path, f.span.line) for f in stores} == marked(files)
    (flow,) = stores
    notes = [step.note for step in flow.steps]
    assert any("read as a face image by `same_person()`" in n for n in notes), notes
    assert any("written to the file by `upload.save`" in n for n in notes), notes


def test_urls_from_callers_and_environment_defaults(tmp_path):
    """A helper that posts to the URL its caller gives sends over that URL's scheme; the
    default of `os.environ.get` is what runs where the variable is not set (an `http://`
    default is plaintext); a key literal that is an environment default is reported
    where it is written, not where the cipher takes it."""
    files = {
        "app/__init__.py": "",
        "app/settings.py": """
            import os

            MATCHER = os.environ.get("MATCHER_URL", "http://matcher.lan:8000")
            SECURE = os.environ.get("SECURE_URL", "https://vault.example.com")
            KEY = os.environ.get(
                "FACE_KEY", "ZmFjZS1hdHRlbmRhbmNlLWRldi1rZXktMDAwMDAwMDA="  # BIO011
            )
        """,
        "app/client.py": """
            import requests

            def upload(base, payload):
                requests.post(f"{base}/v1/templates", json=payload, timeout=5)  # BIO005
        """,
        "app/enrol.py": """
            import requests
            import face_recognition
            from cryptography.fernet import Fernet
            from . import settings
            from .client import upload

            def enrol(img, consent):
                if not consent:
                    return
                enc = face_recognition.face_encodings(img)[0]
                upload("http://matcher.lan:8000", {"enc": enc.tolist()})
                upload("https://matcher.example.com", {"enc": enc.tolist()})
                requests.post(settings.MATCHER + "/v1/probe", json={"enc": enc.tolist()})  # BIO005
                requests.post(settings.SECURE + "/v1/probe", json={"enc": enc.tolist()})
                with open("enc.bin", "wb") as fh:
                    fh.write(Fernet(settings.KEY).encrypt(enc.tobytes()))
        """,
    }
    expected = {(path, line, rule) for rule in ("BIO005", "BIO011") for path, line in marked(files, f"# {rule}")}
    assert {f for f in found(tmp_path, files) if f[2] in ("BIO005", "BIO011")} == expected


def test_framework_objects_shared_by_requests_and_encrypted_data_handed_to_helpers(tmp_path):
    """What a Sanic start-up listener stores on `app.ctx` is what routes read back from
    `request.app.ctx`, also in helpers the context is passed to: the vault there encrypts,
    so the helper's table write is not plaintext (no BIO004), but it is still kept with no
    deletion (BIO008); a file under `root / name` with a run-time name is still a path
    (the selfie kept beside the template, BIO009); a row table is not removed by a
    `path.unlink()` of a file."""
    files = {
        "kiosk/__init__.py": "",
        "kiosk/vault.py": """
            import os
            from cryptography.fernet import Fernet

            class Vault:
                def __init__(self):
                    self._fernet = Fernet(os.environ["KEY"])

                def seal(self, data):
                    return self._fernet.encrypt(data)
        """,
        "kiosk/db.py": """
            def save(conn, vid, sealed):
                conn.execute("INSERT INTO audit (vid, probe) VALUES (?, ?)", (vid, sealed))  # BIO008

            def save_plain(conn, vid, probe):
                conn.execute("INSERT INTO plain (vid, probe) VALUES (?, ?)", (vid, probe))  # BIO004 BIO008
        """,
        "kiosk/selfies.py": """
            from pathlib import Path

            class Selfies:
                def __init__(self, root: Path, vault):
                    self.root = root
                    self.vault = vault

                def put(self, ref, jpeg):
                    (self.root / Path(ref).name).write_bytes(self.vault.seal(jpeg))  # BIO009

                def purge(self, ref):
                    (self.root / Path(ref).name).unlink()
        """,
        "kiosk/app.py": """
            import sqlite3
            from pathlib import Path
            import cv2
            import face_recognition
            from sanic import Sanic
            from sanic.response import json
            from . import db
            from .selfies import Selfies
            from .vault import Vault

            app = Sanic("kiosk")

            @app.before_server_start
            async def setup(app_, _loop):
                app_.ctx.db = sqlite3.connect("kiosk.db")
                app_.ctx.vault = Vault()
                app_.ctx.selfies = Selfies(Path("/srv/selfies"), app_.ctx.vault)

            def _enrol(ctx, vid, rgb):
                enc = face_recognition.face_encodings(rgb)[0]
                db.save(ctx.db, vid, ctx.vault.seal(enc.tobytes()))
                db.save_plain(ctx.db, vid, enc.tobytes())
                ctx.selfies.put(f"{vid}.jpg", cv2.imencode(".jpg", rgb)[1].tobytes())

            @app.post("/enrol")
            async def enrol(request):
                if request.form.get("consent") != "yes":
                    return json({"ok": False}, status=403)
                _enrol(request.app.ctx, request.form.get("id"), face_recognition.load_image_file(request.files.get("photo").body))
                return json({"ok": True})
        """,
    }
    rules = ("BIO004", "BIO008", "BIO009")
    expected = {
        (rel, number, rule)
        for rel, text in files.items()
        for number, line in enumerate(textwrap.dedent(text).lstrip("\n").splitlines(), 1)
        for rule in rules
        if "#" in line and rule in line.rsplit("#", 1)[1]
    }
    assert len(expected) == 4
    assert {f for f in found(tmp_path, files) if f[2] in rules} == expected


def test_a_project_method_is_an_end_by_its_class_and_name(tmp_path):
    """`Turnstile.pulse()` opens a door (an access end) by its class and method name; a
    method of a class whose name alone names an end (`DoorUnlocker.describe`) is not that
    end."""
    files = {
        "gate.py": """
            import face_recognition as fr

            class Turnstile:
                def pulse(self, lane):
                    print("pulse", lane)

            class DoorUnlocker:
                def describe(self):
                    return "front door"

            def enter(img, known, consented):
                if not consented:
                    return
                if fr.compare_faces([known], fr.face_encodings(img)[0])[0]:  # BIO002
                    Turnstile().pulse(1)

            def label(img, known, consented, unlocker: DoorUnlocker):
                if not consented:
                    return
                if fr.compare_faces([known], fr.face_encodings(img)[0])[0]:
                    print(unlocker.describe())
        """,
    }
    assert lines(tmp_path, files, "BIO002") == marked(files, "# BIO002")


def test_hdf5_datasets_and_lists_extended_with_records(tmp_path):
    """Datasets written into an HDF5 file are stores of that file; a list extended with
    per-face records keeps each record's fields, so the ids written beside the templates
    are not templates."""
    files = {
        "shards.py": """
            import uuid
            from dataclasses import dataclass
            import h5py
            import numpy as np
            import face_recognition

            @dataclass
            class Rec:
                face_id: str
                embedding: np.ndarray

            def process(img):
                return [Rec(face_id=uuid.uuid4().hex, embedding=e) for e in face_recognition.face_encodings(img)]

            def write(faces, path):
                with h5py.File(path, "w") as h5:
                    h5.create_dataset("face_id", data=np.array([f.face_id for f in faces]))
                    h5.create_dataset("emb", data=np.stack([f.embedding for f in faces]))  # BIO004

            def main(imgs, consent):
                if not consent:
                    return
                faces = []
                for img in imgs:
                    faces.extend(process(img))
                write(faces, "x.h5")
        """,
    }
    assert lines(tmp_path, files, "BIO004") == marked(files, "# BIO004")


def test_base_class_fields_litestar_state_and_guards(tmp_path):
    """What a base class's `__init__` stores on `self` is there in a subclass's methods;
    Litestar's `state: State` is what start-up stored on `app.state`; a route's
    `guards=[...]` that raises without consent guards the handler."""
    files = {
        "kyc/__init__.py": "",
        "kyc/engine.py": """
            import face_recognition

            class Engine:
                def embed(self, img):
                    return face_recognition.face_encodings(img)[0]
        """,
        "kyc/flows.py": """
            import logging
            log = logging.getLogger(__name__)

            class Base:
                def __init__(self, engine):
                    self._engine, self._other = engine, None

            class Onboarding(Base):
                def run(self, img):
                    log.info("probe %s", self._engine.embed(img))  # BIO003
        """,
        "kyc/app.py": """
            from litestar import Litestar, post
            from litestar.connection import ASGIConnection
            from litestar.datastructures import State
            from litestar.exceptions import PermissionDeniedException
            from .engine import Engine
            from .flows import Onboarding

            def consent_guard(connection: ASGIConnection, _) -> None:
                if not connection.headers.get("x-biometric-consent"):
                    raise PermissionDeniedException(detail="consent required")

            @post("/verify", guards=[consent_guard])
            async def verify(data: bytes, state: State) -> dict:
                state.onboarding.run(data)
                return {}

            @post("/recover")
            async def recover(data: bytes, state: State) -> dict:
                state.onboarding.run(data)
                return {}

            async def startup(app: Litestar) -> None:
                app.state.onboarding = Onboarding(Engine())

            app = Litestar(route_handlers=[verify, recover], on_startup=[startup])
        """,
    }
    result = found(tmp_path, files)
    assert {f for f in result if f[2] == "BIO003"} == {(p, l, "BIO003") for p, l in marked(files, "# BIO003")}
    # only the unguarded route reaches the face call without consent
    bio001 = [f for f in run(tmp_path, files).findings if f.rule_id == "BIO001"]
    assert len(bio001) == 1 and "recover" in bio001[0].message and bio001[0].path == "kyc/engine.py"


def test_a_face_match_kept_in_a_record_field_still_decides(tmp_path):
    """`Outcome(similarity >= 90, similarity)` keeps the decision in the instance:
    `if not outcome.matched: return` gates what follows (a recovery token issued only
    after a face match, with no other way to get one)."""
    files = {
        "recovery.py": """
            from dataclasses import dataclass
            import boto3

            client = boto3.client("rekognition", region_name="eu-west-1")

            @dataclass
            class Outcome:
                matched: bool
                similarity: float

            def compare(doc, selfie):
                resp = client.compare_faces(SourceImage={"Bytes": doc}, TargetImage={"Bytes": selfie})  # BIO002
                sim = max((m["Similarity"] for m in resp["FaceMatches"]), default=0.0)
                return Outcome(sim >= 90, sim)

            def issue_recovery_token(ref):
                return "token"

            def recover(doc, selfie, ref, consent):
                if not consent:
                    return None
                outcome = compare(doc, selfie)
                if not outcome.matched:
                    return None
                return issue_recovery_token(ref)
        """,
    }
    assert lines(tmp_path, files, "BIO002") == marked(files, "# BIO002")


def test_text_given_to_a_constructor_is_the_attribute_of_its_instances(tmp_path):
    """`self.base_url = base_url.rstrip("/")`: the URL every caller gives the constructor
    is the attribute's (an `http://` default of a setting makes the upload plaintext);
    callers giving different URLs leave it unknown."""
    files = {
        "app/__init__.py": "",
        "app/settings.py": """
            import os
            from dataclasses import dataclass

            @dataclass(frozen=True)
            class Settings:
                display_url: str = os.environ.get("DISPLAY_URL", "http://display.lan:8088")

            settings = Settings()
        """,
        "app/clients.py": """
            import requests
            from .settings import settings

            class Display:
                def __init__(self, base_url):
                    self.base_url = base_url.rstrip("/")
                    self._http = requests.Session()

                @classmethod
                def from_settings(cls):
                    return cls(settings.display_url)

                def show(self, jpeg):
                    self._http.post(f"{self.base_url}/photo", files={"f": jpeg})  # BIO005

            class Mirror:
                def __init__(self, base_url):
                    self.base_url = base_url

                def show(self, jpeg):
                    requests.post(f"{self.base_url}/photo", files={"f": jpeg})
        """,
        "app/main.py": """
            import cv2
            import face_recognition
            from .clients import Display, Mirror

            def greet(img, consent, mirror_url):
                if not consent:
                    return
                top, right, bottom, left = face_recognition.face_locations(img)[0]
                jpeg = cv2.imencode(".jpg", img[top:bottom, left:right])[1].tobytes()
                Display.from_settings().show(jpeg)
                Mirror("http://mirror.lan").show(jpeg)
                Mirror(mirror_url).show(jpeg)
        """,
    }
    assert lines(tmp_path, files, "BIO005") == marked(files, "# BIO005")


def test_a_list_of_actions_given_to_a_constructor_is_the_api_argument(tmp_path):
    """`self._actions = tuple(actions)` with every caller passing a settings default: the
    analysis actions are known where `DeepFace.analyze(actions=self._actions)` runs (race,
    not emotion, at high confidence)."""
    files = {
        "labels.py": """
            from dataclasses import dataclass
            from deepface import DeepFace

            @dataclass(frozen=True)
            class Settings:
                actions: tuple = ("age", "race")

            class Classifier:
                def __init__(self, actions):
                    self._actions = tuple(actions)

                def predict(self, crop):
                    return DeepFace.analyze(crop, actions=self._actions, enforce_detection=False)

            def annotate(crops, consented):
                if not consented:
                    return []
                classifier = Classifier(Settings().actions)
                return [classifier.predict(c) for c in crops]
        """,
    }
    result = run(tmp_path, files)
    bio007 = [f for f in result.findings if f.rule_id == "BIO007"]
    assert len(bio007) == 1 and bio007[0].confidence == Confidence.HIGH
    assert "race" in bio007[0].message and "emotion" not in bio007[0].message


def test_a_guardian_check_in_a_caller_lowers_the_minor_finding(tmp_path):
    """Age estimated in a helper whose caller skips minors without a guardian's consent:
    the check may be on the path, so the finding drops to low confidence; a helper no
    such caller reaches stays medium."""
    files = {
        "labels.py": """
            from deepface import DeepFace

            def estimate(crop):
                return DeepFace.analyze(crop, actions=["age"])

            def estimate_again(crop):
                return DeepFace.analyze(crop, actions=["age"])

            def annotate(people, registry):
                for person in people:
                    if not registry.is_consenting(person.id):
                        continue
                    if registry.is_minor(person.id) and not registry.has_guardian_consent(person.id):
                        continue
                    estimate(person.crop)

            def review(people, registry):
                for person in people:
                    if registry.is_consenting(person.id):
                        estimate_again(person.crop)
        """,
    }
    found_ = {f.span.line: f.confidence for f in run(tmp_path, files).findings if f.rule_id == "BIO010"}
    assert found_ == {4: Confidence.LOW, 7: Confidence.MEDIUM}


def test_scanning_a_package_directory_resolves_its_absolute_imports(tmp_path):
    """`bioaudit scan mypkg/` where mypkg's modules import each other as `mypkg.x`: the
    imports resolve, so the consent check in the caller is seen (no BIO001 at the helper)
    and the helper's template reaches the caller's log (BIO003)."""
    pkg = tmp_path.name
    files = {
        "__init__.py": "",
        "engine.py": """
            import face_recognition

            def embed(img):
                return face_recognition.face_encodings(img)[0]
        """,
        "app.py": f"""
            import logging
            from {pkg}.engine import embed

            log = logging.getLogger(__name__)

            def enrol(img, consent):
                if not consent:
                    return
                log.info("enc %s", embed(img))  # BIO003
        """,
    }
    assert found(tmp_path, files) == {(p, l, "BIO003") for p, l in marked(files, "# BIO003")}


def test_celery_delay_runs_the_task_with_its_arguments(tmp_path):
    """`refresh.delay(pk, enc.tolist())` runs the task with those arguments on a worker
    (a `bind=True` task gets itself first): the template it logs is the caller's."""
    files = {
        "tasks.py": """
            import logging
            import numpy as np
            from celery import shared_task

            logger = logging.getLogger(__name__)

            @shared_task(bind=True, max_retries=3)
            def refresh(self, employee_id, vector):
                logger.warning("rejected %s", np.asarray(vector))  # BIO003

            @shared_task
            def count(employee_id, n):
                logger.info("faces %s for %s", n, employee_id)
        """,
        "views.py": """
            import face_recognition
            from .tasks import count, refresh

            def clock_in(img, employee_id, consent):
                if not consent:
                    return
                encs = face_recognition.face_encodings(img)
                refresh.delay(employee_id, encs[0].tolist())
                count.delay(employee_id, len(encs))
        """,
    }
    assert lines(tmp_path, files, "BIO003") == marked(files, "# BIO003")


def test_other_keys_of_a_mapping_parameter_the_code_added_keys_to(tmp_path):
    """A session dict that gets the template under one key and grows another key's list
    (`state["approved_for"].append(check)`) is passed on: its `basket_id` is still the
    caller's `basket_id`, not the template (no BIO005 for the POS callback), while the
    template key sent on is."""
    files = {
        "pos.py": """
            import httpx

            class Pos:
                def approve(self, state, check):
                    body = {"basket_id": state["basket_id"], "check": check}
                    httpx.post("https://pos.example.com/approve", json=body, verify=False)

                def escalate(self, state):
                    httpx.post("https://desk.example.com/t", json={"probe": state["probe"]}, verify=False)  # BIO005

            def grant(state, check, pos):
                state["approved_for"].append(check)
                state["method"] = "face"
                pos.approve(state, check)
                pos.escalate(state)

            def route(state, img, consent):
                if not consent:
                    return
                import face_recognition
                state["probe"] = face_recognition.face_encodings(img)[0].tolist()
                grant(state, "alcohol", Pos())
        """,
    }
    assert lines(tmp_path, files, "BIO005") == marked(files, "# BIO005")


def test_reading_a_property_runs_it(tmp_path):
    """`capture.primary_crop` of a `@property` is what the property returns (a face crop
    sent to a cloud face API, recognised by its REST path when the host is configured at
    run time); a metric averaged over a batch of face images (`loss.item()`, `x.size(0)`)
    is a number, not the images."""
    files = {
        "lane.py": """
            from dataclasses import dataclass
            import cv2
            import httpx
            import face_recognition

            DETECT_PATH = "/face/v1.0/detect"

            @dataclass
            class Capture:
                frame: object
                box: tuple

                @property
                def primary_crop(self):
                    top, right, bottom, left = self.box
                    return self.frame[top:bottom, left:right]

            class Meter:
                def __init__(self):
                    self.sum, self.count = 0.0, 0

                def update(self, value, n):
                    self.sum += value * n
                    self.count += n

                @property
                def avg(self):
                    return self.sum / max(self.count, 1)

            class CloudAge:
                def __init__(self, endpoint):
                    self._client = httpx.Client(base_url=endpoint)

                def second_opinion(self, jpeg):
                    return self._client.post(DETECT_PATH, content=jpeg)  # BIO006

            def check(frame, endpoint, consent):
                if not consent:
                    return
                boxes = face_recognition.face_locations(frame)
                capture = Capture(frame, boxes[0])
                jpeg = cv2.imencode(".jpg", capture.primary_crop)[1].tobytes()
                CloudAge(endpoint).second_opinion(jpeg)

            def train(batches, model, criterion, consent):
                if not consent:
                    return
                meter = Meter()
                for x, y in batches:
                    faces = face_recognition.face_locations(x)
                    loss = criterion(model(x[faces[0][0]:]), y)
                    meter.update(loss.item(), x.size(0))
                print(f"loss={meter.avg:.4f}")
        """,
    }
    result = found(tmp_path, files)
    assert {f for f in result if f[2] in ("BIO006", "BIO003")} == {(p, l, "BIO006") for p, l in marked(files, "# BIO006")}


def test_aiohttp_app_items_loops_over_literals_and_objects_in_tuples(tmp_path):
    """An aiohttp application's items (`app["shift"] = shift`) are what handlers read from
    `request.app["shift"]`; objects returned in a tuple keep their types when unpacked
    (`vault, registry = _stores()`); a loop over items written in the code runs at least
    once, so requiring consent for each purpose in it is a consent check."""
    files = {
        "cab/__init__.py": "",
        "cab/consent.py": """
            class ConsentRequired(Exception):
                pass

            class Registry:
                def has(self, driver, purpose):
                    return bool(driver) and purpose in ("identity", "monitoring")

                def require(self, driver, purpose):
                    if not self.has_consent(driver, purpose):
                        raise ConsentRequired(driver)

                def has_consent(self, driver, purpose):
                    return self.has(driver, purpose)
        """,
        "cab/identity.py": """
            import face_recognition

            class Verifier:
                def embed(self, frame):
                    return face_recognition.face_encodings(frame)[0]  # BIO001
        """,
        "cab/dashboard.py": """
            from aiohttp import web
            from .consent import ConsentRequired

            async def handover(request: web.Request) -> web.Response:
                shift = request.app["shift"]
                frame = await request.read()
                try:
                    for purpose in ("identity", "monitoring"):
                        shift.registry.require(request.query["driver"], purpose)
                except ConsentRequired:
                    return web.json_response({"ok": False}, status=403)
                shift.verifier.embed(frame)
                return web.json_response({"ok": True})

            async def calibrate(request: web.Request) -> web.Response:
                shift = request.app["shift"]
                shift.verifier.embed(await request.read())
                return web.json_response({"ok": True})

            def build_app(shift):
                app = web.Application()
                app["shift"] = shift
                app.router.add_post("/handover", handover)
                app.router.add_post("/calibrate", calibrate)
                return app
        """,
        "cab/main.py": """
            from dataclasses import dataclass
            from aiohttp import web
            from .consent import Registry
            from .dashboard import build_app
            from .identity import Verifier

            @dataclass
            class Shift:
                registry: Registry
                verifier: Verifier

            def _services():
                return Registry(), Verifier()

            def main():
                registry, verifier = _services()
                web.run_app(build_app(Shift(registry, verifier)))
        """,
    }
    bio001 = [f for f in run(tmp_path, files).findings if f.rule_id == "BIO001"]
    # reached without consent from calibrate only: handover checks it in its loop
    assert [(f.path, f.span.line) for f in bio001] == sorted(marked(files, "# BIO001"))
    assert "calibrate" in bio001[0].message


def test_every_point_of_a_mesh_rounded_is_still_the_mesh(tmp_path):
    """`[[round(x, 5), round(y, 5)] for x, y in face.landmarks]` is the landmark mesh (a
    single rounded coordinate is a number; a box is not landmarks)."""
    files = {
        "trip.py": """
            import json
            import sqlite3
            import face_recognition

            def record(db: sqlite3.Connection, img, consent):
                if not consent:
                    return
                marks = face_recognition.face_landmarks(img)[0]["chin"]
                box = face_recognition.face_locations(img)[0]
                mesh = json.dumps([[round(x, 1), round(y, 1)] for x, y in marks])
                db.execute("INSERT INTO samples (mesh) VALUES (?)", (mesh,))  # BIO004
                db.execute("INSERT INTO boxes (top) VALUES (?)", (round(marks[0][0]),))
                db.execute("INSERT INTO boxes (box) VALUES (?)", (json.dumps([int(v) for v in box]),))
        """,
    }
    assert lines(tmp_path, files, "BIO004") == marked(files, "# BIO004")


def test_a_channel_flipped_view_of_a_parameter_is_the_parameter(tmp_path):
    """`frame[:, :, ::-1]` handed to a face API makes the caller's `frame` a face image:
    storing that frame (encrypted) where a template is computed is BIO009."""
    files = {
        "ident.py": """
            from pathlib import Path
            import cv2
            import numpy as np
            import face_recognition
            from cryptography.fernet import Fernet

            def probe(frame_bgr):
                rgb = np.ascontiguousarray(frame_bgr[:, :, ::-1])
                return face_recognition.face_encodings(rgb)[0]

            def check(frame, key, consent):
                if not consent:
                    return None
                template = probe(frame)
                jpg = cv2.imencode(".jpg", frame)[1].tobytes()
                Path("snap.jpg.enc").write_bytes(Fernet(key).encrypt(jpg))  # BIO009
                return template
        """,
    }
    assert lines(tmp_path, files, "BIO009") == marked(files, "# BIO009")
