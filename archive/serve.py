"""`harvest serve`: open the archive in Datasette with the project's metadata and plugin.

Datasette 0.65 keys metadata by database name (the file's stem) and has no CLI
flag for plugin settings, so the shipped `datasette_metadata.json` (written for
`archive.db`) is re-keyed to the actual file name and given the absolute WARC
directory, written to a file, and passed with `--metadata`. The plugin itself
loads through its entry point.
"""
from __future__ import annotations

import copy
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

METADATA_FILE = Path(__file__).parent / "datasette_metadata.json"
DEFAULT_DATABASE = "archive"  # the key used in datasette_metadata.json
PLUGIN_NAME = "harvester-article-view"  # kept in step with datasette_plugin.PLUGIN_NAME

# Long article bodies would swamp table pages; the reader view shows them whole.
# Facet suggestions take a line above the rows and scan big tables on every page.
SETTINGS = {"truncate_cells_html": "300", "suggest_facets": "off"}


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
    return metadata


def write_metadata(db_path: str | Path, warc_dir: str | Path, out: str | Path) -> Path:
    """Write `build_metadata()` to `out` (JSON) and return its path."""
    out = Path(out)
    out.write_text(json.dumps(build_metadata(db_path, warc_dir), ensure_ascii=False, indent=2),
                   encoding="utf-8")
    return out


def serve_command_args(db_path: str | Path, warc_dir: str | Path, port: int = 8001, *,
                       metadata_path: str | Path, host: str = "127.0.0.1") -> list[str]:
    """The `python -m datasette serve ...` argv; `metadata_path` from `write_metadata()`."""
    args = [sys.executable, "-m", "datasette", "serve", str(db_path),
            "--metadata", str(metadata_path), "--host", host, "--port", str(port)]
    for name, value in SETTINGS.items():
        args += ["--setting", name, value]
    return args


def serve(db_path: str | Path, warc_dir: str | Path, port: int = 8001, *,
          host: str = "127.0.0.1") -> int:
    """Upgrade the archive if needed, then run Datasette until it exits; its exit code.

    Raises FileNotFoundError if there is no archive yet (nothing to serve).
    """
    db_path = Path(db_path)
    if not db_path.is_file():
        raise FileNotFoundError(f"{db_path}: no archive here (run harvest crawl first)")
    from .store import Archive  # migrations, so Datasette sees the current schema
    Archive(db_path).close()
    with tempfile.TemporaryDirectory(prefix="harvest-serve-") as tmp:
        metadata_path = write_metadata(db_path, warc_dir, Path(tmp) / "metadata.json")
        process = subprocess.Popen(
            serve_command_args(db_path, warc_dir, port, metadata_path=metadata_path, host=host))
        try:
            return process.wait()
        except KeyboardInterrupt:  # Ctrl-C reaches Datasette too; let it finish
            return process.wait() or 0
