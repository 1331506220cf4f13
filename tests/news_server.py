"""A tiny news site on 127.0.0.1 for crawl tests: a feed, a news sitemap, a paginated index.

Every request is logged (method, path, status) so tests can count what a crawl fetched.
Articles answer conditional requests (ETag / Last-Modified -> 304) like a real server,
and can be edited, slowed down or made to answer 429 / a WeChat verification page.
"""
from __future__ import annotations

import hashlib
import sys
import threading
import time
from collections import Counter
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

LAST_MODIFIED = formatdate(1_700_000_000, usegmt=True)

BLOCKED_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>验证</title></head>
<body><div class="weui-msg"><p class="weui-msg__title">环境异常</p>
<p>当前环境异常，完成验证后即可继续访问。</p><a id="js_verify">去验证</a></div></body></html>"""


class QuietServer(ThreadingHTTPServer):
    """A client that hangs up mid-answer (a crawl killed on purpose) is no server error."""

    def handle_error(self, request, client_address) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def article_html(n: int, text: str) -> str:
    paragraphs = "\n".join(
        f"<p>{text} Paragraph {i} of article {n} reports on the city's harbour, its new bridge and "
        f"the ferry timetable that changes every spring for the islands nearby.</p>" for i in range(1, 5))
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Harbour story number {n}</title>
<meta property="og:title" content="Harbour story number {n}">
<meta name="author" content="Reporter {n}">
<meta property="article:published_time" content="2024-03-0{1 + n % 9}T08:00:00+08:00">
</head><body><nav><a href="/">Home</a></nav>
<article><h1>Harbour story number {n}</h1>
{paragraphs}
</article><footer>Copyright the Harbour Daily</footer></body></html>"""


class NewsSite:
    """Articles 1-3 are in the feed, 4-6 in the sitemap, 7-10 behind the index and its page 2."""

    FEED = (1, 2, 3)
    SITEMAP = (4, 5, 6)
    INDEX = ((7, 8), (9, 10))  # page 1, page 2

    # How listing pages link to each other: "numbers" (every page, needs a `follow` pattern),
    # or only to the next page by `<link rel="next">`, a 下一页 link or a [下页] link.
    PAGERS = ("numbers", "rel-next", "下一页", "下页")

    def __init__(self, article_delay: float = 0.0,
                 index: tuple[tuple[int, ...], ...] | None = None, pager: str = "numbers") -> None:
        if index is not None:
            self.INDEX = index
        assert pager in self.PAGERS, pager
        self.pager = pager
        numbers = [*self.FEED, *self.SITEMAP, *(n for page in self.INDEX for n in page)]
        self.texts = {n: f"Original text {n}." for n in numbers}
        self.article_delay = article_delay
        self.log: list[tuple[str, str, int]] = []
        # (received, replying) monotonic times per request: it is open to the client in between and
        # until the reply is read, so a client that waits for replies can never start one inside a span.
        self.spans: list[tuple[float, float, str]] = []
        self.lock = threading.Lock()
        self.answer_429: Counter = Counter()  # path -> how many 429s still to send
        self.answer_blocked: Counter = Counter()  # path -> how many verification pages to send
        self.server = QuietServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # -- lifecycle ----------------------------------------------------------
    def __enter__(self) -> "NewsSite":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    # -- what tests look at ---------------------------------------------------
    def article_path(self, n: int) -> str:
        return f"/article/{n}.html"

    def fetches(self, prefix: str = "/article/", status: int | None = None) -> Counter:
        with self.lock:
            return Counter(path for _, path, code in self.log
                           if path.startswith(prefix) and (status is None or code == status))

    def clear_log(self) -> None:
        with self.lock:
            self.log.clear()
            self.spans.clear()

    def sources_toml(self, settings: str = "", **extra: str) -> str:
        """A sources file naming the three sources of this site, crawled fast.

        `settings`: more `KEY = value` pairs for every source's settings table;
        `feed=`/`sitemap=`/`index=`: more lines for that source.
        """
        more = f", {settings}" if settings else ""
        # Pages linked only to their next page need no pattern: the index spider finds the link.
        follow = "follow = ['/news/index_\\d+\\.html']\n" if self.pager == "numbers" else ""
        fast = f"delay = 0\nautothrottle = false\nsettings = {{RETRY_ENABLED = false{more}}}\n"
        body = f"""
[[source]]
name = "harbour-feed"
kind = "feed"
start = ["{self.base}/feed.xml", "{self.base}/atom.xml"]
allow = ['/article/']
every = "1s"
{fast}{extra.get('feed', '')}
[[source]]
name = "harbour-sitemap"
kind = "sitemap"
start = ["{self.base}/sitemap.xml"]
allow = ['/article/']
every = "1s"
{fast}{extra.get('sitemap', '')}
[[source]]
name = "harbour-index"
kind = "index"
start = ["{self.base}/news/index.html"]
allow = ['/article/\\d+\\.html']
{follow}deny = ['/article/99']
every = "1s"
{fast}{extra.get('index', '')}
"""
        return body

    # -- pages ------------------------------------------------------------------
    def page(self, path: str) -> tuple[int, str, str] | None:
        """(status, content type, body) for a path, or None for 404."""
        if path == "/robots.txt":
            return 200, "text/plain", f"User-agent: *\nDisallow: /private/\nSitemap: {self.base}/sitemap.xml\n"
        if path == "/feed.xml":
            items = "".join(
                f"<item><title>Story {n}</title><link>{self.base}/article/{n}.html?utm_source=rss&amp;utm_medium=feed</link>"
                f"<guid isPermaLink=\"false\">story-{n}</guid></item>" for n in self.FEED)
            return 200, "application/rss+xml", (
                f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Harbour</title>'
                f"<link>{self.base}/</link>{items}</channel></rss>")
        if path == "/atom.xml":  # the same stories again, spelled with other tracking parameters
            entries = "".join(
                f'<entry><title>Story {n}</title><id>urn:story:{n}</id>'
                f'<link rel="alternate" type="text/html" href="{self.base}/article/{n}.html?utm_campaign=atom#comments"/>'
                f"<updated>2024-03-01T00:00:00Z</updated></entry>" for n in self.FEED)
            return 200, "application/atom+xml", (
                '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
                f'<title>Harbour</title><link rel="self" href="{self.base}/atom.xml"/>{entries}</feed>')
        if path == "/sitemap.xml":
            urls = "".join(
                f"<url><loc>{self.base}/article/{n}.html</loc><news:news><news:publication>"
                f"<news:name>Harbour Daily</news:name><news:language>en</news:language></news:publication>"
                f"<news:publication_date>2024-03-01</news:publication_date><news:title>Story {n}</news:title>"
                f"</news:news></url>" for n in self.SITEMAP)
            return 200, "application/xml", (
                '<?xml version="1.0" encoding="UTF-8"?>'
                '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
                'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">' + urls + "</urlset>")
        pages = ["/news/index.html"] + [f"/news/index_{i}.html" for i in range(2, len(self.INDEX) + 1)]
        if path in pages:
            page = pages.index(path)
            links = "".join(f'<li><a href="/article/{n}.html#top">Story {n}</a></li>' for n in self.INDEX[page])
            head, pager = self.pager_html(pages, page)
            return 200, "text/html; charset=utf-8", (
                f"<html><head><title>News</title>{head}</head><body><ul>{links}</ul>"
                f'<a href="/article/99.html">Video</a><a href="/about.html">About</a>{pager}</body></html>')
        if path.startswith("/article/") and path.endswith(".html"):
            try:
                n = int(path[len("/article/"):-len(".html")])
            except ValueError:
                return None
            if n not in self.texts:
                return None
            return 200, "text/html; charset=utf-8", article_html(n, self.texts[n])
        return None

    def pager_html(self, pages: list[str], page: int) -> tuple[str, str]:
        """(in <head>, in <body>): the links from listing page `page` to the others."""
        if self.pager == "numbers":
            return "", "".join(f'<a href="{p}">{i + 1}</a>' for i, p in enumerate(pages) if i != page)
        previous = f'<a href="{pages[page - 1]}">上一页</a>' if page > 0 else ""
        if page + 1 >= len(pages):
            return "", previous
        following = pages[page + 1]
        if self.pager == "rel-next":
            return f'<link rel="next" href="{following}">', previous
        if self.pager == "下一页":
            return "", f'{previous}<a href="{following}">下一页 &gt;</a>'
        return "", f'{previous}<a class="page" href="{following}">[下页]</a>'

    def _handler(self):
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # quiet: the site keeps its own log
                pass

            def do_GET(self) -> None:
                received = time.monotonic()
                path = urlsplit(self.path).path
                status, headers, body = self.answer(path)
                with site.lock:
                    site.log.append(("GET", path, status))
                    site.spans.append((received, time.monotonic(), path))
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def answer(self, path: str) -> tuple[int, list[tuple[str, str]], bytes]:
                with site.lock:
                    if site.answer_429[path] > 0:
                        site.answer_429[path] -= 1
                        return 429, [("Retry-After", "0")], b"slow down"
                    blocked = site.answer_blocked[path] > 0
                    if blocked:
                        site.answer_blocked[path] -= 1
                if blocked:
                    return 200, [("Content-Type", "text/html; charset=utf-8")], BLOCKED_PAGE.encode("utf-8")
                found = site.page(path)
                if found is None:
                    return 404, [("Content-Type", "text/plain")], b"not found"
                status, ctype, text = found
                body = text.encode("utf-8")
                headers = [("Content-Type", ctype)]
                if path.startswith("/article/"):
                    if site.article_delay:
                        time.sleep(site.article_delay)
                    etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
                    headers += [("ETag", etag), ("Last-Modified", LAST_MODIFIED)]
                    if self.headers.get("If-None-Match") == etag:
                        return 304, [("ETag", etag)], b""
                return status, headers, body

        return Handler
