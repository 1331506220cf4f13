"""Export the aligned EN/ZH pairs: JSON Lines, or TMX 1.4 for translation memory tools.

Both stream: pairs come from one database cursor (`iter_pairs`) and go out one
line / one <tu> at a time, so memory stays flat however large the archive is.
Only current article versions are exported.
"""
from __future__ import annotations

import contextlib
import io
import json
import re
import sqlite3
from collections.abc import Iterator
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import IO, Any
from xml.sax.saxutils import escape, quoteattr

from .store import iter_pairs

Out = str | Path | IO[str] | IO[bytes]

# Characters XML 1.0 forbids even escaped; a stray one would make the file unparseable.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _connection(db: Any) -> sqlite3.Connection:
    """Accept an Archive, a sqlite-utils Database or a sqlite3 connection."""
    return getattr(db, "conn", db)


@contextlib.contextmanager
def _text_out(out: Out) -> Iterator[IO[str]]:
    """A UTF-8 text stream on a path, a text stream or a binary stream."""
    if isinstance(out, (str, Path)):
        with open(out, "w", encoding="utf-8", newline="\n") as handle:
            yield handle
    elif isinstance(out, io.TextIOBase) or hasattr(out, "encoding"):
        yield out  # type: ignore[misc]
        out.flush()
    else:
        wrapper = io.TextIOWrapper(out, encoding="utf-8", newline="\n")  # type: ignore[arg-type]
        try:
            yield wrapper
        finally:
            wrapper.flush()
            wrapper.detach()  # leave the caller's stream open


def export_jsonl(db: Any, out: Out, source: str | None = None, since: str | None = None,
                 until: str | None = None) -> int:
    """One JSON object per pair (article_id, url, source, published, seq, en, zh); returns the count."""
    count = 0
    with _text_out(out) as handle:
        for pair in iter_pairs(_connection(db), source=source, since=since, until=until):
            handle.write(json.dumps(pair, ensure_ascii=False) + "\n")
            count += 1
    return count


def _xml_text(text: str | None) -> str:
    return escape(_XML_ILLEGAL.sub("", text or ""))


def _tool_version() -> str:
    try:
        return metadata.version("news-harvester")
    except metadata.PackageNotFoundError:
        return "0"


def export_tmx(db: Any, out: Out, source: str | None = None, since: str | None = None,
               until: str | None = None, *, creation_date: datetime | None = None) -> int:
    """TMX 1.4: one <tu> per pair, an `en` and a `zh` <tuv>; returns the count.

    Each <tu> carries its provenance as <prop>s (x-url, x-source, x-published,
    x-article-id) so a segment can be traced back to its article.
    """
    created = (creation_date or datetime.now(timezone.utc)).astimezone(timezone.utc)
    header = {
        "creationtool": "news-harvester",
        "creationtoolversion": _tool_version(),
        "creationdate": created.strftime("%Y%m%dT%H%M%SZ"),
        "datatype": "plaintext",
        "segtype": "paragraph",
        "adminlang": "en",
        "srclang": "en",
        "o-tmf": "news-harvester-sqlite",
    }
    count = 0
    with _text_out(out) as handle:
        handle.write('<?xml version="1.0" encoding="UTF-8"?>\n<tmx version="1.4">\n  <header')
        for name, value in header.items():
            handle.write(f" {name}={quoteattr(value)}")
        handle.write("/>\n  <body>\n")
        for pair in iter_pairs(_connection(db), source=source, since=since, until=until):
            props = [("x-article-id", str(pair["article_id"])), ("x-url", pair["url"]),
                     ("x-source", pair["source"]), ("x-published", pair["published"])]
            tuid = quoteattr(f"{pair['article_id']}-{pair['seq']}")
            handle.write(f"    <tu tuid={tuid}>\n")
            for kind, value in props:
                if value:
                    handle.write(f'      <prop type="{kind}">{_xml_text(value)}</prop>\n')
            handle.write(f'      <tuv xml:lang="en"><seg>{_xml_text(pair["en"])}</seg></tuv>\n')
            handle.write(f'      <tuv xml:lang="zh"><seg>{_xml_text(pair["zh"])}</seg></tuv>\n')
            handle.write("    </tu>\n")
            count += 1
        handle.write("  </body>\n</tmx>\n")
    return count
