"""Decoding: the bytes win over what the page declares."""
from __future__ import annotations

import pytest

from harvester.extract import extract
from harvester.extract.encoding import decode, normalize_charset
from harvester.extract.errors import ExtractionError
from harvester.page import Page

ZH = "深圳创新城市国际交流营举行开营仪式，来自二十个城市的代表参加了活动。"
PAGE = "<html><head>{meta}<title>交流营开营</title></head><body><h1>交流营开营</h1>" \
       "<p>{zh}</p><p>{zh}</p><p>{zh}</p></body></html>"


def test_gbk_bytes_without_any_declaration():
    body = PAGE.format(meta="", zh=ZH).encode("gbk")
    text, enc = decode(body)
    assert enc == "gb18030" and ZH in text


def test_gb2312_declared_but_utf8_bytes():
    body = PAGE.format(meta='<meta http-equiv="Content-Type" content="text/html; charset=gb2312">', zh=ZH).encode()
    text, enc = decode(body, "text/html; charset=gb2312")
    assert enc == "utf-8" and ZH in text


def test_gb2312_declared_and_gbk_bytes_beyond_gb2312():
    zh = ZH + "镕"  # in GBK, not in GB2312
    body = PAGE.format(meta='<meta charset="gb2312">', zh=zh).encode("gbk")
    text, enc = decode(body)
    assert enc == "gb18030" and zh in text


def test_header_charset_big5():
    body = "<html><body><h1>臺灣新聞</h1><p>臺灣新聞報導，記者採訪了當地居民。</p></body></html>".encode("big5")
    text, enc = decode(body, "text/html; charset=big5")
    assert enc == "big5" and "臺灣新聞報導" in text


def test_utf8_bom():
    text, enc = decode(b"\xef\xbb\xbf<html><body><p>\xe4\xb8\xad</p></body></html>")
    assert enc == "utf-8" and text.startswith("<html>")


def test_xml_declaration_page_parses():
    body = ('<?xml version="1.0" encoding="utf-8"?>\n' + PAGE.format(meta="", zh=ZH)).encode()
    art = extract(Page(body=body, url="https://example.org/a"))
    assert art.title == "交流营开营" and ZH in art.text_zh


def test_normalize_widens_gb_family():
    assert normalize_charset("GB2312") == normalize_charset("gbk") == "gb18030"
    assert normalize_charset("no-such-charset") is None


@pytest.mark.parametrize("body, why", [
    (b"", "empty"), (b"   \n", "empty"), (b"%PDF-1.7\n%\xe2\xe3", "PDF"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "PNG"), (b"\x00\x01\x02" * 100, "binary"),
    (b"just some plain words, no markup at all", "no HTML"),
])
def test_non_html_raises_one_line_error(body, why):
    with pytest.raises(ExtractionError) as err:
        extract(Page(body=body, url="file:///x"))
    assert "\n" not in str(err.value) and str(err.value)
    assert isinstance(err.value, ValueError)


def test_non_html_content_type_raises():
    with pytest.raises(ExtractionError, match="application/pdf"):
        extract(Page(body=b"<html></html>", url="x", headers={"content-type": "application/pdf"}))
