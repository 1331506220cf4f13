"""What the spider hands to the pipelines: an extracted page and where its bytes are."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class ExtractedPage:
    url: str
    article: dict  # harvester.extract.Article.to_dict()
    warc: dict | None = None  # archive.warcstore.Pointer.as_dict() of the response record
    fetched_at: str = ""
    source: str = field(default="")
    # archive.prepare.prepare(article), worked out in the extraction worker; None = not done
    prepared: Any = field(default=None, repr=False)

    @property
    def status(self) -> str:
        return self.article["status"]
