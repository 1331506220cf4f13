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


ARTICLE = ("<!DOCTYPE html><html><head><title>河口湿地迎来越冬候鸟</title></head><body><article>"
           + "<p>今年入冬以来，河口湿地迎来了大批越冬候鸟，保护站的工作人员每天清晨巡护记录。</p>" * 4
           + "</article></body></html>").encode("utf-8")


@pytest.mark.parametrize("content_type", ["application/octet-stream", "binary/octet-stream", "text/plain",
                                          "application/x-unknown-content-type", "", "application/download"])
def test_html_under_a_vague_label_is_read_by_its_bytes(content_type):
    headers = {"content-type": content_type} if content_type else {}
    article = extract(Page(body=ARTICLE, url="http://example.cn/a.html", headers=headers))
    assert article.status == "article" and "越冬候鸟" in article.title


@pytest.mark.parametrize("body", [b"%PDF-1.7\n%\xe2\xe3", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40,
                                  b"plain words without any markup"])
def test_octet_stream_that_is_not_html_is_still_refused(body):
    with pytest.raises(ExtractionError, match="not HTML|empty"):
        extract(Page(body=body, url="http://example.cn/a.bin", headers={"content-type": "application/octet-stream"}))


def test_sniffing_sees_markup_past_a_bom_blanks_and_comments():
    from harvester.extract.sniff import may_be_html, starts_like_html

    assert starts_like_html(b"\xef\xbb\xbf  \n<!-- saved -->\n<html lang=zh>")
    assert starts_like_html("\ufeff<!doctype html>".encode("utf-16-le"))
    assert not starts_like_html(b"PK\x03\x04<html>")
    assert may_be_html(ARTICLE, "application/octet-stream") and may_be_html(ARTICLE, "")
    assert not may_be_html(b"%PDF-1.4 <html>", "application/octet-stream")
    assert not may_be_html(ARTICLE, "application/pdf"), "a binary format's label is believed, as browsers do"
