"""`extract(page) -> Article`: the whole extraction, one named step per line.

decode -> parse once -> metadata cascade (WeChat -> portal -> fallbacks) -> body blocks ->
page furniture and boilerplate -> credits -> paragraphs -> page state -> bylines and dates
-> titles -> alignment. Each step lives in the module named for its job; the rules are
loaded once (rules.py) and handed to every step. Nothing here imports Scrapy; the spider,
the CLI and replay all call this.
"""
from __future__ import annotations

from harvester.extract.align import align
from harvester.extract.article import Article, Pair, Paragraph
from harvester.extract.blocks import Block
from harvester.extract.body import collect_images, main_blocks
from harvester.extract.bylines import body_name_line, read_bylines, trim_author
from harvester.extract.cleaning import clean
from harvester.extract.credits import apply_lifted, byline_over_site, credited_source, lead_author, page_credits, \
    tidy_credits
from harvester.extract.dom import Doc
from harvester.extract.encoding import decode
from harvester.extract.errors import ExtractionError
from harvester.extract.furniture import (cut_later_entries, drop_dated_items, drop_info_lines, drop_link_bars,
                                         drop_link_lists, drop_trailing_link_headline)
from harvester.extract.language import document_language, paragraphs_from_blocks
from harvester.extract.metadata import PORTAL, WECHAT, metadata_cascade, templates_for
from harvester.extract.origin import origin_claims, split_canonical
from harvester.extract.rules import RULES, Rules
from harvester.extract.sniff import refusal
from harvester.extract.status import Verdict, classify
from harvester.extract.titles import drop_title_echo, other_language_title, split_title
from harvester.extract.wechat import drop_account_slogan, is_video_post
from harvester.page import Page

_REPORTED_ROLE = {"lead": "body", "legend": "caption"}  # internal roles of language.paragraphs_from_blocks

__all__ = ["extract", "extract_html", "extract_doc", "ExtractionError"]


def extract(page: Page) -> Article:
    """Extract one fetched page into a contract Article (never raises for HTML input)."""
    refused = refusal(page.content_type)  # only a binary format's label refuses; under any other the bytes decide
    if refused:
        raise ExtractionError(refused)
    text, _encoding = decode(page.body, page.content_type)
    doc = Doc.parse(text, page.url)
    return extract_doc(doc)


def extract_html(html: str | bytes, url: str = "") -> Article:
    """Convenience for tests and tools: extract from an HTML string or bytes."""
    body = html.encode("utf-8") if isinstance(html, str) else html
    return extract(Page(body=body, url=url))


def extract_doc(doc: Doc, rules: Rules = RULES) -> Article:
    """One parsed page -> its Article; `rules` are the compiled boilerplate_rules.toml."""
    templates = templates_for(doc)
    wechat = WECHAT in templates
    meta = metadata_cascade(doc, templates)
    canonical, foreign_canonical = split_canonical(meta.canonical_url, doc.url)
    article = Article(status="article", url=doc.url, canonical_url=canonical,
                      title=meta.title or "", source=meta.source, author=meta.author, published=meta.published)

    blocks = main_blocks(doc, templates, rules)
    blocks = drop_title_echo(blocks, article.title, meta.title_en, meta.title_zh)
    slogans: list[str] = []
    if wechat:
        blocks, slogans = drop_account_slogan(doc, blocks, WECHAT)
    blocks, bars = drop_link_bars(doc, blocks, rules)
    cleaned = clean(blocks, rules)
    article.removed = slogans + bars + cleaned.removed
    apply_lifted(article, cleaned.lifted)
    outside = page_credits(doc, article, rules)
    tidy_credits(doc, article)
    byline_over_site(doc, article, cleaned.lifted)
    credited_source(doc, article, cleaned.lifted.get("source") or outside.get("source"), templates)
    cleaned.blocks = _drop_source_line(cleaned.blocks, article)
    if not article.author:
        article.author = lead_author(cleaned.blocks)

    triples, paragraphs = _paragraphs(cleaned.blocks, rules)
    images = collect_images(cleaned.blocks)
    # captions count toward the page's text: a photo story's are its story, and a short article whose every
    # paragraph follows a photo has had its paragraphs read as captions (never evidence of no article)
    captions = [p.text for p in paragraphs if p.role == "caption"]
    body = [p.text for p in paragraphs if p.role == "body"]
    video = wechat and is_video_post(doc, WECHAT, meta.title, paragraphs, rules)
    verdict = classify(doc, body, rules, captions, video=video, wechat=wechat)
    article.status_reason = verdict.reason
    if verdict.status != "article":
        return _not_an_article(article, verdict)

    if not article.author:  # a bare name on its own under the headline: the byline, lifted out of the body
        at = body_name_line([(p.text, p.role) for p in paragraphs], rules, article.title)
        if at is not None:
            article.author = paragraphs[at].text.strip()
            article.removed.append(paragraphs[at].text)
            del paragraphs[at]
            triples = [t for t in triples if t[0] != article.author]
    article.paragraphs = paragraphs
    read_bylines(doc, article, None if wechat else PORTAL, rules)
    article.author = trim_author(article.author, rules)
    kept, listed = drop_link_lists(doc, cleaned.blocks, rules)
    kept, later = cut_later_entries(kept, article.published, rules)
    kept, dated = drop_dated_items(kept, rules)
    kept, linked = drop_trailing_link_headline(doc, kept, rules)
    later += dated + linked
    kept, info = drop_info_lines(kept, rules)
    listed += later + info
    if listed:
        article.removed += listed
        triples, paragraphs = _paragraphs(kept, rules)
        images = collect_images(kept)
    at = other_language_title(paragraphs, article.title, meta, rules)
    if at is not None:  # the headline in the other language, given as a plain line under the title
        line = paragraphs.pop(at)
        triples = [t for t in triples if t[0] != line.text]
        meta.title_en, meta.title_zh = (line.text, meta.title_zh) if line.lang == "en" else (meta.title_en, line.text)
        article.removed.append(line.text)
    article.paragraphs = paragraphs
    article.images = images
    article.language = document_language(article.paragraphs)
    if article.language == "bilingual":
        article.pairs = [Pair(en=e, zh=z) for e, z in align(triples)]
    article.title_en, article.title_zh = split_title(article.title, article.paragraphs)
    # a labelled headline box (中文标题 …) states the title in that language outright
    article.title_en = meta.title_en or article.title_en
    article.title_zh = meta.title_zh or article.title_zh
    if not article.title and article.paragraphs:
        article.title = article.paragraphs[0].text[:120]
    article.origin = origin_claims(doc, article.canonical_url, foreign_canonical)
    return article


def _drop_source_line(blocks: list[Block], article: Article) -> list[Block]:
    """The outlet's or account's name alone on the body's first line (an info bar's name cell read into
    the body) is the byline the source came from, not a paragraph."""
    first = next((k for k, b in enumerate(blocks) if b.kind != "image"), None)
    if first is None or not article.source or blocks[first].text.strip() != article.source.strip() \
            or len(blocks) - first < 2:
        return blocks
    article.removed.append(blocks[first].text)
    return blocks[:first] + blocks[first + 1:]


def _paragraphs(blocks: list[Block], rules: Rules) -> tuple[list[tuple[str, str, str]], list[Paragraph]]:
    """(text, lang, role) triples for the aligner, and the Paragraphs the article reports."""
    triples = paragraphs_from_blocks(blocks, rules)
    return triples, [Paragraph(text=t, lang=lang, role=_REPORTED_ROLE.get(role, role))  # type: ignore[arg-type]
                     for t, lang, role in triples]


def _not_an_article(article: Article, verdict: Verdict) -> Article:
    """Deleted, blocked and non-article pages carry their status, its reason and URLs, nothing else."""
    return Article(status=verdict.status, url=article.url, canonical_url=article.canonical_url,  # type: ignore[arg-type]
                   status_reason=verdict.reason)
