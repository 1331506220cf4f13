"""What the browser tests share: an archive replayed from the fixture site, `harvest serve`
on it, and headless Debian Chromium driven by Playwright.

`harvest serve` runs for real (a subprocess on a free loopback port) over an archive
rebuilt from the recorded fixture site (`harvest replay fixtures/site.warc.gz`). Playwright
drives the system's /usr/bin/chromium (`make test` installs it with apt; nothing here
downloads a browser). Importing this module skips the importing test module, saying why,
when Chromium or the playwright package is missing. Screenshots go to test-output/.
"""
from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from fixtures.loader import UPDATES_DIR, iter_cases
from fixtures.record import write_site_warc

from .conftest import ROOT, run_harvest

CHROMIUM = Path(os.environ.get("HARVEST_TEST_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
OUTPUT = ROOT / "test-output"
FIXTURE_WARC = ROOT / "fixtures" / "site.warc.gz"
DB_NAME = "news"  # not "archive": serve must re-key the shipped metadata to the file's name

if not CHROMIUM.is_file() or not os.access(CHROMIUM, os.X_OK):
    pytest.skip(f"{CHROMIUM} not installed (make test installs Debian's chromium with apt-get; "
                "run `apt-get install chromium` as root)", allow_module_level=True)
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright not installed (pip install -e '.[test]')")


def truth_for(title: str) -> dict:
    for case in iter_cases():
        if title in (case.truth.get("title"), case.truth.get("title_en"), case.truth.get("title_zh")):
            return case.truth
    raise LookupError(title)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def db_rows(db: Path, sql: str, *params) -> list[sqlite3.Row]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def archive_db(tmp_path_factory) -> Path:
    """The fixture site replayed into a fresh archive (WARC pointers name the absolute path),
    then fixtures/updates, which changes some of its articles."""
    directory = tmp_path_factory.mktemp("browser")
    db = directory / f"{DB_NAME}.db"
    result = run_harvest("replay", str(FIXTURE_WARC), "--db", str(db), timeout=120)
    assert result.returncode == 0, result.stderr
    # Then the later versions of some pages (fixtures/updates): version 2 of those articles.
    updates = directory / "updates.warc.gz"
    write_site_warc(updates, pages=UPDATES_DIR)
    result = run_harvest("replay", str(updates), "--db", str(db), timeout=120)
    assert result.returncode == 0 and "changed 1," in result.stdout + result.stderr, result.stderr
    return db


def wait_until_serving(base: str, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"harvest serve exited early ({process.returncode}): "
                               f"{process.stderr.read() if process.stderr else ''}")
        try:
            with urllib.request.urlopen(base + "/-/versions.json", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"harvest serve did not answer on {base} within {timeout}s")
        time.sleep(0.1)  # polling interval, not an assertion


@pytest.fixture(scope="module")
def server(archive_db: Path, tmp_path_factory) -> str:
    """`harvest serve` on a free loopback port; its base URL. Killed (whole group) afterwards."""
    port = free_port()
    warcs = tmp_path_factory.mktemp("warcs")  # empty: replay's pointers are absolute paths
    process = subprocess.Popen(
        [sys.executable, "-m", "harvester.cli", "serve", "--db", str(archive_db),
         "--warc-dir", str(warcs), "--port", str(port)],
        cwd=archive_db.parent, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        start_new_session=True)  # its own process group: `serve` runs Datasette as a child
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(base, process)
        yield base
    finally:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(process.pid, sig)
            except ProcessLookupError:
                break
            try:
                process.wait(timeout=10)
                break
            except subprocess.TimeoutExpired:
                continue
        if process.stderr:
            process.stderr.close()


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser, server):
    """A fresh page that may reach the server only: archived pages' images etc. are refused."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    host = urlsplit(server).netloc

    def only_loopback(route):
        if urlsplit(route.request.url).netloc == host:
            route.continue_()
        else:
            route.abort()

    context.route("**/*", only_loopback)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


def screenshot(page, name: str, full_page: bool = True) -> Path:
    OUTPUT.mkdir(exist_ok=True)
    path = OUTPUT / name
    page.screenshot(path=str(path), full_page=full_page)
    return path


def box(locator) -> dict:
    b = locator.bounding_box()
    assert b is not None, f"{locator} is not laid out"
    return b
