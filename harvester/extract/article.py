"""The result of extraction: contract section 3, as typed data.

`Article.to_dict()` is exactly the JSON object `harvest extract --format json` prints
and the archive stores; keep the two in step by changing only this file.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal

Status = Literal["article", "deleted", "blocked", "not_article"]
Lang = Literal["en", "zh", "mixed", "other"]
Role = Literal["body", "heading", "caption"]


@dataclass
class Paragraph:
    text: str
    lang: Lang
    role: Role = "body"


@dataclass
class Pair:
    en: str
    zh: str


@dataclass
class Image:
    src: str
    caption: str | None = None


@dataclass
class Article:
    status: Status
    url: str
    canonical_url: str
    title: str = ""
    title_en: str | None = None
    title_zh: str | None = None
    original_title: str | None = None
    source: str | None = None
    author: str | None = None
    editors: dict[str, str] = field(default_factory=dict)
    published: str | None = None  # ISO 8601 with offset
    language: str = "zh"  # en | zh | bilingual
    paragraphs: list[Paragraph] = field(default_factory=list)
    pairs: list[Pair] = field(default_factory=list)
    images: list[Image] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    # Where the page says its story comes from (harvester/extract/origin.py); not in the contract's
    # section 3 list, so to_dict() adds it only when there is some.
    origin: list[dict[str, str]] = field(default_factory=list)
    # why the page has its status (status.classify); reported by `harvest extract --format text`
    # and crawl stats, not part of the contract's JSON object
    status_reason: str = field(default="", compare=False)

    @property
    def text_en(self) -> str:
        return "\n".join(p.text for p in self.paragraphs if p.lang == "en")

    @property
    def text_zh(self) -> str:
        return "\n".join(p.text for p in self.paragraphs if p.lang == "zh")

    def to_dict(self) -> dict:
        """The contract's JSON object (section 3), keys in contract order."""
        data = asdict(self)
        ordered = {k: data[k] for k in (
            "status", "url", "canonical_url", "title", "title_en", "title_zh",
            "original_title", "source", "author", "editors", "published", "language",
            "paragraphs", "pairs")}
        ordered["text_en"] = self.text_en
        ordered["text_zh"] = self.text_zh
        ordered["images"] = data["images"]
        ordered["removed"] = data["removed"]
        if self.origin:
            ordered["origin"] = data["origin"]
        return ordered
