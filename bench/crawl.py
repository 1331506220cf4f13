"""`python -m bench.crawl`: end-to-end crawl throughput and memory on the loopback fixture site.

Serves fixtures/pages on 127.0.0.1 under several /mirror/N/ prefixes (so there are more
distinct URLs than pages), crawls them with `harvest crawl` into a throwaway archive,
and prints pages/s, WARC bytes written and the crawl process's peak RSS. Politeness is
switched off: this measures our pipeline, not the delays we owe real sites.
"""
from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from fixtures.loader import iter_cases
from fixtures.site import FixtureSite, mirrored


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=5, help="times each page is crawled under a new URL")
    args = parser.parse_args()
    cases = [c for c in iter_cases() if c.truth["status"] == "article"]
    with FixtureSite() as site, tempfile.TemporaryDirectory() as tmp:
        urls = []
        for copy in range(args.copies):
            for case in cases:
                urls.append(mirrored(site.local_url(case.meta["url"]), copy))
        work = Path(tmp)
        start = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-m", "harvester.cli", "crawl", *urls, "--db", str(work / "a.db"),
             "--warc-dir", str(work / "warcs"), "--quiet", "-s", "DOWNLOAD_DELAY=0",
             "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8",
             "-s", "HARVEST_BACKOFF_ENABLED=False"], capture_output=True, text=True)
        elapsed = time.perf_counter() - start
        peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        warc_bytes = sum(p.stat().st_size for p in (work / "warcs").glob("*.warc.gz"))
    print(result.stdout.strip())
    if result.returncode:
        print(result.stderr.strip(), file=sys.stderr)
    print(f"crawl: {len(urls)} article URLs in {elapsed:.1f} s = {len(urls) / elapsed:.1f} pages/s "
          f"(process start included); WARC {warc_bytes / 1024:.0f} KiB; peak RSS {peak_kib / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
