"""`python -m bench.copies`: how well copy detection separates copies from different
stories (the threshold study), and what it costs at 100,000 articles.

**Study** (`--study`, the default runs both). The articles: every fixture page, the
unseen holdout pages, and, where `../shared` is present, the real pages of the shared
corpus and realbench (read in place, extracted by `harvest`'s extractor; only figures
are printed). Different stories: every pair of them except the fixture copies. Copies:
the fixture copy pairs, and for every article several republications made the way
portals make them, each rendered into another site's template and extracted again:
the same paragraphs (`template`), a dateline and an editor's note added (`dateline`),
the first 60 % only (`excerpt`), a paragraph dropped, one from another story added
and 3 % of the characters changed (`edited`), one language of a bilingual article
(`one-language`). For each threshold: copies found (similarity at or above it and an
LSH bucket shared), copies missed, different stories called copies; precision, recall.

**Scale** (`--articles N`, default 100,000). Synthetic articles with text drawn from the
fixture pages' own characters and words (every article different, 60 % Chinese, 40 %
bilingual), 1 % of them republications of an earlier one. Rows go straight into
`articles`; then each article is detected in storing order, as `Archive.store_article`
does, timed, with the candidates compared per article and the size of the bucket table.
Storing itself (FTS, paragraphs, pairs) is timed on a sample for proportion.

Timings live here, never in tests.
"""
from __future__ import annotations

import argparse
import itertools
import os
import random
import sqlite3
import statistics
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from html import escape
from pathlib import Path

from archive import Archive, copies
from fixtures.loader import PAGES_DIR, iter_cases
from harvester.extract import extract
from harvester.extract.errors import ExtractionError
from harvester.page import Page

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
# The fixture pages written as copies of another fixture page: (copy, original).
FIXTURE_COPIES = [("portal-dute-seed-innovation-camp-repost", "wechat-2024-seed-innovation-camp"),
                  ("portal-longhua-news-sign-language-desk-copy", "wechat-2024-longhua-sign-language-desk-en-zh")]
# Pages of the shared corpus that hold one story twice: a test suite's input page and its
# expected output (`x_source.html` / `x_expected.html`), and two listed duplicates (found
# by this study, checked by eye). Every other pair of different pages is a different story.
SHARED_SAME_STORY = [("corpus:gne-cn-news/thepaper_2.html", "corpus:gne-cn-news/thepaper_4.html"),
                     ("corpus:goose3-cn/test_bbc_chinese.html", "corpus:newspaper4k-cn/chinese_article.html")]
THRESHOLDS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
TEMPLATE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}-城市新闻网</title></head>
<body><div class="top"><a href="/">首页</a> | <a href="/news/">新闻</a> | <a href="/app/">客户端</a></div>
<div class="main"><h1 class="news-title">{title}</h1>
<div class="news-info">2024-07-01 10:00　来源：城市新闻网　作者：本网记者</div>
<div class="news-body">{body}</div><div class="editor">【责任编辑：林一】</div>
<div class="related"><h4>相关新闻</h4><ul><li><a href="/n/1.html">本网其他报道一则</a></li></ul></div></div>
<div class="footer">城市新闻网版权所有 未经许可不得转载</div></body></html>"""
DATELINE = {"zh": "本网讯（记者 林一）", "en": "SHENZHEN, July 1 (City News) -- "}
NOTE = {"zh": "编者按：本文经授权转载，标题和部分内容有删改。",
        "en": "Editor's note: this story is republished with permission and has been edited for length."}


@dataclass
class Item:
    name: str
    title: str
    paragraphs: list[dict]
    texts: dict[str, str]

    def grams(self) -> dict[str, set[str]]:
        return {lang: copies.shingles(self.texts.get(lang, ""), lang) for lang in copies.LANGS}


def _item(name: str, article: dict) -> Item | None:
    if article.get("status") != "article":
        return None
    texts = {"zh": article.get("text_zh") or "", "en": article.get("text_en") or ""}
    item = Item(name, article.get("title") or "", article.get("paragraphs") or [], texts)
    return item if any(item.grams().values()) else None


def _extract(body: bytes, url: str, content_type: str = "text/html") -> dict | None:
    try:
        return extract(Page.from_headers(body, url, {"content-type": content_type})).to_dict()
    except ExtractionError:
        return None


def pool(shared: Path = SHARED) -> tuple[list[Item], Counter]:
    """Every article we may measure on, and how many came from where."""
    items, origin = [], Counter()
    dirs = [PAGES_DIR, *sorted((ROOT / "fixtures").glob("holdout*"))]
    for directory in dirs:
        for case in iter_cases(directory):
            found = _item(case.name, _extract(case.body, case.url, case.content_type) or {})
            if found:
                items.append(found)
                origin["fixtures" if directory == PAGES_DIR else "holdouts"] += 1
    for label, pattern in (("corpus", "corpus/*/*.html"), ("realbench", "realbench/*/original/*.html")):
        for path in sorted(shared.glob(pattern)):
            found = _item(f"{label}:{path.parent.name}/{path.name}",
                          _extract(path.read_bytes(), f"https://{label}.example/{path.stem}.html") or {})
            if found:
                items.append(found)
                origin[label] += 1
    return items, origin


# -- republications -----------------------------------------------------------------------

def _render(title: str, paragraphs: list[tuple[str, str]]) -> dict | None:
    """Paragraphs (lang, text) in another site's template, extracted again."""
    body = "".join(f"<p>{escape(text)}</p>" for _, text in paragraphs)
    html = TEMPLATE.format(title=escape(title), body=body)
    return _extract(html.encode("utf-8"), "https://city-news.example/n/2024/0701/1.html")


def _mutate(text: str, rate: float, rng: random.Random, alphabet: str) -> str:
    chars = list(text)
    for i in rng.sample(range(len(chars)), int(len(chars) * rate)):
        chars[i] = rng.choice(alphabet)
    return "".join(chars)


def republications(item: Item, others: list[Item], rng: random.Random) -> dict[str, Item]:
    """The ways a portal republishes `item` (see the module docstring), extracted again."""
    paras = [(p["lang"], p["text"]) for p in item.paragraphs if p.get("role", "body") == "body"]
    if len(paras) < 2:
        return {}
    langs = {lang for lang, _ in paras}
    lead = "zh" if "zh" in langs else "en"
    variants: dict[str, list[tuple[str, str]]] = {"template": paras}
    variants["dateline"] = [(paras[0][0], DATELINE[lead] + paras[0][1])] + paras[1:] + [(lead, NOTE[lead])]
    variants["excerpt"] = paras[:max(1, round(len(paras) * 0.6))]
    donor = rng.choice(others)
    extra = [(p["lang"], p["text"]) for p in donor.paragraphs if p.get("role", "body") == "body"][:1]
    kept = [p for k, p in enumerate(paras) if k != len(paras) // 2]
    alphabet = "".join(sorted({c for _, t in paras for c in t if not c.isspace()}))
    variants["edited"] = [(lang, _mutate(text, 0.03, rng, alphabet)) for lang, text in kept] + extra
    if {"zh", "en"} <= langs:
        variants["one-language"] = [(lang, text) for lang, text in paras if lang == "zh"]
    out = {}
    for kind, parts in variants.items():
        article = _render(item.title, parts)
        found = _item(f"{item.name}~{kind}", article or {})
        if found:
            out[kind] = found
    return out


def _score(a: dict[str, set[str]], b: dict[str, set[str]]) -> tuple[float, str]:
    return max(((copies.jaccard(a[lang], b[lang]), lang) for lang in copies.LANGS), default=(0.0, "zh"))


def _share_bucket(a: set[str], b: set[str], lang: str) -> bool:
    sa, sb = copies.signature(a), copies.signature(b)
    return bool(sa and sb and set(copies.buckets(sa, lang)) & set(copies.buckets(sb, lang)))


def study(seed: int = 1, shared: Path = SHARED) -> None:
    started = time.perf_counter()
    items, origin = pool(shared)
    rng = random.Random(seed)
    grams = {item.name: item.grams() for item in items}
    by_name = {item.name: item for item in items}
    print(f"threshold study: {len(items)} articles ({', '.join(f'{k} {v}' for k, v in sorted(origin.items()))}); "
          f"shingles zh {copies.SHINGLE['zh']} / en {copies.SHINGLE['en']} characters, "
          f"MinHash {copies.PERMUTATIONS} = {copies.BANDS} bands x {copies.ROWS} rows")
    if not (shared / "corpus").is_dir():
        print(f"  ({shared} absent: fixtures and holdouts only)")
    same = {frozenset(pair): "fixture copy" for pair in FIXTURE_COPIES}
    same.update({frozenset(pair): "corpus duplicate" for pair in SHARED_SAME_STORY})
    for name in by_name:
        if name.endswith("_expected.html") and name.replace("_expected.html", "_source.html") in by_name:
            same[frozenset((name, name.replace("_expected.html", "_source.html")))] = "corpus duplicate"
    negatives = []
    positives: list[tuple[str, float, bool]] = []
    for a, b in itertools.combinations(items, 2):
        score, lang = _score(grams[a.name], grams[b.name])
        kind = same.get(frozenset((a.name, b.name)))
        if kind:
            positives.append((kind, score, _share_bucket(grams[a.name][lang], grams[b.name][lang], lang)))
        else:
            negatives.append((a.name, b.name, score, lang))
    for item in items:
        for kind, variant in republications(item, items, rng).items():
            vg = variant.grams()
            score, lang = _score(grams[item.name], vg)
            positives.append((kind, score, _share_bucket(grams[item.name][lang], vg[lang], lang)))
    kinds = Counter(kind for kind, _, _ in positives)
    print(f"  different stories: {len(negatives)} pairs; copies: {len(positives)} "
          f"({', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))})")
    print(f"  LSH puts {sum(b for _, _, b in positives) / len(positives):.3f} of the copies in a shared bucket")
    print(f"  {'threshold':>9} {'found':>6} {'missed':>6} {'false':>6} {'precision':>9} {'recall':>7}")
    for t in THRESHOLDS:
        tp = sum(1 for _, s, bucket in positives if s >= t and bucket)
        fn = len(positives) - tp
        fp = sum(1 for *_, s, _ in negatives if s >= t)
        precision = tp / (tp + fp) if tp + fp else 1.0
        mark = "  <- copies.THRESHOLD" if abs(t - copies.THRESHOLD) < 1e-9 else ""
        print(f"  {t:>9.2f} {tp:>6} {fn:>6} {fp:>6} {precision:>9.3f} {tp / len(positives):>7.3f}{mark}")
    print("  recall at the threshold by kind: " + ", ".join(
        f"{kind} {sum(1 for k, s, b in positives if k == kind and s >= copies.THRESHOLD and b) / n:.2f}"
        for kind, n in sorted(kinds.items())))
    worst = sorted(negatives, key=lambda n: -n[2])[:3]
    print("  most alike different stories: " + "; ".join(f"{s:.3f} ({lang}) {a} / {b}" for a, b, s, lang in worst))
    missed = sorted((s, k) for k, s, b in positives if s < copies.THRESHOLD or not b)[:5]
    print("  least alike copies missed: " + (", ".join(f"{s:.3f} {k}" for s, k in missed) or "none"))
    print(f"  ({time.perf_counter() - started:.0f} s)")


# -- scale -----------------------------------------------------------------------------------

class TextModel:
    """Characters and words in the proportions of the fixture pages' own text."""

    def __init__(self) -> None:
        zh, en = Counter(), Counter()
        for case in iter_cases():
            expected = case.expected or {}
            zh.update(c for c in expected.get("text_zh") or "" if "\u4e00" <= c <= "\u9fff")
            en.update(w.strip(".,;:“”\"'()").lower() for w in (expected.get("text_en") or "").split())
        en.pop("", None)
        self.zh_chars, self.zh_weights = list(zh), list(itertools.accumulate(zh.values()))
        self.en_words, self.en_weights = list(en), list(itertools.accumulate(en.values()))

    def zh(self, rng: random.Random, n: int) -> list[str]:
        """n Chinese paragraphs of 40-160 characters, each sentence closed by 。"""
        out = []
        for _ in range(n):
            chars = rng.choices(self.zh_chars, cum_weights=self.zh_weights, k=rng.randint(40, 160))
            for k in range(rng.randint(10, 25), len(chars), rng.randint(15, 30)):
                chars[k] = "，"
            out.append("".join(chars) + "。")
        return out

    def en(self, rng: random.Random, n: int) -> list[str]:
        return [" ".join(rng.choices(self.en_words, cum_weights=self.en_weights, k=rng.randint(18, 45))).capitalize()
                + "."
                for _ in range(n)]


def _synthetic(model: TextModel, rng: random.Random, k: int) -> dict:
    n = rng.randint(4, 12)
    zh = model.zh(rng, n)
    en = model.en(rng, n) if rng.random() < 0.4 else []
    host = "mp.weixin.qq.com/s?__biz=Mz" if rng.random() < 0.5 else "www.portal-{}.example/a/".format(k % 50)
    return {"url": f"https://{host}{k}", "title": zh[0][:20], "published": f"2024-{1 + k % 12:02d}-{1 + k % 28:02d}",
            "text_zh": "\n".join(zh), "text_en": "\n".join(en), "zh": zh, "en": en}


def _copy_of(original: dict, rng: random.Random, k: int) -> dict:
    zh = [("本网讯 " + p) if i == 0 else p for i, p in enumerate(original["zh"]) if i != len(original["zh"]) // 2]
    return {**original, "url": f"https://www.republisher.example/a/{k}", "published": "2025-01-01",
            "text_zh": "\n".join(zh), "text_en": "", "zh": zh, "en": []}


def scale(n: int, seed: int = 2, sample: int = 2000) -> None:
    model = TextModel()
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="bench-copies-") as tmp:
        path = Path(tmp) / "archive.db"
        archive = Archive(path)
        conn = archive.conn
        started = time.perf_counter()
        articles, planted = [], set()
        for k in range(n):
            if k > 100 and rng.random() < 0.01:
                source = rng.randrange(k)
                articles.append(_copy_of(articles[source], rng, k))
                planted.add((k + 1, source + 1))  # row ids are k + 1
            else:
                articles.append(_synthetic(model, rng, k))
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO articles (id, canonical_url, url, title, published, text_zh, text_en, content_hash) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(k + 1, a["url"], a["url"], a["title"], a["published"], a["text_zh"], a["text_en"], str(k))
             for k, a in enumerate(articles)])
        conn.execute("COMMIT")
        print(f"scale: {n:,} synthetic articles ({len(planted)} planted copies) generated in "
              f"{time.perf_counter() - started:.0f} s; detecting in storing order")
        size_before = _db_size(path)
        per_article, candidates = [], []
        checkpoints = {n // 10 * i for i in range(1, 11)}
        conn.execute("BEGIN")
        for k in range(1, n + 1):
            t0 = time.perf_counter()
            before = _compared
            _count_candidates(True)
            copies.refresh(conn, k)
            per_article.append(time.perf_counter() - t0)
            candidates.append(_compared - before)
            if k in checkpoints:
                conn.execute("COMMIT")
                window = per_article[-max(1, n // 10):]
                print(f"  {k:>9,} stored: {statistics.mean(window) * 1000:6.2f} ms/article over the last "
                      f"{len(window):,} (median {statistics.median(window) * 1000:.2f}), "
                      f"{statistics.mean(candidates[-len(window):]):.2f} candidates compared each")
                conn.execute("BEGIN")
        conn.execute("COMMIT")
        _count_candidates(False)
        found = {tuple(r) for r in conn.execute("SELECT article_id, original_id FROM copies")}
        family = {}  # planted copy -> the first original of its line (a copy of a copy is one story too)
        for copy_id, original_id in sorted(planted):
            family[copy_id] = family.get(original_id, original_id)
        kin = {pair for pair in found - planted
               if family.get(pair[0], pair[0]) == family.get(pair[1], pair[1])}
        size_after = _db_size(path)
        lsh_rows = conn.execute("SELECT count(*) FROM copy_lsh").fetchone()[0]
        total = sum(per_article)
        print(f"  detection total {total:.0f} s for {n:,} articles: {total / n * 1000:.2f} ms/article mean, "
              f"p99 {sorted(per_article)[int(n * 0.99) - 1] * 1000:.2f} ms")
        print(f"  planted copies found: {len(planted & found)}/{len(planted)}; other relations: "
              f"{len(kin)} between copies of one original, {len(found - planted - kin)} between unrelated articles")
        print(f"  copy_lsh: {lsh_rows:,} rows; database grew {(size_after - size_before) / 2**20:.0f} MiB "
              f"({(size_after - size_before) / n:.0f} bytes/article) for the buckets and claims")
        archive.close()
    _store_cost(model, sample)


_compared = 0
_original_jaccard = copies.jaccard


def _count_candidates(on: bool) -> None:
    """Count the Jaccard comparisons detection makes (one per candidate and language)."""
    def counting(a: set[str], b: set[str]) -> float:
        global _compared
        _compared += 1
        return _original_jaccard(a, b)
    copies.jaccard = counting if on else _original_jaccard


def _db_size(path: Path) -> int:
    return sum(os.path.getsize(p) for p in (path, Path(f"{path}-wal")) if p.exists())


def _store_cost(model: TextModel, sample: int) -> None:
    """Archive.store_article with and without detection, for proportion."""
    rng = random.Random(3)
    docs = []
    for k in range(sample):
        a = _synthetic(model, rng, k)
        paragraphs = [{"text": t, "lang": "zh", "role": "body"} for t in a["zh"]] + \
                     [{"text": t, "lang": "en", "role": "body"} for t in a["en"]]
        docs.append({"status": "article", "url": a["url"], "canonical_url": a["url"], "title": a["title"],
                     "published": a["published"], "language": "bilingual" if a["en"] else "zh",
                     "paragraphs": paragraphs, "pairs": []})
    timings = {}
    for label, hook in (("with detection", copies.on_store), ("without detection", lambda *a, **k: [])):
        with tempfile.TemporaryDirectory(prefix="bench-store-") as tmp:
            archive = Archive(Path(tmp) / "archive.db")
            saved = copies.on_store
            copies.on_store = hook
            try:
                t0 = time.perf_counter()
                for doc in docs:
                    archive.store_article(doc)
                timings[label] = (time.perf_counter() - t0) / sample
            finally:
                copies.on_store = saved
                archive.close()
    share = 1 - timings["without detection"] / timings["with detection"]
    print(f"  store_article on a fresh archive ({sample:,} articles): {timings['with detection'] * 1000:.2f} ms with "
          f"detection, {timings['without detection'] * 1000:.2f} ms without ({share:.0%} of storing is detection)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--study", action="store_true", help="only the threshold study")
    parser.add_argument("--articles", type=int, default=100_000, help="articles for the scale run (0: none)")
    parser.add_argument("--shared", type=Path, default=SHARED,
                        help="the shared corpus and realbench directory (default: ../shared beside the project)")
    args = parser.parse_args()
    study(shared=args.shared)
    if not args.study and args.articles:
        scale(args.articles)


if __name__ == "__main__":
    main()
