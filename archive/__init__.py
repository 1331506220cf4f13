"""Storage for harvested articles: SQLite (sqlite-utils) browsed with Datasette.

Never imports `harvester`: the crawler depends on the archive, not the reverse.
"""
import warnings

# cdxj-indexer (used here and by wacz) imports Py3AMF, which imports pkg_resources; the
# setuptools that Scrapyd 1.6 needs (< 81) warns about that on stderr at every command.
warnings.filterwarnings("ignore", message="pkg_resources is deprecated as an API", category=UserWarning)

from .store import CHANGED, NEW, UNCHANGED, Archive, content_hash  # noqa: E402

__all__ = ["Archive", "content_hash", "NEW", "CHANGED", "UNCHANGED"]
