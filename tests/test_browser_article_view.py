"""The archive as a reader sees it in a real browser: headless Debian Chromium.

The reader view: both titles, the EN/ZH pairs side by side row by row, the raw
snapshot link; then Datasette's own search box in Chinese. Full-page screenshots
are kept in test-output/ for a human to look at. The archive, server and browser
come from tests/browser_support.py (skips, saying why, without Chromium).
"""
from __future__ import annotations

from urllib.parse import quote, urlsplit

import pytest

from .browser_support import (DB_NAME, OUTPUT, archive_db, box, browser, db_rows,  # noqa: F401 (fixtures)
                              page, screenshot, server, truth_for)

SEED_TITLE = "一场遇见未来之旅:创新城市国际交流营在深圳举行"            # zh title only, 10 pairs
BOTH_TITLES = "Shenzhen's first hospital drone delivery route takes off"  # title_en and title_zh


@pytest.mark.parametrize("title, shot", [
    (SEED_TITLE, "article-view.png"),
    (BOTH_TITLES, "article-view-both-titles.png"),
], ids=["seed", "both-titles"])
def test_reader_view_shows_titles_and_pairs_side_by_side(archive_db, server, page, title, shot):
    truth = truth_for(title)
    (article,) = db_rows(archive_db, "SELECT * FROM articles WHERE is_current = 1 AND "
                         "? IN (title, title_en, title_zh)", title)
    db_pairs = db_rows(archive_db, "SELECT en, zh FROM pairs WHERE article_id = ? ORDER BY seq",
                       article["id"])
    assert article["pair_count"] == len(db_pairs) == len(truth["pairs"]) > 0

    response = page.goto(f"{server}/-/article/{article['id']}?database={DB_NAME}")
    assert response is not None and response.status == 200
    page.wait_for_selector("table.pairs tbody tr")

    # Titles: every title the article has is on screen.
    titles = page.locator(".harvester-article .titles")
    expected_titles = [t for t in (truth["title_en"], truth["title_zh"]) if t] or [truth["title"]]
    for text in expected_titles:
        assert titles.get_by_text(text, exact=True).is_visible(), f"title {text!r} not visible"
    assert page.locator(".titles h1").inner_text().strip() == (truth["title_en"] or truth["title"])
    assert page.title().startswith(truth["title_en"] or truth["title"])

    # Metadata a reader relies on.
    meta = page.locator("dl.article-meta")
    assert meta.get_by_text(article["url"], exact=True).is_visible()
    assert meta.get_by_text(article["language"], exact=True).is_visible()
    assert page.get_by_role("heading", name=f"Aligned paragraphs ({len(db_pairs)})").is_visible()

    # Pairs: one row per stored pair, English cell left, Chinese cell right, same row.
    table_width = box(page.locator("table.pairs"))["width"]
    rows = page.locator("table.pairs tbody tr")
    assert rows.count() == len(db_pairs)
    for i, (row_pair, (en_prefix, zh_prefix)) in enumerate(zip(db_pairs, truth["pairs"])):
        row = rows.nth(i)
        en, zh = row.locator('td[lang="en"]'), row.locator('td[lang="zh"]')
        assert en.is_visible() and zh.is_visible(), f"row {i}: a cell is hidden"
        en_text, zh_text = en.inner_text().strip(), zh.inner_text().strip()
        assert en_text == row_pair["en"].strip() and zh_text == row_pair["zh"].strip(), f"row {i}"
        assert en_text.startswith(en_prefix) and zh_text.startswith(zh_prefix), f"row {i}"
        e, z = box(en), box(zh)
        assert z["x"] >= e["x"] + e["width"] - 1, f"row {i}: Chinese cell not right of English"
        assert abs(z["y"] - e["y"]) < 1, f"row {i}: cells not on the same line"
        assert min(e["width"], z["width"]) > 0.4 * table_width, f"row {i}: columns squeezed"
        if i:
            prev = box(rows.nth(i - 1).locator('td[lang="en"]'))
            assert e["y"] >= prev["y"] + prev["height"] - 1, f"row {i} overlaps row {i - 1}"

    # Nothing (a long URL, say) pushes the page wider than the window.
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]

    path = screenshot(page, shot)
    assert path.stat().st_size > 10_000

    # The raw snapshot: the page as archived, from its WARC record.
    link = page.get_by_role("link", name="raw snapshot")
    assert link.is_visible()
    with page.expect_response(lambda r: "/-/snapshot/" in r.url) as snapshot_info:
        link.click()
    snapshot = snapshot_info.value
    assert snapshot.status == 200
    assert snapshot.headers["content-type"].startswith("text/html")
    assert "sandbox" in snapshot.headers.get("content-security-policy", "")
    page.wait_for_load_state("domcontentloaded")
    assert urlsplit(page.url).path == f"/-/snapshot/{article['id']}"
    raw = page.content()  # the archived DOM, visible or not (WeChat hides its body until JS runs)
    for text in expected_titles:
        assert text in raw, f"snapshot lacks the title {text!r}"
    assert truth["pairs"][0][1] in raw and truth["pairs"][0][0] in raw


def test_datasette_search_box_finds_chinese_articles(archive_db, server, page):
    expected = {row["id"]: row["title"] for row in db_rows(
        archive_db, "SELECT id, title FROM articles WHERE is_current = 1 AND "
        "(title || coalesce(text_zh, '') || coalesce(text_en, '')) LIKE '%深圳%'")}
    assert any(row["language"] == "zh" for row in db_rows(
        archive_db, f"SELECT language FROM articles WHERE id IN ({','.join(map(str, expected))})"))
    response = page.goto(f"{server}/{DB_NAME}/articles?_search={quote('深圳')}")
    assert response is not None and response.status == 200
    page.wait_for_selector("table.rows-and-columns tbody tr")
    assert page.locator("input#_search").input_value() == "深圳"
    shown = {int(cell.inner_text().strip()): page.locator("table.rows-and-columns tbody tr")
             .nth(i).locator("td.col-title").inner_text().strip()
             for i, cell in enumerate(page.locator("table.rows-and-columns tbody td.col-id").all())}
    assert shown == expected
    assert SEED_TITLE in shown.values()
    summary = page.get_by_role("heading", name="where search matches")
    assert summary.inner_text().startswith(f'{len(expected)} rows where search matches "深圳"')
    # From that line on: the search form, facets, first results (the whole page is very long).
    summary.evaluate("h => h.scrollIntoView({block: 'start'})")
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "articles-search-shenzhen.png"))
    # A title links to its reader view.
    page.get_by_role("link", name=SEED_TITLE, exact=True).click()
    page.wait_for_selector("table.pairs tbody tr")
    assert urlsplit(page.url).path.startswith("/-/article/")
