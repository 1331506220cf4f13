"""The sources file: which sites to follow, how, and how often (contract section 6).

A malformed file is refused as a whole, before anything is crawled, with
`path:line: reason` so the user can go straight to the mistake. TOML parsers do not
report where a table or key sits, so `_KeyLines` recovers line numbers from the raw
text; they only decorate messages and never change what is loaded.

    [defaults]                     # optional: keys every source inherits
    delay = 1.0

    [[source]]
    name = "sz-daily-en"           # harvest crawl sz-daily-en
    kind = "feed"                  # urls | feed | sitemap | index
    start = ["https://example.org/feed.xml"]
    allow = ['/article/']          # regexes an article link must match
    deny = ['/video/']             # regexes an article link must not match
    follow = ['/list_\\d+\\.html']   # index: listing / pagination links to follow; without it,
                                   #   next-page links (rel=next, 下一页, 下页) are followed
    schedule = "0 */2 * * *"       # cron (croniter) ... or every = "30m"
    max_pages = 500                # article pages fetched per run
    max_depth = 3                  # index: listing pages deep
    delay = 2.0                    # politeness overrides: DOWNLOAD_DELAY,
    concurrency = 1                #   CONCURRENT_REQUESTS_PER_DOMAIN,
    autothrottle = true            #   AUTOTHROTTLE_ENABLED,
    robots = true                  #   ROBOTSTXT_OBEY
    settings = {DOWNLOAD_TIMEOUT = 60}   # any other Scrapy setting
    frontier = "redis://10.0.0.5:6379/0" # crawl as one worker of a shared frontier (docs/scale-out.md)
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

KINDS = ("urls", "feed", "sitemap", "index")
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
EVERY_RE = re.compile(r"^\s*(?:\d+\s*[smhdw]\s*)+$")
EVERY_PART = re.compile(r"(\d+)\s*([smhdw])")
UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}

# key -> (accepted types, description for messages)
_KEYS: dict[str, tuple[tuple[type, ...], str]] = {
    "name": ((str,), "a string"),
    "kind": ((str,), "a string"),
    "start": ((list, str), "a list of URLs"),
    "allow": ((list, str), "a list of regexes"),
    "deny": ((list, str), "a list of regexes"),
    "follow": ((list, str), "a list of regexes"),
    "schedule": ((str,), "a cron expression"),
    "every": ((str,), 'a duration like "30m" or "2h"'),
    "max_pages": ((int,), "a positive integer"),
    "max_depth": ((int,), "a positive integer"),
    "delay": ((int, float), "a number of seconds"),
    "concurrency": ((int,), "a positive integer"),
    "autothrottle": ((bool,), "true or false"),
    "robots": ((bool,), "true or false"),
    "settings": ((dict,), "a table of Scrapy settings"),
    "description": ((str,), "a string"),
    "frontier": ((str,), "a Redis URL (redis://HOST:PORT/DB)"),
}
_NOT_DEFAULTABLE = ("name", "start", "kind")


class SourceError(ValueError):
    """A sources file that cannot be used; the message reads `path:line: reason`."""


FRONTIER_SCHEMES = ("redis", "rediss", "unix")


def check_frontier_url(url: str) -> str:
    """`url` if it names a Redis server (redis://HOST:PORT/DB, rediss://, unix://PATH); else ValueError."""
    parts = urlsplit(url)
    if parts.scheme not in FRONTIER_SCHEMES or not (parts.netloc or parts.path):
        raise ValueError(f"{url!r} is not a Redis URL (redis://HOST:PORT/DB)")
    return url


def parse_every(text: str) -> timedelta:
    """'30m', '2h', '1d', '1h30m' -> timedelta; ValueError otherwise."""
    if not EVERY_RE.match(text):
        raise ValueError(f'every = "{text}" is not a duration like "30m", "2h", "1d" or "1h30m"')
    seconds = sum(int(n) * UNIT_SECONDS[u] for n, u in EVERY_PART.findall(text))
    if seconds <= 0:
        raise ValueError(f'every = "{text}" must be longer than zero')
    return timedelta(seconds=seconds)


@dataclass(frozen=True)
class Source:
    """One followed source: what to fetch, which links are articles, when, how politely."""

    name: str
    kind: str
    start: tuple[str, ...]
    allow: tuple[str, ...] = ()
    deny: tuple[str, ...] = ()
    follow: tuple[str, ...] = ()
    schedule: str | None = None
    every: timedelta | None = None
    max_pages: int | None = None
    max_depth: int | None = None
    delay: float | None = None
    concurrency: int | None = None
    autothrottle: bool | None = None
    robots: bool | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    frontier: str | None = None  # Redis URL of a shared frontier (harvester.frontier)
    line: int = 0  # where its [[source]] header is, for messages

    @property
    def scheduled(self) -> bool:
        return bool(self.schedule or self.every)

    def scrapy_settings(self) -> dict[str, Any]:
        """Politeness overrides and raw settings for this source's crawler."""
        out: dict[str, Any] = {}
        if self.delay is not None:
            out["DOWNLOAD_DELAY"] = self.delay
            out["AUTOTHROTTLE_START_DELAY"] = self.delay
        if self.concurrency is not None:
            out["CONCURRENT_REQUESTS_PER_DOMAIN"] = self.concurrency
        if self.autothrottle is not None:
            out["AUTOTHROTTLE_ENABLED"] = self.autothrottle
        if self.robots is not None:
            out["ROBOTSTXT_OBEY"] = self.robots
        if self.max_depth is not None:
            out["DEPTH_LIMIT"] = self.max_depth
        if self.frontier is not None:
            out["HARVEST_FRONTIER"] = self.frontier
        out.update(self.settings)
        return out


class _KeyLines:
    """Line numbers of `[[source]]` headers and of the keys under each, from raw text."""

    HEADER = re.compile(r"^\s*\[\[\s*source\s*\]\]")
    TABLE = re.compile(r"^\s*\[")
    KEY = re.compile(r"""^\s*(?:"([^"]+)"|'([^']+)'|([A-Za-z0-9_-]+))\s*=""")

    def __init__(self, text: str) -> None:
        self.sources: list[tuple[int, dict[str, int]]] = []
        self.defaults: tuple[int, dict[str, int]] = (0, {})
        current: dict[str, int] | None = None
        depth = 0  # inside a multi-line array or inline table: keys there are not ours
        for number, raw in enumerate(text.splitlines(), start=1):
            line = _strip_comment(raw)
            if depth == 0 and self.HEADER.match(line):
                current = {}
                self.sources.append((number, current))
            elif depth == 0 and re.match(r"^\s*\[\s*defaults\s*\]", line):
                current = {}
                self.defaults = (number, current)
            elif depth == 0 and self.TABLE.match(line):
                current = None
            elif depth == 0 and current is not None and (m := self.KEY.match(line)):
                current.setdefault(next(g for g in m.groups() if g), number)
            bare = re.sub(r"'[^']*'|\"(?:\\.|[^\"\\])*\"", "", line)  # brackets inside strings do not nest
            depth = max(0, depth + bare.count("[") + bare.count("{") - bare.count("]") - bare.count("}"))

    def source(self, index: int, key: str | None = None) -> int:
        if index >= len(self.sources):
            return 0
        header, keys = self.sources[index]
        return keys.get(key, header) if key else header


def _strip_comment(line: str) -> str:
    """Drop a trailing # comment, ignoring # inside quotes (enough for line counting)."""
    out, quote = [], None
    for ch in line:
        if quote:
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch == "#":
            break
        out.append(ch)
    return "".join(out)


def load_sources(path: str | Path) -> dict[str, Source]:
    """Read and validate a sources file; every problem is a SourceError naming path:line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SourceError(f"{path}: no such sources file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(f"{path}: cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    return parse_sources(text, str(path))


def parse_sources(text: str, path: str = "sources.toml") -> dict[str, Source]:
    """Validate sources given as TOML text (load_sources without the file)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        m = re.search(r"\(at line (\d+), column \d+\)", message)
        line = m.group(1) if m else "1"
        reason = re.sub(r"\s*\(at line \d+, column \d+\)", "", message) if m else message
        if "end of document" in message and not m:
            line = str(text.count("\n") + 1)
        raise SourceError(f"{path}:{line}: not valid TOML: {reason}") from None
    lines = _KeyLines(text)

    def fail(line: int, reason: str) -> SourceError:
        return SourceError(f"{path}:{line or 1}: {reason}")

    unknown_top = [k for k in data if k not in ("source", "defaults")]
    if unknown_top:
        raise fail(_top_line(text, unknown_top[0]),
                   f"unknown top-level key {unknown_top[0]!r} (expected [[source]] tables and [defaults])")
    defaults = data.get("defaults", {})
    if not isinstance(defaults, dict):
        raise fail(lines.defaults[0], "defaults must be a table: [defaults]")
    for key in defaults:
        if key not in _KEYS or key in _NOT_DEFAULTABLE:
            raise fail(lines.defaults[1].get(key, lines.defaults[0]),
                       f"[defaults] cannot set {key!r}" if key in _KEYS else f"unknown key {key!r} in [defaults]")
    entries = data.get("source", [])
    if not isinstance(entries, list):
        raise fail(_top_line(text, "source"), "sources are written as [[source]] tables (an array of tables)")
    if not entries:
        raise fail(1, "no [[source]] tables")

    sources: dict[str, Source] = {}
    for index, entry in enumerate(entries):
        def where(key: str | None = None, _i: int = index) -> int:
            return lines.source(_i, key)
        merged = {**{k: v for k, v in defaults.items() if k not in entry}, **entry}
        source = _validate(merged, where, fail, set(entry))
        if source.name in sources:
            raise fail(where("name"), f"duplicate source name {source.name!r} "
                                      f"(first defined at line {sources[source.name].line})")
        sources[source.name] = source
    return sources


def _top_line(text: str, key: str) -> int:
    for number, raw in enumerate(text.splitlines(), start=1):
        if re.match(rf"^\s*(\[+\s*)?{re.escape(key)}\b", raw):
            return number
    return 1


def _as_list(value: Any) -> list:
    return [value] if isinstance(value, str) else list(value)


def _validate(entry: dict, where, fail, own_keys: set[str]) -> Source:
    """One [[source]] table -> Source, or the first problem as a SourceError."""
    for key, value in entry.items():
        line = where(key) if key in own_keys else where()
        if key not in _KEYS:
            close = [k for k in _KEYS if k[:3] == key[:3]]
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise fail(line, f"unknown key {key!r}{hint}")
        types, wanted = _KEYS[key]
        if isinstance(value, bool) and bool not in types:
            raise fail(line, f"{key} must be {wanted}, not {value!r}")
        if not isinstance(value, types):
            raise fail(line, f"{key} must be {wanted}, not {type(value).__name__}")
        if isinstance(value, list) and not all(isinstance(v, str) for v in value):
            raise fail(line, f"{key} must be {wanted} (strings)")

    if "name" not in entry:
        raise fail(where(), "source has no name")
    name = entry["name"]
    if not NAME_RE.match(name) or name.startswith(("http:", "https:")):
        raise fail(where("name"), f"name {name!r} must be letters, digits, '.', '_' or '-' (no spaces)")
    if "kind" not in entry:
        raise fail(where(), f"source {name!r} has no kind (one of {', '.join(KINDS)})")
    kind = entry["kind"]
    if kind not in KINDS:
        raise fail(where("kind"), f"source {name!r}: kind {kind!r} is not one of {', '.join(KINDS)}")
    start = _as_list(entry.get("start", []))
    if not start:
        raise fail(where("start") if "start" in entry else where(), f"source {name!r} has no start URLs")
    for url in start:
        if not re.match(r"^https?://[^/\s]+", url):
            raise fail(where("start"), f"source {name!r}: start URL {url!r} is not an http(s) URL")

    patterns: dict[str, tuple[str, ...]] = {}
    for key in ("allow", "deny", "follow"):
        values = _as_list(entry.get(key, []))
        for pattern in values:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise fail(where(key), f"source {name!r}: {key} pattern '{pattern}' is not a valid regex: {exc}") from None
        patterns[key] = tuple(values)
    if patterns["follow"] and kind != "index":
        raise fail(where("follow"), f"source {name!r}: follow applies to index sources only")

    schedule, every = entry.get("schedule"), None
    if schedule is not None and "every" in entry:
        raise fail(where("every"), f"source {name!r}: give schedule or every, not both")
    if schedule is not None:
        from croniter import croniter

        if not croniter.is_valid(schedule):
            raise fail(where("schedule"), f"source {name!r}: schedule {schedule!r} is not a valid cron expression")
    if "every" in entry:
        try:
            every = parse_every(entry["every"])
        except ValueError as exc:
            raise fail(where("every"), f"source {name!r}: {exc}") from None

    for key in ("max_pages", "max_depth", "concurrency"):
        if key in entry and entry[key] <= 0:
            raise fail(where(key), f"source {name!r}: {key} must be a positive integer")
    if "delay" in entry and entry["delay"] < 0:
        raise fail(where("delay"), f"source {name!r}: delay must not be negative")
    if "frontier" in entry:
        try:
            check_frontier_url(entry["frontier"])
        except ValueError as exc:
            raise fail(where("frontier"), f"source {name!r}: frontier {exc}") from None
    settings = entry.get("settings", {})
    for key in settings:
        if not re.match(r"^[A-Z][A-Z0-9_]*$", key):
            raise fail(where("settings"), f"source {name!r}: {key!r} is not a Scrapy setting name (UPPER_CASE)")

    return Source(name=name, kind=kind, start=tuple(start), allow=patterns["allow"], deny=patterns["deny"],
                  follow=patterns["follow"], schedule=schedule, every=every,
                  max_pages=entry.get("max_pages"), max_depth=entry.get("max_depth"),
                  delay=entry.get("delay"), concurrency=entry.get("concurrency"),
                  autothrottle=entry.get("autothrottle"), robots=entry.get("robots"),
                  settings=dict(settings), description=entry.get("description", ""), line=where(),
                  frontier=entry.get("frontier"))
