"""Generated bilingual news text for the benchmarks: our own words, no third-party text.

English paragraphs are sentences of news words (a hand-written list plus made-up
syllable words for a long tail); Chinese paragraphs are sentences of news words (a
hand-written list that includes 深圳 and 粤港澳大湾区) plus made-up words drawn from
a few thousand ideographs with a Zipf-like frequency, so the search index sees about
as many distinct characters and bigrams as real Chinese news and its size is honest.
Everything is a deterministic function of a seed.

`article(n)` is an extracted article as `Article.to_dict()` shapes it (for the archive
bench); `page(n)` is a ~31 KB HTML page holding one (for the crawl bench), in one of
two layouts: a WeChat-style post or a news portal article.
"""
from __future__ import annotations

import html
import random
from functools import lru_cache
from itertools import accumulate

EN_WORDS = """
the the the the of of of and and and to to in in a a for on with by at from as is was are
will that this its has have been city new said year district government officials project
plan public residents company companies market economic growth investment trade technology
innovation research science university students school health hospital transport metro bus
port harbour bridge airport railway station road traffic park green energy solar power water
river bay coast island culture museum festival opera film music art heritage village housing
community service services policy report data digital industry manufacturing robots chips
software platform startup fund support local national international cooperation region centre
area development construction building tower street food restaurant market visitors tourism
travel border checkpoint province mayor minister team million billion percent first
second third week month Monday Tuesday Wednesday Thursday Friday morning evening according
expected announced opened launched completed increased rose fell more than about over under
Dongguan Foshan Zhuhai Nanshan Futian
after before during while also which who their they our we people workers engineers doctors
teachers children families young older new high low open free daily annual quarter record
""".split()

EN_SYLLABLES = "ka lo mi ne ra to su vi ban cor del fen gar hol jin kel lum mor nes pal quin ros sel tor ven".split()

ZH_WORDS = """
的 了 在 是 和 与 将 为 对 也 等 上 中 年 月 日 今年 去年 目前 已经 正在 以及 通过 进行
东莞 佛山 珠海 澳门 南山 福田 横琴 南沙 城市 市民 居民 社区 深入 深化
政府 部门 企业 公司 市场 经济 发展 建设 项目 投资 合作 国际 交流 创新 科技 研究 大学 学生 学校 医院
健康 交通 地铁 公交 港口 大桥 机场 铁路 口岸 道路 公园 绿色 能源 太阳能 水质 河流 海湾 海岸 文化
博物馆 节日 粤剧 电影 音乐 艺术 遗产 村落 住房 服务 政策 报告 数据 数字 产业 制造 机器人 芯片 软件
平台 基金 支持 地区 中心 区域 工程 大楼 街道 美食 餐厅 游客 旅游 出行 边境 省 市长 团队 万 亿
百分之 第一 第二 周一 周二 周三 周四 周五 上午 晚上 据悉 预计 宣布 开通 启动 完成 增长 提升 下降
超过 约 同比 环比 首次 记者 了解到 表示 介绍 显示 推动 加快 打造 实现 提供 吸引 参与 举办 开展
""".split()

ZH_PUNCT = "，，，、。"

# Place names an article is about: (Chinese, English, share of articles that mention them).
# Search terms of the archive bench, so their document frequency is set here, not by chance.
TOPICS = (("深圳", "Shenzhen", 0.35), ("粤港澳大湾区", "Greater Bay Area", 0.08), ("广州", "Guangzhou", 0.2),
          ("香港", "Hong Kong", 0.2), ("前海", "Qianhai", 0.06))


def _zipf_weights(n: int, exponent: float = 1.0) -> list[float]:
    return list(accumulate(1.0 / (rank + 1) ** exponent for rank in range(n)))


@lru_cache(maxsize=None)
def _vocabulary(seed: int = 7) -> tuple[list[str], list[float], list[str], list[float]]:
    """(English words, cumulative weights, Chinese words, cumulative weights)."""
    rng = random.Random(seed)
    made_up = ["".join(rng.choice(EN_SYLLABLES) for _ in range(rng.randint(2, 4))) for _ in range(6000)]
    english = EN_WORDS + made_up
    # Ideographs: those of our words first (most frequent), then 3,000 more from the common block.
    seen: dict[str, None] = {}
    for word in ZH_WORDS:
        seen.update(dict.fromkeys(word))
    while len(seen) < 3300:
        seen.setdefault(chr(rng.randint(0x4E00, 0x9FA5)), None)
    chars = list(seen)
    char_weights = _zipf_weights(len(chars), 0.9)
    invented = ["".join(rng.choices(chars, cum_weights=char_weights, k=rng.choice((1, 2, 2, 2, 3, 4))))
                for _ in range(12000)]
    chinese = ZH_WORDS + invented
    return english, _zipf_weights(len(english), 1.0), chinese, _zipf_weights(len(chinese), 1.0)


@lru_cache(maxsize=None)
def _sentences(seed: int = 5, count: int = 40000) -> tuple[list[str], list[str]]:
    """Pools of English sentences and Chinese clauses; paragraphs are drawn from them."""
    english, en_weights, chinese, zh_weights = _vocabulary()
    rng = random.Random(seed)
    en = []
    for _ in range(count):
        words = rng.choices(english, cum_weights=en_weights, k=rng.randint(8, 20))
        sentence = " ".join(words)
        en.append(sentence[0].upper() + sentence[1:] + ".")
    zh = ["".join(rng.choices(chinese, cum_weights=zh_weights, k=rng.randint(4, 9))) for _ in range(count)]
    return en, zh


def en_paragraph(rng: random.Random, chars: int) -> str:
    pool = _sentences()[0]
    out: list[str] = []
    length = 0
    while length < chars:
        sentence = pool[rng.randrange(len(pool))]
        out.append(sentence)
        length += len(sentence) + 1
    return " ".join(out)


def zh_paragraph(rng: random.Random, chars: int) -> str:
    pool = _sentences()[1]
    out: list[str] = []
    length = 0
    while length < chars:
        clause = pool[rng.randrange(len(pool))]
        out.append(clause)
        out.append(rng.choice(ZH_PUNCT))
        length += len(clause) + 1
    out[-1] = "。"
    return "".join(out)


def article(n: int, paragraphs: int = 50, seed: int = 11) -> dict:
    """Article number `n`: alternating EN/ZH paragraphs, paired 1:1 (one 2:1 bead), as extracted."""
    rng = random.Random(seed * 1_000_003 + n)
    topics = [(zh, en) for zh, en, share in TOPICS if rng.random() < share]
    paras = []
    for k in range(paragraphs):
        topic = topics[(k // 2) % len(topics)] if topics and k % 6 < 2 else None
        if k % 2 == 0:
            text = en_paragraph(rng, rng.randint(120, 300))
            if topic:
                text = f"In {topic[1]}, {text[0].lower()}{text[1:]}"
            paras.append({"text": text, "lang": "en", "role": "body"})
        else:
            text = zh_paragraph(rng, rng.randint(45, 95))
            if topic:
                text = f"{topic[0]}{text}"
            paras.append({"text": text, "lang": "zh", "role": "body"})
    pairs = [{"en": paras[k]["text"], "zh": paras[k + 1]["text"]} for k in range(0, paragraphs - 1, 2)]
    if len(pairs) > 3:  # one bead of two English paragraphs, as the aligner joins them
        merged = {"en": pairs[1]["en"] + " " + pairs[2]["en"], "zh": pairs[2]["zh"]}
        pairs[1:3] = [merged]
    title_en = en_paragraph(rng, 40).split(".")[0]
    title_zh = zh_paragraph(rng, 12).rstrip("。")
    if topics:
        title_en, title_zh = f"{topics[0][1]}: {title_en}", f"{topics[0][0]}{title_zh}"
    day = 1 + n % 28
    return {
        "status": "article", "url": f"https://news.example.org/{n // 1000}/{n}.html",
        "canonical_url": f"https://news.example.org/{n // 1000}/{n}.html",
        "title": f"{title_zh} {title_en}", "title_en": title_en, "title_zh": title_zh,
        "original_title": None, "source": f"source-{n % 12}", "author": "Bench Writer",
        "editors": {"编辑": "测试"}, "published": f"2024-03-{day:02d}T09:30:00+08:00",
        "language": "bilingual", "paragraphs": paras, "pairs": pairs,
        "text_en": "\n".join(p["text"] for p in paras if p["lang"] == "en"),
        "text_zh": "\n".join(p["text"] for p in paras if p["lang"] == "zh"),
        "images": [], "removed": ["点击蓝字关注我们"],
    }


def text_bytes(item: dict) -> int:
    """UTF-8 bytes of an article's own text: titles and paragraphs, each counted once."""
    titles = {t for t in (item.get("title"), item.get("title_en"), item.get("title_zh")) if t}
    return sum(len(t.encode()) for t in titles) + sum(len(p["text"].encode()) for p in item["paragraphs"])


# -- HTML pages ----------------------------------------------------------------------------------

_FILLER_SCRIPT = "\n".join(
    f"  window.__cfg_{k} = {{id: {k}, on: true, tags: ['news', 'city', 'bay'], delay: {k * 13 % 97}}};"
    for k in range(110))
_NAV = "".join(f'<li><a href="/channel/{k}.html">栏目{k} Section {k}</a></li>' for k in range(30))
_FOOTER = "".join(f'<li><a href="/about/{k}.html">关于我们 About {k}</a></li>' for k in range(20))


def _wechat_page(item: dict, n: int) -> str:
    body = "\n".join(f'<p style="margin:0 0 12px;line-height:1.75em"><span style="font-size:15px">'
                     f'{html.escape(p["text"])}</span></p>' for p in item["paragraphs"])
    ct = 1709251200 + n * 60
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8">
<meta property="og:title" content="{html.escape(item['title'])}">
<meta property="og:url" content="https://mp.weixin.qq.com/s?__biz=MzA{n % 97:03d}NjQ5MA==&amp;mid={2650000000 + n}&amp;idx=1&amp;sn={n:032x}">
<meta property="og:site_name" content="微信公众平台">
<title>{html.escape(item['title'])}</title>
<script>
{_FILLER_SCRIPT}
  var biz = "MzA{n % 97:03d}NjQ5MA=="; var mid = "{2650000000 + n}"; var idx = "1";
  var ct = "{ct}";
</script>
</head>
<body id="activity-detail" class="zh_CN wx_wap_page">
<div id="js_article" class="rich_media"><div class="rich_media_inner"><div id="page-content">
<h1 class="rich_media_title" id="activity-name">{html.escape(item['title'])}</h1>
<div id="meta_content" class="rich_media_meta_list">
<span class="rich_media_meta rich_media_meta_nickname" id="profileBt"><a id="js_name">湾区双语报 Bay Bilingual</a></span>
<em id="publish_time" class="rich_media_meta rich_media_meta_text">2024年03月{1 + n % 28:02d}日 09:30</em>
</div>
<div class="rich_media_content" id="js_content" style="visibility: hidden;">
{body}
<p>编辑：测试</p>
</div>
<div id="js_pc_qr_code"><p>微信扫一扫关注该公众号</p></div>
</div></div></div>
<script>
{_FILLER_SCRIPT}
</script>
</body></html>
"""


def _portal_page(item: dict, n: int) -> str:
    body = "\n".join(f"<p>{html.escape(p['text'])}</p>" for p in item["paragraphs"])
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<title>{html.escape(item['title'])} - 湾区新闻网</title>
<meta name="description" content="{html.escape(item['paragraphs'][0]['text'][:120])}">
<meta property="og:title" content="{html.escape(item['title'])}">
<meta name="publishdate" content="2024-03-{1 + n % 28:02d} 09:30:00">
<link rel="canonical" href="https://news.example.org/{n // 1000}/{n}.html">
<script>
{_FILLER_SCRIPT}
</script>
</head>
<body>
<div class="header"><ul class="nav">{_NAV}</ul></div>
<div class="main"><div class="article">
<h1 class="title">{html.escape(item['title'])}</h1>
<div class="info"><span class="time">2024-03-{1 + n % 28:02d} 09:30</span> <span class="source">来源：湾区新闻网</span></div>
<div class="content" id="content">
{body}
</div>
<div class="editor">责任编辑：测试</div>
</div>
<div class="side"><h3>热点新闻</h3><ul>{_NAV}</ul></div></div>
<div class="footer"><ul>{_FOOTER}</ul><p>版权所有 湾区新闻网</p></div>
<script>
{_FILLER_SCRIPT}
</script>
</body></html>
"""


def page(n: int, paragraphs: int = 36) -> tuple[str, bytes]:
    """(path, HTML bytes) of page `n`: even numbers WeChat-style, odd numbers portal-style."""
    item = article(n, paragraphs=paragraphs)
    if n % 2 == 0:
        return f"/s?__biz=MzA{n % 97:03d}NjQ5MA==&mid={2650000000 + n}&idx=1&sn={n:032x}", \
            _wechat_page(item, n).encode()
    return f"/{n // 1000}/{n}.html", _portal_page(item, n).encode()
