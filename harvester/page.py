"""The one input type of extraction: what was fetched, however it was fetched.

A live Scrapy response, a saved HTML file and a WARC response record all become a
`Page`, so extraction never knows (or imports) how the bytes arrived.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Mapping


@dataclass(frozen=True)
class Page:
    """Raw bytes of one HTTP response plus the facts extraction may need."""

    body: bytes
    url: str
    headers: Mapping[str, str] = field(default_factory=dict)  # lower-cased names
    status: int = 200
    fetched_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))

    @classmethod
    def from_headers(cls, body: bytes, url: str, headers: Mapping[str, object] | None = None,
                     status: int = 200, fetched_at: datetime | None = None) -> "Page":
        """Build a Page from any header mapping (Scrapy's bytes headers, warcio's list, a dict)."""
        flat: dict[str, str] = {}
        items = headers.items() if hasattr(headers, "items") else (headers or [])
        for name, value in items:
            if isinstance(name, bytes):
                name = name.decode("latin-1")
            if isinstance(value, (list, tuple)):
                value = value[-1] if value else b""
            if isinstance(value, bytes):
                value = value.decode("latin-1")
            flat[str(name).lower()] = str(value)
        return cls(body=body, url=url, headers=flat, status=status,
                   fetched_at=fetched_at or datetime.now(timezone.utc))

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")
