"""The seed article as a WeChat page, end to end through extract()."""
from __future__ import annotations

import json

import pytest
from urllib.parse import unquote

from harvester.extract import extract
from harvester.page import Page
from tests.extract_fixtures import SEED_ACCOUNT, SEED_EXPECTED_PAIR_STARTS, SEED_TITLE, SEED_WECHAT_HTML

BOILERPLATE = ("原标题", "编辑 王子烨", "审读", "免责声明", "未经许可", "推荐阅读", "读特热榜", "鹏友圈", "IN视频",
               "Courtesy of", "首页")


@pytest.fixture(scope="module")
def article():
    page = Page(body=SEED_WECHAT_HTML.encode("utf-8"),
                url="https://mp.weixin.qq.com/s?__biz=MzA3NjU2NzY3Mw==&mid=2651234567&idx=1&sn=0123456789abcdef"
                    "&chksm=84b1d2c3&scene=21#wechat_redirect",
                headers={"content-type": "text/html; charset=utf-8"})
    return extract(page)


def test_metadata(article):
    assert article.status == "article"
    assert article.title == SEED_TITLE, "title"
    assert article.source == SEED_ACCOUNT, "source: the WeChat account name"
    assert article.published == "2023-06-13T18:59:00+08:00", "published from var ct, Beijing time"
    assert article.original_title == "一场遇见未来之旅:创新城市国际交流营在深圳举行"
    assert article.editors == {"编辑": "王子烨", "审读": "刘春生", "二审": "周梦璇", "三审": "董晓敏"}
    assert article.language == "bilingual"
    assert article.title_zh == SEED_TITLE


def test_canonical_url_keeps_identity_drops_tracking(article):
    assert unquote(article.canonical_url) == ("https://mp.weixin.qq.com/s?__biz=MzA3NjU2NzY3Mw==&mid=2651234567&idx=1"
                                     "&sn=0123456789abcdef")


def test_no_boilerplate_anywhere(article):
    data = article.to_dict()
    texts = [p["text"] for p in data["paragraphs"]] + [data["text_en"], data["text_zh"]]
    texts += [p["en"] for p in data["pairs"]] + [p["zh"] for p in data["pairs"]]
    for text in texts:
        for marker in BOILERPLATE:
            assert marker not in text, f"boilerplate {marker!r} left in {text[:40]!r}"
    removed = " ".join(data["removed"])
    for marker in ("原标题", "免责声明", "推荐阅读", "首页", "Courtesy of the event organizer"):
        assert marker in removed, f"{marker!r} should be recorded in removed"


def test_pairs_aligned_in_order(article):
    assert len(article.pairs) == len(SEED_EXPECTED_PAIR_STARTS)
    for pair, (en, zh) in zip(article.pairs, SEED_EXPECTED_PAIR_STARTS):
        assert pair.en.startswith(en), f"pair EN {pair.en[:40]!r} should start {en!r}"
        assert pair.zh.startswith(zh), f"pair ZH {pair.zh[:20]!r} should start {zh!r}"


def test_captions_unpaired_and_trimmed(article):
    captions = [p for p in article.paragraphs if p.role == "caption"]
    assert [c.text for c in captions] == [
        "Participants in the innovative cities international exchange camp pose for a group photo.",
        "Foreign participants of the exchange camp show their printmaking works during their visit to "
        "Guanlan Print Village in Longhua District."]
    assert all(c.lang == "en" for c in captions)
    paired = {p.en for p in article.pairs}
    assert not any(c.text in e for c in captions for e in paired)


def test_images_from_data_src_with_captions(article):
    assert [i.src for i in article.images] == ["https://mmbiz.qpic.cn/mmbiz_jpg/AbCdEf123/640?wx_fmt=jpeg",
                                               "https://mmbiz.qpic.cn/mmbiz_jpg/GhIjKl456/640?wx_fmt=jpeg"]
    assert article.images[0].caption.startswith("Participants in the innovative")
    assert "Courtesy" not in article.images[0].caption


def test_languages_and_texts(article):
    langs = [p.lang for p in article.paragraphs]
    assert langs.count("en") == 12 and langs.count("zh") == 10 and "mixed" not in langs
    assert article.text_en.startswith("Some 20 government officials")
    assert article.text_zh.startswith("二十位来自深圳")


def test_to_dict_is_json_in_contract_order(article):
    data = article.to_dict()
    assert list(data) == ["status", "url", "canonical_url", "title", "title_en", "title_zh", "original_title",
                          "source", "author", "editors", "published", "language", "paragraphs", "pairs",
                          "text_en", "text_zh", "images", "removed"]
    json.dumps(data, ensure_ascii=False)


def test_mixed_paragraph_with_line_break_is_split():
    from tests.extract_fixtures import wechat_page

    html = wechat_page("Shenzhen opens new metro line | 深圳地铁新线开通", "Shenzhen Daily", [
        ("raw", "<p>Shenzhen opened its new metro line 16 on Dec. 28, 2022, linking Longgang and Pingshan "
                "districts with 24 stations.<br>2022年12月28日，深圳地铁16号线开通，连接龙岗区和坪山区，共设24座车站。</p>"),
        ("raw", "<p>The line is 29.2 kilometers long and runs driverless trains.<br>"
                "该线路全长29.2公里，采用全自动无人驾驶列车。</p>"),
        ("raw", "<p>About 300,000 passengers are expected to ride it every day in its first year of operation.</p>"
                "<p>预计开通首年日均客流约30万人次。</p>"),
    ])
    art = extract(Page(body=html.encode(), url="https://mp.weixin.qq.com/s/x"))
    assert art.title_en == "Shenzhen opens new metro line" and art.title_zh == "深圳地铁新线开通"
    assert [p.lang for p in art.paragraphs] == ["en", "zh", "en", "zh", "en", "zh"]
    assert len(art.pairs) == 3 and art.pairs[1].zh.startswith("该线路全长29.2公里")
