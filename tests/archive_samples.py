"""Small article dicts (contract section 3 shape) shared by the archive tests."""
from __future__ import annotations

import copy
from typing import Any


def _article(url: str, title: str, paragraphs: list[tuple[str, str]], pairs: list[tuple[str, str]],
             **fields: Any) -> dict[str, Any]:
    paras = [{"text": text, "lang": lang, "role": "body"} for lang, text in paragraphs]
    article = {
        "status": "article", "url": url + "?from=timeline", "canonical_url": url,
        "title": title, "title_en": None, "title_zh": None, "original_title": None,
        "source": "sz-daily", "author": None, "editors": {}, "published": "2023-06-13T18:59:00+08:00",
        "language": "bilingual", "paragraphs": paras,
        "pairs": [{"en": en, "zh": zh} for en, zh in pairs],
        "text_en": "\n".join(t for lang, t in paragraphs if lang == "en"),
        "text_zh": "\n".join(t for lang, t in paragraphs if lang == "zh"),
        "images": [{"src": "https://example.org/a.jpg", "caption": None}],
        "removed": ["点击蓝字关注我们", "编辑：王五"],
    }
    article.update(fields)
    return article


def shenzhen() -> dict[str, Any]:
    """Bilingual: 深圳 and 创新 as words; English 'innovation' (singular)."""
    return _article(
        "https://example.org/article/shenzhen", "Shenzhen bets on innovation",
        [("en", "Shenzhen announced a new innovation fund on Tuesday."),
         ("zh", "深圳周二宣布设立新的创新基金。"),
         ("en", "The fund will support young companies."),
         ("zh", "该基金将支持年轻企业。"),
         ("zh", "记者 张三 报道")],
        [("Shenzhen announced a new innovation fund on Tuesday.", "深圳周二宣布设立新的创新基金。"),
         ("The fund will support young companies.", "该基金将支持年轻企业。")],
        title_en="Shenzhen bets on innovation", title_zh="深圳押注创新",
        author="Li Si", editors={"编辑": "王五", "审读": "赵六"})


def beijing() -> dict[str, Any]:
    """Chinese only; holds 深, 圳, 创, 新 but never 深圳 or 创新 side by side."""
    return _article(
        "https://example.org/article/beijing", "北京深入推进城市更新",
        [("zh", "北京深入推进城市更新，创造新的公共空间。"),
         ("zh", "有市民说，老家在圳口村。")],
        [], language="zh", source="bj-news", published="2023-07-01T09:00:00+08:00",
        images=[], removed=[])


def harbour() -> dict[str, Any]:
    """English only, about a harbour: shares no search term with the others."""
    return _article(
        "https://example.org/article/harbour", "Harbour traffic rises",
        [("en", "Container traffic at the harbour rose in May.")],
        [], language="en", source="sz-daily", published="2023-05-20T08:00:00+08:00",
        removed=[])


def edited(article: dict[str, Any], extra_zh: str = "深圳还将举办创新大赛。") -> dict[str, Any]:
    """The same article with one more Chinese paragraph: a new version."""
    changed = copy.deepcopy(article)
    changed["paragraphs"].append({"text": extra_zh, "lang": "zh", "role": "body"})
    changed["text_zh"] += "\n" + extra_zh
    return changed
