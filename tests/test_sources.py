"""The sources file: every kind loads; every mistake is refused with path:line: reason."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from harvester.cli import cli
from harvester.sources import Source, SourceError, load_sources, parse_every, parse_sources

GOOD = """\
# Followed sources
[defaults]
delay = 2.0
concurrency = 1

[[source]]
name = "sz-daily-en"
kind = "feed"
start = ["https://example.org/feed.xml"]
allow = ['/s\\?__biz=', '/article/']
deny = []
schedule = "0 */2 * * *"
max_pages = 500

[[source]]
name = "portal-news"
kind = "index"
start = ["https://news.example.cn/world/index.html"]
allow = ['/world/\\d{6}/t\\d+_\\d+\\.html']
follow = ['/world/index_\\d+\\.html']
every = "1h30m"
max_depth = 3
delay = 0.5   # overrides the default
autothrottle = false
robots = true
settings = {DOWNLOAD_TIMEOUT = 60}

[[source]]
name = "portal-sitemap"
kind = "sitemap"
start = ["https://news.example.cn/sitemap_news.xml"]
every = "30m"

[[source]]
name = "picked"
kind = "urls"
start = ["https://mp.weixin.qq.com/s?__biz=MzA=&mid=1&idx=1&sn=abc"]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_every_kind_loads_with_defaults_and_overrides(tmp_path: Path) -> None:
    sources = load_sources(write(tmp_path, GOOD))
    assert list(sources) == ["sz-daily-en", "portal-news", "portal-sitemap", "picked"]
    feed = sources["sz-daily-en"]
    assert feed == Source(name="sz-daily-en", kind="feed", start=("https://example.org/feed.xml",),
                          allow=(r"/s\?__biz=", "/article/"), schedule="0 */2 * * *", max_pages=500,
                          delay=2.0, concurrency=1, line=feed.line)
    assert feed.line == 6
    index = sources["portal-news"]
    assert index.every == timedelta(hours=1, minutes=30)
    assert index.scrapy_settings() == {"DOWNLOAD_DELAY": 0.5, "AUTOTHROTTLE_START_DELAY": 0.5,
                                       "CONCURRENT_REQUESTS_PER_DOMAIN": 1, "AUTOTHROTTLE_ENABLED": False,
                                       "ROBOTSTXT_OBEY": True, "DEPTH_LIMIT": 3, "DOWNLOAD_TIMEOUT": 60}
    assert not sources["picked"].scheduled and sources["portal-sitemap"].scheduled


@pytest.mark.parametrize("text", ["30m", "2h", "1d", "1h30m", "45s", "2w"])
def test_every_accepts_durations(text: str) -> None:
    assert parse_every(text) > timedelta(0)


@pytest.mark.parametrize("text", ["30", "soon", "0m", "1.5h", "-2h", ""])
def test_every_refuses_other_text(text: str) -> None:
    with pytest.raises(ValueError):
        parse_every(text)


ONE = """\
[[source]]
name = "one"
kind = "feed"
start = ["https://example.org/feed.xml"]
every = "1h"
"""


@pytest.mark.parametrize("edit, line, reason", [
    (lambda t: t.replace('kind = "feed"', 'kind = "rss"'), 3, "kind 'rss' is not one of urls, feed, sitemap, index"),
    (lambda t: t + "allow = ['/a(b']\n", 6, "allow pattern '/a(b' is not a valid regex"),
    (lambda t: t + "deny = ['[']\n", 6, "deny pattern '[' is not a valid regex"),
    (lambda t: t.replace('every = "1h"', 'schedule = "61 * * * *"'), 5, "is not a valid cron expression"),
    (lambda t: t.replace('every = "1h"', 'every = "hourly"'), 5, "is not a duration"),
    (lambda t: t + 'schedule = "0 * * * *"\n', 5, "give schedule or every, not both"),
    (lambda t: t + "max_page = 10\n", 6, "unknown key 'max_page' (did you mean 'max_pages'?)"),
    (lambda t: t + "max_pages = 0\n", 6, "max_pages must be a positive integer"),
    (lambda t: t + 'max_pages = "ten"\n', 6, "max_pages must be a positive integer, not str"),
    (lambda t: t.replace('start = ["https://example.org/feed.xml"]', 'start = []'), 4, "has no start URLs"),
    (lambda t: t.replace("https://example.org/feed.xml", "example.org/feed.xml"), 4, "is not an http(s) URL"),
    (lambda t: t.replace('name = "one"', 'name = "my source"'), 2, "must be letters, digits"),
    (lambda t: t.replace('name = "one"\n', ""), 1, "source has no name"),
    (lambda t: t + "follow = ['/page/']\n", 6, "follow applies to index sources only"),
    (lambda t: t + "\n" + t, 8, "duplicate source name 'one' (first defined at line 1)"),
    (lambda t: t.replace('every = "1h"', 'every = "1h'), 5, "not valid TOML"),
    (lambda t: "[source]\nname = 'x'\n", 1, "array of tables"),
    (lambda t: t + "settings = {download_delay = 1}\n", 6, "is not a Scrapy setting name"),
])
def test_mistakes_name_the_line_and_the_reason(tmp_path: Path, edit, line: int, reason: str) -> None:
    path = write(tmp_path, edit(ONE))
    with pytest.raises(SourceError) as info:
        load_sources(path)
    message = str(info.value)
    assert message.startswith(f"{path}:{line}: "), message
    assert reason in message
    assert "\n" not in message


def test_a_regex_with_brackets_does_not_confuse_line_numbers() -> None:
    text = ONE + "allow = ['/a[0-9]+/', '\\[x']\nmax_pages = -1\n"
    with pytest.raises(SourceError, match=r"^s.toml:7: source 'one': max_pages"):
        parse_sources(text, "s.toml")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no such sources file"):
        load_sources(tmp_path / "nope.toml")


def test_crawl_refuses_a_malformed_file_before_crawling(tmp_path: Path) -> None:
    path = write(tmp_path, ONE.replace('kind = "feed"', 'kind = "rss"'))
    db = tmp_path / "archive.db"
    result = CliRunner().invoke(cli, ["crawl", "one", "--sources", str(path), "--db", str(db),
                                      "--warc-dir", str(tmp_path / "warcs")])
    assert result.exit_code != 0
    assert f"{path}:3: source 'one': kind 'rss'" in result.output
    assert "Traceback" not in result.output
    assert not db.exists() and not (tmp_path / "warcs").exists()


def test_crawl_refuses_an_unknown_source_name(tmp_path: Path) -> None:
    path = write(tmp_path, ONE)
    result = CliRunner().invoke(cli, ["crawl", "two", "--sources", str(path), "--db", str(tmp_path / "a.db")])
    assert result.exit_code != 0
    assert "two: not a URL and not a source in" in result.output


def test_schedule_refuses_a_malformed_file(tmp_path: Path) -> None:
    path = write(tmp_path, ONE + "deny = ['(']\n")
    result = CliRunner().invoke(cli, ["schedule", "--once", "--sources", str(path),
                                      "--db", str(tmp_path / "a.db")])
    assert result.exit_code != 0
    assert f"{path}:6:" in result.output and "not a valid regex" in result.output
