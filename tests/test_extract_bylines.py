"""Dates and authors from the byline around the article (harvester/extract/bylines.py), on pages we wrote."""
from __future__ import annotations

from harvester.extract.dates import DateCandidate, choose_date, find_dates
from harvester.extract.pipeline import extract_html
from tests.extract_fixtures import wechat_page

PARAS = ["今年春节假期，城区三座公园共接待游客四十余万人次，比去年同期增长两成，其中夜游项目最受欢迎，"
         "不少市民带着孩子在湖边观看灯组，园方为此延长了开放时间。",
         "园方介绍，节日期间增派了两百名志愿者，在主要路口引导人流，并开通了预约入园系统，避免人群在入口处聚集。",
         "下一步，公园将总结假日客流的经验，在五一假期前完成停车场扩建，并增设两处母婴室和一批直饮水点。"]


def _page(header: str, head: str = "", after: str = "", paras: list[str] = PARAS) -> str:
    body = "".join(f"<p>{p}</p>" for p in paras)
    return (f"<html><head><title>城区公园春节客流创新高_本地新闻</title>{head}</head><body>"
            "<div class='nav'><a href='/'>首页</a> <a href='/local/'>本地</a></div>"
            f"<table><tr><td><b>城区公园春节客流创新高</b></td></tr><tr><td>{header}</td></tr>"
            f"<tr><td class='text'>{body}{after}</td></tr></table></body></html>")


def test_date_and_author_from_a_labelled_byline_under_the_headline():
    art = extract_html(_page("发布时间：2005-2-14 21:23:57　作者：林小雨"), "http://news.example.cn/2005/0214/1.html")
    assert art.published == "2005-02-14T21:23:57+08:00"  # no zone given: Asia/Shanghai
    assert art.author == "林小雨"


def test_chinese_date_with_time_and_no_label():
    art = extract_html(_page("2022年02月13日 09:57　来源：城市晚报"), "http://news.example.cn/a/1.html")
    assert art.published == "2022-02-13T09:57:00+08:00"


def test_forum_post_header_and_post_footer():
    page = _page("山间客 发表于 2005-9-15 11:46:00")
    art = extract_html(page, "http://bbs.example.cn/t/9.html")
    assert art.author == "山间客"
    assert art.published == "2005-09-15T11:46:00+08:00"
    footer = "<p>由山间客张贴 @ 2005-03-21 01:20:44 (359) 共 3 篇评论</p>"
    art = extract_html(_page("", after=footer), "http://blog.example.cn/u/1.html")
    assert art.author == "山间客"


def test_reporter_in_brackets_closing_the_story():
    paras = PARAS[:-1] + [PARAS[-1] + "（记者 周晓雯）"]
    assert extract_html(_page("", paras=paras), "http://news.example.cn/a/2.html").author == "周晓雯"
    paras = PARAS[:-1] + [PARAS[-1] + "（完）"]
    assert extract_html(_page("", paras=paras), "http://news.example.cn/a/3.html").author is None


def test_reporter_slash_wen_and_a_name_line_under_the_headline():
    assert extract_html(_page("本报记者林小雨/文"), "http://news.example.cn/a/4.html").author == "林小雨"
    assert extract_html(_page("林小雨、陈立"), "http://news.example.cn/a/5.html").author == "林小雨、陈立"


def test_meta_author_naming_the_software_or_a_user_id_is_no_author():
    generator = "<meta name='generator' content='SiteBuilder CMS 3.4'><meta name='author' content='SiteBuilder Team'>"
    assert extract_html(_page("", head=generator), "http://news.example.cn/a/6.html").author is None
    user_id = "<meta name='author' content='U_104485'>"
    assert extract_html(_page("", head=user_id), "http://news.example.cn/a/7.html").author is None
    scholar = "<meta name='citation_author' content='林 小雨'><meta name='author' content='某某学术期刊出版社'>" \
              "<meta name='dc.publisher' content='某某学术期刊出版社'>"
    assert extract_html(_page("", head=scholar), "http://journal.example.cn/p/8.html").author == "林小雨"


def test_dates_found_in_reading_order_with_us_clock_dates():
    found = [v for _s, _e, v in find_dates("发布日期： 7/5/2005 9:23:57 PM 来源：2004年7月16日08:19 或 2005-5-7")]
    assert found == ["2005-07-05T21:23:57+08:00", "2004-07-16T08:19:00+08:00", "2005-05-07T00:00:00+08:00"]


def test_the_day_most_sources_agree_on_wins_and_keeps_its_clock_time():
    picked = choose_date([DateCandidate("2024-03-02T00:00:00+08:00", "loose meta", 1.5),
                          DateCandidate("2024-03-01T00:00:00+08:00", "htmldate", 1.5),
                          DateCandidate("2024-03-01T10:20:00+08:00", "byline time", 2)])
    assert picked == "2024-03-01T10:20:00+08:00"
    assert choose_date([]) is None


def _essay(first_line: str) -> str:
    """A page whose body is one element of <br><br>-separated paragraphs (read by our walker, as WeChat's are)."""
    text = "<br><br>".join([first_line, "——一篇关于夜市的随笔", *PARAS])
    return wechat_page("城市的夜晚", "随笔小站", [("raw", f"<section><p>{text}</p></section>")])


def test_a_name_line_at_the_head_of_the_body_is_the_byline_and_leaves_the_body():
    art = extract_html(_essay("许文清"))
    assert art.author == "许文清"
    assert all(p.text != "许文清" for p in art.paragraphs)
    assert "许文清" in art.removed


def test_a_word_under_the_headline_is_no_name():
    art = extract_html(_essay("城南旧事"))
    assert art.author is None
    assert any(p.text == "城南旧事" for p in art.paragraphs)


def test_double_line_breaks_separate_paragraphs():
    art = extract_html(_essay("许文清"))
    assert [p.text for p in art.paragraphs][-3:] == PARAS


def test_a_meta_author_the_page_credits_as_its_editor_gives_way_to_the_byline():
    head = "<meta name='author' content='郑嘉怡'>"
    art = extract_html(_page("2020-01-02 17:11 来源：城市晚报　本报记者 林小雨", head=head,
                             after="<p>责任编辑：郑嘉怡</p>"), "http://news.example.cn/a/12.html")
    assert art.author == "林小雨"
    assert art.editors.get("责任编辑") == "郑嘉怡"


def test_roles_glued_to_names_and_author_slash_publication_bylines():
    from harvester.extract.portal import author_from_info

    assert author_from_info("作者： 记者王敬照 编辑： 王华军") == "王敬照"
    assert author_from_info("记者 王晓丹 通讯员 林晨") == "王晓丹"
    art = extract_html(_page("林小雨/城市晚报 2019-09-24 09:30"), "http://news.example.cn/a/13.html")
    assert art.author == "林小雨"


def test_wechat_2018_template_author_field_beside_the_date():
    page = wechat_page("城市的夜晚", "随笔小站", [("p", t) for t in PARAS]).replace(
        '<em id="publish_time" class="rich_media_meta rich_media_meta_text"></em>',
        '<em id="post-date" class="rich_media_meta rich_media_meta_text">2018-04-07</em>'
        '<em class="rich_media_meta rich_media_meta_text">🌙林小雨</em>')
    assert extract_html(page).author == "林小雨"


def test_names_joined_by_a_dunhao_need_only_half_to_start_with_a_common_surname():
    art = extract_html(_essay("许文清、风晓岚"))
    assert art.author == "许文清、风晓岚"


def test_a_pen_name_the_headline_announces_is_the_byline():
    """'晚晴：城市的夜晚' over a line '晚晴': no family name, but the headline names her."""
    text = "".join(f"<p>{x}</p>" for x in ["城市的夜晚", "晚晴", *PARAS])
    html = ("<html><head><title>欢迎光临随笔小站</title></head><body><div class='text'><h3>晚晴：城市的夜晚</h3>"
            f"{text}</div></body></html>")
    art = extract_html(html, "http://essays.example.cn/2005/7/1.html")
    assert art.author == "晚晴"
    assert all(p.text != "晚晴" for p in art.paragraphs)


def test_a_credit_label_and_its_value_in_separate_cells():
    """Old portal footers: '作者：' in one element and '记者林小雨' in the next; '稿件来源：' / the paper."""
    after = ("</td></tr><tr><td><font>作者：</font> <font>记者林小雨</font></td></tr>"
             "<tr><td><font>稿件来源：</font><font>城市晚报</font>")
    art = extract_html(_page("2022年02月13日 09:57", after=after), "http://news.example.cn/a/2.html")
    assert art.author == "林小雨"
    assert art.source == "城市晚报"
