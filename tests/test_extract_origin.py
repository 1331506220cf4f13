"""Where a page says its story comes from (harvester/extract/origin.py)."""
from __future__ import annotations

import json

from fixtures.loader import get_case
from harvester.extract import extract
from harvester.extract.origin import split_canonical
from harvester.page import Page

WECHAT = "https://mp.weixin.qq.com/s?__biz=MzA3NjQ5MTU2MQ==&mid=2650012345&idx=1&sn=4f1c9a0be2d7a3c5"
PARAGRAPHS = "".join(f"<p>深圳第{i}段新闻正文，讲述本市一项新服务的开通情况和市民的反馈意见，内容较长以便识别为正文。</p>"
                     for i in range(6))


def portal(extra: str, head: str = "", url: str = "https://news.portal.example/a/1.html") -> dict:
    html = (f"<html><head><meta charset='utf-8'><title>新服务开通</title>{head}</head><body>"
            f"<h1>新服务开通</h1><div class='article'>{PARAGRAPHS}{extra}</div></body></html>")
    return extract(Page(body=html.encode("utf-8"), url=url)).to_dict()


def test_a_labelled_link_to_the_original():
    found = portal(f'<p>原文链接：<a href="{WECHAT}&amp;chksm=abc&amp;scene=21#rd">点击查看</a></p>')
    assert found["origin"] == [{"kind": "source_link", "url": WECHAT}]
    assert portal(f'<p><a href="{WECHAT}">阅读原文</a></p>')["origin"] == [{"kind": "source_link", "url": WECHAT}]


def test_an_original_link_written_out_as_text():
    found = portal(f"<p>原文链接：{WECHAT}</p>")
    assert found["origin"] == [{"kind": "source_link", "url": WECHAT}]


def test_a_bare_wechat_link_on_a_portal():
    found = portal(f'<p>相关：<a href="{WECHAT}">往期报道</a></p>')
    assert found["origin"] == [{"kind": "wechat_link", "url": WECHAT}]


def test_credited_wechat_accounts():
    for line, name in [("来源：深圳日报微信公众号", "深圳日报"), ("来源：微信公众号“鹏城双语”", "鹏城双语"),
                       ("本文转自公众号「湾区英文」", "湾区英文"), ("Source: WeChat account Shenzhen Daily", "Shenzhen Daily")]:
        found = portal(f"<p>{line}</p>")
        assert {"kind": "account", "name": name} in found.get("origin", []), line
    assert "origin" not in portal("<p>来源：深圳特区报</p>")  # a newspaper, not a WeChat account


def test_a_foreign_canonical_is_a_claim_not_the_identity():
    found = portal("", head=f'<link rel="canonical" href="{WECHAT}">')
    assert found["canonical_url"] == "https://news.portal.example/a/1.html"
    assert found["origin"] == [{"kind": "canonical", "url": WECHAT}]
    same_site = portal("", head='<link rel="canonical" href="https://www.portal.example/a/1.html">',
                       url="https://m.portal.example/a/1.html")
    assert same_site["canonical_url"] == "https://www.portal.example/a/1.html" and "origin" not in same_site
    assert split_canonical(None, "https://a.example/x?utm_source=feed") == ("https://a.example/x", None)


def test_no_claims_no_key():
    assert "origin" not in portal("<p>编辑：王五</p>")


def test_fixture_pages():
    repost = get_case("portal-dute-seed-innovation-camp-repost")
    article = extract(Page.from_headers(repost.body, repost.url, repost.headers)).to_dict()
    assert article["origin"] == [{"kind": "account", "name": "深圳日报(英文)"}]
    assert article["source"] == "深圳日报(英文)"  # 来源：…微信公众号 credits the account
    wechat = get_case("wechat-2020-guangzhou-haizhu-wetland-birds-zh-en-split")
    expected = json.loads(wechat.expected_path.read_text(encoding="utf-8"))
    assert expected["origin"] == [{"kind": "source_link",
                                   "url": "https://www.gzdaily-portal.example/content/2020-09/18/content_7741208.htm"}]
