"""Tests for bioaudit.config: reading, validating and applying [tool.bioaudit]."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from bioaudit.config import (
    Config,
    ConfigError,
    find_config,
    ignored_for_path,
    is_selected,
    load_config,
    merge_cli,
    validate_table,
)

RULES = {
    "BIO001": "consent-missing",
    "BIO002": "no-fallback-verification",
    "BIO003": "biometric-in-logs",
    "BIO004": "unencrypted-biometric-storage",
    "BIO010": "emotion-inference",
}
FRAMEWORKS = ["cn-frt-2025", "cn-pipl", "eu-gdpr", "eu-ai-act", "us-il-bipa"]


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def check(table: dict, **kwargs) -> Config:
    kwargs.setdefault("known_rules", RULES)
    kwargs.setdefault("known_frameworks", FRAMEWORKS)
    return validate_table(table, source="pyproject.toml", **kwargs)


def error_of(table: dict, **kwargs) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        check(table, **kwargs)
    return info.value


# -- defaults and a full, valid config ----------------------------------------------------


def test_defaults():
    config = load_config(None)
    assert config == Config()
    assert config.source == ""
    assert config.select == ["ALL"]  # every rule that is on by default, plugins included
    assert config.ignore == []
    assert config.frameworks is None
    assert config.fail_on == "low" and config.min_confidence == "low"
    assert config.exclude is None and config.extend_exclude == []
    assert config.respect_gitignore is True and config.cache is True
    assert config.jobs is None and config.timeout_per_file == 20.0
    assert config.declared_fallback is None and config.rule_options == {}
    assert config.root is None
    # mutable defaults are not shared between instances
    Config().ignore.append("BIO001")
    assert Config().ignore == []


def test_full_pyproject_is_read(tmp_path):
    path = write(tmp_path / "pyproject.toml", """
        [project]
        name = "demo"

        [tool.bioaudit]
        select = ["BIO", "BIO010"]
        ignore = ["biometric-in-logs"]
        frameworks = ["eu-gdpr", "us-il-bipa"]
        fail-on = "medium"
        min-confidence = "HIGH"
        exclude = ["build", "vendor/**"]
        extend-exclude = ["notebooks/"]
        respect-gitignore = false
        jobs = 4
        cache = false
        timeout-per-file = 5
        consent-functions = ["myapp.privacy.require_consent", "*consent*"]
        consent-decorators = ["myapp.auth.consent_required"]
        consent-attributes = ["biometric_consent"]
        encrypt-functions = ["ourlib.crypto.seal"]
        fallback-functions = ["myapp.auth.check_otp"]
        auth-actions = ["flask_login.login_user"]
        log-functions = ["myapp.audit.emit"]
        storage-functions = ["myapp.store.put"]

        [tool.bioaudit.per-file-ignores]
        "tests/**" = ["BIO001", "BIO00"]

        [tool.bioaudit.declared-fallback]
        reason = "PIN login lives in the identity service"
        ends = ["login"]

        [tool.bioaudit.rules.unencrypted-biometric-storage]
        allow-hashing = false

        [[tool.bioaudit.face-apis]]
        call = "ourlib.faces.embed"
        library = "ourlib"
        category = "template"
        returns = "template"
        fields = { embedding = "template", box = "none" }
        image-args = [0]
        image-keywords = ["img"]
        when = { arg = 0, keyword = "service", equals = ["faces"] }
    """)
    config = load_config(path, known_rules=RULES, known_frameworks=FRAMEWORKS)
    assert config.source == str(path)
    assert config.root == tmp_path
    assert config.select == ["BIO", "BIO010"]
    assert config.ignore == ["BIO003"]  # rule name normalised to its id
    assert config.frameworks == ["eu-gdpr", "us-il-bipa"]
    assert config.fail_on == "medium"
    assert config.min_confidence == "high"  # enum values are case-insensitive
    assert config.exclude == ["build", "vendor/**"]
    assert config.extend_exclude == ["notebooks/"]
    assert config.respect_gitignore is False and config.cache is False
    assert config.jobs == 4
    assert config.timeout_per_file == 5.0 and isinstance(config.timeout_per_file, float)
    assert config.consent_functions == ["myapp.privacy.require_consent", "*consent*"]
    assert config.encrypt_functions == ["ourlib.crypto.seal"]
    assert config.auth_actions == ["flask_login.login_user"]
    assert config.per_file_ignores == {"tests/**": ["BIO001", "BIO00"]}
    assert config.declared_fallback == {"reason": "PIN login lives in the identity service", "ends": ["login"]}
    assert config.rule_options == {"BIO004": {"allow-hashing": False}}
    assert config.options_for("BIO004") == {"allow-hashing": False}
    assert config.options_for("BIO001") == {}
    assert config.face_apis == [{
        "call": "ourlib.faces.embed",
        "library": "ourlib",
        "category": "template",
        "returns": "template",
        "fields": {"embedding": "template", "box": "none"},
        "image-args": [0],
        "image-keywords": ["img"],
        "when": {"arg": 0, "keyword": "service", "equals": ["faces"]},
    }]


def test_pyproject_without_table_gives_defaults(tmp_path):
    path = write(tmp_path / "pyproject.toml", """
        [project]
        name = "demo"

        [tool.ruff]
        line-length = 100
    """)
    config = load_config(path)
    assert config == Config()
    assert config.source == ""


def test_standalone_bioaudit_toml(tmp_path):
    path = write(tmp_path / "bioaudit.toml", """
        select = ["BIO004"]
        fail-on = "high"

        [per-file-ignores]
        "scripts/*.py" = ["BIO004"]
    """)
    config = load_config(path, known_rules=RULES)
    assert config.source == str(path)
    assert config.select == ["BIO004"]
    assert config.fail_on == "high"
    assert ignored_for_path("BIO004", "scripts/seed.py", config)


def test_standalone_file_errors_have_no_tool_prefix(tmp_path):
    path = write(tmp_path / "fixture.toml", 'fail_on = "high"\n')
    with pytest.raises(ConfigError) as info:
        load_config(path)
    err = info.value
    assert str(err) == f"{path}: unknown key 'fail_on' (did you mean 'fail-on'?)"
    assert err.key == "fail_on"


def test_other_toml_with_tool_table_is_read_as_pyproject(tmp_path):
    path = write(tmp_path / "ci-pyproject.toml", """
        [tool.bioaudit]
        fail-on = "medium"
    """)
    assert load_config(path).fail_on == "medium"


# -- unknown keys --------------------------------------------------------------------------


def test_unknown_key_with_suggestion():
    err = error_of({"selct": ["BIO"]})
    assert str(err) == "pyproject.toml: [tool.bioaudit] unknown key 'selct' (did you mean 'select'?)"
    assert err.key == "tool.bioaudit.selct"
    assert err.suggestion == "select"
    assert err.source == "pyproject.toml"


def test_snake_case_key_suggests_kebab_case():
    err = error_of({"fail_on": "high"})
    assert str(err) == "pyproject.toml: [tool.bioaudit] unknown key 'fail_on' (did you mean 'fail-on'?)"
    assert error_of({"per_file_ignores": {}}).suggestion == "per-file-ignores"
    assert error_of({"consent_functions": []}).suggestion == "consent-functions"
    assert error_of({"timeout_per_file": 3}).suggestion == "timeout-per-file"


def test_unknown_key_without_close_match_has_no_suggestion():
    err = error_of({"zzzzzz": 1})
    assert "unknown key 'zzzzzz'" in str(err)
    assert "did you mean" not in str(err)
    assert err.suggestion == ""


def test_style_guide_spelling_points_to_per_file_ignores():
    err = error_of({"per-path-ignores": {"research/**": ["BIO001"]}})
    assert err.suggestion == "per-file-ignores"


def test_unknown_key_in_face_api_entry_names_nested_path():
    err = error_of({"face-apis": [
        {"call": "a.embed", "category": "template"},
        {"call": "a.detect", "categry": "detect"},
    ]})
    assert err.key == "tool.bioaudit.face-apis[1].categry"
    assert "[tool.bioaudit.face-apis[1]] unknown key 'categry'" in str(err)
    assert err.suggestion == "category"


def test_unknown_key_in_declared_fallback_and_when():
    err = error_of({"declared-fallback": {"reason": "x", "end": ["login"]}})
    assert err.key == "tool.bioaudit.declared-fallback.end"
    assert err.suggestion == "ends"
    err = error_of({"face-apis": [{"call": "a.b", "category": "verify",
                                   "when": {"arg": 0, "equal": ["x"]}}]})
    assert err.key == "tool.bioaudit.face-apis[0].when.equal"
    assert err.suggestion == "equals"


# -- wrong types ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "table, key, expected",
    [
        ({"select": 5}, "tool.bioaudit.select", "expected a list of strings, got int"),
        ({"select": "BIO"}, "tool.bioaudit.select", "expected a list of strings, got str"),
        ({"ignore": ["BIO001", 3]}, "tool.bioaudit.ignore[1]", "expected a list of strings, got int"),
        ({"exclude": {"a": 1}}, "tool.bioaudit.exclude", "expected a list of strings, got table"),
        ({"consent-functions": [True]}, "tool.bioaudit.consent-functions[0]", "got bool"),
        ({"cache": "yes"}, "tool.bioaudit.cache", "expected true or false, got str"),
        ({"respect-gitignore": 1}, "tool.bioaudit.respect-gitignore", "expected true or false, got int"),
        ({"jobs": 2.5}, "tool.bioaudit.jobs", "expected an integer, got float"),
        ({"jobs": True}, "tool.bioaudit.jobs", "expected an integer, got bool"),
        ({"jobs": 0}, "tool.bioaudit.jobs", "expected an integer >= 1, got 0"),
        ({"timeout-per-file": "20"}, "tool.bioaudit.timeout-per-file", "expected a number of seconds, got str"),
        ({"timeout-per-file": -1}, "tool.bioaudit.timeout-per-file", "positive"),
        ({"fail-on": 3}, "tool.bioaudit.fail-on", "got int"),
        ({"per-file-ignores": ["tests"]}, "tool.bioaudit.per-file-ignores", "expected a table, got list"),
        ({"per-file-ignores": {"tests/*": "BIO001"}}, 'tool.bioaudit.per-file-ignores."tests/*"',
         "expected a list of strings, got str"),
        ({"rules": {"BIO004": 1}}, "tool.bioaudit.rules.BIO004", "expected a table, got int"),
        ({"declared-fallback": "elsewhere"}, "tool.bioaudit.declared-fallback", "expected a table, got str"),
        ({"face-apis": {"call": "a.b"}}, "tool.bioaudit.face-apis", "expected an array of tables"),
        ({"face-apis": [{"call": "a.b", "category": "detect", "image-args": ["0"]}]},
         "tool.bioaudit.face-apis[0].image-args[0]", "expected a list of integers, got str"),
    ],
)
def test_wrong_types_name_the_key(table, key, expected):
    err = error_of(table)
    assert err.key == key
    assert str(err).startswith(f"pyproject.toml: {key}: ")
    assert expected in str(err)


def test_vocabulary_entries_must_be_name_patterns():
    err = error_of({"encrypt-functions": ["ourlib.crypto seal"]})
    assert err.key == "tool.bioaudit.encrypt-functions[0]"
    assert "invalid name pattern" in str(err)


def test_declared_fallback_needs_a_reason():
    err = error_of({"declared-fallback": {"ends": ["login"]}})
    assert err.key == "tool.bioaudit.declared-fallback.reason"
    assert "reason" in str(err)
    err = error_of({"declared-fallback": {"reason": "   "}})
    assert "non-empty" in str(err)


def test_face_api_entry_needs_call_and_category():
    err = error_of({"face-apis": [{"call": "ourlib.embed"}]})
    assert err.key == "tool.bioaudit.face-apis[0].category"
    assert "missing" in str(err)
    err = error_of({"face-apis": [{"call": "not a name", "category": "detect"}]})
    assert err.key == "tool.bioaudit.face-apis[0].call"


# -- enum values ---------------------------------------------------------------------------


def test_bad_enum_lists_valid_values():
    err = error_of({"fail-on": "severe"})
    assert str(err) == (
        "pyproject.toml: tool.bioaudit.fail-on: invalid value 'severe' "
        "(expected one of: low, medium, high)"
    )
    err = error_of({"min-confidence": "hgih"})
    assert "expected one of: low, medium, high" in str(err)
    assert err.suggestion == "high"
    assert str(err).endswith("(did you mean 'high'?)")


def test_bad_face_api_category_and_kind():
    err = error_of({"face-apis": [{"call": "a.b", "category": "templat"}]})
    assert err.key == "tool.bioaudit.face-apis[0].category"
    assert "verify" in str(err) and err.suggestion == "template"
    err = error_of({"face-apis": [{"call": "a.b", "category": "detect",
                                   "fields": {"box": "bbox"}}]})
    assert err.key == "tool.bioaudit.face-apis[0].fields.box"
    assert "face-image" in str(err)


# -- invalid TOML and missing files --------------------------------------------------------


def test_invalid_toml_reports_file_line_and_column(tmp_path):
    path = write(tmp_path / "pyproject.toml", """
        [tool.bioaudit]
        select = ["BIO"]
        fail-on = medium
    """)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    msg = str(info.value)
    assert msg.startswith(f"{path}: invalid TOML at line 3, column ")
    assert "Traceback" not in msg
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_invalid_toml_at_end_of_document(tmp_path):
    path = write(tmp_path / "bioaudit.toml", 'fail-on = "low"\nselect = ')
    with pytest.raises(ConfigError, match=r"invalid TOML at line 2, column 10"):
        load_config(path)


def test_missing_config_file(tmp_path):
    missing = tmp_path / "nope" / "bioaudit.toml"
    with pytest.raises(ConfigError) as info:
        load_config(missing)
    assert str(info.value) == f"config file not found: {missing}"


def test_config_path_that_is_a_directory(tmp_path):
    with pytest.raises(ConfigError, match="directory"):
        load_config(tmp_path)


def test_tool_bioaudit_must_be_a_table(tmp_path):
    path = write(tmp_path / "pyproject.toml", 'tool.bioaudit = "on"\n')
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.key == "tool.bioaudit"
    assert "expected a table, got str" in str(info.value)


# -- rules and frameworks ------------------------------------------------------------------


def test_unknown_rule_in_select_with_suggestion():
    err = error_of({"select": ["BIO004", "BIO04"]})
    assert str(err) == (
        "pyproject.toml: tool.bioaudit.select[1]: unknown rule 'BIO04' (did you mean 'BIO004'?)"
    )
    err = error_of({"ignore": ["consent-mising"]})
    assert err.suggestion == "consent-missing"
    err = error_of({"select": ["BOI"]})
    assert err.suggestion == "BIO"


def test_rule_names_and_prefixes_are_accepted():
    config = check({
        "select": ["BIO", "bio00", "unencrypted-biometric-storage"],
        "ignore": ["Biometric-In-Logs", "BIO01"],
    })
    assert config.select == ["BIO", "BIO00", "BIO004"]
    assert config.ignore == ["BIO003", "BIO01"]


def test_duplicates_are_dropped():
    assert check({"select": ["BIO001", "consent-missing", "BIO001"]}).select == ["BIO001"]


def test_unknown_rule_in_per_file_ignores_names_quoted_glob():
    err = error_of({"per-file-ignores": {"tests/*": ["BIO999"]}})
    assert err.key == 'tool.bioaudit.per-file-ignores."tests/*"[0]'
    assert 'tool.bioaudit.per-file-ignores."tests/*"' in str(err)
    assert "unknown rule 'BIO999'" in str(err)


def test_rule_options_need_one_known_rule():
    err = error_of({"rules": {"BIO00": {}}})
    assert err.key == "tool.bioaudit.rules.BIO00"
    assert "prefix" in str(err)
    err = error_of({"rules": {"BIO044": {}}})
    assert err.suggestion == "BIO004"
    err = error_of({"rules": {"BIO004": {"a": 1}, "unencrypted-biometric-storage": {"b": 2}}})
    assert "twice" in str(err)


def test_rule_selectors_without_known_rules_only_check_shape():
    config = check({"select": ["XYZ", "bio004"]}, known_rules=None)
    assert config.select == ["XYZ", "BIO004"]
    err = error_of({"select": ["BIO 004"]}, known_rules=None)
    assert "invalid rule selector" in str(err)


def test_unknown_framework_with_suggestion():
    err = error_of({"frameworks": ["eu-gdpr", "us-il-bpia"]})
    assert err.key == "tool.bioaudit.frameworks[1]"
    assert "unknown framework 'us-il-bpia'" in str(err)
    assert err.suggestion == "us-il-bipa"
    assert check({"frameworks": ["EU-GDPR"]}).frameworks == ["eu-gdpr"]


# -- select / ignore precedence ------------------------------------------------------------


def test_select_ignore_precedence():
    cfg = Config(select=["BIO"], ignore=["BIO00"])
    assert not is_selected("BIO001", cfg)
    assert is_selected("BIO010", cfg)
    # a more specific select wins over a shorter ignore
    cfg = Config(select=["BIO", "BIO003"], ignore=["BIO00"])
    assert is_selected("BIO003", cfg)
    assert not is_selected("BIO004", cfg)
    # a more specific ignore wins over a shorter select
    cfg = Config(select=["BIO00"], ignore=["BIO004"])
    assert is_selected("BIO001", cfg)
    assert not is_selected("BIO004", cfg)
    # ignore wins ties
    assert not is_selected("BIO004", Config(select=["BIO004"], ignore=["BIO004"]))
    # the default selects every rule that is on by default, a plugin's included
    assert is_selected("XYZ100", Config())
    assert is_selected("XYZ100", Config(select=["ALL"], ignore=["BIO"]))
    assert not is_selected("XYZ100", Config(select=["BIO"]))
    # nothing selected -> off
    assert not is_selected("BIO001", Config(select=[]))


def test_opt_in_rules_need_an_exact_select():
    assert not is_selected("BIO010", Config(), default_enabled=False)
    assert is_selected("BIO010", Config(select=["BIO", "BIO010"]), default_enabled=False)
    assert not is_selected("BIO010", Config(select=["BIO010"], ignore=["BIO010"]), default_enabled=False)


# -- per-file-ignores ----------------------------------------------------------------------


def test_per_file_ignores_globbing():
    cfg = check({"per-file-ignores": {
        "tests/**": ["BIO001"],
        "scripts/*.py": ["BIO00"],
        "conftest.py": ["BIO003"],
        "/setup.py": ["BIO004"],
    }})
    # tests/** covers every depth under tests, not other tests dirs
    assert ignored_for_path("BIO001", "tests/test_a.py", cfg)
    assert ignored_for_path("BIO001", "tests/unit/deep/test_b.py", cfg)
    assert not ignored_for_path("BIO001", "src/tests/test_a.py", cfg)
    assert not ignored_for_path("BIO002", "tests/test_a.py", cfg)
    # scripts/*.py: direct children only; the value is an id prefix
    assert ignored_for_path("BIO002", "scripts/seed.py", cfg)
    assert ignored_for_path("BIO004", "scripts/seed.py", cfg)
    assert not ignored_for_path("BIO010", "scripts/seed.py", cfg)
    assert not ignored_for_path("BIO002", "scripts/sub/seed.py", cfg)
    assert not ignored_for_path("BIO002", "scripts/seed.txt", cfg)
    # no slash: any depth; leading slash: anchored
    assert ignored_for_path("BIO003", "pkg/sub/conftest.py", cfg)
    assert ignored_for_path("BIO004", "setup.py", cfg)
    assert not ignored_for_path("BIO004", "pkg/setup.py", cfg)
    # Path objects and ./ prefixes
    assert ignored_for_path("BIO001", Path("tests") / "x.py", cfg)
    assert ignored_for_path("BIO001", "./tests/x.py", cfg)


def test_per_file_ignores_tests_star_py():
    cfg = Config(per_file_ignores={"tests/*.py": ["BIO003"]})
    assert ignored_for_path("BIO003", "tests/test_logs.py", cfg)
    assert not ignored_for_path("BIO003", "app/logs.py", cfg)


def test_per_file_ignores_negation_and_absolute_paths(tmp_path):
    path = write(tmp_path / "pyproject.toml", """
        [tool.bioaudit.per-file-ignores]
        "!src/**" = ["BIO002"]
        "./research/**" = ["BIO001"]
    """)
    cfg = load_config(path, known_rules=RULES)
    assert ignored_for_path("BIO002", "tools/x.py", cfg)
    assert not ignored_for_path("BIO002", "src/app.py", cfg)
    assert ignored_for_path("BIO001", tmp_path / "research" / "nb.py", cfg)
    assert not ignored_for_path("BIO001", tmp_path / "other" / "research" / "nb.py", cfg)


def test_no_per_file_ignores():
    assert not ignored_for_path("BIO001", "tests/a.py", Config())


# -- merge_cli -----------------------------------------------------------------------------


def test_merge_cli_overrides_win_and_none_keeps_config():
    base = check({"select": ["BIO"], "fail-on": "medium", "jobs": 2, "extend-exclude": ["a"],
                  "frameworks": ["eu-gdpr"]})
    merged = merge_cli(base, select=["BIO004"], fail_on="high", jobs=None, cache=False,
                       frameworks=None, extend_exclude=["b", "a"], min_confidence=None)
    assert merged.select == ["BIO004"]
    assert merged.fail_on == "high"
    assert merged.jobs == 2
    assert merged.cache is False
    assert merged.frameworks == ["eu-gdpr"]
    assert merged.extend_exclude == ["a", "b"]  # extend-* adds to the config's list
    assert merged.source == base.source
    # the original is untouched
    assert base.select == ["BIO"] and base.fail_on == "medium" and base.cache is True
    assert base.extend_exclude == ["a"]


def test_merge_cli_extend_select_and_ignore():
    merged = merge_cli(Config(select=["BIO"], ignore=["BIO003"]), extend_ignore=["BIO004"], extend_select=["BIO010"])
    assert merged.ignore == ["BIO003", "BIO004"]
    assert merged.select == ["BIO", "BIO010"]


def test_merge_cli_validates_values():
    with pytest.raises(ConfigError) as info:
        merge_cli(Config(), fail_on="severe")
    assert str(info.value).startswith("command line: --fail-on: invalid value 'severe'")
    with pytest.raises(ConfigError) as info:
        merge_cli(Config(), known_rules=RULES, select=["consent-mising"])
    assert info.value.suggestion == "consent-missing"
    merged = merge_cli(Config(), known_rules=RULES, select=["consent-missing"])
    assert merged.select == ["BIO001"]
    with pytest.raises(ConfigError, match="unknown framework"):
        merge_cli(Config(), known_frameworks=FRAMEWORKS, frameworks=["gdpr"])


def test_merge_cli_accepts_enum_levels():
    from bioaudit.model import Severity

    assert merge_cli(Config(), fail_on=Severity.HIGH).fail_on == "high"


def test_merge_cli_rejects_unknown_override():
    with pytest.raises(TypeError):
        merge_cli(Config(), colour=True)


# -- find_config ---------------------------------------------------------------------------


def test_find_config_walks_up(tmp_path):
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    project = write(repo / "pyproject.toml", "[tool.bioaudit]\nfail-on = 'high'\n")
    deep = repo / "src" / "pkg" / "sub"
    deep.mkdir(parents=True)
    assert find_config(deep) == project.resolve()
    assert find_config(repo) == project.resolve()
    # a file as the start point
    module = write(deep / "mod.py", "x = 1\n")
    assert find_config(module) == project.resolve()


def test_find_config_prefers_nearest_table_and_skips_unrelated_pyproject(tmp_path):
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    root_cfg = write(repo / "pyproject.toml", "[tool.bioaudit]\n")
    write(repo / "libs" / "a" / "pyproject.toml", "[project]\nname = 'a'\n")
    nested = write(repo / "libs" / "b" / "pyproject.toml", "[tool.bioaudit]\nselect = ['BIO001']\n")
    assert find_config(repo / "libs" / "a") == root_cfg.resolve()
    assert find_config(repo / "libs" / "b") == nested.resolve()


def test_find_config_stops_at_git_root(tmp_path):
    write(tmp_path / "pyproject.toml", "[tool.bioaudit]\n")  # outside the repository
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "src").mkdir()
    assert find_config(repo / "src") is None
    # a .git file (worktree / submodule) is a boundary too
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / ".git").write_text("gitdir: ../.git/modules/sub\n")
    assert find_config(sub) is None


def test_find_config_returns_broken_pyproject_that_mentions_bioaudit(tmp_path):
    (tmp_path / ".git").mkdir()
    broken = write(tmp_path / "pyproject.toml", "[tool.bioaudit\nfail-on = 'x'\n")
    found = find_config(tmp_path)
    assert found == broken.resolve()
    with pytest.raises(ConfigError, match="invalid TOML at line 1"):
        load_config(found)


def test_found_config_loads(tmp_path):
    (tmp_path / ".git").mkdir()
    write(tmp_path / "pyproject.toml", "[tool.bioaudit]\nignore = ['BIO003']\n")
    config = load_config(find_config(tmp_path), known_rules=RULES)
    assert config.ignore == ["BIO003"]
    assert config.root == tmp_path.resolve()


# -- cache key -----------------------------------------------------------------------------


def test_cache_key_tracks_analysis_settings_only():
    base = Config()
    assert base.cache_key() == Config(source="elsewhere/pyproject.toml", jobs=8).cache_key()
    assert base.cache_key() != Config(encrypt_functions=["a.seal"]).cache_key()
    assert base.cache_key() != Config(rule_options={"BIO004": {"x": 1}}).cache_key()
