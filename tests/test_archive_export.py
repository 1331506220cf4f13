"""Exports of the aligned pairs: JSON Lines and TMX 1.4."""
from __future__ import annotations

import io
import json
from datetime import datetime, timezone

from lxml import etree

from archive import Archive
from archive.export import export_jsonl, export_tmx

from .archive_samples import beijing, edited, harbour, shenzhen

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def filled() -> Archive:
    archive = Archive.memory()
    archive.store_article(shenzhen())          # 1, superseded
    archive.store_article(beijing())           # 2, no pairs
    archive.store_article(harbour())           # 3, no pairs
    tricky = edited(shenzhen())
    tricky["pairs"].append({"en": 'AT&T said "<b>hi</b>"\x0b', "zh": "美国电话电报公司说 <你好> & 再见"})
    archive.store_article(tricky)              # 4, current, three pairs
    return archive


def test_jsonl_one_pair_per_line(tmp_path):
    out = tmp_path / "pairs.jsonl"
    assert export_jsonl(filled(), out) == 3
    lines = out.read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines]
    assert [(r["article_id"], r["seq"]) for r in rows] == [(4, 0), (4, 1), (4, 2)]
    assert set(rows[0]) == {"article_id", "url", "source", "published", "seq", "en", "zh"}
    assert rows[0]["zh"] == "深圳周二宣布设立新的创新基金。"
    assert "深圳" in lines[0]  # UTF-8, not \u escapes


def test_jsonl_filters_and_streams_to_text_or_binary():
    archive = filled()
    text = io.StringIO()
    assert export_jsonl(archive, text, source="bj-news") == 0
    binary = io.BytesIO()
    assert export_jsonl(archive, binary, since="2023-06-01", until="2023-06-30") == 3
    assert binary.getvalue().decode("utf-8").count("\n") == 3
    assert not binary.closed


def test_tmx_one_tu_per_pair(tmp_path):
    out = tmp_path / "pairs.tmx"
    when = datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    assert export_tmx(filled(), out, creation_date=when) == 3
    root = etree.parse(str(out)).getroot()
    assert root.tag == "tmx" and root.get("version") == "1.4"
    header = root.find("header")
    assert header.get("srclang") == "en" and header.get("adminlang") == "en"
    assert header.get("segtype") == "paragraph" and header.get("o-tmf")
    assert header.get("creationtool") == "news-harvester"
    assert header.get("creationdate") == "20240102T030405Z"
    units = root.findall("body/tu")
    assert len(units) == 3
    for tu in units:
        langs = [tuv.get(XML_LANG) for tuv in tu.findall("tuv")]
        assert langs == ["en", "zh"]
    first = [tuv.findtext("seg") for tuv in units[0].findall("tuv")]
    assert first == ["Shenzhen announced a new innovation fund on Tuesday.", "深圳周二宣布设立新的创新基金。"]
    last = [tuv.findtext("seg") for tuv in units[2].findall("tuv")]
    assert last == ['AT&T said "<b>hi</b>"', "美国电话电报公司说 <你好> & 再见"]
    assert units[0].find("prop[@type='x-url']").text == shenzhen()["canonical_url"]


def test_tmx_to_a_binary_stream_with_no_pairs():
    out = io.BytesIO()
    assert export_tmx(Archive.memory(), out) == 0
    root = etree.fromstring(out.getvalue())
    assert root.findall("body/tu") == []
