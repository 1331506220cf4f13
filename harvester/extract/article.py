"""The result of extraction: contract section 3, as typed data.

`Article.to_dict()` is exactly the JSON object `harvest extract --format json` prints
and the archive stores; keep the two in step by changing only this file.
"""
from __future__ import annotations

from dataclasses import dataclass, field
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
        """The contract's JSON object (section 3), keys in contract order.

        Written out field by field rather than with `dataclasses.asdict`, whose recursive
        deep copy cost an extraction worker most of a millisecond a page; the values are
        the same new lists and dicts (tests/test_extract_article_dict.py holds the two equal).
        """
        ordered = {
            "status": self.status, "url": self.url, "canonical_url": self.canonical_url,
            "title": self.title, "title_en": self.title_en, "title_zh": self.title_zh,
            "original_title": self.original_title, "source": self.source, "author": self.author,
            "editors": dict(self.editors), "published": self.published, "language": self.language,
            "paragraphs": [{"text": p.text, "lang": p.lang, "role": p.role} for p in self.paragraphs],
            "pairs": [{"en": p.en, "zh": p.zh} for p in self.pairs],
            "text_en": self.text_en,
            "text_zh": self.text_zh,
            "images": [{"src": i.src, "caption": i.caption} for i in self.images],
            "removed": list(self.removed),
        }
        if self.origin:
            ordered["origin"] = [dict(o) for o in self.origin]
        return ordered
