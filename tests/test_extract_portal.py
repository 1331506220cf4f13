"""Portal pages: subheadings and captions trafilatura drops, info-line metadata, English dates."""
from __future__ import annotations

import pytest

from harvester.extract.pipeline import extract_html
from harvester.extract.dates import parse_date
from harvester.extract.portal import author_from_info, site_from_title

PARAS = [("春节假期，深圳夜市和延时营业商业街实现销售额46亿元，同比增长18%。",
          "Night markets and late-opening shopping streets in Shenzhen recorded 4.6 billion yuan in sales during the holiday."),
         ("全市目前已有26个夜间消费集聚区，区内商铺和餐馆可营业至凌晨2时。",
          "The city now has 26 designated night-time consumption areas, where shops can stay open until 2 am."),
         ("据南山区商务局统计，海上世界片区约45%的消费发生在晚上6点以后。",
          "In Nanshan's Sea World area, about 45 percent of spending now happens after 6 pm, the bureau said.")]


def _portal(with_heading: str) -> str:
    body = []
    for k, (zh, en) in enumerate(PARAS):
        if k == 1:
            body.append(with_heading)
        body.append(f"<p>{zh}</p><p>{en}</p>")
    return (f"<html><head><title>Night economy lights up Shenzhen - Daily Example</title></head><body>"
            f"<div class='nav'><a href='/'>Home</a></div><div class='main'><h1>Night economy lights up Shenzhen</h1>"
            f"<div class='content'><figure><img src='/a.jpg'><figcaption>Shoppers at a night market in Futian.</figcaption>"
            f"</figure>{''.join(body)}</div><div class='related'><h3>Related Stories</h3><ul><li><a href='/x'>Other</a>"
            f"</li></ul></div></div></body></html>")


def test_bilingual_subheading_and_caption_are_restored():
    art = extract_html(_portal("<h3><span>不打烊的街区</span><br><span>Streets that never sleep</span></h3>"),
                       "https://news.example.org/a/1.html")
    texts = [(p.text, p.role) for p in art.paragraphs]
    assert ("Streets that never sleep", "heading") in texts and ("不打烊的街区", "heading") in texts
    assert ("Streets that never sleep", "不打烊的街区") in [(p.en, p.zh) for p in art.pairs]
    assert any(p.role == "caption" and p.text.startswith("Shoppers at a night market") for p in art.paragraphs)
    assert not any("Related Stories" in p.text for p in art.paragraphs)
    assert art.source == "Daily Example"


@pytest.mark.parametrize("text, iso", [
    ("(People's Daily Online) 09:15, March 01, 2024", "2024-03-01T09:15:00+08:00"),
    ("Updated: 2024-01-28 16:40", "2024-01-28T16:40:00+08:00"),
    ("Published Mar. 5, 2024 9:30 pm", "2024-03-05T21:30:00+08:00"),
    ("2024年3月5日 10:20 来源：新华网", "2024-03-05T10:20:00+08:00"),
])
def test_dates_keep_their_time(text, iso):
    assert parse_date(text) == iso


@pytest.mark.parametrize("info, author", [
    ("作者：黄思敏 来源：深圳商报", "黄思敏"),
    ("记者 王晓丹 通讯员 林晨", "王晓丹"),
    ("记者从市交通运输局获悉，沿江高速将封闭", None),
    ("深圳商报记者 王晓 摄", None),
    ("By Liu Xiaoxiao | Updated: 2024-02-20 08:45", "Liu Xiaoxiao"),
])
def test_author_from_info_line(info, author):
    assert author_from_info(info) == author


def test_site_from_title():
    assert site_from_title("Shenzhen opens its 1,300th park - Shenzhen Daily", "Shenzhen opens its 1,300th park") == \
        "Shenzhen Daily"
    assert site_from_title("Night economy | 夜经济", "Night economy | 夜经济") is None


def test_english_info_bar_values_stop_at_the_next_label():
    """'By Li Wen Source: Pearl Post Published: …' run together: each value ends where a label starts."""
    html = ("<html><head><title>Robots at the expo - Example Post</title></head><body><div class='main'>"
            "<h1>Robots at the expo</h1><div class='author-time'><span class='byline'>By <a href='/a/'>Li Wen</a>"
            "</span> <span class='source'>Source: Pearl Post</span> <span class='pub_time'>Published: Mar 12, 2024 "
            "08:15 PM</span></div><div class='content'>"
            + "".join(f"<p>{en} More text follows here to make a real paragraph of news.</p>" for _, en in PARAS)
            + "</div></div></body></html>")
    art = extract_html(html, "https://www.example-post.test/content/2024/0312/robots.html")
    assert art.source == "Pearl Post"
    assert art.author == "Li Wen"
    assert art.published == "2024-03-12T20:15:00+08:00"


@pytest.mark.parametrize("info, author", [
    ("作者：余聪责任编辑：屈运栩", "余聪"),  # 责任编辑 starts first, not its tail 编辑
    ("By Li Wen Source Pearl Post", "Li Wen"),
    ("By Ann Lee Published: Mar 1, 2024", "Ann Lee"),
])
def test_author_stops_at_the_first_field_key(info, author):
    assert author_from_info(info) == author
