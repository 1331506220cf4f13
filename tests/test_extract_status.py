"""Deleted, blocked and non-article pages are never articles."""
from __future__ import annotations

import pytest

from harvester.extract import extract
from harvester.page import Page
from tests.extract_fixtures import SEED_WECHAT_HTML


def _page(html: str, url: str = "https://mp.weixin.qq.com/s/abc") -> Page:
    return Page(body=html.encode("utf-8"), url=url)


def _msg_page(message: str, extra: str = "") -> str:
    return (f"<html><head><meta charset='utf-8'><title></title></head><body><div class='weui-msg'>"
            f"<div class='weui-msg__text-area'><h2 class='weui-msg__title'>{message}</h2>{extra}</div></div>"
            "<script>var a = 1;</script></body></html>")


@pytest.mark.parametrize("message", ["该内容已被发布者删除", "此内容因违规无法查看", "该公众号已迁移", "链接已过期",
                                     "此内容被多人投诉，相关的内容无法进行查看。"])
def test_deleted(message):
    assert extract(_page(_msg_page(message))).status == "deleted"


@pytest.mark.parametrize("message", ["环境异常", "访问过于频繁，请稍后再试", "完成验证后即可继续访问",
                                     "请在微信客户端打开链接"])
def test_blocked(message):
    art = extract(_page(_msg_page(message, "<a>去验证</a>")))
    assert art.status == "blocked" and not art.paragraphs and not art.pairs


def test_article_that_mentions_markers_is_still_an_article():
    html = SEED_WECHAT_HTML.replace("交流营活动包括", "有人说该内容已被发布者删除,也有人说环境异常。交流营活动包括")
    assert extract(_page(html)).status == "article"


def test_account_history_page_is_not_article():
    html = ("<html><body><div id='js_profile_qrcode' class='profile_info'><strong class='profile_nickname'>槽边往事"
            "</strong><p>微信号: bitsea</p></div><div id='history'>最近10条群发 正在加载</div></body></html>")
    assert extract(_page(html, "https://mp.weixin.qq.com/mp/profile_ext?action=home")).status == "not_article"


def test_listing_page_is_not_article():
    links = "".join(f"<li><a href='/news/{i}.html'>新闻标题第{i}条</a></li>" for i in range(40))
    html = f"<html><head><title>新闻列表_首页</title></head><body><ul>{links}</ul></body></html>"
    assert extract(_page(html, "https://news.example.cn/list/")).status == "not_article"


def test_too_little_body_is_not_article():
    html = "<html><head><title>空</title></head><body><div id='js_content'><p>图片</p></div></body></html>"
    assert extract(_page(html)).status == "not_article"
