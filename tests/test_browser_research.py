"""The archive as a researcher uses it, in a real browser (headless Debian Chromium).

Search from the home page: the right article first, hits in <mark>, snippets in both
languages; the articles table with its rows on the first screen. The archive, the
server and the browser come from tests/browser_support.py, which skips, saying why,
where Chromium or playwright is missing.
"""
from __future__ import annotations

from urllib.parse import quote, urlsplit

import pytest

from .browser_support import (DB_NAME, archive_db, box, browser, db_rows, page,  # noqa: F401 (fixtures)
                              screenshot, server)

FIRST_SCREEN = 700  # px: where rows must start in a 1280x900 window


@pytest.mark.parametrize("query, title, shot", [
    ("夜间", "深圳湾公园新增三处夜间观潮点", "search-night.png"),
    ("robotics", "Nanshan opens free robotics lab for secondary school students", "search-robotics.png"),
    ("手语", "龙华政务大厅开设手语视频服务窗口", "search-sign-language.png"),
], ids=["night", "robotics", "sign-language"])
def test_search_from_the_home_page_puts_the_right_article_first(archive_db, server, page, query, title, shot):
    (article,) = db_rows(archive_db, "SELECT id, title, title_zh FROM articles WHERE is_current = 1 "
                         "AND ? IN (title, title_en, title_zh)", title)
    page.goto(server + "/")
    form = page.locator("form.harvester-home-search")
    form.locator('input[name="q"]').fill(query)
    form.locator('input[type="submit"]').click()
    page.wait_for_selector("ol.hits li.hit")
    assert urlsplit(page.url).path == "/-/search"

    first = page.locator("ol.hits li.hit").first
    assert first.get_attribute("data-article-id") == str(article["id"])
    assert first.locator("h2").inner_text().strip() == title or \
        first.locator(".title-zh").inner_text().strip() == title
    marks = first.locator(".snippet mark")
    assert marks.count() >= 1 and marks.first.is_visible()
    assert all(m.inner_text().lower().startswith(query[:5].lower()) for m in marks.all())
    # A bilingual article shows a snippet in each language.
    if article["title_zh"] and db_rows(archive_db, "SELECT language FROM articles WHERE id = ?",
                                       article["id"])[0]["language"] == "bilingual":
        assert first.locator('.snippet[lang="en"]').is_visible()
        assert first.locator('.snippet[lang="zh"]').is_visible()
    # Facets by source, language and year beside the hits.
    for facet in ("source", "language", "year"):
        assert page.locator(f'ul[data-facet="{facet}"] li').count() >= 1, facet
    assert box(first)["y"] < FIRST_SCREEN
    if shot:
        screenshot(page, shot)
    first.locator("h2 a").click()
    page.wait_for_selector(".harvester-article")
    assert urlsplit(page.url).path == f"/-/article/{article['id']}"


def test_articles_table_search_rows_on_the_first_screen(archive_db, server, page):
    response = page.goto(f"{server}/{DB_NAME}/articles?_search={quote('深圳')}")
    assert response is not None and response.status == 200
    first_row = page.locator("table.rows-and-columns tbody tr").first
    assert box(first_row)["y"] < FIRST_SCREEN, "the first result row starts below the first screen"
    headers = [h.get_attribute("data-column") for h in page.locator("table.rows-and-columns thead th").all()]
    assert headers[:3] == ["title", "source", "published"]
    details = page.locator("details.harvester-columns")
    assert details.is_visible() and details.get_attribute("open") is None
    assert not page.locator("details.harvester-columns dd").first.is_visible()
    details.locator("summary").click()
    assert page.locator("details.harvester-columns dd").first.is_visible()
    screenshot(page, "articles-table-search.png", full_page=False)
    page.get_by_role("link", name="“深圳” on the search page").click()
    page.wait_for_selector("ol.hits li.hit")
    assert page.locator('input[name="q"]').first.input_value() == "深圳"


def test_changed_article_version_2_shows_what_changed(archive_db, server, page):
    """fixtures/updates/portal-english-daily: one paragraph added, one corrected."""
    rows = db_rows(archive_db, "SELECT id, version, is_current FROM articles WHERE title = ? ORDER BY version",
                   "Shenzhen opens its 1,300th park")
    assert [(r["version"], r["is_current"]) for r in rows] == [(1, 0), (2, 1)]
    first, second = rows
    # The canned query lists the change; its title opens version 2.
    page.goto(f"{server}/{DB_NAME}/changed_articles")
    page.get_by_role("link", name="Shenzhen opens its 1,300th park").first.click()
    page.wait_for_selector(".harvester-article")
    assert urlsplit(page.url).path == f"/-/article/{second['id']}"

    changes = page.locator("section#changes")
    assert changes.get_by_role("heading", name="Changes since version 1").is_visible()
    added = changes.locator("ins")
    assert added.count() == 2 and added.first.is_visible()
    assert [t.strip() for t in added.all_inner_texts()] == [
        "The new Xiangmihu Pocket Park has a children's playground, a shaded seating area and a 320-meter "
        "running loop, and is open 24 hours a day.",
        "Residents can suggest sites for the next pocket parks through the city's 12345 hotline until the "
        "end of March, the bureau said on Tuesday."]
    removed = changes.locator("del")
    assert removed.count() == 1 and "300-meter running loop" in removed.inner_text()
    assert page.evaluate("getComputedStyle(document.querySelector('#changes ins')).backgroundColor") \
        != page.evaluate("getComputedStyle(document.querySelector('#changes del')).backgroundColor")
    # All versions are listed, this one marked; version 1 has nothing to compare with.
    versions = page.locator("section#versions table.versions tbody tr")
    assert versions.count() == 2
    assert versions.nth(1).get_attribute("class") == "this" and "+2 −1" in versions.nth(1).inner_text()
    changes.scroll_into_view_if_needed()
    screenshot(page, "article-version-diff.png", full_page=False)
    versions.nth(0).get_by_role("link", name="v1").click()
    page.wait_for_selector(".harvester-article")
    assert urlsplit(page.url).path == f"/-/article/{first['id']}"
    assert page.locator("section#changes").count() == 0
    assert "(superseded)" in page.locator("dl.article-meta").inner_text()


def test_portal_copy_links_to_its_wechat_original_and_back(archive_db, server, page):
    """fixtures: portal-dute-seed-innovation-camp-repost republishes wechat-2024-seed-innovation-camp."""
    (copy,) = db_rows(archive_db, "SELECT id, canonical_url FROM articles WHERE canonical_url LIKE "
                      "'https://www.dutenews-portal.example/%' AND is_current = 1")
    (original,) = db_rows(archive_db, "SELECT id, title FROM articles WHERE title = ? AND is_current = 1",
                          "一场遇见未来之旅:创新城市国际交流营在深圳举行")
    page.goto(f"{server}/-/article/{copy['id']}?database={DB_NAME}")
    section = page.locator("section#copies")
    assert section.get_by_role("heading", name="Also published as").is_visible()
    link = section.locator("li.original a")
    assert link.inner_text().strip() == original["title"] and link.is_visible()
    assert "found by link" in section.locator("li.original").inner_text()
    screenshot(page, "article-copy.png", full_page=False)
    link.click()
    page.wait_for_selector(".harvester-article")
    assert urlsplit(page.url).path == f"/-/article/{original['id']}"
    back = page.locator("section#copies li.copy a")
    assert back.count() == 1 and back.is_visible()
    back.click()
    page.wait_for_selector(".harvester-article")
    assert urlsplit(page.url).path == f"/-/article/{copy['id']}"


def test_text_only_copy_is_found_and_counted_per_source(archive_db, server, page):
    """portal-longhua-news-sign-language-desk-copy: the Chinese half, edited, no credit, no link."""
    (row,) = db_rows(archive_db, "SELECT c.method, c.similarity, o.title FROM copies c "
                     "JOIN articles a ON a.id = c.article_id JOIN articles o ON o.id = c.original_id "
                     "WHERE a.canonical_url LIKE 'https://www.lhnews-portal.example/%'")
    assert row["method"] == "text" and row["title"] == "龙华政务大厅开设手语视频服务窗口"
    page.goto(f"{server}/{DB_NAME}/copies_per_source")
    table = page.locator("table.rows-and-columns")
    assert table.get_by_text("www.lhnews-portal.example", exact=True).is_visible()
    assert table.get_by_text("www.dutenews-portal.example", exact=True).is_visible()
