"""Downloader middleware: a redirect back into its own chain fails at once, as a counted error.

Scrapy's RedirectMiddleware follows up to REDIRECT_MAX_TIMES hops, but a hop back to
a URL the chain already fetched is dropped by the dupefilter without a word: the
article request then ends with no outcome at all, in no count. Sitting just before
RedirectMiddleware in the response path, this fails such a redirect with
`RedirectLoop` (the spider's errback counts it as an error, naming the chain).
"""
from __future__ import annotations

from urllib.parse import urljoin

from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response

from harvester.urls import canonicalize_url

REDIRECT_STATUSES = (301, 302, 303, 307, 308)


class RedirectLoop(IgnoreRequest):
    """A redirect to a URL already in the request's own redirect chain."""


class RedirectLoopMiddleware:
    def process_response(self, request: Request, response: Response) -> Response:
        location = response.headers.get(b"Location")
        if response.status not in REDIRECT_STATUSES or not location or request.meta.get("dont_redirect"):
            return response
        target = urljoin(request.url, location.decode("latin-1"))
        chain = [*request.meta.get("redirect_urls", []), request.url]
        if canonicalize_url(target) in {canonicalize_url(url) for url in chain}:
            raise RedirectLoop(f"redirect loop: {' -> '.join([*chain, target])}")
        return response
