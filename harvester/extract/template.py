"""Base of the declarative site templates (fundus style).

A template names its selectors as class attributes and has one short method per
field; each returns a value or None, and the pipeline's cascade takes the first
non-empty answer from WeChat -> portal -> trafilatura -> fallbacks.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields

from lxml import etree

from harvester.extract.dom import Doc


@dataclass
class Metadata:
    """Fields a template may fill; None means 'ask the next one'."""

    title: str | None = None
    title_en: str | None = None
    title_zh: str | None = None
    source: str | None = None
    author: str | None = None
    published: str | None = None
    canonical_url: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def fill_from(self, other: "Metadata") -> None:
        """Take other's values only where ours are still empty."""
        for f in fields(self):
            if f.name != "extra" and not getattr(self, f.name) and getattr(other, f.name):
                setattr(self, f.name, getattr(other, f.name))


class Template:
    """One family of pages; subclasses set selectors and override field methods."""

    name = "base"
    content_xpath: str | None = None  # the article body node, when the template knows it

    def matches(self, doc: Doc) -> bool:
        return False

    def content_node(self, doc: Doc) -> etree._Element | None:
        return doc.first(self.content_xpath) if self.content_xpath else None

    def title(self, doc: Doc) -> str | None:
        return None

    def source(self, doc: Doc) -> str | None:
        return None

    def author(self, doc: Doc) -> str | None:
        return None

    def published(self, doc: Doc) -> str | None:
        return None

    def canonical_url(self, doc: Doc) -> str | None:
        return None

    def titles(self, doc: Doc) -> tuple[str | None, str | None]:
        """(title_en, title_zh) the page states explicitly (a labelled headline box), if any."""
        return None, None

    def metadata(self, doc: Doc) -> Metadata:
        """All fields, each from its own method."""
        title_en, title_zh = self.titles(doc)
        return Metadata(title=self.title(doc) or None, title_en=title_en or None, title_zh=title_zh or None,
                        source=self.source(doc) or None, author=self.author(doc) or None,
                        published=self.published(doc) or None, canonical_url=self.canonical_url(doc) or None)
