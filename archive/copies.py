"""Copies: two archived articles that are one story, republished.

Detection runs when an article version is stored (`on_store`, called by the store in
the transaction that writes the article), so the `copies` table is always up to date:
one row per (copy `article_id`, `original_id`) with the `method` that found it and the
bodies' `similarity` (Jaccard of character shingles, 0..1).

**By link** (method `link`, or `canonical`), from the claims extraction found on the page
(`Article.origin`, harvester/extract/origin.py):

- a link labelled as the original (原文链接, 阅读原文, WeChat's msg_source_url) or a bare
  WeChat article link, to an archived article's canonical URL. Labelled links are
  taken as they are; WeChat's msg_source_url and bare WeChat links (which also point
  at related reading) need the same title or a body similarity of LINK_SIMILARITY;
- a rel=canonical on another site (method `canonical`);
- a credit "来源：<account>微信公众号" naming the account of an archived WeChat article
  with the same title.

The linking page is the copy and the linked one the original, whichever was stored
first: claims are kept (`copy_claims`) so an original archived later still finds them.

**By text** (method `text`): near-duplicate bodies, compared per language (a portal that
runs only the Chinese half of a bilingual post is still a copy). Each language's text
(NFKC, lower case, punctuation and blanks dropped) becomes a set of character
shingles (SHINGLE characters long); a MinHash signature of PERMUTATIONS values
(one-permutation hashing: one 64-bit hash per shingle, split into bins) goes into
BANDS locality-sensitive buckets of ROWS values (`copy_lsh`). A new article is
compared only with the articles sharing a bucket in the same language, never with
all of them, and a candidate is a copy when the exact Jaccard similarity of their
shingles reaches THRESHOLD (measured on our fixture pages and synthetic
republications: `python -m bench.copies`, figures in docs/research.md).
The original is the one published first; with no dates to tell, the WeChat one;
then the one stored first.

Only current versions take part: a new version replaces its predecessor's buckets and
claims (rows already in `copies` stay, as history). Two versions of one URL are
never copies of each other.
"""
from __future__ import annotations

import functools
import re
import sqlite3
import unicodedata
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

import numpy as np

SHINGLE = {"zh": 4, "en": 7}      # characters per shingle, by language
MIN_SHINGLES = 40                 # a text shorter than this (≈ two lines) is not compared
PERMUTATIONS = 128                # MinHash values per signature
BANDS, ROWS = 32, 4               # LSH: BANDS x ROWS = PERMUTATIONS; candidates from J ≈ 0.4 on
THRESHOLD = 0.4                   # Jaccard of shingles from which two bodies are one story (bench.copies)
LINK_SIMILARITY = 0.3             # what a WeChat link or msg_source_url needs, without the same title
LANGS = ("zh", "en")
_STRONG = {"link": 2, "canonical": 2, "text": 1}
_NOT_WORD = re.compile(r"[\W_]+")
_BRACKETED = re.compile(r"[(（\[【][^)）\]】]*[)）\]】]")
_BIN_BITS = PERMUTATIONS.bit_length() - 1  # a shingle hash's top bits pick its bin
_EMPTY = (1 << 64) - 1

# -- text ------------------------------------------------------------------------------


def normalize(text: str) -> str:
    """What shingles are cut from: NFKC, lower case, only letters and digits."""
    return _NOT_WORD.sub("", unicodedata.normalize("NFKC", text or "").lower())


def shingles(text: str, lang: str) -> set[str]:
    """The set of character shingles of one language's text (empty when too short)."""
    size = SHINGLE[lang]
    norm = normalize(text)
    grams = {norm[i:i + size] for i in range(len(norm) - size + 1)}
    return grams if len(grams) >= MIN_SHINGLES else set()


def jaccard(a: set[str] | np.ndarray, b: set[str] | np.ndarray) -> float:
    """Jaccard similarity of two shingle sets: strings, or their distinct sorted hashes
    (`shingle_hashes`; equal to the strings' figure but for a 64-bit hash collision)."""
    if not len(a) or not len(b):
        return 0.0
    if isinstance(a, np.ndarray):
        common = len(np.intersect1d(a, b, assume_unique=True))
        return common / (len(a) + len(b) - common)
    return len(a & b) / len(a | b)


# Shingle hashing, vectorised (numpy): a shingle's hash is a polynomial over its code
# points (wrapping at 2**64) put through the splitmix64 finaliser, so every shingle of a
# text is hashed in a few array operations instead of one Python call each.
_POLY = np.uint64(0x100000001B3)
_MIX1, _MIX2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31 = np.uint64(30), np.uint64(27), np.uint64(31)


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: spreads a polynomial hash over all 64 bits."""
    x = (x ^ (x >> _S30)) * _MIX1
    x = (x ^ (x >> _S27)) * _MIX2
    return x ^ (x >> _S31)


def _code_points(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.uint64)


@functools.cache
def _bmp_word() -> np.ndarray:
    """Which BMP code points `normalize` keeps: str.isalnum(), what `\\w` is, less `_`."""
    return np.fromiter((chr(c).isalnum() for c in range(0x10000)), dtype=bool, count=0x10000)


# Full-width ASCII forms and the ideographic space: what makes Chinese text fail NFKC's
# quick check (then Python normalises the whole string, slowly). Each is swapped for its
# one-character decomposition first, which leaves the NFKC form unchanged.
_WIDE_FIRST, _WIDE_LAST, _WIDE_SHIFT, _IDEOGRAPHIC_SPACE = 0xFF01, 0xFF5E, 0xFEE0, 0x3000


def _narrowed(text: str) -> str:
    points = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    wide = (points >= _WIDE_FIRST) & (points <= _WIDE_LAST)
    space = points == _IDEOGRAPHIC_SPACE
    if not (wide.any() or space.any()):
        return text
    points = points.copy()
    points[wide] -= _WIDE_SHIFT
    points[space] = 0x20
    return points.tobytes().decode("utf-32-le", "surrogatepass")


def _normalized_points(text: str) -> np.ndarray:
    """The code points of `normalize(text)`, the regular expression done as a table lookup."""
    points = _code_points(unicodedata.normalize("NFKC", _narrowed(text or "")).lower())
    bmp = points < 0x10000
    keep = np.zeros(len(points), dtype=bool)
    keep[bmp] = _bmp_word()[points[bmp]]
    if not bmp.all():  # astral characters: asked one by one
        for i in np.flatnonzero(~bmp).tolist():
            keep[i] = chr(int(points[i])).isalnum()
    return points[keep]


def _poly(points: np.ndarray, size: int) -> np.ndarray:
    """The polynomial hash of every `size`-long window of `points`."""
    count = len(points) - size + 1
    if count <= 0:
        return np.zeros(0, dtype=np.uint64)
    out = points[:count].copy()
    for j in range(1, size):
        out *= _POLY
        out += points[j:j + count]
    return out


def _distinct(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values (np.unique, without its overhead on small arrays)."""
    values = np.sort(values)
    return values[np.concatenate(([True], values[1:] != values[:-1]))] if len(values) else values


def shingle_hashes(text: str, lang: str) -> np.ndarray:
    """The sorted distinct 64-bit hashes of a text's shingles (`shingles`, hashed as
    `gram_hashes` hashes them); empty when there are fewer than MIN_SHINGLES."""
    with np.errstate(over="ignore"):
        hashes = _distinct(_mix(_poly(_normalized_points(text), SHINGLE[lang])))
    return hashes if len(hashes) >= MIN_SHINGLES else hashes[:0]


def gram_hashes(grams: Iterable[str]) -> np.ndarray:
    """The sorted distinct hashes of some shingles given as strings (any lengths)."""
    by_size: dict[int, list[str]] = {}
    for gram in grams:
        if gram:
            by_size.setdefault(len(gram), []).append(gram)
    parts = [np.zeros(0, dtype=np.uint64)]
    with np.errstate(over="ignore"):
        for size, group in by_size.items():
            points = _code_points("".join(group)).reshape(len(group), size)
            hashes = points[:, 0].copy()
            for j in range(1, size):
                hashes *= _POLY
                hashes += points[:, j]
            parts.append(_mix(hashes))
    return _distinct(np.concatenate(parts))


def signature(grams: Iterable[str] | np.ndarray) -> list[int]:
    """MinHash by one-permutation hashing: each shingle's 64-bit hash picks a bin (its
    top bits) and competes for that bin's minimum (the other bits). An empty bin takes
    the value of the next filled bin to its right, offset by the distance (rotation
    densification), so equal sets give equal signatures and the share of bins where two
    signatures agree estimates the Jaccard similarity of the sets. [] for no shingles.

    `grams`: shingle strings, or their hashes as `shingle_hashes` gives them."""
    hashes = grams if isinstance(grams, np.ndarray) else gram_hashes(grams)
    if not len(hashes):
        return []
    shift = 64 - _BIN_BITS
    low = (1 << shift) - 1
    hashes = np.sort(hashes)  # each bin's smallest value is then its first hash
    starts = np.searchsorted(hashes, np.arange(PERMUTATIONS, dtype=np.uint64) << np.uint64(shift))
    firsts = hashes[np.minimum(starts, len(hashes) - 1)]
    filled = (starts < len(hashes)) & ((firsts >> np.uint64(shift)) == np.arange(PERMUTATIONS, dtype=np.uint64))
    bins = [int(v) & low if f else _EMPTY for v, f in zip(firsts.tolist(), filled.tolist())]
    out = list(bins)
    for i, v in enumerate(bins):
        if v == _EMPTY:
            distance = next(t for t in range(1, PERMUTATIONS + 1) if bins[(i + t) % PERMUTATIONS] != _EMPTY)
            out[i] = bins[(i + distance) % PERMUTATIONS] + (distance << shift)
    return out


_LANG_SEED = {lang: i + 1 for i, lang in enumerate(LANGS)}


def buckets(sig: list[int], lang: str) -> list[int]:
    """The LSH bucket keys of a signature: one 63-bit key per band, language and band in
    it (each band's ROWS values folded into a seed of language and band by `_mix`)."""
    rows = np.array(sig, dtype=np.uint64).reshape(BANDS, ROWS)
    with np.errstate(over="ignore"):
        keys = _mix(np.arange(BANDS, dtype=np.uint64) + np.uint64(_LANG_SEED[lang] << 32))
        for column in range(ROWS):
            keys = _mix(keys ^ rows[:, column])
    return (keys >> np.uint64(1)).tolist()  # SQLite integers are signed 64-bit


@dataclass
class Profile:
    """What detection needs of one stored article."""
    id: int
    canonical_url: str
    url: str
    title: str
    source: str | None
    published: str | None
    texts: dict[str, str]
    _hashes: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    # Where a text not in `texts` is read from, and the cache that keeps its hashes.
    _load: Callable[[str], str] | None = field(default=None, repr=False)
    _cache: HashCache | None = field(default=None, repr=False)

    @property
    def on_wechat(self) -> bool:
        return (urlsplit(self.canonical_url).hostname or "") == "mp.weixin.qq.com"

    def hashes(self, lang: str) -> np.ndarray:
        """The hashes of its shingles: the set detection compares (no strings cut)."""
        if lang not in self._hashes:
            text = self.texts.get(lang)
            if text is None and self._load is not None:
                text = self._load(lang)
            self._hashes[lang] = shingle_hashes(text or "", lang)
            if self._cache is not None:
                self._cache.grew(self.id, self._hashes[lang].nbytes)
        return self._hashes[lang]

    def signature(self, lang: str) -> list[int]:
        return signature(self.hashes(lang))


CACHE_BYTES = 32 << 20  # shingle hashes kept per connection (an article of 50 paragraphs: about 55 KB)


class HashCache:
    """The shingle hashes of stored versions, kept by the connection that stores articles,
    so a candidate met again (a version in a busy LSH bucket is a candidate to many
    articles) is not read back and hashed again. Least recently used out first, within
    `budget` bytes.

    An entry is keyed by id and checked against the version's content hash, read with
    the rest of its row every time: a version's text never changes, and an id freed by
    a rolled-back insert and taken again by another article is told apart (the store
    also empties the cache on every rollback).
    """

    def __init__(self, budget: int = CACHE_BYTES) -> None:
        self.budget = budget
        self.bytes = 0
        self.hits = self.misses = 0
        self._entries: OrderedDict[int, tuple[str, dict[str, np.ndarray]]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def entry(self, article_id: int, content_hash: str) -> dict[str, np.ndarray]:
        """The hashes by language kept for this version (a dict filled as they are
        worked out; empty when nothing is kept for it yet)."""
        found = self._entries.get(article_id)
        if found is not None and found[0] == content_hash:
            self._entries.move_to_end(article_id)
            self.hits += 1
            return found[1]
        self.misses += 1
        self.drop(article_id)
        hashes: dict[str, np.ndarray] = {}
        self._entries[article_id] = (content_hash, hashes)
        return hashes

    def grew(self, article_id: int, nbytes: int) -> None:
        """Account for hashes added to an entry; drop the oldest entries beyond the budget."""
        if article_id not in self._entries:
            return  # dropped meanwhile: those hashes go with the profile holding them
        self.bytes += nbytes
        while self.bytes > self.budget and len(self._entries) > 1:
            _, (_, hashes) = self._entries.popitem(last=False)
            self.bytes -= sum(h.nbytes for h in hashes.values())

    def drop(self, article_id: int) -> None:
        found = self._entries.pop(article_id, None)
        if found is not None:
            self.bytes -= sum(h.nbytes for h in found[1].values())

    def clear(self) -> None:
        self._entries.clear()
        self.bytes = 0


def _profile(conn: sqlite3.Connection, article_id: int, cache: HashCache | None = None) -> Profile | None:
    if cache is not None:
        return _cached_profile(conn, article_id, cache)
    row = conn.execute("SELECT id, canonical_url, url, title, source, published, text_zh, text_en "
                       "FROM articles WHERE id = ?", (article_id,)).fetchone()
    if row is None:
        return None
    return Profile(row[0], row[1], row[2], row[3] or "", row[4], row[5], {"zh": row[6] or "", "en": row[7] or ""})


_TEXT_COLUMN = {"zh": "text_zh", "en": "text_en"}


def _cached_profile(conn: sqlite3.Connection, article_id: int, cache: HashCache) -> Profile | None:
    """`_profile` without its texts: their hashes come from `cache`, or a text is read
    (and hashed, and kept) only when it is compared."""
    row = conn.execute("SELECT id, canonical_url, url, title, source, published, content_hash "
                       "FROM articles WHERE id = ?", (article_id,)).fetchone()
    if row is None:
        return None

    def load(lang: str) -> str:
        found = conn.execute(f"SELECT {_TEXT_COLUMN[lang]} FROM articles WHERE id = ?", (article_id,)).fetchone()
        return (found[0] if found else "") or ""

    return Profile(row[0], row[1], row[2], row[3] or "", row[4], row[5], {},
                   cache.entry(row[0], row[6]), load, cache)


def similarity(a: Profile, b: Profile) -> float:
    """Body similarity of two articles: the best Jaccard over the languages both have."""
    return max((jaccard(a.hashes(lang), b.hashes(lang)) for lang in LANGS), default=0.0)


# -- keys for claims -------------------------------------------------------------------


def title_key(title: str | None) -> str:
    return normalize(title or "")


def account_key(name: str | None) -> str:
    """深圳日报(英文)微信公众号 -> 深圳日报: brackets, 公众号 words and punctuation off."""
    name = unicodedata.normalize("NFKC", name or "")
    name = _BRACKETED.sub("", name)
    name = re.sub(r"微信公众号|公众号|微信号|wechat( official)? account", "", name, flags=re.I)
    return normalize(name)


def _claim_rows(profile: Profile, origin: list[dict[str, str]]) -> list[tuple[str, str]]:
    """(kind, key) rows of `copy_claims` for one article: what it claims, and (WeChat
    articles) the account + title key a credit elsewhere would name."""
    rows: list[tuple[str, str]] = []
    for claim in origin or []:
        kind = claim.get("kind")
        if kind in ("source_link", "wechat_link", "canonical") and claim.get("url"):
            rows.append((kind, claim["url"]))
        elif kind == "account" and account_key(claim.get("name")) and title_key(profile.title):
            rows.append(("account", account_key(claim["name"]) + "\t" + title_key(profile.title)))
    if profile.on_wechat and account_key(profile.source) and title_key(profile.title):
        rows.append(("wechat", account_key(profile.source) + "\t" + title_key(profile.title)))
    return list(dict.fromkeys(rows))


# -- storing and forgetting --------------------------------------------------------------


@dataclass(eq=False)
class Prepared:
    """What detection needs of an article about to be stored, worked out before its
    transaction (`prepare`, a pure function of the article): its shingle hashes,
    signatures and bucket keys by language, and its `copy_claims` rows."""
    hashes: dict[str, np.ndarray]
    signatures: dict[str, list[int]]
    buckets: dict[str, list[int]]
    claims: list[tuple[str, str]]

    def __eq__(self, other: object) -> bool:
        """Equal when every part is (numpy arrays compared by value): a worker's result is
        compared with the same work done in process."""
        if not isinstance(other, Prepared):
            return NotImplemented
        return ((self.signatures, self.buckets, self.claims) == (other.signatures, other.buckets, other.claims)
                and self.hashes.keys() == other.hashes.keys()
                and all(np.array_equal(h, other.hashes[lang]) for lang, h in self.hashes.items()))


def _bucket_keys(signatures: dict[str, list[int]]) -> dict[str, list[int]]:
    """The LSH bucket keys of each language's signature (none for a language the article lacks)."""
    return {lang: buckets(sig, lang) if sig else [] for lang, sig in signatures.items()}


def prepare(*, canonical_url: str, title: str, source: str | None, texts: dict[str, str],
            origin: list[dict[str, str]] | None) -> Prepared:
    """`Prepared` for an article with these stored values (`texts`: text_zh and text_en
    as stored) and the origin claims extraction found on its page."""
    profile = Profile(0, canonical_url, canonical_url, title or "", source, None,
                      {lang: texts.get(lang) or "" for lang in LANGS})
    hashes = {lang: profile.hashes(lang) for lang in LANGS}
    signatures = {lang: signature(hashes[lang]) for lang in LANGS}
    return Prepared(hashes, signatures, _bucket_keys(signatures), _claim_rows(profile, origin or []))


def on_store(conn: sqlite3.Connection, article_id: int, prepared: Prepared,
             replaced_id: int | None = None, *, cache: HashCache | None = None) -> list[dict[str, Any]]:
    """Index a just-stored version and record the copies it makes; call inside the
    transaction that stored it. `prepared`: its `prepare`; `replaced_id`: the version
    it supersedes; `cache`: the connection's `HashCache`. Returns the new `copies` rows."""
    if replaced_id is not None:
        forget(conn, replaced_id, cache=cache)
    profile = _profile(conn, article_id, cache)
    if profile is None:
        return []
    for lang in LANGS:  # its hashes are known: the profile need not read and hash its texts again
        if lang not in profile._hashes:
            profile._hashes[lang] = prepared.hashes[lang]
            if cache is not None:
                cache.grew(article_id, prepared.hashes[lang].nbytes)
    conn.executemany("INSERT OR IGNORE INTO copy_claims (key, kind, article_id) VALUES (?, ?, ?)",
                     [(key, kind, article_id) for kind, key in prepared.claims])
    conn.executemany("INSERT OR IGNORE INTO copy_lsh (bucket, article_id) VALUES (?, ?)",
                     [(key, article_id) for lang in LANGS for key in prepared.buckets[lang]])
    return detect(conn, profile, prepared.claims, prepared.signatures, cache=cache, keys=prepared.buckets)


def refresh(conn: sqlite3.Connection, article_id: int) -> list[dict[str, Any]]:
    """Index one current version not indexed yet, from its stored rows and claims, and
    detect its copies: for versions that arrive without `on_store` (`harvest merge`,
    `rebuild`)."""
    profile = _profile(conn, article_id)
    if profile is None:
        return []
    claims = [(kind, key) for kind, key in conn.execute(
        "SELECT kind, key FROM copy_claims WHERE article_id = ?", (article_id,))]
    if profile.on_wechat and account_key(profile.source) and title_key(profile.title):
        wechat = ("wechat", account_key(profile.source) + "\t" + title_key(profile.title))
        if wechat not in claims:
            conn.execute("INSERT OR IGNORE INTO copy_claims (key, kind, article_id) VALUES (?, ?, ?)",
                         (wechat[1], wechat[0], article_id))
            claims.append(wechat)
    signatures = {lang: profile.signature(lang) for lang in LANGS}
    keys = _bucket_keys(signatures)
    conn.executemany("INSERT OR IGNORE INTO copy_lsh (bucket, article_id) VALUES (?, ?)",
                     [(key, article_id) for lang in LANGS for key in keys[lang]])
    return detect(conn, profile, claims, signatures, keys=keys)


def forget(conn: sqlite3.Connection, article_id: int, *, keep_claims: bool = False,
           cache: HashCache | None = None) -> None:
    """Take a superseded version out of detection (its buckets and claims go)."""
    profile = _profile(conn, article_id, cache)
    if profile is None:
        return
    for lang in LANGS:
        sig = profile.signature(lang)
        if sig:
            conn.executemany("DELETE FROM copy_lsh WHERE bucket = ? AND article_id = ?",
                             [(key, article_id) for key in buckets(sig, lang)])
    if not keep_claims:
        conn.execute("DELETE FROM copy_claims WHERE article_id = ?", (article_id,))
    if cache is not None:
        cache.drop(article_id)  # no longer a candidate


# -- detection -------------------------------------------------------------------------


def detect(conn: sqlite3.Connection, profile: Profile, claims: list[tuple[str, str]],
           signatures: dict[str, list[int]], *, cache: HashCache | None = None,
           keys: dict[str, list[int]] | None = None) -> list[dict[str, Any]]:
    """Find and record every copy relation of a newly stored article, both directions.
    `cache`: the connection's `HashCache`; `keys`: the bucket keys of `signatures`."""
    found: dict[tuple[int, int], tuple[str, float]] = {}
    profiles: dict[int, Profile | None] = {}

    def other(article_id: int) -> Profile | None:
        if article_id not in profiles:
            profiles[article_id] = _profile(conn, article_id, cache)
        return profiles[article_id]

    def note(copy_id: int, original_id: int, method: str, score: float) -> None:
        key = (copy_id, original_id)
        if key not in found or _STRONG[method] > _STRONG[found[key][0]]:
            found[key] = (method, score)

    # 1. What this article claims, towards archived originals.
    for kind, key in claims:
        if kind == "wechat":
            continue
        if kind == "account":
            targets = [r[0] for r in conn.execute(
                "SELECT article_id FROM copy_claims WHERE key = ? AND kind = 'wechat'", (key,))]
        else:
            targets = [r[0] for r in conn.execute(
                "SELECT id FROM articles WHERE canonical_url = ? AND is_current = 1", (key,))]
        for target in targets:
            original = other(target)
            if original is not None and _linked(kind, profile, original):
                note(profile.id, original.id, "canonical" if kind == "canonical" else "link",
                     similarity(profile, original))
    # 2. Claims already stored that point at this article.
    own = [("source_link", profile.canonical_url), ("wechat_link", profile.canonical_url),
           ("canonical", profile.canonical_url)]
    own += [("account", key) for kind, key in claims if kind == "wechat"]
    for kind, key in own:
        for (copy_id,) in conn.execute("SELECT article_id FROM copy_claims WHERE key = ? AND kind = ?",
                                       (key, kind)):
            copy = other(copy_id)
            if copy is not None and copy.id != profile.id and _linked(kind, copy, profile):
                note(copy.id, profile.id, "canonical" if kind == "canonical" else "link",
                     similarity(copy, profile))
    # 3. Near-duplicate text, among the articles sharing an LSH bucket.
    for lang, sig in signatures.items():
        if not sig:
            continue
        lang_keys = keys[lang] if keys is not None else buckets(sig, lang)
        candidates = {r[0] for r in conn.execute(
            f"SELECT DISTINCT article_id FROM copy_lsh WHERE bucket IN ({','.join('?' * len(lang_keys))})",
            lang_keys)}
        candidates.discard(profile.id)
        grams = profile.hashes(lang)
        for candidate_id in sorted(candidates):
            candidate = other(candidate_id)
            if candidate is None or candidate.canonical_url == profile.canonical_url:
                continue
            score = jaccard(grams, candidate.hashes(lang))
            if score >= THRESHOLD:
                first, second = _ordered(profile, candidate)
                if (first.id, second.id) not in found and (second.id, first.id) not in found:
                    note(second.id, first.id, "text", score)
    return [_record(conn, copy_id, original_id, method, score)
            for (copy_id, original_id), (method, score) in found.items()
            if copy_id != original_id and other(copy_id).canonical_url != other(original_id).canonical_url]


def _linked(kind: str, copy: Profile, original: Profile) -> bool:
    """Is a claim of this kind enough to call `copy` a copy of `original`?"""
    if copy.canonical_url == original.canonical_url:
        return False
    if kind in ("canonical", "source_link") and not (copy.on_wechat and kind == "source_link"):
        return True  # labelled links and foreign canonicals say so outright
    if kind == "account":
        return original.on_wechat  # the key already holds account and title
    # msg_source_url and bare WeChat links also point at related reading: corroborate.
    return title_key(copy.title) == title_key(original.title) or similarity(copy, original) >= LINK_SIMILARITY


def _published(profile: Profile) -> datetime | None:
    if not profile.published:
        return None
    try:
        value = datetime.fromisoformat(profile.published.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo is not None else None


def _ordered(a: Profile, b: Profile) -> tuple[Profile, Profile]:
    """(original, copy): published first; else the WeChat one; else stored first."""
    pa, pb = _published(a), _published(b)
    if pa and pb and pa != pb:
        return (a, b) if pa < pb else (b, a)
    if a.on_wechat != b.on_wechat:
        return (a, b) if a.on_wechat else (b, a)
    return (a, b) if a.id < b.id else (b, a)


def _record(conn: sqlite3.Connection, copy_id: int, original_id: int, method: str,
            score: float) -> dict[str, Any]:
    """Write one relation; a link-found row is never replaced by a text-found one."""
    existing = conn.execute(
        "SELECT article_id, original_id, method FROM copies WHERE (article_id = ? AND original_id = ?) "
        "OR (article_id = ? AND original_id = ?)", (copy_id, original_id, original_id, copy_id)).fetchall()
    if any(_STRONG[m] > _STRONG[method] for _, _, m in existing):
        keep = next((a, o, m) for a, o, m in existing if _STRONG[m] > _STRONG[method])
        return {"article_id": keep[0], "original_id": keep[1], "method": keep[2], "similarity": score}
    conn.execute("DELETE FROM copies WHERE (article_id = ? AND original_id = ?) OR (article_id = ? AND original_id = ?)",
                 (copy_id, original_id, original_id, copy_id))
    conn.execute("INSERT INTO copies (article_id, original_id, method, similarity, detected_at) "
                 "VALUES (?, ?, ?, ?, ?)", (copy_id, original_id, method, round(score, 4),
                                              datetime.now(timezone.utc).isoformat(timespec="seconds")))
    return {"article_id": copy_id, "original_id": original_id, "method": method, "similarity": round(score, 4)}


def rebuild(conn: sqlite3.Connection) -> int:
    """Re-run detection over every current article from its stored rows and claims;
    returns how many copies rows there are afterwards. For archives upgraded to the
    copies tables."""
    conn.execute("DELETE FROM copy_lsh")
    for (article_id,) in conn.execute("SELECT id FROM articles WHERE is_current = 1 ORDER BY id").fetchall():
        refresh(conn, article_id)
    return conn.execute("SELECT count(*) FROM copies").fetchone()[0]


def reindex_buckets(conn: sqlite3.Connection) -> int:
    """Recompute the LSH buckets of every current version (after the hashing changed);
    the `copies` rows found so far stay. Returns how many articles have buckets."""
    conn.execute("DELETE FROM copy_lsh")
    indexed = 0
    for (article_id,) in conn.execute("SELECT id FROM articles WHERE is_current = 1 ORDER BY id").fetchall():
        profile = _profile(conn, article_id)
        rows = [(key, article_id) for lang in LANGS if (sig := profile.signature(lang)) for key in buckets(sig, lang)]
        conn.executemany("INSERT OR IGNORE INTO copy_lsh (bucket, article_id) VALUES (?, ?)", rows)
        indexed += bool(rows)
    return indexed


def copies_of(conn: sqlite3.Connection, article_ids: list[int]) -> dict[str, list[dict[str, Any]]]:
    """The relations of these article versions, both ways: {"originals": [...], "copies": [...]}.

    Each entry names the other article by its current version (id, title, source,
    published, url) with the relation's method and similarity.
    """
    marks = ",".join("?" * len(article_ids))
    out: dict[str, list[dict[str, Any]]] = {"originals": [], "copies": []}
    for side, mine, theirs in (("originals", "article_id", "original_id"), ("copies", "original_id", "article_id")):
        rows = conn.execute(
            f"""SELECT c.method, c.similarity, coalesce(cur.id, o.id), coalesce(cur.title, o.title),
                       coalesce(cur.source, o.source), coalesce(cur.published, o.published), o.canonical_url
                FROM copies c JOIN articles o ON o.id = c.{theirs}
                LEFT JOIN articles cur ON cur.canonical_url = o.canonical_url AND cur.is_current = 1
                WHERE c.{mine} IN ({marks}) ORDER BY c.method, c.similarity DESC""", article_ids).fetchall()
        seen: set[str] = set()
        for method, score, id_, title, source, published, url in rows:
            if url in seen:
                continue
            seen.add(url)
            out[side].append({"id": id_, "title": title, "source": source, "published": published,
                              "canonical_url": url, "method": method, "similarity": score})
    return out
