"""The outlet printed without a label right before the time under the headline is the source;
a person's name, a category link, an English byline or the headline there is not."""
import pytest

from harvester.extract.pipeline import extract_html

BODY = "".join(f"<p>{t}</p>" for t in (
    "东湖绿道今年新增了十二公里骑行道，沿线设置了六处补给站。",
    "新路段连通了三个公园，骑行一圈大约需要两个半小时。",
    "管理部门提醒，周末高峰时段请在指定区域停放共享单车。",
))


def _page(bar: str) -> str:
    return ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>东湖绿道新增十二公里骑行道</title></head>"
            f"<body><div class='main'><h1>东湖绿道新增十二公里骑行道</h1><div class='bar'>{bar}</div>"
            f"<div class='content'>{BODY}</div></div></body></html>")


def test_outlet_cell_before_the_time_is_the_source():
    art = extract_html(_page("<span>江城晨报</span> <span>2024-04-02 08:15</span>"))
    assert art.source == "江城晨报"
    assert art.published.startswith("2024-04-02T08:15")


@pytest.mark.parametrize("cell", [
    "<span>王立新</span>",  # a person's name: a byline, not an outlet
    "<a class='category-name' href='/list/cycling/'>城市骑行</a>",  # the channel the story is filed under
    "<span>By Wang Lixin</span>",  # an English byline
    "<span>阅读 1.2万</span>",  # a counter
])
def test_other_cells_before_the_time_are_no_source(cell):
    art = extract_html(_page(f"{cell} <span>2024-04-02 08:15</span>"))
    assert art.source != node_text_of(cell)


def node_text_of(cell: str) -> str:
    from lxml import html
    return html.fragment_fromstring(cell).text_content()
