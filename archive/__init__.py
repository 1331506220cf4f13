"""Storage for harvested articles: SQLite (sqlite-utils) browsed with Datasette.

Never imports `harvester`: the crawler depends on the archive, not the reverse.
"""
from .store import CHANGED, NEW, UNCHANGED, Archive, content_hash

__all__ = ["Archive", "content_hash", "NEW", "CHANGED", "UNCHANGED"]
