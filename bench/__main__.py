"""`python -m bench` (or `make bench`): extraction cost against bare trafilatura.

Prints, per fixture page and in total, the median time of our `extract()` and of
`trafilatura.bare_extraction(…, with_metadata=True)` on the same bytes, and their ratio;
then the same, summed up, over the real pages beside the checkout (../shared/realbench and
../shared/corpus, or $HARVEST_SHARED) when they are there. The target is a median ratio of
at most 1.3 on real pages. Timings live here, never in tests.
"""
from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import trafilatura

from evaluation.cases import SHARED_DIR
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


def timings(path: Path, repeat: int) -> tuple[float, float]:
    """(ours, bare trafilatura) median seconds for one saved page."""
    body = path.read_bytes()
    page = Page(body=body, url="https://example.org/article")
    ours = median_seconds(lambda: extract(page), repeat)
    bare = median_seconds(lambda: trafilatura.bare_extraction(body, url=page.url, with_metadata=True), repeat)
    return ours, bare


def real_pages(shared: Path) -> list[Path]:
    """The real pages kept beside the checkout: the benchmark's originals and the corpus."""
    found = sorted((shared / "realbench").glob("*/original/*.html"))
    return found + sorted(p for p in (shared / "corpus").glob("*/*.html") if "expected" not in p.name)


def summary(label: str, rows: list[tuple[float, float]]) -> str:
    ours = [o for o, _ in rows]
    bare = [b for _, b in rows]
    ratios = [o / b for o, b in rows if b]
    return (f"{label}: {len(rows)} pages, median {statistics.median(ours) * 1000:.1f} ms (ours) vs "
            f"{statistics.median(bare) * 1000:.1f} ms (bare trafilatura), median ratio "
            f"{statistics.median(ratios):.2f}, total ratio {sum(ours) / sum(bare):.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--real-repeat", type=int, default=3, help="repeats per real page")
    parser.add_argument("--no-real", action="store_true", help="skip the real pages beside the checkout")
    parser.add_argument("pages", nargs="*", type=Path, help="HTML files (default: every fixture page)")
    args = parser.parse_args()
    paths = args.pages or sorted(FIXTURES.glob("*/page.html"))
    print(f"{'page':48} {'ours ms':>9} {'trafilatura ms':>15} {'ratio':>6}")
    rows = []
    for path in paths:
        ours, bare = timings(path, args.repeat)
        rows.append((ours, bare))
        name = path.parent.name if path.name == "page.html" else path.name
        print(f"{name[:48]:48} {ours * 1000:9.1f} {bare * 1000:15.1f} {ours / bare:6.2f}")
    if rows:
        ours_total, bare_total = sum(o for o, _ in rows), sum(b for _, b in rows)
        print(f"{'TOTAL':48} {ours_total * 1000:9.1f} {bare_total * 1000:15.1f} {ours_total / bare_total:6.2f}")
        print(f"extraction throughput: {len(paths) / ours_total:.1f} pages/s (ours), "
              f"{len(paths) / bare_total:.1f} pages/s (bare trafilatura)")
        print(summary("fixture pages", rows))
    real = [] if args.pages or args.no_real else real_pages(SHARED_DIR)
    if real:
        print(summary(f"real pages ({SHARED_DIR})", [timings(p, args.real_repeat) for p in real]))
    elif not args.pages and not args.no_real:
        print(f"real pages: none beside the checkout ({SHARED_DIR}), skipped")


if __name__ == "__main__":
    main()
