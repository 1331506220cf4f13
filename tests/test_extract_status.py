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


def _topic_page(pager: str, summary: str = "一年来，口岸累计验放出入境旅客超过1500万人次。") -> str:
    items = "".join(f"<li><h3><a href='/zt/a/{i}.shtml'>湾区新闻标题第{i}条</a></h3><p class='summary'>{summary}</p>"
                    f"<span class='time'>2024-06-{10 + i % 18}</span></li>" for i in range(20))
    return (f"<html><head><title>大湾区专题_第2页_新闻网</title></head><body><div class='nav'><a href='/'>首页</a></div>"
            f"<div class='list-main'><h1>粤港澳大湾区</h1><ul class='news-list'>{items}</ul>"
            f"<div class='pagination'>{pager}</div></div></body></html>")


PAGER = ("<a href='/zt/index.shtml'>首页</a><a href='/zt/index.shtml'>上一页</a><a>1</a><span>2</span>"
         "<a href='/zt/index_3.shtml'>下一页</a><a href='/zt/index_18.shtml'>尾页</a><span>共18页</span>")


def test_topic_listing_with_pager_is_not_article():
    """Headlines with one-line summaries and a pager: page 2 of a list, however much text the summaries add."""
    assert extract(_page(_topic_page(PAGER), "https://news.example.cn/zt/gba/index_2.shtml")).status == "not_article"


def test_article_with_a_pager_is_still_an_article():
    """A multi-page article has a pager too, but it has real paragraphs."""
    prose = ("深圳湾公园新增三处夜间观潮点，市民可以在晚上八点以后沿着滨海栈道观赏潮水，管理处表示将增派安全员，"
             "并在各观潮点设置照明和提示牌，提醒市民注意安全。") * 2
    html = (f"<html><head><title>深圳湾公园新增观潮点</title></head><body><h1>深圳湾公园新增观潮点</h1>"
            f"<div class='content'><p>{prose}</p><p>{prose}</p></div><div class='pages'>{PAGER}</div></body></html>")
    assert extract(_page(html, "https://news.example.cn/c/2024-03-12/doc-1.shtml")).status == "article"


def test_photo_story_of_captions_is_an_article():
    """One short intro line and five captioned photos: the captions are the story."""
    from tests.extract_fixtures import wechat_page

    items = [("p", "入夏以来，半岛迎来旅游旺季，沙滩与古村落构成一幅幅画面。")]
    for k, cap in enumerate(["西涌沙滩上，游客在落日余晖中嬉戏。", "溪流入海处，一群孩子在浅滩捡拾贝壳。",
                             "山庄附近的礁石海岸。", "老街上，游客在百年老宅前拍照留念。", "夜幕降临，民宿区亮起灯火。"]):
        items += [("img", f"https://mmbiz.qpic.cn/mmbiz_jpg/p{k}/640?wx_fmt=jpeg"), ("cap", "▲ " + cap)]
    art = extract(_page(wechat_page("图集丨半岛的夏日海岸", "新区发布", items, ct="1720224000")))
    assert art.status == "article"
    assert art.source == "新区发布" and art.published == "2024-07-06T08:00:00+08:00"
    assert any("一群孩子在浅滩捡拾贝壳" in p.text for p in art.paragraphs)


def test_prose_among_many_related_links_is_an_article():
    """Real prose among many related links is an article, declared (og:type=article) or not: a page
    is a list only when no text block stands outside its links."""
    prose = "3月12日，一家城市物流企业在港交所主板上市，每股发行价定为16港元，处于此前公布的16港元至19港元区间的低端，首日收盘上涨百分之八。"
    links = "".join(f"<li><a href='/2023-09-{i}/1.html'>相关报道标题第{i}条 物流企业扩建仓库</a></li>" for i in range(40))
    for og in ("", "<meta property='og:type' content='article'>"):
        html = (f"<html><head><title>挂牌上市</title>{og}</head><body><h1>挂牌上市</h1><div class='content'>"
                f"<p>{prose}</p><p>{prose}</p></div><ul class='related'>{links}</ul></body></html>")
        status = extract(_page(html, "https://www.example.com/2023-09-26/102112537.html")).status
        assert status == "article"


def _search_page(url: str, stat: str = "为您找到相关结果约1,286个") -> Page:
    snippet = "记者从边检总站获悉，今年以来经港珠澳大桥出入境旅客已突破2000万人次，同比增长近一倍，周末高峰时段日均通关车辆超过1.8万辆次……"
    results = "".join(f"<div class='result'><h3><a href='/content/{k}.htm'>港珠澳大桥新闻标题{k}</a></h3>"
                      f"<p>{snippet}</p><p>深圳新闻网 2024-06-1{k}</p></div>" for k in range(5))
    html = (f"<html><head><title>港珠澳大桥_搜索结果</title></head><body><div class='stat'>{stat}</div>{results}"
            f"<div class='pager'><a href='?page=1'>上一页</a><a href='?page=3'>下一页</a></div></body></html>")
    return _page(html, url)


@pytest.mark.parametrize("url", ["https://search.example/search?q=%E6%B8%AF&page=2", "https://www.example/so/?keyword=x",
                                 "https://www.example/list.html"])
def test_search_results_page_is_not_article(url):
    assert extract(_search_page(url)).status == "not_article"


def test_search_url_alone_does_not_make_an_article_a_listing():
    html = ("<html><head><title>深圳新闻</title></head><body><h1>港珠澳大桥客流创新高</h1>"
            + "<p>记者从边检总站获悉，今年以来经港珠澳大桥出入境旅客已突破2000万人次，同比增长近一倍，周末高峰时段日均通关车辆超过1.8万辆次。</p>" * 4
            + "</body></html>")
    assert extract(_page(html, "https://www.example/search/content_1.htm?q=abc")).status == "article"


# --- list pages: a body dominated by repeated link items -----------------------------------------

_BIO = ("Patrick Lam writes a weekly column on urban life, transport and policy in Hong Kong and Macao. "
        "He joined the paper in 2016 after a decade as a city planner, and lives in Kowloon City.")


def _story_list(n: int, summary: bool = True) -> str:
    items = "".join(
        f"<li class='story'><time datetime='2024-06-{k + 1:02d}'>2024-06-{k + 1:02d}</time>"
        f"<h3><a href='/opinion/2024/06/{k + 1:02d}/column-{k}'>Column number {k} on the city's minibuses</a></h3>"
        + (f"<p class='standfirst'>The red and green vans fill gaps that rail line {k} never will.</p>" if summary else "")
        + "</li>" for k in range(n))
    return f"<ul class='stories'>{items}</ul>"


def test_author_page_with_bio_and_column_list_is_not_article():
    """A columnist page: name, a bio paragraph, then 15 dated column links each with a one-line summary."""
    html = (f"<html><head><title>Patrick Lam | Columnist</title><meta property='og:type' content='profile'></head><body>"
            f"<main><h1>Patrick Lam</h1><p class='bio'>{_BIO}</p><h2>Latest from Patrick Lam</h2>{_story_list(15)}"
            "<button>Load more</button></main></body></html>")
    assert extract(_page(html, "https://www.post.example/author/patrick-lam")).status == "not_article"


def test_topic_list_of_headlines_with_summaries_is_not_article():
    """Eight linked headlines, each with a sentence-long summary (real prose) and a date: a topic page."""
    items = "".join(f"<div class='item'><h3><a href='/gba/{k}.html'>大湾区建设新进展第{k}篇报道标题</a></h3>"
                    f"<p>记者从有关部门获悉，第{k}批跨境合作项目已经签约落地，涉及科技创新、现代物流、金融服务等多个领域，"
                    f"总投资超过百亿元，预计将带动就业岗位数千个，进一步促进粤港澳三地要素流动。</p>"
                    f"<span>2024-05-{k + 1:02d}</span></div>"
                    for k in range(8))
    html = f"<html><head><title>专题：大湾区</title></head><body><h1>大湾区专题</h1><div class='list'>{items}</div></body></html>"
    assert extract(_page(html, "https://www.example.cn/topic/gba/")).status == "not_article"


def test_article_with_a_related_list_at_the_end_is_an_article():
    prose = ("The government will add 40 minibus routes next year, the transport department said on Monday, "
             "after a review found that new estates in the northern New Territories lacked direct links.")
    html = (f"<html><head><title>More minibus routes</title></head><body><h1>More minibus routes</h1>"
            f"<div class='article-body'>{''.join(f'<p>{prose} ({k})</p>' for k in range(5))}</div>"
            f"<h2>Related stories</h2>{_story_list(10)}</body></html>")
    assert extract(_page(html, "https://www.post.example/news/2024/06/14/minibus")).status == "article"


def test_short_brief_of_three_linked_items_is_an_article():
    """Three items, each a bold (or linked) headline and one paragraph: a brief, not a list page."""
    para = ("The ferry operator will add night sailings between the outer harbour and Taipa from 1 October, "
            "with departures every 30 minutes until 1am on weekends.")
    items = "".join(f"<h3><a href='/brief/{k}'>Ferry timetable item {k} changes</a></h3><p>{para}</p>" for k in range(3))
    html = f"<html><head><title>Macao Brief</title></head><body><h1>Macao Brief</h1><div class='content'>{items}</div></body></html>"
    assert extract(_page(html, "https://www.lens.example/brief/2024-09-30")).status == "article"


# --- one classifier, a reason for every verdict; not_article only on strong evidence ---------------

def _forum_post(replies: int = 30) -> str:
    post = ("上周末我们一家去山里的古村自驾游，村口停车场收费合理，村里的老房子保存得很好，导游讲解也很细致。"
            "唯一的遗憾是午饭的农家菜偏咸，建议大家自带饮用水，山路弯多，晚上开车要格外小心。")
    thread = "".join(f"<li><a href='/thread/{k}.html'>回复：关于古村自驾的第{k}条经验分享</a> 【网友{k}】 08-1{k % 10} 16:0{k % 10}"
                     f" {k * 7}字</li>" for k in range(replies))
    nav = " | ".join(f"<a href='/board/{k}'>{w}</a>" for k, w in enumerate(["论坛首页", "自驾游", "摄影", "美食", "帮助"]))
    return (f"<html><head><title>古村自驾游记_旅行论坛</title></head><body><div class='nav'>{nav}</div>"
            f"<table><tr><td><h2>主题：古村自驾游记</h2><p>作者：山间客 时间：2005-08-22 19:13:18</p>"
            f"<p>{post}</p></td></tr></table><div class='thread'><p>回复线索：</p><ul>{thread}</ul></div></body></html>")


def test_forum_post_with_its_reply_list_is_an_article():
    """One post and a long list of linked replies: a text block stands outside the list, so it is an article,
    and the reply list after the text is furniture."""
    art = extract(_page(_forum_post(), "https://bbs.example.cn/thread/123.html"))
    assert art.status == "article", art.status_reason
    body = "\n".join(p.text for p in art.paragraphs)
    assert "农家菜偏咸" in body
    assert "经验分享" not in body
    assert any("经验分享" in r for r in art.removed)


def test_poem_of_short_lines_is_an_article():
    """Many short lines and no links: a poem or a list of verses is text, not an index of links."""
    lines = ["春风吹过江南岸，", "细雨湿了青石板。", "小桥流水人家远，", "一叶扁舟过柳湾。", "渔歌唱晚霞满天，",
             "炊烟袅袅绕山间。", "归来不见旧时燕，", "唯有桃花笑春眠。", "明朝又是清明雨，", "且将心事付流年。"]
    html = ("<html><head><title>江南春</title></head><body><h1>江南春</h1><div class='poem'>"
            + "".join(f"<p>{x}</p>" for x in lines) + "</div></body></html>")
    art = extract(_page(html, "https://poetry.example.cn/p/42.html"))
    assert art.status == "article", art.status_reason
    assert len(art.paragraphs) >= 8


def test_channel_front_whose_only_paragraph_is_a_teaser_is_not_article():
    """A lead summary that ends in a link to read on ('[详细]') is the teaser of another page."""
    heads = "".join(f"<li><a href='/gz/{k}.html'>广州频道今日要闻标题第{k}条</a><span>2024-06-2{k % 10}</span></li>"
                    for k in range(12))
    teaser = ("<p>市住房和城乡建设局近日印发通知，对既有住宅加装电梯给予财政补贴，并简化审批流程，"
              "申请材料由十四项减至七项。<a href='/gz/lead.html'>[详细]</a></p>")
    html = (f"<html><head><title>广州频道</title></head><body><h1>广州频道</h1><div class='lead'>{teaser}</div>"
            f"<ul class='latest'>{heads}</ul><div class='pager'><a>上一页</a><a>下一页</a><span>共9页</span></div>"
            "</body></html>")
    art = extract(_page(html, "https://city.example.cn/gz/index_2.html"))
    assert art.status == "not_article"
    assert "no text block" in art.status_reason


def test_every_verdict_has_a_reason():
    assert extract(_page(_msg_page("该内容已被发布者删除"))).status_reason.startswith("marker")
    assert extract(_page(SEED_WECHAT_HTML)).status_reason


def test_blog_front_page_keeps_its_first_entry():
    """Several dated entries, each under a 'title  date time' heading: the article is the first entry."""
    entries = [("湖边晨跑记", "2005-03-21 07:20:44", "今天起得很早，绕着湖边跑了两圈，空气清新，遇到好几位同样晨跑的邻居，"
                "大家互相打招呼，跑完在早餐店喝了一碗豆浆，感觉一整天都很有精神。"),
               ("换了新发型", "2005-03-18 21:58:01", "周末去理发店剪短了头发，理发师手艺很好，朋友们都说显得年轻了不少，"
                "只是早上不用再花时间梳头，反而有点不习惯。"),
               ("看了一场雪", "2005-03-15 16:47:37", "出差路过北方的小城，正好赶上一场大雪，屋顶和街道一夜之间全白了，"
                "我在窗前看了很久，想起小时候堆雪人的日子。")]
    posts = "".join(f"<div class='entry'><h3>{t} <span>{d}</span></h3><p>{x}</p><p>由小雨张贴 @ {d}</p></div>"
                    for t, d, x in entries)
    html = f"<html><head><title>小雨的博客</title></head><body><h1>小雨的博客</h1>{posts}</body></html>"
    art = extract(_page(html, "http://blog.example.cn/u/xiaoyu/"))
    body = "\n".join(p.text for p in art.paragraphs)
    assert art.status == "article"
    assert "绕着湖边跑了两圈" in body and "理发店" not in body and "大雪" not in body
    assert art.published == "2005-03-21T07:20:44+08:00"
    assert art.author == "小雨"


def _sidebar(n: int = 40) -> str:
    """A right column of many short links (tags, authors, books): most of the page's text is in links."""
    return "<div class='right'>" + "".join(f"<a href='/tag/{k}.html'>分类标签第{k}号</a>" for k in range(n)) + "</div>"


def test_poem_in_br_lines_beside_a_link_column_is_an_article():
    """A poem written as <br> lines right inside a <div> (trafilatura leaves such text out) next to a
    column of links: its lines come back and count as text, so the page is kept with the poem."""
    lines = ["晨雾初开见远帆，", "潮声一夜到窗前。", "邻家早起晒渔网，", "稚子追鸥过石滩。",
             "午后云低风渐紧，", "归舟争泊旧湾边。", "灯前闲话明朝事，", "且看东山月一弯。"]
    html = ("<html><head><meta charset='utf-8'><title>海村即事_诗词网</title></head><body>"
            "<div class='main'><div class='left'><h1>海村即事</h1><p class='source'><a href='/a/1.html'>周远舟</a>"
            " <a href='/d/qing.html'>〔清代〕</a></p><div class='contson'>" + "<br>".join(lines) + "</div></div>"
            + _sidebar() + "</div></body></html>")
    art = extract(_page(html, "https://poems.example.cn/view_88.aspx"))
    assert art.status == "article", art.status_reason
    body = [p.text for p in art.paragraphs]
    assert body[0] == lines[0] and lines[-1] in body
    assert art.author == "周远舟"


def test_post_written_one_short_sentence_to_a_line_is_an_article():
    """No paragraph is long enough on its own, but a run of punctuated lines outside links is text."""
    lines = ["天刚亮，早市就开张了。", "卖菜的阿婆摆好了摊。", "豆腐坊飘出一阵热气。", "买菜的人越来越多。",
             "八点过后，街上才安静下来。", "阿婆收摊回家做早饭。", "她说明天还要早起进货。", "早市就这样过了一天。"]
    html = ("<html><head><meta charset='utf-8'><title>早市</title></head><body><h1>早市</h1><article>"
            + "".join(f"<p>{x}</p>" for x in lines) + "</article>" + _sidebar(60) + "</body></html>")
    art = extract(_page(html, "https://news.example.cn/a/5501_77.html"))
    assert art.status == "article", art.status_reason
    assert [p.text for p in art.paragraphs][:8] == lines


def test_a_menu_of_unpunctuated_lines_is_no_text_run():
    from harvester.extract.dom import Doc
    from harvester.extract.rules import RULES
    from harvester.extract.status import text_runs

    doc = Doc.parse("<html><body><p>x</p></body></html>", "https://x.example.cn/")
    menu = ["首页新闻中心", "通知公告栏目", "政务公开专栏", "办事服务大厅", "互动交流平台", "专题专栏汇总"]
    assert text_runs(doc, menu * 3, [], RULES.status) == []
