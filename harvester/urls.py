"""Canonical URLs: one spelling per article, so deduplication and "already archived" work.

The same WeChat article reaches us as `...&chksm=...&scene=27#rd` from a feed bridge,
`...&sessionid=...` from a share and plain `__biz/mid/idx/sn` from a sitemap; only those
four parameters identify it. Elsewhere tracking parameters (utm_*, fbclid, ...) and
fragments are noise. Scrapy's dupefilter and the archive both key on this form
(`CanonicalRequestFingerprinter`, `ExtractedPage.article["canonical_url"]`).
"""
from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit
from weakref import WeakKeyDictionary

from w3lib.url import canonicalize_url as w3lib_canonicalize

if TYPE_CHECKING:
    from scrapy import Request

WECHAT_HOSTS = ("mp.weixin.qq.com",)
WECHAT_KEEP = ("__biz", "mid", "idx", "sn")  # the article's identity, in this order
TRACKING = re.compile(
    r"^(utm_\w+|fbclid|gclid|dclid|msclkid|yclid|mc_cid|mc_eid|_hsenc|_hsmi|mkt_tok|spm|"
    r"share_token|sharer_shareinfo|sharer_shareinfo_first|from|isappinstalled|wxfrom|"
    r"clicktime|enterid|ascene|devicetype|version|nettype|lang|pass_ticket|wx_header|"
    r"chksm|scene|sessionid|subscene|srcid|sharer_sharetime|sharer_shareid|exportkey|"
    r"abtest_cookie|fasttmpl_type|fasttmpl_fullversion|vid|xtrack|ref_src|ref_url)$",
    re.IGNORECASE)
# Parameters that are tracking on WeChat but may carry meaning elsewhere stay for other hosts.
GENERAL_TRACKING = re.compile(r"^(utm_\w+|fbclid|gclid|dclid|msclkid|yclid|mc_cid|mc_eid|_hsenc|_hsmi|"
                              r"mkt_tok|spm|share_token|isappinstalled|xtrack|ref_src)$", re.IGNORECASE)


def is_wechat(url: str) -> bool:
    return (urlsplit(url).hostname or "").lower() in WECHAT_HOSTS


@functools.lru_cache(maxsize=4096)
def canonicalize_url(url: str) -> str:
    """The deduplication key of `url`: lower-case host, no fragment, no tracking, sorted query.

    WeChat articles (`mp.weixin.qq.com/s?...`) keep only __biz, mid, idx and sn, and
    use https; short links (`/s/AbC...`) keep their path and drop the query.
    A crawl asks for a URL's key more than once (the dupefilter's fingerprint, the
    incremental skip), so the latest keys are kept.
    """
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return url
    host = (parts.hostname or "").lower()
    if host in WECHAT_HOSTS and parts.path.rstrip("/") in ("/s", "/mp/appmsg/show"):
        params = dict(parse_qsl(parts.query, keep_blank_values=True))
        if all(k in params for k in WECHAT_KEEP):
            # safe="=": __biz is base64 and WeChat itself links it as __biz=Mz...== unescaped.
            query = urlencode([(k, params[k]) for k in WECHAT_KEEP], safe="=")
            return urlunsplit(("https", host, "/s", query, ""))
    if host in WECHAT_HOSTS and parts.path.startswith("/s/"):
        return urlunsplit(("https", host, parts.path.rstrip("/"), "", ""))
    if host in WECHAT_HOSTS:
        drop = TRACKING
    else:
        drop = GENERAL_TRACKING
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not drop.match(k)]
    netloc = host
    if parts.port and not ((parts.scheme == "http" and parts.port == 80)
                           or (parts.scheme == "https" and parts.port == 443)):
        netloc = f"{host}:{parts.port}"
    if parts.username:
        netloc = f"{parts.username}{':' + parts.password if parts.password else ''}@{netloc}"
    rebuilt = urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", urlencode(kept), ""))
    return w3lib_canonicalize(rebuilt, keep_fragments=False)


class CanonicalRequestFingerprinter:
    """Scrapy's request fingerprint, computed on the canonical URL.

    Set as REQUEST_FINGERPRINTER_CLASS so the dupefilter (and JOBDIR's requests.seen)
    treats `?utm_source=rss` and the bare URL as one request.
    """

    def __init__(self) -> None:
        self._cache: WeakKeyDictionary = WeakKeyDictionary()

    @classmethod
    def from_crawler(cls, crawler) -> "CanonicalRequestFingerprinter":
        return cls()

    def fingerprint(self, request: "Request") -> bytes:
        cached = self._cache.get(request)
        if cached is None:
            from scrapy.utils.request import fingerprint

            canonical = canonicalize_url(request.url)
            target = request if canonical == request.url else request.replace(url=canonical)
            cached = self._cache[request] = fingerprint(target)
        return cached
