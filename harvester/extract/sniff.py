"""Is this response an HTML page? Under a vague label the bytes decide.

Servers label pages carelessly: an article served as ``application/octet-stream``,
``binary/octet-stream``, ``text/plain``, an invented type or no type at all is still an
article, and an archiver that trusts such a label loses it. As browsers do (the WHATWG
sniffing rules), a label that names a binary format (PDF, images, audio, video, archives,
fonts) is believed; any other label lets the bytes speak: the decoder refuses binary
signatures and the parser text without markup, everything else is read as HTML.
"""
from __future__ import annotations

import re

#: content types that name a binary format; used only when the bytes themselves are not telling
BINARY_TYPES = ("application/pdf", "image/", "audio/", "video/", "application/zip", "application/x-zip",
                "application/gzip", "application/x-gzip", "application/x-tar", "application/x-rar",
                "application/x-7z", "application/vnd.", "application/msword", "font/", "application/font")

SNIFF_BYTES = 1024  # the WHATWG sniffing algorithm looks at the first 1445 bytes; markup starts well before

_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
# the first tag of an HTML document (WHATWG "text/html" sniffing signatures, plus XHTML's XML declaration)
_HTML_START = re.compile(
    rb"\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*"
    rb"<(?:!doctype\s+html|html|head|body|meta|title|script|style|link|div|table|p|h1|iframe|font|br|a|b|!--)[\s/>]",
    re.I | re.S)
_BINARY_MAGIC = (b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"PK\x03\x04", b"\x1f\x8b", b"RIFF", b"\x7fELF",
                 b"ID3", b"OggS", b"\x00\x00\x00", b"wOFF", b"wOF2", b"Rar!", b"7z\xbc\xaf")


def starts_like_html(body: bytes) -> bool:
    """The body opens with an HTML tag (a doctype, <html>, <head>, a comment …)."""
    head = body[:SNIFF_BYTES]
    for bom in _BOMS:
        if head.startswith(bom):
            head = head[len(bom):]
            if bom != _BOMS[0]:  # UTF-16: look at the ASCII bytes only
                head = head.replace(b"\x00", b"")
            break
    return bool(_HTML_START.match(head))


def starts_like_binary(body: bytes) -> bool:
    """The body opens with the signature of a binary format (PDF, images, archives, media)."""
    return body.startswith(_BINARY_MAGIC)


def media_type(content_type: str) -> str:
    """'Text/HTML; charset=gbk' -> 'text/html'."""
    return (content_type or "").split(";")[0].strip().lower()


def refusal(content_type: str = "") -> str | None:
    """Why a response is refused by its label alone (a binary format), else None: the bytes decide."""
    ctype = media_type(content_type)
    if ctype.startswith(BINARY_TYPES):
        return f"not HTML: content-type {ctype}"
    return None


def may_be_html(body: bytes, content_type: str = "") -> bool:
    """Worth handing to the extractor: an HTML or missing label, or any label but a binary format's
    over bytes that open like HTML (an article served as application/octet-stream)."""
    ctype = media_type(content_type)
    if not ctype or "html" in ctype:
        return True
    return refusal(ctype) is None and not starts_like_binary(body) and starts_like_html(body)


__all__ = ["BINARY_TYPES", "media_type", "starts_like_html", "starts_like_binary", "refusal", "may_be_html"]
