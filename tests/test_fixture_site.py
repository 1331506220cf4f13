"""The bundled fixture site: pages served byte for byte, truth files well-formed, listing links resolve."""
from __future__ import annotations

import html
import json
import re
import urllib.error
import urllib.request
from html.parser import HTMLParser

import pytest

from fixtures.loader import META_KEYS, PAGES_DIR, STATUSES, TRUTH_KEYS, load_cases, request_target
from fixtures.site import FixtureSite

CASES = load_cases()
IDS = [c.name for c in CASES]
#: every holdout set's pages (fixtures/holdout*/): never served or snapshotted, but their truth obeys the same rules
HOLDOUT_CASES = [c for d in sorted(PAGES_DIR.parent.glob("holdout*")) for c in load_cases(d)]
ALL_CASES = CASES + HOLDOUT_CASES
ALL_IDS = IDS + [f"{c.dir.parent.name}/{c.name}" for c in HOLDOUT_CASES]
LANGS = ("en", "zh", "bilingual")


@pytest.fixture(scope="module")
def site():
    with FixtureSite() as s:
        yield s


def fetch(url: str, method: str = "GET"):
    req = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read()


# a Chinese legacy charset label names a subset of GB18030: decode with the superset
_GB_FAMILY = {"gb2312", "gbk", "gb18030", "x-gbk", "euc-cn", "cp936"}


def page_encoding(case) -> str:
    """The fixture's real encoding, by hand: the served charset (GB family -> gb18030), else
    strict UTF-8 when the bytes are UTF-8 (a page may carry a wrong <meta charset>), else gb18030."""
    m = re.search(r"charset\s*=\s*[\"']?([\w-]+)", case.content_type or "", re.I)
    if m:
        declared = m.group(1).lower()
        return "gb18030" if declared in _GB_FAMILY else declared
    try:
        case.body.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        return "gb18030"


def page_text(case) -> str:
    """The page decoded by hand (see page_encoding), tags dropped, entities unescaped."""
    text = case.body.decode(page_encoding(case))
    text = re.sub(r"<[^>]+>", "", text)
    return html.unescape(text)


def test_holdout_sets_are_found():
    assert {c.dir.parent.name for c in HOLDOUT_CASES} >= {"holdout8", "holdout9"}


def test_there_are_enough_pages():
    assert len(CASES) >= 14
    statuses = {c.truth.get("status") for c in CASES}
    assert set(STATUSES) <= statuses, f"every status needs a fixture, have {statuses}"
    assert sum(1 for c in CASES if c.truth.get("language") == "bilingual") >= 6


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_served_byte_for_byte(site, case):
    status, headers, body = fetch(site.url_for(case.name))
    assert status == 200
    assert headers["Content-Type"] == case.content_type
    assert body == case.body


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_local_url_maps_original(site, case):
    assert site.local_url(case.url) == site.url_for(case.name)
    assert site.case_for_target(request_target(case.url)).name == case.name


def test_robots_index_404_and_log(site):
    status, headers, body = fetch(site.base_url + "/robots.txt")
    assert status == 200 and b"Allow: /" in body
    status, headers, body = fetch(site.base_url + "/")
    assert status == 200
    links = _links(body.decode("utf-8"))
    assert {site.case_for_target(u).name for u in links} == set(IDS)
    status, _, _ = fetch(site.base_url + "/no/such/page.htm")
    assert status == 404
    status, headers, body = fetch(site.url_for(IDS[0]), method="HEAD")
    assert status == 200 and body == b"" and int(headers["Content-Length"]) == len(CASES[0].body)
    assert "/no/such/page.htm" in site.requests and "/robots.txt" in site.requests


def test_lenient_matching_of_query_order(site):
    case = next(c for c in CASES if "__biz=" in c.url)
    target = request_target(case.url)
    path, query = target.split("?", 1)
    shuffled = path + "?" + "&".join(reversed(query.split("&")))
    status, _, body = fetch(site.base_url + shuffled)
    assert status == 200 and body == case.body


def test_context_manager_stops_server():
    with FixtureSite() as s:
        url = s.base_url + "/robots.txt"
        assert fetch(url)[0] == 200
    with pytest.raises(OSError):
        urllib.request.urlopen(url, timeout=2)


@pytest.mark.parametrize("case", ALL_CASES, ids=ALL_IDS)
def test_meta_well_formed(case):
    for key in META_KEYS:
        assert key in case.meta, f"{case.name}/meta.json lacks {key}"
    assert case.url.startswith("https://")
    assert case.content_type.startswith("text/html")


@pytest.mark.parametrize("case", ALL_CASES, ids=ALL_IDS)
def test_truth_well_formed(case):
    t = case.truth
    assert t, f"{case.name} has no truth.json"
    missing = [k for k in TRUTH_KEYS if k not in t]
    assert not missing, f"{case.name}/truth.json lacks {missing}"
    assert t["status"] in STATUSES
    assert isinstance(t["editors"], dict)
    assert isinstance(t["body_contains"], list) and isinstance(t["boilerplate_absent"], list)
    assert all(isinstance(p, list) and len(p) == 2 for p in t["pairs"])
    if t["status"] == "article":
        assert t["title"] and t["language"] in LANGS
        # as precise as the page gives it: a day, or an instant with its offset
        assert t["published"] is None or re.fullmatch(r"\d{4}-\d\d-\d\d(T\d\d:\d\d:\d\d[+-]\d\d:\d\d)?", t["published"])
        assert len(t["body_contains"]) >= 3
        assert bool(t["pairs"]) == (t["language"] == "bilingual")
    else:
        assert not t["pairs"] and not t["body_contains"]


@pytest.mark.parametrize("case", ALL_CASES, ids=ALL_IDS)
def test_truth_strings_occur_in_page(case):
    """Ground truth is about this page: what must be kept and what must go are both really there."""
    text = page_text(case)
    for s in case.truth["body_contains"] + case.truth["boilerplate_absent"]:
        assert s in text, f"{case.name}: {s!r} not in the page"
    for en, zh in case.truth["pairs"]:
        assert en in text and zh in text, f"{case.name}: pair {en!r} / {zh!r} not in the page"
        assert re.search(r"[A-Za-z]", en) and re.search(r"[\u4e00-\u9fff]", zh)
    body = set(case.truth["body_contains"])
    for bad in case.truth["boilerplate_absent"]:
        assert not any(bad in good for good in body), f"{case.name}: {bad!r} is inside a body_contains string"


def test_gbk_page_is_really_gbk():
    case = next(c for c in CASES if c.name == "portal-gbk-library")
    with pytest.raises(UnicodeDecodeError):
        case.body.decode("utf-8")
    with pytest.raises(UnicodeDecodeError):
        case.body.decode("gb2312")
    assert "charset" not in case.content_type
    assert b'<meta charset="gb2312">' in case.body


def test_mismatched_page_declares_gb2312_but_is_utf8():
    case = next(c for c in CASES if c.name == "portal-gb2312-declared-utf8-bytes")
    case.body.decode("utf-8")
    assert b"charset=gb2312" in case.body


class _LinkParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.links.append(href)


def _links(doc: str) -> list[str]:
    p = _LinkParser()
    p.feed(doc)
    return [u for u in p.links if u.startswith("/")]


def test_listing_links_resolve_to_pages(site):
    listing = next(c for c in CASES if c.name == "portal-section-index")
    assert listing.truth["status"] == "not_article"
    links = _links(listing.body.decode("utf-8"))
    article_links = [u for u in links if site.case_for_target(u)]
    others = {c.name for c in CASES} - {listing.name}
    assert {site.case_for_target(u).name for u in article_links} == others
    for u in article_links:
        status, headers, body = fetch(site.base_url + u)
        assert status == 200 and body == site.case_for_target(u).body


def test_expected_snapshots_are_sorted_json():
    for case in CASES:
        if case.expected_path.exists():
            raw = case.expected_path.read_text(encoding="utf-8")
            data = json.loads(raw)
            assert raw == json.dumps(data, sort_keys=True, ensure_ascii=False, indent=2) + "\n", case.name
