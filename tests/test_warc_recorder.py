"""The WARC recorder as a Scrapy component, built through a real crawler (no network)."""
from __future__ import annotations

from pathlib import Path

import pytest
from scrapy.http import HtmlResponse, Request
from scrapy.utils.reactor import install_reactor, is_reactor_installed
from scrapy.utils.test import get_crawler
from warcio.archiveiterator import ArchiveIterator

from harvester.crawl import project_settings
from harvester.spiders.article import ArticleSpider
from harvester.warc_recorder import WarcRecorder


@pytest.fixture(scope="module", autouse=True)
def reactor() -> None:
    """Scrapy's crawler object wants a reactor installed (crawls here run in subprocesses)."""
    if not is_reactor_installed():
        install_reactor("twisted.internet.asyncioreactor.AsyncioSelectorReactor")


def installed_reactor_path() -> str:
    """The reactor an earlier test module may already have installed in this process, by import path."""
    from twisted.internet import reactor as installed

    return f"{type(installed).__module__}.{type(installed).__name__}"


def test_records_pairs_and_hands_the_pointer_on(tmp_path: Path) -> None:
    settings = project_settings({"WARC_DIR": str(tmp_path), "ARCHIVE_DB": ""}).copy_to_dict()
    settings["TWISTED_REACTOR"] = installed_reactor_path()  # the recorder works on any reactor
    crawler = get_crawler(ArticleSpider, settings)
    recorder = WarcRecorder.from_crawler(crawler)
    request = Request("http://127.0.0.1:8000/article/1.html", headers={"User-Agent": "t"})
    body = b"<html><body><p>hello</p></body></html>"
    response = HtmlResponse(request.url, status=200, body=body, request=request,
                            headers={"Content-Type": "text/html", "Transfer-Encoding": "chunked",
                                     "Set-Cookie": ["a=1", "b=2"]})
    recorder.response_downloaded(response, request, spider=None)
    recorder.spider_closed(spider=None)
    pointer = request.meta["warc"]
    assert pointer["record_type"] == "response" and pointer["payload_digest"].startswith("sha1:")
    [path] = tmp_path.glob("*.warc.gz")
    assert (tmp_path / "index.cdxj").is_file()
    with open(path, "rb") as handle:
        records = list((r.rec_type, r.http_headers, r.content_stream().read()) for r in ArchiveIterator(handle))
    (_, info, _), (_, http, payload), (kind, _, _) = records
    assert payload == body and kind == "request"
    names = [name for name, _ in http.headers]
    assert "Transfer-Encoding" not in names and "X-Archive-Orig-Transfer-Encoding" in names
    assert [v for k, v in http.headers if k == "Set-Cookie"] == ["a=1", "b=2"]
