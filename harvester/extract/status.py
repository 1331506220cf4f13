"""The page-state classifier: article, deleted, blocked or not an article, with the reason.

One function, `classify`, decides every page once its body has been extracted. An
archiver must never throw an article away, so `not_article` needs strong evidence:
no text at all, a WeChat account page, or a list of links (story items, a pager, a
links-only page, site-search hits) with no text block outside the list. A publisher
that declares the page a listing (og:type profile, JSON-LD ProfilePage) may still show
a short bio. When unsure, the page is an article. Deleted and blocked markers count
only on short pages or in WeChat's error box, so an article that merely mentions
环境异常 is kept. Every threshold lives in boilerplate_rules.toml [status].
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

from lxml import etree

from harvester.extract.dom import Doc, compact, node_text
from harvester.extract.rules import Rules, StatusRules

# WeChat's message box on error pages (expired links, deletions, checks).
_ERROR_XPATH = etree.XPath("//*[@class or @id][contains(@class,'weui-msg') or contains(@class,'global_error_msg')"
                           " or @id='js_verify' or contains(@class,'warn_msg')]")  # one scan, not four
# WeChat's article body, and the parts of an account page (history list, profile box): one scan of the tree
_WECHAT_MARKS = etree.XPath("//*[@class or @id][@id='js_content' or @id='history' or @id='js_profile_qrcode' or "
                            "contains(@class,'profile_info')]")
# WeChat's own style, script and image hosts (a share button links to weixin.qq.com, never to these)
_WECHAT_ASSETS = re.compile(r"res\.wx\.qq\.com|mmbiz\.qpic\.cn|mmbizwap")
_RESULT_HEADS = etree.XPath("//body//*[self::h2 or self::h3 or self::h4 or self::dt][.//a[@href]]"
                            "[string-length(normalize-space()) <= 80]")
_PAGER_XPATH = etree.XPath(
    "//body//*[self::a or self::span or self::li or self::em or self::b or self::strong or self::button or "
    "self::div or self::font][string-length(normalize-space()) <= 14]")
# what a short page's form says only in attributes: an input's placeholder, a captcha image's alt text
# ('请输入验证码', alt='验证码'): a check page's words as much as its visible text
_FORM_WORDS = etree.XPath("//body//input/@placeholder | //body//form//img/@alt | //body//form//input/@value")
_PUNCT = re.compile(r"[。！？，；,;!?]|\.\s")
_LETTERS = re.compile(r"[\W\d_]+")
_SKIP = frozenset(("script", "style", "noscript", "template"))
TEASER_LINK_MAX = 16  # characters of a line that is only a read-on link ('[详细]', 'Read more »')
ITEM_TAGS = frozenset("li article div section dt dd tr h2 h3 h4 h5 p".split())


@dataclass(frozen=True)
class Verdict:
    """A page's state and why: 'article' / 'deleted' / 'blocked' / 'not_article'."""

    status: str
    reason: str


def classify(doc: Doc, body: list[str], rules: Rules, captions: list[str] | tuple[str, ...] = (),
             video: bool = False, wechat: bool = False) -> Verdict:
    """The state of a page whose body paragraphs (`body`) have been extracted.

    `captions` are a photo story's captions: they count toward its length, not as prose.
    `video` says the page is a WeChat post built around an embedded video; `wechat` that the
    page is WeChat's at all (its URL, #js_content, its image host or its script variables).
    """
    cfg = rules.status
    marked = marker_status(doc, rules)
    if marked is not None:
        return marked
    marks = {el.get("id") or "profile" for el in _WECHAT_MARKS(doc.tree)}
    if marks and not wechat and "js_profile_qrcode" not in marks and not _WECHAT_ASSETS.search(doc.text):
        # id="history" and class "…profile_info" make WeChat's account page only on a page built from
        # WeChat's own assets: elsewhere they are a story's 'History' section or an author box
        marks &= {"js_content"}
    wechat_body = "js_content" in marks
    if not wechat_body and marks:
        return Verdict("not_article", "WeChat account page")
    total = sum(len(t) for t in body) + sum(len(t) for t in captions)
    if total < cfg.min_body_chars:
        if video:
            return Verdict("article", "video post")
        return Verdict("not_article", f"no text ({total} characters)")
    if wechat_body:
        return Verdict("article", "WeChat article body")
    items = link_items(doc, cfg)
    blocks = text_blocks(doc, body, items, cfg) or text_runs(doc, body, items, cfg)
    declared = declared_types(doc)
    if not blocks:
        if is_search_results(doc, rules):
            return Verdict("not_article", "site-search results, no text block")
        if declares_article(doc, rules):
            # the publisher calls it an article (a brief, a live blog, a roundup of linked items):
            # list-like shape alone is no strong evidence against its own word
            return Verdict("article", f"declared {sorted(declared & cfg.article_types)[0]}, short text")
        if is_link_list(body, items, cfg):
            return Verdict("not_article", "a list of story links, no text block")
        if has_pagination(doc, rules):
            return Verdict("not_article", "a pager under headlines, no text block")
        share = link_share(doc)
        if share > cfg.link_share_max and body_link_share(doc, body, cfg.teaser_end) > cfg.link_share_max:
            return Verdict("not_article", f"{share:.0%} of the text in links, no text block")
        return Verdict("article", "short text, no list evidence")
    if declared & cfg.listing_types and not declared & cfg.article_types and len(blocks) <= cfg.list_max_prose \
            and is_link_list(body, items, cfg):
        return Verdict("not_article", f"declared {sorted(declared & cfg.listing_types)[0]}, a list of story links")
    return Verdict("article", f"{len(blocks)} text block(s)")


def marker_status(doc: Doc, rules: Rules) -> Verdict | None:
    """'deleted' / 'blocked' when a short page (or WeChat's error box) says so, else None."""
    cfg = rules.status
    box = " ".join(node_text(el) for el in _ERROR_XPATH(doc.tree))
    text = visible_text(doc)
    if len(text) > cfg.short_page and not box:
        return None
    short = text + " " + " ".join(_FORM_WORDS(doc.tree)) if len(text) <= cfg.short_page else ""
    probe = (box + " " + short).lower()
    for status, markers in (("deleted", cfg.deleted_markers), ("blocked", cfg.blocked_markers)):
        hit = next((m for m in markers if _has_marker(probe, m.lower())), None)
        if hit:
            return Verdict(status, f"marker {hit!r}")
    return None


def _has_marker(probe: str, marker: str) -> bool:
    """Whether the marker occurs in the probe; an English marker as whole words only ('captcha', not
    the 'reCAPTCHA' of a form's privacy notice on a short article)."""
    if not marker.isascii():
        return marker in probe
    return re.search(r"(?<![a-z])" + re.escape(marker) + r"(?![a-z])", probe) is not None


def visible_text(doc: Doc, limit: int = 5000) -> str:
    """The body's text without scripts and styles, cut after about `limit` characters (only short pages matter)."""
    parts: list[str] = []
    size = 0
    for piece in doc.text_nodes:
        parts.append(piece.strip())
        size += len(piece)
        if size > limit:
            break
    return " ".join(parts)


_HAN = re.compile(r"[\u3400-\u9fff]")


def is_prose(text: str, cfg: StatusRules) -> bool:
    """A paragraph of running text: long enough (a Chinese character counts as two, it
    carries about as much as an English word's letters) and punctuated like sentences."""
    return len(text) + len(_HAN.findall(text)) >= cfg.text_block_chars and bool(_PUNCT.search(text))


def text_blocks(doc: Doc, body: list[str], items: list[str], cfg: StatusRules) -> list[str]:
    """The body's prose paragraphs that stand outside the page's link items and are not
    themselves mostly link text (a whole index page flattened into one 'paragraph')."""
    joined = "\u0001".join(items)
    found = []
    for k, text in enumerate(body):
        if not is_prose(text, cfg) or (joined and compact(text) in joined):
            continue
        after = body[k + 1] if k + 1 < len(body) else ""
        if cfg.teaser_end is not None and (cfg.teaser_end.search(text) or
                                           len(after) <= TEASER_LINK_MAX and cfg.teaser_end.search(after)):
            continue  # '…申请材料减至七项。[详细]': the teaser of another page
        if linked_chars(doc, text) > cfg.link_share_max * len(compact(text)):
            continue
        found.append(text)
    return found


def text_runs(doc: Doc, body: list[str], items: list[str], cfg: StatusRules) -> list[str]:
    """Runs of consecutive short body lines that together read as text: a poem's lines, a post
    written one sentence to a line. A run counts when it has `run_min_lines` lines, none inside
    the page's link items or mostly link text, `run_chars` characters (a Chinese character
    counts two) and sentence punctuation in most of its lines; menus and headline lists do not."""
    joined = "\u0001".join(items)
    runs: list[list[str]] = [[]]
    for text in body:
        c = compact(text)
        if c and not (joined and c in joined) and linked_chars(doc, text) <= cfg.link_share_max * len(c):
            runs[-1].append(text)
        elif runs[-1]:
            runs.append([])
    found: list[str] = []
    for run in runs:
        size = sum(len(t) + len(_HAN.findall(t)) for t in run)
        punctuated = sum(1 for t in run if _PUNCT.search(t) or t.rstrip()[-1:] in "。！？，；：…”")
        if len(run) >= cfg.run_min_lines and size >= cfg.run_chars and 2 * punctuated > len(run):
            found.append("\n".join(run))
    return found


def page_links(doc: Doc) -> frozenset[str]:
    """Compact texts of the page's links (headline-sized and up), each once, computed once."""
    cached = doc.cache.get("status.links")
    if isinstance(cached, frozenset):
        return cached
    links = frozenset(c for c in (compact(a.text_content()) for a in doc.tree.iter("a")) if len(c) >= 4)
    doc.cache["status.links"] = links
    return links


def linked_chars(doc: Doc, text: str) -> int:
    """Characters of `text` that are the texts of the page's links."""
    squeezed = compact(text)
    return sum(len(link) for link in page_links(doc) if link in squeezed)


def link_share(doc: Doc) -> float:
    """Share of the body's visible text that sits inside links (one pass over the tree)."""
    cached = doc.cache.get("status.link_share")
    if isinstance(cached, float):
        return cached
    body = doc.tree.find("body")
    total = linked = 0
    for el in body.iter() if body is not None else ():
        if not isinstance(el.tag, str) or el.tag in _SKIP:
            continue
        n = len(el.text.strip()) if el.text else 0
        total += n + (len(el.tail.strip()) if el.tail else 0)
        if n and (el.tag == "a" or any(True for _ in el.iterancestors("a"))):
            linked += n
    value = linked / total if total else 0.0
    doc.cache["status.link_share"] = value
    return value


def body_link_share(doc: Doc, body: list[str], teaser_end: re.Pattern[str] | None = None) -> float:
    """Share of the extracted body's characters that are the texts of the page's links.

    Menus and sidebars can make most of a page's text link text while the body trafilatura
    found (a short brief, a list of plain points) is not: only a body that is itself mostly
    links makes a links-only page. A teaser ending in a read-on link ('…[详细]', 'Read more »')
    stands for another page: it counts as link text.
    """
    total = linked = 0
    for k, text in enumerate(body):
        n = len(compact(text))
        total += n
        after = body[k + 1] if k + 1 < len(body) else ""
        if teaser_end is not None and (teaser_end.search(text) or
                                       len(after) <= TEASER_LINK_MAX and teaser_end.search(after)):
            linked += n
        else:
            linked += min(n, linked_chars(doc, text))
    return linked / total if total else 1.0


def _search_url(url: str, rules: Rules) -> bool:
    """/search?q=…, /so/?keyword=…: a search path segment, or a non-empty search query parameter."""
    parts = urlsplit(url or "")
    segments = {seg.lower().rsplit(".", 1)[0] for seg in parts.path.split("/") if seg}
    if segments & rules.search_path_words:
        return True
    return any(key.lower() in rules.search_params and value.strip()
               for key, value in parse_qsl(parts.query, keep_blank_values=True))


def is_search_results(doc: Doc, rules: Rules) -> bool:
    """A site-search (or tag-search) results page: two of three signs agree.

    A search URL (rules [search] path words / query params), a results-count line or title
    ('搜索结果', '共找到 N 条', 'N results for'), and at least `search_min_results` linked
    result headlines.
    """
    if not rules.search_markers:
        return False
    by_url = _search_url(doc.url, rules)
    probe = node_text(doc.tree.find(".//title")) + " " + visible_text(doc, 3000)
    by_text = any(rx.search(probe) for rx in rules.search_markers)
    if not (by_url or by_text):
        return False
    by_results = len(_RESULT_HEADS(doc.tree)) >= rules.status.search_min_results
    return by_url + by_text + by_results >= 2


def has_pagination(doc: Doc, rules: Rules) -> bool:
    """A pager (上一页 / 下一页 / 尾页 / 共18页 / Next page): the page is one page of a list.

    Words and patterns live in rules [listing]; `min_markers` distinct ones must occur
    in short elements (an article's 上一篇/下一篇 links are not a pager).
    """
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
            return True
    return False


def json_ld_types(doc: Doc) -> list[str]:
    """Every JSON-LD @type value on the page, lower-case, repeats kept (one per object), read once."""
    cached = doc.cache.get("status.json_ld_types")
    if isinstance(cached, list):
        return cached
    found: list[str] = []
    for script in doc.tree.iter("script"):
        if (script.get("type") or "").lower() == "application/ld+json" and script.text:
            found.extend(t.lower() for t in re.findall(r'"@type"\s*:\s*"([^"]+)"', script.text[:20000]))
    doc.cache["status.json_ld_types"] = found
    return found


def declared_types(doc: Doc) -> set[str]:
    """What the publisher says the page is: og:type and JSON-LD @type values, lower-case."""
    return ({doc.meta_value("og:type").strip().lower()} - {""}) | set(json_ld_types(doc))


ARTICLE_ITEMS_MAX = 2  # JSON-LD article objects on one page: more are the entries of a list


def declares_article(doc: Doc, rules: Rules) -> bool:
    """The publisher says this page is one article: og:type=article, or JSON-LD typed NewsArticle
    and kin, unless the page also declares a listing (an ItemList, a CollectionPage) or carries
    the article objects of a whole list of stories."""
    cfg = rules.status
    declared = declared_types(doc)
    if not declared & cfg.article_types or declared & cfg.listing_types:
        return False
    if doc.meta_value("og:type").strip().lower() in cfg.article_types:
        return True
    found = sum(1 for t in json_ld_types(doc) if t in cfg.article_types)
    return 0 < found <= ARTICLE_ITEMS_MAX


# a link: an <a href>, or an element a script navigates from (data-link / data-href / data-url), as the
# items of app and WeChat album lists are
_LINKISH = "self::a[@href] or @data-link or @data-href or @data-url"
_LINKS = etree.XPath(f"//body/descendant-or-self::*[{_LINKISH}]")


def _list_parents(tree: etree._Element, n: int) -> list[etree._Element]:
    """Parents (the <body> or inside it) of at least `n` child elements that are or hold a link: the only
    places a list of stories can be. One walk up from each link, stopping where an earlier walk passed
    (an XPath counting each element's linked children re-read every subtree once per ancestor)."""
    holds: dict = {}  # element that is or holds a link -> (its first link's index, minus its height above it)
    for i, link in enumerate(_LINKS(tree)):
        el, height = link, 0
        while el is not None and el not in holds:
            holds[el] = (i, -height)
            el = el.getparent()
            height += 1
    counts: dict = {}
    for el in holds:
        parent = el.getparent()
        if parent is not None:
            counts[parent] = counts.get(parent, 0) + 1
    body = next((el for el in holds if isinstance(el.tag, str) and el.tag == "body"), None)
    above = set(body.iterancestors()) if body is not None else set()
    # document order: an element comes before those whose first link is later, and before its descendants
    return sorted((el for el, k in counts.items() if k >= n and el not in above), key=holds.__getitem__)
_LINK_ROOTS = etree.XPath(f"descendant-or-self::*[{_LINKISH}][not(ancestor::*[{_LINKISH}])]")
_STRING = etree.XPath("string()")
# a heading no link carries: a story list links its headlines; a feature list names each entry and links
# a 'Learn more about …' beside it
_UNLINKED_HEADING = etree.XPath("descendant-or-self::*[self::h1 or self::h2 or self::h3 or self::h4 or self::h5 or "
                                "self::h6][normalize-space()][not(.//a[@href]) and not(ancestor::a[@href])]")


ITEM_MAX_CHARS = 600  # characters of an element beyond which it is a section, never one story item


def _measure(el: etree._Element, cfg: StatusRules) -> tuple[int, int, int]:
    """(characters, characters inside links, longest headline-sized link) of one element, blanks left out."""
    if el.tag in _SKIP:
        return 0, 0, 0
    chars = len(compact(_STRING(el)))
    if chars > ITEM_MAX_CHARS:
        return chars, 0, 0
    linked = longest = 0
    for a in el.iter("a"):
        if a.get("href") is None:
            linked += len(compact(_STRING(a)))
    for a in _LINK_ROOTS(el):  # outermost links only: a data-link item holding an <a> counts once
        n = len(compact(_STRING(a)))
        linked += n
        if cfg.headline_link_min <= n <= cfg.headline_link_max:
            longest = max(longest, n)
    return chars, linked, longest


def link_items(doc: Doc, cfg: StatusRules, rows: bool = True) -> list[str]:
    """Compact texts of repeated link items: the entries of a list of stories.

    An item is an element (li, article, h3, div, tr …) holding a headline-sized link,
    together with the siblings that follow it up to the next item (a date, a one-line
    summary), whose text outside links is short (`item_extra_max`). Items count when at
    least `list_min_items` siblings of one parent, of the same tag and class, are such items.
    `rows=False` leaves out table rows (a table of links may be the article's content).
    """
    cached = doc.cache.get("status.link_items")
    if isinstance(cached, list):
        return [text for text, row in cached if rows or not row]
    items: list[tuple[str, bool]] = []  # (compact text, from a table row)
    sizes: dict = {}
    for parent in _list_parents(doc.tree, cfg.list_min_items):
        children = [c for c in parent if isinstance(c.tag, str)]
        groups: dict[tuple[str, str], list[int]] = {}
        for k, child in enumerate(children):
            if child.tag in ITEM_TAGS:
                groups.setdefault((child.tag, child.get("class") or ""), []).append(k)
        for members in groups.values():
            if len(members) < cfg.list_min_items:
                continue
            found: list[str] = []
            for n, k in enumerate(members):
                stop = members[n + 1] if n + 1 < len(members) else min(len(children), k + 3)
                span = children[k:min(stop, k + 3)]
                measured = []
                for el in span:
                    if el not in sizes:
                        sizes[el] = _measure(el, cfg)
                    measured.append(sizes[el])
                    if measured[-1][0] > ITEM_MAX_CHARS:
                        break
                chars = sum(m[0] for m in measured)
                linked = sum(m[1] for m in measured)
                if max(m[2] for m in measured) and chars - linked <= cfg.item_extra_max \
                        and not any(_UNLINKED_HEADING(el) for el in span):
                    found.append("".join(compact(_STRING(el)) for el in span))
            if len(found) >= cfg.list_min_items and len(found) >= 0.6 * len(members):
                items.extend((text, children[members[0]].tag == "tr") for text in found)
    doc.cache["status.link_items"] = items
    return [text for text, row in items if rows or not row]


def in_items(text: str, items: list[str]) -> bool:
    """Whether a body line lies inside one of the page's link items."""
    c = compact(text)
    return bool(c) and any(c in item for item in items)


def is_link_list(body: list[str], items: list[str], cfg: StatusRules) -> bool:
    """The body is mostly the entries of a story list: at least `list_min_items` body lines
    with real letters lie inside link items and carry `list_item_share` of the body's text."""
    if len(items) < cfg.list_min_items:
        return False
    joined = "\u0001".join(items)
    inside = outside = hits = 0
    for text in body:
        c = compact(text)
        if c and c in joined:
            inside += len(c)
            hits += len(_LETTERS.sub("", c)) >= cfg.list_fragment_min
        else:
            outside += len(c)
    return hits >= cfg.list_min_items and inside >= cfg.list_item_share * (inside + outside)


__all__ = ["Verdict", "classify", "marker_status", "link_items", "in_items", "is_prose"]
