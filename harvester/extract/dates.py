"""Publication times as ISO 8601 with an offset.

Chinese pages give local Beijing time without a zone, so a time without an offset
is read as Asia/Shanghai (+08:00, no DST since 1991); WeChat gives a Unix epoch.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")

# 2023-06-13 18:59[:00] | 2024年3月5日 10:20 | 2024/03/05 | 2024.03.05 | 2023-06-13T18:59:00+08:00
DATE_RX = re.compile(
    r"(?P<y>(?:19|20)\d{2})\s*(?:[-/.]|年)\s*(?P<m>\d{1,2})\s*(?:[-/.]|月)\s*(?P<d>\d{1,2})\s*日?"
    r"(?:\s*(?:T|\s)?\s*(?P<H>\d{1,2})\s*[:：时]\s*(?P<M>\d{2})(?:\s*[:：分]\s*(?P<S>\d{2}))?\s*秒?"
    r"(?:\.\d+)?\s*(?P<tz>Z|[+-]\d{2}:?\d{2})?)?")


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
