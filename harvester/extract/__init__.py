"""Extraction: pure functions from a fetched `Page` to an `Article` (contract section 3).

No Scrapy here: the spider, `harvest extract` and `harvest replay` all call `extract()`.
"""
from harvester.extract.article import Article, Image, Pair, Paragraph
from harvester.extract.pipeline import extract

__all__ = ["Article", "Image", "Pair", "Paragraph", "extract"]
