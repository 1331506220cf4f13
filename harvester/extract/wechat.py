"""WeChat (mp.weixin.qq.com) article template, 2018-2024 layouts.

The server-rendered page keeps the body in #js_content (hidden until JS runs, but
complete) and the metadata twice: in markup and in inline script variables
(msg_title, nickname, ct). Script variables survive template changes best, so they
come right after the markup.
"""
from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from lxml import etree

from harvester.extract.article import Paragraph
from harvester.extract.blocks import Block
from harvester.extract.dates import from_epoch, parse_date
from harvester.extract.dom import Doc
from harvester.extract.rules import Rules
from harvester.extract.template import Template

KEEP_QUERY = ("__biz", "mid", "idx", "sn")  # identify the article; the rest is tracking
# emoji and pointing marks an account puts around a name ('🌏华商君', '…☞')
_DECORATION = re.compile("[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\uFE0F]+")


def clean_wechat_url(url: str) -> str:
    """Keep __biz, mid, idx, sn (or the short /s/<id> path); drop chksm, scene, #rd ..."""
    if not url:
        return url
    url = url.replace("&amp;", "&")
    parts = urlsplit(url)
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=False) if k in KEEP_QUERY]
    kept.sort(key=lambda kv: KEEP_QUERY.index(kv[0]))
    scheme = "https" if parts.netloc.endswith("weixin.qq.com") else parts.scheme
    return urlunsplit((scheme, parts.netloc, parts.path, urlencode(kept, safe="=/+"), ""))


class WeChatTemplate(Template):
    name = "wechat"
    content_xpath = "//*[@id='js_content']"
    title_xpaths = ("//h1[contains(@class,'rich_media_title')]", "//h2[@id='activity-name']",
                    "//*[@id='activity-name']", "//h2[contains(@class,'rich_media_title')]")
    account_xpaths = ("//*[@id='js_name']", "//*[contains(@class,'profile_nickname')]",
                      "//*[@id='js_profile_qrcode']//strong[contains(@class,'profile_nickname')]")
    time_xpaths = ("//*[@id='publish_time']", "//*[@id='post-date']")

    def matches(self, doc: Doc) -> bool:
        return "weixin.qq.com" in doc.url or doc.first(self.content_xpath + " | //*[@id='activity-name']") \
            is not None or "mmbiz.qpic.cn" in doc.meta_value("og:image") or "var msg_title" in doc.script_text

    def title(self, doc: Doc) -> str | None:
        return (doc.first_text(*self.title_xpaths) or doc.script_var("msg_title")
                or doc.meta_value("og:title", "twitter:title") or None)

    def source(self, doc: Doc) -> str | None:
        return doc.first_text(*self.account_xpaths) or doc.script_var("nickname") or None

    def author(self, doc: Doc) -> str | None:
        value = doc.meta_value("author") or doc.first_text(*self.author_xpaths) or doc.script_var("author")
        return _DECORATION.sub("", value).strip() or None

    # the author field: #js_author_name (2020 on), else the unnamed <em> beside the date (2018-2019; before
    # 2018 the meta list has no id)
    author_xpaths = ("//*[@id='js_author_name']",
                     "//*[@id='meta_content']//em[contains(@class,'rich_media_meta_text')][not(@id)]",
                     "//*[contains(@class,'rich_media_meta_list')]//em[contains(@class,'rich_media_meta_text')]"
                     "[not(@id)]")
    signature_xpaths = ("//*[contains(@class,'profile_card_signature')]", "//*[@id='js_profile_signature']",
                        "//*[contains(@class,'profile_meta_value') and contains(@class,'signature')]")

    def signature(self, doc: Doc) -> str:
        """The account's one-line self-description ('每天一篇深圳双语新闻 …'): a slogan that
        accounts also print at the head or foot of every article, where it is not body text."""
        return doc.script_var("profile_signature", "signature") or doc.first_text(*self.signature_xpaths)

    def published(self, doc: Doc) -> str | None:
        for name in ("ct", "create_time"):
            value = doc.script_var(name)
            if value.isdigit():
                return from_epoch(value)
        return parse_date(doc.script_var("publish_time") or doc.first_text(*self.time_xpaths))

    def canonical_url(self, doc: Doc) -> str | None:
        for url in (doc.meta_value("og:url"), doc.script_var("msg_link"), doc.meta_value("link:canonical"),
                    doc.url if "weixin.qq.com" in doc.url else ""):
            if url and url.startswith("http"):
                return clean_wechat_url(url)
        return None


# --- the template's furniture: the account's slogan and follow banner, video posts ---------

SLOGAN_MIN, SLOGAN_MAX = 4, 80  # characters of a line that may be the account's slogan


def drop_account_slogan(doc: Doc, blocks: list[Block], template: "WeChatTemplate") -> tuple[list[Block], list[str]]:
    """A WeChat account prints its signature ('每天一篇深圳双语新闻') as a banner line in
    every article: a line the signature contains is furniture, not body text."""
    signature = _compact(template.signature(doc))
    follow = follow_prompt(template.source(doc) or "")
    if len(signature) < SLOGAN_MIN and follow is None:
        return blocks, []
    kept: list[Block] = []
    removed: list[str] = []
    for block in blocks:
        core = _compact(block.text)
        if block.kind != "image" and ((len(signature) >= SLOGAN_MIN and SLOGAN_MIN <= len(core) <= SLOGAN_MAX
                                       and core in signature)
                                      or (follow is not None and len(block.text) <= FOLLOW_MAX
                                          and follow.match(" ".join(block.text.split())))):
            removed.append(block.text)
        else:
            kept.append(block)
    return kept, removed

FOLLOW_MAX = 80  # characters of a follow banner ('Follow <account> for your morning brief')

def follow_prompt(account: str) -> re.Pattern[str] | None:
    """'Follow us', 'Follow <account name> …', '关注<account name>': a line that asks the reader
    to follow the account (whose name is #js_name / var nickname) is a banner, not body text."""
    name = re.escape(" ".join(account.split())) if account.strip() else None
    who = rf"(?:us|{name})" if name else "us"
    zh = rf"|^[\W_]*(?:欢迎|请|记得)?关注\s*{name}" if name else ""
    return re.compile(rf"^[\W_]*(?:please\s+)?follow\s+{who}\b{zh}", re.I)

_VIDEO_XPATH = etree.XPath(".//iframe[contains(@class,'video_iframe') or contains(@data-src,'v.qq.com') or "
                           "contains(@src,'v.qq.com')] | .//video | .//mpvideo | .//mp-common-videosnap")

def is_video_post(doc: Doc, template: "WeChatTemplate", title: str | None, paragraphs: list[Paragraph],
                  rules: Rules) -> bool:
    """A WeChat video post: a titled article whose content is an embedded video with a few
    lines of text (the slogan-like lines around it). Its text is short because the story is
    the video; it is still an article, not a listing or an error page."""
    if not title:
        return False
    node = template.content_node(doc)
    if node is None or not _VIDEO_XPATH(node):
        return False
    return sum(len(p.text) for p in paragraphs) >= rules.status.video_min_text


def _compact(text: str) -> str:
    """Text without blanks and edge decoration, lower-cased: for containment tests."""
    return "".join(text.split()).strip("·•|｜-—_~:：【】[]()（）<>《》「」\"'“”‘’.。!！").lower()
