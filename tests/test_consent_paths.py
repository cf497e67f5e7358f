"""BIO001 as path analysis: every path from every entry point must pass a consent check
before the face call."""
from __future__ import annotations

import pytest

from analysis_helpers import lines, marked, run

FACE = "import face_recognition\n"


def test_check_after_the_call_does_not_count(tmp_path):
    src = FACE + """
def enrol(user, img):
    encs = face_recognition.face_encodings(img)  # HERE
    if not user.biometric_consent:
        raise PermissionError()
    return encs
"""
    assert lines(tmp_path, {"m.py": src}, "BIO001") == marked({"m.py": src})


def test_early_exit_before_the_call_guards(tmp_path):
    src = FACE + """
from flask import abort

def enrol(user, img):
    if not user.biometric_consent:
        abort(403)
    return face_recognition.face_encodings(img)

def enrol2(user, img):
    if user.biometric_consent is not True:
        return None
    return face_recognition.face_encodings(img)

def enrol3(uid, img):
    if not has_consent(uid) or img is None:
        raise PermissionError()
    return face_recognition.face_encodings(img)
"""
    assert lines(tmp_path, {"m.py": src}, "BIO001") == set()


def test_sibling_branch_does_not_count(tmp_path):
    src = FACE + """
def enrol(user, img, fast):
    if fast:
        if not user.biometric_consent:
            raise PermissionError()
    else:
        pass
    return face_recognition.face_encodings(img)  # HERE
"""
    assert lines(tmp_path, {"m.py": src}, "BIO001") == marked({"m.py": src})


def test_inside_the_consent_branch_is_guarded(tmp_path):
    src = FACE + """
def enrol(user, img):
    if user.biometric_consent and img is not None:
        return face_recognition.face_encodings(img)
    return face_recognition.face_locations(img)  # HERE
"""
    assert lines(tmp_path, {"m.py": src}, "BIO001") == marked({"m.py": src})


def test_try_except_around_enforcing_call(tmp_path):
    files = {
        "consent.py": """
            class NoConsent(Exception):
                pass

            def require_consent(uid):
                if not lookup(uid).consent_given:
                    raise NoConsent(uid)
        """,
        "app.py": FACE + """
from consent import NoConsent, require_consent

def enrol(uid, img):
    try:
        require_consent(uid)
    except NoConsent:
        return None
    return face_recognition.face_encodings(img)

def enrol_swallowing(uid, img):
    try:
        require_consent(uid)
    except NoConsent:
        pass
    return face_recognition.face_encodings(img)  # HERE
""",
    }
    assert lines(tmp_path, files, "BIO001") == marked(files)


def test_loops_with_continue_and_break(tmp_path):
    src = FACE + """
def batch(users):
    for user in users:
        if not user.biometric_consent:
            continue
        face_recognition.face_encodings(user.photo)
    for user in users:
        face_recognition.face_locations(user.photo)  # HERE
        if not user.biometric_consent:
            break
"""
    assert lines(tmp_path, {"m.py": src}, "BIO001") == marked({"m.py": src})


def test_match_statement(tmp_path):
    src = FACE + """
def handle(user, img):
    match user.consent_status:
        case "granted":
            return face_recognition.face_encodings(img)
        case _:
            return face_recognition.face_locations(img)  # HERE
"""
    assert lines(tmp_path, {"m.py": src}, "BIO001") == marked({"m.py": src})


def test_with_block_keeps_the_guard(tmp_path):
    src = FACE + """
def enrol(user, img, lock):
    if not user.biometric_consent:
        return
    with lock:
        return face_recognition.face_encodings(img)
"""
    assert lines(tmp_path, {"m.py": src}, "BIO001") == set()


def test_project_decorator_guards_route_and_its_callees(tmp_path):
    files = {
        "auth/__init__.py": "",
        "auth/consent.py": """
            from functools import wraps
            from flask import abort, g

            def consent_required(view):
                @wraps(view)
                def wrapper(*args, **kwargs):
                    if not g.user.biometric_consent:
                        abort(403)
                    return view(*args, **kwargs)
                return wrapper

            def logged(view):
                @wraps(view)
                def wrapper(*args, **kwargs):
                    return view(*args, **kwargs)
                return wrapper
        """,
        "auth/services.py": FACE + """
def identify(img):
    return face_recognition.face_encodings(img)  # HERE
""",
        "auth/views.py": """
            from flask import Blueprint, request
            from .consent import consent_required, logged
            from . import services

            bp = Blueprint("auth", __name__)

            @bp.route("/login/face", methods=["POST"])
            @consent_required
            def face_login():
                return services.identify(request.files["img"])

            @bp.route("/debug", methods=["POST"])
            @logged
            def debug():
                return services.identify(request.files["img"])
        """,
    }
    result = run(tmp_path, files)
    bio001 = [f for f in result.findings if f.rule_id == "BIO001"]
    assert {(f.path, f.span.line) for f in bio001} == marked(files)
    # the unguarded path is the evidence: it starts at the unguarded route
    path = [s.note for s in bio001[0].steps]
    assert "debug" in path[0] and "identify" in path[1]


def test_decorator_factory(tmp_path):
    files = {
        "guards.py": """
            def requires_consent(scope):
                def decorate(fn):
                    def inner(user, *args):
                        if not user.has_consent(scope):
                            raise PermissionError(scope)
                        return fn(user, *args)
                    return inner
                return decorate
        """,
        "jobs.py": FACE + """
from guards import requires_consent

@requires_consent("face")
def enrol(user, img):
    return face_recognition.face_encodings(img)

def enrol_unguarded(user, img):
    return face_recognition.face_encodings(img)  # HERE
""",
    }
    assert lines(tmp_path, files, "BIO001") == marked(files)


DEPS = """
    from fastapi import HTTPException

    def require_consent(subject_id: str) -> str:
        if not CONSENTS.get(subject_id):
            raise HTTPException(403)
        return subject_id
"""


@pytest.mark.parametrize(
    ("extra_files", "import_line", "dep"),
    [
        ({"deps.py": DEPS}, "from deps import require_consent", "require_consent"),
        ({"deps.py": DEPS}, "import deps", "deps.require_consent"),
        # re-exported by a package: the name resolves through the package's globals
        ({"security/__init__.py": "from .deps import require_consent\n", "security/deps.py": DEPS}, "import security", "security.require_consent"),
    ],
    ids=["imported-name", "module-attribute", "package-re-export"],
)
def test_fastapi_depends_guard(tmp_path, extra_files, import_line, dep):
    files = {
        **extra_files,
        "api.py": FACE + f"""
from fastapi import APIRouter, Depends
{import_line}

router = APIRouter()

@router.post("/a")
def a(img, subject: str = Depends({dep})):
    return face_recognition.face_encodings(img)

@router.post("/b", dependencies=[Depends({dep})])
def b(img):
    return face_recognition.face_encodings(img)

@router.post("/c")
def c(img):
    return face_recognition.face_encodings(img)  # HERE
""",
    }
    assert lines(tmp_path, files, "BIO001") == marked(files)


@pytest.mark.parametrize(
    "include",
    [
        "from routes import router\napp.include_router(router, dependencies=[Depends(require_consent)])",
        "from routes import router as face_routes\napp.include_router(face_routes, dependencies=[Depends(require_consent)])",
        "import routes\napp.include_router(routes.router, prefix='/v1', dependencies=[Depends(require_consent)])",
    ],
    ids=["imported-name", "alias", "module-attribute"],
)
def test_fastapi_include_router_dependencies_guard_the_included_routes(tmp_path, include):
    """The router is declared in one module and included, with the consent dependency,
    in another; a router included without it stays reported."""
    files = {
        "deps.py": DEPS,
        "routes.py": FACE + """
from fastapi import APIRouter

router = APIRouter()
other = APIRouter()

@router.post("/enrol")
def enrol(img):
    return face_recognition.face_encodings(img)

@other.post("/preview")
def preview(img):
    return face_recognition.face_locations(img)  # HERE
""",
        "main.py": f"""
from fastapi import Depends, FastAPI
from deps import require_consent
from routes import other

app = FastAPI()
{include}
app.include_router(other)
""",
    }
    assert lines(tmp_path, files, "BIO001") == marked(files)


def test_module_level_code_and_main_block_are_entry_points(tmp_path):
    src = FACE + """
def work(img):
    return face_recognition.face_encodings(img)  # HERE

if __name__ == "__main__":
    work(load())
"""
    assert lines(tmp_path, {"cli.py": src}, "BIO001") == marked({"cli.py": src})


def test_helper_guarded_by_every_caller_is_quiet(tmp_path):
    src = FACE + """
def _embed(img):
    return face_recognition.face_encodings(img)

def a(user, img):
    if not user.biometric_consent:
        return None
    return _embed(img)

def b(user, img):
    if user.biometric_consent:
        return _embed(img)
"""
    assert lines(tmp_path, {"m.py": src}, "BIO001") == set()


def test_recursion_reaches_a_fixed_point(tmp_path):
    src = FACE + """
def walk(user, imgs):
    if not imgs:
        return []
    return [face_recognition.face_encodings(imgs[0])] + walk(user, imgs[1:])

def start(user, imgs):
    if not user.biometric_consent:
        return []
    return walk(user, imgs)
"""
    assert lines(tmp_path, {"m.py": src}, "BIO001") == set()


def test_methods_self_calls_and_singletons(tmp_path):
    files = {
        "service.py": FACE + """
class FaceService:
    def identify(self, user, img):
        if not user.biometric_consent:
            raise PermissionError()
        return self._embed(img)

    def quick(self, img):
        return self._embed(img)

    def _embed(self, img):
        return face_recognition.face_encodings(img)  # HERE

service = FaceService()
""",
        "views.py": """
            from service import service

            def login(user, img):
                return service.identify(user, img)

            def preview(img):
                return service.quick(img)
        """,
    }
    result = run(tmp_path, files)
    bio001 = [f for f in result.findings if f.rule_id == "BIO001"]
    assert {(f.path, f.span.line) for f in bio001} == marked(files)
    assert "preview" in bio001[0].steps[0].note


def test_flask_before_request_hook_guards_the_blueprint(tmp_path):
    files = {
        "views.py": FACE + """
from flask import Blueprint, abort, g, request

bp = Blueprint("face", __name__)

@bp.before_request
def check_consent():
    if not g.user.biometric_consent:
        abort(403)

@bp.route("/enrol", methods=["POST"])
def enrol():
    return face_recognition.face_encodings(request.files["img"])
""",
    }
    assert lines(tmp_path, files, "BIO001") == set()


TEST_PATHS = ["tests/test_enrol.py", "test_enrol.py", "app/enrol_test.py", "tests/conftest.py", "testing/helpers.py"]


@pytest.mark.parametrize("test_path", TEST_PATHS)
def test_test_code_is_not_an_entry_point(tmp_path, test_path):
    files = {
        "app/service.py": FACE + """
def embed(img):
    return face_recognition.face_encodings(img)

def enrol(user, img):
    if not user.biometric_consent:
        raise PermissionError("no consent")
    return embed(img)

def library_api(img):
    return face_recognition.face_locations(img)  # HERE
""",
        # a test calls the guarded helper directly, calls a face API itself, and calls
        # a function only tests call
        test_path: FACE + """
from app.service import embed, library_api

def test_embed():
    assert embed(load("alice.jpg"))

def test_direct():
    assert face_recognition.face_encodings(load("bob.jpg"))

def test_library_api():
    assert library_api(load("carol.jpg"))
""",
    }
    assert lines(tmp_path, files, "BIO001") == marked(files)


def test_a_production_caller_without_consent_is_still_reported_when_tests_call_too(tmp_path):
    files = {
        "app/service.py": FACE + """
def embed(img):
    return face_recognition.face_encodings(img)  # HERE

def enrol_without_asking(img):
    return embed(img)
""",
        "tests/test_service.py": """
from app.service import embed

def test_embed():
    assert embed(None) is not None
""",
    }
    result = run(tmp_path, files)
    findings = [f for f in result.findings if f.rule_id == "BIO001"]
    assert {(f.path, f.span.line) for f in findings} == marked(files)
    # the evidence path starts at the production entry point, never in the tests
    assert findings and all(not step.path.startswith("tests/") for f in findings for step in f.steps)
