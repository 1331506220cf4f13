"""Article.to_dict(), written out field by field, is the object dataclasses.asdict gave."""
from __future__ import annotations

import json
from dataclasses import asdict

from fixtures.loader import iter_cases
from harvester.extract import extract
from harvester.extract.article import Article
from harvester.page import Page

CONTRACT_ORDER = ("status", "url", "canonical_url", "title", "title_en", "title_zh", "original_title",
                  "source", "author", "editors", "published", "language", "paragraphs", "pairs")


def by_asdict(article: Article) -> dict:
    """The object as it was built before: asdict, then the contract's key order."""
    data = asdict(article)
    ordered = {k: data[k] for k in CONTRACT_ORDER}
    ordered["text_en"], ordered["text_zh"] = article.text_en, article.text_zh
    ordered["images"], ordered["removed"] = data["images"], data["removed"]
    if article.origin:
        ordered["origin"] = data["origin"]
    return ordered


def test_every_fixture_page_gives_the_same_object_keys_in_the_same_order():
    checked = 0
    for case in iter_cases():
        article = extract(Page.from_headers(case.body, case.url, case.headers))
        ours = article.to_dict()
        assert json.dumps(ours, ensure_ascii=False) == json.dumps(by_asdict(article), ensure_ascii=False), case.name
        checked += 1
    assert checked > 50


def test_the_object_shares_no_list_or_dict_with_the_article():
    article = Article(status="article", url="u", canonical_url="u", editors={"编辑": "王"},
                      removed=["x"], origin=[{"kind": "link", "url": "v"}])
    data = article.to_dict()
    data["editors"]["审读"] = "李"
    data["removed"].append("y")
    data["origin"][0]["url"] = "w"
    assert article.editors == {"编辑": "王"} and article.removed == ["x"]
    assert article.origin == [{"kind": "link", "url": "v"}]
