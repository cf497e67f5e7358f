"""Generate a deterministic 300-module "face project" for the pre-commit benchmark.

Layout (package ``faceapp``, every module importing modules of the layers below it):

- ``faceapp/privacy.py``      a ``consent_required`` decorator and ``has_consent`` predicate
- ``faceapp/store.py``        helpers that pickle / np.save / write to a DB (storage sinks)
- ``faceapp/audit.py``        helpers that log values (log sinks)
- ``faceapp/util/u###.py``    layer 0: plain helpers, no face code
- ``faceapp/core/c###.py``    layer 1: services importing layer 0
- ``faceapp/face/f###.py``    layer 2: ~60 modules calling face_recognition / insightface,
                               some behind the consent decorator, some storing or logging
                               the encodings through the helpers
- ``faceapp/web/v###.py``     layer 3: Flask-style views importing layers 1 and 2

Usage: ``python gen_project.py OUT_DIR [--modules 300] [--face 60]``. Stdlib only; the same
arguments always produce byte-identical files.
"""
from __future__ import annotations

import argparse
import random
import shutil
from pathlib import Path

PRIVACY = '''\
"""Consent checks for biometric processing."""
import functools
import logging

logger = logging.getLogger(__name__)


class ConsentError(PermissionError):
    pass


def has_consent(user, purpose="face"):
    """True when ``user`` agreed to biometric processing for ``purpose``."""
    if user is None:
        return False
    grants = getattr(user, "biometric_consent", None) or {}
    return bool(grants.get(purpose))


def consent_required(view):
    """Abort the request unless the current user consented to face processing."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not has_consent(getattr(request, "user", None)):
            raise ConsentError("biometric consent missing")
        return view(request, *args, **kwargs)

    return wrapper
'''

STORE = '''\
"""Persistence helpers."""
import json
import pickle
import sqlite3

import numpy as np

DB_PATH = "faces.db"


def save_blob(path, value):
    with open(path, "wb") as fh:
        pickle.dump(value, fh)


def save_array(path, value):
    np.save(path, value)


def save_row(table, key, value):
    conn = sqlite3.connect(DB_PATH)
    try:
        conn.execute(f"INSERT INTO {table} (key, value) VALUES (?, ?)", (key, json.dumps(list(value))))
        conn.commit()
    finally:
        conn.close()


def save_settings(path, settings):
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(settings, fh)
'''

AUDIT = '''\
"""Logging helpers."""
import logging

logger = logging.getLogger("faceapp.audit")


def record(event, value):
    logger.info("%s: %s", event, value)


def count(event, n):
    logger.info("%s: %d", event, n)
'''

HELPER_BODIES = [
    '''\
def {name}(values, scale={k}):
    """Scale and clip a list of numbers."""
    out = []
    for v in values:
        w = v * scale
        if w > {lim}:
            w = {lim}
        out.append(w)
    return out
''',
    '''\
def {name}(text, width={k}):
    """Wrap ``text`` to ``width`` columns."""
    words = text.split()
    lines, cur = [], []
    for word in words:
        if sum(len(w) + 1 for w in cur) + len(word) > width:
            lines.append(" ".join(cur))
            cur = []
        cur.append(word)
    if cur:
        lines.append(" ".join(cur))
    return "\\n".join(lines)
''',
    '''\
class {cname}:
    """A small record with validation."""

    def __init__(self, key, size={k}):
        self.key = key
        self.size = size
        self.items = {{}}

    def add(self, name, value):
        if len(self.items) >= self.size:
            raise ValueError("full")
        self.items[name] = value
        return self

    def total(self):
        return sum(v for v in self.items.values() if isinstance(v, (int, float)))


def {name}(key):
    return {cname}(key).add("a", {k}).add("b", {lim}).total()
''',
    '''\
def {name}(mapping, prefix="{pfx}"):
    """Keys of ``mapping`` that start with ``prefix``, sorted by value."""
    picked = {{k: v for k, v in mapping.items() if str(k).startswith(prefix)}}
    return sorted(picked, key=lambda k: (picked[k], k))
''',
]

FACE_LIBS = ("face_recognition", "insightface")


def _helper_module(rng: random.Random, idx: int, imports: list[str]) -> str:
    parts = [f'"""Utility module {idx}."""\n']
    parts.append("import math\nimport os\n")
    for imp in imports:
        parts.append(f"from faceapp.util import {imp}\n")
    parts.append("\n\n")
    names = []
    for j in range(rng.randint(3, 5)):
        body = rng.choice(HELPER_BODIES)
        name = f"helper_{idx}_{j}"
        names.append(name)
        parts.append(
            body.format(name=name, cname=f"Record{idx}x{j}", k=rng.randint(2, 50), lim=rng.randint(60, 999), pfx=f"p{j}")
        )
        parts.append("\n\n")
    parts.append(f"def describe_{idx}():\n    return {{'module': {idx}, 'cwd': os.getcwd(), 'pi': math.pi}}\n")
    parts.append(f"\n\nPUBLIC = {names!r}\n")
    return "".join(parts)


def _core_module(rng: random.Random, idx: int, utils: list[int]) -> str:
    parts = [f'"""Service module {idx}."""\n', "import logging\n\n"]
    for u in utils:
        parts.append(f"from faceapp.util import u{u:03d}\n")
    parts.append("\nlogger = logging.getLogger(__name__)\n\n\n")
    for j in range(rng.randint(3, 5)):
        u = rng.choice(utils)
        parts.append(
            f'''\
class Service{idx}x{j}:
    """Business logic {idx}.{j}."""

    def __init__(self, repo, limit={rng.randint(5, 500)}):
        self.repo = repo
        self.limit = limit
        self.cache = {{}}

    def fetch(self, key):
        if key in self.cache:
            return self.cache[key]
        value = self.repo.get(key)
        if value is None:
            logger.warning("missing %s", key)
            return None
        self.cache[key] = value
        return value

    def summary(self):
        data = [self.fetch(k) for k in sorted(self.cache)]
        info = u{u:03d}.describe_{u}()
        logger.info("summary of %d items (%s)", len(data), info["module"])
        return {{"n": len(data), "limit": self.limit}}


'''
        )
    return "".join(parts)


def _face_module(rng: random.Random, idx: int, cores: list[int], kind: int) -> str:
    lib = FACE_LIBS[idx % 2]
    parts = [f'"""Face processing module {idx} ({lib})."""\n', "import logging\n\n"]
    if lib == "face_recognition":
        parts.append("import face_recognition\n")
    else:
        parts.append("import cv2\nfrom insightface.app import FaceAnalysis\n")
    parts.append("\nfrom faceapp import audit, store\nfrom faceapp.privacy import consent_required, has_consent\n")
    for c in cores:
        parts.append(f"from faceapp.core import c{c:03d}\n")
    parts.append("\nlogger = logging.getLogger(__name__)\n\n\n")
    if lib == "face_recognition":
        parts.append(
            f'''\
def load(path):
    return face_recognition.load_image_file(path)


def embed(image):
    boxes = face_recognition.face_locations(image)
    if len(boxes) != 1:
        return None
    return face_recognition.face_encodings(image, known_face_locations=boxes)[0]


def match(known, candidate, tolerance=0.{rng.randint(4, 6)}):
    return bool(face_recognition.compare_faces([known], candidate, tolerance=tolerance)[0])


'''
        )
    else:
        parts.append(
            '''\
_app = FaceAnalysis(name="buffalo_l")
_app.prepare(ctx_id=-1)


def load(path):
    return cv2.imread(path)


def embed(image):
    faces = _app.get(image)
    if len(faces) != 1:
        return None
    return faces[0].normed_embedding


def match(known, candidate, threshold=0.35):
    return float((known * candidate).sum()) > threshold


'''
        )
    # kind decides what the entry point does with the template
    guard = "@consent_required\n" if kind % 3 != 0 else ""
    sink = [
        "    store.save_blob(f'templates/{user_id}.pkl', template)\n",
        "    audit.record('template', template)\n",
        "    store.save_array(f'templates/{user_id}.npy', template)\n",
        "    audit.count('faces', 1)\n",
        "    store.save_row('templates', user_id, template)\n",
    ][kind % 5]
    core = rng.choice(cores)
    parts.append(
        f'''\
{guard}def enrol_{idx}(request, user_id):
    image = load(request.files["photo"])
    template = embed(image)
    if template is None:
        return {{"ok": False}}
{sink}    c{core:03d}.Service{core}x0(repo={{}}).summary()
    return {{"ok": True}}


def verify_{idx}(request, user_id, reference):
    if not has_consent(request.user):
        return {{"ok": False, "reason": "consent"}}
    candidate = embed(load(request.files["photo"]))
    ok = candidate is not None and match(reference, candidate)
    logger.info("verification for %s: %s", user_id, ok)
    return {{"ok": ok}}
'''
    )
    return "".join(parts)


def _view_module(rng: random.Random, idx: int, cores: list[int], faces: list[int]) -> str:
    parts = [f'"""Views {idx}."""\n']
    for c in cores:
        parts.append(f"from faceapp.core import c{c:03d}\n")
    for f in faces:
        parts.append(f"from faceapp.face import f{f:03d}\n")
    parts.append("\n\n")
    for c in cores:
        parts.append(
            f'''\
def list_{idx}_{c}(request):
    svc = c{c:03d}.Service{c}x0(repo=request.db)
    return svc.summary()


'''
        )
    for f in faces:
        parts.append(
            f'''\
def enrol_view_{idx}_{f}(request):
    return f{f:03d}.enrol_{f}(request, request.user.id)


def login_view_{idx}_{f}(request):
    result = f{f:03d}.verify_{f}(request, request.user.id, request.user.template)
    if result["ok"]:
        request.session["user_id"] = request.user.id
        return {{"redirect": "/home"}}
    return {{"redirect": "/login/password"}}


def login_password_{idx}_{f}(request):
    if request.user.check_password(request.form["password"]):
        request.session["user_id"] = request.user.id
        return {{"redirect": "/home"}}
    return {{"error": "bad password"}}


'''
        )
    return "".join(parts)


def generate(out: Path, modules: int = 300, face: int = 60, seed: int = 1234) -> dict:
    rng = random.Random(seed)
    if out.exists():
        shutil.rmtree(out)
    pkg = out / "faceapp"
    for sub in ("util", "core", "face", "web"):
        (pkg / sub).mkdir(parents=True)
        (pkg / sub / "__init__.py").write_text("")
    (pkg / "__init__.py").write_text('"""Generated face project."""\n')
    (pkg / "privacy.py").write_text(PRIVACY)
    (pkg / "store.py").write_text(STORE)
    (pkg / "audit.py").write_text(AUDIT)
    (out / "pyproject.toml").write_text('[project]\nname = "faceapp"\nversion = "0"\n\n[tool.bioaudit]\n')
    fixed = 8  # 5 __init__ + privacy, store, audit
    rest = modules - fixed - face
    n_util = rest * 3 // 10
    n_core = rest * 4 // 10
    n_view = rest - n_util - n_core
    files = {}
    for i in range(n_util):
        imports = [f"u{j:03d}" for j in sorted(rng.sample(range(i), min(i, 2)))] if i else []
        files[pkg / "util" / f"u{i:03d}.py"] = _helper_module(rng, i, imports)
    for i in range(n_core):
        files[pkg / "core" / f"c{i:03d}.py"] = _core_module(rng, i, sorted(rng.sample(range(n_util), 3)))
    for i in range(face):
        files[pkg / "face" / f"f{i:03d}.py"] = _face_module(rng, i, sorted(rng.sample(range(n_core), 2)), i)
    for i in range(n_view):
        faces = sorted(rng.sample(range(face), 2)) if i % 2 == 0 else []
        files[pkg / "web" / f"v{i:03d}.py"] = _view_module(rng, i, sorted(rng.sample(range(n_core), 2)), faces)
    for path, text in files.items():
        path.write_text(text)
    py = sorted(out.rglob("*.py"))
    lines = sum(p.read_text().count("\n") for p in py)
    return {"files": len(py), "lines": lines, "face_modules": face, "changed_file": str(pkg / "face" / "f007.py")}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--modules", type=int, default=300)
    ap.add_argument("--face", type=int, default=60)
    args = ap.parse_args()
    info = generate(args.out, args.modules, args.face)
    print(f"generated {info['files']} files, {info['lines']} lines in {args.out}")


if __name__ == "__main__":
    main()
