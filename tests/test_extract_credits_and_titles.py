"""Credits with qualifiers and Latin names, head furniture, bylines joined to the lead, other-language titles."""
from __future__ import annotations

from harvester.extract.blocks import Block
from harvester.extract.cleaning import clean, parse_credits
from harvester.extract.portal import author_from_info
from harvester.extract.rules import load_rules

LONG = ["The council approved a plan to plant 3,000 trees along the river path over the next two years, "
        "with shade species chosen for the hottest stretches near the bus station."] * 3


def test_qualified_editor_keys_with_latin_names():
    rules = load_rules()
    assert parse_credits("中文编辑 李晓彤　英文编辑 Amy Liu", rules) == {"中文编辑": "李晓彤", "英文编辑": "Amy Liu"}
    assert parse_credits("本期编辑：郑嘉怡", rules) == {"本期编辑": "郑嘉怡"}
    assert parse_credits("英文编辑部的同事们在今年春天搬进了新的办公室。", rules) is None


def test_head_furniture_and_contact_lines_are_dropped():
    out = clean([Block("【双语阅读】"), Block("每天一篇湾区双语新闻，陪你读懂大湾区"), *map(Block, LONG),
                 Block("联系邮箱：reader@paper.example")])
    assert [b.text for b in out.blocks] == LONG
    # a bracketed label further down is a subheading, kept
    out = clean([*map(Block, LONG), Block("【背景】"), *map(Block, LONG)])
    assert "【背景】" in [b.text for b in out.blocks]


def test_a_byline_joined_to_the_lead_by_a_line_break_is_lifted():
    out = clean([Block("By Chen Lu\n" + LONG[0]), *map(Block, LONG[1:])])
    assert out.lifted.get("author") == "Chen Lu"
    assert out.blocks[0].text == LONG[0]


def test_an_english_byline_stops_where_the_sentence_starts():
    assert author_from_info("By Chen Lu Travelers can now take a ferry") == "Chen Lu"
    assert author_from_info("By Zhang Yu in Shenzhen | Updated: 2024-03-14") == "Zhang Yu"
    assert author_from_info("By Li Wen\nThe city opened") == "Li Wen"


def test_next_article_box_goes_with_the_stub_lines_above_it():
    out = clean([*map(Block, LONG), Block("海洋生态研究所"), Block("下一篇"), Block("横琴口岸新增自助通关通道")])
    assert [b.text for b in out.blocks] == LONG
    assert "海洋生态研究所" in out.removed


def test_lines_joined_by_breaks_are_cleaned_one_by_one():
    block = Block("责编|林海\n校对|周立\n扫描下方二维码关注我们\n" + LONG[0])
    out = clean([*map(Block, LONG), block])
    assert out.lifted["editors"] == {"责编": "林海", "校对": "周立"}
    assert out.blocks[-1].text == LONG[0]
    assert "扫描下方二维码关注我们" in out.removed


def test_an_app_prompt_glued_to_the_last_paragraph_is_trimmed():
    last = "新规定将于下月起施行，市民可在政务网站查询细则。(本文来自城市晚报，更多原创资讯请下载“城市晚报”APP)"
    out = clean([*map(Block, LONG), Block(last)])
    assert out.blocks[-1].text == "新规定将于下月起施行，市民可在政务网站查询细则。"


def test_a_closing_caixie_credit_names_the_author_without_paper_and_role():
    """'采写：<paper>见习记者 <name>' is the writer's credit: the name is the author, not an editors entry."""
    from fixtures.loader import get_case
    from harvester.extract import extract
    from harvester.page import Page

    case = get_case("portal-closing-caixie-credit-paper-and-role")
    out = extract(Page.from_headers(case.body, case.url, {"content-type": case.content_type})).to_dict()
    assert out["author"] == "陈安澜"
    assert "采写" not in out["editors"]
    assert not any("采写" in p["text"] for p in out["paragraphs"])
