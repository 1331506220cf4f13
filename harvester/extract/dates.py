"""Publication times as ISO 8601 with an offset.

Chinese pages give local Beijing time without a zone, so a time without an offset
is read as Asia/Shanghai (+08:00, no DST since 1991); WeChat gives a Unix epoch.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")

# 2023-06-13 18:59[:00] | 2024年3月5日 10:20 | 2024/03/05 | 2024.03.05 | 2023-06-13T18:59:00+08:00
DATE_RX = re.compile(
    r"(?P<y>(?:19|20)\d{2})\s*(?:[-/.]|年)\s*(?P<m>\d{1,2})\s*(?:[-/.]|月)\s*(?P<d>\d{1,2})\s*日?"
    r"(?:\s*(?:T|\s)?\s*(?P<H>\d{1,2})\s*[:：时]\s*(?P<M>\d{2})(?:\s*[:：分]\s*(?P<S>\d{2}))?\s*秒?"
    r"(?:\.\d+)?\s*(?P<tz>Z|[+-]\d{2}:?\d{2})?)?")


_MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}
_MONTH = r"(?P<mon>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
# March 1, 2024 | Mar. 01 2024 | 1 March 2024 (English-language portals)
EN_DATE_RX = re.compile(
    r"\b(?:" + _MONTH + r"\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y>(?:19|20)\d{2})"
    r"|(?P<d2>\d{1,2})(?:st|nd|rd|th)?\s+" + _MONTH.replace("mon", "mon2") + r",?\s+(?P<y2>(?:19|20)\d{2}))\b")
# a clock time next to an English date: "09:15, March 01, 2024", "March 1, 2024 9:15 pm"
TIME_RX = re.compile(r"\b(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?\s*(?P<ampm>[ap]\.?m\.?)?(?![\d:])", re.I)
TIME_WINDOW = 12  # characters between an English date and its time
# the zone an English byline prints after its clock time ('8:02 pm UTC', '10:15 a.m. EDT')
_ZONE_AFTER = re.compile(r"\s*\(?(?P<zone>UTC|GMT|EST|EDT|CST|CDT|MST|MDT|PST|PDT|BST|CET|CEST)\b")
_ZONES = {"UTC": 0, "GMT": 0, "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8,
          "PDT": -7, "BST": 1, "CET": 1, "CEST": 2}


def from_epoch(value: str | int | float) -> str | None:
    """Unix seconds (WeChat's `var ct`) as Beijing time."""
    try:
        seconds = int(float(value))
    except (TypeError, ValueError):
        return None
    if seconds <= 0:
        return None
    if seconds > 10**11:  # milliseconds
        seconds //= 1000
    return datetime.fromtimestamp(seconds, SHANGHAI).isoformat()


def parse_date(text: str | None) -> str | None:
    """First date (and time) found in `text`, as ISO 8601; +08:00 unless it says otherwise."""
    if not text:
        return None
    m = DATE_RX.search(text)
    en = EN_DATE_RX.search(text, 0, m.start() if m else len(text))
    if en:
        return _english_date(text, en)
    if not m:
        return None
    try:
        y, mo, d = int(m["y"]), int(m["m"]), int(m["d"])
        hh, mm, ss = int(m["H"] or 0), int(m["M"] or 0), int(m["S"] or 0)
        tz = SHANGHAI
        if m["tz"]:
            if m["tz"] == "Z":
                tz = timezone.utc
            else:
                sign = 1 if m["tz"][0] == "+" else -1
                digits = m["tz"][1:].replace(":", "")
                tz = timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
        return datetime(y, mo, d, hh, mm, ss, tzinfo=tz).isoformat()
    except ValueError:
        return None


# 7/5/2005 9:23:57 PM: month first, as US servers print it; read only with its AM/PM clock
US_DATE_RX = re.compile(r"\b(?P<m>\d{1,2})/(?P<d>\d{1,2})/(?P<y>(?:19|20)\d{2})\s+(?P<H>\d{1,2}):(?P<M>\d{2})"
                        r"(?::(?P<S>\d{2}))?\s*(?P<ampm>[AP]M)\b", re.I)


def find_dates(text: str) -> list[tuple[int, int, str]]:
    """Every date in `text` in reading order: (start, end, ISO 8601), +08:00 unless it says otherwise."""
    found: list[tuple[int, int, str]] = []
    for m in DATE_RX.finditer(text):
        value = parse_date(m.group(0))
        if value:
            found.append((m.start(), m.end(), value))
    for m in EN_DATE_RX.finditer(text):
        value = _english_date(text, m)
        if value:
            found.append((m.start(), m.end(), value))
    for m in US_DATE_RX.finditer(text):
        hh = int(m["H"]) % 12 + (12 if m["ampm"].upper() == "PM" else 0)
        try:
            value = datetime(int(m["y"]), int(m["m"]), int(m["d"]), hh, int(m["M"]), int(m["S"] or 0),
                             tzinfo=SHANGHAI).isoformat()
        except ValueError:
            continue
        found.append((m.start(), m.end(), value))
    # a US date's day/month digits are no Y-M-D match, but keep each span once, earliest first
    found.sort()
    return [f for k, f in enumerate(found) if not k or f[0] >= found[k - 1][1]]


def _english_date(text: str, m: re.Match[str]) -> str | None:
    """An English date with the clock time printed just before or after it (else midnight)."""
    mon = _MONTHS.get((m["mon"] or m["mon2"])[:3].lower())
    y, d = int(m["y"] or m["y2"]), int(m["d"] or m["d2"])
    hh = mm = ss = 0
    window = text[m.end():m.end() + TIME_WINDOW]
    skipped = len(window) - len(window.lstrip(" ,|at"))
    after = TIME_RX.match(window[skipped:])
    before = None
    for t in TIME_RX.finditer(text, max(0, m.start() - TIME_WINDOW), m.start()):
        before = t
    t = after or (before if before and not text[before.end():m.start()].strip(" ,|")  else None)
    tz = SHANGHAI
    if t:
        hh, mm, ss = int(t["H"]), int(t["M"]), int(t["S"] or 0)
        zone = _ZONE_AFTER.match(text, m.end() + skipped + t.end() if t is after else t.end())
        if zone:
            tz = timezone(timedelta(hours=_ZONES[zone["zone"]]), zone["zone"])
        ampm = (t["ampm"] or "").lower().replace(".", "")
        if ampm == "pm" and hh < 12:
            hh += 12
        elif ampm == "am" and hh == 12:
            hh = 0
    try:
        return datetime(y, mon or 0, d, hh, mm, ss, tzinfo=tz).isoformat()
    except ValueError:
        return None


@dataclass(frozen=True)
class DateCandidate:
    """One reading of the publication time and how much its source is trusted."""

    value: str  # ISO 8601 with offset
    source: str
    weight: float


def choose_date(candidates: list[DateCandidate]) -> str | None:
    """The calendar day with the most weight behind it; of its readings, the time the reader sees
    in the byline, else the most trusted one that has a clock time (a bare date loses to a time
    on the same day; a meta tag's timestamp to the byline's minute)."""
    if not candidates:
        return None
    days: dict[str, float] = {}
    for c in candidates:
        days[c.value[:10]] = days.get(c.value[:10], 0.0) + c.weight
    best = max(days, key=lambda d: (days[d], -next(k for k, c in enumerate(candidates) if c.value[:10] == d)))
    same = sorted((c for c in candidates if c.value[:10] == best), key=lambda c: -c.weight)
    timed = [c for c in same if "T00:00:00" not in c.value]
    shown = [c for c in timed if c.source.startswith("byline")]
    if shown:  # the shown minute, with its seconds when another source agrees to that minute
        finer = [c for c in timed if c.value[:16] == shown[0].value[:16] and c.value[17:19] != "00"]
        return (finer or shown)[0].value
    return (timed or same)[0].value
