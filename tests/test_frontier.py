"""A crawl shared by several workers through a real Redis server (harvester.frontier).

Workers run as `harvest crawl ... --frontier` subprocesses against the loopback news
site, each into its own shard; `harvest merge` folds the shards and `harvest verify`
checks the result.
"""
from __future__ import annotations

import json
import os
import pickle
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from scrapy import Request, Spider, signals
from scrapy.http import TextResponse
from scrapy.utils.test import get_crawler

from harvester import settings as project_settings
from harvester.frontier import LEASE_META, LeasedQueue
from harvester.politeness import TOKEN_META, ClusterPolitenessMiddleware, SharedRobotsTxtMiddleware
from tests.conftest import ROOT, run_harvest
from tests.news_server import NewsSite
from tests.redis_server import free_port, redis_url  # noqa: F401  (fixture)

INDEX = "harbour-index"


def queue(url: str, worker: str, base: str = "harvest:t") -> LeasedQueue:
    q = LeasedQueue(redis.Redis.from_url(url), Spider(name="t"), f"{base}:requests")
    q.base, q.worker = base, worker
    return q


def test_a_dead_workers_leases_go_back_and_acks_drop_them(redis_url: str) -> None:
    a, b = queue(redis_url, "a"), queue(redis_url, "b")
    a.beat(ttl_ms=600_000)  # alive however slow the machine is, until its heartbeat is let go below
    b.beat(ttl_ms=600_000)
    for n, priority in ((1, 0), (2, 5), (3, 0)):
        a.push(Request(f"http://news.test/{n}.html", priority=priority))
    first, second = a.pop(), a.pop()
    assert first.url.endswith("/2.html")  # the higher priority first
    assert (len(a), a.leased()) == (1, 2)
    assert b.reap() == 0  # a is alive: nothing to take back
    a.beat(ttl_ms=1)  # a's last heartbeat expires: a is dead
    wait_for(lambda: not a.server.exists("harvest:t:alive:a"))
    assert b.reap() == 2
    assert (len(b), b.leased()) == (3, 0)
    assert b.reap() == 0  # requeued once, not twice

    again = b.pop()
    assert again.url == first.url and again.meta[LEASE_META]
    b.push(again.replace(url="http://news.test/2.html?page=2"), ack=again.meta[LEASE_META])  # a redirect
    assert (len(b), b.leased()) == (3, 0)
    done = b.pop()
    b.ack(done.meta[LEASE_META])
    assert (len(b), b.leased()) == (2, 0)
    # The dupefilter check and the push are one step: a fingerprint is never seen without its request.
    assert b.push(Request("http://news.test/9.html"), fingerprint="f9") is True
    assert b.push(Request("http://news.test/9.html?utm_source=x"), fingerprint="f9") is False
    assert len(b) == 3 and b.server.sismember("harvest:t:dupefilter", "f9")


def test_the_last_worker_of_a_finished_run_clears_the_dupefilter(redis_url: str) -> None:
    a, b = queue(redis_url, "a"), queue(redis_url, "b")
    a.beat(60_000)
    b.beat(60_000)
    server = a.server
    server.sadd("harvest:t:dupefilter", "seen")
    b.push(Request("http://news.test/1.html"))
    held = b.pop()
    assert a.retire("harvest:t:dupefilter", finished=True) == (0, False)  # b still works
    assert b.retire("harvest:t:dupefilter", finished=False) == (1, False)  # stopped: its lease goes back
    assert len(b) == 1 and server.exists("harvest:t:dupefilter")
    b.beat(60_000)
    b.ack(b.pop().meta[LEASE_META])
    assert held.url == "http://news.test/1.html"
    assert b.retire("harvest:t:dupefilter", finished=True) == (0, True)
    assert not server.exists("harvest:t:dupefilter")


def worker(root: Path, name: str, sources: Path, *settings: str) -> subprocess.Popen:
    """One `harvest crawl` worker with its own shard, in its own process group."""
    shard = root / name
    shard.mkdir(exist_ok=True)
    args = ["crawl", INDEX, "--sources", str(sources), "--db", str(shard / "archive.db"),
            "--warc-dir", str(shard / "warcs"), "--quiet"]
    for setting in settings:
        args += ["-s", setting]
    return subprocess.Popen([sys.executable, "-m", "harvester.cli", *args], cwd=ROOT,
                            stdout=open(shard / "stdout.txt", "w"), stderr=open(shard / "stderr.txt", "w"),
                            start_new_session=True)


def wait_for(condition, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def article_leases(url: str, pid: int) -> set[str]:
    """Article URLs leased right now by the worker process `pid`."""
    server = redis.Redis.from_url(url)
    held = set()
    for key in server.scan_iter(f"harvest:{INDEX}:leases:*"):
        if f":{pid}:" not in key.decode():
            continue
        for value in server.hvals(key):
            request = pickle.loads(value.split(b":", 1)[1])
            if "/article/" in request["url"]:
                held.add(request["url"])
    return held


def stored(db: Path) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        return [url for (url,) in conn.execute("SELECT canonical_url FROM articles")]
    finally:
        conn.close()


def test_three_workers_one_killed_nothing_lost_nothing_twice(tmp_path: Path, redis_url: str) -> None:
    """Two workers; one SIGKILLed (its whole process group) 3 s into the crawl; a third joins."""
    articles = range(101, 401)  # 300 distinct pages behind 30 listing pages
    index = tuple(tuple(articles[i:i + 10]) for i in range(0, 300, 10))
    with NewsSite(article_delay=0.2, index=index) as site:
        sources = tmp_path / "sources.toml"
        sources.write_text(f'[defaults]\nfrontier = "{redis_url}"\n'
                           + site.sources_toml(settings="CONCURRENT_REQUESTS_PER_DOMAIN = 2"))
        lease = "HARVEST_FRONTIER_LEASE_TIMEOUT=10"  # slow machines must not look dead
        first, second = worker(tmp_path, "w1", sources, lease), worker(tmp_path, "w2", sources, lease)
        try:
            wait_for(lambda: sum(site.fetches().values()) > 0)
            time.sleep(3)
            os.killpg(first.pid, signal.SIGKILL)
            first.wait()
            in_flight = article_leases(redis_url, first.pid)
            third = worker(tmp_path, "w3", sources, lease)
            assert second.wait(timeout=300) == 0, (tmp_path / "w2" / "stderr.txt").read_text()[-2000:]
            assert third.wait(timeout=300) == 0, (tmp_path / "w3" / "stderr.txt").read_text()[-2000:]
        finally:
            for process in (first, second):
                if process.poll() is None:
                    os.killpg(process.pid, signal.SIGKILL)
        fetches = site.fetches()

    expected = {f"/article/{n}.html" for n in articles}
    assert set(fetches) == expected
    assert sum(fetches.values()) <= 300 + len(in_flight), (sum(fetches.values()), len(in_flight))
    assert stored(tmp_path / "w2" / "archive.db") and stored(tmp_path / "w3" / "archive.db")

    shards = [str(tmp_path / name / "archive.db") for name in ("w1", "w2", "w3")
              if (tmp_path / name / "archive.db").exists()]
    merged = run_harvest("merge", *shards, "--db", str(tmp_path / "all.db"), "--warc-dir", str(tmp_path / "allw"))
    assert merged.returncode == 0, merged.stderr
    urls = stored(tmp_path / "all.db")
    assert len(urls) == len(set(urls)) == 300  # every page archived, once
    checked = run_harvest("verify", "--db", str(tmp_path / "all.db"), "--warc-dir", str(tmp_path / "allw"))
    assert checked.returncode == 0, checked.stdout[-2000:]
    assert "0 problems" in checked.stdout
    print(f"300 pages: {sum(fetches.values())} article fetches, {len(in_flight)} leased by the killed worker; "
          "stored per shard: " + ", ".join(f"{name} {len(stored(tmp_path / name / 'archive.db'))}"
                                           for name in ("w1", "w2", "w3") if (tmp_path / name / "archive.db").exists()))


def test_a_worker_with_an_idle_limit_stops_waiting_for_others(tmp_path: Path, redis_url: str) -> None:
    """Without HARVEST_FRONTIER_IDLE a worker waits while any lease is out; with it, only so long."""
    with NewsSite() as site:
        other = queue(redis_url, "busy-elsewhere", base="harvest:urls")
        other.beat(ttl_ms=600_000)
        other.push(Request(f"{site.base}/article/1.html"))
        other.pop()  # leased by a live worker that never finishes
        result = run_harvest("crawl", f"{site.base}/article/2.html", "--frontier", redis_url,
                             "--db", str(tmp_path / "archive.db"), "--warc-dir", str(tmp_path / "warcs"),
                             "-s", "HARVEST_FRONTIER_IDLE=1", "-s", "AUTOTHROTTLE_ENABLED=false",
                             "-s", "DOWNLOAD_DELAY=0", timeout=120)
        assert result.returncode == 0, result.stderr
        assert "new 1" in result.stdout
        assert site.fetches() == {"/article/2.html": 1}
        assert other.leased() == 1  # the other worker's lease is its own business


def test_frontier_refusals_are_one_line(tmp_path: Path) -> None:
    common = ["--db", str(tmp_path / "a.db"), "--warc-dir", str(tmp_path / "w")]
    bad = run_harvest("crawl", "http://127.0.0.1:9/x.html", "--frontier", "http://127.0.0.1:6379", *common)
    assert bad.returncode != 0 and "not a Redis URL" in bad.stderr
    down = run_harvest("crawl", "http://127.0.0.1:9/x.html", "--frontier", f"redis://127.0.0.1:{free_port()}/0",
                       *common, timeout=120)
    assert down.returncode != 0 and "Connection" in down.stderr
    (tmp_path / "sources.toml").write_text('[[source]]\nname = "s"\nkind = "urls"\n'
                                           'start = ["http://127.0.0.1:9/"]\nfrontier = "localhost:6379"\n')
    source = run_harvest("crawl", "s", "--sources", str(tmp_path / "sources.toml"), *common)
    assert source.returncode != 0 and "sources.toml:5: source 's': frontier" in source.stderr
    for result in (bad, down, source):
        assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr


def captures(db: Path) -> int:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT count(*) FROM captures").fetchone()[0]
    finally:
        conn.close()


def test_politeness_holds_across_workers(tmp_path: Path, redis_url: str) -> None:
    """Per-domain concurrency 1 and delay 0.2 s: two workers never have two requests open at once.

    Pages take 0.3 s to answer, longer than the delay, so two workers each keeping only
    its own delay would overlap all the time.
    """
    # 40 articles on two listing pages, at least 12 s of crawling; a worker holds at most 8
    # (CONCURRENT_REQUESTS), so both take part if both have joined before the first request.
    index = (tuple(range(11, 31)), tuple(range(31, 51)))
    with NewsSite(article_delay=0.3, index=index) as site:
        sources = tmp_path / "sources.toml"
        sources.write_text(f'[defaults]\nfrontier = "{redis_url}"\nconcurrency = 1\n'
                           + site.sources_toml(settings="HARVEST_ROBOTS_WAIT = 300")
                           .replace("delay = 0\n", "delay = 0.2\n"))
        # A worker slow to start on a loaded machine must not find the run over: the site's one
        # concurrency slot is taken until both have joined, so no request goes out before.
        server = redis.Redis.from_url(redis_url)
        server.zadd("harvest:domain:127.0.0.1:open", {"held-by-the-test": time.time() * 1000 + 600_000})
        workers = [worker(tmp_path, name, sources) for name in ("w1", "w2")]
        try:
            wait_for(lambda: server.scard(f"harvest:{INDEX}:workers") == 2
                     or any(process.poll() is not None for process in workers))
            assert not site.log
        finally:
            server.zrem("harvest:domain:127.0.0.1:open", "held-by-the-test")
        for process, name in zip(workers, ("w1", "w2")):
            assert process.wait(timeout=300) == 0, (tmp_path / name / "stderr.txt").read_text()[-2000:]
        spans = sorted(site.spans)
        fetched = site.fetches()
        listing = site.fetches("/news/")
    assert set(fetched) == {f"/article/{n}.html" for n in range(11, 51)}
    # Both took part in one run (in a later run every article would be skipped as archived) ...
    assert all(stored(tmp_path / name / "archive.db") for name in ("w1", "w2"))
    # ... both pushed the seed, which was fetched once; one fetched robots.txt, the other read it.
    assert listing == {"/news/index.html": 1, "/news/index_2.html": 1}
    assert [path for _, _, path in spans].count("/robots.txt") == 1
    overlaps = [(a, b) for a, b in zip(spans, spans[1:]) if b[0] < a[1]]
    assert not overlaps, overlaps[:3]
    print(f"{len(spans)} requests from two workers, none open at once; "
          f"captures per shard: {captures(tmp_path / 'w1' / 'archive.db')}, {captures(tmp_path / 'w2' / 'archive.db')}")


def run_now(coroutine):
    """Run a coroutine that must not wait for anything (no reactor here); its result."""
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value
    coroutine.close()
    raise AssertionError("it waited")


def cluster_middleware(redis_url: str, middleware: type, **settings):
    crawler = get_crawler(settings_dict={"HARVEST_FRONTIER": redis_url, "ROBOTSTXT_OBEY": True, **settings})
    return crawler, middleware.from_crawler(crawler)


def test_a_politeness_slot_goes_back_when_its_request_leaves_the_downloader(redis_url: str) -> None:
    """Not only through process_response, which a middleware above it that raises (the WARC
    guard on a full disk) would skip; and two workers' slots never share a name."""
    (crawler, a), (_, b) = (cluster_middleware(redis_url, ClusterPolitenessMiddleware,
                                               HARVEST_CLUSTER_CONCURRENCY=2) for _ in range(2))
    first, second = Request("http://news.test/1.html"), Request("http://news.test/2.html")
    run_now(a.process_request(first))
    run_now(b.process_request(second))
    slots = redis.Redis.from_url(redis_url)
    assert slots.zcard("harvest:domain:news.test:open") == 2
    crawler.signals.send_catch_log(signals.request_left_downloader, request=first, spider=None)
    assert slots.zrange("harvest:domain:news.test:open", 0, -1) == [second.meta[TOKEN_META].encode()]


def test_robots_txt_stored_between_two_questions_of_another_worker_is_read_not_fetched(redis_url: str) -> None:
    """Looking for the shared body and taking the fetching lock are one step: a body stored
    (and its lock dropped) in between must not hand the lock to a second fetcher."""
    (_, a), (_, b) = (cluster_middleware(redis_url, SharedRobotsTxtMiddleware) for _ in range(2))
    request = Request("http://news.test/article/1.html")
    robots = TextResponse("http://news.test/robots.txt", body=b"User-agent: *\nDisallow: /private/\n")
    assert a.claim(request) is None  # a fetches robots.txt
    asks = b.server.execute_command

    def a_finishes_meanwhile(*args, **options):
        answer = asks(*args, **options)
        b.server.execute_command = asks
        a.share(request, robots)
        return answer

    b.server.execute_command = a_finishes_meanwhile
    assert b.claim(request) is False  # b waits ...
    assert b.claim(request) == robots.body  # ... and reads it
    assert b.claim(request) == a.claim(request) == robots.body


def test_what_one_worker_archived_no_other_fetches_and_refreshes_conditionally(tmp_path: Path,
                                                                                  redis_url: str) -> None:
    """"Already archived" and the validators of a refresh come from Redis, whichever worker stored it."""
    with NewsSite() as site:
        sources = tmp_path / "sources.toml"
        sources.write_text(f'[defaults]\nfrontier = "{redis_url}"\n' + site.sources_toml())

        def crawl(name: str, *more: str) -> subprocess.CompletedProcess:
            return run_harvest("crawl", "harbour-feed", "--sources", str(sources), "--quiet", *more,
                               "--db", str(tmp_path / name / "archive.db"),
                               "--warc-dir", str(tmp_path / name / "warcs"))

        first = crawl("a")
        assert first.returncode == 0 and "new 3" in first.stdout, first.stdout + first.stderr
        second = crawl("b")  # a later run by another worker, with an empty shard of its own
        assert second.returncode == 0, second.stderr
        assert site.fetches() == {f"/article/{n}.html": 1 for n in (1, 2, 3)}
        refreshed = crawl("b", "--refresh")
        assert refreshed.returncode == 0 and "unchanged 3" in refreshed.stdout, refreshed.stdout
        assert site.fetches(status=304) == {f"/article/{n}.html": 1 for n in (1, 2, 3)}
    a_records = {r for (r,) in sqlite3.connect(tmp_path / "a" / "archive.db").execute(
        "SELECT warc_record_id FROM captures WHERE status = 200")}
    from warcio.archiveiterator import ArchiveIterator

    refers = []
    for path in (tmp_path / "b" / "warcs").glob("*.warc.gz"):
        with open(path, "rb") as handle:
            refers += [r.rec_headers.get_header("WARC-Refers-To") for r in ArchiveIterator(handle)
                       if "server-not-modified" in (r.rec_headers.get_header("WARC-Profile") or "")]
    assert len(refers) == 3 and set(refers) <= a_records  # b's 304s name a's captures


def test_redis_crash_and_restart_with_its_append_only_file_loses_nothing(tmp_path: Path) -> None:
    """Redis is SIGKILLed mid-crawl: the worker stops with an error; Redis comes back from its
    append-only file; a new worker takes back the stopped one's leases and finishes the run."""
    from fixtures.redis_server import RedisServer, RedisUnavailable

    (tmp_path / "redis").mkdir()
    try:
        server = RedisServer(tmp_path / "redis", appendonly=True).start()
    except RedisUnavailable as exc:
        pytest.skip(str(exc))
    index = (tuple(range(11, 31)), tuple(range(31, 51)))  # 40 articles
    try:
        with NewsSite(article_delay=0.1, index=index) as site:
            sources = tmp_path / "sources.toml"
            sources.write_text(f'[defaults]\nfrontier = "{server.url}"\n'
                               + site.sources_toml(settings="CONCURRENT_REQUESTS_PER_DOMAIN = 2"))
            lease = "HARVEST_FRONTIER_LEASE_TIMEOUT=2"
            first = worker(tmp_path, "w1", sources, lease)
            wait_for(lambda: sum(site.fetches().values()) >= 8)
            server.kill()
            assert first.wait(timeout=120) != 0
            assert "lost the frontier's Redis server" in (tmp_path / "w1" / "stderr.txt").read_text()
            server.start()  # same port, same directory: the append-only file is read back
            second = worker(tmp_path, "w2", sources, lease)
            assert second.wait(timeout=300) == 0, (tmp_path / "w2" / "stderr.txt").read_text()[-2000:]
            fetches = site.fetches()
    finally:
        server.stop()
    assert set(fetches) == {f"/article/{n}.html" for n in range(11, 51)}
    merged = run_harvest("merge", str(tmp_path / "w1" / "archive.db"), str(tmp_path / "w2" / "archive.db"),
                         "--db", str(tmp_path / "all.db"), "--warc-dir", str(tmp_path / "allw"))
    assert merged.returncode == 0, merged.stderr
    urls = stored(tmp_path / "all.db")
    assert len(urls) == len(set(urls)) == 40
    assert stored(tmp_path / "w1" / "archive.db")  # the first worker's work is in the merge
    checked = run_harvest("verify", "--db", str(tmp_path / "all.db"), "--warc-dir", str(tmp_path / "allw"))
    assert checked.returncode == 0, checked.stdout[-2000:]


def test_a_lease_is_acknowledged_only_after_the_article_is_committed(tmp_path: Path, redis_url: str) -> None:
    with NewsSite() as site:
        probe = tmp_path / "probe.txt"
        result = run_harvest("crawl", *(f"{site.base}/article/{n}.html" for n in (1, 2, 3, 4)),
                             "--frontier", redis_url, "--db", str(tmp_path / "archive.db"),
                             "--warc-dir", str(tmp_path / "warcs"), "-s", "DOWNLOAD_DELAY=0",
                             "-s", "EXTENSIONS=" + json.dumps({**project_settings.EXTENSIONS,
                                                               "tests.lease_probe.LeaseProbe": 900}),
                             "-s", f"LEASE_PROBE_FILE={probe}")
        assert result.returncode == 0 and "new 4" in result.stdout, result.stdout + result.stderr
    assert captures(tmp_path / "archive.db") == 4 + 1  # the WARC recorder ran too (and robots.txt)
    lines = probe.read_text().splitlines()
    assert len(lines) == 4 and all(line.endswith("committed=True leased=True") for line in lines), lines
    server = redis.Redis.from_url(redis_url)
    assert not list(server.scan_iter("harvest:urls:leases:*"))  # and all acknowledged by the end
