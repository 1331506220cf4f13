"""Rules added after holdout 6 (2026-11-25), each on a small hand-made page.

- an other-language subtitle right under the headline is the other-language title;
- an explicit 'Source:' credit outranks the site's own name as the source;
- a body byline ('记者 李喆') replaces an author that was only the site's name;
- spelt-out small numbers and weekdays are alignment anchors, so an untranslated English
  paragraph in block order stands alone instead of taking the next paragraph's translation;
- a WeChat video post with a few lines of text is an article;
- a gallery that shows slide 1 and keeps every slide's text in a script JSON is an article.
"""
from __future__ import annotations

import json

from harvester.extract.align import align, anchors
from harvester.extract.pipeline import extract_html
from tests.extract_fixtures import wechat_page

EN_BODY = ["Shenzhen has started publishing daily water quality forecasts for its eight public beaches, the city's "
           "ecology and environment bureau said on Tuesday.",
           "The forecasts rate each beach as excellent, good or not suitable for swimming and are updated at 5 pm for "
           "the following day.",
           "Officials said the forecasts draw on tide tables, rainfall and sewage overflow records collected since 2019.",
           "Swimmers can check the ratings on a city app and on screens installed at each beach entrance."]


def _en_portal(head: str, after_h1: str = "", footer: str = "") -> str:
    body = "".join(f"<p>{p}</p>" for p in EN_BODY)
    return (f"<html><head>{head}</head><body><div class='article'><h1>Shenzhen beaches get daily water quality "
            f"forecasts</h1>{after_h1}<div class='article-body'>{body}</div>{footer}</div></body></html>")


def test_chinese_subtitle_under_an_english_headline_is_title_zh():
    html = _en_portal("<title>Shenzhen beaches get daily water quality forecasts - GBA Lingo</title>",
                      "<h2 class='title-zh'>深圳海滨浴场推出每日水质预报</h2>")
    art = extract_html(html, "https://lingo.example/bilingual/2024-07/23/content_1.html")
    assert art.title_en == "Shenzhen beaches get daily water quality forecasts"
    assert art.title_zh == "深圳海滨浴场推出每日水质预报"
    assert all("深圳海滨浴场推出每日水质预报" != p.text for p in art.paragraphs)


def test_same_language_subheading_or_info_line_is_no_other_title():
    same = _en_portal("<title>x</title>", "<h2>Eight beaches, one forecast</h2>")
    assert extract_html(same, "https://lingo.example/a/1.html").title_zh is None
    info = _en_portal("<title>x</title>", "<h2 class='subtitle'>来源：深圳特区报 2024-07-23</h2>")
    assert extract_html(info, "https://lingo.example/a/1.html").title_zh is None


def test_source_credit_in_the_article_outranks_og_site_name():
    html = _en_portal("<title>Shenzhen beaches get daily water quality forecasts - CGTN</title>"
                      "<meta property='og:site_name' content='CGTN'>",
                      footer="<div class='news-editor'>Source: Xinhua | Editor: Liu Mingyang</div>")
    art = extract_html(html, "https://news.cgtn.example/news/2024-10-07/x/p.html")
    assert art.source == "Xinhua"
    assert art.editors.get("Editor") == "Liu Mingyang"


def test_without_a_source_credit_the_site_name_stays():
    html = _en_portal("<meta property='og:site_name' content='CGTN'>",
                      footer="<div class='news-editor'>Editor: Liu Mingyang</div>")
    assert extract_html(html, "https://news.cgtn.example/news/2024-10-07/x/p.html").source == "CGTN"


ZH_PARAS = ["6月16日，2024年广州南沙龙舟邀请赛在蕉门河落下帷幕。来自广州、佛山、东莞以及香港、澳门的32支队伍参赛。",
            "本次比赛设200米直道竞速和500米环绕赛两个项目。经过两天角逐，大稳村龙舟队夺得200米直道竞速冠军。",
            "南沙区文化广电旅游体育局表示，明年将把赛事升级为粤港澳大湾区龙舟公开赛，并增设青少年组别。"]


def test_body_byline_replaces_a_site_name_author():
    body = "<p>记者 李喆</p>" + "".join(f"<p>{p}</p>" for p in ZH_PARAS)
    html = ("<html><head><title>南沙龙舟邀请赛落幕-广州日报体育频道</title><meta name='author' content='广州日报'>"
            "</head><body><h1>南沙龙舟邀请赛落幕</h1><div class='art-info'><span class='source'>来源：广州日报</span>"
            f"</div><div class='art-content'>{body}</div></body></html>")
    art = extract_html(html, "https://news.gz.example/gzsports/2024-06/16/content_1.htm")
    assert art.author == "李喆"
    assert art.source == "广州日报"


def test_spelt_out_numbers_and_weekdays_are_anchors():
    assert {"n2", "n6", "wd4"} <= anchors("Two buses began a six-month trial on Thursday.", "en")
    assert {"n2", "n6", "wd4"} <= anchors("两辆巴士周四起展开为期六个月的试验。", "zh")
    # digits stay apart from spelt-out numbers; 十二 / 第三 / 一 are no small-number anchors
    assert "6" not in anchors("for six years", "en")
    assert not {"n2", "n3"} & anchors("第三届比赛有十二支队伍，统一标准。", "zh")


def test_block_order_untranslated_english_paragraph_stands_alone():
    en = ["Two hydrogen fuel-cell double-decker buses began a six-month passenger trial on Hong Kong Island on "
          "Thursday, running between Central and the Peak.",
          "The buses can travel about 400 kilometers on a full tank, which takes around 15 minutes to fill at a "
          "temporary station in Wong Chuk Hang.",
          "The route was chosen because its steep climbs put heavy demands on batteries, said a spokesperson for the "
          "operator.",
          "The trial comes two years after a single hydrogen bus was tested on roads in the Western District without "
          "passengers.",
          "Passengers pay the normal fare, and the buses carry a green sticker on the front so riders can recognize "
          "them."]
    zh = ["两辆氢燃料电池双层巴士周四起在香港岛展开为期六个月的载客试验，行走中环至山顶路线。",
          "巴士加满一次氢气约需15分钟，续航里程约400公里，加氢站临时设于黄竹坑。",
          "营运商发言人表示，选择这条路线是因为沿途陡坡多，对电池续航要求高。",
          "乘客按正常票价付费，巴士车头贴有绿色标识，方便乘客辨认。"]
    paras = [(t, "en", "body") for t in en] + [(t, "zh", "body") for t in zh]
    pairs = align(paras)
    assert pairs == [(en[0], zh[0]), (en[1], zh[1]), (en[2], zh[2]), (en[4], zh[3])]


def test_wechat_video_post_with_short_text_is_an_article():
    items = [("raw", '<p><iframe class="video_iframe" data-vidtype="2" '
                     'data-src="https://v.qq.com/iframe/preview.html?vid=x0000000abc"></iframe></p>'),
             ("p", "“海风吹过老码头，"), ("p", "渔灯一盏盏亮起，"), ("p", "归来的船歌，"),
             ("p", "唱给岸上等候的人。”"), ("p", "渔港"), ("p", "夜色里的灯火"), ("p", "（来源：湾区视频）")]
    page = wechat_page("【视频】渔港灯火", "示例号", items)
    art = extract_html(page)
    assert art.status == "article"
    assert art.title == "【视频】渔港灯火"
    assert any("渔灯一盏盏亮起" in p.text for p in art.paragraphs)
    # the same short text without the video is no article
    assert extract_html(page.replace("video_iframe", "ad_frame").replace("v.qq.com", "ads.example")).status == \
        "not_article"


GALLERY = ["在海拔四千米的高原湖畔，牧民们每年六月把牛羊赶上夏季牧场，湖水映着雪山，远处的帐篷升起炊烟，"
           "这是他们一年里最忙碌也最热闹的季节。",
           "清晨五点，女主人就起来挤奶，奶桶装满后要背到帐篷里，一部分做成酸奶，一部分熬成奶茶。",
           "孩子们放暑假回到牧场，白天帮着大人看护小羊，傍晚在草地上追逐嬉戏，直到天色完全暗下来。",
           "牧场离最近的镇子有八十公里，生活用品每月采购一次，摩托车成了牧民最重要的交通工具。",
           "九月初草开始变黄，牧民们收起帐篷，赶着牛羊慢慢回到山下的冬季定居点。"]


def _gallery_page(shown: str) -> str:
    data = json.dumps({"count": 5, "sub_images": [{"url": f"http://img.example/{k}.jpg"} for k in range(5)],
                       "sub_abstracts": GALLERY, "sub_titles": ["高原牧场的夏天"] * 5}, ensure_ascii=False)
    script = "var BASE_DATA = {}; BASE_DATA.galleryInfo = { gallery: JSON.parse(" + json.dumps(data) + ") };"
    related = "".join(f"<li><a href='/group/{k}/'>相关图集标题第{k}条，点击查看更多精彩内容</a></li>" for k in range(8))
    return (f"<html><head><title>高原牧场的夏天</title></head><body><h2 class='title'>高原牧场的夏天</h2>"
            f"<div class='abstract'><span>1/5</span>{shown}</div><span class='time'>2019-09-08 11:42:03</span>"
            f"<ul class='related'>{related}</ul><script>{script}</script></body></html>")


def test_gallery_whose_slide_texts_live_in_a_script_is_an_article():
    art = extract_html(_gallery_page(GALLERY[0]), "https://www.gallery.example/a1000000000000000001/")
    assert art.status == "article"
    assert [p.text for p in art.paragraphs] == GALLERY


def test_script_text_list_not_shown_on_the_page_is_ignored():
    # the page does not show the list's first text: the list is not this page's gallery
    art = extract_html(_gallery_page("这是一段与脚本内容无关的说明文字。"), "https://www.gallery.example/a1/")
    assert all(p.text not in GALLERY for p in art.paragraphs)
