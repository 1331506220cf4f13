"""Which text bare trafilatura keeps that our body drops, page by page, and what we keep beyond a person's answer.

Recall first: a line of trafilatura's text whose tokens are mostly absent from our output is
a loss, and each loss needs a name. The tool names the step that took it when it can (a
boilerplate rule that matches the line, a line reported in ``removed``, a page we classed as
no article) and says ``not in our blocks`` otherwise (the body finder chose other nodes).
On a benchmark with answers (``cleaned/``) it also lists the lines we keep whose tokens the
person's answer lacks: the precision side.

    python -m evaluation.diff [--corpus DIR] [--realbench DIR] [--page NAME] [--extra]
"""
from __future__ import annotations

import argparse
import collections
import sys
from dataclasses import dataclass, field
from pathlib import Path

from evaluation.cases import CORPUS_TRUTH_DIR, read_json
from evaluation.realbench import tokens
from harvester.extract import extract
from harvester.extract.cleaning import drop_reason, is_tail_heading, parse_credits
from harvester.extract.rules import RULES
from harvester.page import Page

LOST_SHARE = 0.5  # a line is lost when less than this share of its tokens is in our output
MIN_TOKENS = 4  # shorter lines (a lone label, a date) are not counted


@dataclass
class PageDiff:
    name: str
    status: str
    reason: str
    lost: list[tuple[str, str]] = field(default_factory=list)  # (line, why)
    extra: list[str] = field(default_factory=list)  # our lines the answer lacks


def _ours(body: bytes, url: str, content_type: str = "") -> dict:

    headers = {"content-type": content_type} if content_type else {}
    article = extract(Page.from_headers(body, url, headers))
    return article.to_dict() | {"status_reason": article.status_reason}


def _trafilatura_lines(body: bytes, url: str | None) -> list[str]:
    import trafilatura

    doc = trafilatura.bare_extraction(body, url=url, with_metadata=True)
    text = (getattr(doc, "text", None) or "") if doc is not None else ""
    return [line.strip() for line in text.split("\n") if line.strip()]


def _why(line: str, removed: list[str]) -> str:
    """Name the step that dropped a line: the boilerplate rule that matches it, else where it went."""
    compact = "".join(line.split())
    name = drop_reason(line, RULES, 0.5)
    if name:
        return f"rule {name}"
    if is_tail_heading(line, RULES):
        return "tail heading"
    if parse_credits(line, RULES):
        return "credit line"
    if any(compact and compact in "".join(r.split()) for r in removed):
        return "in removed (after a tail heading / link list / lift)"
    return "not in our blocks"


def diff_page(name: str, body: bytes, url: str, content_type: str = "", gold: str | None = None,
              traf_url: str | None = None) -> PageDiff:
    out = _ours(body, url, content_type)
    ours_text = (out.get("title") or "") + "\n" + "\n".join(p["text"] for p in out.get("paragraphs") or [])
    have = tokens(ours_text)
    result = PageDiff(name, out.get("status") or "", out.get("status_reason") or "")
    for line in _trafilatura_lines(body, traf_url):
        want = tokens(line)
        n = sum(want.values())
        if n < MIN_TOKENS:
            continue
        if sum((want & have).values()) < LOST_SHARE * n:
            why = "page not kept" if result.status != "article" else _why(line, out.get("removed") or [])
            result.lost.append((line, why))
    if gold is not None:
        wanted = tokens(gold)
        for p in out.get("paragraphs") or []:
            got = tokens(p["text"])
            n = sum(got.values())
            if n >= MIN_TOKENS and sum((got & wanted).values()) < LOST_SHARE * n:
                result.extra.append(p["text"])
    return result


def corpus_diffs(corpus: Path) -> list[PageDiff]:
    """Every page of the corpus, at the URL its truth file gives (as `harvest eval --corpus` does)."""
    urls = {}
    for f in CORPUS_TRUTH_DIR.rglob("*.json"):
        truth = read_json(f)
        urls[truth.get("path")] = truth.get("url") or ""
    pages = sorted(p for p in corpus.rglob("*") if p.suffix in (".html", ".htm") and p.is_file())
    out = []
    for p in pages:
        rel = str(p.relative_to(corpus))
        url = urls.get(rel, "")
        out.append(diff_page(rel, p.read_bytes(), url, traf_url=url or None))
    return out


def bench_diffs(bench: Path) -> list[PageDiff]:
    out = []
    for page in sorted((bench / "original").iterdir()):
        gold = (bench / "cleaned" / f"{page.stem}.txt").read_text(encoding="utf-8", errors="replace")
        out.append(diff_page(page.stem, page.read_bytes(), f"http://realbench.example/{page.stem}.html",
                             gold=gold))
    return out


def report(diffs: list[PageDiff], extra: bool, stream=sys.stdout) -> None:
    kinds = collections.Counter()
    for d in diffs:
        if not d.lost and not (extra and d.extra) and d.status == "article":
            continue
        print(f"{d.name}  [{d.status}: {d.reason}]", file=stream)
        for line, why in d.lost:
            kinds[why.split(" (")[0]] += 1
            print(f"  - LOST ({why}): {line[:90]}", file=stream)
        if extra:
            for line in d.extra:
                print(f"  + EXTRA: {line[:90]}", file=stream)
    pages = sum(1 for d in diffs if d.lost)
    print(f"{len(diffs)} pages, {pages} with lines trafilatura keeps and we drop; "
          f"not kept as articles: {sum(d.status != 'article' for d in diffs)}", file=stream)
    for why, n in kinds.most_common():
        print(f"  {n:4d}  {why}", file=stream)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path)
    parser.add_argument("--realbench", type=Path)
    parser.add_argument("--page", help="only pages whose name contains this")
    parser.add_argument("--extra", action="store_true", help="also list our lines the answer lacks (benchmarks)")
    args = parser.parse_args(argv)
    diffs: list[PageDiff] = []
    if args.corpus:
        diffs += corpus_diffs(args.corpus)
    if args.realbench:
        diffs += bench_diffs(args.realbench)
    if args.page:
        diffs = [d for d in diffs if args.page in d.name]
    report(diffs, args.extra)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
