"""WeChat (mp.weixin.qq.com) article template, 2018-2024 layouts.

The server-rendered page keeps the body in #js_content (hidden until JS runs, but
complete) and the metadata twice: in markup and in inline script variables
(msg_title, nickname, ct). Script variables survive template changes best, so they
come right after the markup.
"""
from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from harvester.extract.dates import from_epoch, parse_date
from harvester.extract.dom import Doc
from harvester.extract.template import Template

KEEP_QUERY = ("__biz", "mid", "idx", "sn")  # identify the article; the rest is tracking


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
        value = doc.meta_value("author") or doc.first_text("//*[@id='js_author_name']") \
            or doc.script_var("author")
        return value or None

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
