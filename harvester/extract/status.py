"""Pages that are never articles: deleted, blocked by anti-crawl checks, or not articles.

Markers are matched only on short pages (or on WeChat's error containers) so that a
real article which merely *mentions* 环境异常 is not thrown away.
"""
from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

from lxml import etree

from harvester.extract.dom import Doc, node_text

DELETED_MARKERS = (
    "该内容已被发布者删除", "此内容已被发布者删除", "此内容因违规无法查看", "该内容因违规无法查看",
    "此内容被多人投诉", "该公众号已迁移", "此帐号已被屏蔽", "此账号已被屏蔽", "此帐号已自主注销",
    "此账号已自主注销", "链接已过期", "该文章已被删除", "此文章已被删除", "内容已删除",
    "该内容已被删除", "此内容已被删除", "已停止访问该网页", "涉嫌违反相关法律法规和政策",
    "the content has been deleted", "this content has been deleted by the author",
)
BLOCKED_MARKERS = (
    "环境异常", "访问过于频繁", "完成验证后即可继续访问", "请在微信客户端打开链接", "请完成安全验证",
    "当前环境异常", "操作频繁", "请输入验证码", "验证码", "人机验证", "访问受限", "请稍后再试",
    "captcha", "access denied", "are you a robot", "unusual traffic",
)
# WeChat's message box on error pages (expired links, deletions, checks).
ERROR_XPATH = ("//*[contains(@class,'weui-msg')] | //*[contains(@class,'global_error_msg')]"
               " | //*[@id='js_verify'] | //*[contains(@class,'warn_msg')]")
SHORT_PAGE = 600  # visible characters: error and check pages are tiny
MIN_BODY_CHARS = 60  # below this an extracted "body" is not an article


def visible_text(doc: Doc, limit: int = 5000) -> str:
    """The body's text without scripts and styles, capped (only short pages matter)."""
    body = doc.tree.find("body")
    if body is None:
        return ""
    parts: list[str] = []
    size = 0
    for el in body.iter():
        if not isinstance(el.tag, str) or el.tag in ("script", "style", "noscript", "template"):
            if el.tail and el.tail.strip():
                parts.append(el.tail.strip())
            continue
        for piece in (el.text, el.tail):
            if piece and piece.strip():
                parts.append(piece.strip())
                size += len(piece)
        if size > limit:
            break
    return " ".join(parts)


def _has(text: str, markers: tuple[str, ...]) -> bool:
    low = text.lower()
    return any(m.lower() in low for m in markers)


def page_status(doc: Doc) -> str | None:
    """'deleted' / 'blocked' when the page says so, else None (decided later from the body)."""
    box = " ".join(node_text(el) for el in doc.tree.xpath(ERROR_XPATH))
    text = visible_text(doc)
    if len(text) > SHORT_PAGE and not box:
        return None
    probe = box + " " + (text if len(text) <= SHORT_PAGE else "")
    if _has(probe, DELETED_MARKERS):
        return "deleted"
    if _has(probe, BLOCKED_MARKERS):
        return "blocked"
    return None


LINK_SHARE_MAX = 0.6  # above this share of text inside <a>, and no real paragraph: an index of links
REAL_PARAGRAPH = 80  # characters of punctuated prose: what a list of headlines never has
_PUNCT = re.compile(r"[。！？，；,;!?]|\.\s")


def link_share(doc: Doc) -> float:
    """Share of the body's visible text that sits inside links (one pass over the tree)."""
    body = doc.tree.find("body")
    if body is None:
        return 0.0
    total = linked = 0
    skip = ("script", "style", "noscript", "template")
    for el in body.iter():
        if not isinstance(el.tag, str) or el.tag in skip:
            continue
        n = len(el.text.strip()) if el.text else 0
        total += n + (len(el.tail.strip()) if el.tail else 0)
        if n and (el.tag == "a" or any(a.tag == "a" for a in el.iterancestors("a"))):
            linked += n
    return linked / total if total else 0.0


def is_listing(doc: Doc) -> bool:
    """Account history / profile pages, link lists and site-search results are index pages, not articles."""
    if doc.first("//*[@id='history'] | //*[contains(@class,'profile_info')] | //*[@id='js_profile_qrcode']") is not None \
            and doc.first("//*[@id='js_content']") is None:
        return True
    return is_search_results(doc)


SEARCH_MIN_RESULTS = 3  # linked result headlines a results page shows at least
_RESULT_HEADS = etree.XPath("//body//*[self::h2 or self::h3 or self::h4 or self::dt][.//a[@href]]"
                            "[string-length(normalize-space()) <= 80]")


def _search_url(url: str, rules) -> bool:
    """/search?q=…, /so/?keyword=…: a search path segment, or a non-empty search query parameter."""
    parts = urlsplit(url or "")
    segments = {seg.lower().rsplit(".", 1)[0] for seg in parts.path.split("/") if seg}
    if segments & rules.search_path_words:
        return True
    return any(key.lower() in rules.search_params and value.strip()
               for key, value in parse_qsl(parts.query, keep_blank_values=True))


def is_search_results(doc: Doc) -> bool:
    """A site-search (or tag-search) results page: never an article, however text-heavy its snippets.

    Two of three signs must agree: a search URL (rules [search] path words / query params),
    a results-count line or title ('搜索结果', '共找到 N 条', 'N results for'), and at least
    `SEARCH_MIN_RESULTS` linked result headlines. A WeChat article (#js_content) never is one.
    """
    cached = doc.cache.get("status.search")
    if isinstance(cached, bool):
        return cached
    from harvester.extract.cleaning import load_rules

    rules = load_rules()
    value = False
    if doc.first("//*[@id='js_content']") is None and rules.search_markers:
        by_url = _search_url(doc.url, rules)
        probe = node_text(doc.tree.find(".//title")) + " " + visible_text(doc, 3000)
        by_text = any(rx.search(probe) for rx in rules.search_markers)
        if by_url or by_text:
            by_results = len(_RESULT_HEADS(doc.tree)) >= SEARCH_MIN_RESULTS
            value = by_url + by_text + by_results >= 2
    doc.cache["status.search"] = value
    return value


LIST_ITEM_MAX = 40  # a listing is many short headline-sized lines, none a real paragraph
_PAGER_XPATH = etree.XPath(
    "//body//*[self::a or self::span or self::li or self::em or self::b or self::strong or self::button or "
    "self::div or self::font][string-length(normalize-space()) <= 14]")
_ARTICLE_TYPES = ("article", "newsarticle", "reportagenewsarticle", "blogposting", "analysisnewsarticle")


def has_pagination(doc: Doc) -> bool:
    """A pager (上一页 / 下一页 / 尾页 / 共18页 / Next page): the page is one page of a list.

    Words and patterns live in boilerplate_rules.toml [listing]; `min_markers` distinct
    ones must occur in short elements (an article's 上一篇/下一篇 links are not a pager).
    """
    cached = doc.cache.get("status.pagination")
    if isinstance(cached, bool):
        return cached
    from harvester.extract.cleaning import load_rules  # cleaning imports blocks only; no cycle at call time

    rules = load_rules()
    found: set[str] = set()
    for el in _PAGER_XPATH(doc.tree):
        text = " ".join((el.text_content() or "").split()).lower()
        if not text:
            continue
        if text in rules.pager_words:
            found.add(text)
        else:
            for rx in rules.pager_patterns:
                if rx.fullmatch(text):
                    found.add(rx.pattern)
                    break
        if len(found) >= rules.pager_min_markers:
            break
    value = len(found) >= rules.pager_min_markers
    doc.cache["status.pagination"] = value
    return value


def declares_article(doc: Doc) -> bool:
    """og:type=article, or JSON-LD typed NewsArticle and kin: the publisher says this page is an article."""
    if doc.meta_value("og:type").strip().lower() == "article":
        return True
    for script in doc.tree.iter("script"):
        if (script.get("type") or "").lower() == "application/ld+json" and script.text:
            types = re.findall(r'"@type"\s*:\s*"([^"]+)"', script.text[:20000])
            if any(t.lower() in _ARTICLE_TYPES for t in types):
                return True
    return False


LIST_MIN_ITEMS = 5  # repeated link items a list page shows at least (a brief's three items are not a list)
LIST_ITEM_SHARE = 0.6  # share of the extracted body that sits inside link items: the page is their index
LIST_MAX_PROSE = 2  # prose paragraphs outside the items a list page has at most (a bio, an intro)
LIST_PROSE_MIN = 40  # characters of a sentence-bearing paragraph that counts as prose there
LIST_FRAGMENT_MIN = 10  # letters (digits and marks aside) of a body line that counts as an item's headline or
# summary: not '|', a source name, '5小时前' or '1827跟贴1827' from under a feed's entries
_LETTERS = re.compile(r"[\W\d_]+")
HEADLINE_LINK = (6, 120)  # characters of a linked headline
ITEM_EXTRA_MAX = 160  # characters of an item's text outside its links: a date and a one-line summary
ITEM_TAGS = frozenset("li article div section dt dd tr h2 h3 h4 h5 p".split())
_SPACE = re.compile(r"\s+")


def _compact(text: str) -> str:
    return _SPACE.sub("", text or "")


def _headline_link_chars(el: etree._Element) -> tuple[int, int]:
    """(characters inside links, longest headline-sized link) of one element."""
    inside = longest = 0
    for a in el.iter("a"):
        n = len(_compact(a.text_content()))
        inside += n
        if a.get("href") and HEADLINE_LINK[0] <= n <= HEADLINE_LINK[1]:
            longest = max(longest, n)
    return inside, longest


def link_items(doc: Doc) -> list[str]:
    """Compact texts of repeated link items: the entries of a list of stories.

    An item is an element (li, article, h3, div, tr …) holding a headline-sized link,
    together with the siblings that follow it up to the next item (a date, a one-line
    summary), whose text outside links is short (`ITEM_EXTRA_MAX`). Items count when at
    least `LIST_MIN_ITEMS` siblings of one parent, of the same tag and class, are such items.
    Navigation bars rarely matter: only body text found inside items is weighed.
    """
    cached = doc.cache.get("status.link_items")
    if isinstance(cached, list):
        return cached
    body = doc.tree.find("body")
    items: list[str] = []
    if body is not None:
        for parent in body.iter():
            if not isinstance(parent.tag, str) or len(parent) < LIST_MIN_ITEMS:
                continue
            children = [c for c in parent if isinstance(c.tag, str)]
            groups: dict[tuple[str, str], list[int]] = {}
            for k, child in enumerate(children):
                if child.tag in ITEM_TAGS:
                    groups.setdefault((child.tag, child.get("class") or ""), []).append(k)
            for members in groups.values():
                if len(members) < LIST_MIN_ITEMS:
                    continue
                found: list[str] = []
                for n, k in enumerate(members):
                    stop = members[n + 1] if n + 1 < len(members) else min(len(children), k + 3)
                    span = children[k:min(stop, k + 3)]
                    text = "".join(_compact(el.text_content()) for el in span)
                    linked = longest = 0
                    for el in span:
                        i, h = _headline_link_chars(el)
                        linked += i
                        longest = max(longest, h)
                    if longest and len(text) - linked <= ITEM_EXTRA_MAX:
                        found.append(text)
                if len(found) >= LIST_MIN_ITEMS and len(found) >= 0.6 * len(members):
                    items.extend(found)
    doc.cache["status.link_items"] = items
    return items


def is_link_list(body_texts: list[str], doc: Doc) -> bool:
    """The extracted body is mostly the entries of a story list: a topic, author or search page.

    At least `LIST_MIN_ITEMS` body paragraphs lie inside repeated link items (`link_items`),
    they carry `LIST_ITEM_SHARE` of the body's text, and outside them stand at most
    `LIST_MAX_PROSE` sentence-bearing paragraphs (a columnist's bio, a topic's intro). An article with
    a related-stories list at its end keeps its prose outside the list and stays an article.
    """
    items = link_items(doc)
    if len(items) < LIST_MIN_ITEMS:
        return False
    joined = "\u0001".join(items)
    inside = outside = prose = hits = 0
    for text in body_texts:
        c = _compact(text)
        if c and c in joined:
            inside += len(c)
            hits += len(_LETTERS.sub("", c)) >= LIST_FRAGMENT_MIN
        else:
            outside += len(c)
            prose += len(text) >= LIST_PROSE_MIN and bool(_PUNCT.search(text))
    return hits >= LIST_MIN_ITEMS and inside >= LIST_ITEM_SHARE * (inside + outside) and prose <= LIST_MAX_PROSE


def body_status(body_texts: list[str], doc: Doc | None = None, captions: list[str] | tuple[str, ...] = ()) -> str:
    """Decide on the extracted body: too little text, or only headline-sized lines, is not an article.

    `captions` are the picture captions of a photo story: they count toward the body's
    length (an intro line and five captioned photos are an article), not toward the
    listing tests, which look at the prose paragraphs.
    """
    total = sum(len(t) for t in body_texts) + sum(len(t) for t in captions)
    if total < MIN_BODY_CHARS:
        return "not_article"
    texts = body_texts or list(captions)
    longest = max(len(t) for t in texts)
    prose = any(len(t) >= REAL_PARAGRAPH and _PUNCT.search(t) for t in texts)
    if doc is not None and doc.first("//*[@id='js_content']") is None:
        if not prose and has_pagination(doc):
            return "not_article"  # page 2 of 18 of a topic: headlines and summaries, a pager
        if (not prose or len(texts) <= 2) and not (prose and declares_article(doc)) \
                and link_share(doc) > LINK_SHARE_MAX:
            return "not_article"
        if is_link_list(body_texts, doc):
            return "not_article"  # an author, topic or search page: story links with dates and summaries
    if len(body_texts) >= 8 and longest < LIST_ITEM_MAX:
        return "not_article"
    return "article"
