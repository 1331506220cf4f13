"""The aligner on its own: alternating, reversed, block, 1:2 and caption cases."""
from __future__ import annotations


from harvester.extract.align import align, anchors
from tests.extract_fixtures import SEED_BODY

EN = [t for k, t in SEED_BODY if k == "p" and not any("\u4e00" <= c <= "\u9fff" for c in t)]
ZH = [t for k, t in SEED_BODY if k == "p" and any("\u4e00" <= c <= "\u9fff" for c in t)][:10]
CAPTIONS = [t for k, t in SEED_BODY if k == "cap"]


def _p(text: str, lang: str, role: str = "body") -> tuple[str, str, str]:
    return text, lang, role


def _expected() -> list[tuple[str, str]]:
    return list(zip(EN, ZH))


def test_seed_lists_are_parallel():
    assert len(EN) == len(ZH) == 10


def test_alternating():
    paras = [x for e, z in zip(EN, ZH) for x in (_p(e, "en"), _p(z, "zh"))]
    assert align(paras) == _expected()


def test_reversed_alternating():
    paras = [x for e, z in zip(EN, ZH) for x in (_p(z, "zh"), _p(e, "en"))]
    assert align(paras) == _expected()


def test_block_order():
    paras = [_p(e, "en") for e in EN] + [_p(z, "zh") for z in ZH]
    assert align(paras) == _expected()


def test_block_order_with_unpaired_captions():
    """Two untranslated captions inside the English block must not shift the pairing."""
    paras = ([_p(e, "en") for e in EN[:2]] + [_p(CAPTIONS[0], "en", "caption")] + [_p(e, "en") for e in EN[2:4]]
             + [_p(CAPTIONS[1], "en", "caption")] + [_p(e, "en") for e in EN[4:]] + [_p(z, "zh") for z in ZH])
    assert align(paras) == _expected()


def test_alternating_with_captions():
    paras = []
    for k, (e, z) in enumerate(zip(EN, ZH)):
        if k in (2, 4):
            paras.append(_p(CAPTIONS[k // 2 - 1], "en", "caption"))
        paras += [_p(e, "en"), _p(z, "zh")]
    assert align(paras) == _expected()


def test_one_to_two_joins_the_chinese_halves():
    long_zh = ZH[4]
    cut = long_zh.index("。") + 1
    zh = ZH[:4] + [long_zh[:cut], long_zh[cut:]] + ZH[5:]
    paras = [x for x in ([_p(e, "en") for e in EN] + [_p(z, "zh") for z in zh])]
    assert align(paras) == _expected()


def test_two_to_one_joins_the_english_halves():
    aichi = EN[9]
    first, second = aichi.split(" During the event, ")
    en = EN[:9] + [first, "During the event, " + second]
    paras = [x for e in en for x in [_p(e, "en")]] + [_p(z, "zh") for z in ZH]
    pairs = align(paras)
    assert pairs[:9] == _expected()[:9]
    assert pairs[9] == (first + " During the event, " + second, ZH[9])


def test_chinese_caption_not_paired_with_english_body():
    paras = [_p(EN[0], "en"), _p(ZH[0], "zh"), _p("开营仪式现场。", "zh", "caption"), _p(EN[2], "en"),
             _p(ZH[2], "zh")]
    assert align(paras) == [(EN[0], ZH[0]), (EN[2], ZH[2])]


def test_monolingual_gives_no_pairs():
    assert align([_p(e, "en") for e in EN]) == []
    assert align([]) == []


def test_anchors_survive_translation():
    assert {"6", "5"} <= anchors("An opening ceremony was held June 5 to kick off the camp.", "en")
    assert {"6", "5"} <= anchors("6月5日,创新城市国际交流营举行开营仪式。", "zh")
    assert "iphone" in anchors("苹果发布新iPhone 11", "zh")


def test_one_to_two_split_then_untranslated_quote_does_not_shift_pairs():
    """Ratio re-estimated from 1:1 beads and disjoint numbers keep a 1:2 split from shifting later pairs."""
    paras = [
        ("Volunteers counted 11,246 waterbirds of 68 species at the park this winter, the highest total since the count began in 2015.", "en", "body"),
        ("今年冬季调查中，志愿者在公园共记录到水鸟68种11246只，为2015年开展调查以来的最高纪录。", "zh", "body"),
        ("Among them were 212 black-faced spoonbills, up from 168 last winter; staff credited the restoration of 35 hectares of tidal flats and stricter limits on lighting.", "en", "body"),
        ("其中，黑脸琵鹭有212只，比去年冬季的168只有所增加。", "zh", "body"),
        ("工作人员认为，这得益于35公顷滩涂湿地的修复，以及夜间灯光管控的加强。", "zh", "body"),
        ("The survey was carried out on Jan. 6 and 7 by 96 volunteers divided into 12 teams, each covering a section of the shoreline.", "en", "body"),
        ("本次调查于1月6日至7日进行，96名志愿者分成12个小组，分段覆盖沿岸。", "zh", "body"),
        ("“I have been coming here every winter for six years, and I have never seen the flats this busy,” said a British teacher who joined the count.", "en", "body"),
        ("Park managers said the data will be shared with the Hong Kong side of the bay, where a parallel count is held.", "en", "body"),
        ("公园管理方表示，调查数据将与香港一侧共享，香港方面开展了同步调查。", "zh", "body"),
        ("Residents are advised to visit on weekday mornings and to keep at least 30 meters from the flocks.", "en", "body"),
        ("园方建议市民在工作日上午前往观鸟，并与鸟群保持至少30米距离。", "zh", "body"),
    ]
    starts = [(e[:12], z[:4]) for e, z in align(paras)]
    assert starts == [("Volunteers c", "今年冬季"), ("Among them w", "其中，黑"), ("The survey w", "本次调查"),
                      ("Park manager", "公园管理"), ("Residents ar", "园方建议")]


TRAM = [
    ("有轨电车陪伴港岛居民走过了两个甲子。本周末，一场别开生面的巡游让不少老街坊重温旧时光。", "zh"),
    ("香港电车于周六举行开通120周年巡游，六辆不同年代的电车从坚尼地城车厂出发，沿港岛北岸驶往筲箕湾。", "zh"),
    ("Hong Kong Tramways held a parade on Saturday to mark 120 years of service, with six trams from different "
     "eras leaving the Kennedy Town depot and running along the north shore of Hong Kong Island to Shau Kei Wan.", "en"),
    ("复古电车驶经湾仔轩尼诗道。", "zh", "caption"),
    ("参加巡游的包括一辆按上世纪二十年代原貌复刻的单层电车，以及一辆开篷观光电车。沿途不少市民驻足拍照，"
     "一些家长还特意带孩子前来，向他们讲述自己小时候搭电车上学的经历。", "zh"),
    ("The parade included a single-deck tram rebuilt to look exactly like the originals of the 1920s, as well as "
     "an open-top sightseeing tram.", "en"),
    ("Many residents stopped along the route to take photos, and some parents brought their children to tell "
     "them how they used to ride the tram to school.", "en"),
    ("电车公司表示，目前车队共有165辆电车，平日每天载客约十八万人次。", "zh"),
    ("The company said its fleet now has 165 trams, carrying about 180,000 passengers on an average weekday.", "en"),
    ("为庆祝周年纪念，公司推出了限量纪念车票和电车模型，并将在5月份举办车厂开放日。", "zh"),
    ("To celebrate the anniversary, the company has launched limited-edition souvenir tickets and tram models, "
     "and will hold a depot open day in May.", "en"),
]


def _tram(lead_role: str = "body") -> list[tuple[str, str, str]]:
    paras = [(t[0], t[1], t[2] if len(t) > 2 else "body") for t in TRAM]
    paras[0] = (paras[0][0], "zh", lead_role)
    return paras


def test_untranslated_lead_then_one_to_two_split_does_not_shift_pairs():
    """A Chinese-only 导语 (role lead) first and a 1:2 split later: the lead stays unpaired (0:1), the split is one pair."""
    starts = [(e[:12], z[:4]) for e, z in align(_tram("lead"))]
    assert starts == [("Hong Kong Tr", "香港电车"), ("The parade i", "参加巡游"), ("The company ", "电车公司"),
                      ("To celebrate", "为庆祝周")]


def test_split_beside_its_translation_keeps_later_pairs_in_place():
    """Unmarked, the lead may join the first pair, but a 1:2 split that sits next to its translation
    (adjacency counts for split beads too) keeps every later pair from shifting by one."""
    starts = [(e[:12], z[:4]) for e, z in align(_tram("body"))]
    assert starts[1:] == [("The parade i", "参加巡游"), ("The company ", "电车公司"), ("To celebrate", "为庆祝周")]


def test_lead_box_is_marked_in_a_wechat_body():
    """The body's first text inside a shaded box is the lead (role reported as body)."""
    from harvester.extract.pipeline import extract_html
    from tests.extract_fixtures import wechat_page

    box = ('<section style="padding: 14px;background-color: rgb(243, 240, 232);border-left: 4px solid rgb(0, 108, 76);">'
           f'<p><span>{TRAM[0][0]}</span></p></section>')
    items = [("raw", box)] + [("cap" if len(t) > 2 else "p", t[0]) for t in TRAM[1:]]
    art = extract_html(wechat_page("叮叮车120岁", "香江双语", items), "https://mp.weixin.qq.com/s/abc")
    assert art.paragraphs[0].text == TRAM[0][0] and art.paragraphs[0].role == "body"
    assert [(p.en[:12], p.zh[:4]) for p in art.pairs][:2] == [("Hong Kong Tr", "香港电车"), ("The parade i", "参加巡游")]


def test_labelled_lead_box_label_goes_and_lead_stays():
    from harvester.extract.blocks import Block
    from harvester.extract.body import mark_lead
    from harvester.extract.rules import load_rules
    from lxml import html as lhtml

    blocks = [Block("导语"), Block(TRAM[0][0])] + [Block(t[0]) for t in TRAM[1:5]]
    out = mark_lead(lhtml.fromstring("<div><p>x</p></div>"), blocks, load_rules())
    assert [b.text for b in out][0] == TRAM[0][0] and out[0].lead and not out[1].lead


def test_bilingual_intro_before_a_long_chinese_only_transcript():
    """Two EN/ZH intro pairs, then a Chinese transcript many times longer: the whole-document
    length ratio is useless, the side-by-side pairs with matching numbers give the real one."""
    paras = [
        ("In the old town of Dapeng, 68-year-old Lai Weiqiang has been weaving dragons from rice straw for "
         "more than 40 years.", "en", "body"),
        ("在大鹏所城，68岁的赖伟强用稻草扎龙已经40多年。", "zh", "body"),
        ("Watch the video to see how a 30-meter straw dragon is made in 10 days, and hear his story in his "
         "own words.", "en", "body"),
        ("一起通过视频看看一条30米长的草龙如何在10天内完成，听他讲述自己的故事。", "zh", "body"),
    ] + [(t, "zh", "body") for t in (
        "赖伟强：我小时候，每年中秋前后，村里的老人都会带着我们去田里收稻草。",
        "稻草要选晚稻的，晒足七天，草芯不能有水汽，不然龙身放久了会发霉。",
        "龙头最难扎，先用竹篾搭骨架，再一层一层把稻草缠上去，光是龙须就要编一整天。",
        "龙身是一节一节做的，每节大概一米长，最后用麻绳串起来，舞的时候才能转得灵活。",
        "以前舞草龙是为了祈求风调雨顺，现在更多是让年轻人知道，老祖宗过节是这样热闹的。",
        "这几年，来找我学扎龙的年轻人多了，有大学生，也有从香港过来的中学老师。",
    )]
    pairs = align(paras)
    assert [(e[:12], z[:8]) for e, z in pairs] == [("In the old t", "在大鹏所城，68"), ("Watch the vi", "一起通过视频看看")]


def test_adjacent_ratio_needs_matching_anchors():
    from harvester.extract.align import Segment, _adjacent_ratio

    en = [Segment("Trade rose 12 percent in 2024.", "en", "body", 0), Segment("Exports grew 15 percent.", "en", "body", 2)]
    zh = [Segment("外贸增长12%，2024年。", "zh", "body", 1), Segment("出口增长了很多。", "zh", "body", 3)]
    assert _adjacent_ratio(en, zh) is None  # only one neighbour pair shares its numbers


def test_legend_captions_never_pair():
    """A certain caption ('图为…', a bilingual caption element) stays out of alignment: the
    body pairs around it are found as if it were not there."""
    paras = [x for e, z in zip(EN[:4], ZH[:4]) for x in (_p(z, "zh"), _p(e, "en"))]
    with_legend = paras[:5] + [_p("图为佛山一所小学食堂后厨的实时监控画面。", "zh", "legend")] + paras[5:]
    assert align(with_legend) == align(paras) == list(zip(EN[:4], ZH[:4]))
    legends = [_p("Spoonbills feed in a shallow pool.", "en", "legend"), _p("黑脸琵鹭在浅水塘觅食。", "zh", "legend")]
    assert align([_p(EN[0], "en"), _p(ZH[0], "zh")] + legends + [_p(EN[1], "en"), _p(ZH[1], "zh")]) == \
        [(EN[0], ZH[0]), (EN[1], ZH[1])]



def test_journal_apparatus_sits_out_alignment():
    """Keyword, classification and cite-this lines and bibliography entries are listed, not translated
    paragraph by paragraph: they pair with nothing, and the body pairs come out as without them."""
    from harvester.extract.align import is_apparatus

    apparatus_en = [
        "Keywords: tidal flats; shorebirds; habitat loss",
        "Key words: seagrass, blue carbon, sediment",
        "References",
        "[3] Wang L, Chen Y. Seagrass loss along the southern coast[J]. Marine Notes, 2021, 14(2): 77-85.",
        "12. Liu X, Zhao Q (2019). Tidal channels and crab burrows. Coastal Review, 8(1), 10–19.",
        "Cite this article: Wang L, Chen Y. Seagrass loss along the southern coast[J]. Marine Notes, 2021, 14(2): 77-85.",
    ]
    apparatus_zh = [
        "关键词：滩涂；鸻鹬类；栖息地丧失",
        "【关键词】海草床 蓝碳",
        "中图分类号: X171.4",
        "参考文献：",
        "引用本文: 王磊, 陈雨. 南方沿海海草床退化调查[J]. 海洋通讯, 2021, 14(2): 77-85.",
        "[1] 王磊, 陈雨. 南方沿海海草床退化调查[J]. 海洋通讯, 2021, 14(2): 77-85.",
    ]
    assert all(is_apparatus(t) for t in apparatus_en + apparatus_zh)
    # body text keeps its part: numbered points, a sentence about keywords, a bracketed note, a time range
    for text in ("1. 全市新增口袋公园12个，2024年3月8日 9:30-11:30 开放预约。",
                 "2. The ferry now runs every 20 minutes between 7:00-22:00.",
                 "Keywords matter less to search engines than they once did, the report said.",
                 "[Editor's note] The survey covered 2,000 households in 2023.",
                 "引用本文的作者认为，滩涂面积在十年间减少了三成。",
                 "References to the old harbour survive in street names."):
        assert not is_apparatus(text)
    body = [x for e, z in zip(EN[:4], ZH[:4]) for x in (_p(e, "en"), _p(z, "zh"))]
    tail = [_p(t, "en") for t in apparatus_en] + [_p(t, "zh") for t in apparatus_zh]
    assert align(body + tail) == align(body) == list(zip(EN[:4], ZH[:4]))
