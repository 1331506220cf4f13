"""Datasette plugin: read archived articles, search them in Chinese, see the raw capture.

Installed through the `datasette` entry point in pyproject.toml, so a plain
`datasette archive.db` picks it up. It adds:

- `/-/article/<id>` (`?database=` to choose among several): an article version
  laid out for reading, EN and ZH side by side pair by pair, then the
  paragraphs that found no partner, with a link to
- `/-/snapshot/<id>`: the HTTP payload the article was extracted from, read back
  out of its WARC record (plugin config `warc_dir`, default `<db dir>/warcs`),
  served with its original content type inside a CSP sandbox so archived scripts
  cannot run on Datasette's origin.
- a link from every title in the `articles` table to the reader view.
- SQL functions: `escape_fts` is replaced, on archive databases only, by one
  that also finds Chinese of any length (see archive/search.py), so the table's
  plain search box works; `archive_match(q)` builds the same expression that
  `harvest search` uses, for canned queries.

Configuration (metadata.json):

    {"plugins": {"harvester-article-view": {"warc_dir": "/path/to/warcs"}}}
"""
from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from datasette import hookimpl
from datasette.utils.asgi import NotFound, Response
from jinja2 import ChoiceLoader, FileSystemLoader
from markupsafe import Markup

from . import copies, versions
from .search import (FACETS, FTS_COLUMNS as SEARCH_COLUMNS, FTS_TABLE, HIT_MARKS, datasette_escape_fts,
                     match_expression, search_page)
from .schema import SEARCH_ORDER_CONDITION
from .snapshot import SnapshotError, read_snapshot, resolve_warc_path
from .store import read_article

PLUGIN_NAME = "harvester-article-view"
TEMPLATES = Path(__file__).parent / "templates"
SEARCH_TEMPLATE = "harvester_search.html"
_ARCHIVES: set[str] = set()  # names of the served databases that are archives (prepare_connection)
PAGE_SIZE = 20


def _is_archive(conn: sqlite3.Connection) -> bool:
    """Does this connection hold our FTS table (with its derived Chinese columns)?"""
    try:
        return conn.execute(
            f"SELECT 1 FROM pragma_table_info('{FTS_TABLE}') WHERE name = 'text_zh_bigrams'"
        ).fetchone() is not None
    except sqlite3.Error:
        return False


@hookimpl
def prepare_jinja2_environment(env: Any, datasette: Any) -> None:
    """Put archive/templates before Datasette's own, after any --template-dir.

    Datasette only looks for templates beside plugins that are packages; this
    plugin is a module. The templates there: the reader and search pages, and
    overrides that extend Datasette's (`{% extends "default:table.html" %}`).
    """
    loader = env.loader.loaders[0] if isinstance(env.loader, ChoiceLoader) else None
    if isinstance(loader, FileSystemLoader) and str(TEMPLATES) not in loader.searchpath:
        loader.searchpath.insert(max(0, len(loader.searchpath) - 1), str(TEMPLATES))


@hookimpl(trylast=True)
def prepare_connection(conn: sqlite3.Connection, database: str, datasette: Any) -> None:
    """trylast: runs after Datasette's own sql_functions, so our escape_fts wins."""
    conn.create_function("archive_match", 1, match_expression, deterministic=True)
    if _is_archive(conn):
        _ARCHIVES.add(database)
        conn.create_function("escape_fts", 1, datasette_escape_fts, deterministic=True)


def article_path(datasette: Any, database: str, article_id: int) -> str:
    """URL of the reader view for one article version."""
    return datasette.urls.path(f"/-/article/{article_id}") + "?" + urlencode({"database": database})


@hookimpl
def render_cell(row: Any, value: Any, column: str, table: str | None, database: str,
                datasette: Any) -> Markup | None:
    """Titles link to the reader view: in the articles table, and in the archive's
    canned queries whose rows carry the article's `id`."""
    if column != "title" or row is None:
        return None
    if table != "articles" and not (table is None and database in _ARCHIVES):
        return None
    try:
        article_id = row["id"]
    except (KeyError, IndexError):
        return None
    if not isinstance(article_id, int):
        return None
    return Markup('<a href="{}">{}</a>').format(
        article_path(datasette, database, article_id), value or "(untitled)")


async def _archive_database(datasette: Any, request: Any) -> Any:
    """The database named by ?database=, else the first one with an articles table."""
    name = request.args.get("database")
    if name:
        try:
            db = datasette.get_database(name)
        except KeyError:
            raise NotFound(f"Database not found: {name}")
        candidates = [db]
    else:
        candidates = [db for n, db in datasette.databases.items() if n != "_internal"]
    for db in candidates:
        if await db.table_exists("articles"):
            await datasette.ensure_permissions(request.actor, [
                ("view-table", (db.name, "articles")),
                ("view-database", db.name),
                "view-instance",
            ])
            return db
    raise NotFound("No archive database (with an articles table) is being served")


def _article_id(request: Any) -> int:
    return int(request.url_vars["id"])


def _unpaired(article: dict[str, Any]) -> list[dict[str, Any]]:
    """Paragraphs whose text is in no pair: shown below the side-by-side table."""
    paired = {p["en"] for p in article["pairs"]} | {p["zh"] for p in article["pairs"]}
    return [p for p in article["paragraphs"] if p["text"] not in paired]


async def article_view(datasette: Any, request: Any) -> Response:
    """/-/article/<id>: one article version, EN and ZH side by side."""
    db = await _archive_database(datasette, request)
    article_id = _article_id(request)
    try:
        article = await db.execute_fn(lambda conn: read_article(conn, article_id))
    except KeyError:
        raise NotFound(f"No article {article_id}")
    history = await db.execute_fn(lambda conn: versions.history(conn, article["canonical_url"]))
    for row in history:
        row["link"] = article_path(datasette, db.name, row["id"])
    diff = await db.execute_fn(lambda conn: versions.changes(conn, article_id))
    related = {"originals": [], "copies": []}
    if await db.table_exists("copies"):
        related = await db.execute_fn(lambda conn: copies.copies_of(conn, [row["id"] for row in history]))
    for entry in related["originals"] + related["copies"]:
        entry["link"] = article_path(datasette, db.name, entry["id"])
    if diff is not None:
        diff["previous_link"] = article_path(datasette, db.name, diff["previous_id"])
    snapshot_url = None
    if article.get("warc_file") and article.get("warc_offset") is not None:
        snapshot_url = datasette.urls.path(f"/-/snapshot/{article_id}") + "?" + urlencode(
            {"database": db.name})
    html = await datasette.render_template("harvester_article.html", {
        "database": db.name,
        "article": article,
        "unpaired": _unpaired(article),
        "versions": history,
        "diff": diff,
        "related": related,
        "snapshot_url": snapshot_url,
        "row_url": datasette.urls.row(db.name, "articles", str(article_id)),
    }, request=request)
    return Response.html(html)


def warc_dir(datasette: Any, db: Any) -> Path | None:
    """Plugin config `warc_dir`, else a `warcs` directory beside the database file."""
    config = datasette.plugin_config(PLUGIN_NAME, database=db.name) or {}
    if config.get("warc_dir"):
        return Path(config["warc_dir"])
    if db.path:
        return Path(db.path).parent / "warcs"
    return None


async def snapshot_view(datasette: Any, request: Any) -> Response:
    """/-/snapshot/<id>: the raw HTTP payload the article was extracted from."""
    db = await _archive_database(datasette, request)
    article_id = _article_id(request)
    row = (await db.execute(
        "SELECT warc_file, warc_offset, warc_record_id FROM articles WHERE id = ?",
        [article_id])).first()
    if row is None or not row["warc_file"] or row["warc_offset"] is None:
        raise NotFound(f"No WARC pointer for article {article_id}")
    directory = warc_dir(datasette, db)
    if directory is None:
        raise NotFound("No warc_dir configured for the harvester-article-view plugin")
    try:
        path = resolve_warc_path(directory, row["warc_file"])
        snapshot = await asyncio.to_thread(  # a revisit resolves through the directory's CDXJ index
            read_snapshot, path, row["warc_offset"], row["warc_record_id"], warc_dir=directory)
    except SnapshotError as error:
        raise NotFound(f"Snapshot unavailable: {error}")
    return Response(
        snapshot.payload,
        content_type=snapshot.content_type or "application/octet-stream",
        headers={
            "content-security-policy": "sandbox",
            "x-content-type-options": "nosniff",
            "x-archive-record-id": snapshot.record_id or "",
        },
    )


def marked(text: str | None) -> Markup | None:
    """A search snippet as HTML: the text escaped, its hit markers turned into <mark>."""
    if text is None:
        return None
    escaped = str(Markup.escape(text))
    return Markup(escaped.replace(HIT_MARKS[0], "<mark>").replace(HIT_MARKS[1], "</mark>"))


def _page_number(request: Any) -> int:
    value = request.args.get("page") or "1"
    return int(value) if value.isdigit() and int(value) > 0 else 1


async def search_view(datasette: Any, request: Any) -> Response:
    """/-/search?q= (HTML) and /-/search.json: ranked hits, both-language snippets, facets.

    Filters: source, language, year (the facets); page (20 hits a page); database.
    """
    db = await _archive_database(datasette, request)
    query = (request.args.get("q") or "").strip()
    filters = {name: request.args.get(name) or None for name in FACETS}
    page = _page_number(request)
    as_json = request.url_vars.get("format") == "json"
    result = await db.execute_fn(lambda conn: search_page(
        conn, query, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE, filters=filters))
    pages = max(1, -(-result.total // PAGE_SIZE))

    def link(json: bool = as_json, **changes: Any) -> str:
        """This search with some arguments changed (None drops one; page 1 is the default)."""
        args = {"q": query, **filters, "page": page, "database": request.args.get("database")}
        args.update(changes)
        if args.get("page") == 1:
            args.pop("page")
        path = datasette.urls.path("/-/search.json" if json else "/-/search")
        return path + "?" + urlencode({k: v for k, v in args.items() if v not in (None, "")})

    next_url = link(page=page + 1) if page < pages else None
    prev_url = link(page=page - 1) if page > 1 else None
    if as_json:
        # Snippets as HTML (escaped, hits in <mark>), the same markup the page shows.
        hits = [{**hit, **{key: str(marked(hit[key])) if hit[key] is not None else None
                           for key in ("snippet", "snippet_en", "snippet_zh")},
                 "article_url": article_path(datasette, db.name, hit["id"])} for hit in result.hits]
        return Response.json({
            "database": db.name, "q": query, "filters": {k: v for k, v in filters.items() if v},
            "total": result.total, "page": page, "pages": pages, "page_size": PAGE_SIZE,
            "hits": hits, "facets": result.facets, "next_url": next_url, "previous_url": prev_url,
        })
    facets = [{
        "name": name,
        "selected": filters[name],
        "remove_url": link(**{name: None, "page": 1}) if filters[name] else None,
        "options": [{**value, "url": link(**{name: value["value"], "page": 1})}
                   for value in result.facets.get(name, [])],
    } for name in FACETS]
    hits = [{**hit, "link": article_path(datasette, db.name, hit["id"]),
             "html_en": marked(hit["snippet_en"]), "html_zh": marked(hit["snippet_zh"])}
            for hit in result.hits]
    archived = (await db.execute("SELECT count(*) FROM articles WHERE is_current = 1")).single_value()
    return Response.html(await datasette.render_template(SEARCH_TEMPLATE, {
        "database": db.name, "q": query, "total": result.total, "hits": hits, "facets": facets,
        "page": page, "pages": pages, "first": (page - 1) * PAGE_SIZE + 1,
        "next_url": next_url, "previous_url": prev_url, "json_url": link(json=True),
        "archived": archived, "database_arg": request.args.get("database"),
    }, request=request))


@hookimpl
def extra_template_vars(view_name: str, table: str | None, datasette: Any) -> Any:
    """The home page and the articles table link to /-/search (templates/index.html,
    table.html), when an archive is being served."""
    if view_name != "index" and not (view_name == "table" and table == "articles"):
        return {}

    async def search_link() -> dict[str, Any]:
        for name, db in datasette.databases.items():
            if name != "_internal" and await db.table_exists("articles"):
                return {"harvester_search_url": datasette.urls.path("/-/search")}
        return {}

    return search_link


@hookimpl
def filters_from_request(request: Any, database: str, table: str, datasette: Any) -> Any:
    """`?_search=` on `articles`, when the metadata names no `fts_table` (`harvest serve`'s).

    The same search as Datasette's own (`escape_fts`, `_searchmode=raw`, `_search_<column>`),
    with the SQL changed for the usual order, newest first: Datasette writes
    `id in (select rowid from articles_fts ...)`, and SQLite then fetches every match and
    sorts them all, article text included, to show one page; at 20,000 articles a common
    word costs tens of milliseconds. Written `+id in (...)` (the id no index key) and with
    the condition of the index `schema.SEARCH_ORDER_INDEX`, SQLite walks that index newest
    first, keeps the ids in the match set and stops after one page: the same rows in the
    same order (ties by id, as Datasette's sort gives them and its paging expects).
    """
    if table != "articles" or database not in _ARCHIVES:
        return None
    if datasette.table_metadata(database, table).get("fts_table"):
        return None  # Datasette's own search runs
    from datasette.filters import FilterArguments
    from datasette.utils.asgi import BadRequest

    searches = {key: request.args[key] for key in request.args
                if key.startswith("_search") and key != "_searchmode"}
    raw = request.args.get("_searchmode") == "raw"
    newest_first = (request.args.get("_sort_desc") == "published"
                    or not (request.args.get("_sort") or request.args.get("_sort_desc")))
    key = f"{SEARCH_ORDER_CONDITION} and +id" if newest_first else "id"
    where, params, human = [], {}, []
    context: dict[str, Any] = {"supports_search": True}
    if "_search" in searches:
        where.append(f"{key} in (select rowid from {FTS_TABLE} where {FTS_TABLE} match "
                     f"{':search' if raw else 'escape_fts(:search)'})")
        params["search"] = context["search"] = searches["_search"]
        human.append(f'search matches "{searches["_search"]}"')
    else:
        for i, (name, text) in enumerate(searches.items()):
            column = name.split("_search_", 1)[1]
            if column not in SEARCH_COLUMNS:
                raise BadRequest("Cannot search by that column")
            where.append(f"{key} in (select rowid from {FTS_TABLE} where {column} match "
                         f"{f':search_{i}' if raw else f'escape_fts(:search_{i})'})")
            params[f"search_{i}"] = context["search"] = text
            human.append(f'search column "{column}" matches "{text}"')
    return FilterArguments(where, params, human, context)


@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    return [
        (r"^/-/article/(?P<id>\d+)$", article_view),
        (r"^/-/snapshot/(?P<id>\d+)$", snapshot_view),
        (r"^/-/search(\.(?P<format>json))?$", search_view),
    ]
