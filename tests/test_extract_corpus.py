"""extract() on real pages from ../shared/corpus (skipped where the corpus is absent).

The pages are third-party and read in place, never copied into the project. Checks are
the ones a reader would make: body found, title right, boilerplate gone, metadata right.
"""
from __future__ import annotations

import re

import pytest
from urllib.parse import unquote

from harvester.extract import extract
from harvester.page import Page
from tests.conftest import SHARED

CORPUS = SHARED / "corpus"
pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not present")

LEFTOVER = re.compile(r"责任编辑|原标题|免责声明|推荐阅读|版权声明|相关阅读|往期推荐|点击上方|阅读原文|网友评论仅供")


def run(rel: str, url: str = ""):
    path = CORPUS / rel
    if not path.exists():
        pytest.skip(f"{rel} not in corpus")
    return extract(Page(body=path.read_bytes(), url=url))


# rel path, a prefix of the title, source, published, a short piece of the body
CASES = [
    ("wechat-gne/wechat_1.html", "三星 Galaxy S20 系列", "爱否科技", "2020-02-12T22:17:54+08:00",
     "今天凌晨，三星在美国旧金山举行发布会"),
    ("wechat-gne/wechat_2.html", "一日一技：在 Python", "未闻Code", "2020-02-11T18:47:50+08:00", None),
    ("wechat-misc/llmwebkit_weixin.html", "高校计科系惊现求职新风口", "CSDN", "2024-12-18T18:08:11+08:00",
     "这是发生在北京大学食堂的一段对话"),
    ("wechat-misc/omnivore_wechat_source.html", None, "维客笔记", "2023-01-10T07:07:08+08:00", None),
    ("wechat-wechatsogou/article_detail_mpvoice.html", None, "长江日报", "2018-03-19T05:30:00+08:00", None),
    ("gne-cn-news/163_1.html", "多地项目连环爆雷 狂奔的龙湖", "证券市场红周刊", "2019-09-07T13:43:45+08:00",
     "龙湖集团公布了2019年中期业绩报告"),
    ("gne-cn-news/163_9.html", "5月20日至31日，京沪高速", None, None, None),
    ("gne-cn-news/people_1.html", "女儿出嫁，郑板桥画了几笔兰花当嫁妆", None, None, None),
    ("gne-cn-news/guancha_2.html", None, None, "2019-09-07T15:10:53+08:00", None),
    ("gne-cn-news/xinhuanet_1.html", "法国全国大罢工再次严重影响交通", "新华网", None, None),
    ("readability-cn/gmw_source.html", "宇航员在太空中喝酒会怎么样？后果很严重", None, None, None),
]


@pytest.mark.parametrize("rel, title, source, published, sentence", CASES, ids=[c[0] for c in CASES])
def test_real_article(rel, title, source, published, sentence):
    art = run(rel)
    assert art.status == "article", "status"
    if title:  # a prefix of the title (third-party text is quoted no further)
        assert art.title.startswith(title), "title"
    if source:
        assert art.source == source, "source"
    if published:
        assert art.published == published, "published"
    body = "\n".join(p.text for p in art.paragraphs)
    assert len(body) > 300, "body found"
    if sentence:
        assert sentence in body, "body sentence"
    for p in art.paragraphs:
        assert not LEFTOVER.search(p.text), f"boilerplate left: {p.text[:50]!r}"


def test_editor_credits_and_original_title_lifted():
    art = run("gne-cn-news/163_1.html")
    assert art.editors == {"责任编辑": "杨倩"}  # the _NF4425 staff code is no part of the name (fixtures/README.md)
    assert art.original_title.startswith("多地项目连环爆雷 狂奔的龙湖")
    assert not any("网友评论" in p.text or "跟贴" in p.text for p in art.paragraphs), "comments cut"
    art = run("gne-cn-news/guancha_2.html")
    assert art.editors.get("责任编辑") == "刘响" and art.original_title


def test_wechat_canonical_url_and_images():
    art = run("wechat-misc/omnivore_wechat_source.html")
    assert unquote(art.canonical_url) == ("https://mp.weixin.qq.com/s?__biz=MzU4MzgxNjczMA==&mid=2247486734&idx=1"
                                 "&sn=b8c0ba868089c08e1be5b1b7ac724a32")
    art = run("wechat-gne/wechat_1.html")
    assert art.images and all("mmbiz.qpic.cn" in i.src for i in art.images)


def test_negative_pages():
    assert run("wechat-wechatsogou/article_detail_expired.html").status == "deleted"
    assert run("wechat-wechatsogou/bitsea-history.html").status == "not_article"


def test_no_corpus_page_keeps_boilerplate_lines():
    """Sweep every corpus page: no paragraph may carry the common boilerplate markers."""
    pages = [p for p in sorted(CORPUS.glob("*/*.html")) if "expected" not in p.name]
    leftovers = []
    for path in pages:
        art = extract(Page(body=path.read_bytes(), url=""))
        leftovers += [f"{path.name}: {p.text[:40]}" for p in art.paragraphs if LEFTOVER.search(p.text)]
    assert leftovers == []


@pytest.mark.parametrize("rel, title, sentence", [
    # a toutiao gallery: slide 1 shown, every slide's text in a JSON.parse("…") script string
    ("gne-cn-news/toutiao_2.html", "最不愁吃肉的国家：顿顿有肉吃", "仍旧保持着游牧民族的本性"),
    # a WeChat video post: a video iframe and a few poster lines
    ("wechat-wechatsogou/article_detail_iframe.html", "【视频】石榴花开", "像石榴籽那样紧紧抱在一起"),
], ids=["toutiao-gallery", "wechat-video"])
def test_short_text_articles_are_articles(rel, title, sentence):
    art = run(rel)
    assert art.status == "article"
    assert art.title.startswith(title)
    assert any(sentence in p.text for p in art.paragraphs)
