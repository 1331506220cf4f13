"""Rules added after holdouts 8 and 9 (2026-11-26), each on a small hand-made case; the fixture
pages that show each class in a whole page are listed in the commit that added them.

- a byline run into the first word of the first paragraph is lifted, the words stay;
- an author read up to the next thing on its line keeps the names only;
- qualified editing keys (英文编辑, Executive editor) close the article like 编辑 / Editor, and a
  name box of organisation lines just above them goes with them;
- a short check page's form words count as its words; a list whose items are opened by a script
  (data-href) is a list of links.
"""
from __future__ import annotations

from harvester.extract.blocks import Block
from harvester.extract.bylines import trim_author
from harvester.extract.cleaning import clean, ends_article
from harvester.extract.pipeline import extract_html
from harvester.extract.rules import RULES

EN = ["Ferry crews on the Pearl River delta began a trial of battery-powered tugboats this month, the port said.",
      "Each tug can work a full shift on one charge and is recharged overnight at the Nansha terminal.",
      "The port plans to decide by the end of the year whether to replace its twelve diesel tugs.",
      "Crew members said the new tugs are quieter and easier to handle at low speed."]


def test_run_in_byline_is_lifted_and_the_words_stay():
    blocks = [Block(text="By Nora Feng" + EN[0])] + [Block(text=t) for t in EN[1:]]
    out = clean(blocks, RULES)
    assert out.lifted["author"] == "Nora Feng"
    assert out.blocks[0].text == EN[0]
    assert "By Nora Feng" in out.removed


def test_run_in_needs_a_glued_capital_and_a_real_name():
    for text in ("By Monday the ferries " + EN[1], "By John McDonald's count the tugs " + EN[2]):
        out = clean([Block(text=text)] + [Block(text=t) for t in EN[1:]], RULES)
        assert "author" not in out.lifted and out.blocks[0].text == text


def test_trim_author_keeps_the_names_only():
    assert trim_author("Nora FengFerry", RULES) == "Nora Feng"
    assert trim_author("Ian McDonald", RULES) == "Ian McDonald"
    assert trim_author("林可 我要纠错", RULES) == "林可"
    assert trim_author("许立 通讯员 何平", RULES) == "许立"
    assert trim_author("许立 何平", RULES) == "许立 何平"
    assert trim_author("江小舟 港口新闻中心", RULES) == "江小舟"
    assert trim_author("小舟摆渡人 港口", RULES) == "小舟摆渡人 港口"  # a pen name: left alone
    assert trim_author(None, RULES) is None


def test_qualified_editing_keys_end_the_article():
    assert ends_article({"英文编辑"}, RULES.ends_article) and ends_article({"executive editor"}, RULES.ends_article)
    assert not ends_article({"翻译"}, RULES.ends_article)


def test_name_box_above_closing_credits_goes_with_them():
    blocks = [Block(text=t) for t in EN] + [Block(text="珠江港口科普中心"), Block(text="Pearl River Port Science Center"),
                                             Block(text="英文编辑：Amy Tan"), Block(text="往期回顾")]
    out = clean(blocks, RULES)
    assert [b.text for b in out.blocks] == EN
    assert out.lifted["editors"] == {"英文编辑": "Amy Tan"}
    assert "Pearl River Port Science Center" in out.removed


def test_name_box_needs_organisation_lines():
    short = "Crew members said they liked it"  # no sentence end, but no organisation either: body text stays
    blocks = [Block(text=t) for t in EN] + [Block(text=short), Block(text="英文编辑：Amy Tan")]
    assert [b.text for b in clean(blocks, RULES).blocks][-1] == short


def test_check_page_found_from_its_form_words():
    html = ("<html><head><title>确认</title></head><body><p>请填写下图中的字符后继续。</p><form><input name='c' "
            "placeholder='请输入验证码'><img src='/c.jpg'></form></body></html>")
    assert extract_html(html, "https://news.example/a/1.html").status == "blocked"


def test_script_opened_items_are_a_list_of_links():
    items = "".join(f"<div class='it' data-href='/n/{k}'><p>港口新闻第{k}条：拖轮试用电池动力</p><span>06-0{k}</span></div>"
                    for k in range(1, 8))
    html = f"<html><head><title>港口</title></head><body><div class='feed'>{items}</div></body></html>"
    assert extract_html(html, "https://app.example/channel/port").status == "not_article"


def test_caption_translation_is_about_as_long_as_the_caption():
    from harvester.extract.language import translation_sized
    assert translation_sized("Boats on the river at dusk", "黄昏时分河上的船只")
    assert not translation_sized("Boats on the river at dusk",
                                 "停航两年的夜游航线本周恢复运营，游船每晚从码头出发，绕老城一周约需一个多小时。")


def test_a_web_address_under_the_headline_is_no_title():
    from harvester.extract.article import Paragraph
    from harvester.extract.template import Metadata
    from harvester.extract.titles import other_language_title
    body = [Paragraph(text="www.river-news.example", lang="en", role="body"),
            Paragraph(text="游船每晚从码头出发，绕老城一周约需一个多小时，沿途经过六座古桥和两处夜市。", lang="zh", role="body")]
    assert other_language_title(body, "夜游航线恢复运营", Metadata(), RULES) is None
    body[0] = Paragraph(text="Night boats return to the old river", lang="en", role="body")
    assert other_language_title(body, "夜游航线恢复运营", Metadata(), RULES) == 0
