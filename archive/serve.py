"""`harvest serve`: open the archive in Datasette with the project's metadata and plugin.

Datasette runs in this process, through its Python API under uvicorn (what
`datasette serve` does itself): a signal to `harvest serve` (SIGTERM, Ctrl-C) stops
the server and frees its port; there is no child process to leave behind.

Datasette 0.65 keys metadata by database name (the file's stem), so the shipped
`datasette_metadata.json` (written for `archive.db`) is re-keyed to the actual file
name and given the absolute WARC directory for the plugin. The plugin itself loads
through its entry point.
"""
from __future__ import annotations

import asyncio
import copy
import json
from pathlib import Path
from typing import Any

METADATA_FILE = Path(__file__).parent / "datasette_metadata.json"
DEFAULT_DATABASE = "archive"  # the key used in datasette_metadata.json
PLUGIN_NAME = "harvester-article-view"  # kept in step with datasette_plugin.PLUGIN_NAME

# Long article bodies would swamp table pages; the reader view shows them whole.
# Facet suggestions take a line above the rows and scan big tables on every page.
SETTINGS = {"truncate_cells_html": 300, "suggest_facets": False}
GRACEFUL_SHUTDOWN = 1  # seconds open connections get once a signal arrives


def load_metadata() -> dict[str, Any]:
    """The shipped metadata, as written for a database called `archive`."""
    return json.loads(METADATA_FILE.read_text(encoding="utf-8"))


def build_metadata(db_path: str | Path, warc_dir: str | Path) -> dict[str, Any]:
    """Metadata for serving `db_path`: keyed by its name, with the plugin's warc_dir."""
    metadata = copy.deepcopy(load_metadata())
    databases = metadata.get("databases", {})
    name = Path(db_path).stem
    if DEFAULT_DATABASE in databases and name != DEFAULT_DATABASE:
        databases[name] = databases.pop(DEFAULT_DATABASE)
    metadata.setdefault("plugins", {}).setdefault(PLUGIN_NAME, {})["warc_dir"] = str(
        Path(warc_dir).resolve())
    # The plugin runs ?_search= on articles itself, with SQL that pages through the
    # `published` index instead of sorting every match (datasette_plugin.filters_from_request).
    articles = databases.get(name, {}).get("tables", {}).get("articles", {})
    for key in ("fts_table", "fts_pk"):
        articles.pop(key, None)
    return metadata


def datasette(db_path: str | Path, warc_dir: str | Path):
    """The Datasette instance `harvest serve` runs (also what tests talk to)."""
    from datasette.app import Datasette

    return Datasette([str(db_path)], metadata=build_metadata(db_path, warc_dir), settings=dict(SETTINGS))


def serve(db_path: str | Path, warc_dir: str | Path, port: int = 8001, *,
          host: str = "127.0.0.1") -> None:
    """Upgrade the archive if needed, then serve it until a signal stops the server.

    Raises FileNotFoundError if there is no archive yet (nothing to serve). A port
    already in use ends in uvicorn's one-line error and exit status 1; a SIGTERM ends
    the process as SIGTERM does, once the server is down; Ctrl-C is KeyboardInterrupt.
    """
    import uvicorn

    db_path = Path(db_path)
    if not db_path.is_file():
        raise FileNotFoundError(f"{db_path}: no archive here (run harvest crawl first)")
    from .store import Archive  # migrations, so Datasette sees the current schema
    Archive(db_path).close()
    ds = datasette(db_path, warc_dir)
    server = uvicorn.Server(uvicorn.Config(ds.app(), host=host, port=port, log_level="info", lifespan="on",
                                           timeout_graceful_shutdown=GRACEFUL_SHUTDOWN))

    async def run() -> None:
        await ds.invoke_startup()
        await server.serve()

    asyncio.run(run())
