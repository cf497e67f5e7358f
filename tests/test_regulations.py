"""The regulation catalog: packaged TOML data and the loader API."""
from __future__ import annotations

import re
import shutil
import sys
from importlib import resources
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

from bioaudit.regulations import (
    DEFAULT_FRAMEWORKS,
    Article,
    CatalogError,
    Category,
    Framework,
    RegulationCatalog,
    UnknownFramework,
    UnknownReference,
    load_catalog,
    read_catalog,
)

ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
EXPECTED_FRAMEWORKS = {
    "cn-frt-2025",
    "cn-pipl",
    "eu-gdpr",
    "eu-ai-act",
    "us-il-bipa",
    "us-tx-cubi",
    "us-coppa",
    "us-ca-ccpa",
    "uk-gdpr",
}
PACKAGE_DIR = Path(str(resources.files("bioaudit.regulations")))


@pytest.fixture(scope="module")
def catalog() -> RegulationCatalog:
    return load_catalog()


@pytest.fixture
def data_copy(tmp_path: Path) -> Path:
    """A writable copy of the packaged TOML files."""
    for toml in PACKAGE_DIR.glob("*.toml"):
        shutil.copy(toml, tmp_path / toml.name)
    return tmp_path


# ---------------------------------------------------------------- frameworks


def test_all_frameworks_load_in_catalog_order(catalog: RegulationCatalog) -> None:
    assert set(catalog.frameworks) == EXPECTED_FRAMEWORKS
    assert catalog.framework_ids()[:5] == ["cn-frt-2025", "cn-pipl", "eu-gdpr", "eu-ai-act", "us-il-bipa"]
    assert list(DEFAULT_FRAMEWORKS) == catalog.framework_ids()


def test_load_catalog_is_cached(catalog: RegulationCatalog) -> None:
    assert load_catalog() is catalog


@pytest.mark.parametrize("fid", sorted(EXPECTED_FRAMEWORKS))
def test_framework_metadata(catalog: RegulationCatalog, fid: str) -> None:
    fw = catalog.frameworks[fid]
    assert isinstance(fw, Framework)
    assert fw.id == fid
    assert fw.title and fw.short_title and fw.jurisdiction
    assert fw.url.startswith("https://")
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", fw.checked)
    assert fw.articles, f"{fid} has no articles"


def test_framework_specific_metadata(catalog: RegulationCatalog) -> None:
    bipa = catalog.frameworks["us-il-bipa"]
    assert bipa.short_title == "BIPA"
    assert bipa.jurisdiction == "US-IL"
    assert "ilga.gov" in bipa.url
    assert "740 ILCS 14" in bipa.title
    assert "mirror eu-gdpr" in catalog.frameworks["uk-gdpr"].note
    assert "cac.gov.cn" in catalog.frameworks["cn-frt-2025"].url


def test_article_ids_are_lowercase_hyphenated_and_unique(catalog: RegulationCatalog) -> None:
    refs = []
    for fid, fw in catalog.frameworks.items():
        for aid, article in fw.articles.items():
            assert ID_RE.fullmatch(aid), f"{fid}:{aid}"
            assert article.id == aid
            assert article.framework == fid
            assert article.ref == f"{fid}:{aid}"
            refs.append(article.ref)
    assert len(refs) == len(set(refs))
    assert refs == [a.ref for a in catalog.articles()]


def test_article_ids_match_file_keys() -> None:
    # Guard against the dict hiding duplicates: count [articles.X] headers in the raw files.
    for toml in PACKAGE_DIR.glob("*.toml"):
        if toml.name == "categories.toml":
            continue
        headers = re.findall(r"^\[articles\.([^\]]+)\]", toml.read_text(encoding="utf-8"), flags=re.M)
        assert len(headers) == len(set(headers)), toml.name
        assert headers == list(load_catalog().frameworks[toml.stem].articles), toml.name


def test_summaries_and_titles_are_single_lines(catalog: RegulationCatalog) -> None:
    for article in catalog.articles():
        assert article.summary.strip() == article.summary
        assert "\n" not in article.summary and "\r" not in article.summary, article.ref
        assert "\n" not in article.title, article.ref
        assert len(article.summary) >= 10, article.ref
        assert isinstance(article.verified, bool)
    # and in the raw files, independent of the loader's own validation
    for toml in PACKAGE_DIR.glob("*.toml"):
        if toml.name == "categories.toml":
            continue
        with toml.open("rb") as fh:
            data = tomllib.load(fh)
        for aid, table in data["articles"].items():
            assert len(table["summary"].splitlines()) == 1, f"{toml.name}: {aid}"


@pytest.mark.parametrize(
    "ref",
    [
        "eu-gdpr:art-9-2-a",
        "us-il-bipa:sec-15-e",
        "eu-ai-act:art-5-1-f",
        "eu-ai-act:annex-iii-1-a",
        "us-tx-cubi:503-001-c-2",
        "us-ca-ccpa:1798-100-a",
        "us-coppa:312-5",
        "cn-frt-2025:art-10",
        "cn-pipl:art-51",
        "uk-gdpr:art-9",
        "uk-gdpr:art-9-2-a",
    ],
)
def test_documented_refs_resolve(catalog: RegulationCatalog, ref: str) -> None:
    article = catalog.resolve(ref)
    assert isinstance(article, Article)
    assert article.ref == ref
    assert ref in catalog


def test_specific_article_content(catalog: RegulationCatalog) -> None:
    release = catalog.resolve("us-il-bipa:sec-15-b")
    assert "written release" in release.summary
    assert release.verified is True
    assert "only verification option" in catalog.resolve("cn-frt-2025:art-10").summary
    assert catalog.resolve("eu-ai-act:art-5-1-g").title == "Sensitive biometric categorisation"


def test_cn_frt_range_is_expanded(catalog: RegulationCatalog) -> None:
    arts = [catalog.resolve(f"cn-frt-2025:art-{n}") for n in (16, 17, 18)]
    assert len({(a.title, a.summary) for a in arts}) == 1
    assert all(a.verified is False for a in arts)
    assert "cn-frt-2025:art-16-18" not in catalog


def test_uk_gdpr_mirrors_eu_gdpr(catalog: RegulationCatalog) -> None:
    uk = catalog.frameworks["uk-gdpr"].articles
    eu = catalog.frameworks["eu-gdpr"].articles
    for aid in ("art-4-14", "art-5-1-c", "art-5-1-e", "art-5-1-f", "art-6-1", "art-9", "art-9-2-a", "art-13",
                "art-17", "art-25", "art-32", "art-35", "art-44", "art-45", "art-46"):
        assert aid in uk, aid
    for aid in set(uk) & set(eu):
        assert uk[aid].title == eu[aid].title, aid
    assert "art-22" not in uk  # regulations.md: re-check Art 22 before citing it for the UK


# ---------------------------------------------------------------- (M) numbering


@pytest.mark.parametrize(
    "ref",
    [
        "cn-frt-2025:art-11",
        "cn-frt-2025:art-12",
        "cn-frt-2025:art-14",
        "cn-frt-2025:art-19",
        "us-ca-ccpa:1798-120-c",
        "us-ca-ccpa:1798-140-ae",
        "us-coppa:312-8",
        "us-coppa:312-10",
    ],
)
def test_m_marked_articles_are_unverified(catalog: RegulationCatalog, ref: str) -> None:
    assert catalog.resolve(ref).verified is False


@pytest.mark.parametrize(
    "ref", ["cn-frt-2025:art-10", "cn-frt-2025:art-13", "cn-frt-2025:art-15", "eu-gdpr:art-32", "us-coppa:312-5"]
)
def test_unmarked_articles_are_verified(catalog: RegulationCatalog, ref: str) -> None:
    assert catalog.resolve(ref).verified is True


# ---------------------------------------------------------------- categories


def test_categories_c1_to_c9(catalog: RegulationCatalog) -> None:
    assert list(catalog.categories) == [f"C{n}" for n in range(1, 10)]
    names = [c.name for c in catalog.categories.values()]
    assert names == [
        "no-consent",
        "no-fallback",
        "log-leak",
        "plain-storage",
        "insecure-transfer",
        "sensitive-inference",
        "no-retention",
        "raw-image-storage",
        "minors",
    ]
    for cid, category in catalog.categories.items():
        assert isinstance(category, Category)
        assert category.id == cid
        assert category.smell
        assert isinstance(category.refs, tuple) and category.refs
        assert isinstance(category.anchors, tuple) and category.anchors


def test_every_category_ref_and_anchor_resolves(catalog: RegulationCatalog) -> None:
    for category in catalog.categories.values():
        assert len(category.refs) == len(set(category.refs)), category.id
        for ref in category.refs:
            assert catalog.resolve(ref).ref == ref
        for ref in category.anchors:
            assert ref in category.refs, (category.id, ref)
        assert set(category.ref_notes) <= set(category.refs)


def test_category_matrix_content(catalog: RegulationCatalog) -> None:
    cats = catalog.categories
    assert cats["C1"].anchors == ("cn-frt-2025:art-6", "eu-gdpr:art-9-2-a", "us-il-bipa:sec-15-b")
    assert cats["C2"].anchors == ("cn-frt-2025:art-10",)
    assert cats["C6"].anchors == ("eu-ai-act:art-5-1-g", "eu-ai-act:art-5-1-f")
    assert "uk-gdpr:art-9" in cats["C1"].refs and "uk-gdpr:art-9" in cats["C2"].refs
    assert "eu-gdpr:art-7" in cats["C2"].refs
    assert "us-coppa:312-10" in cats["C7"].refs
    assert len(cats["C5"].refs) == 24
    assert "BIPA" in cats["C8"].note
    assert "eu-ai-act:art-5-1-e" in cats["C1"].ref_notes


def test_category_articles(catalog: RegulationCatalog) -> None:
    got = [a.ref for a in catalog.category_articles("c4", ["eu-gdpr", "us-coppa"])]
    assert got == ["eu-gdpr:art-5-1-f", "eu-gdpr:art-32", "us-coppa:312-8"]
    with pytest.raises(KeyError, match="C9"):
        catalog.category_articles("C99")


# ---------------------------------------------------------------- resolve / errors


def test_resolve_unknown_article_suggests_close_match(catalog: RegulationCatalog) -> None:
    with pytest.raises(UnknownReference) as info:
        catalog.resolve("eu-gdpr:art-9-2-x")
    err = info.value
    assert isinstance(err, KeyError)
    assert err.ref == "eu-gdpr:art-9-2-x"
    assert err.suggestions[0] == "eu-gdpr:art-9-2-a"
    assert "'eu-gdpr:art-9-2-x'" in str(err)
    assert "did you mean 'eu-gdpr:art-9-2-a'" in str(err)


def test_resolve_unknown_framework_suggests_ref(catalog: RegulationCatalog) -> None:
    with pytest.raises(UnknownReference) as info:
        catalog.resolve("eu-gpdr:art-9-2-a")
    assert info.value.suggestions[0] == "eu-gdpr:art-9-2-a"
    with pytest.raises(UnknownReference) as info:
        catalog.resolve("bipa:sec-15-b")
    assert info.value.suggestions[0] == "us-il-bipa:sec-15-b"


def test_resolve_missing_framework_prefix(catalog: RegulationCatalog) -> None:
    with pytest.raises(UnknownReference, match="framework:article") as info:
        catalog.resolve("sec-15-e")
    assert "us-il-bipa:sec-15-e" in info.value.suggestions


def test_resolve_normalises_case_and_space(catalog: RegulationCatalog) -> None:
    assert catalog.resolve(" EU-GDPR:Art-32 ").ref == "eu-gdpr:art-32"


def test_contains(catalog: RegulationCatalog) -> None:
    assert "eu-gdpr:art-32" in catalog
    assert "eu-gdpr:art-999" not in catalog
    assert "nope" not in catalog
    assert 42 not in catalog


# ---------------------------------------------------------------- framework selection


def test_filter_refs_honours_frameworks(catalog: RegulationCatalog) -> None:
    refs = ["us-il-bipa:sec-15-e", "eu-gdpr:art-32", "cn-pipl:art-51", "eu-gdpr:art-5-1-f"]
    assert [a.ref for a in catalog.filter_refs(refs, None)] == refs
    assert [a.ref for a in catalog.filter_refs(refs, ["eu-gdpr"])] == ["eu-gdpr:art-32", "eu-gdpr:art-5-1-f"]
    assert [a.ref for a in catalog.filter_refs(refs, ["cn-pipl", "us-il-bipa"])] == [
        "us-il-bipa:sec-15-e",
        "cn-pipl:art-51",
    ]
    assert catalog.filter_refs(refs, []) == []
    assert [a.ref for a in catalog.filter_refs(refs, "cn-pipl")] == ["cn-pipl:art-51"]
    assert all(isinstance(a, Article) for a in catalog.filter_refs(refs, None))


def test_filter_refs_drops_duplicates(catalog: RegulationCatalog) -> None:
    got = catalog.filter_refs(["eu-gdpr:art-32", "EU-GDPR:art-32", "cn-pipl:art-51"], None)
    assert [a.ref for a in got] == ["eu-gdpr:art-32", "cn-pipl:art-51"]


def test_filter_refs_still_rejects_unknown_refs_outside_selection(catalog: RegulationCatalog) -> None:
    with pytest.raises(UnknownReference):
        catalog.filter_refs(["eu-gdpr:art-32", "us-il-bipa:sec-99"], ["eu-gdpr"])


def test_filter_refs_rejects_unknown_framework(catalog: RegulationCatalog) -> None:
    with pytest.raises(UnknownFramework, match="eu-gpdr"):
        catalog.filter_refs(["eu-gdpr:art-32"], ["eu-gpdr"])


def test_check_framework_ids(catalog: RegulationCatalog) -> None:
    catalog.check_framework_ids(["eu-gdpr", "cn-frt-2025"])
    catalog.check_framework_ids(DEFAULT_FRAMEWORKS)
    catalog.check_framework_ids([])
    with pytest.raises(UnknownFramework) as info:
        catalog.check_framework_ids(["eu-gdpr", "eu-gpdr", "cn-frt"])
    err = info.value
    assert isinstance(err, ValueError)
    assert err.unknown == ("eu-gpdr", "cn-frt")
    assert err.suggestions["eu-gpdr"][0] == "eu-gdpr"
    assert err.suggestions["cn-frt"][0] == "cn-frt-2025"
    message = str(err)
    assert "'eu-gpdr'" in message and "did you mean 'eu-gdpr'" in message
    assert "'cn-frt'" in message and "'cn-frt-2025'" in message


def test_check_framework_ids_accepts_single_string(catalog: RegulationCatalog) -> None:
    catalog.check_framework_ids("us-il-bipa")
    with pytest.raises(UnknownFramework, match="us-il-bpia"):
        catalog.check_framework_ids("us-il-bpia")


# ---------------------------------------------------------------- load errors


def test_read_catalog_on_copy_matches_packaged(data_copy: Path, catalog: RegulationCatalog) -> None:
    copy = read_catalog(data_copy)
    assert copy.framework_ids() == catalog.framework_ids()
    assert list(copy.articles()) == list(catalog.articles())


def test_malformed_toml_names_the_file(data_copy: Path) -> None:
    (data_copy / "eu-gdpr.toml").write_text("[framework\nid = ", encoding="utf-8")
    with pytest.raises(CatalogError, match=r"eu-gdpr\.toml.*malformed TOML"):
        read_catalog(data_copy)


def test_framework_id_must_match_file_name(data_copy: Path) -> None:
    text = (data_copy / "us-coppa.toml").read_text(encoding="utf-8")
    (data_copy / "us-coppa.toml").write_text(text.replace('id = "us-coppa"', 'id = "coppa"'), encoding="utf-8")
    with pytest.raises(CatalogError, match=r"us-coppa\.toml.*does not match"):
        read_catalog(data_copy)


def test_bad_article_id_rejected(data_copy: Path) -> None:
    with (data_copy / "us-coppa.toml").open("a", encoding="utf-8") as fh:
        fh.write('\n[articles.Art_9]\ntitle = "x"\nsummary = "y"\nverified = true\n')
    with pytest.raises(CatalogError, match=r"us-coppa\.toml \[articles\.Art_9\].*lowercase"):
        read_catalog(data_copy)


def test_missing_key_rejected(data_copy: Path) -> None:
    with (data_copy / "us-coppa.toml").open("a", encoding="utf-8") as fh:
        fh.write('\n[articles.312-99]\ntitle = "x"\nsummary = "y"\n')
    with pytest.raises(CatalogError, match=r"us-coppa\.toml \[articles\.312-99\].*verified"):
        read_catalog(data_copy)


def test_multiline_summary_rejected(data_copy: Path) -> None:
    with (data_copy / "us-coppa.toml").open("a", encoding="utf-8") as fh:
        fh.write('\n[articles.312-99]\ntitle = "x"\nsummary = """two\nlines"""\nverified = true\n')
    with pytest.raises(CatalogError, match="single line"):
        read_catalog(data_copy)


def test_unresolvable_category_ref_rejected(data_copy: Path) -> None:
    path = data_copy / "categories.toml"
    path.write_text(path.read_text(encoding="utf-8").replace('"eu-gdpr:art-32"', '"eu-gdpr:art-23"', 1),
                    encoding="utf-8")
    with pytest.raises(CatalogError, match=r"categories\.toml \[categories\.C3\].*eu-gdpr:art-23"):
        read_catalog(data_copy)


def test_missing_categories_file_rejected(data_copy: Path) -> None:
    (data_copy / "categories.toml").unlink()
    with pytest.raises(CatalogError, match="categories.toml"):
        read_catalog(data_copy)
