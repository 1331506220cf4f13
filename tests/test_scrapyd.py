"""Scrapyd end to end: a real server on 127.0.0.1, deployed with scrapyd-deploy, one job per check.

The server gets its own config (eggs, logs, dbs and jobs directories under a temp dir);
the `article` spider is scheduled against the loopback fixture site with ARCHIVE_DB and
WARC_DIR passed as job settings, exactly as docs/scheduling.md tells users to.
"""
from __future__ import annotations

import importlib.util
import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

from fixtures.loader import iter_cases
from fixtures.site import FixtureSite
from tests.conftest import ROOT

pytest.importorskip("scrapyd", reason="Scrapyd is not installed (the test extra: pip install -e '.[test]')")
pytest.importorskip("scrapyd_client", reason="scrapyd-client is not installed (the test extra)")
if importlib.util.find_spec("pkg_resources") is None:  # Scrapyd 1.6's runner loads eggs with it
    pytest.skip("setuptools >= 81 has no pkg_resources, which Scrapyd 1.6 needs (make install pins <81)",
                allow_module_level=True)

FAST = ["DOWNLOAD_DELAY=0", "AUTOTHROTTLE_ENABLED=False", "RETRY_ENABLED=False"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Scrapyd:
    url: str
    home: Path
    log: Path

    def get(self, endpoint: str, **params: str) -> dict:
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        with urllib.request.urlopen(self.url + endpoint + query, timeout=30) as response:
            return json.load(response)

    def post(self, endpoint: str, fields: list[tuple[str, str]]) -> dict:
        data = urllib.parse.urlencode(fields).encode()
        with urllib.request.urlopen(self.url + endpoint, data, timeout=30) as response:
            return json.load(response)

    def wait_finished(self, job: str, limit: float = 180.0) -> dict:
        """Poll listjobs.json until `job` is finished (a bound on waiting, not a timing check)."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            done = [j for j in self.get("listjobs.json", project="harvester")["finished"] if j["id"] == job]
            if done:
                return done[0]
            time.sleep(0.5)
        raise AssertionError(f"job {job} not finished after {limit}s; server log:\n{self.log.read_text()[-3000:]}")

    def job_log(self, job: str, spider: str = "article") -> str:
        return (self.home / "logs" / "harvester" / spider / f"{job}.log").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def scrapyd(tmp_path_factory) -> Iterator[Scrapyd]:
    home = tmp_path_factory.mktemp("scrapyd")
    port = free_port()
    (home / "scrapyd.conf").write_text(f"""[scrapyd]
bind_address = 127.0.0.1
http_port = {port}
eggs_dir = {home / 'eggs'}
logs_dir = {home / 'logs'}
dbs_dir = {home / 'dbs'}
jobs_dir = {home / 'jobs'}
items_dir =
poll_interval = 0.5
""")
    log = home / "scrapyd.log"
    with open(log, "wb") as out:  # Scrapyd reads ./scrapyd.conf: it starts in `home`
        process = subprocess.Popen([sys.executable, "-m", "scrapyd"], cwd=home, stdout=out,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    server = Scrapyd(f"http://127.0.0.1:{port}/", home, log)
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail(f"Scrapyd exited ({process.returncode}):\n{log.read_text()[-3000:]}")
            try:
                if server.get("daemonstatus.json")["status"] == "ok":
                    break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"Scrapyd did not answer on {server.url}:\n{log.read_text()[-3000:]}")
                time.sleep(0.3)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def deploy(server: Scrapyd, *args: str) -> subprocess.CompletedProcess:
    """`make scrapyd-deploy SCRAPYD_URL=...`, i.e. our wrapper around scrapyd-deploy."""
    env = {**os.environ, "SCRAPYD_URL": server.url}
    return subprocess.run([sys.executable, "-m", "harvester.scrapyd_deploy", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def deployed(scrapyd: Scrapyd) -> Scrapyd:
    result = deploy(scrapyd)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "deployed harvester version " in result.stdout and "with 4 spiders" in result.stdout
    return scrapyd


def test_the_deployed_egg_lists_every_spider(deployed: Scrapyd) -> None:
    spiders = deployed.get("listspiders.json", project="harvester")
    assert spiders["status"] == "ok" and sorted(spiders["spiders"]) == ["article", "feed", "index", "sitemap"]


def test_a_refused_egg_fails_the_deploy(scrapyd: Scrapyd, tmp_path: Path) -> None:
    broken = tmp_path / "broken.egg"
    broken.write_bytes(b"this is not a zip file\n")
    # scrapyd-deploy alone exits 0 here: Scrapyd answers HTTP 200 with {"status": "error"}.
    result = deploy(scrapyd, "env", "--egg", str(broken), "--version", "broken-1")
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stderr.startswith("Scrapyd refused the egg: ") and "ZIP" in result.stderr
    versions = scrapyd.get("listversions.json", project="harvester")["versions"]
    assert "broken-1" not in versions


def test_a_scheduled_job_archives_articles_and_warcs_with_its_own_jobdir(deployed: Scrapyd, tmp_path: Path) -> None:
    cases = [c for c in iter_cases() if c.truth["status"] == "article"][:4]
    db = tmp_path / "not" / "yet" / "archive.db"  # a directory that does not exist: the job creates it
    warcs = tmp_path / "warcs"
    with FixtureSite() as site:
        urls = [site.local_url(case.meta["url"]) for case in cases]
        job = deployed.post("schedule.json", [
            ("project", "harvester"), ("spider", "article"), ("urls", " ".join(urls)), ("source", "scrapyd-test"),
            ("setting", f"ARCHIVE_DB={db}"), ("setting", f"WARC_DIR={warcs}"),
            *[("setting", s) for s in FAST]])
        assert job["status"] == "ok", job
        deployed.wait_finished(job["jobid"])
    log = deployed.job_log(job["jobid"])
    assert "Spider closed (finished)" in log and "Traceback" not in log, log[-3000:]
    with sqlite3.connect(db) as conn:
        titles = {row[0] for row in conn.execute("select title from articles")}
        crawl = conn.execute("select source, ended_at, error from crawls").fetchall()
    assert titles == {case.truth["title"] for case in cases}
    assert len(crawl) == 1 and crawl[0][0] == "scrapyd-test" and crawl[0][1] and crawl[0][2] is None
    assert list(warcs.glob("*.warc.gz")), "no WARC file written"
    # jobs_dir gives every job its own JOBDIR: <jobs_dir>/<project>/<spider>/<job id>
    assert (deployed.home / "jobs" / "harvester" / "article" / job["jobid"] / "requests.seen").is_file()


def test_a_job_whose_archive_cannot_be_created_refuses_clearly(deployed: Scrapyd, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("in the way\n")
    db = blocker / "archive.db"  # its directory would have to be a file's child
    with FixtureSite() as site:
        url = site.local_url(next(c for c in iter_cases() if c.truth["status"] == "article").meta["url"])
        job = deployed.post("schedule.json", [
            ("project", "harvester"), ("spider", "article"), ("urls", url),
            ("setting", f"ARCHIVE_DB={db}"), ("setting", f"WARC_DIR={tmp_path / 'warcs'}"),
            *[("setting", s) for s in FAST]])
        deployed.wait_finished(job["jobid"])
        fetched = list(site.requests)
    log = deployed.job_log(job["jobid"])
    assert f"ArchiveUnavailable: ARCHIVE_DB {db}: cannot create its directory" in log, log[-3000:]
    assert fetched == [], "the job fetched pages it could not archive"
