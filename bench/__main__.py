"""`python -m bench` (or `make bench`): extraction cost against bare trafilatura.

Prints, per fixture page and in total, the median time of our `extract()` and of
`trafilatura.bare_extraction` on the same bytes, and their ratio. The contract for
issue 3 is a ratio of at most 1.5 on a typical page. Timings live here, never in tests.
"""
from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import trafilatura

from harvester.extract import extract
from harvester.page import Page

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "pages"


def median_seconds(func, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("pages", nargs="*", type=Path, help="HTML files (default: every fixture page)")
    args = parser.parse_args()
    paths = args.pages or sorted(FIXTURES.glob("*/page.html"))
    print(f"{'page':48} {'ours ms':>9} {'trafilatura ms':>15} {'ratio':>6}")
    ours_total = bare_total = 0.0
    for path in paths:
        body = path.read_bytes()
        page = Page(body=body, url="https://example.org/article")
        ours = median_seconds(lambda: extract(page), args.repeat)
        bare = median_seconds(lambda: trafilatura.bare_extraction(body, url=page.url, with_metadata=True),
                              args.repeat)
        ours_total += ours
        bare_total += bare
        name = path.parent.name if path.name == "page.html" else path.name
        print(f"{name[:48]:48} {ours * 1000:9.1f} {bare * 1000:15.1f} {ours / bare:6.2f}")
    if paths:
        print(f"{'TOTAL':48} {ours_total * 1000:9.1f} {bare_total * 1000:15.1f} {ours_total / bare_total:6.2f}")
        print(f"extraction throughput: {len(paths) / ours_total:.1f} pages/s (ours), "
              f"{len(paths) / bare_total:.1f} pages/s (bare trafilatura)")


if __name__ == "__main__":
    main()
