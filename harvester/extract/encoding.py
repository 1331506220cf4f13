"""Bytes to text, trusting the bytes over what the page claims.

Chinese pages often lie: many declare gb2312 and are UTF-8, others declare nothing
and are GBK. So a declaration is only a hint that the bytes must confirm: strict
UTF-8 wins whenever it decodes, GB declarations are widened to gb18030 (a superset
of gb2312 and gbk), and charset-normalizer is the last resort.
"""
from __future__ import annotations

import codecs
import re

from harvester.extract.errors import ExtractionError

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_\-:.]+)""", re.I)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([a-zA-Z0-9_\-:.]+)", re.I)
_XML_ENCODING = re.compile(rb"""<\?xml[^>]+encoding\s*=\s*["']([a-zA-Z0-9_\-.]+)""", re.I)
_GB_FAMILY = {"gb2312", "gbk", "gb18030", "x-gbk", "gb_2312-80", "cp936", "euc-cn", "hz-gb-2312"}
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
# Magic numbers of formats users hand us by mistake; named in the error message.
_BINARY_MAGIC = ((b"%PDF", "a PDF file"), (b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"),
                 (b"GIF8", "a GIF image"), (b"PK\x03\x04", "a ZIP archive"), (b"\x1f\x8b", "gzip data"),
                 (b"RIFF", "a RIFF (WebP/WAV) file"), (b"\x7fELF", "an executable"))


def normalize_charset(name: str | None) -> str | None:
    """Canonical codec name, widening the GB family to gb18030; None if unknown."""
    if not name:
        return None
    name = name.strip().strip("\"'").lower()
    if name in _GB_FAMILY:
        return "gb18030"
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def declared_charsets(body: bytes, content_type: str = "") -> list[str]:
    """Charsets the page claims, most authoritative first (HTTP header, then markup)."""
    found: list[str] = []
    m = _HEADER_CHARSET.search(content_type or "")
    if m:
        found.append(m.group(1))
    head = body[:4096]
    for rx in (_META_CHARSET, _XML_ENCODING):
        m = rx.search(head)
        if m:
            found.append(m.group(1).decode("ascii", "ignore"))
    out: list[str] = []
    for name in found:
        norm = normalize_charset(name)
        if norm and norm not in out:
            out.append(norm)
    return out


def check_not_binary(body: bytes) -> None:
    """Refuse empty bodies and obvious non-text formats with a one-line reason."""
    if not body or not body.strip():
        raise ExtractionError("empty document")
    for magic, what in _BINARY_MAGIC:
        if body.startswith(magic):
            raise ExtractionError(f"not HTML: looks like {what}")
    sample = body[:2048]
    if not sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and sample.count(b"\x00") > 8:
        raise ExtractionError("not HTML: binary data")


def decode(body: bytes, content_type: str = "") -> tuple[str, str]:
    """Decode a page; returns (text, encoding actually used)."""
    check_not_binary(body)
    for bom, name in _BOMS:
        if body.startswith(bom):
            return body[len(bom):].decode(name, "replace"), name
    # Strict UTF-8 is self-verifying: real GBK text essentially never passes it.
    try:
        return body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    for name in declared_charsets(body, content_type):
        if name in ("utf-8", "ascii"):
            continue  # already failed strictly
        try:
            return body.decode(name), name
        except (UnicodeDecodeError, LookupError):
            continue
    # Undeclared non-UTF-8 Chinese pages are overwhelmingly GBK; gb18030 checks it strictly.
    try:
        return body.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        pass
    return _guess(body)


def _guess(body: bytes) -> tuple[str, str]:
    """Last resort: let charset-normalizer choose, else UTF-8 with replacement."""
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(body[:200_000]).best()
        if best is not None and best.encoding:
            name = normalize_charset(best.encoding) or best.encoding
            return body.decode(name, "replace"), name
    except Exception:  # noqa: BLE001 - a guesser failing must not stop extraction
        pass
    return body.decode("utf-8", "replace"), "utf-8"
